//! Use cases of salesdesk: one public async function per thing a user does.
//!
//! Each use case takes the acting person's [`Ctx`], checks the permission rules of
//! `salesdesk_domain::access`, runs in one database transaction, and writes the audit record in
//! that same transaction. Handlers in the web crate call exactly one of these and render the
//! result; they hold no rules of their own.

pub mod archive;
pub mod assignment;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod backups;
pub mod batch;
pub mod cache;
pub mod calendar;
pub mod calendar_feed;
pub mod choices;
pub mod clock;
pub mod collection_reminders;
pub mod collections;
pub mod contacts;
pub mod contracts;
pub mod customers;
pub mod dashboard;
pub mod datagen;
pub mod deals;
pub mod demo;

pub mod error;
pub mod expenses;
pub mod export;
pub mod export_rights;
pub mod idempotency;
pub mod import;
pub mod intake_keys;
pub mod jobs;
pub mod likely;
pub mod list_export;
pub mod meter;
pub mod notifications;
pub mod ops;
pub mod org;
pub mod password;
pub mod people;
pub mod pool;
pub mod presales;
pub mod products;
pub mod quotes;
pub mod records;
pub mod routing;
pub mod saved_filters;
pub mod settings;
pub mod status;
pub mod throttles;
pub mod timeline;
pub mod trials;
pub mod trials_dashboard;
pub mod xlsx;

use std::time::Duration;

use salesdesk_domain::Actor;
pub use salesdesk_store::{Db, Engine, Page, Paged, StoreError, statements};

pub use clock::Clock;
pub use error::{AppError, Result};

/// Settings the use cases need. Part of the binary's `Config`.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a browser session lives without activity.
    pub session_idle: Duration,
    /// How long an API token from `POST /api/v1/sessions` lives.
    pub api_token_ttl: Duration,
    /// Login throttling: back-off per login, per address, per known device.
    pub login: LoginThrottle,
    /// The time login throttling goes by (manual in tests).
    pub clock: Clock,
    /// The company's time zone, for display and for calendar rules.
    pub time_zone: chrono_tz::Tz,
    /// How long hot reads (sessions, directory, regions) may be served from this process's
    /// memory; bounds how late a write made by *another* process is seen. Zero disables.
    pub read_cache_ttl: Duration,
    /// Customers an import writes per transaction (issue 9): another write waits for one such
    /// transaction at most, not for the whole import.
    pub import_chunk_rows: usize,
    /// How long an import run's claim lasts unless renewed (renewed every third of it); a run
    /// whose lease ran out is taken over, its rows removed and shown as interrupted.
    pub import_lease: Duration,
    /// Awaited after each committed chunk of an import: tests pause a run here. `None` in
    /// production.
    pub import_chunk_hook: Option<import::ChunkHook>,
    /// How long a job runner's claim on a job lasts unless renewed (renewed every third of it
    /// while the job runs); a job whose lease ran out is taken over and retried.
    pub job_lease: Duration,
    /// How often an idle job runner looks for due jobs and schedules.
    pub job_poll: Duration,
    /// The wait before a failed job's second attempt; it doubles with each further one.
    pub job_retry_base: Duration,
    /// Where attachments are stored (`attachments::Attachments`); backups include it.
    pub attachments_dir: std::path::PathBuf,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_idle: Duration::from_secs(12 * 3600),
            api_token_ttl: Duration::from_secs(30 * 24 * 3600),
            login: LoginThrottle::default(),
            clock: Clock::system(),
            time_zone: chrono_tz::Asia::Shanghai,
            read_cache_ttl: Duration::from_secs(1),
            import_chunk_rows: import::CHUNK_ROWS,
            import_lease: import::LEASE,
            import_chunk_hook: None,
            job_lease: jobs::LEASE,
            job_poll: jobs::POLL,
            job_retry_base: jobs::RETRY_BASE,
            attachments_dir: std::path::PathBuf::from("data/attachments"),
        }
    }
}

/// How failed logins slow down further attempts (`domain::throttle::Backoff` for each counter).
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    /// Failed logins per login string (and per known device) that cost no waiting.
    pub account_free: u32,
    /// Failed logins per client address that cost no waiting (one proxy may front a whole
    /// company, so more than per account).
    pub address_free: u32,
    /// The first delay; it doubles with every further failure.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
    /// A counter without attempts for this long starts again from zero (never less than `max`).
    pub forget_after: Duration,
    /// A known device not used for this long is forgotten.
    pub device_ttl: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            account_free: 5,
            address_free: 30,
            base: Duration::from_secs(1),
            max: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
            device_ttl: Duration::from_secs(180 * 86_400),
        }
    }
}

impl LoginThrottle {
    fn backoff(&self, free: u32) -> salesdesk_domain::throttle::Backoff {
        let td =
            |d: Duration| chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::days(365));
        salesdesk_domain::throttle::Backoff {
            free,
            base: td(self.base),
            max: td(self.max),
            forget_after: td(self.forget_after),
        }
    }

    /// The back-off of a login string or a known device.
    pub fn account(&self) -> salesdesk_domain::throttle::Backoff {
        self.backoff(self.account_free)
    }

    /// The back-off of a client address.
    pub fn address(&self) -> salesdesk_domain::throttle::Backoff {
        self.backoff(self.address_free)
    }
}

