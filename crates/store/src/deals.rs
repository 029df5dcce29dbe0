//! Queries on deals (m0038/m0039): the stages list, deals with their lines and stage history,
//! the list, the board and the forecast's sums.
//!
//! A deal is visible like its customer: every read takes the caller's [`Visible`] and keeps
//! the deals whose customer it shows. Every change of a deal is a conditional UPDATE on the
//! version the caller read ([`update`], [`move_stage`]), so of two people changing the same
//! deal at once one wins and the other is told (the rule is the database's, not a read-then-
//! write in the use case).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::customers::Visible;
use crate::entity::deal_lines as lines;
use crate::entity::deal_stage_history as history;
use crate::entity::deal_stages as stages;
use crate::entity::deals::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::deal_lines::Model as DealLine;
pub use crate::entity::deal_stage_history::Model as StageChange;
pub use crate::entity::deal_stages::Model as Stage;
pub use crate::entity::deals::Model as Deal;

// ---- Stages ----

/// Every stage, active or not, in board order.
pub async fn stages(c: &impl Conn) -> Result<Vec<Stage>> {
    Ok(stages::Entity::find()
        .order_by_asc(stages::Column::Position)
        .order_by_asc(stages::Column::Id)
        .all(c)
        .await?)
}

pub async fn stage(c: &impl Conn, id: i64) -> Result<Option<Stage>> {
    Ok(stages::Entity::find_by_id(id).one(c).await?)
}

/// A stage's fields a use case sets.
#[derive(Debug, Clone)]
pub struct StageFields {
    pub name_zh: String,
    pub name_en: String,
    pub probability: i32,
    pub position: i32,
    pub active: bool,
}

