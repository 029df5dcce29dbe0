//! Queries of the pre-sales follow-up calls (m0033, `presales_calls`): schedule a trial's calls
//! once, list them within the visible customers (through their trial), record one once.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TryInsertResult,
};

use crate::customers::Visible;
use crate::entity::presales_calls::{ActiveModel, Column, Entity};
use crate::entity::{customers, trial_applications as trials};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::presales_calls::Model as Call;

pub const SCHEDULED: &str = "scheduled";
pub const DONE: &str = "done";
/// Not made: the trial was lost or converted first (m0037).
pub const CANCELLED: &str = "cancelled";

/// Inserts the calls of a trial, `(step, date)` each; a step the trial has already is left as
/// it is (the unique `(trial_id, step)` decides). Returns how many were inserted.
pub async fn schedule(
    c: &impl Conn,
    trial_id: i64,
    dates: &[(usize, NaiveDate)],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut n = 0;
    for (step, on) in dates {
        let r = Entity::insert(ActiveModel {
            trial_id: Set(trial_id),
            step: Set(i32::try_from(*step).unwrap_or(i32::MAX)),
            due_on: Set(*on),
            state: Set(SCHEDULED.into()),
            outcome: Set(None),
            satisfaction: Set(None),
            note: Set(None),
            record_id: Set(None),
            done_at: Set(None),
            done_by: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([Column::TrialId, Column::Step])
        .exec(c)
        .await?;
        if matches!(r, TryInsertResult::Inserted(_)) {
            n += 1;
        }
    }
    Ok(n)
}

/// Which calls a list shows.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Calls of trials this person owns.
    pub owner: Option<i64>,
    /// `scheduled` or `done`.
    pub state: Option<&'static str>,
    /// Due on or before this day.
    pub due_until: Option<NaiveDate>,
    /// Due strictly before this day (with `scheduled`: the missed ones).
    pub due_before: Option<NaiveDate>,
    pub trial_id: Option<i64>,
}

/// The trials whose customer is visible (and, with `owner`, that this person owns), that are
/// not lost: a lost trial's remaining calls are not made.
fn trials_of(v: &Visible, owner: Option<i64>) -> sea_orm::sea_query::SelectStatement {
    let mut cond = Condition::all().add(trials::Column::State.ne("lost"));
    if !matches!(v, Visible::All) {
        cond = cond.add(
            trials::Column::CustomerId.in_subquery(
                Query::select()
                    .column(customers::Column::Id)
                    .from(customers::Entity)
                    .cond_where(v.condition())
                    .to_owned(),
            ),
        );
    }
    if let Some(o) = owner {
        cond = cond.add(trials::Column::OwnerId.eq(o));
    }
    Query::select()
        .column(trials::Column::Id)
        .from(trials::Entity)
        .cond_where(cond)
        .to_owned()
}

fn filtered(f: &CallFilter, v: &Visible) -> sea_orm::Select<Entity> {
    let mut q = Entity::find().filter(Column::TrialId.in_subquery(trials_of(v, f.owner)));
    if let Some(s) = f.state {
        q = q.filter(Column::State.eq(s));
    }
    if let Some(d) = f.due_until {
        q = q.filter(Column::DueOn.lte(d));
    }
    if let Some(d) = f.due_before {
        q = q.filter(Column::DueOn.lt(d));
    }
    if let Some(t) = f.trial_id {
        q = q.filter(Column::TrialId.eq(t));
    }
    q
}

/// A page of calls, soonest first (recorded ones: latest recorded first).
pub async fn list(c: &impl Conn, f: &CallFilter, v: &Visible, page: Page) -> Result<Paged<Call>> {
    let q = filtered(f, v);
    let q = if f.state == Some(DONE) {
        q.order_by_desc(Column::DoneAt).order_by_desc(Column::Id)
    } else {
        q.order_by_asc(Column::DueOn).order_by_asc(Column::Id)
    };
    crate::paginate(c, q, page).await
}

/// How many calls match.
pub async fn count(c: &impl Conn, f: &CallFilter, v: &Visible) -> Result<u64> {
    Ok(filtered(f, v).count(c).await?)
}

/// One call, if its trial's customer is visible.
pub async fn get(c: &impl Conn, id: i64, v: &Visible) -> Result<Option<Call>> {
    Ok(filtered(&CallFilter::default(), v)
        .filter(Column::Id.eq(id))
        .one(c)
        .await?)
}

/// A trial's calls in plan order.
pub async fn for_trial(c: &impl Conn, trial_id: i64) -> Result<Vec<Call>> {
    Ok(Entity::find()
        .filter(Column::TrialId.eq(trial_id))
        .order_by_asc(Column::Step)
        .all(c)
        .await?)
}

/// Cancels the trial's calls still scheduled, with `reason` (`trial_lost`, `trial_converted`):
/// a conditional UPDATE on `state = 'scheduled'`, so a call recorded meanwhile keeps its
/// outcome. Returns how many were cancelled.
pub async fn cancel_open(
    c: &impl Conn,
    trial_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(Entity::update_many()
        .col_expr(Column::State, Expr::value(CANCELLED))
        .col_expr(Column::CancelReason, Expr::value(reason.to_string()))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::TrialId.eq(trial_id))
        .filter(Column::State.eq(SCHEDULED))
        .exec(c)
        .await?
        .rows_affected)
}

