//! The in-app notification centre's storage. Later issues feed e-mail from the same rows.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};

use crate::entity::notifications::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::notifications::Model as Notification;

pub async fn insert(
    c: &impl Conn,
    user_id: i64,
    kind: &str,
    params: serde_json::Value,
    link: Option<String>,
) -> Result<()> {
    insert_about(c, user_id, kind, params, link, None).await
}

/// A notification that asks its reader to act on `subject` (`("status_request", id)`): it is
/// marked done by [`mark_done`] when that is done.
pub async fn insert_about(
    c: &impl Conn,
    user_id: i64,
    kind: &str,
    params: serde_json::Value,
    link: Option<String>,
    subject: Option<(&str, i64)>,
) -> Result<()> {
    ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_string()),
        params: Set(params.to_string()),
        link: Set(link),
        created_at: Set(crate::now()),
        read_at: Set(None),
        subject_type: Set(subject.map(|s| s.0.to_string())),
        subject_id: Set(subject.map(|s| s.1)),
        done_at: Set(None),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Newest first; only the unread ones with `unread_only`.
pub async fn list_for(
    c: &impl Conn,
    user_id: i64,
    unread_only: bool,
    page: Page,
) -> Result<Paged<Notification>> {
    let mut q = Entity::find().filter(Column::UserId.eq(user_id));
    if unread_only {
        q = q.filter(Column::ReadAt.is_null());
    }
    let q = q.order_by_desc(Column::CreatedAt).order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// One notification of the user (`None` for someone else's).
pub async fn get_for(c: &impl Conn, user_id: i64, id: i64) -> Result<Option<Notification>> {
    Ok(Entity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .one(c)
        .await?)
}

/// Marks every notification about `subject` done (and read), whoever it was sent to: what it
/// asked for has been done. Returns how many were still open.
pub async fn mark_done(c: &impl Conn, subject_type: &str, subject_id: i64) -> Result<u64> {
    let t = crate::now();
    let about = || {
        sea_orm::Condition::all()
            .add(Column::SubjectType.eq(subject_type))
            .add(Column::SubjectId.eq(subject_id))
    };
    Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(t))
        .filter(about())
        .filter(Column::ReadAt.is_null())
        .exec(c)
        .await?;
    Ok(Entity::update_many()
        .col_expr(Column::DoneAt, Expr::value(t))
        .filter(about())
        .filter(Column::DoneAt.is_null())
        .exec(c)
        .await?
        .rows_affected)
}

/// Reads the partial index `ix_notifications_unread` (m0021) alone.
pub async fn unread_count(c: &impl Conn, user_id: i64) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ReadAt.is_null())
        .count(c)
        .await?)
}

/// Marks one (or, with `None`, every) unread notification of the user as read.
pub async fn mark_read(c: &impl Conn, user_id: i64, id: Option<i64>) -> Result<u64> {
    let mut q = Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(crate::now()))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ReadAt.is_null());
    if let Some(id) = id {
        q = q.filter(Column::Id.eq(id));
    }
    Ok(q.exec(c).await?.rows_affected)
}

/// Whether this notification belongs to the user.
pub async fn belongs_to(c: &impl Conn, user_id: i64, id: i64) -> Result<bool> {
    Ok(Entity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .count(c)
        .await?
        > 0)
}