/// Adds an open stage (won and lost are shipped, one each).
pub async fn insert_stage(c: &impl Conn, code: &str, f: StageFields) -> Result<Stage> {
    Ok(stages::ActiveModel {
        code: Set(code.to_string()),
        name_zh: Set(f.name_zh),
        name_en: Set(f.name_en),
        kind: Set("open".into()),
        probability: Set(f.probability),
        position: Set(f.position),
        active: Set(f.active),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

pub async fn update_stage(c: &impl Conn, id: i64, f: StageFields) -> Result<()> {
    stages::Entity::update_many()
        .col_expr(stages::Column::NameZh, Expr::val(f.name_zh))
        .col_expr(stages::Column::NameEn, Expr::val(f.name_en))
        .col_expr(stages::Column::Probability, Expr::val(f.probability))
        .col_expr(stages::Column::Position, Expr::val(f.position))
        .col_expr(stages::Column::Active, Expr::val(f.active))
        .filter(stages::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// How many deals are in the stage (an open stage with deals is not deactivated).
pub async fn count_in_stage(c: &impl Conn, stage_id: i64) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::StageId.eq(stage_id))
        .count(c)
        .await?)
}

// ---- Deals ----

/// A new deal.
#[derive(Debug, Clone)]
pub struct NewDeal {
    pub customer_id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub amount_fen: i64,
    pub expected_sign_date: NaiveDate,
    pub expected_month: i32,
    pub stage_id: i64,
    pub probability: i32,
    pub competitors: Option<String>,
    pub created_by: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert(c: &impl Conn, d: NewDeal) -> Result<Deal> {
    Ok(ActiveModel {
        customer_id: Set(d.customer_id),
        name: Set(d.name),
        owner_id: Set(d.owner_id),
        region_id: Set(d.region_id),
        amount_fen: Set(d.amount_fen),
        expected_sign_date: Set(d.expected_sign_date),
        expected_month: Set(d.expected_month),
        stage_id: Set(d.stage_id),
        state: Set("open".into()),
        probability: Set(d.probability),
        competitors: Set(d.competitors),
        lost_reason: Set(None),
        lost_to: Set(None),
        lost_note: Set(None),
        won_at: Set(None),
        won_month: Set(None),
        closed_at: Set(None),
        created_by: Set(d.created_by),
        created_at: Set(d.at),
        updated_at: Set(d.at),
        version: Set(1),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// Inserts a deal as it stands (the demo and `gen`: any stage, any time).
pub async fn insert_row(c: &impl Conn, d: Deal) -> Result<Deal> {
    let mut am: ActiveModel = d.into();
    am.id = sea_orm::ActiveValue::NotSet;
    Ok(am.insert(c).await?)
}

/// The deals whose customer `v` shows, on the deal's own copies of its customer's scope
/// (m0052; see [`Visible::copy_condition`]).
pub(crate) fn scope_condition(v: &Visible) -> Condition {
    v.copy_condition(Entity)
}

/// One deal, if its customer is visible.
pub async fn get(c: &impl Conn, id: i64, v: &Visible) -> Result<Option<Deal>> {
    Ok(Entity::find_by_id(id)
        .filter(scope_condition(v))
        .one(c)
        .await?)
}

/// A customer's deals, newest first (the customer page: a handful).
pub async fn for_customer(c: &impl Conn, customer_id: i64) -> Result<Vec<Deal>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::Id)
        .limit(100)
        .all(c)
        .await?)
}

/// Which deals a list, the board or the forecast takes.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub owner: Option<i64>,
    pub region: Option<i64>,
    pub stage: Option<i64>,
    /// `open`, `won`, `lost`.
    pub state: Option<String>,
    /// `yyyymm` of the expected signing date.
    pub month: Option<i32>,
    pub customer: Option<i64>,
}

impl DealFilter {
    fn condition(&self, v: &Visible) -> Condition {
        let mut cond = scope_condition(v);
        if let Some(o) = self.owner {
            cond = cond.add(Column::OwnerId.eq(o));
        }
        if let Some(r) = self.region {
            cond = cond.add(Column::RegionId.eq(r));
        }
        if let Some(s) = self.stage {
            cond = cond.add(Column::StageId.eq(s));
        }
        if let Some(s) = &self.state {
            cond = cond.add(Column::State.eq(s.as_str()));
        }
        if let Some(m) = self.month {
            cond = cond.add(Column::ExpectedMonth.eq(m));
        }
        if let Some(k) = self.customer {
            cond = cond.add(Column::CustomerId.eq(k));
        }
        cond
    }
}

/// A page of deals, the most recently changed first.
pub async fn list(c: &impl Conn, f: &DealFilter, v: &Visible, page: Page) -> Result<Paged<Deal>> {
    let q = Entity::find()
        .filter(f.condition(v))
        .order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// The next deals of the list by id after `after` (the export's keyset pages).
pub async fn after_id(
    c: &impl Conn,
    f: &DealFilter,
    v: &Visible,
    after: i64,
    limit: u64,
) -> Result<Vec<Deal>> {
    crate::after_id(
        c,
        Entity::find().filter(f.condition(v)),
        Column::Id,
        after,
        limit,
    )
    .await
}

/// One column's totals on the board: every deal of the stage the filter takes, not only the
/// cards shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BoardTotals {
    pub stage_id: i64,
    pub deals: u64,
    /// Σ amount in fen.
    pub amount_fen: i64,
    /// Σ amount × probability (fen × percent).
    pub weighted: i64,
}

/// The whole board: of each stage in `stages`, the first `limit` deals the filter takes — by
/// expected signing date, or for the stages in `recent_first` (won and lost) the latest changed
/// first — in column order, and each stage's totals.
///
/// Two statements whose cost does not grow with the scope's deals (issue 13: 43,689 deals in
/// the east region's manager's scope beside 1M customers):
/// - **the totals** from `deal_board_totals` (and on PostgreSQL the deltas not folded into it
///   yet), which the database keeps per stage, owner, region and customer's scope (m0053): a
///   few hundred rows for a region, whatever its deals;
/// - **the cards** by seeks: the scope is split into *arms* that each walk an index in the
///   column's order — one per region of the scope (`cust_region_id`), one per person of the
///   scope who has deals outside those regions (`cust_owner_id`, found in the totals), or the
///   filtered owner or region, or the whole stage for the company — each arm's first `limit`
///   rows per stage are taken (`ORDER BY … LIMIT`), their union numbered per stage and cut at
///   `limit`. Every deal of the scope is in some arm, and a column's first `limit` deals are
///   among the first `limit` of their arm, so the union holds them all.
///
/// A filter by expected month or by customer is not in the totals' key: such a board (small by
/// its filter) is read by [`board_scan`], one statement over the filtered deals.
pub async fn board(
    c: &impl Conn,
    f: &DealFilter,
    v: &Visible,
    stages: &[i64],
    recent_first: &[i64],
    limit: u64,
) -> Result<(Vec<Deal>, Vec<BoardTotals>)> {
    if stages.is_empty() || *v.scope() == Visible::Nothing {
        return Ok((Vec::new(), Vec::new()));
    }
    if f.month.is_some() || f.customer.is_some() {
        return board_scan(c, f, v, stages, recent_first, limit).await;
    }
    let (totals, outside) = board_totals(c, f, v, stages).await?;
    let arms = board_arms(f, v, stages, &outside);
    if arms.len() > MAX_ARMS {
        return board_scan(c, f, v, stages, recent_first, limit).await;
    }
    let mut deals = Vec::new();
    if !arms.is_empty() {
        let q = board_cards(f, v, &arms, recent_first, limit);
        for r in c.query_all(&q).await? {
            deals.push(<Deal as sea_orm::FromQueryResult>::from_query_result(
                &r, "",
            )?);
        }
    }
    Ok((deals, totals))
}

/// Seeks in one board statement at most (SQLite allows 500 terms in a compound SELECT); a
/// scope that needs more — hundreds of people with deals outside its regions — is read by
/// [`board_scan`].
const MAX_ARMS: usize = 400;

/// The totals (m0053): `deal_board_totals` and the deltas not folded into it yet, as one
/// table `t` (one statement, one snapshot).
fn totals_table() -> sea_orm::sea_query::Alias {
    sea_orm::sea_query::Alias::new("t")
}

fn totals_source() -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Asterisk, UnionType};
    let mut q = Query::select();
    q.column(Asterisk).from(Alias::new("deal_board_totals"));
    let mut d = Query::select();
    d.column(Asterisk).from(Alias::new("deal_board_deltas"));
    q.union(UnionType::All, d);
    q
}

