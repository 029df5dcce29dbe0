//! The pipeline board's column totals, kept by the database (issue 13 performance: the
//! regional manager's board ≤ 30 ms beside 1M customers and 200k deals).
//!
//! Before this, the board counted and summed every deal of the reader's scope on each load (a
//! window over 43,689 deals for the east region's manager: 0.94 s on SQLite, 0.25 s on
//! PostgreSQL). Now `deal_board_totals` holds, per key, how many deals there are, Σ amount and
//! Σ amount × probability. The key is everything a board reads the totals by:
//!
//! - `stage_id`;
//! - `owner_id`, `region_id`: the deal's own (the board's owner and region filters);
//! - `cust_owner_id`, `cust_region_id`, `cust_archived`: the copies of the customer's scope
//!   (m0052), which the reader's scope tests.
//!
//! A missing id is stored as 0 (ids start at 1): unique keys treat NULLs as distinct, so an
//! upsert on a NULL key would add a row each time. Rows that fall to zero stay (a board sums
//! them to nothing); there are at most a few per (stage, owner, region).
//!
//! The totals are the **database's**, like m0052's copies:
//! - **SQLite:** row triggers after insert, delete and an update of a keyed or summed column
//!   (`WHEN` skips every other update). m0052's copy triggers are themselves UPDATEs of the deal,
//!   so a deal inserted with empty copies moves to its scope's key in the same statement.
//!   One writer at a time: no lock order to keep.
//! - **PostgreSQL:** statement triggers with transition tables append each statement's
//!   changes, summed per key, to `deal_board_deltas`: an INSERT that locks no existing row, so
//!   writers never wait for each other here and cannot deadlock on the totals, whatever order
//!   their statements come in. (An upsert of the shared total rows did deadlock: a transfer of
//!   two customers beside a deal move, or two transfers in opposite directions, locked the same
//!   totals in opposite order; the race test hit it 3 times in 3 rounds.) A statement whose
//!   changes cancel out per key (an edit of a deal's name) appends nothing (`HAVING`). A fold
//!   (`store::deals::fold_board_deltas`, run by a board's reader when more than a few hundred
//!   deltas wait) moves them into `deal_board_totals` in one transaction under an advisory
//!   lock, so two folds do not meet either. Reads sum the totals and the deltas in one
//!   statement, one snapshot: a delta is in one table or the other, never both or neither.
//!
//! A randomized workload through the use cases checks the totals against a recomputation from
//! the deals (web tests, `scope_copies`), and parallel clients through two processes on
//! PostgreSQL do the same (cli tests, `races`).
//!
//! Indexes for the board's cards (50 per column, read by seeks, not by sorting the scope): the
//! won and lost columns show the latest changed first, so besides m0052's `(cust_*, stage_id,
//! expected_sign_date)`, now with `id` at the end, there is `(cust_*, stage_id, updated_at,
//! id)` and, for the whole company's board, `(stage_id, updated_at, id)`. And for the forecast, m0038's month indexes
//! become covering: `(state, expected_month, amount_fen, probability)`, `(state, won_month,
//! amount_fen)`.

use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

const KEY: &str = "stage_id, owner_id, region_id, cust_owner_id, cust_region_id, cust_archived";

/// The key of a deal row (`new`/`old`, or a table alias) as the totals store it.
fn key_of(row: &str) -> String {
    format!(
        "{row}.stage_id, COALESCE({row}.owner_id, 0), COALESCE({row}.region_id, 0), \
         COALESCE({row}.cust_owner_id, 0), COALESCE({row}.cust_region_id, 0), \
         {row}.cust_archived"
    )
}

/// The totals' table, keyed by [`KEY`] (the deltas' is not: a key appears once per statement).
fn table(name: &str, keyed: bool) -> String {
    let key = if keyed {
        format!(", PRIMARY KEY ({KEY})")
    } else {
        String::new()
    };
    format!(
        "CREATE TABLE {name} (stage_id BIGINT NOT NULL, owner_id BIGINT NOT NULL, \
         region_id BIGINT NOT NULL, cust_owner_id BIGINT NOT NULL, \
         cust_region_id BIGINT NOT NULL, cust_archived BOOLEAN NOT NULL, \
         deals BIGINT NOT NULL, amount_fen BIGINT NOT NULL, weighted BIGINT NOT NULL{key})"
    )
}

