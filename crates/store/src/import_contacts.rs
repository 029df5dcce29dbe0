//! Queries of contacts written by imports (issue 10, point 10, m0029): the batched insert, the
//! look-up of the customers a contacts file names, and the removal of a failed run's contacts.
//! A contact carries the import that wrote it; while that import is unfinished the contact is
//! hidden from every contact read ([`hidden`]).

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::contacts::{Contact, ContactFields};
use crate::entity::{audit_log, contact_record_contacts, contacts, customers, imports};
use crate::{Conn, Result, now};

/// Rows per multi-row INSERT: under both engines' bound-parameter limits (16 columns a row).
const BATCH: usize = 500;

/// The condition that keeps contacts of unfinished imports out of a read: `import_id` is empty
/// or names an import that is not running or removing.
pub fn visible() -> Condition {
    let unfinished = Query::select()
        .column(imports::Column::Id)
        .from(imports::Entity)
        .and_where(imports::Column::Status.is_in(crate::imports::HIDING))
        .to_owned();
    Condition::any()
        .add(contacts::Column::ImportId.is_null())
        .add(contacts::Column::ImportId.not_in_subquery(unfinished))
}

/// Sets what an import holds (`customers` or `contacts`).
pub async fn set_kind(c: &impl Conn, id: i64, kind: &str) -> Result<()> {
    imports::Entity::update_many()
        .col_expr(imports::Column::Kind, Expr::value(kind.to_string()))
        .filter(imports::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// Inserts contacts `(customer id, fields)` written by import `import_id`, in multi-row
/// statements, and returns them as stored (read back by the import's id, so the rows need no
/// key of their own to be told apart).
pub async fn insert(
    c: &impl Conn,
    rows: Vec<(i64, ContactFields)>,
    import_id: i64,
) -> Result<Vec<Contact>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let before: Option<i64> = contacts::Entity::find()
        .select_only()
        .column_as(contacts::Column::Id.max(), "m")
        .filter(contacts::Column::ImportId.eq(import_id))
        .into_tuple::<Option<i64>>()
        .one(c)
        .await?
        .flatten();
    let t = now();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<contacts::ActiveModel> = rows
            .by_ref()
            .take(BATCH)
            .map(|(customer_id, f)| {
                let mut m = crate::contacts::with_fields(f);
                m.customer_id = Set(customer_id);
                m.created_at = Set(t);
                m.updated_at = Set(t);
                m.removed_at = Set(None);
                m.version = Set(1);
                m.import_id = Set(Some(import_id));
                m
            })
            .collect();
        contacts::Entity::insert_many(batch)
            .exec_without_returning(c)
            .await?;
    }
    Ok(contacts::Entity::find()
        .filter(contacts::Column::ImportId.eq(import_id))
        .filter(contacts::Column::Id.gt(before.unwrap_or(0)))
        .order_by_asc(contacts::Column::Id)
        .all(c)
        .await?)
}

/// Which of these customers have a primary contact that is not removed.
pub async fn with_primary(c: &impl Conn, customer_ids: &[i64]) -> Result<HashSet<i64>> {
    let mut out = HashSet::new();
    for chunk in customer_ids.chunks(BATCH) {
        let ids: Vec<i64> = contacts::Entity::find()
            .select_only()
            .column(contacts::Column::CustomerId)
            .filter(contacts::Column::CustomerId.is_in(chunk.to_vec()))
            .filter(contacts::Column::IsPrimary.eq(true))
            .filter(contacts::Column::RemovedAt.is_null())
            .into_tuple()
            .all(c)
            .await?;
        out.extend(ids);
    }
    Ok(out)
}

/// A customer a contacts file may name: its id, duplicate key and USCC.
#[derive(Debug, Clone)]
pub struct Named {
    pub id: i64,
    pub name_key: String,
    pub uscc: Option<String>,
}

/// The customers within `visible` whose duplicate key or USCC is one of these, asked in chunks
/// through the unique indexes on both columns.
pub async fn customers_named(
    c: &impl Conn,
    visible: &crate::customers::Visible,
    name_keys: &[String],
    usccs: &[String],
) -> Result<Vec<Named>> {
    use customers::Column as C;
    let mut out = Vec::new();
    for (col, values) in [(C::NameKey, name_keys), (C::Uscc, usccs)] {
        for chunk in values.chunks(BATCH) {
            let rows: Vec<(i64, String, Option<String>)> = customers::Entity::find()
                .select_only()
                .column(C::Id)
                .column(C::NameKey)
                .column(C::Uscc)
                .filter(visible.condition())
                .filter(col.is_in(chunk.to_vec()))
                .into_tuple()
                .all(c)
                .await?;
            out.extend(
                rows.into_iter()
                    .map(|(id, name_key, uscc)| Named { id, name_key, uscc }),
            );
        }
    }
    Ok(out)
}

/// Deletes up to `limit` of the contacts an import wrote, with their `contact.import` audit
/// rows (nobody can name a hidden contact in a record, but a foreign key must never fail here).
/// Returns how many went: 0 when none is left.
pub async fn remove_rows(c: &impl Conn, import_id: i64, limit: u64) -> Result<u64> {
    let ids: Vec<i64> = contacts::Entity::find()
        .select_only()
        .column(contacts::Column::Id)
        .filter(contacts::Column::ImportId.eq(import_id))
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    audit_log::Entity::delete_many()
        .filter(audit_log::Column::EntityType.eq("contact"))
        .filter(audit_log::Column::EntityId.is_in(ids.clone()))
        .filter(audit_log::Column::Action.eq("contact.import"))
        .exec(c)
        .await?;
    contact_record_contacts::Entity::delete_many()
        .filter(contact_record_contacts::Column::ContactId.is_in(ids.clone()))
        .exec(c)
        .await?;
    Ok(contacts::Entity::delete_many()
        .filter(contacts::Column::Id.is_in(ids))
        .exec(c)
        .await?
        .rows_affected)
}
