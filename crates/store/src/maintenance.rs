//! Operations on the database as a whole, for backups and upgrades: a consistent copy of a live
//! SQLite file (`VACUUM INTO`), which migrations are applied, pending or unknown to this binary,
//! whether anyone else uses the database, and the lock file that tells a restore so.

use std::fs::File;
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Db, Engine, Result, StoreError, migration};

/// The file of a `sqlite://PATH` or `sqlite:PATH` URL (query string dropped); `None` for an
/// in-memory database or another engine.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The lock file beside a SQLite database. Every process that opens the database holds a shared
/// lock on it for as long as it has the database open; a restore takes it exclusively.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".salesdesk-lock");
    PathBuf::from(name)
}

fn open_lock(db: &Path) -> Result<(File, PathBuf)> {
    let path = lock_path(db);
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Ops(format!("cannot open {}: {e}", path.display())))?;
    Ok((f, path))
}

/// Takes the shared "in use" lock of a SQLite database (see [`lock_path`]). Fails when a restore
/// holds it exclusively.
pub(crate) fn lock_shared(db: &Path) -> Result<File> {
    let (f, path) = open_lock(db)?;
    match f.try_lock_shared() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Ops(format!(
            "{} is being restored; try again when the restore has finished",
            db.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Ops(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// Takes the lock of a SQLite database exclusively, for a restore. `Ok(None)` when another
/// process (or another handle in this one) has the database open.
pub fn lock_exclusive(db: &Path) -> Result<Option<File>> {
    let (f, path) = open_lock(db)?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Ops(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// The names of every migration this binary has, oldest first (`m0001_foundation`, …).
pub fn known_migrations() -> Vec<String> {
    migration::Migrator::migrations()
        .iter()
        .map(|m| m.name.to_string())
        .collect()
}

impl Db {
    /// Writes a consistent copy of a SQLite database to `to` (which must not exist) while other
    /// connections go on reading and writing: `VACUUM INTO` reads one snapshot, so the copy holds
    /// exactly the transactions committed before it started. Not for PostgreSQL (`pg_dump`).
    pub async fn vacuum_into(&self, to: &Path) -> Result<()> {
        if self.engine != Engine::Sqlite {
            return Err(StoreError::Ops("VACUUM INTO is for SQLite only".into()));
        }
        let to = to
            .to_str()
            .ok_or_else(|| StoreError::Ops(format!("not a UTF-8 path: {}", to.display())))?;
        self.read
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [to.into()],
            ))
            .await?;
        Ok(())
    }

    /// The migrations applied to this database, oldest first (empty for a new database).
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        // The table is created by the first migration run; a new database has none.
        let exists = match self.engine {
            Engine::Sqlite => {
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
            }
            Engine::Postgres => {
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
            }
        };
        let n: i64 = self
            .write
            .query_one_raw(Statement::from_string(self.backend(), exists))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        if n == 0 {
            return Ok(Vec::new());
        }
        let rows = self
            .write
            .query_all_raw(Statement::from_string(
                self.backend(),
                "SELECT version FROM seaql_migrations ORDER BY version",
            ))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String>("", "version").map_err(Into::into))
            .collect()
    }

    /// The migrations this binary would apply, oldest first.
    pub async fn pending_migration_names(&self) -> Result<Vec<String>> {
        let applied = self.applied_migrations().await?;
        Ok(known_migrations()
            .into_iter()
            .filter(|m| !applied.contains(m))
            .collect())
    }

    /// The name of the last migration applied (the schema version), e.g. `m0013_nulls_first`.
    pub async fn schema_version(&self) -> Result<Option<String>> {
        Ok(self.applied_migrations().await?.pop())
    }

    /// Refuses a database that a newer salesdesk has migrated: one with migrations this binary
    /// does not know. Running old code on a newer schema could write rows the new code cannot
    /// read, so `serve` and `migrate` stop here and say which version is needed.
    pub async fn check_not_newer(&self) -> Result<()> {
        let known = known_migrations();
        let unknown: Vec<String> = self
            .applied_migrations()
            .await?
            .into_iter()
            .filter(|m| !known.contains(m))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(StoreError::Ops(format!(
            "the database is newer than this salesdesk: it has migration(s) {} that this binary \
             does not know (it knows up to {}); run a salesdesk that includes {}",
            unknown.join(", "),
            known.last().map_or("none", String::as_str),
            unknown.last().map_or("them", String::as_str),
        )))
    }

    /// How many other sessions are connected to this PostgreSQL database (0 on SQLite, where
    /// the lock file answers the question).
    pub async fn other_sessions(&self) -> Result<i64> {
        if self.engine != Engine::Postgres {
            return Ok(0);
        }
        // This handle's own connections (both pools) carry its application name.
        let row = self
            .write
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND application_name IS DISTINCT FROM $1",
                [self.application_name.clone().into()],
            ))
            .await?;
        Ok(row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0))
    }

    /// The PostgreSQL backends of this database other than the caller's own, as `(pid,
    /// client_port)`; empty on SQLite. For `salesdesk bench http`, which adds up the memory of
    /// the backends a server holds (matched by the server's local TCP ports).
    pub async fn backends(&self) -> Result<Vec<(i32, Option<i32>)>> {
        if self.engine != Engine::Postgres {
            return Ok(Vec::new());
        }
        let rows = self
            .write
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pid, client_port FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("", "pid")?, r.try_get("", "client_port")?)))
            .collect()
    }

    /// Connections of each pool: `(pool, open, idle, max)`: `read` and `write` on both engines.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        match self.engine {
            Engine::Sqlite => vec![
                sqlite_stats("write", &self.write),
                sqlite_stats("read", &self.read),
            ],
            Engine::Postgres => [("write", &self.write), ("read", &self.read)]
                .into_iter()
                .map(|(pool, c)| {
                    let p = c.get_postgres_connection_pool();
                    PoolStats {
                        pool,
                        open: p.size(),
                        idle: p.num_idle() as u32,
                        max: p.options().get_max_connections(),
                    }
                })
                .collect(),
        }
    }
}

