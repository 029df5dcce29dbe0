//! The customer's scope on its deals and contracts (issue 13 performance, helper "scope"): a deal
//! or contract is visible like its customer, and reading that through the customers
//! (`customer_id IN (SELECT id FROM customers WHERE <scope>)`) costs what the scope's
//! *customers* cost — hundreds of thousands for a region at 1M customers — however few deals
//! the board shows. So each row carries a copy of what `Visible::condition` tests:
//!
//! - `cust_owner_id`, `cust_region_id`: the customer's `owner_id` and `region_id`;
//! - `cust_archived`: whether the customer is archived (`archived_at IS NOT NULL`).
//!
//! The copies are the **database's**, not each use case's: triggers on both engines
//! - after an update of a customer's `owner_id`, `region_id` or `archived_at` that changed one
//!   of the three (a `WHEN` skips every other update), set them on that customer's deals and
//!   contracts — every path (assign, transfer, claim, the pool, archive, restore, import,
//!   merge, a bulk UPDATE) goes through it;
//! - on insert of a deal or contract, and on a change of its `customer_id` (merge moves deals),
//!   copy them from the customer. On PostgreSQL the copy reads the customer `FOR NO KEY
//!   UPDATE`: a transfer of the customer committed meanwhile is waited for and then seen, and a
//!   transfer that starts later waits for the insert to commit, after which its trigger's
//!   UPDATE (a new snapshot per statement) includes the new row. `FOR NO KEY UPDATE` rather than
//!   `FOR SHARE`: a use case that adds a contract and then moves its customer's status would,
//!   with two share locks on one customer, deadlock against another doing the same; with the
//!   lock an UPDATE of the customer takes anyway, the second one simply waits (it does not
//!   conflict with the `FOR KEY SHARE` of foreign-key checks). On SQLite one writer at a time
//!   makes the order moot; its triggers are AFTER triggers that UPDATE the new row.
//!
//! Indexes: the board walks one scope's deals per stage by `(cust_region_id, stage_id, …)` and
//! `(cust_owner_id, stage_id, …)` — SQLite's MULTI-INDEX OR for `owner IN … OR region IN …`;
//! the ageing finds one scope's contracts by `(cust_region_id, status)` / `(cust_owner_id,
//! status)`. Not partial on `NOT cust_archived`: SQLite plans each arm of an OR on its own
//! and then ignores a partial index (measured: the board fell back to `ix_deals_stage`, every
//! deal of the stages); archived customers are few, their rows are filtered after the seek.

use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

const TABLES: [&str; 2] = ["deals", "contracts"];

fn common_up() -> Vec<String> {
    let mut v = Vec::new();
    for t in TABLES {
        v.push(format!("ALTER TABLE {t} ADD COLUMN cust_owner_id BIGINT"));
        v.push(format!("ALTER TABLE {t} ADD COLUMN cust_region_id BIGINT"));
        v.push(format!(
            "ALTER TABLE {t} ADD COLUMN cust_archived BOOLEAN NOT NULL DEFAULT FALSE"
        ));
        v.push(format!(
            "UPDATE {t} SET cust_owner_id = c.owner_id, cust_region_id = c.region_id, \
             cust_archived = (c.archived_at IS NOT NULL) FROM customers c \
             WHERE c.id = {t}.customer_id"
        ));
    }
    v.push(
        "CREATE INDEX ix_deals_cust_region_stage ON deals \
         (cust_region_id, stage_id, expected_sign_date)"
            .into(),
    );
    v.push(
        "CREATE INDEX ix_deals_cust_owner_stage ON deals \
         (cust_owner_id, stage_id, expected_sign_date)"
            .into(),
    );
    v.push("CREATE INDEX ix_contracts_cust_region ON contracts (cust_region_id, status)".into());
    v.push("CREATE INDEX ix_contracts_cust_owner ON contracts (cust_owner_id, status)".into());
    v
}

/// The customer's columns changed in a way the copies see (`new`/`old` of a trigger).
const CHANGED_SQLITE: &str = "old.owner_id IS NOT new.owner_id \
     OR old.region_id IS NOT new.region_id \
     OR (old.archived_at IS NULL) <> (new.archived_at IS NULL)";