/// Deltas waiting to be folded into the board's totals beyond which a reader folds them
/// ([`fold_board_deltas`]): a board sums at most about this many rows more than it must.
pub const BOARD_FOLD_AT: u64 = 512;

/// How many deltas wait (PostgreSQL; SQLite's triggers write the totals directly), counted up to
/// [`BOARD_FOLD_AT`] + 1.
pub async fn board_deltas_waiting(c: &impl Conn) -> Result<u64> {
    crate::deltas::waiting(c, &BOARD, BOARD_FOLD_AT).await
}

/// Moves the waiting deltas into `deal_board_totals` (see [`crate::deltas::fold`]). Run it in a
/// transaction of its own; the number of keys folded.
pub async fn fold_board_deltas(c: &impl Conn) -> Result<u64> {
    crate::deltas::fold(c, &BOARD).await
}

/// The board's totals (m0053).
const BOARD: crate::deltas::Kept = crate::deltas::Kept {
    totals: "deal_board_totals",
    deltas: "deal_board_deltas",
    key: "stage_id, owner_id, region_id, cust_owner_id, cust_region_id, cust_archived",
    sums: &["deals", "amount_fen", "weighted"],
    lock: 0x5a1e_5de5_b0a2_d001,
};

/// Each stage's totals, and the (stage, person) pairs of the scope's people who have deals in
/// the stage outside the scope's regions (the arms [`board_arms`] adds for them).
async fn board_totals(
    c: &impl Conn,
    f: &DealFilter,
    v: &Visible,
    stages: &[i64],
) -> Result<(Vec<BoardTotals>, Vec<(i64, i64)>)> {
    use sea_orm::sea_query::Alias;
    let t = totals_table();
    let col = |n: &str| Expr::col((t.clone(), Alias::new(n)));
    let mut q = Query::select();
    q.from_subquery(totals_source(), t.clone())
        .expr_as(col("stage_id"), Alias::new("stage_id"))
        .cond_where(v.copy_condition(t.clone()))
        .and_where(col("stage_id").is_in(stages.iter().copied()));
    if let Some(o) = f.owner {
        q.and_where(col("owner_id").eq(o));
    }
    if let Some(r) = f.region {
        q.and_where(col("region_id").eq(r));
    }
    // The person whose deals lie outside the scope's regions, 0 for the rest. Only the
    // unfiltered board of a scope with people needs it (filtered boards seek by the filter).
    let outside: Expr = match v.scope() {
        Visible::Some { owners, regions } if f.owner.is_none() && f.region.is_none() => {
            if owners.is_empty() {
                Expr::val(0i64)
            } else if regions.is_empty() {
                col("cust_owner_id")
            } else {
                Expr::case(
                    col("cust_region_id").is_in(regions.iter().copied()),
                    Expr::val(0i64),
                )
                .finally(col("cust_owner_id"))
                .into()
            }
        }
        _ => Expr::val(0i64),
    };
    q.expr_as(outside, Alias::new("outside"))
        .expr_as(Expr::cust("CAST(SUM(t.deals) AS BIGINT)"), Alias::new("n"))
        .expr_as(
            Expr::cust("CAST(SUM(t.amount_fen) AS BIGINT)"),
            Alias::new("a"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(t.weighted) AS BIGINT)"),
            Alias::new("w"),
        )
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    let mut totals: Vec<BoardTotals> = Vec::new();
    let mut outside = Vec::new();
    for r in c.query_all(&q).await? {
        let stage_id: i64 = r.try_get("", "stage_id")?;
        let owner: i64 = r.try_get("", "outside")?;
        let n: i64 = r.try_get("", "n")?;
        let a: i64 = r.try_get("", "a")?;
        let w: i64 = r.try_get("", "w")?;
        if n <= 0 {
            continue;
        }
        if owner != 0 {
            outside.push((stage_id, owner));
        }
        match totals.iter_mut().find(|t| t.stage_id == stage_id) {
            Some(t) => {
                t.deals += n as u64;
                t.amount_fen += a;
                t.weighted += w;
            }
            None => totals.push(BoardTotals {
                stage_id,
                deals: n as u64,
                amount_fen: a,
                weighted: w,
            }),
        }
    }
    totals.sort_by_key(|t| stages.iter().position(|s| *s == t.stage_id));
    Ok((totals, outside))
}

