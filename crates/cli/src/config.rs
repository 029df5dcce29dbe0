//! The one typed configuration of the binary, loaded once: defaults → `salesdesk.toml` (or the
//! file given with `--config`) → `SALESDESK_*` environment variables → command-line flags.
//! Every setting is documented here, where it is declared.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

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
    /// Login throttling (nobody is ever locked out; further attempts wait): failed logins per
    /// login string — whether or not the person exists — and per known device that cost no
    /// waiting. After them, each further attempt waits `login_backoff_base_secs`, doubling with
    /// every failure up to `login_backoff_max_minutes`. A success forgets the login's counter.
    pub login_free_failures: u32,
    /// Failed logins per client address that cost no waiting before the address backs off the
    /// same way. Higher than per login: one proxy may front the whole company. A login from a
    /// known device (or with a live session) is not held back by the address or the login.
    pub login_address_free_failures: u32,
    /// Seconds of the first delay after the free failures.
    pub login_backoff_base_secs: u64,
    /// Minutes of the longest delay.
    pub login_backoff_max_minutes: u64,
    /// Minutes without an attempt after which a counter starts again from zero (at least
    /// `login_backoff_max_minutes`); housekeeping deletes such counters.
    pub login_forget_minutes: u64,
    /// Days a known-device cookie (set at every login, revoked by a password change or reset)
    /// stays known without use.
    pub login_device_days: u64,
    /// Old name of `login_free_failures` (accounts were locked after this many); still read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_threshold: Option<u32>,
    /// Old name of `login_backoff_max_minutes` (how long a lock lasted); still read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_minutes: Option<u64>,
    /// Old name of `login_address_free_failures` (failures per address per 15 minutes before it
    /// was refused); still read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_failure_limit: Option<u32>,
    /// Largest request body in bytes (larger: 413).
    pub body_limit_bytes: usize,
    /// Seconds a request may take (longer: 408).
    pub request_timeout_secs: u64,
    /// The company's time zone (IANA name).
    pub time_zone: String,
    /// Milliseconds a process may serve hot reads (sessions, directory, regions) from memory.
    /// Its own writes are seen at once; another process's after at most this long. 0 = off.
    pub read_cache_ms: u64,
    /// Milliseconds between two looks of an idle jobs runner for due jobs and schedules.
    /// `SALESDESK_JOBS_POLL_MS`.
    pub jobs_poll_ms: u64,
    // --- connections (slow clients cannot exhaust the server) ---
    /// Seconds a client has to send a request's complete headers, counted from opening the
    /// connection or from its first byte after an idle pause; slower connections are closed.
    /// `SALESDESK_HEADER_READ_TIMEOUT_SECS`.
    pub header_read_timeout_secs: u64,
    /// Seconds a keep-alive connection may stay idle between requests before it is closed.
    /// `SALESDESK_IDLE_TIMEOUT_SECS`.
    pub idle_timeout_secs: u64,
    /// Connections served at once; more are answered 503 and closed. Lowered at start to what
    /// the open-file limit allows (the soft limit is first raised to the hard one).
    /// `SALESDESK_MAX_CONNECTIONS`.
    pub max_connections: usize,
    /// Connections one client address (IPv4 address, IPv6 /64) may hold at once; more are
    /// answered 429 and closed. 0 = no cap. Behind a reverse proxy or one company NAT every
    /// browser shares one address: raise it, or set 0 and let the proxy cap clients.
    /// `SALESDESK_MAX_CONNECTIONS_PER_PEER`.
    pub max_connections_per_peer: usize,
    /// Bearer token for `GET /metrics` (Prometheus text format). Empty (the default) turns
    /// `/metrics` off: it answers 404. A wrong or missing token gets 401. Never logged.
    /// `SALESDESK_METRICS_TOKEN`.
    pub metrics_token: String,
    /// Directory of attachments (contracts, receipts, knowledge base), created at start and
    /// included in every backup. Empty (the default): `attachments` beside the SQLite file
    /// (`/var/lib/salesdesk/salesdesk.db` → `/var/lib/salesdesk/attachments`), or
    /// `./data/attachments` for PostgreSQL. With several servers, a directory they all share.
    /// `SALESDESK_ATTACHMENTS_DIR`.
    pub attachments_dir: String,
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
            login_free_failures: 5,
            login_address_free_failures: 30,
            login_backoff_base_secs: 1,
            login_backoff_max_minutes: 15,
            login_forget_minutes: 60,
            login_device_days: 180,
            lockout_threshold: None,
            lockout_minutes: None,
            ip_failure_limit: None,
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            time_zone: "Asia/Shanghai".into(),
            read_cache_ms: 1000,
            jobs_poll_ms: 500,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 4096,
            max_connections_per_peer: 512,
            metrics_token: String::new(),
            attachments_dir: String::new(),
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
            .field("login_free_failures", &self.login_free_failures)
            .field(
                "login_address_free_failures",
                &self.login_address_free_failures,
            )
            .field("login_backoff_base_secs", &self.login_backoff_base_secs)
            .field("login_backoff_max_minutes", &self.login_backoff_max_minutes)
            .field("login_forget_minutes", &self.login_forget_minutes)
            .field("login_device_days", &self.login_device_days)
            .field("lockout_threshold", &self.lockout_threshold)
            .field("lockout_minutes", &self.lockout_minutes)
            .field("ip_failure_limit", &self.ip_failure_limit)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("time_zone", &self.time_zone)
            .field("read_cache_ms", &self.read_cache_ms)
            .field("jobs_poll_ms", &self.jobs_poll_ms)
            .field("header_read_timeout_secs", &self.header_read_timeout_secs)
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_peer", &self.max_connections_per_peer)
            .field(
                "metrics_token",
                &if self.metrics_token.is_empty() {
                    "(off)"
                } else {
                    "***"
                },
            )
            .field("attachments_dir", &self.attachments_dir)
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
        Self::load_from(file, overrides, std::env::vars())
    }

    /// The layers, each replacing the keys it sets: defaults, the file, `SALESDESK_*` variables
    /// (name after the prefix in lower case; unknown names are ignored, as unknown file keys
    /// are), then the flags given.
    fn load_from(
        file: Option<&Path>,
        overrides: &Overrides,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, String> {
        let defaults = Table::try_from(Config::default()).map_err(|e| format!("defaults: {e}"))?;
        let mut layers = defaults.clone();
        let file = match file {
            Some(f) if !f.exists() => return Err(format!("config file {} not found", f.display())),
            Some(f) => Some(f),
            None => Some(Path::new("salesdesk.toml")).filter(|f| f.exists()),
        };
        if let Some(f) = file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("config file {}: {e}", f.display()))?;
            let table: Table = text
                .parse()
                .map_err(|e| format!("config file {}: {e}", f.display()))?;
            layers.extend(table);
        }
        for (name, raw) in env {
            if let Some(key) = name.strip_prefix("SALESDESK_") {
                let key = key.to_ascii_lowercase();
                let value = env_value(defaults.get(&key), &raw)
                    .map_err(|why| format!("configuration: {name}: {why}, got {raw:?}"))?;
                layers.insert(key, value);
            }
        }
        layers.extend(Table::try_from(overrides).map_err(|e| format!("flags: {e}"))?);
        let mut cfg: Config = Value::Table(layers)
            .try_into()
            .map_err(|e| format!("configuration: {e}"))?;
        cfg.time_zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| format!("configuration: unknown time_zone {:?}", cfg.time_zone))?;
        cfg.read_old_lockout_settings();
        Ok(cfg)
    }

    /// The lockout settings of before issue 9 still mean what they meant, as well as throttling
    /// can: a file or environment that sets them keeps its numbers (the old name wins over the
    /// new default, and is reported once in the log at start).
    fn read_old_lockout_settings(&mut self) {
        if let Some(n) = self.lockout_threshold {
            self.login_free_failures = n;
        }
        if let Some(m) = self.lockout_minutes {
            self.login_backoff_max_minutes = m;
        }
        if let Some(n) = self.ip_failure_limit {
            self.login_address_free_failures = n;
        }
    }

    /// Old setting names in use, with their new names, for a warning at start.
    pub fn old_names_in_use(&self) -> Vec<(&'static str, &'static str)> {
        [
            (
                self.lockout_threshold.is_some(),
                "lockout_threshold",
                "login_free_failures",
            ),
            (
                self.lockout_minutes.is_some(),
                "lockout_minutes",
                "login_backoff_max_minutes",
            ),
            (
                self.ip_failure_limit.is_some(),
                "ip_failure_limit",
                "login_address_free_failures",
            ),
        ]
        .into_iter()
        .filter(|(set, _, _)| *set)
        .map(|(_, old, new)| (old, new))
        .collect()
    }

    /// The attachments directory: the setting, else beside the SQLite file, else
    /// `data/attachments`.
    pub fn attachments_dir(&self) -> PathBuf {
        if !self.attachments_dir.trim().is_empty() {
            return PathBuf::from(self.attachments_dir.trim());
        }
        match salesdesk_store::maintenance::sqlite_path(&self.database_url) {
            Some(db) => db
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join("attachments"),
            None => PathBuf::from("data/attachments"),
        }
    }

    pub fn app(&self) -> salesdesk_app::AppConfig {
        salesdesk_app::AppConfig {
            session_idle: Duration::from_secs(self.session_idle_hours.max(1) * 3600),
            api_token_ttl: Duration::from_secs(self.api_token_days.max(1) * 86_400),
            login: salesdesk_app::LoginThrottle {
                account_free: self.login_free_failures.max(1),
                address_free: self.login_address_free_failures.max(1),
                base: Duration::from_secs(self.login_backoff_base_secs.clamp(1, 3600)),
                max: Duration::from_secs(self.login_backoff_max_minutes.clamp(1, 24 * 60) * 60),
                forget_after: Duration::from_secs(
                    self.login_forget_minutes.clamp(1, 7 * 24 * 60) * 60,
                ),
                device_ttl: Duration::from_secs(self.login_device_days.clamp(1, 3650) * 86_400),
            },
            clock: salesdesk_app::Clock::system(),
            time_zone: self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai),
            read_cache_ttl: Duration::from_millis(self.read_cache_ms),
            job_poll: Duration::from_millis(self.jobs_poll_ms.clamp(10, 60_000)),
            attachments_dir: self.attachments_dir(),
            // Import chunk size and lease: fixed defaults (`app::import::{CHUNK_ROWS, LEASE}`).
            ..salesdesk_app::AppConfig::default()
        }
    }

    pub fn web(&self) -> salesdesk_web::WebConfig {
        salesdesk_web::WebConfig {
            secure_cookies: self.secure_cookies,
            trust_proxy: self.trust_proxy,
            body_limit: self.body_limit_bytes.max(1024),
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            max_connections: self.max_connections.max(1),
            max_connections_per_peer: self.max_connections_per_peer,
            metrics_token: Some(self.metrics_token.clone()).filter(|t| !t.is_empty()),
        }
    }
}

