//! Queries on contracts (m0040/m0041): contracts with their lines, the list, status moves,
//! invoices, attachments and revenue's sums.
//!
//! A contract is visible like its customer: every read takes the caller's [`Visible`]. Every
//! status move is one conditional UPDATE on the status read ([`move_status`]), and an invoice
//! is added by one conditional UPDATE of the contract's `invoiced_fen` that refuses to pass the
//! total ([`add_invoiced`]) — the rules are the database's, not a read-then-write.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::customers::Visible;
use crate::entity::contract_attachments as files;
use crate::entity::contract_lines as lines;
use crate::entity::contracts::{ActiveModel, Column, Entity};
use crate::entity::invoices;
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::contract_attachments::Model as Attachment;
pub use crate::entity::contract_lines::Model as ContractLine;
pub use crate::entity::contracts::Model as Contract;
pub use crate::entity::invoices::Model as Invoice;

/// A new contract (always a draft).
#[derive(Debug, Clone)]
pub struct NewContract {
    pub customer_id: i64,
    pub deal_id: Option<i64>,
    pub title: String,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub signing_date: NaiveDate,
    pub signing_month: i32,
    pub total_fen: i64,
    pub total_excl_fen: i64,
    pub created_by: Option<i64>,
    pub at: DateTime<Utc>,
    /// The company's own number (an import); `None` for a contract made here.
    pub number: Option<String>,
}

pub async fn insert(c: &impl Conn, n: NewContract) -> Result<Contract> {
    Ok(ActiveModel {
        customer_id: Set(n.customer_id),
        deal_id: Set(n.deal_id),
        title: Set(n.title),
        owner_id: Set(n.owner_id),
        region_id: Set(n.region_id),
        partner_id: Set(None),
        signing_date: Set(n.signing_date),
        signing_month: Set(n.signing_month),
        status: Set("draft".into()),
        total_fen: Set(n.total_fen),
        total_excl_fen: Set(n.total_excl_fen),
        invoiced_fen: Set(0),
        signed_at: Set(None),
        signed_by: Set(None),
        approved_at: Set(None),
        approved_by: Set(None),
        reason: Set(None),
        cancelled_at: Set(None),
        created_by: Set(n.created_by),
        created_at: Set(n.at),
        updated_at: Set(n.at),
        version: Set(1),
        number: Set(n.number),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// Inserts a contract as it stands (the demo and `gen`: any status, any time).
pub async fn insert_row(c: &impl Conn, k: Contract) -> Result<Contract> {
    let mut am: ActiveModel = k.into();
    am.id = sea_orm::ActiveValue::NotSet;
    Ok(am.insert(c).await?)
}

/// The contracts whose customer `v` shows, on the contract's own copies of its customer's
/// scope (m0052; see [`Visible::copy_condition`]).
pub(crate) fn scope_condition(v: &Visible) -> Condition {
    v.copy_condition(Entity)
}

/// One contract, if its customer is visible.
pub async fn get(c: &impl Conn, id: i64, v: &Visible) -> Result<Option<Contract>> {
    Ok(Entity::find_by_id(id)
        .filter(scope_condition(v))
        .one(c)
        .await?)
}

/// The contracts carrying any of these company numbers (m0051), whoever sees them: an import
/// refuses a number already taken. `(number, id)`.
pub async fn with_numbers(c: &impl Conn, numbers: &[String]) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let rows: Vec<(Option<String>, i64)> = Entity::find()
            .select_only()
            .column(Column::Number)
            .column(Column::Id)
            .filter(Column::Number.is_in(chunk.to_vec()))
            .into_tuple()
            .all(c)
            .await?;
        out.extend(rows.into_iter().filter_map(|(n, id)| n.map(|n| (n, id))));
    }
    Ok(out)
}

/// A customer's contracts, newest first (the customer page).
pub async fn for_customer(c: &impl Conn, customer_id: i64) -> Result<Vec<Contract>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::Id)
        .limit(100)
        .all(c)
        .await?)
}

/// The contracts made from a deal (the deal page's link).
pub async fn for_deal(c: &impl Conn, deal_id: i64) -> Result<Vec<Contract>> {
    Ok(Entity::find()
        .filter(Column::DealId.eq(deal_id))
        .order_by_desc(Column::Id)
        .limit(20)
        .all(c)
        .await?)
}

/// Which contracts a list takes.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    pub owner: Option<i64>,
    pub region: Option<i64>,
    pub status: Option<String>,
    /// `yyyymm` of the signing date.
    pub month: Option<i32>,
    pub customer: Option<i64>,
}

