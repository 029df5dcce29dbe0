//! Our migration runner: applies the migrations of [`super::Migrator`] in order, each once, and
//! records each in `seaql_migrations` (version, applied_at in Unix seconds).
//!
//! The table's name and shape are those of sea-orm-migration, which ran the migrations until
//! 2026-11-30, so a database made before keeps its history and is migrated on from where it is.
//! sea-orm-migration was replaced because it brought sea-schema and every default feature of
//! sea-orm (decimal, UUID and `time` support in sea-orm, sea-query and sqlx) into each build for
//! a loop and an insert: see BENCHMARKS.md, "Build".
//!
//! On PostgreSQL each migration runs in its own transaction that first takes an advisory lock,
//! then checks again that the migration is still pending: two processes started together on one
//! database apply each migration once, the second one waiting for the first. SQLite runs DDL
//! statement by statement (a table rebuild needs `PRAGMA foreign_keys` outside a transaction),
//! and two SQLite processes are kept apart by the database's lock file (`maintenance`).

use sea_orm::entity::prelude::async_trait;
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, IndexCreateStatement, IndexDropStatement, Query, Table,
    TableAlterStatement, TableCreateStatement, TableDropStatement,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseExecutor, DbBackend, DbErr, IntoDatabaseExecutor,
    Statement, StatementBuilder, TransactionTrait,
};

/// The table that records which migrations a database has.
const TABLE: &str = "seaql_migrations";

/// An arbitrary key of the PostgreSQL advisory lock that serialises migration runs.
const PG_LOCK_KEY: i64 = 0x5a1e_5de5_0001;

/// One migration: the schema change of one release step. Written with sea-query's schema
/// builder so that one migration is the DDL of both engines.
#[async_trait::async_trait]
pub trait MigrationTrait: Send + Sync {
    /// Applies the change.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr>;

    /// Undoes the change. Releases only go forward (docs/DEPLOY.md, "Upgrades"); `down` is for
    /// the tests of a data migration, which go up and back down.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations only go forward".to_owned()))
    }
}

/// What a migration's `up` gets: the connection (the migration's transaction on PostgreSQL) and
/// shorthands for the schema statements.
pub struct SchemaManager<'c> {
    conn: DatabaseExecutor<'c>,
}

impl<'c> SchemaManager<'c> {
    fn new(conn: impl IntoDatabaseExecutor<'c>) -> Self {
        SchemaManager {
            conn: conn.into_database_executor(),
        }
    }

    /// Runs any schema statement built with sea-query.
    pub async fn exec_stmt<S: StatementBuilder>(&self, stmt: S) -> Result<(), DbErr> {
        self.conn.execute(&stmt).await.map(|_| ())
    }

    pub async fn create_table(&self, stmt: TableCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn alter_table(&self, stmt: TableAlterStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn drop_table(&self, stmt: TableDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn create_index(&self, stmt: IndexCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn drop_index(&self, stmt: IndexDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// The connection, for data migrations and hand-written SQL.
    pub fn get_connection(&self) -> &DatabaseExecutor<'c> {
        &self.conn
    }

    pub fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}

/// A migration and its name (the module's name, e.g. `m0001_foundation`).
pub struct Migration {
    pub name: &'static str,
    pub migration: Box<dyn MigrationTrait>,
}

/// Creates the record table when the database has none yet. On PostgreSQL under the advisory
/// lock: two concurrent `CREATE TABLE IF NOT EXISTS` of one table can both try to create it.
async fn install(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        let tx = db.begin().await?;
        lock(&tx).await?;
        create_table(&tx).await?;
        tx.commit().await
    } else {
        create_table(db).await
    }
}

/// Waits for the PostgreSQL advisory lock of migration runs, held until the transaction ends.
async fn lock(tx: &impl ConnectionTrait) -> Result<(), DbErr> {
    tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PG_LOCK_KEY})"))
        .await
        .map(|_| ())
}

async fn create_table(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let stmt = Table::create()
        .table(Alias::new(TABLE))
        .if_not_exists()
        .col(
            ColumnDef::new(Alias::new("version"))
                .string()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(Alias::new("applied_at"))
                .big_integer()
                .not_null(),
        )
        .to_owned();
    db.execute(&stmt).await.map(|_| ())
}

/// The names of the migrations a database has applied (the record table must exist).
async fn applied(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT version FROM {TABLE} ORDER BY version"),
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "version"))
        .collect()
}

async fn record(db: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    let stmt = Query::insert()
        .into_table(Alias::new(TABLE))
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .values_panic([
            Expr::val(name.to_owned()),
            Expr::val(chrono::Utc::now().timestamp()),
        ])
        .to_owned();
    db.execute(&stmt).await.map(|_| ())
}

/// The migrations of `all` that `db` has not applied, in order.
pub async fn pending(
    db: &DatabaseConnection,
    all: Vec<Migration>,
) -> Result<Vec<Migration>, DbErr> {
    install(db).await?;
    let done = applied(db).await?;
    Ok(all
        .into_iter()
        .filter(|m| !done.iter().any(|d| d == m.name))
        .collect())
}

/// Applies the pending migrations of `all` in order, at most `steps` of them.
pub async fn up(
    db: &DatabaseConnection,
    all: Vec<Migration>,
    steps: Option<u32>,
) -> Result<(), DbErr> {
    let todo = pending(db, all).await?;
    let take = steps.map_or(todo.len(), |s| s as usize);
    let (mut count, mut last) = (0, "");
    for m in todo.into_iter().take(take) {
        tracing::debug!(migration = m.name, "applying migration");
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let tx = db.begin().await?;
                lock(&tx).await?;
                // Another process may have applied it while this one waited for the lock.
                if applied(&tx).await?.iter().any(|d| d == m.name) {
                    tx.commit().await?;
                    continue;
                }
                m.migration.up(&SchemaManager::new(&tx)).await?;
                record(&tx, m.name).await?;
                tx.commit().await?;
            }
            _ => {
                m.migration.up(&SchemaManager::new(db)).await?;
                record(db, m.name).await?;
            }
        }
        count += 1;
        last = m.name;
    }
    if count > 0 {
        // One line, not one per migration: a new database's first start applies them all.
        tracing::info!(applied = count, up_to = last, "migrations applied");
    }
    Ok(())
}

/// Undoes the last `steps` applied migrations of `all`, newest first (tests of data migrations).
pub async fn down(db: &DatabaseConnection, all: Vec<Migration>, steps: u32) -> Result<(), DbErr> {
    install(db).await?;
    let done = applied(db).await?;
    let mut undo: Vec<Migration> = all
        .into_iter()
        .filter(|m| done.iter().any(|d| d == m.name))
        .collect();
    undo.reverse();
    for m in undo.into_iter().take(steps as usize) {
        let forget = format!("DELETE FROM {TABLE} WHERE version = '{}'", m.name);
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let tx = db.begin().await?;
                m.migration.down(&SchemaManager::new(&tx)).await?;
                tx.execute_unprepared(&forget).await?;
                tx.commit().await?;
            }
            _ => {
                m.migration.down(&SchemaManager::new(db)).await?;
                db.execute_unprepared(&forget).await?;
            }
        }
    }
    Ok(())
}
