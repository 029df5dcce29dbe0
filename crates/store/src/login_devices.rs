//! Known devices (`login_devices`): browsers a person logged in from, by the SHA-256 of a
//! random cookie token. Forgotten when the password changes, and after a time unused.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::login_devices::{ActiveModel, Column, Entity};
use crate::{Conn, Result};

pub use crate::entity::login_devices::Model as Device;

pub async fn insert(
    c: &impl Conn,
    user_id: i64,
    token_hash: String,
    at: DateTime<Utc>,
    user_agent: Option<String>,
) -> Result<Device> {
    Ok(ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        created_at: Set(at),
        last_used_at: Set(at),
        user_agent: Set(user_agent.map(|s| s.chars().take(255).collect())),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// The device with this token hash, if it was used after `since`.
pub async fn find_live(
    c: &impl Conn,
    token_hash: &str,
    since: DateTime<Utc>,
) -> Result<Option<Device>> {
    Ok(Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .filter(Column::LastUsedAt.gt(since))
        .one(c)
        .await?)
}

pub async fn touch(c: &impl Conn, id: i64, at: DateTime<Utc>) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::LastUsedAt, sea_orm::sea_query::Expr::val(at))
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// Forgets every device of a person (the password changed or was reset).
pub async fn delete_for_user(c: &impl Conn, user_id: i64) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(c)
        .await?
        .rows_affected)
}

/// Deletes devices not used since `before`.
pub async fn purge_unused(c: &impl Conn, before: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::LastUsedAt.lte(before))
        .exec(c)
        .await?
        .rows_affected)
}
