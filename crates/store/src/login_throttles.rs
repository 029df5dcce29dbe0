//! Login back-off counters (`login_throttles`), shared by every process through the database.
//!
//! An attempt is counted when it starts ([`claim`]: a compare-and-set on the failure count that
//! also refuses while the counter is blocked), and taken back when the password proves right
//! ([`take_back`]). Parallel attempts therefore each take their own turn: a burst cannot run
//! more guesses than the counter allows, and no failure is lost.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::login_throttles::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::login_throttles::Model as Throttle;

/// Counter of a login string (whether or not such a person exists).
pub const ACCOUNT: &str = "account";
/// Counter of a client address.
pub const ADDRESS: &str = "address";
/// Counter of a known device (its key is the device's id).
pub const DEVICE: &str = "device";

fn bounded(s: &str) -> String {
    s.chars().take(64).collect()
}

/// The counter of `kind`/`key`, if there is one.
pub async fn get(c: &impl Conn, kind: &str, key: &str) -> Result<Option<Throttle>> {
    Ok(Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::Key.eq(bounded(key)))
        .one(c)
        .await?)
}

pub async fn get_by_id(c: &impl Conn, id: i64) -> Result<Option<Throttle>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Creates the counter with no failures, unless it exists (`ON CONFLICT DO NOTHING`, so two
/// processes creating it at once both succeed).
pub async fn ensure(
    c: &impl Conn,
    kind: &str,
    key: &str,
    user_id: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    Entity::insert(ActiveModel {
        kind: Set(kind.to_string()),
        key: Set(bounded(key)),
        user_id: Set(user_id),
        failures: Set(0),
        last_attempt_at: Set(at),
        blocked_until: Set(None),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([Column::Kind, Column::Key])
    .exec(c)
    .await?;
    Ok(())
}

/// Counts one attempt on a counter read as `seen`: sets `failures` and the next attempt's wait,
/// only if nobody changed the count since it was read and the counter is not blocked at `at`.
/// False when another attempt came first (read again and retry).
pub async fn claim(
    c: &impl Conn,
    seen: &Throttle,
    failures: i32,
    at: DateTime<Utc>,
    blocked_until: Option<DateTime<Utc>>,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::Failures, Expr::val(failures))
        .col_expr(Column::LastAttemptAt, Expr::val(at))
        .col_expr(Column::BlockedUntil, Expr::val(blocked_until))
        .filter(Column::Id.eq(seen.id))
        .filter(Column::Failures.eq(seen.failures))
        .filter(
            Condition::any()
                .add(Column::BlockedUntil.is_null())
                .add(Column::BlockedUntil.lte(at)),
        )
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Takes back an attempt that [`claim`]ed `claimed` failures after the password proved right:
/// restores the count and the wait it had before, if nothing happened since; otherwise only
/// takes one failure off.
pub async fn take_back(
    c: &impl Conn,
    id: i64,
    claimed: i32,
    before_until: Option<DateTime<Utc>>,
) -> Result<()> {
    let r = Entity::update_many()
        .col_expr(Column::Failures, Expr::val(claimed - 1))
        .col_expr(Column::BlockedUntil, Expr::val(before_until))
        .filter(Column::Id.eq(id))
        .filter(Column::Failures.eq(claimed))
        .exec(c)
        .await?;
    if r.rows_affected == 0 {
        Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(Column::Id.eq(id))
            .filter(Column::Failures.gt(0))
            .exec(c)
            .await?;
    }
    Ok(())
}

/// Forgets a counter (a success on an account or device).
pub async fn delete(c: &impl Conn, kind: &str, key: &str) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::Kind.eq(kind))
        .filter(Column::Key.eq(bounded(key)))
        .exec(c)
        .await?
        .rows_affected)
}

pub async fn delete_by_id(c: &impl Conn, id: i64) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?
        .rows_affected)
}

/// Counters that matter now: with failures, and an attempt since `since` or a wait beyond
/// `now`. Most recent attempt first.
pub async fn list_current(
    c: &impl Conn,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    page: Page,
) -> Result<Paged<Throttle>> {
    let q = Entity::find()
        .filter(Column::Failures.gt(0))
        .filter(
            Condition::any()
                .add(Column::LastAttemptAt.gt(since))
                .add(Column::BlockedUntil.gt(now)),
        )
        .order_by_desc(Column::LastAttemptAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// Deletes counters without an attempt since `before` and not blocked at `now`.
pub async fn purge(c: &impl Conn, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::LastAttemptAt.lte(before))
        .filter(
            Condition::any()
                .add(Column::BlockedUntil.is_null())
                .add(Column::BlockedUntil.lte(now)),
        )
        .exec(c)
        .await?
        .rows_affected)
}