fn common_up() -> Vec<String> {
    vec![
        table("deal_board_totals", true),
        // PostgreSQL's triggers append each statement's changes here; a fold moves them into
        // the totals (`store::deals::fold_board_deltas`). Reads sum both.
        table("deal_board_deltas", false),
        format!(
            "INSERT INTO deal_board_totals ({KEY}, deals, amount_fen, weighted) \
             SELECT {}, count(*), CAST(SUM(d.amount_fen) AS BIGINT), \
               CAST(SUM(d.amount_fen * d.probability) AS BIGINT) \
             FROM deals d GROUP BY 1, 2, 3, 4, 5, 6",
            key_of("d")
        ),
        "CREATE INDEX ix_deals_cust_region_recent ON deals \
         (cust_region_id, stage_id, updated_at, id)"
            .into(),
        "CREATE INDEX ix_deals_cust_owner_recent ON deals \
         (cust_owner_id, stage_id, updated_at, id)"
            .into(),
        "CREATE INDEX ix_deals_stage_recent ON deals (stage_id, updated_at, id)".into(),
        // m0052's seeks of the open columns with the id, the order's last key: without it
        // PostgreSQL sorted each seek's rows (incremental sort) or walked `ix_deals_stage` in
        // order, filtering the region (2.3 ms for one column of the east region).
        "DROP INDEX ix_deals_cust_region_stage".into(),
        "DROP INDEX ix_deals_cust_owner_stage".into(),
        "CREATE INDEX ix_deals_cust_region_stage ON deals \
         (cust_region_id, stage_id, expected_sign_date, id)"
            .into(),
        "CREATE INDEX ix_deals_cust_owner_stage ON deals \
         (cust_owner_id, stage_id, expected_sign_date, id)"
            .into(),
        // The forecast's sums by month read the index alone (the department's forecast read
        // every open deal of its months from the table: 111 ms on SQLite at 189k deals).
        // They replace m0038's `(state, expected_month)` and `(state, won_month)`, their
        // prefixes.
        "DROP INDEX ix_deals_state_month".into(),
        "DROP INDEX ix_deals_state_won_month".into(),
        "CREATE INDEX ix_deals_state_month_sums ON deals \
         (state, expected_month, amount_fen, probability)"
            .into(),
        "CREATE INDEX ix_deals_state_won_month_sums ON deals (state, won_month, amount_fen)".into(),
    ]
}

/// SQLite: one row's change (`sign` 1 or -1) added to its key.
fn sqlite_add(row: &str, sign: &str) -> String {
    format!(
        "INSERT INTO deal_board_totals ({KEY}, deals, amount_fen, weighted) \
         VALUES ({}, {sign}, {sign} * {row}.amount_fen, {sign} * {row}.amount_fen * {row}.probability) \
         ON CONFLICT ({KEY}) DO UPDATE SET deals = deals + excluded.deals, \
           amount_fen = amount_fen + excluded.amount_fen, weighted = weighted + excluded.weighted;",
        key_of(row)
    )
}

fn sqlite_up() -> Vec<String> {
    let mut v = common_up();
    let changed = [
        "stage_id",
        "owner_id",
        "region_id",
        "cust_owner_id",
        "cust_region_id",
        "cust_archived",
        "amount_fen",
        "probability",
    ];
    let when: Vec<String> = changed
        .iter()
        .map(|c| format!("old.{c} IS NOT new.{c}"))
        .collect();
    v.push(format!(
        "CREATE TRIGGER deals_board_insert AFTER INSERT ON deals BEGIN {} END",
        sqlite_add("new", "1")
    ));
    v.push(format!(
        "CREATE TRIGGER deals_board_delete AFTER DELETE ON deals BEGIN {} END",
        sqlite_add("old", "-1")
    ));
    v.push(format!(
        "CREATE TRIGGER deals_board_update AFTER UPDATE OF {} ON deals WHEN {} BEGIN {} {} END",
        changed.join(", "),
        when.join(" OR "),
        sqlite_add("old", "-1"),
        sqlite_add("new", "1")
    ));
    v
}

