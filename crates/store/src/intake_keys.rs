//! Intake keys (issue 12, point 1): what the company website presents with each application.
//! Only the secret's SHA-256 is stored; the lookup is by that hash (`ux_intake_keys_hash`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::intake_keys::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::intake_keys::Model as IntakeKey;

/// A new key's stored fields.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(c: &impl Conn, k: NewKey) -> Result<IntakeKey> {
    Ok(ActiveModel {
        name: Set(k.name),
        prefix: Set(k.prefix),
        key_hash: Set(k.key_hash),
        created_by: Set(k.created_by),
        created_at: Set(k.created_at),
        use_count: Set(0),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<IntakeKey>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Keys newest first, live and revoked, a page at a time.
pub async fn list(c: &impl Conn, page: Page) -> Result<Paged<IntakeKey>> {
    crate::paginate(c, Entity::find().order_by_desc(Column::Id), page).await
}

/// Renames a key.
pub async fn rename(c: &impl Conn, id: i64, name: &str) -> Result<u64> {
    Ok(Entity::update_many()
        .col_expr(Column::Name, Expr::value(name))
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?
        .rows_affected)
}

/// Revokes a live key: true when this call revoked it (false: unknown or already revoked).
pub async fn revoke(c: &impl Conn, id: i64, by: Option<i64>, at: DateTime<Utc>) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(at))
        .col_expr(Column::RevokedBy, Expr::value(by))
        .filter(Column::Id.eq(id))
        .filter(Column::RevokedAt.is_null())
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Finds the live key with this hash and counts a use of it, in one conditional statement: a
/// key revoked a moment before is not used.
pub async fn use_live(c: &impl Conn, key_hash: &str, at: DateTime<Utc>) -> Result<Option<IntakeKey>> {
    let r = Entity::update_many()
        .col_expr(Column::UseCount, Expr::col(Column::UseCount).add(1))
        .col_expr(Column::LastUsedAt, Expr::value(at))
        .filter(Column::KeyHash.eq(key_hash))
        .filter(Column::RevokedAt.is_null())
        .exec_with_returning(c)
        .await?;
    Ok(r.into_iter().next())
}
