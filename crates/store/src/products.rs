//! The products the company sells (issue 12, point 1): a short list the administrator keeps in
//! both languages. Code and names are unique by index (`ux_products_*`, m0031).

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::products::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::products::Model as Product;

/// Every product, active or not, in display order (a few dozen rows at most).
pub async fn all(c: &impl Conn) -> Result<Vec<Product>> {
    Ok(Entity::find()
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Product>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

pub async fn by_code(c: &impl Conn, code: &str) -> Result<Option<Product>> {
    Ok(Entity::find().filter(Column::Code.eq(code)).one(c).await?)
}

/// The fields of a product a use case sets (the code only on creation).
#[derive(Debug, Clone)]
pub struct ProductFields {
    pub name_zh: String,
    pub name_en: String,
    pub position: Option<i32>,
    pub active: bool,
}

/// Adds a product; without a position it goes to the end of the list.
pub async fn insert(c: &impl Conn, code: &str, f: ProductFields) -> Result<Product> {
    let position = match f.position {
        Some(p) => p,
        None => {
            let max: Option<Option<i32>> = Entity::find()
                .select_only()
                .column_as(Expr::from(Func::max(Expr::col(Column::Position))), "m")
                .into_tuple()
                .one(c)
                .await?;
            max.flatten().map_or(10, |m| m + 10)
        }
    };
    let t = now();
    Ok(ActiveModel {
        code: Set(code.to_string()),
        name_zh: Set(f.name_zh),
        name_en: Set(f.name_en),
        position: Set(position),
        active: Set(f.active),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

/// Renames, reorders or (de)activates a product. The code never changes: records refer to it.
pub async fn update(c: &impl Conn, id: i64, f: ProductFields) -> Result<Product> {
    let mut m = ActiveModel {
        id: Set(id),
        name_zh: Set(f.name_zh),
        name_en: Set(f.name_en),
        active: Set(f.active),
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(p) = f.position {
        m.position = Set(p);
    }
    Ok(m.update(c).await?)
}
