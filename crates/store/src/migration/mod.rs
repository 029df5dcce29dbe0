//! The one set of migrations, written with sea-query's schema builder so that the same code
//! produces the DDL of SQLite and of PostgreSQL. Never edit a migration that has shipped; add one.

use sea_orm::{DatabaseConnection, DbErr};

mod kept_open;
mod runner;
pub(crate) mod schema;

pub use runner::{MigrationTrait, SchemaManager};

/// What every migration file imports: sea-query's schema builder and the runner's types.
pub(crate) mod prelude {
    pub use super::runner::{MigrationTrait, SchemaManager};
    pub use sea_orm::DatabaseExecutor as SchemaManagerConnection;
    pub use sea_orm::entity::prelude::async_trait;
    pub use sea_orm::sea_query::*;
    pub use sea_orm::{ConnectionTrait, DbErr, DeriveIden};
}

/// Runs a migration's statements for the connection's engine, in order: `sqlite()` on SQLite,
/// `postgres()` on PostgreSQL (the trigger migrations, whose SQL differs per engine).
pub(crate) async fn run_per_engine(
    m: &runner::SchemaManager<'_>,
    sqlite: fn() -> Vec<String>,
    postgres: fn() -> Vec<String>,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    let stmts = match m.get_database_backend() {
        sea_orm::DbBackend::Sqlite => sqlite(),
        sea_orm::DbBackend::Postgres => postgres(),
        _ => Vec::new(),
    };
    let db = m.get_connection();
    for s in stmts {
        db.execute_unprepared(&s).await?;
    }
    Ok(())
}

