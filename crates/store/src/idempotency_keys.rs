//! Idempotency keys: who claimed a key first, and the answer once there is one. The unique
//! index `(user_id, key)` decides between two requests with one key — never a read-then-write.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};

use crate::entity::idempotency_keys::{ActiveModel, Column, Entity};
use crate::{Conn, Result};

pub use crate::entity::idempotency_keys::Model as IdempotencyKey;

/// Inserts the key as "running" unless the person already has it. True when this call
/// inserted it (and so runs the request).
pub async fn claim(
    c: &impl Conn,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let r = Entity::insert(ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_string()),
        fingerprint: Set(fingerprint.to_string()),
        status: Set(None),
        content_type: Set(None),
        body: Set(None),
        created_at: Set(at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::UserId, Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await;
    match r {
        Ok(n) => Ok(n == 1),
        Err(DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The person's key, if any.
pub async fn find(c: &impl Conn, user_id: i64, key: &str) -> Result<Option<IdempotencyKey>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Key.eq(key))
        .one(c)
        .await?)
}

/// Stores the answer of a running key (only while it is running).
pub async fn finish(
    c: &impl Conn,
    user_id: i64,
    key: &str,
    status: i32,
    content_type: Option<String>,
    body: Vec<u8>,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::ContentType, Expr::value(content_type))
        .col_expr(Column::Body, Expr::value(body))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Key.eq(key))
        .filter(Column::Status.is_null())
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Frees a running key whose request gave no answer worth keeping (a server error).
pub async fn release(c: &impl Conn, user_id: i64, key: &str) -> Result<()> {
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Key.eq(key))
        .filter(Column::Status.is_null())
        .exec(c)
        .await?;
    Ok(())
}

/// Deletes the person's key if it expired (created before `expired`) or its request was
/// abandoned (still running, created before `abandoned`). True when it was deleted.
pub async fn delete_stale(
    c: &impl Conn,
    user_id: i64,
    key: &str,
    expired: DateTime<Utc>,
    abandoned: DateTime<Utc>,
) -> Result<bool> {
    let r = Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Key.eq(key))
        .filter(
            Condition::any().add(Column::CreatedAt.lt(expired)).add(
                Condition::all()
                    .add(Column::Status.is_null())
                    .add(Column::CreatedAt.lt(abandoned)),
            ),
        )
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Deletes every key created before `before` (housekeeping).
pub async fn purge_before(c: &impl Conn, before: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::CreatedAt.lt(before))
        .exec(c)
        .await?
        .rows_affected)
}
