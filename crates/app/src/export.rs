//! Exporting a filtered list as CSV (UTF-8 with a BOM, so that Excel opens it) or XLSX: the
//! [`Export`] every list's export goes through (header, CSV a page at a time, the streamed
//! workbook, the audit record once the last page is read), and the customers' rows (issue 3,
//! item 10). The customers' export is built on the list's own [`CustomerQuery`] and data scope,
//! so a filter added to the list is a filter of the export too. Rows are read in keyset pages of
//! [`BATCH`] by id: memory stays flat whatever the number of customers. Deals, contracts and
//! receivables: `list_export`.

use std::collections::HashMap;
use std::sync::Arc;

use salesdesk_domain::customer::{CompanySize, CustomerStatus};
use salesdesk_store::customers::{self as store, CustomerFilter, Visible};
use salesdesk_store::{regions, users};

use crate::customers::{CustomerQuery, filter_of};
use crate::{App, AppError, Ctx, Result, xlsx};

/// Customers read per query.
pub const BATCH: u64 = 2_000;

/// The columns, as i18n keys of their headers (`export.col.*`) and what they hold. Those that
/// name a field of the import are the import's header names too, so an exported file imports
/// again as it is.
pub const COLUMNS: [Column; 22] = [
    ("export.col.id", Kind::Text),
    ("export.col.name", Kind::Text),
    ("export.col.short_name", Kind::Text),
    ("export.col.uscc", Kind::Text),
    ("export.col.status", Kind::Text),
    ("export.col.type", Kind::Text),
    ("export.col.source", Kind::Text),
    ("export.col.size", Kind::Text),
    ("export.col.owner", Kind::Text),
    ("export.col.region", Kind::Text),
    ("export.col.province", Kind::Text),
    ("export.col.city", Kind::Text),
    ("export.col.address", Kind::Text),
    ("export.col.industry", Kind::Text),
    ("export.col.website", Kind::Text),
    ("export.col.email", Kind::Text),
    ("export.col.phone", Kind::Text),
    ("export.col.background", Kind::Text),
    ("export.col.last_contact_at", Kind::Time),
    ("export.col.next_contact_on", Kind::Date),
    ("export.col.created_at", Kind::Time),
    ("export.col.updated_at", Kind::Time),
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
            headers: COLUMNS.iter().map(|(k, _)| tr(k)).collect(),
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

/// One column of an export: the i18n key of its header and what it holds.
pub type Column = (&'static str, Kind);

/// A source of export rows, read a page at a time (the lists' own queries, in keyset or
/// bounded pages, so that memory stays flat whatever the number of rows).
pub trait Rows: Send + 'static {
    /// The next page of rows, as text in the columns' order; `None` after the last.
    fn next_rows(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Vec<Vec<String>>>>> + Send;
}

/// An export in progress: the header, the rows of its source, CSV a page at a time or the
/// XLSX file, and the audit record written once the last page is read (issue 10, point 10).
pub struct Export<R> {
    app: App,
    source: R,
    headers: Vec<String>,
    kinds: Vec<Kind>,
    widths: Vec<f64>,
    sheet: &'static str,
    header_sent: bool,
    ctx: Ctx,
    /// The audit action (`customer.export`, …), the entity, and the filter as given.
    action: &'static str,
    entity: &'static str,
    query: serde_json::Value,
    rows: u64,
    audited: bool,
}

/// What an export is of, for its audit record and its workbook.
pub struct Meta {
    /// `customer.export`, `deal.export`, …
    pub action: &'static str,
    pub entity: &'static str,
    /// The sheet's name, in the reader's language.
    pub sheet: &'static str,
    /// The filter, as the audit record keeps it.
    pub query: serde_json::Value,
}

impl<R: Rows> Export<R> {
    /// An export of `source` with these columns; `headers` are the columns' header texts.
    pub fn new(
        app: &App,
        ctx: &Ctx,
        source: R,
        columns: &[Column],
        headers: Vec<String>,
        meta: Meta,
    ) -> Export<R> {
        let widths = columns
            .iter()
            .zip(&headers)
            .map(|((key, kind), h)| column_width(key, *kind, h))
            .collect();
        Export {
            app: app.clone(),
            source,
            kinds: columns.iter().map(|c| c.1).collect(),
            widths,
            headers,
            sheet: meta.sheet,
            header_sent: false,
            ctx: ctx.clone(),
            action: meta.action,
            entity: meta.entity,
            query: meta.query,
            rows: 0,
            audited: false,
        }
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
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
                self.action,
                self.entity,
                None,
                None,
                Some(serde_json::json!({"filter": self.query, "rows": self.rows})),
            ),
        )
        .await?;
        self.app.db.commit(tx).await?;
        Ok(())
    }

    /// The next page of rows, `None` after the last (and then the export is audited).
    pub async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        match self.source.next_rows().await? {
            Some(rows) if !rows.is_empty() => {
                self.rows += rows.len() as u64;
                Ok(Some(rows))
            }
            _ => {
                self.audit().await?;
                Ok(None)
            }
        }
    }

    /// The next piece of the CSV file: the BOM and the header first, then a page of rows per
    /// call; `None` at the end.
    pub async fn next_csv(&mut self) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        if !self.header_sent {
            self.header_sent = true;
            out.extend_from_slice(b"\xEF\xBB\xBF");
            out.extend(csv_line(&self.headers));
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
        let headers = self.headers.clone();
        let kinds = self.kinds.clone();
        let widths = self.widths.clone();
        let sheet = self.sheet;
        let writer =
            tokio::task::spawn_blocking(move || write_xlsx(sheet, &headers, &kinds, &widths, rx));
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

/// The visible, filtered customers, read page by page as rows of text.
pub struct CustomerRows {
    app: App,
    visible: Visible,
    filter: CustomerFilter,
    after: i64,
    finished: bool,
    english: bool,
    tz: chrono_tz::Tz,
    regions: HashMap<i64, (String, String)>,
    choices: Arc<Vec<crate::choices::Choice>>,
    labels: Labels,
}

/// A customer export.
pub type Exporter = Export<CustomerRows>;

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
    let english = ctx.locale.starts_with("en");
    let headers = labels.headers.clone();
    let rows = CustomerRows {
        app: app.clone(),
        visible: v,
        filter,
        after: 0,
        finished: false,
        english,
        tz: app.config.time_zone,
        regions,
        choices: crate::choices::all(app).await?,
        labels,
    };
    let meta = Meta {
        action: "customer.export",
        entity: "customer",
        sheet: if english { "Customers" } else { "客户" },
        query: serde_json::to_value(q).unwrap_or_default(),
    };
    Ok(Export::new(app, ctx, rows, &COLUMNS, headers, meta))
}

