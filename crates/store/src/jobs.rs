//! Queries of the jobs runner (m0028): enqueue, claim, renew, finish, retry, take over; the
//! recurring schedules. Every change of a job's state is a conditional UPDATE on what the caller
//! believes the row to be (`state`, `lease_owner`), so that of several processes racing for one
//! job exactly one wins, and a process that lost its lease changes nothing.
//!
//! Times come from the caller (the app's clock), so tests move time instead of sleeping.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TryInsertResult,
};

use crate::entity::job_schedules as sched;
use crate::entity::jobs::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::job_schedules::Model as Schedule;
pub use crate::entity::jobs::Model as Job;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: String,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    pub once_key: Option<String>,
}

/// A new job's row, queued.
fn queued(j: NewJob, now: DateTime<Utc>) -> ActiveModel {
    ActiveModel {
        kind: Set(j.kind),
        payload: Set(j.payload),
        run_at: Set(j.run_at),
        state: Set(QUEUED.into()),
        attempts: Set(0),
        max_attempts: Set(Ord::max(j.max_attempts, 1)),
        lease_owner: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        once_key: Set(j.once_key),
        result: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
}

/// Inserts a job; with a `once_key` that exists already, inserts nothing and returns `None`
/// (the unique index decides, so two processes enqueueing at once make one job).
pub async fn enqueue(c: &impl Conn, j: NewJob, now: DateTime<Utc>) -> Result<Option<i64>> {
    let r = Entity::insert(queued(j, now))
        .on_conflict_do_nothing_on([Column::OnceKey])
        .exec(c)
        .await?;
    Ok(match r {
        TryInsertResult::Inserted(r) => Some(r.last_insert_id),
        TryInsertResult::Empty | TryInsertResult::Conflicted => None,
    })
}

/// Claims the first due queued job of one of `kinds` for `owner` until `lease_until` (see
/// [`claim_batch`]).
pub async fn claim(
    c: &impl Conn,
    owner: &str,
    kinds: &[String],
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Job>> {
    Ok(claim_batch(c, owner, kinds, now, lease_until, 1)
        .await?
        .into_iter()
        .next())
}

/// Claims up to `limit` due queued jobs of `kinds` for `owner` until `lease_until`, the
/// earliest due first: they become `running` and their attempt is counted. Two statements in
/// the caller's transaction: the pick (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent
/// claimers take different rows instead of queueing on them), then an UPDATE of those ids
/// whose condition repeats `state = 'queued'`, so a job two processes picked at once goes to
/// exactly one of them. One round trip claims a batch: a runner with many due jobs is not held
/// to one claim transaction per job.
///
/// Not one `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`: PostgreSQL may
/// evaluate that subquery more than once, and the UPDATE then claimed every due job at once
/// (the metrics test caught it: three jobs `running`, one run).
pub async fn claim_batch(
    c: &impl Conn,
    owner: &str,
    kinds: &[String],
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Job>> {
    let mut pick = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::State.eq(QUEUED))
        .filter(Column::Kind.is_in(kinds.iter().map(String::as_str)))
        .filter(Column::RunAt.lte(now))
        .order_by_asc(Column::RunAt)
        .order_by_asc(Column::Id)
        .limit(Ord::max(limit, 1));
    if c.get_database_backend() == DbBackend::Postgres {
        pick = pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids = pick.into_tuple::<i64>().all(c).await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut claimed = Entity::update_many()
        .col_expr(Column::State, Expr::value(RUNNING))
        .col_expr(Column::LeaseOwner, Expr::value(owner.to_string()))
        .col_expr(Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.is_in(ids))
        .filter(Column::State.eq(QUEUED))
        .exec_with_returning(c)
        .await?;
    claimed.sort_by_key(|j| (j.run_at, j.id));
    Ok(claimed)
}

/// Inserts many jobs at once, in statements of a thousand (a use case's few jobs, or the jobs
/// benchmark's thousands); as [`enqueue`], a job whose `once_key` exists already is not
/// inserted. Returns how many were inserted.
pub async fn enqueue_many(c: &impl Conn, jobs: Vec<NewJob>, now: DateTime<Utc>) -> Result<u64> {
    let mut n = 0;
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let chunk: Vec<ActiveModel> = jobs.by_ref().take(1000).map(|j| queued(j, now)).collect();
        if let TryInsertResult::Inserted(rows) = Entity::insert_many(chunk)
            .on_conflict_do_nothing_on([Column::OnceKey])
            .exec_without_returning(c)
            .await?
        {
            n += rows;
        }
    }
    Ok(n)
}

/// Jobs of `kind` with an id of at least `from_id`: how many are done, and how many are
/// queued or running (the jobs benchmark's progress).
pub async fn progress_of_kind(c: &impl Conn, kind: &str, from_id: i64) -> Result<(u64, u64)> {
    let q = || {
        Entity::find()
            .filter(Column::Kind.eq(kind))
            .filter(Column::Id.gte(from_id))
    };
    let done = q().filter(Column::State.eq(DONE)).count(c).await?;
    let pending = q()
        .filter(Column::State.is_in([QUEUED, RUNNING]))
        .count(c)
        .await?;
    Ok((done, pending))
}

/// Extends the owner's lease on a running job. False when the job is no longer the owner's (its
/// lease ran out and another process took it over): the owner's outcome will not be recorded.
pub async fn renew(
    c: &impl Conn,
    id: i64,
    owner: &str,
    lease_until: DateTime<Utc>,
) -> Result<bool> {
    let q = Entity::update_many().col_expr(Column::LeaseUntil, Expr::value(lease_until));
    while_owned(c, q, id, owner).await
}

/// Runs `q` on the job only while `owner` runs it (its lease): true when it did. The one
/// condition that keeps a process whose lease was taken over from writing its outcome.
async fn while_owned(
    c: &impl Conn,
    q: sea_orm::UpdateMany<Entity>,
    id: i64,
    owner: &str,
) -> Result<bool> {
    let r = q
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseOwner.eq(owner))
        .filter(Column::State.eq(RUNNING))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The owner's runs of `done` (id, result) succeeded: each `done` with its result, in one
/// statement. The ids that were still the owner's (the others' leases were taken over: their
/// outcome is not recorded).
pub async fn complete_many(
    c: &impl Conn,
    done: &[(i64, Option<String>)],
    owner: &str,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    use sea_orm::sea_query::CaseStatement;
    if done.is_empty() {
        return Ok(vec![]);
    }
    let mut results = CaseStatement::new();
    let mut any = false;
    for (id, r) in done {
        if let Some(r) = r {
            results = results.case(Expr::col(Column::Id).eq(*id), Expr::value(r.clone()));
            any = true;
        }
    }
    let result: Expr = if any {
        results.finally(Expr::value(Option::<String>::None)).into()
    } else {
        Expr::value(Option::<String>::None)
    };
    let q = Entity::update_many()
        .col_expr(Column::State, Expr::value(DONE))
        .col_expr(Column::Result, result)
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(Column::FinishedAt, Expr::value(now))
        .filter(Column::Id.is_in(done.iter().map(|(id, _)| *id)))
        .filter(Column::LeaseOwner.eq(owner))
        .filter(Column::State.eq(RUNNING));
    let mut held: Vec<i64> = q
        .exec_with_returning(c)
        .await?
        .into_iter()
        .map(|j| j.id)
        .collect();
    held.sort_unstable();
    Ok(held)
}

/// The owner's run failed. With `retry_at` the job is queued again for then; without, it is
/// `failed` for good (kept, with the error and `result`). False when it was no longer the owner's.
pub async fn fail(
    c: &impl Conn,
    id: i64,
    owner: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    result: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut q = Entity::update_many()
        .col_expr(Column::LastError, Expr::value(error.to_string()))
        .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now));
    q = match retry_at {
        Some(at) => q
            .col_expr(Column::State, Expr::value(QUEUED))
            .col_expr(Column::RunAt, Expr::value(at)),
        None => q
            .col_expr(Column::State, Expr::value(FAILED))
            .col_expr(Column::Result, Expr::value(result))
            .col_expr(Column::FinishedAt, Expr::value(now)),
    };
    while_owned(c, q, id, owner).await
}

