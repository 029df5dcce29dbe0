//! What each customer owes, kept by the database (issue 13 performance: the receivables by
//! customer, "the 50 customers who owe most", for the VP ≤ 100 ms and for a region's manager
//! ≤ 30 ms beside 1M customers, 200k contracts and 630k instalments).
//!
//! Before this, listing the customers who owe most grouped every open instalment of the reader's
//! scope by customer and sorted the groups (193k instalments and tens of thousands of customers
//! for the VP: 124 ms on SQLite, 132 ms on PostgreSQL) before the first 50 were known. Now
//! `customer_receivables` holds, per key, the open amount (`amount − paid` of the open
//! instalments of contracts in force, m0054's `k_live`). The key is
//! `(customer_id, cust_owner_id, cust_region_id, cust_archived)`: the customer and its scope
//! (m0054's copies on each instalment), which the reader's scope tests. All of one customer's
//! instalments carry the same scope, so a customer has one key with a non-zero amount; a
//! transfer moves the amount from the old key to the new. A missing id is stored as 0.
//!
//! The list seeks the largest open amounts of each arm of the scope (the company; each region;
//! each person, outside those regions) on partial indexes `WHERE open_fen > 0` in that order, and
//! only then reads the chosen customers' instalments for their ageing buckets, which depend on
//! the day.
//!
//! Kept like m0053's board totals:
//! - **SQLite:** row triggers after insert, delete and an update of a column the amount or the
//!   key reads (`WHEN` skips the rest). m0054's copy trigger is itself an UPDATE of the
//!   instalment, so an instalment inserted with empty copies moves to its key in the same
//!   statement.
//! - **PostgreSQL:** statement triggers with transition tables append each statement's changes,
//!   summed per key, to `customer_receivable_deltas`: no existing row is locked, so a transfer
//!   of a customer with two contracts beside a plan written on the second (each holding what
//!   the other waits for) cannot deadlock here. A fold (`store::collections::
//!   fold_receivable_deltas`, by a reader once more than a few hundred wait) moves them into the
//!   totals under an advisory lock. A reader takes, besides each arm's largest totals, every key
//!   with a waiting delta, and sums the two tables for those keys in one statement.
//!
//! A randomized workload through the use cases checks the amounts against a recomputation from
//! the instalments (web tests, `scope_copies`); parallel clients through two processes on
//! PostgreSQL do the same (cli tests, `races`).

use super::kept_open::KeptOpen;
use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

const KEY: &str = "customer_id, cust_owner_id, cust_region_id, cust_archived";

/// The key of an instalment row (`new`/`old`, or a table alias) as the totals store it.
fn key_of(row: &str) -> String {
    format!(
        "COALESCE({row}.k_customer_id, 0), COALESCE({row}.cust_owner_id, 0), \
         COALESCE({row}.cust_region_id, 0), {row}.cust_archived"
    )
}

fn kept() -> KeptOpen {
    KeptOpen {
        totals: "customer_receivables",
        deltas: "customer_receivable_deltas",
        columns: "customer_id BIGINT NOT NULL, cust_owner_id BIGINT NOT NULL, \
                  cust_region_id BIGINT NOT NULL, cust_archived BOOLEAN NOT NULL"
            .into(),
        key: KEY,
        key_of,
        watched: &WATCHED,
        trigger: "instalments_receivable",
        function: "customer_receivable_apply",
    }
}

/// The totals' partial indexes, in each arm's order (the largest first).
const INDEXES: [(&str, &str); 4] = [
    (
        "ix_customer_receivables_all",
        "open_fen DESC, customer_id, cust_owner_id, cust_region_id, cust_archived",
    ),
    (
        "ix_customer_receivables_region",
        "cust_region_id, cust_archived, open_fen DESC, customer_id, cust_owner_id",
    ),
    (
        "ix_customer_receivables_owner",
        "cust_owner_id, cust_archived, open_fen DESC, customer_id, cust_region_id",
    ),
    // A person's customers outside the regions of the reader's scope: a few ranges of regions.
    (
        "ix_customer_receivables_owner_region",
        "cust_owner_id, cust_archived, cust_region_id, open_fen DESC, customer_id",
    ),
];