/// One seek of the board: the deals of `stage` where `column = value` (no column: the whole
/// stage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Arm {
    stage: i64,
    column: Option<(&'static str, i64)>,
}

/// The seeks that together cover the board's deals (see [`board`]).
fn board_arms(f: &DealFilter, v: &Visible, stages: &[i64], outside: &[(i64, i64)]) -> Vec<Arm> {
    let per_stage = |column: Option<(&'static str, i64)>| {
        stages
            .iter()
            .map(move |&stage| Arm { stage, column })
            .collect::<Vec<_>>()
    };
    if let Some(o) = f.owner {
        return per_stage(Some(("owner_id", o)));
    }
    if let Some(r) = f.region {
        return per_stage(Some(("region_id", r)));
    }
    match v.scope() {
        Visible::Some { regions, .. } => {
            let mut arms: Vec<Arm> = regions
                .iter()
                .flat_map(|&r| per_stage(Some(("cust_region_id", r))))
                .collect();
            arms.extend(outside.iter().map(|&(stage, o)| Arm {
                stage,
                column: Some(("cust_owner_id", o)),
            }));
            arms
        }
        Visible::Nothing => Vec::new(),
        _ => per_stage(None),
    }
}

/// The cards' statement: each arm's first `limit` ids, their deals numbered per stage, the
/// first `limit` of each stage in column order.
fn board_cards(
    f: &DealFilter,
    v: &Visible,
    arms: &[Arm],
    recent_first: &[i64],
    limit: u64,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Asterisk, Order, SelectStatement, UnionType};
    let id = Alias::new("id");
    let mut union: Option<SelectStatement> = None;
    for (k, arm) in arms.iter().enumerate() {
        let mut seek = Query::select();
        seek.column(Column::Id)
            .from(Entity)
            .and_where(Expr::col(Column::StageId).eq(arm.stage));
        if let Some((col, value)) = arm.column {
            seek.and_where(Expr::col((Entity, Alias::new(col))).eq(value));
        }
        // The arms of a scope's regions and people are inside the scope by their column;
        // only its archived customers are left out here. A filtered board's arm is the
        // filter's and needs the whole scope.
        let cust_arm = matches!(arm.column, Some(("cust_region_id" | "cust_owner_id", _)));
        if cust_arm {
            seek.and_where(Expr::col((Entity, Alias::new("cust_archived"))).not());
        } else {
            seek.cond_where(scope_condition(v));
        }
        if let Some(o) = f.owner {
            seek.and_where(Expr::col(Column::OwnerId).eq(o));
        }
        if let Some(r) = f.region {
            seek.and_where(Expr::col(Column::RegionId).eq(r));
        }
        if recent_first.contains(&arm.stage) {
            seek.order_by(Column::UpdatedAt, Order::Desc)
                .order_by(Column::Id, Order::Desc);
        } else {
            seek.order_by(Column::ExpectedSignDate, Order::Asc)
                .order_by(Column::Id, Order::Asc);
        }
        seek.limit(limit);
        let mut wrapped = Query::select();
        wrapped
            .column(id.clone())
            .from_subquery(seek, Alias::new(format!("arm{k}")));
        match &mut union {
            None => union = Some(wrapped),
            Some(u) => {
                u.union(UnionType::All, wrapped);
            }
        }
    }
    let ids = union.unwrap_or_else(|| {
        let mut none = Query::select();
        none.column(Column::Id)
            .from(Entity)
            .and_where(Expr::val(1).eq(0));
        none
    });
    let mut inner: SelectStatement = Query::select();
    inner
        .column(Asterisk)
        .from(Entity)
        .expr_window_as(
            Expr::cust("row_number()"),
            board_order(recent_first),
            Alias::new("board_rn"),
        )
        .and_where(Expr::col(Column::Id).in_subquery(ids));
    let b = Alias::new("b");
    let mut q = Query::select();
    q.column(Asterisk)
        .from_subquery(inner, b.clone())
        .and_where(Expr::col((b.clone(), Alias::new("board_rn"))).lte(limit as i64))
        .order_by((b.clone(), Alias::new("stage_id")), Order::Asc)
        .order_by((b, Alias::new("board_rn")), Order::Asc);
    q
}