fn sqlite_up() -> Vec<String> {
    let mut v = common_up();
    let sets: Vec<String> = TABLES
        .iter()
        .map(|t| {
            format!(
                "UPDATE {t} SET cust_owner_id = new.owner_id, cust_region_id = new.region_id, \
                 cust_archived = (new.archived_at IS NOT NULL) WHERE customer_id = new.id;"
            )
        })
        .collect();
    v.push(format!(
        "CREATE TRIGGER customers_scope_copies \
         AFTER UPDATE OF owner_id, region_id, archived_at ON customers \
         WHEN {CHANGED_SQLITE} BEGIN {} END",
        sets.join(" ")
    ));
    for t in TABLES {
        let copy = format!(
            "UPDATE {t} SET cust_owner_id = c.owner_id, cust_region_id = c.region_id, \
             cust_archived = (c.archived_at IS NOT NULL) FROM customers c \
             WHERE c.id = new.customer_id AND {t}.id = new.id;"
        );
        v.push(format!(
            "CREATE TRIGGER {t}_scope_insert AFTER INSERT ON {t} BEGIN {copy} END"
        ));
        v.push(format!(
            "CREATE TRIGGER {t}_scope_move AFTER UPDATE OF customer_id ON {t} \
             WHEN old.customer_id IS NOT new.customer_id BEGIN {copy} END"
        ));
    }
    v
}