/// An environment variable's text as the type its setting has (settings without a default,
/// the old names, are numbers when they read as one).
fn env_value(default: Option<&Value>, raw: &str) -> Result<Value, &'static str> {
    let raw = raw.trim();
    match default {
        Some(Value::String(_)) => Ok(Value::String(raw.to_owned())),
        Some(Value::Boolean(_)) => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Boolean(false)),
            _ => Err("expected true or false"),
        },
        Some(Value::Integer(_)) => raw
            .parse()
            .map(Value::Integer)
            .map_err(|_| "expected a whole number"),
        Some(Value::Float(_)) => raw
            .parse()
            .map(Value::Float)
            .map_err(|_| "expected a number"),
        _ => Ok(raw
            .parse()
            .map(Value::Integer)
            .unwrap_or_else(|_| Value::String(raw.to_owned()))),
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
        std::fs::write(&file, "addr = \"0.0.0.0:9000\"\nlogin_free_failures = 3\n").unwrap();
        let cfg = Config::load(Some(&file), &Overrides::default()).unwrap();
        assert_eq!(cfg.addr, "0.0.0.0:9000");
        assert_eq!(cfg.login_free_failures, 3);
        assert_eq!(cfg.app().login.account_free, 3);
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

    #[test]
    fn the_environment_overrides_the_file_and_flags_override_both() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("salesdesk.toml");
        std::fs::write(&file, "addr = \"0.0.0.0:9000\"\nread_cache_ms = 5\n").unwrap();
        let env = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let cfg = Config::load_from(
            Some(&file),
            &Overrides::default(),
            env(&[
                ("SALESDESK_READ_CACHE_MS", "0"),
                ("SALESDESK_SECURE_COOKIES", "true"),
                ("SALESDESK_METRICS_TOKEN", "12345"),
                ("SALESDESK_LOCKOUT_THRESHOLD", "4"),
                ("SALESDESK_REQUIRE_BROWSER", "1"),
                ("OTHER_ADDR", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.addr, "0.0.0.0:9000");
        assert_eq!(cfg.read_cache_ms, 0);
        assert!(cfg.secure_cookies);
        assert_eq!(
            cfg.metrics_token, "12345",
            "digits stay text for a text setting"
        );
        assert_eq!(cfg.app().login.account_free, 4);
        let cfg = Config::load_from(
            Some(&file),
            &Overrides {
                addr: Some("127.0.0.1:1".into()),
                database_url: None,
            },
            env(&[("SALESDESK_ADDR", "127.0.0.1:2")]),
        )
        .unwrap();
        assert_eq!(cfg.addr, "127.0.0.1:1");

        let err = Config::load_from(
            None,
            &Overrides::default(),
            env(&[("SALESDESK_READ_CACHE_MS", "soon")]),
        )
        .unwrap_err();
        assert!(
            err.contains("SALESDESK_READ_CACHE_MS") && err.contains("whole number"),
            "{err}"
        );
        std::fs::write(&file, "addr = [unclosed\n").unwrap();
        let err = Config::load_from(Some(&file), &Overrides::default(), env(&[])).unwrap_err();
        assert!(err.contains("salesdesk.toml"), "{err}");
    }

    #[test]
    fn attachments_live_beside_the_sqlite_file_unless_set() {
        let with = |url: &str, dir: &str| Config {
            database_url: url.into(),
            attachments_dir: dir.into(),
            ..Config::default()
        };
        let at = |c: Config| c.app().attachments_dir;
        assert_eq!(
            at(with("sqlite:///var/lib/salesdesk/salesdesk.db", "")),
            PathBuf::from("/var/lib/salesdesk/attachments")
        );
        assert_eq!(
            at(with("sqlite://salesdesk.db", "")),
            PathBuf::from("./attachments")
        );
        assert_eq!(
            at(with("postgres://sd@db/sales", "")),
            PathBuf::from("data/attachments")
        );
        assert_eq!(
            at(with("postgres://sd@db/sales", "/srv/shared/att")),
            PathBuf::from("/srv/shared/att")
        );
    }

    #[test]
    fn the_old_lockout_settings_are_still_read_as_throttling_settings() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("salesdesk.toml");
        std::fs::write(
            &file,
            "lockout_threshold = 3\nlockout_minutes = 30\nip_failure_limit = 50\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file), &Overrides::default()).unwrap();
        let login = cfg.app().login;
        assert_eq!(login.account_free, 3);
        assert_eq!(login.max, Duration::from_secs(30 * 60));
        assert_eq!(login.address_free, 50);
        assert_eq!(cfg.old_names_in_use().len(), 3);
        assert!(Config::default().old_names_in_use().is_empty());
    }
}
