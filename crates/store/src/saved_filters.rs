//! A person's saved list filters, each belonging to one list (`customers`, `deals`, …).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::saved_filters::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::saved_filters::Model as SavedFilter;

/// One person's filters of one list, oldest first (a person keeps at most a few dozen).
pub async fn for_user(c: &impl Conn, user_id: i64, list: &str) -> Result<Vec<SavedFilter>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::List.eq(list))
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// How many filters a person keeps over all lists.
pub async fn count_for_user(c: &impl Conn, user_id: i64) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .count(c)
        .await?)
}

pub async fn insert(
    c: &impl Conn,
    user_id: i64,
    list: &str,
    name: &str,
    query: &str,
) -> Result<SavedFilter> {
    Ok(ActiveModel {
        user_id: Set(user_id),
        list: Set(list.to_string()),
        name: Set(name.to_string()),
        query: Set(query.to_string()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// One of this person's filters.
pub async fn get_own(c: &impl Conn, id: i64, user_id: i64) -> Result<Option<SavedFilter>> {
    Ok(Entity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .one(c)
        .await?)
}

pub async fn delete(c: &impl Conn, id: i64) -> Result<()> {
    Entity::delete_by_id(id).exec(c).await?;
    Ok(())
}