impl ContractFilter {
    fn condition(&self, v: &Visible) -> Condition {
        let mut cond = scope_condition(v);
        if let Some(o) = self.owner {
            cond = cond.add(Column::OwnerId.eq(o));
        }
        if let Some(r) = self.region {
            cond = cond.add(Column::RegionId.eq(r));
        }
        if let Some(s) = &self.status {
            cond = cond.add(Column::Status.eq(s.as_str()));
        }
        if let Some(m) = self.month {
            cond = cond.add(Column::SigningMonth.eq(m));
        }
        if let Some(k) = self.customer {
            cond = cond.add(Column::CustomerId.eq(k));
        }
        cond
    }
}

/// A page of contracts, the most recently changed first.
pub async fn list(
    c: &impl Conn,
    f: &ContractFilter,
    v: &Visible,
    page: Page,
) -> Result<Paged<Contract>> {
    let q = Entity::find()
        .filter(f.condition(v))
        .order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// The next contracts of the list by id after `after` (the export's keyset pages).
pub async fn after_id(
    c: &impl Conn,
    f: &ContractFilter,
    v: &Visible,
    after: i64,
    limit: u64,
) -> Result<Vec<Contract>> {
    crate::after_id(
        c,
        Entity::find().filter(f.condition(v)),
        Column::Id,
        after,
        limit,
    )
    .await
}

/// How many contracts wait for approval among those `v` shows (the approval queue's count).
pub async fn count_pending(c: &impl Conn, v: &Visible) -> Result<u64> {
    Ok(Entity::find()
        .filter(scope_condition(v))
        .filter(Column::Status.eq("pending_approval"))
        .count(c)
        .await?)
}

/// A draft's fields an edit writes.
#[derive(Debug, Clone)]
pub struct DraftUpdate {
    pub title: String,
    pub signing_date: NaiveDate,
    pub signing_month: i32,
    pub total_fen: i64,
    pub total_excl_fen: i64,
}

/// Writes a draft's edit if it is still a draft at `version`. False: it changed first.
pub async fn update_draft(
    c: &impl Conn,
    id: i64,
    version: i32,
    u: DraftUpdate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::Title, Expr::val(u.title))
        .col_expr(Column::SigningDate, Expr::val(u.signing_date))
        .col_expr(Column::SigningMonth, Expr::val(u.signing_month))
        .col_expr(Column::TotalFen, Expr::val(u.total_fen))
        .col_expr(Column::TotalExclFen, Expr::val(u.total_excl_fen))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .filter(Column::Status.eq("draft"))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// What a status move writes besides the status.
#[derive(Debug, Clone, Default)]
pub struct StatusMove {
    pub signed: Option<(DateTime<Utc>, Option<i64>)>,
    pub approved: Option<(DateTime<Utc>, Option<i64>)>,
    /// Set on a rejection or a cancellation.
    pub reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// Moves the contract from `from` to `to` — only while it is still in `from` (a conditional
/// UPDATE: of two moves from the same status, one changes the row and the other finds the
/// status gone). True when it changed the row.
pub async fn move_status(
    c: &impl Conn,
    id: i64,
    from: &str,
    to: &str,
    m: StatusMove,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut q = Entity::update_many()
        .col_expr(Column::Status, Expr::val(to))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1));
    if let Some((at, by)) = m.signed {
        q = q
            .col_expr(Column::SignedAt, Expr::val(at))
            .col_expr(Column::SignedBy, Expr::val(by));
    }
    if let Some((at, by)) = m.approved {
        q = q
            .col_expr(Column::ApprovedAt, Expr::val(at))
            .col_expr(Column::ApprovedBy, Expr::val(by));
    }
    if m.reason.is_some() {
        q = q.col_expr(Column::Reason, Expr::val(m.reason));
    }
    if m.cancelled_at.is_some() {
        q = q.col_expr(Column::CancelledAt, Expr::val(m.cancelled_at));
    }
    let n = q
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(from))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

// ---- Lines ----

/// A line to write.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub product_code: String,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub discount_bp: i32,
    pub tax_rate_bp: i32,
    pub amount_fen: i64,
    pub amount_excl_fen: i64,
}

pub async fn lines(c: &impl Conn, contract_id: i64) -> Result<Vec<ContractLine>> {
    Ok(lines::Entity::find()
        .filter(lines::Column::ContractId.eq(contract_id))
        .order_by_asc(lines::Column::Position)
        .order_by_asc(lines::Column::Id)
        .all(c)
        .await?)
}

