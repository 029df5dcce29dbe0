//! Queries on business expenses and budgets (m0057).
//!
//! Every decision on a claim is one conditional UPDATE on the state and version read
//! ([`decide`], [`resubmit`]): of two approvers deciding the same claim at once exactly one
//! changes the row. Budgets are upserts on their unique key. The spend per region and month is
//! read from the totals the database keeps ([`totals`]), never by summing the claims.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

use crate::entity::expense_budgets as b;
use crate::entity::expense_events as ev;
use crate::entity::expense_receipts as r;
use crate::entity::expense_versions as ver;
use crate::entity::expenses::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::expense_budgets::Model as Budget;
pub use crate::entity::expense_events::Model as Event;
pub use crate::entity::expense_receipts::Model as Receipt;
pub use crate::entity::expense_versions::Model as Version;
pub use crate::entity::expenses::Model as Expense;

/// The claims a reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Claims by one of `claimants`, or of one of `regions`, or waiting for `me`.
    Some {
        me: i64,
        claimants: Vec<i64>,
        regions: Vec<i64>,
    },
}

impl Scope {
    fn condition(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::Some {
                me,
                claimants,
                regions,
            } => {
                let mut c = Condition::any()
                    .add(Column::ClaimantId.is_in(claimants.clone()))
                    .add(Column::ApproverId.eq(*me));
                if !regions.is_empty() {
                    c = c.add(Column::RegionId.is_in(regions.clone()));
                }
                c
            }
        }
    }
}

/// A new claim (version 1, waiting for its first approver).
#[derive(Debug, Clone)]
pub struct NewExpense {
    pub claimant_id: i64,
    pub region_id: Option<i64>,
    pub fields: Fields,
    pub needs_director: bool,
    pub approver_id: i64,
    pub at: DateTime<Utc>,
}

/// The fields a claimant writes (a claim, a revision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub category: String,
    pub expense_date: NaiveDate,
    pub month: i32,
    pub amount_fen: i64,
    pub description: String,
    pub customer_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub contract_id: Option<i64>,
}

/// Inserts a claim waiting for its first approver, and its version 1.
pub async fn insert(c: &impl Conn, n: NewExpense) -> Result<Expense> {
    let f = n.fields;
    let e = ActiveModel {
        claimant_id: Set(n.claimant_id),
        region_id: Set(n.region_id),
        category: Set(f.category.clone()),
        expense_date: Set(f.expense_date),
        month: Set(f.month),
        amount_fen: Set(f.amount_fen),
        description: Set(f.description.clone()),
        customer_id: Set(f.customer_id),
        deal_id: Set(f.deal_id),
        contract_id: Set(f.contract_id),
        state: Set("pending_manager".into()),
        version: Set(1),
        needs_director: Set(n.needs_director),
        approver_id: Set(Some(n.approver_id)),
        submitted_at: Set(n.at),
        manager_by: Set(None),
        manager_at: Set(None),
        approved_by: Set(None),
        approved_at: Set(None),
        returned_by: Set(None),
        returned_at: Set(None),
        return_comment: Set(None),
        created_at: Set(n.at),
        updated_at: Set(n.at),
        ..Default::default()
    }
    .insert(c)
    .await?;
    insert_version(c, e.id, 1, &f, Some(n.claimant_id), n.at).await?;
    Ok(e)
}

/// Inserts a claim as it stands (the demo and `gen`: any state, any time), with its version.
pub async fn insert_row(c: &impl Conn, e: Expense) -> Result<Expense> {
    let mut am: ActiveModel = e.into();
    am.id = sea_orm::ActiveValue::NotSet;
    let e = am.insert(c).await?;
    let f = fields_of(&e);
    insert_version(c, e.id, e.version, &f, Some(e.claimant_id), e.submitted_at).await?;
    Ok(e)
}

/// The claimant's fields of a claim.
pub fn fields_of(e: &Expense) -> Fields {
    Fields {
        category: e.category.clone(),
        expense_date: e.expense_date,
        month: e.month,
        amount_fen: e.amount_fen,
        description: e.description.clone(),
        customer_id: e.customer_id,
        deal_id: e.deal_id,
        contract_id: e.contract_id,
    }
}