/// Running jobs whose lease ran out before `now`: their process stopped (or hung). Each is
/// given back to the queue for `retry_at` — or `failed` when its attempts are used up — by a
/// conditional update on its lease, so of several processes seeing it one acts. Returns how
/// many were requeued and how many failed.
pub async fn take_over_expired(
    c: &impl Conn,
    now: DateTime<Utc>,
    retry_at: DateTime<Utc>,
) -> Result<(u64, u64)> {
    let expired = || {
        Entity::update_many()
            .col_expr(
                Column::LastError,
                Expr::value("lease expired: the process running it stopped"),
            )
            .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::State.eq(RUNNING))
            .filter(Column::LeaseUntil.lt(now))
    };
    let failed = expired()
        .col_expr(Column::State, Expr::value(FAILED))
        .col_expr(Column::FinishedAt, Expr::value(now))
        .filter(Expr::col(Column::Attempts).gte(Expr::col(Column::MaxAttempts)))
        .exec(c)
        .await?
        .rows_affected;
    let requeued = expired()
        .col_expr(Column::State, Expr::value(QUEUED))
        .col_expr(Column::RunAt, Expr::value(retry_at))
        .filter(Expr::col(Column::Attempts).lt(Expr::col(Column::MaxAttempts)))
        .exec(c)
        .await?
        .rows_affected;
    Ok((requeued, failed))
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Job>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// The job enqueued under a once-key, if any.
pub async fn by_once_key(c: &impl Conn, key: &str) -> Result<Option<Job>> {
    Ok(Entity::find()
        .filter(Column::OnceKey.eq(key))
        .one(c)
        .await?)
}