/// Replaces the contract's lines with `items`, in that order.
pub async fn set_lines(c: &impl Conn, contract_id: i64, items: &[NewLine]) -> Result<()> {
    lines::Entity::delete_many()
        .filter(lines::Column::ContractId.eq(contract_id))
        .exec(c)
        .await?;
    if items.is_empty() {
        return Ok(());
    }
    let rows = items.iter().enumerate().map(|(i, l)| lines::ActiveModel {
        contract_id: Set(contract_id),
        product_code: Set(l.product_code.clone()),
        quantity: Set(l.quantity),
        unit_price_fen: Set(l.unit_price_fen),
        discount_bp: Set(l.discount_bp),
        tax_rate_bp: Set(l.tax_rate_bp),
        amount_fen: Set(l.amount_fen),
        amount_excl_fen: Set(l.amount_excl_fen),
        position: Set(i as i32),
        ..Default::default()
    });
    lines::Entity::insert_many(rows).exec(c).await?;
    Ok(())
}

// ---- Invoices ----

/// Adds `amount` to what the contract has invoiced — only while the contract is in one of
/// `statuses` and the sum stays within its total. False: it would pass the total (or the
/// contract left those statuses). Held by the database on both engines: of two invoices that
/// together pass the total, the second's UPDATE finds no row to change.
pub async fn add_invoiced(
    c: &impl Conn,
    id: i64,
    amount_fen: i64,
    statuses: &[&str],
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(
            Column::InvoicedFen,
            Expr::col(Column::InvoicedFen).add(amount_fen),
        )
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in(statuses.iter().copied()))
        .filter(
            Expr::col(Column::InvoicedFen)
                .add(amount_fen)
                .lte(Expr::col(Column::TotalFen)),
        )
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// An invoice to record.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub contract_id: i64,
    pub number: String,
    pub kind: String,
    pub issue_date: NaiveDate,
    pub issue_month: i32,
    pub amount_fen: i64,
    pub amount_excl_fen: i64,
    pub created_by: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert_invoice(c: &impl Conn, n: NewInvoice) -> Result<Invoice> {
    Ok(invoices::ActiveModel {
        contract_id: Set(n.contract_id),
        number: Set(n.number),
        kind: Set(n.kind),
        issue_date: Set(n.issue_date),
        issue_month: Set(n.issue_month),
        amount_fen: Set(n.amount_fen),
        amount_excl_fen: Set(n.amount_excl_fen),
        created_by: Set(n.created_by),
        created_at: Set(n.at),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// A contract's invoices by issue date.
pub async fn invoices(c: &impl Conn, contract_id: i64) -> Result<Vec<Invoice>> {
    Ok(invoices::Entity::find()
        .filter(invoices::Column::ContractId.eq(contract_id))
        .order_by_asc(invoices::Column::IssueDate)
        .order_by_asc(invoices::Column::Id)
        .limit(500)
        .all(c)
        .await?)
}

/// Whether an invoice number is taken (the form's early answer; the unique index decides).
pub async fn invoice_number_taken(c: &impl Conn, number: &str) -> Result<bool> {
    Ok(invoices::Entity::find()
        .filter(invoices::Column::Number.eq(number))
        .count(c)
        .await?
        > 0)
}

// ---- Attachments ----

/// An attachment to record.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub contract_id: i64,
    pub file_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert_attachment(c: &impl Conn, n: NewAttachment) -> Result<Attachment> {
    Ok(files::ActiveModel {
        contract_id: Set(n.contract_id),
        file_key: Set(n.file_key),
        file_name: Set(n.file_name),
        content_type: Set(n.content_type),
        size: Set(n.size),
        uploaded_by: Set(n.uploaded_by),
        uploaded_at: Set(n.at),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

pub async fn attachments(c: &impl Conn, contract_id: i64) -> Result<Vec<Attachment>> {
    Ok(files::Entity::find()
        .filter(files::Column::ContractId.eq(contract_id))
        .order_by_asc(files::Column::Id)
        .limit(200)
        .all(c)
        .await?)
}

pub async fn attachment(c: &impl Conn, id: i64) -> Result<Option<Attachment>> {
    Ok(files::Entity::find_by_id(id).one(c).await?)
}

// ---- Revenue ----

/// Revenue's scope: the visible customers' contracts, optionally one owner's or one region's.
#[derive(Debug, Clone, Default)]
pub struct RevenueScope {
    pub owner: Option<i64>,
    pub region: Option<i64>,
}

impl RevenueScope {
    fn condition(&self, v: &Visible) -> Condition {
        ContractFilter {
            owner: self.owner,
            region: self.region,
            ..Default::default()
        }
        .condition(v)
    }
}

const IN_FORCE: [&str; 3] = ["signed", "in_delivery", "completed"];

/// Σ (tax-inclusive, tax-exclusive) of the contracts in force signed in months `from..=to`
/// (`yyyymm`), and how many.
pub async fn signed_sums(
    c: &impl Conn,
    s: &RevenueScope,
    v: &Visible,
    from: i32,
    to: i32,
) -> Result<(i64, i64, i64)> {
    let row: Option<(i64, Option<i64>, Option<i64>)> = Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::cust("CAST(SUM(total_fen) AS BIGINT)"), "incl")
        .column_as(Expr::cust("CAST(SUM(total_excl_fen) AS BIGINT)"), "excl")
        .filter(s.condition(v))
        .filter(Column::Status.is_in(IN_FORCE))
        .filter(Column::SigningMonth.between(from, to))
        .into_tuple()
        .one(c)
        .await?;
    let (n, a, b) = row.unwrap_or((0, None, None));
    Ok((a.unwrap_or(0), b.unwrap_or(0), n))
}

/// Σ (tax-inclusive, tax-exclusive) of the invoices issued in months `from..=to` on the scope's
/// contracts that are not cancelled, and how many.
pub async fn invoiced_sums(
    c: &impl Conn,
    s: &RevenueScope,
    v: &Visible,
    from: i32,
    to: i32,
) -> Result<(i64, i64, i64)> {
    let contracts = Query::select()
        .column(Column::Id)
        .from(Entity)
        .cond_where(s.condition(v))
        .and_where(Column::Status.ne("cancelled"))
        .to_owned();
    let row: Option<(i64, Option<i64>, Option<i64>)> = invoices::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::cust("CAST(SUM(amount_fen) AS BIGINT)"), "incl")
        .column_as(Expr::cust("CAST(SUM(amount_excl_fen) AS BIGINT)"), "excl")
        .filter(invoices::Column::ContractId.in_subquery(contracts))
        .filter(invoices::Column::IssueMonth.between(from, to))
        .into_tuple()
        .one(c)
        .await?;
    let (n, a, b) = row.unwrap_or((0, None, None));
    Ok((a.unwrap_or(0), b.unwrap_or(0), n))
}

// ---- Demo and gen ----

/// How many contracts there are (gen's report).
pub async fn count_all(c: &impl Conn) -> Result<u64> {
    Ok(Entity::find().count(c).await?)
}

/// Inserts an invoice row as it stands (the demo and `gen`).
pub async fn insert_invoice_row(c: &impl Conn, i: Invoice) -> Result<Invoice> {
    let mut am: invoices::ActiveModel = i.into();
    am.id = sea_orm::ActiveValue::NotSet;
    Ok(am.insert(c).await?)
}

/// Customers in `status` (not archived, owned) to hang demo and generated contracts on:
/// (id, owner, region), by id, after `after_id`.
pub async fn customers_in_status(
    c: &impl Conn,
    status: &str,
    after_id: i64,
    n: u64,
) -> Result<Vec<(i64, Option<i64>, Option<i64>)>> {
    use crate::entity::customers as k;
    Ok(k::Entity::find()
        .select_only()
        .column(k::Column::Id)
        .column(k::Column::OwnerId)
        .column(k::Column::RegionId)
        .filter(k::Column::ArchivedAt.is_null())
        .filter(k::Column::OwnerId.is_not_null())
        .filter(k::Column::Status.eq(status))
        .filter(k::Column::Id.gt(after_id))
        .order_by_asc(k::Column::Id)
        .limit(n)
        .into_tuple()
        .all(c)
        .await?)
}

/// Won deals without a contract yet, by id (the demo makes their contracts).
pub async fn won_deals_without_contract(
    c: &impl Conn,
    n: u64,
) -> Result<Vec<crate::entity::deals::Model>> {
    use crate::entity::deals as d;
    let with_contract = Query::select()
        .column(Column::DealId)
        .from(Entity)
        .and_where(Column::DealId.is_not_null())
        .to_owned();
    Ok(d::Entity::find()
        .filter(d::Column::State.eq("won"))
        .filter(d::Column::Id.not_in_subquery(with_contract))
        .order_by_asc(d::Column::Id)
        .limit(n)
        .all(c)
        .await?)
}

/// Inserts an attachment row as it stands (the demo).
pub async fn insert_attachment_row(c: &impl Conn, a: NewAttachment) -> Result<Attachment> {
    insert_attachment(c, a).await
}