pub async fn insert_version(
    c: &impl Conn,
    expense_id: i64,
    version: i32,
    f: &Fields,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    ver::ActiveModel {
        expense_id: Set(expense_id),
        version: Set(version),
        category: Set(f.category.clone()),
        expense_date: Set(f.expense_date),
        amount_fen: Set(f.amount_fen),
        description: Set(f.description.clone()),
        customer_id: Set(f.customer_id),
        deal_id: Set(f.deal_id),
        contract_id: Set(f.contract_id),
        created_by: Set(by),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// One claim, if the scope shows it.
pub async fn get(c: &impl Conn, id: i64, s: &Scope) -> Result<Option<Expense>> {
    Ok(Entity::find_by_id(id).filter(s.condition()).one(c).await?)
}

/// What a list of claims is filtered by.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    pub claimant_id: Option<i64>,
    /// The region and its branches.
    pub regions: Option<Vec<i64>>,
    pub category: Option<String>,
    pub customer_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Waiting for this person's decision.
    pub waiting_for: Option<i64>,
}

fn filter_condition(f: &Filter, s: &Scope) -> Condition {
    let mut c = Condition::all().add(s.condition());
    if let Some(st) = &f.state {
        c = c.add(Column::State.eq(st.clone()));
    }
    if let Some(u) = f.claimant_id {
        c = c.add(Column::ClaimantId.eq(u));
    }
    if let Some(r) = &f.regions {
        c = c.add(Column::RegionId.is_in(r.clone()));
    }
    if let Some(k) = &f.category {
        c = c.add(Column::Category.eq(k.clone()));
    }
    if let Some(k) = f.customer_id {
        c = c.add(Column::CustomerId.eq(k));
    }
    if let Some(d) = f.from {
        c = c.add(Column::ExpenseDate.gte(d));
    }
    if let Some(d) = f.to {
        c = c.add(Column::ExpenseDate.lte(d));
    }
    if let Some(u) = f.waiting_for {
        c = c
            .add(Column::State.is_in(["pending_manager", "pending_director"]))
            .add(Column::ApproverId.eq(u));
    }
    c
}

/// Lists count their claims up to this many (beyond it: "10,000+").
pub const COUNT_CAP: u64 = 10_000;

/// A page of claims, the latest spent first (a queue: the longest waiting first).
pub async fn list(c: &impl Conn, f: &Filter, s: &Scope, page: Page) -> Result<Paged<Expense>> {
    let q = Entity::find().filter(filter_condition(f, s));
    let q = if f.waiting_for.is_some() {
        q.order_by_asc(Column::SubmittedAt).order_by_asc(Column::Id)
    } else {
        q.order_by_desc(Column::ExpenseDate)
            .order_by_desc(Column::Id)
    };
    crate::paginate_capped(c, q, page, COUNT_CAP).await
}

/// Every claim of a filter, in date order, at most `cap` (the export).
pub async fn all(c: &impl Conn, f: &Filter, s: &Scope, cap: u64) -> Result<Vec<Expense>> {
    Ok(Entity::find()
        .filter(filter_condition(f, s))
        .order_by_asc(Column::ExpenseDate)
        .order_by_asc(Column::Id)
        .limit(cap)
        .all(c)
        .await?)
}

/// How many claims wait for `me` (the navigation's count).
pub async fn count_waiting(c: &impl Conn, me: i64) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::State.is_in(["pending_manager", "pending_director"]))
        .filter(Column::ApproverId.eq(me))
        .count(c)
        .await?)
}

/// A decision on a pending claim.
#[derive(Debug, Clone)]
pub struct Decision {
    pub to: &'static str,
    /// Who is asked next (the director's step), `None` when it ends here.
    pub approver_id: Option<i64>,
    pub by: i64,
    /// The first step's approval (recorded as the manager's).
    pub manager_step: bool,
    pub approved: bool,
    pub returned_comment: Option<String>,
}

