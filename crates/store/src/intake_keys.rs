//! Intake keys (issue 12, point 1): what the company website presents with each application.
//! Only the secret's SHA-256 is stored; the lookup is by that hash (`ux_intake_keys_hash`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

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

/// The live key with this hash, if any (its uses are counted apart: [`add_uses`]).
pub async fn live_by_hash(c: &impl Conn, key_hash: &str) -> Result<Option<IntakeKey>> {
    Ok(Entity::find()
        .filter(Column::KeyHash.eq(key_hash))
        .filter(Column::RevokedAt.is_null())
        .one(c)
        .await?)
}

/// Adds `n` uses to a key, the last at `at` (an earlier `at` than the one stored keeps it: two
/// processes may write their counts in either order).
pub async fn add_uses(c: &impl Conn, id: i64, n: i64, at: DateTime<Utc>) -> Result<()> {
    use sea_orm::sea_query::CaseStatement;
    let later = CaseStatement::new()
        .case(
            Expr::col(Column::LastUsedAt)
                .is_null()
                .or(Expr::col(Column::LastUsedAt).lt(at)),
            Expr::value(at),
        )
        .finally(Expr::col(Column::LastUsedAt));
    Entity::update_many()
        .col_expr(Column::UseCount, Expr::col(Column::UseCount).add(n))
        .col_expr(Column::LastUsedAt, later.into())
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}