/// A column's order as a window: open stages by (expected signing date, id); won and lost, in
/// `recent_first`, by (updated_at desc, id desc). Within a partition the stage is one, so each
/// CASE takes one branch for all its rows and the other keys are constant (NULL; where NULLs
/// sort does not matter).
fn board_order(recent_first: &[i64]) -> sea_orm::sea_query::WindowStatement {
    use sea_orm::sea_query::{Order, WindowStatement};
    let recent = || Expr::col(Column::StageId).is_in(recent_first.iter().copied());
    let mut order = WindowStatement::partition_by(Column::StageId);
    order
        .order_by_expr(
            Expr::case(recent(), Expr::cust("NULL"))
                .finally(Expr::col(Column::ExpectedSignDate))
                .into(),
            Order::Asc,
        )
        .order_by_expr(
            Expr::case(recent(), Expr::col(Column::UpdatedAt))
                .finally(Expr::cust("NULL"))
                .into(),
            Order::Desc,
        )
        .order_by_expr(
            Expr::case(recent(), Expr::col(Column::Id).mul(-1))
                .finally(Expr::col(Column::Id))
                .into(),
            Order::Asc,
        );
    order
}

/// The board in one statement over every deal the filter takes (a month's or a customer's
/// board, and the reference the tests compare [`board`] with): window functions number and
/// count each stage's rows in the same scan.
pub async fn board_scan(
    c: &impl Conn,
    f: &DealFilter,
    v: &Visible,
    stages: &[i64],
    recent_first: &[i64],
    limit: u64,
) -> Result<(Vec<Deal>, Vec<BoardTotals>)> {
    if stages.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let q = board_statement(f, v, stages, recent_first, limit);
    let rows = c.query_all(&q).await?;
    let mut deals = Vec::with_capacity(rows.len());
    let mut totals: Vec<BoardTotals> = Vec::new();
    for r in rows {
        let d = <Deal as sea_orm::FromQueryResult>::from_query_result(&r, "")?;
        if totals.last().map(|t| t.stage_id) != Some(d.stage_id) {
            let n: i64 = r.try_get("", "board_deals")?;
            let amount: Option<i64> = r.try_get("", "board_amount")?;
            let weighted: Option<i64> = r.try_get("", "board_weighted")?;
            totals.push(BoardTotals {
                stage_id: d.stage_id,
                deals: u64::try_from(n).unwrap_or(0),
                amount_fen: amount.unwrap_or(0),
                weighted: weighted.unwrap_or(0),
            });
        }
        deals.push(d);
    }
    Ok((deals, totals))
}

