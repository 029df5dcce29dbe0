//! Exporting the deals, contracts and receivables lists (issue 13 point 7) as CSV or XLSX,
//! through the customers' [`Export`]: the same rights (`export_rights`: a position may export
//! nothing, its own records, or what it sees), the same audit record, the same files. Deals and
//! contracts are read in keyset pages by id with the list's own filter; receivables by pages of
//! the report's groups. Amounts are exact: `1234.50` as text in CSV, a number shown `¥1,234.50`
//! in XLSX.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use salesdesk_domain::collection::Bucket;
use salesdesk_store::collections::{GroupBy, ReceivableFilter};
use salesdesk_store::contracts::ContractFilter;
use salesdesk_store::customers::Visible;
use salesdesk_store::deals::DealFilter;
use salesdesk_store::regions;

use crate::contracts::ContractQuery;
use crate::deals::DealQuery;
use crate::export::{Column, Export, Kind, Meta, Rows};
use crate::{App, AppError, Ctx, Result};

/// Rows read per query.
pub const BATCH: u64 = 1_000;

/// The deals' columns (i18n keys of the headers).
pub const DEAL_COLUMNS: [Column; 11] = [
    ("export.col.id", Kind::Text),
    ("export.col.deal", Kind::Text),
    ("export.col.customer", Kind::Text),
    ("export.col.stage", Kind::Text),
    ("export.col.state", Kind::Text),
    ("export.col.amount", Kind::Money),
    ("export.col.probability", Kind::Text),
    ("export.col.weighted", Kind::Money),
    ("export.col.expected_sign_date", Kind::Date),
    ("export.col.owner", Kind::Text),
    ("export.col.region", Kind::Text),
];

/// The contracts' columns.
pub const CONTRACT_COLUMNS: [Column; 13] = [
    ("export.col.number", Kind::Text),
    ("export.col.title", Kind::Text),
    ("export.col.customer", Kind::Text),
    ("export.col.contract_status", Kind::Text),
    ("export.col.total", Kind::Money),
    ("export.col.total_excl", Kind::Money),
    ("export.col.tax", Kind::Money),
    ("export.col.invoiced", Kind::Money),
    ("export.col.signing_date", Kind::Date),
    ("export.col.owner", Kind::Text),
    ("export.col.region", Kind::Text),
    ("export.col.signed_at", Kind::Time),
    ("export.col.updated_at", Kind::Time),
];

/// The receivables' columns after the group's name: the ageing buckets and the total open.
const RECEIVABLE_AMOUNTS: [Column; 6] = [
    ("collection.bucket.not_due", Kind::Money),
    ("collection.bucket.d1_30", Kind::Money),
    ("collection.bucket.d31_60", Kind::Money),
    ("collection.bucket.d61_90", Kind::Money),
    ("collection.bucket.over_90", Kind::Money),
    ("collection.total_open", Kind::Money),
];

/// The receivables' columns grouped by `by`: the group first.
pub fn receivable_columns(by: GroupBy) -> Vec<Column> {
    let first = match by {
        GroupBy::Customer => "collection.by.customer",
        GroupBy::Owner => "collection.by.owner",
        GroupBy::Region => "collection.by.region",
        GroupBy::All => "collection.by.department",
    };
    std::iter::once((first, Kind::Text))
        .chain(RECEIVABLE_AMOUNTS)
        .collect()
}

/// What every list export reads first: the export right, the scope it allows, and the names
/// of the regions in the reader's language.
struct Common {
    app: App,
    ctx: Ctx,
    visible: Visible,
    english: bool,
    regions: HashMap<i64, String>,
}

async fn common(app: &App, ctx: &Ctx) -> Result<Common> {
    let scope = crate::export_rights::require(app, ctx).await?;
    let visible = crate::customers::visible_in(app, ctx, scope).await?;
    if visible == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    let english = ctx.locale.starts_with("en");
    let regions = regions::list(app.db.read())
        .await?
        .into_iter()
        .map(|r| (r.id, if english { r.name_en } else { r.name }))
        .collect();
    Ok(Common {
        app: app.clone(),
        ctx: ctx.clone(),
        visible,
        english,
        regions,
    })
}

