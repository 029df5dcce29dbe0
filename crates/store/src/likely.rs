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

/// Who holds one of these values: (customer, kind, value), sorted, at most `limit` holders of
/// each value (a switchboard number can be shared by many), leaving out `except`. The caller
/// decides which kinds count as a match.
///
/// One statement per value, each reading the `(value, kind, customer_id)` primary key in its
/// order: a single `value IN (…) ORDER BY customer_id LIMIT n` let PostgreSQL's generic plan
/// (chosen after five runs of the prepared statement) walk the whole `customer_id` index and
/// filter every row — 25 ms at 30k keys, and linear in the customers (BENCHMARKS.md, issue 12).
pub async fn holders(
    c: &impl Conn,
    values: &[String],
    except: Option<i64>,
    limit: u64,
) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for value in values {
        let mut q = keys::Entity::find()
            .select_only()
            .column(keys::Column::CustomerId)
            .column(keys::Column::Kind)
            .column(keys::Column::Value)
            .filter(keys::Column::Value.eq(value.as_str()));
        if let Some(e) = except {
            q = q.filter(keys::Column::CustomerId.ne(e));
        }
        let rows: Vec<(i64, String, String)> = q
            .order_by_asc(keys::Column::Kind)
            .order_by_asc(keys::Column::CustomerId)
            .limit(limit)
            .into_tuple()
            .all(c)
            .await?;
        out.extend(rows);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Who holds one of many values (a batch's keys): (customer, kind, value), sorted, at most
/// `cap` rows per statement of [`BATCH`] values. No `ORDER BY` in the statement, for the reason
/// told at [`holders`]: the order is made here.
pub async fn holders_of_many(
    c: &impl Conn,
    values: &[String],
    cap: u64,
) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for chunk in values.chunks(BATCH) {
        let rows: Vec<(i64, String, String)> = keys::Entity::find()
            .select_only()
            .column(keys::Column::CustomerId)
            .column(keys::Column::Kind)
            .column(keys::Column::Value)
            .filter(keys::Column::Value.is_in(chunk.to_vec()))
            .limit(cap)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::{self, CustomerFields};

    fn company(n: usize) -> CustomerFields {
        let name = format!("测试公司{n}");
        CustomerFields {
            name_key: name.clone(),
            search_key: name.clone(),
            name,
            short_name: None,
            uscc: None,
            website: None,
            email: None,
            phone: None,
            province: None,
            city: None,
            address: None,
            industry: None,
            background: None,
            province_code: None,
            city_code: None,
            industry_code: None,
            region_id: None,
            owner_id: None,
            type_code: None,
            source_code: None,
            size_code: None,
        }
    }

    /// A switchboard number shared by more customers than the cap does not hide the one
    /// customer that has the same name: each value is looked up with its own cap.
    #[tokio::test]
    async fn a_widely_shared_key_does_not_hide_another_keys_holder() {
        let (_dir, db) = crate::migration::test_db::at(u32::MAX).await;
        let mut ids = Vec::new();
        for n in 0..12 {
            ids.push(
                customers::insert(&db, company(n), "lead", None)
                    .await
                    .unwrap()
                    .id,
            );
        }
        let phone = ("phone".to_string(), "02162345678".to_string());
        let rows: Vec<(i64, Key)> = ids[..11].iter().map(|&id| (id, phone.clone())).collect();
        insert(&db, rows).await.unwrap();
        let last = *ids.last().unwrap();
        insert(&db, vec![(last, ("name".into(), "星河数据".into()))])
            .await
            .unwrap();

        let values = vec!["02162345678".to_string(), "星河数据".to_string()];
        let held = holders(&db, &values, None, 5).await.unwrap();
        assert_eq!(
            held.iter().filter(|h| h.2 == "02162345678").count(),
            5,
            "{held:?}"
        );
        assert!(
            held.contains(&(last, "name".into(), "星河数据".into())),
            "{held:?}"
        );
        let firsts: Vec<i64> = held
            .iter()
            .filter(|h| h.1 == "phone")
            .map(|h| h.0)
            .collect();
        assert_eq!(
            firsts,
            ids[..5].to_vec(),
            "the lowest ids of a shared key, in order"
        );

        let without = holders(&db, &values, Some(ids[0]), 5).await.unwrap();
        assert!(without.iter().all(|h| h.0 != ids[0]), "{without:?}");
        let many = holders_of_many(&db, &values, 100).await.unwrap();
        assert_eq!(many.len(), 12, "{many:?}");
    }
}