/// The board's one statement (see [`board`]).
fn board_statement(
    f: &DealFilter,
    v: &Visible,
    stages: &[i64],
    recent_first: &[i64],
    limit: u64,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Asterisk, Order, SelectStatement};
    let f = DealFilter {
        stage: None,
        state: None,
        ..f.clone()
    };
    let order = board_order(recent_first);
    // For a scope, `+stage_id` (unary plus: the same value, no index) keeps SQLite — which has
    // no statistics on deals unless someone ran ANALYZE — from walking `ix_deals_stage` in the
    // window's order, i.e. every deal of the active stages whoever's, instead of the scope's
    // indexes of m0052 and one sort of the scope's deals (measured: 53 → 25 ms for the
    // statement at 19k deals, 4.4k in the scope). Valid SQL on PostgreSQL too.
    let stage_col: Expr = if *v == Visible::All {
        Expr::col(Column::StageId)
    } else {
        Expr::cust("+\"deals\".\"stage_id\"")
    };
    let mut inner: SelectStatement = Query::select();
    inner
        .column(Asterisk)
        .from(Entity)
        .expr_window_as(Expr::cust("row_number()"), order, Alias::new("board_rn"))
        .expr_as(
            Expr::cust("count(*) OVER (PARTITION BY stage_id)"),
            Alias::new("board_deals"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(amount_fen) OVER (PARTITION BY stage_id) AS BIGINT)"),
            Alias::new("board_amount"),
        )
        .expr_as(
            Expr::cust(
                "CAST(SUM(amount_fen * probability) OVER (PARTITION BY stage_id) AS BIGINT)",
            ),
            Alias::new("board_weighted"),
        )
        .cond_where(f.condition(v))
        .and_where(stage_col.is_in(stages.iter().copied()));
    let b = Alias::new("b");
    let mut q = Query::select();
    q.column(Asterisk)
        .from_subquery(inner, b.clone())
        .and_where(Expr::col((b.clone(), Alias::new("board_rn"))).lte(limit as i64))
        .order_by((b.clone(), Alias::new("stage_id")), Order::Asc)
        .order_by((b, Alias::new("board_rn")), Order::Asc);
    q
}

/// The open deals by expected month `from..=to` (keys `yyyymm`): (month, deals, Σ amount,
/// Σ amount × probability).
pub async fn open_by_month(
    c: &impl Conn,
    f: &DealFilter,
    v: &Visible,
    from: i32,
    to: i32,
) -> Result<Vec<(i32, i64, i64, i64)>> {
    let f = DealFilter {
        state: Some("open".into()),
        ..f.clone()
    };
    Ok(Entity::find()
        .select_only()
        .column(Column::ExpectedMonth)
        // `COUNT(*)`, not of the id: the month indexes hold no id, and PostgreSQL then reads
        // them alone (the department's forecast: 69 → 20 ms at full scale).
        .column_as(Expr::cust("COUNT(*)"), "deals")
        .column_as(Expr::cust("CAST(SUM(amount_fen) AS BIGINT)"), "amount")
        .column_as(
            Expr::cust("CAST(SUM(amount_fen * probability) AS BIGINT)"),
            "weighted",
        )
        .filter(f.condition(v))
        .filter(Column::ExpectedMonth.between(from, to))
        .group_by(Column::ExpectedMonth)
        .into_tuple()
        .all(c)
        .await?)
}

/// The won deals by the month they were won `from..=to`: (month, deals, Σ amount).
pub async fn won_by_month(
    c: &impl Conn,
    f: &DealFilter,
    v: &Visible,
    from: i32,
    to: i32,
) -> Result<Vec<(i32, i64, i64)>> {
    let f = DealFilter {
        state: Some("won".into()),
        ..f.clone()
    };
    Ok(Entity::find()
        .select_only()
        .column(Column::WonMonth)
        // `COUNT(*)`, not of the id: the month indexes hold no id, and PostgreSQL then reads
        // them alone (the department's forecast: 69 → 20 ms at full scale).
        .column_as(Expr::cust("COUNT(*)"), "deals")
        .column_as(Expr::cust("CAST(SUM(amount_fen) AS BIGINT)"), "amount")
        .filter(f.condition(v))
        .filter(Column::WonMonth.between(from, to))
        .group_by(Column::WonMonth)
        .into_tuple()
        .all(c)
        .await?)
}

/// The fields an edit writes.
#[derive(Debug, Clone)]
pub struct DealUpdate {
    pub name: String,
    pub amount_fen: i64,
    pub expected_sign_date: NaiveDate,
    pub expected_month: i32,
    pub competitors: Option<String>,
    pub probability: i32,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
}

