//! The receivables ageing without the join to the contracts (issue 13 performance: the
//! company's ageing p99 ≤ 100 ms and one region's ≤ 30 ms beside 1M customers, 200k contracts
//! and 630k instalments).
//!
//! The report sums the open instalments of contracts in force, by the contract's customer, owner
//! or region, within the reader's scope (the contract's copies of its customer's, m0052). Read
//! through a join, every open instalment (193,238 in the full-scale data) looked up its
//! contract: 145 ms on SQLite for the company's total and 861 ms by region, however few the
//! groups. So each instalment carries copies of what the report reads from its contract:
//!
//! - `k_live`: the contract is in force (`signed`, `in_delivery`, `completed`);
//! - `k_customer_id`, `k_owner_id`, `k_region_id`: the contract's customer, owner and region;
//! - `cust_owner_id`, `cust_region_id`, `cust_archived`: the contract's copies of its
//!   customer's scope.
//!
//! The copies are the **database's**, like m0052's: on insert of an instalment they are read
//! from its contract (PostgreSQL: `FOR NO KEY UPDATE`, as m0052 reads the customer), and an
//! update of a contract that changes one of them (its status, owner, region, customer, or its
//! scope copies, which m0052's trigger on customers rewrites) rewrites its instalments. So every
//! path — sign, cancel, complete, reassign, a transfer or archive of the customer, a merge —
//! needs no code of its own.
//!
//! Indexes, all partial on the open instalments of contracts in force (`paid_fen < amount_fen
//! AND k_live`, about a third of the rows), each holding what its report reads (with `k_live`
//! too: SQLite reads an index alone only when it holds every column the query names):
//! `(due_date, …)` for the company, `(k_region_id, …)`, `(k_owner_id, …)`, `(k_customer_id,
//! …)` for a grouping or a filter, `(cust_region_id, cust_archived, …)` and `(cust_owner_id,
//! cust_archived, cust_region_id, …)` for a scope. A scope of regions and people is read as two
//! disjoint arms (the regions; the people's instalments outside those regions) rather than one
//! `OR`, which SQLite would read without its partial indexes.

use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

const LIVE: &str = "k.status IN ('signed', 'in_delivery', 'completed')";

/// The copies, as `SET` assignments from the contract `k`.
fn sets() -> String {
    format!(
        "k_live = ({LIVE}), k_customer_id = k.customer_id, k_owner_id = k.owner_id, \
         k_region_id = k.region_id, cust_owner_id = k.cust_owner_id, \
         cust_region_id = k.cust_region_id, cust_archived = k.cust_archived"
    )
}

const OPEN: &str = "WHERE paid_fen < amount_fen AND k_live";

const INDEXES: [(&str, &str); 6] = [
    (
        "ix_instalments_open_all",
        "due_date, amount_fen, paid_fen, k_live",
    ),
    (
        "ix_instalments_open_k_region",
        "k_region_id, due_date, amount_fen, paid_fen, k_live",
    ),
    (
        "ix_instalments_open_k_owner",
        "k_owner_id, due_date, amount_fen, paid_fen, k_live",
    ),
    (
        "ix_instalments_open_k_customer",
        "k_customer_id, due_date, amount_fen, paid_fen, k_live",
    ),
    (
        "ix_instalments_open_cust_region",
        "cust_region_id, cust_archived, due_date, amount_fen, paid_fen, k_live, \
         k_customer_id, k_owner_id, k_region_id",
    ),
    (
        "ix_instalments_open_cust_owner",
        "cust_owner_id, cust_archived, cust_region_id, due_date, amount_fen, paid_fen, k_live, \
         k_customer_id, k_owner_id, k_region_id",
    ),
];

const COLUMNS: [&str; 7] = [
    "k_live BOOLEAN NOT NULL DEFAULT FALSE",
    "k_customer_id BIGINT",
    "k_owner_id BIGINT",
    "k_region_id BIGINT",
    "cust_owner_id BIGINT",
    "cust_region_id BIGINT",
    "cust_archived BOOLEAN NOT NULL DEFAULT FALSE",
];

/// The contract's columns whose change the copies see (`old`/`new` of a trigger).
const WATCHED: [&str; 7] = [
    "status",
    "customer_id",
    "owner_id",
    "region_id",
    "cust_owner_id",
    "cust_region_id",
    "cust_archived",
];

fn common_up() -> Vec<String> {
    let mut v: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("ALTER TABLE instalments ADD COLUMN {c}"))
        .collect();
    v.push(format!(
        "UPDATE instalments SET {} FROM contracts k WHERE k.id = instalments.contract_id",
        sets()
    ));
    for (name, cols) in INDEXES {
        v.push(format!(
            "CREATE INDEX {name} ON instalments ({cols}) {OPEN}"
        ));
    }
    v
}

fn sqlite_up() -> Vec<String> {
    let mut v = common_up();
    v.push(format!(
        "CREATE TRIGGER instalments_copies_insert AFTER INSERT ON instalments BEGIN \
         UPDATE instalments SET {} FROM contracts k \
         WHERE k.id = new.contract_id AND instalments.id = new.id; END",
        sets()
    ));
    let when: Vec<String> = WATCHED
        .iter()
        .map(|c| format!("old.{c} IS NOT new.{c}"))
        .collect();
    v.push(format!(
        "CREATE TRIGGER contracts_instalment_copies AFTER UPDATE OF {} ON contracts WHEN {} \
         BEGIN UPDATE instalments SET {} FROM contracts k \
         WHERE k.id = new.id AND instalments.contract_id = new.id; END",
        WATCHED.join(", "),
        when.join(" OR "),
        sets()
    ));
    v
}

