//! Open amounts per day, kept by the database (issue 13 performance: one region's receivables
//! ageing ≤ 30 ms and the company's ≤ 100 ms, beside 1M customers, 200k contracts and 630k
//! instalments).
//!
//! Before this, a report's total row and its grouping by region summed every open instalment of
//! the reader's scope by bucket (m0054's covering indexes): 193k instalments for the VP, tens of
//! thousands for a region's manager (session 18: 37 ms on SQLite for the east region, 108 ms for
//! the company, on a slow machine). The buckets depend on the day, but only through the due
//! date: so `receivable_days` keeps the open amount (`amount − paid` of the open instalments of
//! contracts in force) per `(cust_region_id, cust_archived, k_region_id, due_date)` — the
//! customer's region and archived flag, which the reader's scope tests, the contract's region,
//! which the report groups and filters by, and the day. A region has a few thousand days at
//! most; the report sums those rows by bucket instead of the instalments. A missing region is
//! stored as 0.
//!
//! The reader takes the scope's regions (or the whole company) from here, and its people's
//! customers outside those regions from the instalments, as before (a few seeks).
//!
//! Kept like m0055:
//! - **SQLite:** row triggers after insert, delete and an update of a column the amount or the
//!   key reads.
//! - **PostgreSQL:** statement triggers append each statement's changes, summed per key, to
//!   `receivable_day_deltas` (no row locked: every payment of a region on one day would
//!   otherwise wait on one row). The reader sums the kept rows and the waiting deltas; it folds
//!   them once more than a few hundred wait (`store::collections::fold_receivable_deltas`).
//!
//! A randomized workload through the use cases checks the amounts against a recomputation from
//! the instalments (web tests, `scope_copies`); parallel clients through two processes on
//! PostgreSQL do the same (cli tests, `races`).

use super::kept_open::KeptOpen;
use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

/// The key of an instalment row (`new`/`old`, or a table alias) as the totals store it.
fn key_of(row: &str) -> String {
    format!(
        "COALESCE({row}.cust_region_id, 0), {row}.cust_archived, \
         COALESCE({row}.k_region_id, 0), {row}.due_date"
    )
}

/// The instalment's columns the amount or the key reads.
const WATCHED: [&str; 7] = [
    "amount_fen",
    "paid_fen",
    "k_live",
    "cust_region_id",
    "cust_archived",
    "k_region_id",
    "due_date",
];

/// `date` is the engine's type of a day as the instalments store it.
fn kept(date: &str) -> KeptOpen {
    KeptOpen {
        totals: "receivable_days",
        deltas: "receivable_day_deltas",
        columns: format!(
            "cust_region_id BIGINT NOT NULL, cust_archived BOOLEAN NOT NULL, \
             k_region_id BIGINT NOT NULL, due_date {date} NOT NULL"
        ),
        key: "cust_region_id, cust_archived, k_region_id, due_date",
        key_of,
        watched: &WATCHED,
        trigger: "instalments_day",
        function: "receivable_day_apply",
    }
}

fn sqlite_up() -> Vec<String> {
    // sea-query's `date()` column on SQLite, as the instalments have it.
    let kept = kept("date_text");
    let mut v = kept.create();
    v.extend(kept.sqlite_triggers());
    v
}

fn postgres_up() -> Vec<String> {
    let kept = kept("DATE");
    let mut v = kept.create();
    v.extend(kept.postgres_triggers());
    // Appended to and emptied all day, as m0055's deltas.
    v.push(
        "ALTER TABLE receivable_day_deltas SET (autovacuum_vacuum_scale_factor = 0, \
         autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, \
         autovacuum_vacuum_insert_threshold = 5000)"
            .into(),
    );
    v
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        super::run_per_engine(m, sqlite_up, postgres_up).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DbBackend::Postgres;
        // The column types do not matter to the removal.
        let kept = kept("DATE");
        let mut stmts = kept.drop_triggers(pg);
        stmts.extend(kept.drop_tables());
        for s in stmts {
            db.execute_unprepared(&s).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DatabaseConnection;

    use crate::migration::{Migrator, test_db};

    /// (customer's region, archived, contract's region, day as yyyymmdd, open fen) of the keys
    /// with an open amount.
    async fn days(db: &DatabaseConnection) -> Vec<Vec<i64>> {
        test_db::ints(
            db,
            "SELECT cust_region_id, cust_archived, k_region_id, \
             CAST(REPLACE(CAST(due_date AS TEXT), '-', '') AS BIGINT) AS day, open_fen \
             FROM receivable_days WHERE open_fen <> 0 ORDER BY 1, 2, 3, 4",
            &[
                "cust_region_id",
                "cust_archived",
                "k_region_id",
                "day",
                "open_fen",
            ],
        )
        .await
    }

    /// Instalments owed before m0056 are counted per day; a new instalment, a payment, a new due
    /// date, an archived customer and a cancellation move the amounts; down and up again count
    /// the same.
    #[tokio::test]
    async fn the_open_amounts_per_day_follow_the_instalments() {
        let (_dir, db) = test_db::at(45).await;
        test_db::seed_contracts(
            &db,
            &[(7, "am")],
            &[(1, 7)],
            &[(1, 1, "signed"), (2, 1, "signed")],
        )
        .await;
        let instalment = |id: i64, contract: i64, due: &str, paid: i64| {
            format!(
                "INSERT INTO instalments (id, contract_id, due_date, amount_fen, paid_fen, \
                 created_at) VALUES ({id}, {contract}, '{due}', 50, {paid}, \
                 '2026-11-01T00:00:00Z')"
            )
        };
        test_db::run(&db, &instalment(1, 1, "2026-12-01", 20)).await;
        test_db::run(&db, &instalment(2, 1, "2026-12-01", 50)).await;
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(
            days(&db).await,
            vec![vec![0, 0, 0, 20261201, 30]],
            "paid ones owe nothing"
        );
        test_db::run(&db, &instalment(3, 2, "2026-12-01", 0)).await;
        test_db::run(&db, &instalment(4, 2, "2027-01-15", 10)).await;
        test_db::run(&db, "UPDATE instalments SET paid_fen = 40 WHERE id = 1").await;
        assert_eq!(
            days(&db).await,
            vec![vec![0, 0, 0, 20261201, 60], vec![0, 0, 0, 20270115, 40]],
            "one row per day, whichever the contract"
        );
        test_db::run(
            &db,
            "UPDATE instalments SET due_date = '2027-01-15' WHERE id = 1",
        )
        .await;
        test_db::run(
            &db,
            "UPDATE customers SET archived_at = '2026-11-02T00:00:00Z' WHERE id = 1",
        )
        .await;
        assert_eq!(
            days(&db).await,
            vec![vec![0, 1, 0, 20261201, 50], vec![0, 1, 0, 20270115, 50]],
            "a new due date and an archived customer move the amounts"
        );
        test_db::run(
            &db,
            "UPDATE contracts SET status = 'cancelled' WHERE id = 2",
        )
        .await;
        let want = vec![vec![0, 1, 0, 20270115, 10]];
        assert_eq!(
            days(&db).await,
            want,
            "a cancelled contract is no longer owed"
        );
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(days(&db).await, want, "down and up again count the same");
    }
}
