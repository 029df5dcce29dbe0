//! Likely-duplicate keys of customers and the likely duplicates an import found (m0026).
//!
//! The keys are computed by the caller (`domain::customer::likely`); this module only stores
//! and looks them up. Every look-up reads the `(value, kind, customer_id)` primary key.

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::customer_likely_keys as keys;
use crate::entity::import_likely as flags;
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::import_likely::Model as ImportLikely;

/// Keys per statement (each costs two or three bound parameters).
const BATCH: usize = 500;

/// A key: (kind, normalised value).
pub type Key = (String, String);

/// Replaces every key of one customer by `new` (after a change to what they come from).
pub async fn replace(c: &impl Conn, customer_id: i64, new: &[Key]) -> Result<()> {
    keys::Entity::delete_many()
        .filter(keys::Column::CustomerId.eq(customer_id))
        .exec(c)
        .await?;
    let rows: Vec<(i64, Key)> = new.iter().map(|k| (customer_id, k.clone())).collect();
    insert(c, rows).await
}

/// Adds keys of new customers (an import's chunk), in multi-row statements.
pub async fn insert(c: &impl Conn, rows: Vec<(i64, Key)>) -> Result<()> {
    for chunk in rows.chunks(BATCH) {
        let models = chunk.iter().map(|(id, (kind, value))| keys::ActiveModel {
            value: Set(value.clone()),
            kind: Set(kind.clone()),
            customer_id: Set(*id),
        });
        keys::Entity::insert_many(models)
            .on_conflict_do_nothing()
            .exec(c)
            .await?;
    }
    Ok(())
}

/// Who holds one of these values: (customer, kind, value), by customer id, at most `limit`,
/// leaving out `except`. The caller decides which kinds count as a match.
pub async fn holders(
    c: &impl Conn,
    values: &[String],
    except: Option<i64>,
    limit: u64,
) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for chunk in values.chunks(BATCH) {
        let mut q = keys::Entity::find()
            .select_only()
            .column(keys::Column::CustomerId)
            .column(keys::Column::Kind)
            .column(keys::Column::Value)
            .filter(keys::Column::Value.is_in(chunk.to_vec()));
        if let Some(e) = except {
            q = q.filter(keys::Column::CustomerId.ne(e));
        }
        let rows: Vec<(i64, String, String)> = q
            .order_by_asc(keys::Column::CustomerId)
            .limit(limit)
            .into_tuple()
            .all(c)
            .await?;
        out.extend(rows);
    }
    out.sort();
    Ok(out)
}

/// For each of these values held by some customer, per kind, the first customer (lowest id)
/// that holds it: (kind, value, customer). One row per key however many customers share it.
pub async fn first_holders(c: &impl Conn, values: &[String]) -> Result<Vec<(String, String, i64)>> {
    let mut out = Vec::new();
    for chunk in values.chunks(BATCH) {
        let rows: Vec<(String, String, i64)> = keys::Entity::find()
            .select_only()
            .column(keys::Column::Kind)
            .column(keys::Column::Value)
            .column_as(
                Expr::from(Func::min(Expr::col(keys::Column::CustomerId))),
                "first",
            )
            .filter(keys::Column::Value.is_in(chunk.to_vec()))
            .group_by(keys::Column::Value)
            .group_by(keys::Column::Kind)
            .into_tuple()
            .all(c)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// A flagged row of an import.
#[derive(Debug, Clone)]
pub struct NewFlag {
    pub row_no: i32,
    pub customer_id: i64,
    pub other_id: i64,
    pub other_row: Option<i32>,
    pub kind: String,
    pub shown: String,
}

/// Records the likely duplicates found in one chunk of an import.
pub async fn insert_flags(c: &impl Conn, import_id: i64, rows: Vec<NewFlag>) -> Result<()> {
    for chunk in rows.chunks(BATCH / 2) {
        let models = chunk.iter().map(|f| flags::ActiveModel {
            import_id: Set(import_id),
            row_no: Set(f.row_no),
            customer_id: Set(f.customer_id),
            other_id: Set(Some(f.other_id)),
            other_row: Set(f.other_row),
            kind: Set(f.kind.clone()),
            shown: Set(f.shown.clone()),
            ..Default::default()
        });
        flags::Entity::insert_many(models).exec(c).await?;
    }
    Ok(())
}

/// One page of an import's likely duplicates, by row.
pub async fn flags_page(c: &impl Conn, import_id: i64, page: Page) -> Result<Paged<ImportLikely>> {
    let q = flags::Entity::find().filter(flags::Column::ImportId.eq(import_id));
    let total = q.clone().count(c).await?;
    let items = q
        .order_by_asc(flags::Column::RowNo)
        .order_by_asc(flags::Column::Id)
        .offset(page.offset())
        .limit(page.size)
        .all(c)
        .await?;
    Ok(Paged {
        items,
        total,
        total_exact: true,
        page,
    })
}

/// Keys of the customers above id `after` that were written in bulk, around the use cases (the
/// demo's): the same computation as m0026's backfill, a batch of customers at a time.
pub async fn key_bulk_rows(c: &impl Conn, after: i64) -> Result<()> {
    crate::migration::m0026_likely_keys::backfill(c, after).await?;
    Ok(())
}
