//! An index for one- and two-character searches ("华为", "王"), which the trigram index of m0007
//! cannot serve (issue 3, performance).
//!
//! Each customer gets `search_grams`: the one- and two-letter pieces of its search key, each
//! once, separated by spaces (`salesdesk_domain::customer::search_grams`). A short query then
//! looks up one token instead of reading rows:
//! * SQLite: an FTS5 table with the `ascii` tokenizer (every space-separated gram is one token;
//!   no case or accent folding beyond what the search key already did), external content kept in
//!   step by triggers, `detail=none` and `columnsize=0` because only "which rows" is asked.
//! * PostgreSQL: a GIN index on the grams as an array, asked with `@>`.
//!
//! Existing customers are filled in here, a page at a time, before the indexes are built once.

use super::prelude::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    SearchGrams,
}

pub(super) const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE customers_grams USING fts5(search_grams, content='customers', \
     content_rowid='id', tokenize='ascii', detail='none', columnsize=0)",
    "INSERT INTO customers_grams(customers_grams) VALUES ('rebuild')",
    "CREATE TRIGGER customers_grams_insert AFTER INSERT ON customers BEGIN \
     INSERT INTO customers_grams(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER customers_grams_delete AFTER DELETE ON customers BEGIN \
     INSERT INTO customers_grams(customers_grams, rowid, search_grams) \
     VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER customers_grams_update AFTER UPDATE OF search_grams ON customers BEGIN \
     INSERT INTO customers_grams(customers_grams, rowid, search_grams) \
     VALUES ('delete', old.id, old.search_grams); \
     INSERT INTO customers_grams(rowid, search_grams) VALUES (new.id, new.search_grams); END",
];

pub(super) const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS customers_grams_update",
    "DROP TRIGGER IF EXISTS customers_grams_delete",
    "DROP TRIGGER IF EXISTS customers_grams_insert",
    "DROP TABLE IF EXISTS customers_grams",
];

pub(super) const POSTGRES_UP: &[&str] = &["CREATE INDEX ix_customers_search_grams ON customers \
     USING gin (string_to_array(search_grams, ' '))"];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_customers_search_grams"];

/// Customers filled in per statement (two bound values each).
const PAGE: usize = 2_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Customers::Table)
                .add_column(
                    ColumnDef::new(Customers::SearchGrams)
                        .text()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let backend = m.get_database_backend();
        fill_in(db, backend).await?;
        let stmts = match backend {
            DbBackend::Sqlite => SQLITE_UP,
            DbBackend::Postgres => POSTGRES_UP,
            _ => &[],
        };
        for s in stmts {
            db.execute_unprepared(s).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let stmts = match m.get_database_backend() {
            DbBackend::Sqlite => SQLITE_DOWN,
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => &[],
        };
        for s in stmts {
            db.execute_unprepared(s).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Customers::Table)
                .drop_column(Customers::SearchGrams)
                .to_owned(),
        )
        .await
    }
}

/// Computes the grams of every existing customer, in id order, a page per `UPDATE … CASE`.
async fn fill_in(db: &SchemaManagerConnection<'_>, backend: DbBackend) -> Result<(), DbErr> {
    let mut after: i64 = 0;
    loop {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "SELECT id, search_key FROM customers WHERE id > $1 ORDER BY id LIMIT $2"
                    }
                    _ => "SELECT id, search_key FROM customers WHERE id > ? ORDER BY id LIMIT ?",
                },
                [Value::from(after), Value::from(PAGE as i64)],
            ))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get::<i64>("", "id")?;
        let mut update = Query::update();
        let mut case = CaseStatement::new();
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("", "id")?;
            let key: String = r.try_get("", "search_key")?;
            let grams = salesdesk_domain::customer::search_grams(&key);
            case = case.case(Expr::col(Alias::new("id")).eq(id), Expr::val(grams));
            ids.push(id);
        }
        update
            .table(Customers::Table)
            .value(Customers::SearchGrams, case.finally(Expr::val("")))
            .and_where(Expr::col(Alias::new("id")).is_in(ids));
        db.execute(&update).await?;
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use crate::migration::{Migrator, test_db};

    /// A database made before m0009 gets the grams of its customers, and a one-letter search
    /// through the new index finds them.
    #[tokio::test]
    async fn existing_customers_get_their_grams_and_are_found_by_a_short_query() {
        let (_dir, db) = test_db::at(8).await;
        for (name, key) in [
            ("华为技术有限公司", "华为技术有限公司 王磊 13800138000"),
            ("腾讯科技有限公司", "腾讯科技有限公司"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO customers (name, name_key, search_key, status, status_changed_at, \
                 created_at, updated_at) VALUES ('{name}', '{name}', '{key}', 'lead', \
                 '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
            ))
            .await
            .unwrap();
        }
        Migrator::up(&db, None).await.unwrap();
        let found = |q: &str| test_db::gram_rowids(&db, format!("\"{q}\""));
        assert_eq!(found("磊").await, vec![1]);
        assert_eq!(found("华为").await, vec![1]);
        assert_eq!(found("公司").await, vec![1, 2]);
        assert_eq!(found("术有").await, vec![1]);
        assert!(found("司王").await.is_empty(), "no gram across pieces");
        // New and changed customers are kept in step by the triggers.
        db.execute_unprepared("UPDATE customers SET search_grams = '腾 讯' WHERE id = 2")
            .await
            .unwrap();
        assert_eq!(found("公司").await, vec![1]);
        db.execute_unprepared("DELETE FROM customers WHERE id = 1")
            .await
            .unwrap();
        assert!(found("华为").await.is_empty());
    }
}
