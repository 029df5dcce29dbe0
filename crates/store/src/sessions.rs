//! Queries on login sessions. Sessions live in the database so that several `serve` processes
//! share them.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::sessions::{ActiveModel, Column, Entity};
use crate::entity::users;
use crate::{Conn, Result};

pub use crate::entity::sessions::Model as Session;

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub kind: &'static str,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn insert(c: &impl Conn, s: NewSession) -> Result<Session> {
    let t = crate::now();
    let m = ActiveModel {
        token_hash: Set(s.token_hash),
        user_id: Set(s.user_id),
        kind: Set(s.kind.to_string()),
        created_at: Set(t),
        expires_at: Set(s.expires_at),
        last_seen_at: Set(t),
        ip: Set(s.ip),
        user_agent: Set(s.user_agent),
        ..Default::default()
    };
    Ok(m.insert(c).await?)
}

/// The unexpired session with this token hash, and its user.
pub async fn find_live(
    c: &impl Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Session, users::Model)>> {
    let Some(s) = Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .filter(Column::ExpiresAt.gt(now))
        .one(c)
        .await?
    else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(s.user_id).one(c).await?;
    Ok(user.map(|u| (s, u)))
}

/// Slides the expiry forward; called at most every few minutes per session.
pub async fn touch(
    c: &impl Conn,
    id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let m = ActiveModel {
        id: Set(id),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    };
    m.update(c).await?;
    Ok(())
}

pub async fn delete_by_hash(c: &impl Conn, token_hash: &str) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::TokenHash.eq(token_hash))
        .exec(c)
        .await?
        .rows_affected)
}

/// Ends every session of a user (after a password reset or when the person is disabled),
/// except one to keep (the session that changed its own password).
pub async fn delete_for_user(c: &impl Conn, user_id: i64, keep: Option<i64>) -> Result<u64> {
    let mut q = Entity::delete_many().filter(Column::UserId.eq(user_id));
    if let Some(id) = keep {
        q = q.filter(Column::Id.ne(id));
    }
    Ok(q.exec(c).await?.rows_affected)
}

pub async fn purge_expired(c: &impl Conn, now: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(c)
        .await?
        .rows_affected)
}