/// The conditional UPDATE of both writes: the deal `id` only while it is at `version`, its
/// `updated_at` and version moved on. True when it changed the row (false: someone changed the
/// deal first).
async fn write_at_version(
    c: &impl Conn,
    u: sea_orm::UpdateMany<Entity>,
    id: i64,
    version: i32,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = u
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Writes an edit if the deal is still at `version`. False: someone changed it first.
pub async fn update(
    c: &impl Conn,
    id: i64,
    version: i32,
    u: DealUpdate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let q = Entity::update_many()
        .col_expr(Column::Name, Expr::val(u.name))
        .col_expr(Column::AmountFen, Expr::val(u.amount_fen))
        .col_expr(Column::ExpectedSignDate, Expr::val(u.expected_sign_date))
        .col_expr(Column::ExpectedMonth, Expr::val(u.expected_month))
        .col_expr(Column::Competitors, Expr::val(u.competitors))
        .col_expr(Column::Probability, Expr::val(u.probability))
        .col_expr(Column::OwnerId, Expr::val(u.owner_id))
        .col_expr(Column::RegionId, Expr::val(u.region_id));
    write_at_version(c, q, id, version, now).await
}

/// What a stage move writes.
#[derive(Debug, Clone)]
pub struct StageMove {
    pub stage_id: i64,
    pub state: String,
    pub probability: i32,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub lost_note: Option<String>,
    pub won_at: Option<DateTime<Utc>>,
    pub won_month: Option<i32>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Moves the deal to another stage if it is still at `version` (a conditional UPDATE: of two
/// moves from the same version, one changes the row and the other finds the version gone).
/// False: someone changed it first. The lost and won fields are written as given (a reopen
/// clears them).
pub async fn move_stage(
    c: &impl Conn,
    id: i64,
    version: i32,
    m: StageMove,
    now: DateTime<Utc>,
) -> Result<bool> {
    let q = Entity::update_many()
        .col_expr(Column::StageId, Expr::val(m.stage_id))
        .col_expr(Column::State, Expr::val(m.state))
        .col_expr(Column::Probability, Expr::val(m.probability))
        .col_expr(Column::LostReason, Expr::val(m.lost_reason))
        .col_expr(Column::LostTo, Expr::val(m.lost_to))
        .col_expr(Column::LostNote, Expr::val(m.lost_note))
        .col_expr(Column::WonAt, Expr::val(m.won_at))
        .col_expr(Column::WonMonth, Expr::val(m.won_month))
        .col_expr(Column::ClosedAt, Expr::val(m.closed_at));
    write_at_version(c, q, id, version, now).await
}

// ---- Lines ----

/// The deal's lines in order.
pub async fn lines(c: &impl Conn, deal_id: i64) -> Result<Vec<DealLine>> {
    Ok(lines::Entity::find()
        .filter(lines::Column::DealId.eq(deal_id))
        .order_by_asc(lines::Column::Position)
        .order_by_asc(lines::Column::Id)
        .all(c)
        .await?)
}

/// Replaces the deal's lines with `items` (product code, quantity), in that order.
pub async fn set_lines(c: &impl Conn, deal_id: i64, items: &[(String, i64)]) -> Result<()> {
    lines::Entity::delete_many()
        .filter(lines::Column::DealId.eq(deal_id))
        .exec(c)
        .await?;
    if items.is_empty() {
        return Ok(());
    }
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, (code, q))| lines::ActiveModel {
            deal_id: Set(deal_id),
            product_code: Set(code.clone()),
            quantity: Set(*q),
            position: Set(i as i32),
            ..Default::default()
        });
    lines::Entity::insert_many(rows).exec(c).await?;
    Ok(())
}

// ---- History ----

/// A stage change to record.
#[derive(Debug, Clone)]
pub struct NewChange {
    pub deal_id: i64,
    pub action: &'static str,
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub probability: i32,
    pub amount_fen: i64,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub note: Option<String>,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert_change(c: &impl Conn, h: NewChange) -> Result<()> {
    history::ActiveModel {
        deal_id: Set(h.deal_id),
        action: Set(h.action.into()),
        from_stage_id: Set(h.from_stage_id),
        to_stage_id: Set(h.to_stage_id),
        probability: Set(h.probability),
        amount_fen: Set(h.amount_fen),
        lost_reason: Set(h.lost_reason),
        lost_to: Set(h.lost_to),
        note: Set(h.note),
        actor_id: Set(h.actor_id),
        at: Set(h.at),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// The deal's stage changes, oldest first.
pub async fn changes(c: &impl Conn, deal_id: i64) -> Result<Vec<StageChange>> {
    Ok(history::Entity::find()
        .filter(history::Column::DealId.eq(deal_id))
        .order_by_asc(history::Column::At)
        .order_by_asc(history::Column::Id)
        .limit(500)
        .all(c)
        .await?)
}

// ---- Demo and gen ----

/// Potential customers (not archived, owned) to hang demo deals on: (id, owner, region), by id.
pub async fn potential_customers(
    c: &impl Conn,
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
        .filter(k::Column::Status.eq("potential"))
        .filter(k::Column::Id.gt(after_id))
        .order_by_asc(k::Column::Id)
        .limit(n)
        .into_tuple()
        .all(c)
        .await?)
}

/// How many deals there are (gen's report).
pub async fn count_all(c: &impl Conn) -> Result<u64> {
    Ok(Entity::find().count(c).await?)
}

#[cfg(test)]
mod plans {
    //! The regional manager's board seeks the scope's indexes of m0052 on the SQLite the binary
    //! ships — on a database without statistics, as a live one usually is — rather than walking
    //! every deal of the active stages through `ix_deals_stage`.

    use sea_orm::DbBackend;

    use super::{DealFilter, Visible, board_statement};
    use crate::migration::test_db::plan_of;

    #[tokio::test]
    async fn a_scoped_board_walks_the_scope_indexes_not_every_deal_of_the_stages() {
        let (_dir, db) = crate::migration::test_db::at(u32::MAX).await;
        let v = Visible::Some {
            owners: vec![11],
            regions: vec![4, 5, 6],
        };
        let q = board_statement(&DealFilter::default(), &v, &[1, 2, 3, 4, 5, 6], &[5, 6], 50);
        assert_eq!(db.get_database_backend(), DbBackend::Sqlite);
        let plan = plan_of(&db, &q).await;
        assert!(plan.contains("MULTI-INDEX OR"), "{plan}");
        // m0052's `(cust_*, stage_id, expected_sign_date)` or m0053's `(cust_*, stage_id,
        // updated_at, id)`: either way one scope's deals.
        assert!(plan.contains("ix_deals_cust_owner_"), "{plan}");
        assert!(plan.contains("ix_deals_cust_region_"), "{plan}");
        assert!(!plan.contains("ix_deals_stage "), "{plan}");
    }

    /// m0053: the board's cards are read by one seek per arm — a region of the scope, a person
    /// with deals outside it — in the column's order (no sort of the scope's deals): open
    /// stages on `(cust_*, stage_id, expected_sign_date)`, won and lost on `(cust_*, stage_id,
    /// updated_at, id)`, the company's board on the stage's indexes; then the deals of the
    /// union by id.
    #[tokio::test]
    async fn the_cards_are_read_by_one_seek_per_arm_in_the_columns_order() {
        let (_dir, db) = crate::migration::test_db::at(u32::MAX).await;
        let v = Visible::Some {
            owners: vec![11],
            regions: vec![4, 5],
        };
        let stages = [1, 5];
        let arms = super::board_arms(&DealFilter::default(), &v, &stages, &[(1, 11)]);
        assert_eq!(arms.len(), 5, "{arms:?}");
        let q = super::board_cards(&DealFilter::default(), &v, &arms, &[5], 50);
        let plan = plan_of(&db, &q).await;
        assert_eq!(
            plan.matches("SEARCH deals USING INDEX ix_deals_cust_region_stage (cust_region_id=? AND stage_id=?)")
                .count(),
            2,
            "{plan}"
        );
        assert_eq!(
            plan.matches("ix_deals_cust_region_recent (cust_region_id=? AND stage_id=?)")
                .count(),
            2,
            "{plan}"
        );
        assert!(
            plan.contains("ix_deals_cust_owner_stage (cust_owner_id=? AND stage_id=?)"),
            "{plan}"
        );
        assert!(!plan.contains("SCAN deals"), "{plan}");
        let all = super::board_arms(&DealFilter::default(), &Visible::All, &stages, &[]);
        let plan = plan_of(
            &db,
            &super::board_cards(&DealFilter::default(), &Visible::All, &all, &[5], 50),
        )
        .await;
        assert!(
            plan.contains("ix_deals_stage_recent (stage_id=?)"),
            "{plan}"
        );
        assert!(plan.contains("ix_deals_stage (stage_id=?)"), "{plan}");
        assert!(!plan.contains("SCAN deals"), "{plan}");
    }
}
