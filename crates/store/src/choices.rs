//! The lists the administrator maintains in both languages: customer types (`type`) and sources
//! (`source`).

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::choices::{ActiveModel, Column, Entity};
use crate::{Conn, Result};

pub use crate::entity::choices::Model as Choice;

/// The lists there are.
pub const LISTS: [&str; 4] = ["type", "source", "release_reason", "expense_category"];

/// One entry of a list by its code.
pub async fn get(c: &impl Conn, list: &str, code: &str) -> Result<Option<Choice>> {
    Ok(Entity::find()
        .filter(Column::List.eq(list))
        .filter(Column::Code.eq(code))
        .one(c)
        .await?)
}

/// One entry by id.
pub async fn by_id(c: &impl Conn, id: i64) -> Result<Option<Choice>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Every entry of every list (a few dozen rows), in display order.
pub async fn all(c: &impl Conn) -> Result<Vec<Choice>> {
    Ok(Entity::find()
        .order_by_asc(Column::List)
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// Adds an entry at the end of its list.
pub async fn insert(
    c: &impl Conn,
    list: &str,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<Choice> {
    use sea_orm::{
        QuerySelect,
        sea_query::{Expr, Func},
    };
    let max: Option<Option<i32>> = Entity::find()
        .select_only()
        .column_as(Expr::from(Func::max(Expr::col(Column::Position))), "m")
        .filter(Column::List.eq(list))
        .into_tuple()
        .one(c)
        .await?;
    let position = max.flatten().map_or(0, |m| m + 1);
    Ok(ActiveModel {
        list: Set(list.to_string()),
        code: Set(code.to_string()),
        name_zh: Set(name_zh.to_string()),
        name_en: Set(name_en.to_string()),
        position: Set(position),
        active: Set(true),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// Renames an entry or (de)activates it. The code never changes: records refer to it.
pub async fn update(
    c: &impl Conn,
    id: i64,
    name_zh: &str,
    name_en: &str,
    active: bool,
) -> Result<Choice> {
    Ok(ActiveModel {
        id: Set(id),
        name_zh: Set(name_zh.to_string()),
        name_en: Set(name_en.to_string()),
        active: Set(active),
        ..Default::default()
    }
    .update(c)
    .await?)
}