/// The use of one connection pool at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    pub pool: &'static str,
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

fn sqlite_stats(name: &'static str, c: &sea_orm::DatabaseConnection) -> PoolStats {
    let p = c.get_sqlite_connection_pool();
    PoolStats {
        pool: name,
        open: p.size(),
        idle: p.num_idle() as u32,
        max: p.options().get_max_connections(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_of_a_sqlite_url_is_found() {
        assert_eq!(
            sqlite_path("sqlite://salesdesk.db"),
            Some(PathBuf::from("salesdesk.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/sd/x.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/sd/x.db"))
        );
        assert_eq!(sqlite_path("sqlite:a.db"), Some(PathBuf::from("a.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }

    #[tokio::test]
    async fn a_database_with_a_migration_this_binary_does_not_know_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("new.db").display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        assert!(db.pending_migration_names().await.unwrap().is_empty());
        assert_eq!(
            db.schema_version().await.unwrap(),
            known_migrations().last().cloned()
        );
        db.write
            .execute_unprepared(
                "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m9999_from_the_future', 0)",
            )
            .await
            .unwrap();
        let err = db.migrate().await.unwrap_err().to_string();
        assert!(err.contains("newer"), "{err}");
        assert!(err.contains("m9999_from_the_future"), "{err}");
    }

    #[tokio::test]
    async fn a_new_database_has_every_migration_pending_and_no_version() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
        let db = Db::connect(&url).await.unwrap();
        assert_eq!(db.schema_version().await.unwrap(), None);
        assert_eq!(
            db.pending_migration_names().await.unwrap(),
            known_migrations()
        );
    }

    #[tokio::test]
    async fn an_open_database_cannot_be_locked_for_a_restore_until_it_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("busy.db");
        let db = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        assert!(lock_exclusive(&file).unwrap().is_none());
        db.close().await.unwrap();
        let held = lock_exclusive(&file).unwrap();
        assert!(held.is_some());
        let err = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("being restored"), "{err}");
    }
}