/// Totals kept as deltas on PostgreSQL (m0053, m0055, m0056): the function `function` and statement
/// triggers `{trigger}_{insert,delete,update}` on `table` that append each statement's changes,
/// summed per key, to `deltas` — an INSERT that locks no existing row. `rows(t, sign)` selects
/// from the transition table `t` the `key` columns then the `sums`, each change times `sign`. A
/// statement whose changes cancel out per key appends nothing.
pub(crate) fn delta_triggers(
    function: &str,
    trigger: &str,
    table: &str,
    deltas: &str,
    key: &[&str],
    sums: &[&str],
    rows: &dyn Fn(&str, &str) -> String,
) -> Vec<String> {
    let cols = [key, sums].concat().join(", ");
    let summed: Vec<String> = sums
        .iter()
        .map(|s| format!("CAST(SUM({s}) AS BIGINT)"))
        .collect();
    let nonzero: Vec<String> = sums.iter().map(|s| format!("SUM({s}) <> 0")).collect();
    let groups: Vec<String> = (1..=key.len()).map(|n| n.to_string()).collect();
    let append = |source: String| {
        format!(
            "INSERT INTO {deltas} ({cols}) SELECT {}, {} FROM ({source}) AS d ({cols}) \
             GROUP BY {} HAVING {};",
            key.join(", "),
            summed.join(", "),
            groups.join(", "),
            nonzero.join(" OR ")
        )
    };
    let mut v = vec![format!(
        "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF TG_OP = 'INSERT' THEN {} \
           ELSIF TG_OP = 'DELETE' THEN {} \
           ELSE {} \
           END IF; \
           RETURN NULL; \
         END $$",
        append(rows("new_rows", "1")),
        append(rows("old_rows", "-1")),
        append(format!(
            "{} UNION ALL {}",
            rows("new_rows", "1"),
            rows("old_rows", "-1")
        )),
    )];
    for (event, tables) in [
        ("INSERT", "NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ] {
        v.push(format!(
            "CREATE TRIGGER {trigger}_{} AFTER {event} ON {table} REFERENCING {tables} \
             FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            event.to_lowercase()
        ));
    }
    v
}

mod m0001_foundation;
mod m0002_customers;
mod m0003_status_requests;
mod m0004_contacts;
mod m0005_customer_work;
mod m0006_imports;
mod m0007_search;
mod m0008_list_cover;
mod m0009_short_search;
pub(crate) mod m0010_scoped_grams;
mod m0011_scope_walk;
mod m0012_import_started;
mod m0013_nulls_first;
pub mod m0014_row_rules;
mod m0015_login_throttles;
mod m0016_import_leases;
mod m0017_idempotency_keys;
mod m0019_contact_removed;
mod m0021_notification_done;
mod m0022_place_codes;
mod m0023_import_files;
mod m0024_owner_notes;
mod m0025_archive;
pub(crate) mod m0026_likely_keys;
mod m0028_jobs;
mod m0029_import_contacts;
mod m0030_calendar;
mod m0031_trial_setup;
mod m0032_trials;
mod m0033_presales;
mod m0037_presales_cancel;
mod m0038_deals;
mod m0039_deal_lines;
mod m0040_contracts;
mod m0041_invoices;
mod m0043_quotes;
mod m0045_collections;
mod m0046_instalment_reminders;
mod m0047_open_instalments;
mod m0048_saved_filter_lists;
mod m0051_contract_numbers;
mod m0052_scope_copies;
mod m0053_board_totals;
mod m0054_receivable_copies;
mod m0055_customer_receivables;
mod m0056_receivable_days;
mod m0057_expenses;

/// The migrations, oldest first. Each is named after its module; the name is what a database
/// records, so a module is never renamed once shipped.
pub struct Migrator;

macro_rules! migrations {
    ($($m:ident,)*) => {
        vec![$(runner::Migration { name: stringify!($m), migration: Box::new($m::Migration) },)*]
    };
}

impl Migrator {
    pub fn migrations() -> Vec<runner::Migration> {
        migrations![
            m0001_foundation,
            m0002_customers,
            m0003_status_requests,
            m0004_contacts,
            m0005_customer_work,
            m0006_imports,
            m0007_search,
            m0008_list_cover,
            m0009_short_search,
            m0010_scoped_grams,
            m0011_scope_walk,
            m0012_import_started,
            m0013_nulls_first,
            m0014_row_rules,
            m0015_login_throttles,
            m0016_import_leases,
            m0017_idempotency_keys,
            m0019_contact_removed,
            m0021_notification_done,
            m0022_place_codes,
            m0023_import_files,
            m0024_owner_notes,
            m0025_archive,
            m0026_likely_keys,
            m0028_jobs,
            m0029_import_contacts,
            m0030_calendar,
            m0031_trial_setup,
            m0032_trials,
            m0033_presales,
            m0037_presales_cancel,
            m0038_deals,
            m0039_deal_lines,
            m0040_contracts,
            m0041_invoices,
            m0043_quotes,
            m0045_collections,
            m0046_instalment_reminders,
            m0047_open_instalments,
            m0048_saved_filter_lists,
            m0051_contract_numbers,
            m0052_scope_copies,
            m0053_board_totals,
            m0054_receivable_copies,
            m0055_customer_receivables,
            m0056_receivable_days,
            m0057_expenses,
        ]
    }

    /// Applies the pending migrations, at most `steps` of them.
    pub async fn up(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
        runner::up(db, Self::migrations(), steps).await
    }

    /// Undoes the last applied migrations, newest first (tests of data migrations only).
    pub async fn down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
        runner::down(db, Self::migrations(), steps.unwrap_or(u32::MAX)).await
    }

    /// The migrations `db` has not applied yet, oldest first.
    pub async fn pending(db: &DatabaseConnection) -> Result<Vec<&'static str>, DbErr> {
        Ok(runner::pending(db, Self::migrations())
            .await?
            .into_iter()
            .map(|m| m.name)
            .collect())
    }
}

/// What the data-migration tests share: a SQLite file migrated to a version, and the rows the
/// gram index finds for an FTS5 query.
#[cfg(test)]
pub(crate) mod test_db {
    use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

