//! Rules over several rows held by the database (issue 9, point 1), and a version per record
//! for optimistic concurrency.
//!
//! Indexes (each valid DDL on SQLite and PostgreSQL; a partial index is `CREATE … WHERE`):
//!
//! * `ux_customers_name_key`: one customer per duplicate key, among the customers not marked as
//!   duplicates (`duplicate_of IS NULL`). The USCC has been unique since m0002
//!   (`ux_customers_uscc`); merge deletes the merged record, so neither index needs more.
//! * `ux_status_requests_pending`: at most one pending status request per customer.
//! * `ux_contacts_primary`: at most one primary contact per customer.
//! * `ux_saved_filters_name`: one saved filter of a name per person.
//!
//! Columns: `customers.version` and `contacts.version` (starting at 1, bumped by every update,
//! compared by a conditional `UPDATE … WHERE version = $read`), and `customers.duplicate_of`.
//!
//! A database written before this migration may already break these rules — for instance
//! customers created twice by the very race these indexes close. Nothing is deleted; the rows
//! are changed so that the rule holds and the change says why:
//!
//! * customers with the same duplicate key: the oldest (lowest id) stays as it is; each later
//!   one gets `duplicate_of` = that oldest id (shown on the record and in the API, so a manager
//!   can merge it). Such a record can be saved again only under a name of its own, or merged.
//! * several pending requests for one customer: the oldest stays pending; each later one is
//!   `rejected`, undecided by anyone (`decided_by` NULL), with the comment
//!   [`AUTO_CLOSED_COMMENT`]. Its evidence stays in the history.
//! * several primary contacts of one customer: the oldest stays primary, the others become
//!   ordinary contacts.
//! * one person's saved filters of the same name: the oldest keeps it, each later one is
//!   renamed `name (id)`.

use super::prelude::*;
use super::schema::{big_integer_null, integer};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The decision comment of a pending request closed because an older one was pending.
pub const AUTO_CLOSED_COMMENT: &str = "m0014: closed automatically, an older request for this customer was pending (再次提交即可 / submit again if still needed)";

pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Version,
    DuplicateOf,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Version,
}

/// Statements that repair rows breaking a rule, then the index that holds it from now on.
const UP: &[&str] = &[
    "UPDATE customers SET duplicate_of = (SELECT MIN(c2.id) FROM customers c2 \
       WHERE c2.name_key = customers.name_key) \
     WHERE id > (SELECT MIN(c2.id) FROM customers c2 WHERE c2.name_key = customers.name_key)",
    "CREATE UNIQUE INDEX ux_customers_name_key ON customers (name_key) \
     WHERE duplicate_of IS NULL",
    "UPDATE contacts SET is_primary = FALSE WHERE is_primary = TRUE AND id > \
       (SELECT MIN(c2.id) FROM contacts c2 \
        WHERE c2.customer_id = contacts.customer_id AND c2.is_primary = TRUE)",
    "CREATE UNIQUE INDEX ux_contacts_primary ON contacts (customer_id) WHERE is_primary = TRUE",
    "UPDATE saved_filters SET name = name || ' (' || CAST(id AS TEXT) || ')' WHERE id > \
       (SELECT MIN(f2.id) FROM saved_filters f2 \
        WHERE f2.user_id = saved_filters.user_id AND f2.name = saved_filters.name)",
    "CREATE UNIQUE INDEX ux_saved_filters_name ON saved_filters (user_id, name)",
];

const DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ux_saved_filters_name",
    "DROP INDEX IF EXISTS ux_contacts_primary",
    "DROP INDEX IF EXISTS ux_status_requests_pending",
    "DROP INDEX IF EXISTS ux_customers_name_key",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            integer(Customers::Version).default(1).to_owned(),
            big_integer_null(Customers::DuplicateOf),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Contacts::Table)
                .add_column(integer(Contacts::Version).default(1))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        // The one statement with a value: the time of the automatic decision.
        let placeholders = match db.get_database_backend() {
            DbBackend::Postgres => ["$1", "$2"],
            _ => ["?", "?"],
        };
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!(
                "UPDATE status_requests SET state = 'rejected', decision_comment = {}, \
                 decided_at = {} WHERE state = 'pending' AND id > \
                 (SELECT MIN(s2.id) FROM status_requests s2 \
                  WHERE s2.customer_id = status_requests.customer_id AND s2.state = 'pending')",
                placeholders[0], placeholders[1]
            ),
            [AUTO_CLOSED_COMMENT.into(), crate::now().into()],
        ))
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_status_requests_pending ON status_requests (customer_id) \
             WHERE state = 'pending'",
        )
        .await?;
        for sql in UP {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for sql in DOWN {
            m.get_connection().execute_unprepared(sql).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Contacts::Table)
                .drop_column(Contacts::Version)
                .to_owned(),
        )
        .await?;
        for col in [Customers::DuplicateOf, Customers::Version] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::AUTO_CLOSED_COMMENT;
    use crate::migration::{Migrator, test_db};

    async fn exec(db: &sea_orm::DatabaseConnection, sql: &str) {
        db.execute_unprepared(sql).await.unwrap();
    }

    async fn rows(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
        db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (0..)
                    .map_while(|i| {
                        r.try_get_by_index::<Option<String>>(i)
                            .ok()
                            .map(|v| v.unwrap_or_else(|| "NULL".into()))
                    })
                    .collect()
            })
            .collect()
    }

    #[tokio::test]
    async fn rows_that_already_break_a_rule_are_marked_not_deleted_and_the_indexes_then_hold() {
        let (_dir, db) = test_db::at(13).await;
        let t = "'2026-01-01T00:00:00+00:00'";
        exec(&db, "INSERT INTO users (id, login, display_name, is_admin, password_hash, must_change_password, active, failed_logins, locale, created_at, updated_at) VALUES (1, 'am', 'AM', 0, 'x', 0, 1, 0, 'zh', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')").await;
        for id in 1..=3 {
            exec(&db, &format!(
                "INSERT INTO customers (id, name, name_key, search_key, search_grams, status, status_changed_at, created_at, updated_at) \
                 VALUES ({id}, '甲公司', 'k', 'k', '', 'lead', {t}, {t}, {t})"
            )).await;
        }
        for id in 1..=2 {
            exec(&db, &format!(
                "INSERT INTO status_requests (id, customer_id, from_status, to_status, requested_by, state, created_at) \
                 VALUES ({id}, 1, 'lead', 'basic', 1, 'pending', {t})"
            )).await;
            exec(&db, &format!(
                "INSERT INTO contacts (id, customer_id, name, is_primary, created_at, updated_at) \
                 VALUES ({id}, 1, '王', 1, {t}, {t})"
            )).await;
            exec(&db, &format!(
                "INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ({id}, 1, '我的', 'q=a', {t})"
            )).await;
        }
        Migrator::up(&db, Some(1)).await.unwrap();

        assert_eq!(
            rows(&db, "SELECT CAST(id AS TEXT), CAST(duplicate_of AS TEXT), CAST(version AS TEXT) FROM customers ORDER BY id").await,
            [["1", "NULL", "1"], ["2", "1", "1"], ["3", "1", "1"]]
        );
        assert_eq!(
            rows(
                &db,
                "SELECT state, decision_comment FROM status_requests ORDER BY id"
            )
            .await,
            [
                vec!["pending".to_string(), "NULL".into()],
                vec!["rejected".into(), AUTO_CLOSED_COMMENT.into()]
            ]
        );
        assert_eq!(
            rows(
                &db,
                "SELECT CAST(is_primary AS TEXT) FROM contacts ORDER BY id"
            )
            .await,
            [["1"], ["0"]]
        );
        assert_eq!(
            rows(&db, "SELECT name FROM saved_filters ORDER BY id").await,
            [["我的"], ["我的 (2)"]]
        );
        // From now on the database refuses a second of each.
        for sql in [
            format!(
                "INSERT INTO customers (name, name_key, search_key, search_grams, status, status_changed_at, created_at, updated_at) VALUES ('甲', 'k', 'k', '', 'lead', {t}, {t}, {t})"
            ),
            format!(
                "INSERT INTO status_requests (customer_id, from_status, to_status, requested_by, state, created_at) VALUES (1, 'lead', 'basic', 1, 'pending', {t})"
            ),
            format!(
                "INSERT INTO contacts (customer_id, name, is_primary, created_at, updated_at) VALUES (1, '李', 1, {t}, {t})"
            ),
            format!(
                "INSERT INTO saved_filters (user_id, name, query, created_at) VALUES (1, '我的', '', {t})"
            ),
        ] {
            let e = db.execute_unprepared(&sql).await.unwrap_err();
            assert!(crate::violation(&e).is_some(), "{sql}: {e}");
        }
        Migrator::down(&db, Some(1)).await.unwrap();
    }
}
