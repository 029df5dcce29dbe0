//! Assignment rules (seed S4.5): how a region's new customers get an owner, and the facts the
//! rule needs — who may receive customers and how many open ones each holds now.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::assignment_rules::{ActiveModel, Column, Entity};
use crate::entity::{customers, users};
use crate::{Conn, Result, now};

pub use crate::entity::assignment_rules::Model as Rule;

/// The rule of one region (none stored: no automatic assignment).
pub async fn get(c: &impl Conn, region_id: i64) -> Result<Option<Rule>> {
    Ok(Entity::find_by_id(region_id).one(c).await?)
}

/// As [`get`], and locks the row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite
/// serialises writers anyway), so that two customers created at once do not both go to the
/// person whose turn it is.
pub async fn get_for_update(c: &impl Conn, region_id: i64) -> Result<Option<Rule>> {
    Ok(Entity::find_by_id(region_id)
        .lock_exclusive()
        .one(c)
        .await?)
}

/// Every stored rule (one per region at most).
pub async fn all(c: &impl Conn) -> Result<Vec<Rule>> {
    Ok(Entity::find().order_by_asc(Column::RegionId).all(c).await?)
}

/// Sets a region's mode (insert or replace), keeping whose turn it was.
pub async fn set_mode(c: &impl Conn, region_id: i64, mode: &str, by: Option<i64>) -> Result<()> {
    Entity::insert(ActiveModel {
        region_id: Set(region_id),
        mode: Set(mode.to_string()),
        last_user_id: Set(None),
        updated_by: Set(by),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(Column::RegionId)
            .update_columns([Column::Mode, Column::UpdatedBy, Column::UpdatedAt])
            .to_owned(),
    )
    .exec(c)
    .await?;
    Ok(())
}

/// Records who received the region's last customer (round robin continues after them).
pub async fn set_last(c: &impl Conn, region_id: i64, user_id: i64) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::LastUserId, sea_orm::sea_query::Expr::value(user_id))
        .filter(Column::RegionId.eq(region_id))
        .exec(c)
        .await?;
    Ok(())
}

/// Moves a round-robin region's turn on, in one statement: to the first of `members` (ids
/// ascending) after the one who had it, or back to the first — `domain::customer::pick`'s
/// round robin, written as a CASE over the members so that reading the turn and moving it on
/// are one step (in a short transaction of its own, its row lock lasts one statement). Who it
/// went to; `None` when the region's stored mode is not `mode` (changed meanwhile) or there
/// are no members.
pub async fn take_turn(
    c: &impl Conn,
    region_id: i64,
    mode: &str,
    members: &[i64],
) -> Result<Option<i64>> {
    use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
    let Some(&first) = members.first() else {
        return Ok(None);
    };
    debug_assert!(members.windows(2).all(|w| w[0] < w[1]), "members by id");
    let mut next = CaseStatement::new().case(Expr::col(Column::LastUserId).is_null(), first);
    for &m in members {
        next = next.case(Expr::col(Column::LastUserId).lt(m), m);
    }
    let rows = Entity::update_many()
        .col_expr(Column::LastUserId, next.finally(first).into())
        .filter(Column::RegionId.eq(region_id))
        .filter(Column::Mode.eq(mode))
        .exec_with_returning(c)
        .await?;
    Ok(rows.into_iter().next().and_then(|r| r.last_user_id))
}

/// Records who received the region's last customer if its stored mode is still `mode`: false
/// when it is not (changed meanwhile).
pub async fn set_last_if(c: &impl Conn, region_id: i64, mode: &str, user_id: i64) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::LastUserId, sea_orm::sea_query::Expr::value(user_id))
        .filter(Column::RegionId.eq(region_id))
        .filter(Column::Mode.eq(mode))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Active people holding one of `positions` in these regions or branches and not on leave on
/// `day` (their `on_leave_until` is before it, or unset), by id.
pub async fn people_in(
    c: &impl Conn,
    region_ids: &[i64],
    positions: &[&str],
    day: chrono::NaiveDate,
) -> Result<Vec<i64>> {
    if region_ids.is_empty() || positions.is_empty() {
        return Ok(vec![]);
    }
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Active.eq(true))
        .filter(
            sea_orm::Condition::any()
                .add(users::Column::OnLeaveUntil.is_null())
                .add(users::Column::OnLeaveUntil.lt(day)),
        )
        .filter(users::Column::RegionId.is_in(region_ids.to_vec()))
        .filter(users::Column::Position.is_in(positions.iter().map(|p| p.to_string())))
        .order_by_asc(users::Column::Id)
        .into_tuple()
        .all(c)
        .await?)
}

/// How many customers each of `owners` holds whose status is not one of `closed`, archived ones
/// left out (owners holding none are left out).
pub async fn open_load(c: &impl Conn, owners: &[i64], closed: &[&str]) -> Result<Vec<(i64, i64)>> {
    if owners.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(Option<i64>, i64)> = customers::Entity::find()
        .select_only()
        .column(customers::Column::OwnerId)
        .column_as(customers::Column::Id.count(), "n")
        .filter(customers::Column::OwnerId.is_in(owners.to_vec()))
        .filter(customers::Column::Status.is_not_in(closed.iter().map(|s| s.to_string())))
        // An archived customer is nobody's work (m0025).
        .filter(customers::Column::ArchivedAt.is_null())
        .group_by(customers::Column::OwnerId)
        .order_by_asc(customers::Column::OwnerId)
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(o, n)| o.map(|o| (o, n)))
        .collect())
}