    /// SQLite's `EXPLAIN QUERY PLAN` of `q`, its lines joined by " / " (the plan tests).
    pub async fn plan_of(
        db: &DatabaseConnection,
        q: &sea_orm::sea_query::SelectStatement,
    ) -> String {
        let st = db.get_database_backend().build(q);
        plan_of_values(db, &st.sql, st.values).await
    }

    /// [`plan_of`] a statement written as SQL, without bound values.
    pub async fn plan_of_sql(db: &DatabaseConnection, sql: &str) -> String {
        plan_of_values(db, sql, None).await
    }

    async fn plan_of_values(
        db: &DatabaseConnection,
        sql: &str,
        values: Option<sea_orm::Values>,
    ) -> String {
        let st = Statement {
            sql: format!("EXPLAIN QUERY PLAN {sql}"),
            values,
            db_backend: DbBackend::Sqlite,
        };
        db.query_all_raw(st)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// A fresh SQLite database migrated up to migration number `version` (1-based).
    pub async fn at(version: u32) -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let db = Database::connect(&url).await.unwrap();
        super::Migrator::up(&db, Some(version)).await.unwrap();
        (dir, db)
    }

    const AT: &str = "'2026-11-01T00:00:00Z'";

    /// Runs `sql` (a test's own statements).
    pub async fn run(db: &DatabaseConnection, sql: &str) {
        db.execute_unprepared(sql).await.unwrap();
    }

    /// The rows of `sql`, each as the `i64` of `cols` (a boolean reads as 0 or 1, NULL as -1).
    pub async fn ints(db: &DatabaseConnection, sql: &str, cols: &[&str]) -> Vec<Vec<i64>> {
        db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql.to_string()))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                cols.iter()
                    .map(|c| r.try_get::<Option<i64>>("", c).unwrap().unwrap_or(-1))
                    .collect()
            })
            .collect()
    }

    /// People (id, login), signed customers (id, owner) and contracts (id, customer, status) of
    /// 1 yuan, each owned by person 7, for the tests of m0054 onwards.
    pub async fn seed_contracts(
        db: &DatabaseConnection,
        people: &[(i64, &str)],
        customers: &[(i64, i64)],
        contracts: &[(i64, i64, &str)],
    ) {
        let mut sql = Vec::new();
        for (id, login) in people {
            sql.push(format!(
                "INSERT INTO users (id, login, display_name, is_admin, active, locale, \
                 password_hash, must_change_password, created_at, updated_at) \
                 VALUES ({id}, '{login}', '张伟', 0, 1, 'zh-CN', 'x', 0, {AT}, {AT})"
            ));
        }
        for (id, owner) in customers {
            sql.push(format!(
                "INSERT INTO customers (id, name, name_key, search_key, search_grams, owner_id, \
                 region_id, archived_at, status, status_changed_at, created_at, updated_at) \
                 VALUES ({id}, 'c{id}', 'c{id}', 'c{id}', '', {owner}, NULL, NULL, 'signed', \
                 {AT}, {AT}, {AT})"
            ));
        }
        for (id, customer, status) in contracts {
            sql.push(format!(
                "INSERT INTO contracts (id, customer_id, title, owner_id, signing_date, \
                 signing_month, status, total_fen, total_excl_fen, invoiced_fen, created_at, \
                 updated_at, version) VALUES ({id}, {customer}, 'k', 7, '2026-11-01', 202611, \
                 '{status}', 100, 90, 0, {AT}, {AT}, 1)"
            ));
        }
        for q in sql {
            db.execute_unprepared(&q).await.unwrap();
        }
    }

    /// Ids of the customers `customers_grams MATCH fts` finds, ascending.
    pub async fn gram_rowids(db: &DatabaseConnection, fts: String) -> Vec<i64> {
        db.query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT rowid FROM customers_grams WHERE customers_grams MATCH ? ORDER BY rowid",
            [fts.into()],
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "rowid").unwrap())
        .collect()
    }
}
