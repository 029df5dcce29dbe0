//! Queries on quotations (m0043): a deal's versions, their lines, the conditional moves between
//! states and an approver's queue.
//!
//! A quotation is visible like its deal, and so like the deal's customer: every read by id
//! takes the caller's [`Visible`]. Every change is a conditional UPDATE — an edit on
//! `state = 'draft'` and the version read, a move on the state it leaves — so of several
//! people approving or sending the same quotation at once exactly one changes the row.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::customers::Visible;
use crate::entity::deals;
use crate::entity::quote_lines as lines;
use crate::entity::quotes::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::quote_lines::Model as QuoteLine;
pub use crate::entity::quotes::Model as Quote;

/// The quotations whose deal's customer `v` shows (the deal's copies of its customer's scope,
/// m0052).
fn scope_condition(v: &Visible) -> Condition {
    match v {
        Visible::All => Condition::all(),
        v => {
            let visible_deals = Query::select()
                .column(deals::Column::Id)
                .from(deals::Entity)
                .cond_where(crate::deals::scope_condition(v))
                .to_owned();
            Condition::all().add(Column::DealId.in_subquery(visible_deals))
        }
    }
}

/// The totals and approval flags a save writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub list_fen: i64,
    pub net_fen: i64,
    pub tax_fen: i64,
    pub gross_fen: i64,
    pub max_discount_bp: i32,
    pub needs_approval: bool,
}

/// A new quotation (a draft).
#[derive(Debug, Clone)]
pub struct NewQuote {
    pub deal_id: i64,
    pub version: i32,
    pub valid_until: NaiveDate,
    pub note: Option<String>,
    pub totals: Totals,
    pub created_by: Option<i64>,
    pub at: DateTime<Utc>,
}