impl Common {
    fn region(&self, id: Option<i64>) -> String {
        id.and_then(|r| self.regions.get(&r).cloned())
            .unwrap_or_default()
    }

    fn time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.app.config.time_zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// The export of the rows `rows` makes over `c`, headed in the reader's language.
fn export<R: Rows>(
    c: Common,
    rows: impl FnOnce(Common) -> R,
    columns: &[Column],
    tr: &(dyn Fn(&str) -> String + Sync),
    meta: Meta,
) -> Export<R> {
    let headers = columns.iter().map(|(k, _)| tr(k)).collect();
    let (app, ctx) = (c.app.clone(), c.ctx.clone());
    Export::new(&app, &ctx, rows(c), columns, headers, meta)
}

/// Where a keyset read by id stands: the last id read, and whether the last page was short.
#[derive(Default)]
struct Keyset {
    after: i64,
    finished: bool,
}

impl Keyset {
    /// Moves past a page of `len` rows whose last id is `last`; false when it was empty.
    fn advance(&mut self, len: usize, last: Option<i64>) -> bool {
        self.finished = (len as u64) < BATCH;
        last.map(|id| self.after = id).is_some()
    }
}

/// The visible deals of a filter, by id.
pub struct DealRows {
    c: Common,
    filter: DealFilter,
    at: Keyset,
    /// `open`, `won`, `lost` in the reader's language.
    states: HashMap<String, String>,
}

/// Opens an export of the deals the list shows with this filter.
pub async fn deals(
    app: &App,
    ctx: &Ctx,
    q: &DealQuery,
    tr: &(dyn Fn(&str) -> String + Sync),
) -> Result<Export<DealRows>> {
    let filter = q.filter()?;
    let c = common(app, ctx).await?;
    let states = ["open", "won", "lost"]
        .into_iter()
        .map(|s| (s.to_string(), tr(&format!("deal.state.{s}"))))
        .collect();
    let meta = Meta {
        action: "deal.export",
        entity: "deal",
        sheet: if c.english { "Deals" } else { "商机" },
        query: serde_json::to_value(q).unwrap_or_default(),
    };
    let rows = |c| DealRows {
        filter,
        at: Keyset::default(),
        states,
        c,
    };
    Ok(export(c, rows, &DEAL_COLUMNS, tr, meta))
}

impl Rows for DealRows {
    async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if self.at.finished {
            return Ok(None);
        }
        let (c, f) = (&self.c, &self.filter);
        let list =
            salesdesk_store::deals::after_id(c.app.db.read(), f, &c.visible, self.at.after, BATCH)
                .await?;
        if !self.at.advance(list.len(), list.last().map(|d| d.id)) {
            return Ok(None);
        }
        let deals = crate::deals::views(&c.app, &c.ctx, list).await?;
        Ok(Some(deals.into_iter().map(|d| self.row(d)).collect()))
    }
}

impl DealRows {
    fn row(&self, d: crate::deals::Deal) -> Vec<String> {
        let lang = if self.c.english { "en" } else { "zh" };
        vec![
            d.id.to_string(),
            d.name.clone(),
            d.customer_name.clone(),
            d.stage_name(lang).to_string(),
            self.states.get(&d.state).cloned().unwrap_or(d.state),
            d.amount.to_decimal(),
            format!("{}%", d.probability),
            d.weighted.to_decimal(),
            d.expected_sign_date.to_string(),
            d.owner_name.unwrap_or_default(),
            self.c.region(d.region_id),
        ]
    }
}

/// The visible contracts of a filter, by id.
pub struct ContractRows {
    c: Common,
    filter: ContractFilter,
    at: Keyset,
    statuses: HashMap<&'static str, String>,
}

