//! Use cases of salesdesk: one public async function per thing a user does.
//!
//! Each use case takes the acting person's [`Ctx`], checks the permission rules of
//! `salesdesk_domain::access`, runs in one database transaction, and writes the audit record in
//! that same transaction. Handlers in the web crate call exactly one of these and render the
//! result; they hold no rules of their own.

pub mod assignment;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod choices;
pub mod contacts;
pub mod customers;
pub mod datagen;
pub mod demo;

pub mod error;
pub mod export;
pub mod import;
pub mod notifications;
pub mod ops;
pub mod org;
pub mod password;
pub mod people;
pub mod pool;
pub mod records;
pub mod saved_filters;
pub mod settings;
pub mod status;

use std::time::Duration;

use salesdesk_domain::Actor;
pub use salesdesk_store::{Db, Engine, Page, Paged, StoreError};

pub use error::{AppError, Result};

/// Settings the use cases need. Part of the binary's `Config`.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a browser session lives without activity.
    pub session_idle: Duration,
    /// How long an API token from `POST /api/v1/sessions` lives.
    pub api_token_ttl: Duration,
    /// Failed passwords in a row after which an account is locked.
    pub lockout_threshold: i32,
    /// How long a locked account stays locked.
    pub lockout_duration: Duration,
    /// Failed logins from one address within `ip_window` after which that address is refused.
    pub ip_failure_limit: u64,
    pub ip_window: Duration,
    /// The company's time zone, for display and for calendar rules.
    pub time_zone: chrono_tz::Tz,
    /// How long hot reads (sessions, directory, regions) may be served from this process's
    /// memory; bounds how late a write made by *another* process is seen. Zero disables.
    pub read_cache_ttl: Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_idle: Duration::from_secs(12 * 3600),
            api_token_ttl: Duration::from_secs(30 * 24 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            ip_failure_limit: 30,
            ip_window: Duration::from_secs(15 * 60),
            time_zone: chrono_tz::Asia::Shanghai,
            read_cache_ttl: Duration::from_secs(1),
        }
    }
}

/// The application: the database and the settings. Built once, shared by every request.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub config: AppConfig,
    cache: std::sync::Arc<cache::ReadCache>,
}

impl App {
    pub fn new(db: Db, config: AppConfig) -> App {
        let cache = std::sync::Arc::new(cache::ReadCache::new(config.read_cache_ttl));
        App { db, config, cache }
    }

    /// Serves a read from the cache, or loads and caches it. The generation is taken before the
    /// load, so a write that commits during the load makes the stored value stale at once.
    pub(crate) async fn cached_arc<T, F>(&self, key: String, load: F) -> Result<std::sync::Arc<T>>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T>>,
    {
        let generation = self.db.generation();
        if let Some(v) = self.cache.get::<T>(&key, generation) {
            return Ok(v);
        }
        let v = std::sync::Arc::new(load.await?);
        self.cache.put(key, generation, v.clone());
        Ok(v)
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
