//! Likely duplicates by phone, web domain, e-mail domain and moved place (issue 10, point 5).
//!
//! * `customer_likely_keys`: one row per key of a customer (`domain::customer::likely`): its
//!   kind (`name`, `phone`, `web`, `mail`) and normalised value, from the customer's name, phone,
//!   website and e-mail and its contacts' phones, mobiles and e-mails. The primary key
//!   `(value, kind, customer_id)` answers "who else has this key" by index; the index on
//!   `customer_id` serves the rewrite of one customer's keys. Rows go with their customer
//!   (cascade). The use cases rewrite a customer's keys in the transaction of every change to
//!   what they come from (create, edit, merge, contact add/edit/delete, import).
//! * `import_likely`: the rows of an import that are likely duplicates of a customer already
//!   there or of an earlier row of the same file, with the reason, paged on
//!   `(import_id, row_no, id)`.
//!
//! The keys of existing customers are computed here, by the same domain function the use cases
//! call, a keyset batch of customers at a time (their contacts read by one query per batch) and
//! written in multi-row INSERTs: memory stays flat and no statement grows with the table, so a
//! million customers take a few statements per thousand on either engine.

use super::prelude::*;
use super::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, integer_null, string_len,
};
use salesdesk_domain::customer::likely::{ContactKeys, KeySource, keys_of};
use sea_orm::{ConnectionTrait, Statement, Value};

pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CustomerLikelyKeys {
    Table,
    CustomerId,
    Kind,
    Value,
}

#[derive(DeriveIden)]
enum ImportLikely {
    Table,
    Id,
    ImportId,
    RowNo,
    CustomerId,
    OtherId,
    OtherRow,
    Kind,
    Shown,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
}

/// Customers read per batch of the backfill.
const BATCH: i64 = 2000;
/// Key rows per INSERT (three parameters each).
const INSERT_ROWS: usize = 1000;

type Row = (i64, &'static str, String);

async fn insert_keys(db: &impl ConnectionTrait, rows: &[Row]) -> Result<(), DbErr> {
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut insert = Query::insert()
            .into_table(CustomerLikelyKeys::Table)
            .columns([
                CustomerLikelyKeys::CustomerId,
                CustomerLikelyKeys::Kind,
                CustomerLikelyKeys::Value,
            ])
            .to_owned();
        for (id, kind, value) in chunk {
            insert.values_panic([(*id).into(), (*kind).into(), value.clone().into()]);
        }
        db.execute_raw(db.get_database_backend().build(&insert))
            .await?;
    }
    Ok(())
}

fn text(r: &sea_orm::QueryResult, col: &str) -> Result<Option<String>, DbErr> {
    r.try_get::<Option<String>>("", col)
}