fn common_up() -> Vec<String> {
    let mut v = kept().create();
    for (name, cols) in INDEXES {
        v.push(format!(
            "CREATE INDEX {name} ON customer_receivables ({cols}) WHERE open_fen > 0"
        ));
    }
    v
}

/// The instalment's columns the amount or the key reads.
const WATCHED: [&str; 7] = [
    "amount_fen",
    "paid_fen",
    "k_live",
    "k_customer_id",
    "cust_owner_id",
    "cust_region_id",
    "cust_archived",
];

fn sqlite_up() -> Vec<String> {
    let mut v = common_up();
    v.extend(kept().sqlite_triggers());
    v
}

fn postgres_up() -> Vec<String> {
    let mut v = common_up();
    v.extend(kept().postgres_triggers());
    // The deltas tables are appended to and emptied all day: vacuumed once a few thousand rows
    // are dead, not at a fifth of the table's largest size (a reader scans them; found with
    // 102,410 dead rows of the board's and 89,195 of these after `gen`).
    for t in ["customer_receivable_deltas", "deal_board_deltas"] {
        v.push(format!(
            "ALTER TABLE {t} SET (autovacuum_vacuum_scale_factor = 0, \
             autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, \
             autovacuum_vacuum_insert_threshold = 5000)"
        ));
    }
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
        let mut stmts = kept().drop_triggers(pg);
        if pg {
            stmts.push(
                "ALTER TABLE deal_board_deltas RESET (autovacuum_vacuum_scale_factor, \
                 autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor, \
                 autovacuum_vacuum_insert_threshold)"
                    .into(),
            );
        }
        stmts.extend(kept().drop_tables());
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

    /// (customer, customer's owner, archived, open fen) of the keys with an open amount.
    async fn owed(db: &DatabaseConnection) -> Vec<Vec<i64>> {
        test_db::ints(
            db,
            "SELECT customer_id, cust_owner_id, cust_archived, open_fen \
             FROM customer_receivables WHERE open_fen <> 0 ORDER BY 1, 2, 3",
            &["customer_id", "cust_owner_id", "cust_archived", "open_fen"],
        )
        .await
    }

    /// Instalments owed before m0055 are counted; a new instalment, a payment, a transfer of the
    /// customer and a cancellation move the amounts; down and up again count the same.
    #[tokio::test]
    async fn what_each_customer_owes_follows_its_instalments() {
        let (_dir, db) = test_db::at(44).await;
        test_db::seed_contracts(
            &db,
            &[(7, "am"), (8, "am2")],
            &[(1, 7)],
            &[(1, 1, "signed"), (2, 1, "signed")],
        )
        .await;
        let instalment = |id: i64, contract: i64, paid: i64| {
            format!(
                "INSERT INTO instalments (id, contract_id, due_date, amount_fen, paid_fen, \
                 created_at) VALUES ({id}, {contract}, '2026-12-01', 50, {paid}, \
                 '2026-11-01T00:00:00Z')"
            )
        };
        test_db::run(&db, &instalment(1, 1, 20)).await;
        test_db::run(&db, &instalment(2, 1, 50)).await;
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(
            owed(&db).await,
            vec![vec![1, 7, 0, 30]],
            "paid ones owe nothing"
        );
        test_db::run(&db, &instalment(3, 2, 0)).await;
        test_db::run(&db, "UPDATE instalments SET paid_fen = 40 WHERE id = 1").await;
        assert_eq!(owed(&db).await, vec![vec![1, 7, 0, 60]]);
        test_db::run(
            &db,
            "UPDATE customers SET owner_id = 8, archived_at = '2026-11-02T00:00:00Z' WHERE id = 1",
        )
        .await;
        assert_eq!(
            owed(&db).await,
            vec![vec![1, 8, 1, 60]],
            "a transfer moves the amount to the customer's new scope"
        );
        test_db::run(
            &db,
            "UPDATE contracts SET status = 'cancelled' WHERE id = 2",
        )
        .await;
        test_db::run(&db, "DELETE FROM instalments WHERE id = 2").await;
        let want = vec![vec![1, 8, 1, 10]];
        assert_eq!(
            owed(&db).await,
            want,
            "a cancelled contract is no longer owed"
        );
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(owed(&db).await, want, "down and up again count the same");
    }
}
