//! Exporting a filtered customer list (issue 3, item 10) as CSV (UTF-8 with a BOM, so that Excel
//! opens it) or XLSX. Built on the list's own [`CustomerQuery`] and data scope, so a filter added
//! to the list is a filter of the export too. Rows are read in keyset pages of [`BATCH`] by id:
//! memory stays flat whatever the number of customers.

use std::collections::HashMap;
use std::sync::Arc;

use salesdesk_domain::customer::{CompanySize, CustomerStatus};
use salesdesk_store::customers::{self as store, CustomerFilter, Visible};
use salesdesk_store::{regions, users};

use crate::customers::{CustomerQuery, filter_of};
use crate::{App, AppError, Ctx, Result, xlsx};

/// Customers read per query.
pub const BATCH: u64 = 2_000;

/// The columns, as i18n keys of their headers (`export.col.*`). Those that name a field of the
/// import are the import's header names too, so an exported file imports again as it is.
pub const COLUMNS: [&str; 22] = [
    "export.col.id",
    "export.col.name",
    "export.col.short_name",
    "export.col.uscc",
    "export.col.status",
    "export.col.type",
    "export.col.source",
    "export.col.size",
    "export.col.owner",
    "export.col.region",
    "export.col.province",
    "export.col.city",
    "export.col.address",
    "export.col.industry",
    "export.col.website",
    "export.col.email",
    "export.col.phone",
    "export.col.background",
    "export.col.last_contact_at",
    "export.col.next_contact_on",
    "export.col.created_at",
    "export.col.updated_at",
];

/// The texts of the headers, statuses and sizes in the reader's language; the caller (who owns
/// the message catalog) translates the keys.
#[derive(Debug, Clone)]
pub struct Labels {
    headers: Vec<String>,
    statuses: Vec<(CustomerStatus, String)>,
    sizes: Vec<(CompanySize, String)>,
}

impl Labels {
    pub fn new(tr: impl Fn(&str) -> String) -> Labels {
        Labels {
            headers: COLUMNS.iter().map(|k| tr(k)).collect(),
            statuses: CustomerStatus::ALL
                .iter()
                .map(|s| (*s, tr(&s.label_key())))
                .collect(),
            sizes: CompanySize::ALL
                .iter()
                .map(|s| (*s, tr(&s.label_key())))
                .collect(),
        }
    }
}

/// Which file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Reads the visible, filtered customers page by page and turns them into rows of text.
pub struct Exporter {
    app: App,
    visible: Visible,
    filter: CustomerFilter,
    after: i64,
    finished: bool,
    header_sent: bool,
    english: bool,
    tz: chrono_tz::Tz,
    regions: HashMap<i64, (String, String)>,
    choices: Arc<Vec<crate::choices::Choice>>,
    labels: Labels,
    /// Who exports with which filter, and how many rows went out so far: written to the audit
    /// log once the last page is read (issue 10, point 10).
    ctx: Ctx,
    query: serde_json::Value,
    rows: u64,
    audited: bool,
}

/// Opens an export of what the list would show with this query.
pub async fn open(app: &App, ctx: &Ctx, q: &CustomerQuery, labels: Labels) -> Result<Exporter> {
    let scope = crate::export_rights::require(app, ctx).await?;
    let v = crate::customers::visible_in(app, ctx, scope).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    let filter = filter_of(app, q).await?;
    let regions = regions::list(app.db.read())
        .await?
        .into_iter()
        .map(|r| (r.id, (r.name, r.name_en)))
        .collect();
    Ok(Exporter {
        app: app.clone(),
        visible: v,
        filter,
        after: 0,
        finished: false,
        header_sent: false,
        english: ctx.locale.starts_with("en"),
        tz: app.config.time_zone,
        regions,
        choices: crate::choices::all(app).await?,
        labels,
        ctx: ctx.clone(),
        query: serde_json::to_value(q).unwrap_or_default(),
        rows: 0,
        audited: false,
    })
}

impl Exporter {
    pub fn headers(&self) -> &[String] {
        &self.labels.headers
    }