/// Opens an export of the contracts the list shows with this filter.
pub async fn contracts(
    app: &App,
    ctx: &Ctx,
    q: &ContractQuery,
    tr: &(dyn Fn(&str) -> String + Sync),
) -> Result<Export<ContractRows>> {
    let filter = q.filter()?;
    let c = common(app, ctx).await?;
    let statuses = salesdesk_domain::contract::ContractStatus::ALL
        .into_iter()
        .map(|s| (s.as_str(), tr(&s.key())))
        .collect();
    let meta = Meta {
        action: "contract.export",
        entity: "contract",
        sheet: if c.english { "Contracts" } else { "合同" },
        query: serde_json::to_value(q).unwrap_or_default(),
    };
    let rows = |c| ContractRows {
        filter,
        at: Keyset::default(),
        statuses,
        c,
    };
    Ok(export(c, rows, &CONTRACT_COLUMNS, tr, meta))
}

impl Rows for ContractRows {
    async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if self.at.finished {
            return Ok(None);
        }
        let (c, f) = (&self.c, &self.filter);
        let list = salesdesk_store::contracts::after_id(
            c.app.db.read(),
            f,
            &c.visible,
            self.at.after,
            BATCH,
        )
        .await?;
        if !self.at.advance(list.len(), list.last().map(|k| k.id)) {
            return Ok(None);
        }
        let contracts = crate::contracts::views(&c.app, &c.ctx, list).await?;
        Ok(Some(contracts.into_iter().map(|k| self.row(k)).collect()))
    }
}

impl ContractRows {
    fn row(&self, k: crate::contracts::Contract) -> Vec<String> {
        let c = &self.c;
        vec![
            k.number.clone(),
            k.title.clone(),
            k.customer_name.clone(),
            self.statuses
                .get(k.status.as_str())
                .cloned()
                .unwrap_or_default(),
            k.total.to_decimal(),
            k.total_excl.to_decimal(),
            k.tax.to_decimal(),
            k.invoiced.to_decimal(),
            k.signing_date.to_string(),
            k.owner_name.unwrap_or_default(),
            c.region(k.region_id),
            k.signed_at.map(|t| c.time(t)).unwrap_or_default(),
            c.time(k.updated_at),
        ]
    }
}

/// The receivables report's groups, a page at a time, the largest first.
pub struct ReceivableRows {
    c: Common,
    by: GroupBy,
    filter: ReceivableFilter,
    today: chrono::NaiveDate,
    offset: u64,
    finished: bool,
    nobody: String,
}

/// Opens an export of the receivables report grouped by `by` with this filter (the department
/// grouping is one line: the whole scope).
pub async fn receivables(
    app: &App,
    ctx: &Ctx,
    by: GroupBy,
    filter: &ReceivableFilter,
    tr: &(dyn Fn(&str) -> String + Sync),
) -> Result<Export<ReceivableRows>> {
    let c = common(app, ctx).await?;
    let meta = Meta {
        action: "receivable.export",
        entity: "receivable",
        sheet: if c.english {
            "Receivables"
        } else {
            "应收账款"
        },
        query: serde_json::json!({
            "by": crate::collections::group_str(by),
            "owner_id": filter.owner,
            "region_id": filter.region,
            "customer_id": filter.customer,
        }),
    };
    let nobody = tr(if by == GroupBy::All {
        "collection.by.department"
    } else {
        "collection.nobody"
    });
    let rows = |c| ReceivableRows {
        by,
        filter: filter.clone(),
        today: crate::contracts::today(app),
        offset: 0,
        finished: false,
        nobody,
        c,
    };
    Ok(export(c, rows, &receivable_columns(by), tr, meta))
}

impl Rows for ReceivableRows {
    async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if self.finished {
            return Ok(None);
        }
        let c = &self.c;
        let lines = crate::collections::ageing_lines(
            &c.app,
            &c.ctx,
            &c.visible,
            self.by,
            &self.filter,
            self.today,
            BATCH,
            self.offset,
        )
        .await?;
        self.finished = (lines.len() as u64) < BATCH || self.by == GroupBy::All;
        self.offset += lines.len() as u64;
        if lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            lines
                .into_iter()
                .map(|l| {
                    let name = if l.name.is_empty() {
                        self.nobody.clone()
                    } else {
                        l.name
                    };
                    std::iter::once(name)
                        .chain(Bucket::ALL.iter().map(|b| l.ageing.get(*b).to_decimal()))
                        .chain(std::iter::once(l.ageing.total().to_decimal()))
                        .collect()
                })
                .collect(),
        ))
    }
}
