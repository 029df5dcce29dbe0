//! Queries on contacts. Visibility follows the customer's: callers check the customer first.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::contacts::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::contacts::Model as Contact;

#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub name: String,
    pub title: Option<String>,
    pub role: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub notes: Option<String>,
    pub is_primary: bool,
}

fn with_fields(f: ContactFields) -> ActiveModel {
    ActiveModel {
        name: Set(f.name),
        title: Set(f.title),
        role: Set(f.role),
        mobile: Set(f.mobile),
        phone: Set(f.phone),
        email: Set(f.email),
        wechat: Set(f.wechat),
        notes: Set(f.notes),
        is_primary: Set(f.is_primary),
        updated_at: Set(now()),
        ..Default::default()
    }
}

/// A customer's contacts, the primary one first.
pub async fn for_customer(c: &impl Conn, customer_id: i64) -> Result<Vec<Contact>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::IsPrimary)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// (id, name) of these contacts, for labelling rows that refer to them (no scope: the caller
/// has already decided the rows are visible). Nothing is asked for no ids.
pub async fn names(c: &impl Conn, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    use sea_orm::QuerySelect;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Name)
        .filter(Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(c)
        .await?)
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Contact>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

pub async fn insert(c: &impl Conn, customer_id: i64, f: ContactFields) -> Result<Contact> {
    let mut m = with_fields(f);
    m.customer_id = Set(customer_id);
    m.created_at = Set(now());
    Ok(m.insert(c).await?)
}

/// Writes a contact's fields and bumps its version — only if the version is still `expected`
/// when given. `None`: the contact is gone or its version moved on.
pub async fn update(
    c: &impl Conn,
    id: i64,
    f: ContactFields,
    expected: Option<i32>,
) -> Result<Option<Contact>> {
    let mut q = Entity::update_many()
        .set(with_fields(f))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id));
    if let Some(v) = expected {
        q = q.filter(Column::Version.eq(v));
    }
    if q.exec(c).await?.rows_affected == 0 {
        return Ok(None);
    }
    Ok(Entity::find_by_id(id).one(c).await?)
}

pub async fn delete(c: &impl Conn, id: i64) -> Result<()> {
    Entity::delete_by_id(id).exec(c).await?;
    Ok(())
}

/// Makes no contact of the customer primary except `keep` (bumping the version of the one that
/// loses the mark). Called before a contact becomes primary: the database allows one primary
/// contact per customer (`ux_contacts_primary`).
pub async fn clear_primary(c: &impl Conn, customer_id: i64, keep: Option<i64>) -> Result<()> {
    let mut q = Entity::update_many()
        .col_expr(Column::IsPrimary, Expr::value(false))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::CustomerId.eq(customer_id))
        .filter(Column::IsPrimary.eq(true));
    if let Some(id) = keep {
        q = q.filter(Column::Id.ne(id));
    }
    q.exec(c).await?;
    Ok(())
}
