//! The one typed configuration of the binary, loaded once: defaults → `salesdesk.toml` (or the
//! file given with `--config`) → `SALESDESK_*` environment variables → command-line flags.
//! Every setting is documented here, where it is declared.

use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on. `SALESDESK_ADDR`.
    pub addr: String,
    /// `sqlite://PATH` (created if missing) or `postgres://user:pass@host/db`.
    /// `SALESDESK_DATABASE_URL`. Any other scheme is refused.
    pub database_url: String,
    /// `text` (readable) or `json` (one object per line). `SALESDESK_LOG_FORMAT`.
    pub log_format: String,
    /// Mark cookies `Secure`; turn on when served over HTTPS. `SALESDESK_SECURE_COOKIES`.
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For`; only behind a proxy that sets it.
    pub trust_proxy: bool,
    /// Hours a browser session lives without activity.
    pub session_idle_hours: u64,
    /// Days an API token lives.
    pub api_token_days: u64,
    /// Wrong passwords in a row that lock an account.
    pub lockout_threshold: i32,
    /// Minutes a locked account stays locked.
    pub lockout_minutes: u64,
    /// Failed logins from one address within 15 minutes after which it is refused.
    pub ip_failure_limit: u64,
    /// Largest request body in bytes (larger: 413).
    pub body_limit_bytes: usize,
    /// Seconds a request may take (longer: 408).
    pub request_timeout_secs: u64,
    /// The company's time zone (IANA name).
    pub time_zone: String,
    /// Milliseconds a process may serve hot reads (sessions, directory, regions) from memory.
    /// Its own writes are seen at once; another process's after at most this long. 0 = off.
    pub read_cache_ms: u64,
    /// Bearer token for `GET /metrics` (Prometheus text format). Empty (the default) turns
    /// `/metrics` off: it answers 404. A wrong or missing token gets 401. Never logged.
    /// `SALESDESK_METRICS_TOKEN`.
    pub metrics_token: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            database_url: "sqlite://salesdesk.db".into(),
            log_format: "text".into(),
            secure_cookies: false,
            trust_proxy: false,
            session_idle_hours: 12,
            api_token_days: 30,
            lockout_threshold: 5,
            lockout_minutes: 15,
            ip_failure_limit: 30,
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            time_zone: "Asia/Shanghai".into(),
            read_cache_ms: 1000,
            metrics_token: String::new(),
        }
    }
}

/// The database URL may hold a password: it never appears in `Debug` output or logs.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field(
                "database_url",
                &salesdesk_store::redact_url(&self.database_url),
            )
            .field("log_format", &self.log_format)
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_proxy", &self.trust_proxy)
            .field("session_idle_hours", &self.session_idle_hours)
            .field("api_token_days", &self.api_token_days)
            .field("lockout_threshold", &self.lockout_threshold)
            .field("lockout_minutes", &self.lockout_minutes)
            .field("ip_failure_limit", &self.ip_failure_limit)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("time_zone", &self.time_zone)
            .field("read_cache_ms", &self.read_cache_ms)
            .field(
                "metrics_token",
                &if self.metrics_token.is_empty() {
                    "(off)"
                } else {
                    "***"
                },
            )
            .finish()
    }
}

/// Values given on the command line (only those given override the layers below).
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, String> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) if !f.exists() => return Err(format!("config file {} not found", f.display())),
            Some(f) => fig = fig.merge(Toml::file(f)),
            None => fig = fig.merge(Toml::file("salesdesk.toml")),
        }
        let cfg: Config = fig
            .merge(Env::prefixed("SALESDESK_"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| format!("configuration: {e}"))?;
        cfg.time_zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| format!("configuration: unknown time_zone {:?}", cfg.time_zone))?;
        Ok(cfg)
    }

    pub fn app(&self) -> salesdesk_app::AppConfig {
        salesdesk_app::AppConfig {
            session_idle: Duration::from_secs(self.session_idle_hours.max(1) * 3600),
            api_token_ttl: Duration::from_secs(self.api_token_days.max(1) * 86_400),
            lockout_threshold: self.lockout_threshold.max(1),
            lockout_duration: Duration::from_secs(self.lockout_minutes.max(1) * 60),
            ip_failure_limit: self.ip_failure_limit.max(1),
            ip_window: Duration::from_secs(15 * 60),
            time_zone: self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai),
            read_cache_ttl: Duration::from_millis(self.read_cache_ms),
        }
    }

    pub fn web(&self) -> salesdesk_web::WebConfig {
        salesdesk_web::WebConfig {
            secure_cookies: self.secure_cookies,
            trust_proxy: self.trust_proxy,
            body_limit: self.body_limit_bytes.max(1024),
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            metrics_token: Some(self.metrics_token.clone()).filter(|t| !t.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_password_never_shows_in_debug_output() {
        let cfg = Config {
            database_url: "postgres://sales:s3cret-pw@db.internal/salesdesk".into(),
            ..Config::default()
        };
        let cfg = Config {
            metrics_token: "m3trics-secret".into(),
            ..cfg
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(!shown.contains("m3trics-secret"), "{shown}");
        assert!(
            shown.contains("postgres://sales:***@db.internal/salesdesk"),
            "{shown}"
        );
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("salesdesk.toml");
        std::fs::write(&file, "addr = \"0.0.0.0:9000\"\nlockout_threshold = 3\n").unwrap();
        let cfg = Config::load(Some(&file), &Overrides::default()).unwrap();
        assert_eq!(cfg.addr, "0.0.0.0:9000");
        assert_eq!(cfg.lockout_threshold, 3);
        assert_eq!(cfg.database_url, "sqlite://salesdesk.db");
        let cfg = Config::load(
            Some(&file),
            &Overrides {
                addr: Some("127.0.0.1:1".into()),
                database_url: None,
            },
        )
        .unwrap();
        assert_eq!(cfg.addr, "127.0.0.1:1");
        assert!(
            Config::load(
                Some(&dir.path().join("missing.toml")),
                &Overrides::default()
            )
            .is_err()
        );
    }
}