/// Writes a decision if the claim is still in `from` at `version`. False: someone else decided
/// first, or the claimant resubmitted.
pub async fn decide(
    c: &impl Conn,
    id: i64,
    from: &str,
    version: i32,
    d: Decision,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut q = Entity::update_many()
        .col_expr(Column::State, Expr::val(d.to))
        .col_expr(Column::ApproverId, Expr::val(d.approver_id))
        .col_expr(Column::UpdatedAt, Expr::val(now));
    if d.manager_step {
        q = q
            .col_expr(Column::ManagerBy, Expr::val(d.by))
            .col_expr(Column::ManagerAt, Expr::val(now));
    }
    if d.approved {
        q = q
            .col_expr(Column::ApprovedBy, Expr::val(d.by))
            .col_expr(Column::ApprovedAt, Expr::val(now));
    }
    if let Some(comment) = d.returned_comment {
        q = q
            .col_expr(Column::ReturnedBy, Expr::val(d.by))
            .col_expr(Column::ReturnedAt, Expr::val(now))
            .col_expr(Column::ReturnComment, Expr::val(comment));
    }
    let n = q
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(from))
        .filter(Column::Version.eq(version))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Writes a revision of a returned claim at `version` as version `version + 1`, waiting for
/// `approver_id` again. False: it is no longer returned at that version (resubmitted twice).
#[allow(clippy::too_many_arguments)]
pub async fn resubmit(
    c: &impl Conn,
    id: i64,
    version: i32,
    f: &Fields,
    needs_director: bool,
    approver_id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::Category, Expr::val(f.category.clone()))
        .col_expr(Column::ExpenseDate, Expr::val(f.expense_date))
        .col_expr(Column::Month, Expr::val(f.month))
        .col_expr(Column::AmountFen, Expr::val(f.amount_fen))
        .col_expr(Column::Description, Expr::val(f.description.clone()))
        .col_expr(Column::CustomerId, Expr::val(f.customer_id))
        .col_expr(Column::DealId, Expr::val(f.deal_id))
        .col_expr(Column::ContractId, Expr::val(f.contract_id))
        .col_expr(Column::State, Expr::val("pending_manager"))
        .col_expr(Column::Version, Expr::val(version + 1))
        .col_expr(Column::NeedsDirector, Expr::val(needs_director))
        .col_expr(Column::ApproverId, Expr::val(approver_id))
        .col_expr(Column::SubmittedAt, Expr::val(now))
        .col_expr(Column::ManagerBy, Expr::val(Option::<i64>::None))
        .col_expr(Column::ManagerAt, Expr::val(Option::<DateTime<Utc>>::None))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq("returned"))
        .filter(Column::Version.eq(version))
        .exec(c)
        .await?
        .rows_affected;
    if n != 1 {
        return Ok(false);
    }
    insert_version(c, id, version + 1, f, Some(by), now).await?;
    Ok(true)
}

/// A claim's versions, the first first.
pub async fn versions(c: &impl Conn, id: i64) -> Result<Vec<Version>> {
    Ok(ver::Entity::find()
        .filter(ver::Column::ExpenseId.eq(id))
        .order_by_asc(ver::Column::Version)
        .limit(500)
        .all(c)
        .await?)
}

/// Records a step of the approval.
#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    c: &impl Conn,
    expense_id: i64,
    version: i32,
    action: &str,
    actor_id: Option<i64>,
    from: Option<&str>,
    to: &str,
    comment: Option<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    ev::ActiveModel {
        expense_id: Set(expense_id),
        version: Set(version),
        action: Set(action.into()),
        actor_id: Set(actor_id),
        from_state: Set(from.map(str::to_string)),
        to_state: Set(to.into()),
        comment: Set(comment),
        at: Set(at),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// A claim's approval steps, in order.
pub async fn events(c: &impl Conn, id: i64) -> Result<Vec<Event>> {
    Ok(ev::Entity::find()
        .filter(ev::Column::ExpenseId.eq(id))
        .order_by_asc(ev::Column::Id)
        .limit(1000)
        .all(c)
        .await?)
}

/// The steps of several claims (the export), in order.
pub async fn events_of(c: &impl Conn, ids: &[i64]) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            ev::Entity::find()
                .filter(ev::Column::ExpenseId.is_in(chunk.to_vec()))
                .order_by_asc(ev::Column::Id)
                .all(c)
                .await?,
        );
    }
    Ok(out)
}

