//! The history of a customer's owner (seed S4.5).

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::owner_history::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::owner_history::Model as OwnerChange;

/// Records one change of owner.
pub async fn insert(
    c: &impl Conn,
    customer_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    reason: &str,
    by: Option<i64>,
) -> Result<()> {
    insert_with_note(c, customer_id, from, to, reason, by, None).await
}

/// Records one change of owner with its note (a release's reason code, a merge's merged name).
pub async fn insert_with_note(
    c: &impl Conn,
    customer_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    reason: &str,
    by: Option<i64>,
    note: Option<String>,
) -> Result<()> {
    ActiveModel {
        note: Set(note),
        customer_id: Set(customer_id),
        from_owner_id: Set(from),
        to_owner_id: Set(to),
        reason: Set(reason.to_string()),
        changed_by: Set(by),
        changed_at: Set(now()),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// A customer's owner changes, latest first (a customer has a handful).
pub async fn for_customer(c: &impl Conn, customer_id: i64) -> Result<Vec<OwnerChange>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::Id)
        .all(c)
        .await?)
}

/// How many customers this person claimed from the pool since `since`.
pub async fn claims_since(
    c: &impl Conn,
    user_id: i64,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find()
        .filter(Column::ToOwnerId.eq(user_id))
        .filter(Column::Reason.eq("claim"))
        .filter(Column::ChangedAt.gte(since))
        .count(c)
        .await?)
}