    /// Records the finished export: who, which filter, how many rows (once).
    async fn audit(&mut self) -> Result<()> {
        if self.audited {
            return Ok(());
        }
        self.audited = true;
        let tx = self.app.db.begin().await?;
        salesdesk_store::audit::insert(
            &tx,
            self.ctx.audit(
                "customer.export",
                "customer",
                None,
                None,
                Some(serde_json::json!({"filter": self.query, "rows": self.rows})),
            ),
        )
        .await?;
        self.app.db.commit(tx).await?;
        Ok(())
    }

    /// The next page of rows, `None` after the last.
    pub async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if self.finished {
            self.audit().await?;
            return Ok(None);
        }
        let list = store::after_id(
            self.app.db.read(),
            &self.visible,
            &self.filter,
            self.after,
            BATCH,
        )
        .await?;
        if (list.len() as u64) < BATCH {
            self.finished = true;
        }
        let Some(last) = list.last() else {
            self.audit().await?;
            return Ok(None);
        };
        self.after = last.id;
        self.rows += list.len() as u64;
        let mut ids: Vec<i64> = list.iter().filter_map(|c| c.owner_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let owners: HashMap<i64, String> = users::by_ids(self.app.db.read(), &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(Some(list.iter().map(|c| self.row(c, &owners)).collect()))
    }

    fn row(&self, c: &store::Customer, owners: &HashMap<i64, String>) -> Vec<String> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let time = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&self.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let lang = if self.english { "en" } else { "zh" };
        let choice = |list: &str, code: &Option<String>| {
            code.as_deref()
                .map(|code| crate::choices::label(&self.choices, list, code, lang).to_string())
                .unwrap_or_default()
        };
        let status = CustomerStatus::parse(&c.status)
            .and_then(|st| self.labels.statuses.iter().find(|(x, _)| *x == st))
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| c.status.clone());
        let size = c
            .size_code
            .as_deref()
            .and_then(CompanySize::parse)
            .and_then(|z| self.labels.sizes.iter().find(|(x, _)| *x == z))
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        let region = c
            .region_id
            .and_then(|r| self.regions.get(&r))
            .map(|(zh, en)| if self.english { en.clone() } else { zh.clone() })
            .unwrap_or_default();
        vec![
            c.id.to_string(),
            c.name.clone(),
            s(&c.short_name),
            s(&c.uscc),
            status,
            choice("type", &c.type_code),
            choice("source", &c.source_code),
            size,
            c.owner_id
                .and_then(|o| owners.get(&o).cloned())
                .unwrap_or_default(),
            region,
            s(&c.province),
            s(&c.city),
            s(&c.address),
            s(&c.industry),
            s(&c.website),
            s(&c.email),
            s(&c.phone),
            s(&c.background),
            c.last_contact_at.map(time).unwrap_or_default(),
            c.next_contact_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            time(c.created_at),
            time(c.updated_at),
        ]
    }

    /// The next piece of the CSV file: the BOM and the header first, then a page of rows per
    /// call; `None` at the end.
    pub async fn next_csv(&mut self) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        if !self.header_sent {
            self.header_sent = true;
            out.extend_from_slice(b"\xEF\xBB\xBF");
            out.extend(csv_line(&self.labels.headers));
        }
        match self.next_rows().await? {
            Some(rows) => {
                for r in &rows {
                    out.extend(csv_line(r));
                }
                Ok(Some(out))
            }
            None if out.is_empty() => Ok(None),
            None => Ok(Some(out)),
        }
    }

    /// The whole XLSX file. Rows are written (compressed as they come) on a blocking thread
    /// while the next page is read.
    pub async fn xlsx(mut self) -> Result<Vec<u8>> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<String>>>(2);
        let headers = self.labels.headers.clone();
        let sheet = if self.english { "Customers" } else { "客户" };
        let writer = tokio::task::spawn_blocking(move || write_xlsx(sheet, &headers, rx));
        while let Some(rows) = self.next_rows().await? {
            if tx.send(rows).is_err() {
                break;
            }
        }
        drop(tx);
        writer
            .await
            .map_err(|e| AppError::Internal(format!("xlsx writer: {e}")))?
            .map_err(|e| AppError::Internal(format!("xlsx: {e}")))
    }
}