impl Rows for CustomerRows {
    async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if self.finished {
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
            return Ok(None);
        };
        self.after = last.id;
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
}

impl CustomerRows {
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

/// What a column holds, for the XLSX file: times (`yyyy-mm-dd hh:mm`, company zone) and dates
/// are written as dates, so that a spreadsheet sorts and filters them as such; money (`1234.50`,
/// exact text in CSV) as a number shown `¥1,234.50`, so that it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Time,
    Date,
    Money,
}

/// Width (in characters) of an export column: wide for names, titles, addresses and notes,
/// else the header's width.
fn column_width(key: &str, kind: Kind, header: &str) -> f64 {
    let shown = xlsx::shown_width(header);
    match key {
        "export.col.name" | "export.col.customer" | "export.col.title" => 36.0,
        "export.col.address" => 40.0,
        "export.col.background" => 50.0,
        _ if kind != Kind::Text => 17.0,
        _ => (shown + 4).clamp(10, 30) as f64,
    }
}

/// One cell of the XLSX file: a date, time or amount as a number when it reads as one.
fn cell(kind: Kind, text: &str) -> xlsx::Cell<'_> {
    let number = match kind {
        Kind::Time | Kind::Date => xlsx::serial(text),
        Kind::Money => text.parse::<f64>().ok().map(|v| (v, xlsx::Style::Money)),
        Kind::Text => None,
    };
    match number {
        Some((v, style)) => xlsx::Cell::Number(v, style),
        None => xlsx::Cell::Text(text),
    }
}

fn write_xlsx(
    sheet: &str,
    headers: &[String],
    kinds: &[Kind],
    widths: &[f64],
    rows: std::sync::mpsc::Receiver<Vec<Vec<String>>>,
) -> std::result::Result<Vec<u8>, xlsx::XlsxError> {
    let mut book = xlsx::Book::streaming();
    let header: Vec<&str> = headers.iter().map(String::as_str).collect();
    book.sheet(sheet, widths, &header)?;
    for batch in rows {
        let mut cells = Vec::with_capacity(headers.len());
        for row in &batch {
            cells.clear();
            cells.extend(
                row.iter()
                    .enumerate()
                    .map(|(i, text)| cell(kinds.get(i).copied().unwrap_or(Kind::Text), text)),
            );
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

/// A file name for the customers' download: `客户-2026-11-27.csv` in the company zone.
pub fn file_name(app: &App, format: Format, english: bool) -> String {
    named_file(app, if english { "customers" } else { "客户" }, format)
}

/// A download's file name: `stem-2026-11-27.csv` in the company zone.
pub fn named_file(app: &App, stem: &str, format: Format) -> String {
    let day = chrono::Utc::now()
        .with_timezone(&app.config.time_zone)
        .format("%Y-%m-%d");
    match format {
        Format::Csv => format!("{stem}-{day}.csv"),
        Format::Xlsx => format!("{stem}-{day}.xlsx"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_times_and_dates_become_excel_dates_money_a_number_and_other_columns_stay_text() {
        assert_eq!(COLUMNS[0].1, Kind::Text);
        let times: Vec<&str> = COLUMNS
            .iter()
            .filter(|c| c.1 == Kind::Time)
            .map(|c| c.0)
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
        assert_eq!(
            column_width("export.col.name", Kind::Text, "客户名称"),
            36.0
        );
        assert!(matches!(
            cell(Kind::Money, "1234567.89"),
            xlsx::Cell::Number(v, xlsx::Style::Money) if v == 1234567.89
        ));
        assert!(matches!(cell(Kind::Money, ""), xlsx::Cell::Text("")));
        assert!(matches!(cell(Kind::Text, "1.5"), xlsx::Cell::Text("1.5")));
    }
}
