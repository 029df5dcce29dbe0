//! Database access for salesdesk: the only crate that speaks to the database library.
//!
//! One set of entities ([`entity`]), migrations ([`migration`]) and queries (one module per
//! table) serves SQLite and PostgreSQL alike; which one is used is chosen by the URL given to
//! [`Db::connect`]. Query functions take any connection — the pool or an open transaction — so
//! that a use case in the app crate can run several of them in one transaction.

pub mod assignment;
pub mod audit;
pub mod bulk;
pub mod calendar;
pub mod calendar_feeds;
pub mod choices;
pub mod collections;
pub mod contact_records;
pub mod contacts;
pub mod contracts;
pub mod customers;
pub mod dashboard;
pub mod deals;
mod deltas;
pub mod entity;
pub mod expenses;
mod foreign_keys;
pub mod idempotency_keys;
pub mod import_contacts;
pub mod imports;
pub mod intake_keys;
pub mod jobs;
pub mod likely;
pub mod login_devices;
pub mod login_throttles;
pub mod maintenance;
pub mod migration;
mod nodelay;
pub mod notifications;
pub mod owner_history;
pub mod presales;
pub mod products;
pub mod quotes;
pub mod region_routes;
pub mod regions;
pub mod saved_filters;
pub mod sessions;
pub mod settings;
pub mod statements;
pub mod status_requests;
pub mod trials;
pub mod users;
mod violation;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

pub use sea_orm::{ConnectionTrait as Conn, DatabaseTransaction as Tx};
pub use violation::{Violation, collided, violation};

/// Errors of the storage layer. The detail is for the log, never for the user.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// An operation on the database as a whole could not be done (in use, newer schema, files).
    #[error("{0}")]
    Ops(String),
}

impl StoreError {
    /// True when the write broke a unique index (a race the use case's own check did not see).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))))
    }

    /// Which of the database's multi-row rules the write broke, by the index's identity
    /// ([`violation()`]).
    pub fn violation(&self) -> Option<Violation> {
        match self {
            StoreError::Db(e) => violation(e),
            StoreError::UnsupportedUrl(_) | StoreError::Ops(_) => None,
        }
    }

    /// The transaction collided with a concurrent one and was rolled back whole
    /// ([`collided()`]): the same request again succeeds.
    pub fn collided(&self) -> bool {
        matches!(self, StoreError::Db(e) if collided(e))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A savepoint inside `tx`: committing it keeps its writes in `tx`, dropping or rolling it back
/// undoes them alone (an import records each row's payment in one, so a refused row leaves
/// nothing while the others stay in the one transaction).
pub async fn savepoint(tx: &Tx) -> Result<Tx> {
    use sea_orm::TransactionTrait;
    Ok(tx.begin().await?)
}

/// Locks one row of `E` by id until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite has
/// one writer at a time anyway), reading nothing but its id. Taken before a use case counts or
/// reads rows that a rule over several rows depends on ("Rules over several rows" in
/// docs/ARCHITECTURE.md).
pub(crate) async fn lock_row<E>(c: &impl Conn, id: i64) -> Result<()>
where
    E: sea_orm::EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    use sea_orm::{Iterable, PrimaryKeyToColumn, QuerySelect};
    let mut q = E::find_by_id(id).select_only();
    for key in E::PrimaryKey::iter() {
        q = q.column(key.into_column());
    }
    q.lock_exclusive().into_tuple::<i64>().one(c).await?;
    Ok(())
}

/// Makes `tx` an asynchronous commit: it commits without waiting for the disk (PostgreSQL
/// `SET LOCAL synchronous_commit = off`; SQLite in WAL mode with `synchronous=NORMAL` does not
/// wait at commit anyway). Only for writes that may be lost in a crash of the machine — their
/// last half second — without harm: a region's round-robin turn (a lost move repeats one
/// person's turn). On a disk that takes milliseconds per flush, a transaction of a few
/// microseconds' work otherwise holds its connection (and its row lock) for those milliseconds.
pub async fn asynchronous_commit(tx: &Tx) -> Result<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SET LOCAL synchronous_commit = off")
            .await?;
    }
    Ok(())
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Reads the scheme of a database URL. Anything but `sqlite:` and `postgres(ql):` is refused,
    /// so that a typo never turns into a new empty database file.
    pub fn of_url(url: &str) -> Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }
}