/// Inserts a draft. A version the deal has already is refused by `ux_quotes_deal_version`
/// (a unique violation the caller turns into a conflict).
pub async fn insert(c: &impl Conn, q: NewQuote) -> Result<Quote> {
    Ok(ActiveModel {
        deal_id: Set(q.deal_id),
        version: Set(q.version),
        state: Set("draft".into()),
        valid_until: Set(q.valid_until),
        note: Set(q.note),
        list_fen: Set(q.totals.list_fen),
        net_fen: Set(q.totals.net_fen),
        tax_fen: Set(q.totals.tax_fen),
        gross_fen: Set(q.totals.gross_fen),
        max_discount_bp: Set(q.totals.max_discount_bp),
        needs_approval: Set(q.totals.needs_approval),
        approver_id: Set(None),
        submitted_by: Set(None),
        submitted_at: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_comment: Set(None),
        sent_by: Set(None),
        sent_at: Set(None),
        created_by: Set(q.created_by),
        created_at: Set(q.at),
        updated_at: Set(q.at),
        row_version: Set(1),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// Inserts a quotation as it stands (the demo and `gen`: any state, any time).
pub async fn insert_row(c: &impl Conn, q: Quote) -> Result<Quote> {
    let mut am: ActiveModel = q.into();
    am.id = sea_orm::ActiveValue::NotSet;
    Ok(am.insert(c).await?)
}

/// One quotation, if its deal's customer is visible.
pub async fn get(c: &impl Conn, id: i64, v: &Visible) -> Result<Option<Quote>> {
    Ok(Entity::find_by_id(id)
        .filter(scope_condition(v))
        .one(c)
        .await?)
}

/// A deal's quotations, the newest version first (a deal has a handful).
pub async fn for_deal(c: &impl Conn, deal_id: i64) -> Result<Vec<Quote>> {
    Ok(Entity::find()
        .filter(Column::DealId.eq(deal_id))
        .order_by_desc(Column::Version)
        .order_by_desc(Column::Id)
        .limit(200)
        .all(c)
        .await?)
}

/// The deal's latest version, if any.
pub async fn latest(c: &impl Conn, deal_id: i64) -> Result<Option<Quote>> {
    Ok(Entity::find()
        .filter(Column::DealId.eq(deal_id))
        .order_by_desc(Column::Version)
        .one(c)
        .await?)
}

/// A page of a customer's quotations (of all its deals), the most recently changed first.
pub async fn for_customer(c: &impl Conn, customer_id: i64, page: Page) -> Result<Paged<Quote>> {
    let its_deals = Query::select()
        .column(deals::Column::Id)
        .from(deals::Entity)
        .and_where(deals::Column::CustomerId.eq(customer_id))
        .to_owned();
    let q = Entity::find()
        .filter(Column::DealId.in_subquery(its_deals))
        .order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// Whose pending quotations a queue holds.
#[derive(Debug, Clone, Copy)]
pub enum Waiting {
    /// Those whose approver is this person.
    For(i64),
    /// Every pending one the caller sees (the director and the VP decide any).
    Any,
}

fn waiting_condition(w: Waiting, v: &Visible) -> Condition {
    let c = scope_condition(v).add(Column::State.eq("pending"));
    match w {
        Waiting::For(u) => c.add(Column::ApproverId.eq(u)),
        Waiting::Any => c,
    }
}

/// A page of pending quotations, the longest waiting first.
pub async fn waiting(c: &impl Conn, w: Waiting, v: &Visible, page: Page) -> Result<Paged<Quote>> {
    let q = Entity::find()
        .filter(waiting_condition(w, v))
        .order_by_asc(Column::SubmittedAt)
        .order_by_asc(Column::Id);
    crate::paginate(c, q, page).await
}

/// How many are waiting (the navigation's count).
pub async fn count_waiting(c: &impl Conn, w: Waiting, v: &Visible) -> Result<u64> {
    Ok(Entity::find()
        .filter(waiting_condition(w, v))
        .count(c)
        .await?)
}

/// The fields an edit of a draft writes.
#[derive(Debug, Clone)]
pub struct DraftUpdate {
    pub valid_until: NaiveDate,
    pub note: Option<String>,
    pub totals: Totals,
}

/// Writes an edit if the quotation is still a draft at `row_version`. False: it was changed,
/// submitted or sent first.
pub async fn update_draft(
    c: &impl Conn,
    id: i64,
    row_version: i32,
    u: DraftUpdate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::ValidUntil, Expr::val(u.valid_until))
        .col_expr(Column::Note, Expr::val(u.note))
        .col_expr(Column::ListFen, Expr::val(u.totals.list_fen))
        .col_expr(Column::NetFen, Expr::val(u.totals.net_fen))
        .col_expr(Column::TaxFen, Expr::val(u.totals.tax_fen))
        .col_expr(Column::GrossFen, Expr::val(u.totals.gross_fen))
        .col_expr(Column::MaxDiscountBp, Expr::val(u.totals.max_discount_bp))
        .col_expr(Column::NeedsApproval, Expr::val(u.totals.needs_approval))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::RowVersion, Expr::col(Column::RowVersion).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq("draft"))
        .filter(Column::RowVersion.eq(row_version))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// A move from one state to another and what it records.
#[derive(Debug, Clone, Default)]
pub struct Transition {
    pub to: &'static str,
    /// Submit: who was asked, who asked.
    pub approver_id: Option<Option<i64>>,
    pub submitted_by: Option<i64>,
    /// Approve / reject.
    pub decided_by: Option<i64>,
    pub decision_comment: Option<String>,
    /// Send.
    pub sent_by: Option<i64>,
    /// Send from a draft: only while it still needs no approval.
    pub only_within_limit: bool,
}

/// Moves the quotation from `from` to `t.to` — one conditional UPDATE: of several moves from
/// the same state, one changes the row and the others find it moved. False: it was not in
/// `from` (any more).
pub async fn transition(
    c: &impl Conn,
    id: i64,
    from: &str,
    t: Transition,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut q = Entity::update_many()
        .col_expr(Column::State, Expr::val(t.to))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::RowVersion, Expr::col(Column::RowVersion).add(1));
    if let Some(a) = t.approver_id {
        q = q
            .col_expr(Column::ApproverId, Expr::val(a))
            .col_expr(Column::SubmittedBy, Expr::val(t.submitted_by))
            .col_expr(Column::SubmittedAt, Expr::val(now));
    }
    if t.decided_by.is_some() {
        q = q
            .col_expr(Column::DecidedBy, Expr::val(t.decided_by))
            .col_expr(Column::DecidedAt, Expr::val(now))
            .col_expr(Column::DecisionComment, Expr::val(t.decision_comment));
    }
    if t.sent_by.is_some() {
        q = q
            .col_expr(Column::SentBy, Expr::val(t.sent_by))
            .col_expr(Column::SentAt, Expr::val(now));
    }
    let mut q = q.filter(Column::Id.eq(id)).filter(Column::State.eq(from));
    if t.only_within_limit {
        q = q.filter(Column::NeedsApproval.eq(false));
    }
    Ok(q.exec(c).await?.rows_affected == 1)
}

// ---- Lines ----

/// A line to write.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub product_code: String,
    pub quantity: i64,
    pub list_price_fen: i64,
    pub discount_bp: i32,
    pub tax_bp: i32,
    pub list_fen: i64,
    pub net_fen: i64,
    pub tax_fen: i64,
    pub gross_fen: i64,
}

/// The quotation's lines in order.
pub async fn lines(c: &impl Conn, quote_id: i64) -> Result<Vec<QuoteLine>> {
    Ok(lines::Entity::find()
        .filter(lines::Column::QuoteId.eq(quote_id))
        .order_by_asc(lines::Column::Position)
        .order_by_asc(lines::Column::Id)
        .all(c)
        .await?)
}

/// Replaces the quotation's lines with `items`, in that order.
pub async fn set_lines(c: &impl Conn, quote_id: i64, items: &[NewLine]) -> Result<()> {
    lines::Entity::delete_many()
        .filter(lines::Column::QuoteId.eq(quote_id))
        .exec(c)
        .await?;
    if items.is_empty() {
        return Ok(());
    }
    let rows = items.iter().enumerate().map(|(i, l)| lines::ActiveModel {
        quote_id: Set(quote_id),
        position: Set(i as i32),
        product_code: Set(l.product_code.clone()),
        quantity: Set(l.quantity),
        list_price_fen: Set(l.list_price_fen),
        discount_bp: Set(l.discount_bp),
        tax_bp: Set(l.tax_bp),
        list_fen: Set(l.list_fen),
        net_fen: Set(l.net_fen),
        tax_fen: Set(l.tax_fen),
        gross_fen: Set(l.gross_fen),
        ..Default::default()
    });
    lines::Entity::insert_many(rows).exec(c).await?;
    Ok(())
}

/// How many quotations there are (gen's report).
pub async fn count_all(c: &impl Conn) -> Result<u64> {
    Ok(Entity::find().count(c).await?)
}

// ---- gen ----

/// Deals to hang generated quotations on, by id after `after`: (id, owner, state, created).
pub async fn deals_after(
    c: &impl Conn,
    after: i64,
    n: u64,
) -> Result<Vec<(i64, Option<i64>, String, DateTime<Utc>)>> {
    Ok(deals::Entity::find()
        .select_only()
        .column(deals::Column::Id)
        .column(deals::Column::OwnerId)
        .column(deals::Column::State)
        .column(deals::Column::CreatedAt)
        .filter(deals::Column::Id.gt(after))
        .order_by_asc(deals::Column::Id)
        .limit(n)
        .into_tuple()
        .all(c)
        .await?)
}

/// The product lines of these deals: (deal, product code, quantity), in order.
pub async fn deal_lines_of(c: &impl Conn, deal_ids: &[i64]) -> Result<Vec<(i64, String, i64)>> {
    use crate::entity::deal_lines as dl;
    if deal_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(dl::Entity::find()
        .select_only()
        .column(dl::Column::DealId)
        .column(dl::Column::ProductCode)
        .column(dl::Column::Quantity)
        .filter(dl::Column::DealId.is_in(deal_ids.iter().copied()))
        .order_by_asc(dl::Column::DealId)
        .order_by_asc(dl::Column::Position)
        .into_tuple()
        .all(c)
        .await?)
}

/// Everyone's manager: (person, manager).
pub async fn managers(c: &impl Conn) -> Result<Vec<(i64, Option<i64>)>> {
    use crate::entity::users as u;
    Ok(u::Entity::find()
        .select_only()
        .column(u::Column::Id)
        .column(u::Column::ManagerId)
        .into_tuple()
        .all(c)
        .await?)
}
