//! The gram index of m0009 also knows each customer's region and owner, so that a short search by
//! somebody who sees only part of the customers (a regional manager: three regions, a quarter of
//! a million rows) is answered inside the index instead of by reading every candidate's row to
//! test its scope (issue 3, performance: 571 ms for a city of another region, 159 ms for 华为).
//!
//! Besides its grams a customer is indexed under two scope tokens, `r<region id>` and
//! `o<owner id>` (`0` when there is none). A gram holds no ASCII digit
//! (`salesdesk_domain::customer::is_gram_char`), so a scope token never equals a gram. The tokens
//! are computed by the database from the row itself — by the triggers on SQLite and by the index
//! expression on PostgreSQL — so that every write of `region_id` or `owner_id` (reassignment,
//! the pool, merge, import) keeps the index right without the store having to remember it.
//!
//! * SQLite: the FTS5 table `customers_grams` is made again with one column, `scope_grams`, that
//!   the content table does not have: the triggers hand it the grams and tokens, and nothing ever
//!   reads it back (queries ask for `rowid` only).
//! * PostgreSQL: the GIN index is on the array of grams and tokens; a query names the same
//!   expression ([`SCOPED_GRAMS_PG`]).

use super::prelude::*;
use sea_orm::DbBackend;

use super::m0009_short_search as m0009;

pub struct Migration;

/// The indexed array on PostgreSQL; a query must spell the expression the same way for the
/// planner to use the index.
pub const SCOPED_GRAMS_PG: &str = "string_to_array(\"customers\".\"search_grams\" \
     || ' r' || coalesce(\"customers\".\"region_id\", 0)::text \
     || ' o' || coalesce(\"customers\".\"owner_id\", 0)::text, ' ')";

/// The indexed text of one row on SQLite (`new` or `old` in a trigger).
fn sqlite_text(row: &str) -> String {
    format!(
        "{row}.search_grams || ' r' || coalesce({row}.region_id, 0) \
         || ' o' || coalesce({row}.owner_id, 0)"
    )
}

fn sqlite_up() -> Vec<String> {
    // m0009's table and triggers go first.
    let mut v: Vec<String> = m0009::SQLITE_DOWN
        .iter()
        .map(|s| String::from(*s))
        .collect();
    v.push(
        "CREATE VIRTUAL TABLE customers_grams USING fts5(scope_grams, content='customers', \
         content_rowid='id', tokenize='ascii', detail='none', columnsize=0)"
            .into(),
    );
    let (new, old) = (sqlite_text("new"), sqlite_text("old"));
    v.push(format!(
        "INSERT INTO customers_grams(rowid, scope_grams) SELECT id, {} FROM customers",
        sqlite_text("customers")
    ));
    v.push(format!(
        "CREATE TRIGGER customers_grams_insert AFTER INSERT ON customers BEGIN \
         INSERT INTO customers_grams(rowid, scope_grams) VALUES (new.id, {new}); END"
    ));
    v.push(format!(
        "CREATE TRIGGER customers_grams_delete AFTER DELETE ON customers BEGIN \
         INSERT INTO customers_grams(customers_grams, rowid, scope_grams) \
         VALUES ('delete', old.id, {old}); END"
    ));
    v.push(format!(
        "CREATE TRIGGER customers_grams_update \
         AFTER UPDATE OF search_grams, region_id, owner_id ON customers BEGIN \
         INSERT INTO customers_grams(customers_grams, rowid, scope_grams) \
         VALUES ('delete', old.id, {old}); \
         INSERT INTO customers_grams(rowid, scope_grams) VALUES (new.id, {new}); END"
    ));
    v
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let stmts = match m.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(),
            DbBackend::Postgres => vec![
                "DROP INDEX IF EXISTS ix_customers_search_grams".to_string(),
                format!(
                    "CREATE INDEX ix_customers_scoped_grams ON customers USING gin (({SCOPED_GRAMS_PG}))"
                ),
            ],
            _ => Vec::new(),
        };
        for s in stmts {
            db.execute_unprepared(&s).await?;
        }
        Ok(())
    }

    /// Back to m0009's table and triggers (rebuilt from the content table) or GIN index.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let stmts: Vec<&str> = match m.get_database_backend() {
            DbBackend::Sqlite => m0009::SQLITE_DOWN
                .iter()
                .chain(m0009::SQLITE_UP)
                .copied()
                .collect(),
            DbBackend::Postgres => {
                std::iter::once("DROP INDEX IF EXISTS ix_customers_scoped_grams")
                    .chain(m0009::POSTGRES_UP.iter().copied())
                    .collect()
            }
            _ => Vec::new(),
        };
        for s in stmts {
            db.execute_unprepared(s).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use crate::migration::{Migrator, test_db};

    /// A database made before m0010 gets its customers' scope tokens, and the triggers follow a
    /// change of region or owner.
    #[tokio::test]
    async fn scope_tokens_are_indexed_and_follow_reassignment() {
        let (_dir, db) = test_db::at(9).await;
        db.execute_unprepared(
            "INSERT INTO regions (id, name, name_en, kind, active, created_at, updated_at) VALUES \
             (4, '华南', 'South', 'region', 1, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'), \
             (5, '华东', 'East', 'region', 1, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
        )
        .await
        .unwrap();
        for (name, region) in [
            ("广州华为有限公司", "4"),
            ("上海华为有限公司", "5"),
            ("广州无区", "NULL"),
        ] {
            let grams = salesdesk_domain::customer::search_grams(name);
            db.execute_unprepared(&format!(
                "INSERT INTO customers (name, name_key, search_key, search_grams, region_id, \
                 status, status_changed_at, created_at, updated_at) VALUES ('{name}', '{name}', \
                 '{name}', '{grams}', {region}, 'lead', '2026-11-01T00:00:00Z', \
                 '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
            ))
            .await
            .unwrap();
        }
        Migrator::up(&db, None).await.unwrap();
        let found = |m: &str| test_db::gram_rowids(&db, m.to_string());
        assert_eq!(found("\"华为\"").await, vec![1, 2]);
        assert_eq!(found("\"华为\" AND \"r4\"").await, vec![1]);
        assert_eq!(found("\"广州\" AND (\"r4\" OR \"r5\")").await, vec![1]);
        assert_eq!(found("\"广州\" AND \"r0\"").await, vec![3]);
        // A reassignment moves the customer in the index; nothing else needs to remember it.
        db.execute_unprepared("UPDATE customers SET region_id = 5 WHERE id = 1")
            .await
            .unwrap();
        assert!(found("\"华为\" AND \"r4\"").await.is_empty());
        assert_eq!(found("\"华为\" AND \"r5\"").await, vec![1, 2]);
        db.execute_unprepared(
            "UPDATE customers SET owner_id = NULL, region_id = NULL WHERE id = 2",
        )
        .await
        .unwrap();
        assert_eq!(found("\"华为\" AND \"r0\" AND \"o0\"").await, vec![2]);
        db.execute_unprepared("DELETE FROM customers WHERE id = 2")
            .await
            .unwrap();
        assert_eq!(found("\"华为\"").await, vec![1]);
        // And back down to m0009's index, which still finds by gram.
        Migrator::down(&db, Some(1)).await.unwrap();
        assert_eq!(found("\"华为\"").await, vec![1]);
    }
}