fn postgres_up() -> Vec<String> {
    let mut v = common_up();
    v.push(
        "CREATE FUNCTION scope_copy_from_customer() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           SELECT c.owner_id, c.region_id, c.archived_at IS NOT NULL \
             INTO NEW.cust_owner_id, NEW.cust_region_id, NEW.cust_archived \
             FROM customers c WHERE c.id = NEW.customer_id FOR NO KEY UPDATE; \
           IF NOT FOUND THEN \
             NEW.cust_archived := false; \
           END IF; \
           RETURN NEW; \
         END $$"
            .into(),
    );
    v.push(
        "CREATE FUNCTION customers_scope_to_copies() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           UPDATE deals SET cust_owner_id = NEW.owner_id, cust_region_id = NEW.region_id, \
             cust_archived = (NEW.archived_at IS NOT NULL) WHERE customer_id = NEW.id; \
           UPDATE contracts SET cust_owner_id = NEW.owner_id, cust_region_id = NEW.region_id, \
             cust_archived = (NEW.archived_at IS NOT NULL) WHERE customer_id = NEW.id; \
           RETURN NULL; \
         END $$"
            .into(),
    );
    v.push(
        "CREATE TRIGGER customers_scope_copies \
         AFTER UPDATE OF owner_id, region_id, archived_at ON customers FOR EACH ROW \
         WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id \
            OR OLD.region_id IS DISTINCT FROM NEW.region_id \
            OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)) \
         EXECUTE FUNCTION customers_scope_to_copies()"
            .into(),
    );
    for t in TABLES {
        v.push(format!(
            "CREATE TRIGGER {t}_scope_insert BEFORE INSERT ON {t} FOR EACH ROW \
             EXECUTE FUNCTION scope_copy_from_customer()"
        ));
        v.push(format!(
            "CREATE TRIGGER {t}_scope_move BEFORE UPDATE OF customer_id ON {t} FOR EACH ROW \
             WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id) \
             EXECUTE FUNCTION scope_copy_from_customer()"
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
        let mut stmts: Vec<String> = vec!["DROP TRIGGER IF EXISTS customers_scope_copies".into()];
        let pg = m.get_database_backend() == DbBackend::Postgres;
        if pg {
            stmts[0].push_str(" ON customers");
        }
        for t in TABLES {
            for tr in ["scope_insert", "scope_move"] {
                let on = if pg {
                    format!(" ON {t}")
                } else {
                    String::new()
                };
                stmts.push(format!("DROP TRIGGER IF EXISTS {t}_{tr}{on}"));
            }
        }
        if pg {
            stmts.push("DROP FUNCTION IF EXISTS scope_copy_from_customer()".into());
            stmts.push("DROP FUNCTION IF EXISTS customers_scope_to_copies()".into());
        }
        for ix in [
            "ix_deals_cust_region_stage",
            "ix_deals_cust_owner_stage",
            "ix_contracts_cust_region",
            "ix_contracts_cust_owner",
        ] {
            stmts.push(format!("DROP INDEX IF EXISTS {ix}"));
        }
        for t in TABLES {
            for col in ["cust_owner_id", "cust_region_id", "cust_archived"] {
                stmts.push(format!("ALTER TABLE {t} DROP COLUMN {col}"));
            }
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

    async fn rows(
        db: &DatabaseConnection,
        sql: &str,
    ) -> Vec<(i64, Option<i64>, Option<i64>, bool)> {
        db.query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            sql.to_string(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "id").unwrap(),
                r.try_get("", "cust_owner_id").unwrap(),
                r.try_get("", "cust_region_id").unwrap(),
                r.try_get("", "cust_archived").unwrap(),
            )
        })
        .collect()
    }

    async fn copies(db: &DatabaseConnection) -> Vec<(i64, Option<i64>, Option<i64>, bool)> {
        let mut v = rows(
            db,
            "SELECT id, cust_owner_id, cust_region_id, cust_archived FROM deals ORDER BY id",
        )
        .await;
        v.extend(
            rows(
                db,
                "SELECT id + 1000 AS id, cust_owner_id, cust_region_id, cust_archived \
                 FROM contracts ORDER BY id",
            )
            .await,
        );
        v
    }

    /// The deals and contracts of a database made before m0052 get their customers' scope, and
    /// down then up again gives the same.
    #[tokio::test]
    async fn existing_deals_and_contracts_get_their_customers_scope() {
        let (_dir, db) = test_db::at(41).await;
        let run = |sql: String| {
            let db = &db;
            async move { db.execute_unprepared(&sql).await.unwrap() }
        };
        run(format!(
            "INSERT INTO regions (id, name, name_en, kind, active, created_at, updated_at) \
             VALUES (4, '华东', 'East', 'region', 1, {AT}, {AT})"
        ))
        .await;
        run(format!(
            "INSERT INTO users (id, login, display_name, is_admin, active, locale, \
             password_hash, must_change_password, created_at, updated_at) \
             VALUES (7, 'am', '张伟', 0, 1, 'zh-CN', 'x', 0, {AT}, {AT})"
        ))
        .await;
        // 1: owned in the region; 2: the region's pool; 3: archived, nobody's.
        for (id, owner, region, archived) in [
            (1, "7", "4", "NULL"),
            (2, "NULL", "4", "NULL"),
            (3, "NULL", "NULL", AT),
        ] {
            run(format!(
                "INSERT INTO customers (id, name, name_key, search_key, search_grams, owner_id, \
                 region_id, archived_at, status, status_changed_at, created_at, updated_at) \
                 VALUES ({id}, 'c{id}', 'c{id}', 'c{id}', '', {owner}, {region}, {archived}, \
                 'potential', {AT}, {AT}, {AT})"
            ))
            .await;
            run(format!(
                "INSERT INTO deals (customer_id, name, amount_fen, expected_sign_date, \
                 expected_month, stage_id, state, probability, created_at, updated_at, version) \
                 VALUES ({id}, 'd', 100, '2026-12-01', 202612, \
                 (SELECT min(id) FROM deal_stages), 'open', 10, {AT}, {AT}, 1)"
            ))
            .await;
            run(format!(
                "INSERT INTO contracts (customer_id, title, signing_date, signing_month, status, \
                 total_fen, total_excl_fen, invoiced_fen, created_at, updated_at, version) \
                 VALUES ({id}, 'k', '2026-11-01', 202611, 'signed', 100, 90, 0, {AT}, {AT}, 1)"
            ))
            .await;
        }
        Migrator::up(&db, None).await.unwrap();
        let want = vec![
            (1, Some(7), Some(4), false),
            (2, None, Some(4), false),
            (3, None, None, true),
            (1001, Some(7), Some(4), false),
            (1002, None, Some(4), false),
            (1003, None, None, true),
        ];
        assert_eq!(copies(&db).await, want);
        // The triggers: a transfer and a restore reach both tables; a move of a deal takes
        // its new customer's scope.
        run("UPDATE customers SET owner_id = NULL WHERE id = 1".into()).await;
        run("UPDATE customers SET archived_at = NULL, region_id = 4 WHERE id = 3".into()).await;
        run("UPDATE deals SET customer_id = 2 WHERE id = 3".into()).await;
        assert_eq!(
            copies(&db).await,
            vec![
                (1, None, Some(4), false),
                (2, None, Some(4), false),
                (3, None, Some(4), false),
                (1001, None, Some(4), false),
                (1002, None, Some(4), false),
                (1003, None, Some(4), false),
            ]
        );
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(copies(&db).await.len(), 6);
    }
}