fn postgres_up() -> Vec<String> {
    let mut v = common_up();
    v.push(format!(
        "CREATE FUNCTION instalment_copies_from_contract() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           SELECT {LIVE}, k.customer_id, k.owner_id, k.region_id, k.cust_owner_id, \
             k.cust_region_id, k.cust_archived \
             INTO NEW.k_live, NEW.k_customer_id, NEW.k_owner_id, NEW.k_region_id, \
               NEW.cust_owner_id, NEW.cust_region_id, NEW.cust_archived \
             FROM contracts k WHERE k.id = NEW.contract_id FOR NO KEY UPDATE; \
           IF NOT FOUND THEN \
             NEW.k_live := false; NEW.cust_archived := false; \
           END IF; \
           RETURN NEW; \
         END $$"
    ));
    v.push(
        "CREATE TRIGGER instalments_copies_insert BEFORE INSERT ON instalments FOR EACH ROW \
         EXECUTE FUNCTION instalment_copies_from_contract()"
            .into(),
    );
    v.push(format!(
        "CREATE FUNCTION contract_copies_to_instalments() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           UPDATE instalments SET {} FROM contracts k \
             WHERE k.id = NEW.id AND instalments.contract_id = NEW.id; \
           RETURN NULL; \
         END $$",
        sets()
    ));
    let when: Vec<String> = WATCHED
        .iter()
        .map(|c| format!("OLD.{c} IS DISTINCT FROM NEW.{c}"))
        .collect();
    v.push(format!(
        "CREATE TRIGGER contracts_instalment_copies AFTER UPDATE ON contracts FOR EACH ROW \
         WHEN ({}) EXECUTE FUNCTION contract_copies_to_instalments()",
        when.join(" OR ")
    ));
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
        let mut stmts = vec![
            format!(
                "DROP TRIGGER IF EXISTS instalments_copies_insert{}",
                if pg { " ON instalments" } else { "" }
            ),
            format!(
                "DROP TRIGGER IF EXISTS contracts_instalment_copies{}",
                if pg { " ON contracts" } else { "" }
            ),
        ];
        if pg {
            stmts.push("DROP FUNCTION IF EXISTS instalment_copies_from_contract()".into());
            stmts.push("DROP FUNCTION IF EXISTS contract_copies_to_instalments()".into());
        }
        for (name, _) in INDEXES {
            stmts.push(format!("DROP INDEX IF EXISTS {name}"));
        }
        for c in COLUMNS {
            let name = c.split(' ').next().unwrap_or(c);
            stmts.push(format!("ALTER TABLE instalments DROP COLUMN {name}"));
        }
        for s in stmts {
            db.execute_unprepared(&s).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseConnection};

    use crate::migration::{Migrator, test_db};

    const AT: &str = "'2026-11-01T00:00:00Z'";

    /// (instalment, live, customer, owner, customer's owner, archived) of every instalment.
    async fn copies(
        db: &DatabaseConnection,
    ) -> Vec<(i64, bool, Option<i64>, Option<i64>, Option<i64>, bool)> {
        db.query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT id, k_live, k_customer_id, k_owner_id, cust_owner_id, cust_archived \
             FROM instalments ORDER BY id"
                .to_string(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "id").unwrap(),
                r.try_get("", "k_live").unwrap(),
                r.try_get("", "k_customer_id").unwrap(),
                r.try_get("", "k_owner_id").unwrap(),
                r.try_get("", "cust_owner_id").unwrap(),
                r.try_get("", "cust_archived").unwrap(),
            )
        })
        .collect()
    }

    /// Instalments made before m0054 get their contract's copies; a new one takes them on
    /// insert; a cancellation, and a transfer and archive of the customer (through m0052's
    /// copies on the contract), rewrite them; down and up again give the same.
    #[tokio::test]
    async fn the_instalments_copy_their_contract() {
        let (_dir, db) = test_db::at(43).await;
        let run = |sql: String| {
            let db = &db;
            async move { db.execute_unprepared(&sql).await.unwrap() }
        };
        test_db::seed_contracts(
            &db,
            &[(7, "am"), (8, "am2")],
            &[(1, 7)],
            &[(1, 1, "signed")],
        )
        .await;
        let instalment = |id: i64| {
            format!(
                "INSERT INTO instalments (id, contract_id, due_date, amount_fen, paid_fen, \
                 created_at) VALUES ({id}, 1, '2026-12-01', 50, 0, {AT})"
            )
        };
        run(instalment(1)).await;
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(
            copies(&db).await,
            vec![(1, true, Some(1), Some(7), Some(7), false)]
        );
        run(instalment(2)).await;
        assert_eq!(
            copies(&db).await[1],
            (2, true, Some(1), Some(7), Some(7), false)
        );
        run(format!(
            "UPDATE customers SET owner_id = 8, archived_at = {AT} WHERE id = 1"
        ))
        .await;
        run("UPDATE contracts SET status = 'cancelled' WHERE id = 1".into()).await;
        let want = vec![
            (1, false, Some(1), Some(7), Some(8), true),
            (2, false, Some(1), Some(7), Some(8), true),
        ];
        assert_eq!(copies(&db).await, want);
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(copies(&db).await, want, "down and up again copy the same");
    }
}