/// The keys of every customer with an id above `after`, a batch at a time in id order: the
/// migration's backfill, and the demo's customers, which are written in bulk
/// ([`crate::likely::key_bulk_rows`]).
pub(crate) async fn backfill(db: &impl ConnectionTrait, mut after: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let (p1, p2) = match backend {
        sea_orm::DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    loop {
        let customers = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, name, phone, website, email FROM customers \
                     WHERE id > {p1} ORDER BY id LIMIT {BATCH}"
                ),
                [Value::from(after)],
            ))
            .await?;
        let Some(last) = customers.last() else {
            return Ok(());
        };
        let last: i64 = last.try_get("", "id")?;
        let contacts = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT customer_id, phone, mobile, email FROM contacts \
                     WHERE customer_id > {p1} AND customer_id <= {p2} AND removed_at IS NULL \
                     ORDER BY customer_id, id"
                ),
                [Value::from(after), Value::from(last)],
            ))
            .await?;
        let mut people: std::collections::HashMap<i64, Vec<[Option<String>; 3]>> =
            std::collections::HashMap::new();
        for r in &contacts {
            people
                .entry(r.try_get("", "customer_id")?)
                .or_default()
                .push([text(r, "phone")?, text(r, "mobile")?, text(r, "email")?]);
        }
        let mut rows: Vec<Row> = Vec::new();
        for r in &customers {
            let id: i64 = r.try_get("", "id")?;
            let name: String = r.try_get("", "name")?;
            let (phone, website, email) =
                (text(r, "phone")?, text(r, "website")?, text(r, "email")?);
            let theirs = people.remove(&id).unwrap_or_default();
            let contacts: Vec<ContactKeys<'_>> = theirs
                .iter()
                .map(|[phone, mobile, email]| ContactKeys {
                    phone: phone.as_deref(),
                    mobile: mobile.as_deref(),
                    email: email.as_deref(),
                })
                .collect();
            let keys = keys_of(&KeySource {
                name: &name,
                phone: phone.as_deref(),
                website: website.as_deref(),
                email: email.as_deref(),
                contacts: &contacts,
            });
            rows.extend(keys.into_iter().map(|k| (id, k.reason.as_str(), k.value)));
        }
        insert_keys(db, &rows).await?;
        after = last;
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CustomerLikelyKeys::Table)
                .col(string_len(CustomerLikelyKeys::Value, 100))
                .col(string_len(CustomerLikelyKeys::Kind, 8))
                .col(big_integer(CustomerLikelyKeys::CustomerId))
                .primary_key(
                    Index::create()
                        .col(CustomerLikelyKeys::Value)
                        .col(CustomerLikelyKeys::Kind)
                        .col(CustomerLikelyKeys::CustomerId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customer_likely_keys_customer")
                        .from(CustomerLikelyKeys::Table, CustomerLikelyKeys::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_customer_likely_keys_customer")
                .table(CustomerLikelyKeys::Table)
                .col(CustomerLikelyKeys::CustomerId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportLikely::Table)
                .col(big_pk_auto(ImportLikely::Id))
                .col(big_integer(ImportLikely::ImportId))
                .col(integer(ImportLikely::RowNo))
                .col(big_integer(ImportLikely::CustomerId))
                .col(big_integer_null(ImportLikely::OtherId))
                .col(integer_null(ImportLikely::OtherRow))
                .col(string_len(ImportLikely::Kind, 8))
                .col(string_len(ImportLikely::Shown, 300))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_import_likely_import")
                        .from(ImportLikely::Table, ImportLikely::ImportId)
                        .to(Imports::Table, Imports::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_import_likely_customer")
                        .from(ImportLikely::Table, ImportLikely::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_import_likely_other")
                        .from(ImportLikely::Table, ImportLikely::OtherId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_import_likely_row", ImportLikely::RowNo),
            ("ix_import_likely_customer", ImportLikely::CustomerId),
            ("ix_import_likely_other", ImportLikely::OtherId),
        ] {
            let mut ix = Index::create()
                .name(name)
                .table(ImportLikely::Table)
                .to_owned();
            if name == "ix_import_likely_row" {
                ix.col(ImportLikely::ImportId)
                    .col(col)
                    .col(ImportLikely::Id);
            } else {
                ix.col(col);
            }
            m.create_index(ix).await?;
        }
        backfill(m.get_connection(), 0).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ImportLikely::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CustomerLikelyKeys::Table).to_owned())
            .await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use crate::migration::{Migrator, test_db};

    #[tokio::test]
    async fn existing_customers_and_their_contacts_get_their_keys() {
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name == "m0026_likely_keys")
            .expect("m0026 is registered") as u32;
        let (_dir, db) = test_db::at(before).await;
        let t = "'2026-01-01T00:00:00+00:00'";
        for (id, name, phone, website, email) in [
            (
                1,
                "'上海星河数据科技有限公司'",
                "'021-6234 5678'",
                "'https://www.xinghe.cn'",
                "NULL",
            ),
            (2, "'北京松石软件有限公司'", "NULL", "NULL", "'info@qq.com'"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO customers (id, name, name_key, search_key, search_grams, status, \
                 status_changed_at, created_at, updated_at, phone, website, email) \
                 VALUES ({id}, {name}, 'k{id}', 'k', '', 'lead', {t}, {t}, {t}, {phone}, \
                 {website}, {email})"
            ))
            .await
            .unwrap();
        }
        for (customer, mobile, email, removed) in [
            (2, "'13800138000'", "'wang@songshi.com'", "NULL"),
            (2, "'13900139000'", "NULL", t),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO contacts (customer_id, name, mobile, email, is_primary, created_at, \
                 updated_at, removed_at) VALUES ({customer}, '王磊', {mobile}, {email}, false, \
                 {t}, {t}, {removed})"
            ))
            .await
            .unwrap();
        }
        Migrator::up(&db, None).await.unwrap();
        let got: Vec<(i64, String, String)> = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT customer_id, kind, value FROM customer_likely_keys \
                 WHERE kind <> 'name' ORDER BY customer_id, kind, value",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).unwrap(),
                    r.try_get_by_index(1).unwrap(),
                    r.try_get_by_index(2).unwrap(),
                )
            })
            .collect();
        let k = |id: i64, kind: &str, v: &str| (id, kind.to_string(), v.to_string());
        assert_eq!(
            got,
            vec![
                k(1, "phone", "02162345678"),
                k(1, "web", "xinghe.cn"),
                // Free mail gives nothing; a removed contact's mobile neither.
                k(2, "mail", "songshi.com"),
                k(2, "phone", "13800138000"),
            ]
        );
        let names: i64 = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*) FROM customer_likely_keys WHERE kind = 'name'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(names, 2);
    }
}