/// The application: the database and the settings. Built once, shared by every request.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub config: AppConfig,
    cache: std::sync::Arc<cache::ReadCache>,
    jobs: std::sync::Arc<jobs::Counters>,
    /// The intake's rate windows and key uses, counted in memory (`meter`).
    pub(crate) meters: std::sync::Arc<meter::Meters>,
    /// The open loads of the intake's least-load picks (`assignment::pick_for_intake`).
    pub(crate) loads: std::sync::Arc<assignment::Loads>,
    /// The intake's group commit (`trials`): applications waiting for the writer's turn.
    pub(crate) intake_group: std::sync::Arc<trials::IntakeGroup>,
}

impl App {
    pub fn new(db: Db, config: AppConfig) -> App {
        let cache = std::sync::Arc::new(cache::ReadCache::new(config.read_cache_ttl));
        App {
            db,
            config,
            cache,
            jobs: Default::default(),
            meters: Default::default(),
            loads: Default::default(),
            intake_group: Default::default(),
        }
    }

    /// This process's job runs and failures (`/metrics`).
    pub fn job_counters(&self) -> &jobs::Counters {
        &self.jobs
    }

    /// Serves a read from the cache, or loads and caches it. The generation is taken before the
    /// load, so a write that commits during the load makes the stored value stale at once.
    pub(crate) async fn cached_arc<T, F>(&self, key: String, load: F) -> Result<std::sync::Arc<T>>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T>>,
    {
        let generation = if of_directory(&key) {
            self.db.directory_generation()
        } else {
            self.db.generation()
        };
        if let Some(v) = self.cache.get::<T>(&key, generation) {
            return Ok(v);
        }
        let v = std::sync::Arc::new(load.await?);
        self.cache.put(key, generation, v.clone());
        Ok(v)
    }

    /// A cached value stored under `generation` ([`salesdesk_store::Db::generation`], or
    /// [`salesdesk_store::Db::directory_generation`] for a key of the directory, read before the
    /// load it came from), if still valid; for reads that are cached only sometimes.
    pub(crate) fn cache_get<T: Copy + Send + Sync + 'static>(
        &self,
        key: &str,
        generation: u64,
    ) -> Option<T> {
        self.cache.get::<T>(key, generation).map(|v| *v)
    }

    /// Stores a value read after `generation` was taken (see [`App::cache_get`]).
    pub(crate) fn cache_put<T: Send + Sync + 'static>(&self, key: String, generation: u64, v: T) {
        self.cache.put(key, generation, std::sync::Arc::new(v));
    }

    /// As [`App::cached_arc`], for small values that callers want to own.
    pub(crate) async fn cached<T, F>(&self, key: String, load: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T>>,
    {
        Ok(self.cached_arc(key, load).await?.as_ref().clone())
    }
}

/// Whether a cached read is of the directory — sessions, people and their scopes, regions, the
/// administrator's lists, settings, products, the business calendar, intake keys, the routing
/// table, the assignment rules' modes and who takes part in them — which no transaction committed with
/// [`salesdesk_store::Db::commit_records`] (customer records only) can change: such entries
/// survive those commits (issue 11: every create used to empty them, and the next request read
/// the session, the people and the scope again; issue 12: every application re-read the
/// settings, the products and the calendar). Anything else — unread counts, dashboards,
/// approvals — is stale after any commit.
fn of_directory(key: &str) -> bool {
    const PREFIXES: [&str; 16] = [
        "session:",
        "display_names",
        "scope:",
        "person:",
        "reports:",
        "people:",
        "region_rows",
        "regions",
        "choices",
        "settings",
        "active_salespeople",
        "products",
        "calendar",
        "intake_key:",
        "region_routes",
        "assign:",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Who is acting, and from where: given to every use case, recorded in the audit log.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub display_name: String,
    pub login: String,
    pub locale: String,
    pub session_id: Option<i64>,
    pub must_change_password: bool,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Ctx {
    /// The context of the command line (no person, no session): used by `salesdesk user add`
    /// and the demo loader. Audit records show no actor for it.
    pub fn system() -> Ctx {
        Ctx {
            actor: Actor {
                user_id: 0,
                position: None,
                is_admin: true,
                region_id: None,
            },
            display_name: "system".into(),
            login: "system".into(),
            locale: "zh-CN".into(),
            session_id: None,
            must_change_password: false,
            ip: None,
            request_id: None,
        }
    }

    /// The actor id for audit records (`None` for the command line).
    pub fn actor_id(&self) -> Option<i64> {
        (self.actor.user_id != 0).then_some(self.actor.user_id)
    }

    pub(crate) fn audit(
        &self,
        action: &str,
        entity_type: &str,
        entity_id: Option<i64>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> salesdesk_store::audit::NewAudit {
        salesdesk_store::audit::NewAudit {
            actor_id: self.actor_id(),
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id,
            before,
            after,
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// Supported interface languages; the first is the default.
pub const LOCALES: [&str; 2] = ["zh-CN", "en"];