/// How many jobs there are in each state (for `/metrics`).
pub async fn count_by_state(c: &impl Conn) -> Result<Vec<(String, i64)>> {
    Ok(Entity::find()
        .select_only()
        .column(Column::State)
        .column_as(Column::Id.count(), "n")
        .group_by(Column::State)
        .order_by_asc(Column::State)
        .into_tuple::<(String, i64)>()
        .all(c)
        .await?)
}

/// Jobs of one kind (all kinds when `None`) in one state (all when `None`), newest first.
pub async fn list(
    c: &impl Conn,
    kind: Option<&str>,
    state: Option<&str>,
    page: Page,
) -> Result<Paged<Job>> {
    let mut q = Entity::find();
    if let Some(k) = kind {
        q = q.filter(Column::Kind.eq(k));
    }
    if let Some(s) = state {
        q = q.filter(Column::State.eq(s));
    }
    crate::paginate(c, q.order_by_desc(Column::Id), page).await
}

/// The latest finished (done or failed) job of a kind; with `state`, the latest in that state.
pub async fn last_finished(c: &impl Conn, kind: &str, state: Option<&str>) -> Result<Option<Job>> {
    let mut q = Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::State.is_in([DONE, FAILED]));
    if let Some(s) = state {
        q = q.filter(Column::State.eq(s));
    }
    Ok(q.order_by_desc(Column::Id).one(c).await?)
}

/// How many jobs of this kind are queued or running.
pub async fn pending_of_kind(c: &impl Conn, kind: &str) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::State.is_in([QUEUED, RUNNING]))
        .count(c)
        .await?)
}

// --- recurring schedules ---

/// Creates or replaces a schedule (its cadence, whether it runs, its next occurrence).
pub async fn put_schedule(
    c: &impl Conn,
    name: &str,
    kind: &str,
    cadence: &str,
    enabled: bool,
    next_run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::sea_query::OnConflict;
    sched::Entity::insert(sched::ActiveModel {
        name: Set(name.into()),
        kind: Set(kind.into()),
        cadence: Set(cadence.into()),
        enabled: Set(enabled),
        next_run_at: Set(next_run_at),
        last_run_at: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(sched::Column::Name)
            .update_columns([
                sched::Column::Kind,
                sched::Column::Cadence,
                sched::Column::Enabled,
                sched::Column::NextRunAt,
                sched::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(c)
    .await?;
    Ok(())
}

pub async fn schedule(c: &impl Conn, name: &str) -> Result<Option<Schedule>> {
    Ok(sched::Entity::find_by_id(name.to_string()).one(c).await?)
}

/// The enabled schedules whose next occurrence is at or before `now`.
pub async fn due_schedules(c: &impl Conn, now: DateTime<Utc>) -> Result<Vec<Schedule>> {
    Ok(sched::Entity::find()
        .filter(sched::Column::Enabled.eq(true))
        .filter(sched::Column::NextRunAt.lte(now))
        .order_by_asc(sched::Column::Name)
        .all(c)
        .await?)
}

/// Moves a schedule from the occurrence `from` (as read) to `to`. True for the one caller
/// whose read was current: it then enqueues that occurrence's job.
pub async fn advance_schedule(
    c: &impl Conn,
    name: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sched::Entity::update_many()
        .col_expr(sched::Column::NextRunAt, Expr::value(to))
        .col_expr(sched::Column::LastRunAt, Expr::value(from))
        .col_expr(sched::Column::UpdatedAt, Expr::value(now))
        .filter(sched::Column::Name.eq(name))
        .filter(sched::Column::NextRunAt.eq(from))
        .filter(sched::Column::Enabled.eq(true))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// An administrator's "retry now" of a failed job: queued again, due at `now`, with one more
/// attempt than it has used. A conditional UPDATE on `state = 'failed'`, so of two clicks (or
/// two administrators) one requeues it and the other changes nothing. The last error is kept
/// until the next run replaces it. True when this call requeued it.
pub async fn retry_failed(c: &impl Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::State, Expr::value(QUEUED))
        .col_expr(Column::RunAt, Expr::value(now))
        .col_expr(Column::MaxAttempts, Expr::col(Column::Attempts).add(1))
        .col_expr(
            Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(FAILED))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Every recurring schedule, by name.
pub async fn schedules(c: &impl Conn) -> Result<Vec<Schedule>> {
    Ok(sched::Entity::find()
        .order_by_asc(sched::Column::Name)
        .all(c)
        .await?)
}