fn postgres_up() -> Vec<String> {
    let mut v = common_up();
    let rows = |table: &str, sign: &str| {
        format!(
            "SELECT {}, {sign} AS n, {sign} * r.amount_fen AS a, \
               {sign} * r.amount_fen * r.probability AS w FROM {table} r",
            key_of("r")
        )
    };
    v.extend(super::delta_triggers(
        "deal_board_apply",
        "deals_board",
        "deals",
        "deal_board_deltas",
        &KEY.split(", ").collect::<Vec<_>>(),
        &["deals", "amount_fen", "weighted"],
        &rows,
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
        let mut stmts = Vec::new();
        for t in ["insert", "delete", "update"] {
            let on = if pg { " ON deals" } else { "" };
            stmts.push(format!("DROP TRIGGER IF EXISTS deals_board_{t}{on}"));
        }
        if pg {
            stmts.push("DROP FUNCTION IF EXISTS deal_board_apply()".into());
        }
        for ix in [
            "ix_deals_cust_region_recent",
            "ix_deals_cust_owner_recent",
            "ix_deals_stage_recent",
        ] {
            stmts.push(format!("DROP INDEX IF EXISTS {ix}"));
        }
        stmts.push("DROP INDEX IF EXISTS ix_deals_state_month_sums".into());
        stmts.push("DROP INDEX IF EXISTS ix_deals_state_won_month_sums".into());
        stmts.push("CREATE INDEX ix_deals_state_month ON deals (state, expected_month)".into());
        stmts.push("CREATE INDEX ix_deals_state_won_month ON deals (state, won_month)".into());
        for (ix, col) in [
            ("ix_deals_cust_region_stage", "cust_region_id"),
            ("ix_deals_cust_owner_stage", "cust_owner_id"),
        ] {
            stmts.push(format!("DROP INDEX IF EXISTS {ix}"));
            stmts.push(format!(
                "CREATE INDEX {ix} ON deals ({col}, stage_id, expected_sign_date)"
            ));
        }
        stmts.push("DROP TABLE deal_board_deltas".into());
        stmts.push("DROP TABLE deal_board_totals".into());
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

    /// (stage, cust_owner, cust_region, archived, deals, Σ amount, Σ weighted) of the keys
    /// with deals.
    async fn totals(db: &DatabaseConnection) -> Vec<(i64, i64, i64, bool, i64, i64, i64)> {
        db.query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT stage_id, cust_owner_id, cust_region_id, cust_archived, \
               SUM(deals) AS n, SUM(amount_fen) AS a, SUM(weighted) AS w \
             FROM deal_board_totals GROUP BY 1, 2, 3, 4 HAVING SUM(deals) <> 0 \
             ORDER BY 1, 2, 3, 4"
                .to_string(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "stage_id").unwrap(),
                r.try_get("", "cust_owner_id").unwrap(),
                r.try_get("", "cust_region_id").unwrap(),
                r.try_get("", "cust_archived").unwrap(),
                r.try_get("", "n").unwrap(),
                r.try_get("", "a").unwrap(),
                r.try_get("", "w").unwrap(),
            )
        })
        .collect()
    }

    /// Deals made before m0053 are counted into their keys; then inserts, moves, a transfer of
    /// the customer (m0052's trigger updates the deal's copies) and a delete keep the totals.
    #[tokio::test]
    async fn the_totals_follow_the_deals() {
        let (_dir, db) = test_db::at(42).await;
        let run = |sql: String| {
            let db = &db;
            async move { db.execute_unprepared(&sql).await.unwrap() }
        };
        run(format!(
            "INSERT INTO regions (id, name, name_en, kind, active, created_at, updated_at) \
             VALUES (4, '华东', 'East', 'region', 1, {AT}, {AT})"
        ))
        .await;
        for (id, login) in [(7, "am"), (8, "am2")] {
            run(format!(
                "INSERT INTO users (id, login, display_name, is_admin, active, locale, \
                 password_hash, must_change_password, created_at, updated_at) \
                 VALUES ({id}, '{login}', '张伟', 0, 1, 'zh-CN', 'x', 0, {AT}, {AT})"
            ))
            .await;
        }
        run(format!(
            "INSERT INTO customers (id, name, name_key, search_key, search_grams, owner_id, \
             region_id, archived_at, status, status_changed_at, created_at, updated_at) \
             VALUES (1, 'c1', 'c1', 'c1', '', 7, 4, NULL, 'potential', {AT}, {AT}, {AT})"
        ))
        .await;
        let deal = |amount: i64, probability: i64| {
            format!(
                "INSERT INTO deals (customer_id, name, amount_fen, expected_sign_date, \
                 expected_month, stage_id, state, probability, created_at, updated_at, version) \
                 VALUES (1, 'd', {amount}, '2026-12-01', 202612, \
                 (SELECT min(id) FROM deal_stages), 'open', {probability}, {AT}, {AT}, 1)"
            )
        };
        run(deal(100, 10)).await;
        Migrator::up(&db, None).await.unwrap();
        let first: i64 = {
            let r = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    "SELECT min(id) AS s FROM deal_stages".to_string(),
                ))
                .await
                .unwrap()
                .unwrap();
            r.try_get("", "s").unwrap()
        };
        assert_eq!(totals(&db).await, vec![(first, 7, 4, false, 1, 100, 1000)]);
        run(deal(200, 20)).await;
        assert_eq!(totals(&db).await, vec![(first, 7, 4, false, 2, 300, 5000)]);
        // A move to the next stage with a new probability; an edit of the name changes nothing.
        run(format!(
            "UPDATE deals SET stage_id = {}, probability = 50 WHERE amount_fen = 200",
            first + 1
        ))
        .await;
        run("UPDATE deals SET name = 'renamed'".into()).await;
        assert_eq!(
            totals(&db).await,
            vec![
                (first, 7, 4, false, 1, 100, 1000),
                (first + 1, 7, 4, false, 1, 200, 10000)
            ]
        );
        // The customer goes to another person and is archived: both deals follow.
        run(format!(
            "UPDATE customers SET owner_id = 8, archived_at = {AT} WHERE id = 1"
        ))
        .await;
        assert_eq!(
            totals(&db).await,
            vec![
                (first, 8, 4, true, 1, 100, 1000),
                (first + 1, 8, 4, true, 1, 200, 10000)
            ]
        );
        run("DELETE FROM deals WHERE amount_fen = 100".into()).await;
        assert_eq!(
            totals(&db).await,
            vec![(first + 1, 8, 4, true, 1, 200, 10000)]
        );
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(
            totals(&db).await,
            vec![(first + 1, 8, 4, true, 1, 200, 10000)],
            "down and up again recounts the same"
        );
    }
}