/// A URL that insists on TLS (`sslmode=require`, `verify-ca`, `verify-full`) needs a binary built
/// with the `postgres-tls` feature; say so and how, instead of sqlx's error at first connect.
fn require_tls_support(mode: sea_orm::sqlx::postgres::PgSslMode) -> Result<()> {
    use sea_orm::sqlx::postgres::PgSslMode;
    let required = matches!(
        mode,
        PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull
    );
    if required && !cfg!(feature = "postgres-tls") {
        return Err(StoreError::Ops(
            "the database URL asks for TLS (sslmode=require/verify-ca/verify-full) but this \
             binary was built without it: build with `cargo build --release --features \
             postgres-tls`, or connect over a trusted network with sslmode=disable/prefer"
                .into(),
        ));
    }
    Ok(())
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _password)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// Page request for every list: 1-based page number and page size (at most [`Page::MAX_SIZE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u64,
    pub size: u64,
}

impl Page {
    pub const MAX_SIZE: u64 = 200;
    pub const DEFAULT_SIZE: u64 = 50;
    /// Beyond this page number nothing is listed anyway; the cap keeps OFFSET in range.
    pub const MAX_NUMBER: u64 = 1_000_000;

    /// Clamps whatever the client asked for into a valid page.
    pub fn new(number: Option<u64>, size: Option<u64>) -> Page {
        Page {
            number: number.unwrap_or(1).clamp(1, Self::MAX_NUMBER),
            size: size.unwrap_or(Self::DEFAULT_SIZE).clamp(1, Self::MAX_SIZE),
        }
    }

    pub fn offset(&self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

/// One page of results and the total number of matching rows.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// The number of matching rows; a lower bound when `total_exact` is false.
    pub total: u64,
    /// False when counting stopped early (large customer lists): at least `total` rows match.
    pub total_exact: bool,
    pub page: Page,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            total_exact: self.total_exact,
            page: self.page,
        }
    }

    /// The number of pages known to exist: with an inexact total, at least one past this one
    /// while this one is full.
    pub fn pages(&self) -> u64 {
        let counted = self.total.div_ceil(self.page.size).max(1);
        if self.total_exact || (self.items.len() as u64) < self.page.size {
            counted
        } else {
            counted.max(self.page.number + 1)
        }
    }
}

/// Runs an ordered query for one page, and counts all its rows. The order must end with the id,
/// so that pages never overlap or skip rows.
pub async fn paginate<E>(
    c: &impl Conn,
    q: sea_orm::Select<E>,
    page: Page,
) -> Result<Paged<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::{PaginatorTrait, QuerySelect};
    let total = q.clone().count(c).await?;
    let items = q.offset(page.offset()).limit(page.size).all(c).await?;
    Ok(Paged {
        items,
        total,
        total_exact: true,
        page,
    })
}

/// As [`paginate`], counting at most `cap` + 1 rows: a page that is not full ends the list, so
/// its total needs no count; otherwise the count stops past `cap` and the total is then a lower
/// bound (`total_exact` false: "10,000+"). For lists that can hold hundreds of thousands of
/// rows where an exact count would cost more than the page (the expense claims).
pub async fn paginate_capped<E>(
    c: &impl Conn,
    q: sea_orm::Select<E>,
    page: Page,
    cap: u64,
) -> Result<Paged<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::QuerySelect;
    let items = q
        .clone()
        .offset(page.offset())
        .limit(page.size)
        .all(c)
        .await?;
    let shown = items.len() as u64;
    if shown < page.size && (shown > 0 || page.number == 1) {
        return Ok(Paged {
            total: page.offset() + shown,
            items,
            total_exact: true,
            page,
        });
    }
    // Not `count()`: sea-orm's count drops the LIMIT, and the LIMIT is the point.
    let mut inner = sea_orm::QueryTrait::into_query(q);
    inner
        .clear_selects()
        .expr(sea_orm::sea_query::Expr::val(1))
        .clear_order_by()
        .limit(cap + 1);
    let count = sea_orm::sea_query::Query::select()
        .expr(sea_orm::sea_query::Expr::cust("COUNT(*) AS n"))
        .from_subquery(inner, sea_orm::sea_query::Alias::new("capped"))
        .to_owned();
    let counted = match c.query_one(&count).await? {
        Some(r) => u64::try_from(r.try_get::<i64>("", "n")?).unwrap_or(0),
        None => 0,
    };
    Ok(Paged {
        items,
        total: counted.min(cap),
        total_exact: counted <= cap,
        page,
    })
}