/// One CSV line. Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) get a
/// leading apostrophe, so that an export cannot carry a formula into someone's Excel.
pub fn csv_line(cells: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(256));
    let safe = cells.iter().map(|c| {
        if c.starts_with(['=', '+', '-', '@']) {
            format!("'{c}")
        } else {
            c.clone()
        }
    });
    // Writing to a Vec cannot fail.
    let _ = w.write_record(safe);
    w.into_inner().unwrap_or_default()
}

/// What a column of [`COLUMNS`] holds, for the XLSX file: times (`yyyy-mm-dd hh:mm`, company
/// zone) and dates are written as dates, so that a spreadsheet sorts and filters them as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Time,
    Date,
}

fn kind(column: usize) -> Kind {
    match COLUMNS.get(column).copied() {
        Some("export.col.last_contact_at" | "export.col.created_at" | "export.col.updated_at") => {
            Kind::Time
        }
        Some("export.col.next_contact_on") => Kind::Date,
        _ => Kind::Text,
    }
}

/// Width (in characters) of an export column: wide for names, addresses and notes, else the
/// header's width.
fn column_width(column: usize, header: &str) -> f64 {
    let shown = xlsx::shown_width(header);
    match COLUMNS.get(column).copied() {
        Some("export.col.name") => 36.0,
        Some("export.col.address") => 40.0,
        Some("export.col.background") => 50.0,
        _ if kind(column) != Kind::Text => 17.0,
        _ => (shown + 4).clamp(10, 30) as f64,
    }
}

fn write_xlsx(
    sheet: &str,
    headers: &[String],
    rows: std::sync::mpsc::Receiver<Vec<Vec<String>>>,
) -> std::result::Result<Vec<u8>, xlsx::XlsxError> {
    let mut book = xlsx::Book::streaming();
    let widths: Vec<f64> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| column_width(i, h))
        .collect();
    let header: Vec<&str> = headers.iter().map(String::as_str).collect();
    book.sheet(sheet, &widths, &header)?;
    for batch in rows {
        let mut cells = Vec::with_capacity(headers.len());
        for row in &batch {
            cells.clear();
            cells.extend(row.iter().enumerate().map(|(i, cell)| {
                let date = match kind(i) {
                    Kind::Time | Kind::Date => xlsx::serial(cell),
                    Kind::Text => None,
                };
                match date {
                    Some((v, style)) => xlsx::Cell::Number(v, style),
                    None => xlsx::Cell::Text(cell),
                }
            }));
            book.row(&cells)?;
        }
    }
    book.finish()
}

pub use crate::xlsx::Sheet;

/// A small workbook of several sheets, each with a bold, frozen header row and columns as wide
/// as their longest value.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>> {
    xlsx::workbook(sheets).map_err(|e| AppError::Internal(e.to_string()))
}

/// A file name for the download: `客户-2026-11-27.csv` in the company zone.
pub fn file_name(app: &App, format: Format, english: bool) -> String {
    let day = chrono::Utc::now()
        .with_timezone(&app.config.time_zone)
        .format("%Y-%m-%d");
    let stem = if english { "customers" } else { "客户" };
    match format {
        Format::Csv => format!("{stem}-{day}.csv"),
        Format::Xlsx => format!("{stem}-{day}.xlsx"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_times_and_dates_become_excel_dates_and_other_columns_stay_text() {
        assert_eq!(kind(0), Kind::Text);
        assert_eq!(kind(1), Kind::Text);
        let times: Vec<&str> = (0..COLUMNS.len())
            .filter(|i| kind(*i) == Kind::Time)
            .map(|i| COLUMNS[i])
            .collect();
        assert_eq!(
            times,
            [
                "export.col.last_contact_at",
                "export.col.created_at",
                "export.col.updated_at"
            ]
        );
        assert!(xlsx::serial("2026-11-27 14:05").is_some());
        assert!(xlsx::serial("2026-11-27").is_some());
        assert!(xlsx::serial("北京").is_none());
        assert!(xlsx::serial("2026-13-40").is_none());
        assert_eq!(column_width(1, "客户名称"), 36.0);
    }
}
