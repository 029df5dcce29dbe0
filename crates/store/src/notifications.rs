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
    ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_string()),
        params: Set(params.to_string()),
        link: Set(link),
        created_at: Set(crate::now()),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Newest first.
pub async fn list_for(c: &impl Conn, user_id: i64, page: Page) -> Result<Paged<Notification>> {
    let q = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

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