/// The rows of `q` with an id above `after`, by id, at most `limit`: a keyset page, for the
/// exports that read a whole list without holding it (the id column is `id`).
pub async fn after_id<E, C>(
    c: &impl Conn,
    q: sea_orm::Select<E>,
    id: C,
    after: i64,
    limit: u64,
) -> Result<Vec<E::Model>>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ColumnTrait,
{
    use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
    Ok(q.filter(id.gt(after))
        .order_by_asc(id)
        .limit(limit)
        .all(c)
        .await?)
}

/// A new `application_name` for the PostgreSQL connections of one [`Db`]: `salesdesk/<pid>/<n>`.
fn application_name() -> String {
    static HANDLES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = HANDLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("salesdesk/{}/{n}", std::process::id())
}

/// Connections of the PostgreSQL read pool (the SQLite one has twice as many): the machine's
/// cores, at least two.
fn pool_size() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() as u32)
        .max(2)
}

/// The database handle: a pool for reads and one for writes.
///
/// On SQLite every write transaction goes through a single connection, so writers queue in the
/// process instead of failing with `SQLITE_BUSY`, while reads run in parallel (WAL). On
/// PostgreSQL the read pool has as many connections as the machine has cores, the write pool
/// twice as many.
#[derive(Clone)]
pub struct Db {
    read: DatabaseConnection,
    write: DatabaseConnection,
    engine: Engine,
    /// Bumped after every committed write of this process: read caches above compare it to
    /// know that what they hold may be stale.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Bumped after every committed write except those committed with [`Db::commit_records`]
    /// (customer records only): caches of the directory — sessions, people, regions, lists,
    /// settings — compare it, so that creating customers does not empty them.
    directory: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// SQLite: the shared lock that tells `salesdesk restore` the file is in use
    /// (`maintenance::lock_path`); released when the last clone is dropped.
    _in_use: Option<std::sync::Arc<std::fs::File>>,
    /// The URL it was opened with (may hold a password: never logged, not in `Debug`); the
    /// scheduled backup hands it to `pg_dump`.
    url: std::sync::Arc<str>,
    /// PostgreSQL: the `application_name` both pools' connections carry (`salesdesk/<pid>/<n>`),
    /// so that [`Db::other_sessions`] leaves out this handle's own connections.
    application_name: String,
    /// The write pool's size.
    write_connections: u32,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("engine", &self.engine).finish()
    }
}

fn sqlite_options(opts: SqliteConnectOptions) -> SqliteConnectOptions {
    // The connection's thread hands rows over through a channel of this many; at sqlx's 50, a
    // page of 50 rows stalled the thread on its last row until the request had taken the rest
    // (one more sleep and wake-up per page).
    opts.row_buffer_size(256)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
}