/// What a recorded call keeps.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub outcome: String,
    pub satisfaction: Option<i32>,
    pub note: Option<String>,
    pub record_id: i64,
    pub by: Option<i64>,
}

/// Records a scheduled call: `done` with its outcome. Conditional on `state = 'scheduled'`, so
/// of two people recording the same call one does. True when this call recorded it.
pub async fn record(c: &impl Conn, id: i64, r: Recorded, now: DateTime<Utc>) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::State, Expr::value(DONE))
        .col_expr(Column::Outcome, Expr::value(r.outcome))
        .col_expr(Column::Satisfaction, Expr::value(r.satisfaction))
        .col_expr(Column::Note, Expr::value(r.note))
        .col_expr(Column::RecordId, Expr::value(r.record_id))
        .col_expr(Column::DoneAt, Expr::value(now))
        .col_expr(Column::DoneBy, Expr::value(r.by))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(SCHEDULED))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Average satisfaction and how many recorded calls gave one (at most 100,000 read), over
/// the visible trials' calls recorded in `[from, until)`.
pub async fn satisfaction(
    c: &impl Conn,
    v: &Visible,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(Option<f64>, u64)> {
    use sea_orm::QuerySelect;
    let rows: Vec<Option<i32>> = filtered(
        &CallFilter {
            state: Some(DONE),
            ..CallFilter::default()
        },
        v,
    )
    .filter(Column::DoneAt.gte(from))
    .filter(Column::DoneAt.lt(until))
    .filter(Column::Satisfaction.is_not_null())
    .select_only()
    .column(Column::Satisfaction)
    .limit(100_000)
    .into_tuple::<Option<i32>>()
    .all(c)
    .await?;
    let scores: Vec<i32> = rows.into_iter().flatten().collect();
    let n = scores.len() as u64;
    let avg = (n > 0).then(|| scores.iter().map(|s| f64::from(*s)).sum::<f64>() / n as f64);
    Ok((avg, n))
}

/// What the trials dashboard reads of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialFacts {
    pub id: i64,
    pub reference: Option<String>,
    pub company: String,
    pub product_code: String,
    pub channel: String,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub state: String,
    pub arrived_at: DateTime<Utc>,
    pub first_contact_due_at: DateTime<Utc>,
    pub first_contact_at: Option<DateTime<Utc>>,
}

/// The applications whose customer is visible (`owner`: only this person's) that arrived in
/// `[from, until)`, oldest first, at most `limit`.
pub async fn trial_facts(
    c: &impl Conn,
    v: &Visible,
    owner: Option<i64>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<TrialFacts>> {
    use sea_orm::QuerySelect;
    use trials::Column as T;
    let mut q = trials::Entity::find()
        .select_only()
        .columns([
            T::Id,
            T::Reference,
            T::Company,
            T::ProductCode,
            T::Channel,
            T::RegionId,
            T::OwnerId,
            T::State,
            T::ArrivedAt,
            T::FirstContactDueAt,
            T::FirstContactAt,
        ])
        .filter(T::ArrivedAt.gte(from))
        .filter(T::ArrivedAt.lt(until));
    if !matches!(v, Visible::All) {
        q = q.filter(
            T::CustomerId.in_subquery(
                Query::select()
                    .column(customers::Column::Id)
                    .from(customers::Entity)
                    .cond_where(v.condition())
                    .to_owned(),
            ),
        );
    }
    if let Some(o) = owner {
        q = q.filter(T::OwnerId.eq(o));
    }
    type Row = (
        i64,
        Option<String>,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        String,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = q
        .order_by_asc(T::ArrivedAt)
        .order_by_asc(T::Id)
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TrialFacts {
            id: r.0,
            reference: r.1,
            company: r.2,
            product_code: r.3,
            channel: r.4,
            region_id: r.5,
            owner_id: r.6,
            state: r.7,
            arrived_at: r.8,
            first_contact_due_at: r.9,
            first_contact_at: r.10,
        })
        .collect())
}

/// Open applications not yet contacted whose deadline passed before `now` (the overdue list),
/// most overdue first, at most `limit`.
pub async fn overdue_trials(
    c: &impl Conn,
    v: &Visible,
    owner: Option<i64>,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<crate::entity::trial_applications::Model>> {
    use sea_orm::QuerySelect;
    use trials::Column as T;
    let mut q = trials::Entity::find()
        .filter(T::FirstContactAt.is_null())
        .filter(T::FirstContactDueAt.lt(now))
        .filter(T::State.is_in(["new", "contacted", "running", "ended"]));
    if !matches!(v, Visible::All) {
        q = q.filter(
            T::CustomerId.in_subquery(
                Query::select()
                    .column(customers::Column::Id)
                    .from(customers::Entity)
                    .cond_where(v.condition())
                    .to_owned(),
            ),
        );
    }
    if let Some(o) = owner {
        q = q.filter(T::OwnerId.eq(o));
    }
    Ok(q.order_by_asc(T::FirstContactDueAt)
        .order_by_asc(T::Id)
        .limit(limit)
        .all(c)
        .await?)
}

/// Every trial with start and end dates, by id (the demo schedules their calls).
pub async fn started_trials(
    c: &impl Conn,
) -> Result<Vec<crate::entity::trial_applications::Model>> {
    Ok(trials::Entity::find()
        .filter(trials::Column::TrialStart.is_not_null())
        .filter(trials::Column::TrialEnd.is_not_null())
        .order_by_asc(trials::Column::Id)
        .all(c)
        .await?)
}