/// A new receipt.
#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub expense_id: i64,
    pub version: i32,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_by: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert_receipt(c: &impl Conn, n: NewReceipt) -> Result<Receipt> {
    Ok(r::ActiveModel {
        expense_id: Set(n.expense_id),
        version: Set(n.version),
        file_name: Set(n.file_name),
        content_type: Set(n.content_type),
        size: Set(n.size),
        sha256: Set(n.sha256),
        added_by: Set(n.added_by),
        added_at: Set(n.at),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// A claim's receipts, in the order added.
pub async fn receipts(c: &impl Conn, expense_id: i64) -> Result<Vec<Receipt>> {
    Ok(r::Entity::find()
        .filter(r::Column::ExpenseId.eq(expense_id))
        .order_by_asc(r::Column::Id)
        .limit(200)
        .all(c)
        .await?)
}

/// One receipt.
pub async fn receipt(c: &impl Conn, id: i64) -> Result<Option<Receipt>> {
    Ok(r::Entity::find_by_id(id).one(c).await?)
}

// ---- Budgets ----

/// The budgets whose period starts in `from ..= to`.
pub async fn budgets(c: &impl Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<Budget>> {
    Ok(b::Entity::find()
        .filter(b::Column::PeriodStart.gte(from))
        .filter(b::Column::PeriodStart.lte(to))
        .order_by_asc(b::Column::RegionId)
        .order_by_asc(b::Column::PeriodStart)
        .limit(10_000)
        .all(c)
        .await?)
}

/// One budget by its key.
pub async fn budget(
    c: &impl Conn,
    region_id: i64,
    kind: &str,
    start: NaiveDate,
) -> Result<Option<Budget>> {
    Ok(b::Entity::find()
        .filter(b::Column::RegionId.eq(region_id))
        .filter(b::Column::PeriodKind.eq(kind))
        .filter(b::Column::PeriodStart.eq(start))
        .one(c)
        .await?)
}

/// Sets a budget: inserted, or the amount of the one with this key replaced (one statement,
/// held by `ux_expense_budgets`: two directors setting it at once leave one row).
pub async fn set_budget(
    c: &impl Conn,
    region_id: i64,
    kind: &str,
    start: NaiveDate,
    amount_fen: i64,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    b::Entity::insert(b::ActiveModel {
        region_id: Set(region_id),
        period_kind: Set(kind.into()),
        period_start: Set(start),
        amount_fen: Set(amount_fen),
        set_by: Set(by),
        set_at: Set(at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            b::Column::RegionId,
            b::Column::PeriodKind,
            b::Column::PeriodStart,
        ])
        .update_columns([b::Column::AmountFen, b::Column::SetBy, b::Column::SetAt])
        .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(())
}

// ---- Kept totals ----

/// A kept total: claims not returned, per region (0: none), month, category and whether
/// approved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Total {
    pub region_id: i64,
    pub month: i32,
    pub category: String,
    pub approved: bool,
    pub amount_fen: i64,
    pub lines: i64,
}

const TOTALS: crate::deltas::Kept = crate::deltas::Kept {
    totals: "expense_totals",
    deltas: "expense_total_deltas",
    key: "region_id, month, category, approved",
    sums: &["amount_fen", "lines"],
    lock: 0x5a1e_5de5_c0de_0057,
};

/// Deltas waiting before a reader folds them.
pub const FOLD_AT: u64 = 500;

/// How many deltas of the totals wait (PostgreSQL), up to [`FOLD_AT`] + 1.
pub async fn deltas_waiting(c: &impl Conn) -> Result<u64> {
    crate::deltas::waiting(c, &TOTALS, FOLD_AT).await
}

/// Moves the waiting deltas into `expense_totals` (see [`crate::deltas::fold`]). Run it in a
/// transaction of its own.
pub async fn fold_totals(c: &impl Conn) -> Result<u64> {
    crate::deltas::fold(c, &TOTALS).await
}

fn total_rows(rows: Vec<sea_orm::QueryResult>) -> Result<Vec<Total>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let approved: i64 = r.try_get("", "approved")?;
        out.push(Total {
            region_id: r.try_get("", "region_id")?,
            month: r.try_get::<i64>("", "month")? as i32,
            category: r.try_get("", "category")?,
            approved: approved != 0,
            amount_fen: r.try_get("", "amount_fen")?,
            lines: r.try_get("", "lines")?,
        });
    }
    Ok(out)
}

/// The kept totals of the months `from ..= to` (`yyyymm`), with PostgreSQL's waiting deltas
/// summed in (one statement, one snapshot). Keys that sum to nothing are left out.
pub async fn totals(c: &impl Conn, from: i32, to: i32) -> Result<Vec<Total>> {
    let sql = format!(
        "SELECT region_id, CAST(month AS BIGINT) AS month, category, \
         CAST(approved AS BIGINT) AS approved, \
         CAST(SUM(amount_fen) AS BIGINT) AS amount_fen, CAST(SUM(lines) AS BIGINT) AS lines \
         FROM (SELECT * FROM expense_totals WHERE month BETWEEN {from} AND {to} \
               UNION ALL SELECT * FROM expense_total_deltas WHERE month BETWEEN {from} AND {to}) t \
         GROUP BY region_id, month, category, approved \
         HAVING SUM(lines) <> 0 OR SUM(amount_fen) <> 0 \
         ORDER BY region_id, month, category, approved"
    );
    let backend = c.get_database_backend();
    total_rows(
        c.query_all_raw(Statement::from_string(backend, sql))
            .await?,
    )
}

/// The totals counted again from the claims (tests compare them with [`totals`]).
pub async fn recount(c: &impl Conn) -> Result<Vec<Total>> {
    let sql = "SELECT COALESCE(region_id, 0) AS region_id, CAST(month AS BIGINT) AS month, \
         category, CAST(CASE WHEN state = 'approved' THEN 1 ELSE 0 END AS BIGINT) AS approved, \
         CAST(SUM(amount_fen) AS BIGINT) AS amount_fen, CAST(COUNT(*) AS BIGINT) AS lines \
         FROM expenses WHERE state <> 'returned' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4";
    let backend = c.get_database_backend();
    total_rows(
        c.query_all_raw(Statement::from_string(backend, sql.to_string()))
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, QueryOrder};

    use crate::Page;
    use crate::entity::regions;
    use crate::migration::test_db;

    /// A capped count is exact up to the cap, a lower bound past it, and needs no count on a
    /// page that is not full.
    #[tokio::test]
    async fn a_capped_count_stops_past_the_cap_and_is_exact_below_it() {
        let (_dir, db) = test_db::at(1).await;
        for i in 1..=7 {
            test_db::run(
                &db,
                &format!(
                    "INSERT INTO regions (id, name, name_en, kind, active, created_at, \
                     updated_at) VALUES ({i}, 'r{i}', 'r{i}', 'region', 1, \
                     '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
                ),
            )
            .await;
        }
        let q = || regions::Entity::find().order_by_asc(regions::Column::Id);
        let p = crate::paginate_capped(&db, q(), Page::new(Some(1), Some(2)), 4)
            .await
            .unwrap();
        assert_eq!((p.items.len(), p.total, p.total_exact), (2, 4, false));
        let p = crate::paginate_capped(&db, q(), Page::new(Some(1), Some(2)), 10)
            .await
            .unwrap();
        assert_eq!((p.items.len(), p.total, p.total_exact), (2, 7, true));
        let p = crate::paginate_capped(&db, q(), Page::new(Some(4), Some(2)), 4)
            .await
            .unwrap();
        assert_eq!(
            (p.items.len(), p.total, p.total_exact),
            (1, 7, true),
            "the last page"
        );
        let p = crate::paginate_capped(&db, q(), Page::new(Some(9), Some(2)), 4)
            .await
            .unwrap();
        assert_eq!(
            (p.items.len(), p.total_exact),
            (0, false),
            "past the end: counted"
        );
    }
}
