//! Queries on contacts. Visibility follows the customer's: callers check the customer first.
//!
//! A deleted contact is removed (`removed_at` set), not deleted: contact records may name it.
//! Every read here skips removed contacts except [`names`], which labels records.

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

pub(crate) fn with_fields(f: ContactFields) -> ActiveModel {
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
        .filter(Column::RemovedAt.is_null())
        .filter(crate::import_contacts::visible())
        .order_by_desc(Column::IsPrimary)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// A contact as a row that refers to it names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContactName {
    pub id: i64,
    pub name: String,
    /// The contact was deleted after the row named it.
    pub removed: bool,
}

/// Names of these contacts, removed ones included, for labelling rows that refer to them (no
/// scope: the caller has already decided the rows are visible). Nothing is asked for no ids.
pub async fn names(c: &impl Conn, ids: &[i64]) -> Result<Vec<ContactName>> {
    use sea_orm::QuerySelect;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, Option<chrono::DateTime<chrono::Utc>>)> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Name)
        .column(Column::RemovedAt)
        .filter(Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, removed_at)| ContactName {
            id,
            name,
            removed: removed_at.is_some(),
        })
        .collect())
}

/// A contact that has not been removed.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Contact>> {
    Ok(Entity::find_by_id(id)
        .filter(Column::RemovedAt.is_null())
        .filter(crate::import_contacts::visible())
        .one(c)
        .await?)
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
        .filter(Column::Id.eq(id))
        .filter(Column::RemovedAt.is_null());
    if let Some(v) = expected {
        q = q.filter(Column::Version.eq(v));
    }
    if q.exec(c).await?.rows_affected == 0 {
        return Ok(None);
    }
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Removes a contact: it leaves the customer's contacts (and is no longer primary) but its row
/// stays for the records that name it. Returns whether a live contact was removed, so that two
/// removals at once have one winner.
pub async fn remove(c: &impl Conn, id: i64) -> Result<bool> {
    let done = Entity::update_many()
        .col_expr(Column::RemovedAt, Expr::value(now()))
        .col_expr(Column::IsPrimary, Expr::value(false))
        .col_expr(Column::UpdatedAt, Expr::value(now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::RemovedAt.is_null())
        .exec(c)
        .await?;
    Ok(done.rows_affected == 1)
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