impl Db {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        let engine = Engine::of_url(url)?;
        match engine {
            Engine::Sqlite => {
                let in_use = match maintenance::sqlite_path(url) {
                    Some(p) => Some(std::sync::Arc::new(maintenance::lock_shared(&p)?)),
                    None => None,
                };
                let mut write = ConnectOptions::new(url);
                // A local file cannot drop a connection: no ping before each checkout (sqlx's
                // default doubles the cost of every query).
                write
                    .max_connections(1)
                    .min_connections(1)
                    .test_before_acquire(false)
                    .sqlx_logging(false)
                    .map_sqlx_sqlite_opts(sqlite_options);
                let mut write = Database::connect(write).await?;
                write.set_metric_callback(statements::observe);
                let mut read = ConnectOptions::new(url);
                // Twice the cores (issue 11): reads are CPU-bound here, so more connections than
                // that only add threads and page caches (memory), not throughput.
                read.max_connections(2 * pool_size())
                    .min_connections(1)
                    .test_before_acquire(false)
                    .sqlx_logging(false)
                    .map_sqlx_sqlite_opts(sqlite_options);
                let mut read = Database::connect(read).await?;
                read.set_metric_callback(statements::observe);
                Ok(Db {
                    read,
                    write,
                    engine,
                    generation: Default::default(),
                    directory: Default::default(),
                    _in_use: in_use,
                    url: url.into(),
                    application_name: String::new(),
                    write_connections: 1,
                })
            }
            Engine::Postgres => {
                let parsed = url.parse::<sea_orm::sqlx::postgres::PgConnectOptions>();
                if let Ok(o) = &parsed {
                    require_tls_support(o.get_ssl_mode())?;
                }
                let port = parsed.map(|o| o.get_port()).unwrap_or(5432);
                // A pool for reads as large as the machine has cores, and one for transactions
                // twice that: more connections than cores only queue inside PostgreSQL and cost
                // ~8 MiB each (issue 11: 16 connections were 132 MiB of PSS), but a transaction
                // may wait on a row lock holding its connection, and others must still get one.
                // Two pools, not one, so that a transaction's reads outside it never wait for a
                // connection that another transaction holds.
                let size = pool_size();
                let name = application_name();
                let connect = |size: u32| {
                    let mut opts = ConnectOptions::new(url);
                    // Ping only connections idle long enough to have been dropped by the server
                    // or a proxy, not every checkout.
                    opts.max_connections(size)
                        .min_connections(1)
                        .test_before_acquire_if_idle_for(Duration::from_secs(30))
                        .acquire_timeout(Duration::from_secs(10))
                        .sqlx_logging(false);
                    // Names this handle's connections in `pg_stat_activity`, so that
                    // `other_sessions` can leave all of them out (two pools, not one backend).
                    // No parallel query: on a machine of a few cores serving many requests, the
                    // workers take the cores of other requests, and each plan's start costs more
                    // than the small reads here save (issue 13: one region's receivables ageing
                    // 13.0 → 2.4 ms p50, its list 14.1 → 5.8, where the planner's estimates of
                    // a few index seeks were high enough to start two workers).
                    let name = name.clone();
                    opts.map_sqlx_postgres_opts(move |o| {
                        o.application_name(&name)
                            .options([("max_parallel_workers_per_gather", "0")])
                    });
                    opts.map_sqlx_postgres_pool_opts(move |pool| {
                        pool.after_connect(move |_, _| {
                            Box::pin(async move {
                                nodelay::set_on_sockets_to(port);
                                Ok(())
                            })
                        })
                    });
                    Database::connect(opts)
                };
                let mut write = connect(2 * size).await?;
                write.set_metric_callback(statements::observe);
                let mut read = connect(size).await?;
                read.set_metric_callback(statements::observe);
                Ok(Db {
                    read,
                    write,
                    engine,
                    generation: Default::default(),
                    directory: Default::default(),
                    _in_use: None,
                    url: url.into(),
                    application_name: name,
                    write_connections: 2 * size,
                })
            }
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The URL this handle was opened with. It may carry a password: do not log it (see
    /// [`redact_url`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection for reads outside a transaction.
    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    /// How many connections the write pool has (SQLite: one).
    pub fn write_connections(&self) -> u32 {
        self.write_connections
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// Commits a use case's transaction, then marks every cached read of this process stale.
    pub async fn commit(&self, tx: Tx) -> Result<()> {
        tx.commit().await?;
        self.directory
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Commits a transaction that wrote customer records only — customers, their contacts,
    /// duplicate keys, owner history, notifications, audit rows — and none of the directory
    /// (sessions, users, regions, lists, settings, saved filters): cached reads of the directory
    /// stay valid ([`Db::directory_generation`]), every other cached read is stale.
    pub async fn commit_records(&self, tx: Tx) -> Result<()> {
        tx.commit().await?;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// As [`Db::generation`], for reads of the directory: unchanged by
    /// [`Db::commit_records`].
    pub fn directory_generation(&self) -> u64 {
        self.directory.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The number of writes this process has committed; changes whenever cached reads may be
    /// stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Applies all pending migrations. Safe to call on every start. Refuses a database that a
    /// newer salesdesk has migrated ([`Db::check_not_newer`]).
    pub async fn migrate(&self) -> Result<()> {
        self.check_not_newer().await?;
        migration::Migrator::up(&self.write, None).await?;
        Ok(())
    }

    /// Number of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<usize> {
        Ok(migration::Migrator::pending(&self.write).await?.len())
    }

    /// A trivial query, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        self.read.ping().await?;
        Ok(())
    }

    /// Closes both pools (for a clean shutdown, and for tests that drop their database).
    pub async fn close(self) -> Result<()> {
        self.write.close().await?;
        self.read.close().await?;
        Ok(())
    }

    /// The backend, for the few statements that must be built by hand.
    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }
}

/// A fixed code (a status, a kind: lower-case ASCII letters, digits and `_`) written into the SQL
/// as a literal instead of a bound value. For hot statements whose condition on an indexed column
/// takes one of a few codes: SQLite (built with `SQLITE_ENABLE_STAT4`) marks a statement whose
/// plan looked at a bound value as expiring whenever that value is bound again, and then parses
/// and plans it anew at every run (issue 11: 10 % of the customer list's CPU). A literal gives
/// each code its own cached statement, planned once. Anything but such a code is refused here
/// (`None`), and the caller binds it as usual.
pub(crate) fn code_literal(code: &str) -> sea_orm::sea_query::Expr {
    try_code_literal(code).unwrap_or_else(|| sea_orm::sea_query::Expr::val(code.to_string()))
}

/// As [`code_literal`], `None` for anything that is not a plain code.
pub(crate) fn try_code_literal(code: &str) -> Option<sea_orm::sea_query::Expr> {
    let plain = !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    plain.then(|| sea_orm::sea_query::Expr::cust(format!("'{code}'")))
}

/// The current time, truncated to microseconds (what PostgreSQL keeps), so that a value read back
/// equals the value written on both engines.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let t = chrono::Utc::now();
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_url_schemes_are_refused_and_passwords_redacted() {
        assert_eq!(Engine::of_url("sqlite://x.db").unwrap(), Engine::Sqlite);
        assert_eq!(
            Engine::of_url("postgres://u@h/db").unwrap(),
            Engine::Postgres
        );
        assert_eq!(
            Engine::of_url("postgresql://u@h/db").unwrap(),
            Engine::Postgres
        );
        let err = Engine::of_url("mysql://root:hunter2@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
        assert!(!err.contains("hunter2"));
        assert!(Engine::of_url("salesdesk.db").is_err());
    }

    #[cfg(not(feature = "postgres-tls"))]
    #[tokio::test]
    async fn a_url_requiring_tls_is_refused_with_how_to_build_it_when_tls_is_not_built_in() {
        let Err(err) = Db::connect("postgres://u@127.0.0.1:1/db?sslmode=require").await else {
            panic!("a URL requiring TLS was accepted");
        };
        let err = err.to_string();
        assert!(err.contains("--features postgres-tls"), "{err}");
        // `prefer` (libpq's default) and `disable` connect without TLS.
        use sea_orm::sqlx::postgres::PgSslMode;
        assert!(require_tls_support(PgSslMode::Prefer).is_ok());
        assert!(require_tls_support(PgSslMode::Disable).is_ok());
        assert!(require_tls_support(PgSslMode::VerifyFull).is_err());
    }

    #[test]
    fn pages_are_clamped() {
        assert_eq!(
            Page::new(Some(0), Some(10_000)),
            Page {
                number: 1,
                size: 200
            }
        );
        assert_eq!(Page::new(None, None).size, 50);
        assert_eq!(Page::new(Some(3), Some(20)).offset(), 40);
        assert_eq!(Page::new(Some(u64::MAX), None).number, Page::MAX_NUMBER);
    }
}
