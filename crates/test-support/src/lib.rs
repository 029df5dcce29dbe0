//! Test support: [`TestApp::spawn`] starts the real server (the same `salesdesk_web::serve` that
//! `salesdesk serve` runs) on `127.0.0.1:0` over a fresh database — a temp-dir SQLite file, or a
//! fresh PostgreSQL database when `SALESDESK_TEST_POSTGRES_URL` is set (dropped afterwards).
//! [`ServeProcesses`] starts several real `salesdesk serve` processes over one database, for
//! race tests.

mod serve;

pub use serve::{ServeProcesses, all_at_once};

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::redirect::Policy;
use salesdesk_app::{App, AppConfig, Db};
use salesdesk_web::WebConfig;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use salesdesk_app::demo::DEMO_PASSWORD;

/// Where a test database lives, and how to get rid of it.
enum Backing {
    /// The directory is removed when the value is dropped.
    Sqlite(
        #[expect(dead_code, reason = "held only to delete the directory on drop")]
        tempfile::TempDir,
    ),
    Postgres {
        admin_url: String,
        name: String,
    },
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub url: String,
    backing: Backing,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("SALESDESK_TEST_POSTGRES_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!(
                    "sd_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.subsec_nanos())
                        .unwrap_or(0)
                );
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to SALESDESK_TEST_POSTGRES_URL");
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
                    ))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = replace_db_name(&admin_url, &name);
                TestDb {
                    url,
                    backing: Backing::Postgres { admin_url, name },
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    url,
                    backing: Backing::Sqlite(dir),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backing, Backing::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Backing::Postgres { admin_url, name } = &self.backing {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop needs its own runtime: the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// `postgres://u@h:5432/postgres` → `postgres://u@h:5432/<name>` (query string kept).
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// A running server on an ephemeral port, its database, and an HTTP client.
pub struct TestApp {
    pub base: String,
    pub app: App,
    pub db: TestDb,
    stop: Option<oneshot::Sender<()>>,
    /// The attachments directory of a test that gave none (the default is relative to the
    /// working directory, which would leave the demo's files in the source tree).
    _files: Option<tempfile::TempDir>,
}

impl TestApp {
    /// A server over a fresh, migrated, empty database.
    pub async fn spawn() -> TestApp {
        let db = TestDb::new().await;
        Self::spawn_on(db, AppConfig::default()).await
    }

    /// A server with the demo's organisation loaded — its regions and people, no customers —
    /// so that a test builds exactly the data it asserts on.
    pub async fn with_demo() -> TestApp {
        let t = Self::spawn().await;
        salesdesk_app::demo::seed_org(&t.app)
            .await
            .expect("demo seed");
        t
    }

    /// A server with the whole demo `serve --demo` loads: the organisation and its customers,
    /// records, requests, pool and import (`salesdesk_app::demo`).
    pub async fn with_living_demo() -> TestApp {
        Self::with_living_demo_on(AppConfig::default()).await
    }

    /// The whole demo, with these settings (a manual clock makes two demos comparable).
    pub async fn with_living_demo_on(config: AppConfig) -> TestApp {
        let t = Self::spawn_with(config).await;
        salesdesk_app::demo::seed(&t.app).await.expect("demo seed");
        t
    }

    /// A server with its own settings (e.g. a low lockout threshold).
    pub async fn spawn_with(config: AppConfig) -> TestApp {
        let db = TestDb::new().await;
        Self::spawn_on(db, config).await
    }

    /// A server with its own HTTP settings (e.g. short connection timeouts).
    pub async fn spawn_with_web(web: WebConfig) -> TestApp {
        let db = TestDb::new().await;
        Self::spawn_on_with(db, AppConfig::default(), web).await
    }

    async fn spawn_on(db: TestDb, config: AppConfig) -> TestApp {
        Self::spawn_on_with(db, config, WebConfig::default()).await
    }

    async fn spawn_on_with(db: TestDb, mut config: AppConfig, web: WebConfig) -> TestApp {
        let files = if config.attachments_dir.is_relative() {
            let dir = tempfile::tempdir().expect("temp dir");
            config.attachments_dir = dir.path().join("attachments");
            Some(dir)
        } else {
            None
        };
        let conn = Db::connect(&db.url).await.expect("connect");
        conn.migrate().await.expect("migrate");
        let app = App::new(conn, config);
        let (base, stop) = start_server_with(app.clone(), web).await;
        TestApp {
            base,
            app,
            db,
            stop: Some(stop),
            _files: files,
        }
    }

    /// A second server process on the same database (its own pools, as a second `serve` would).
    pub async fn second_server(&self) -> (String, oneshot::Sender<()>) {
        let conn = Db::connect(&self.db.url).await.expect("connect");
        let app = App::new(conn, self.app.config.clone());
        start_server(app).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (so tests can see them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    /// A client logged in through the real login form.
    pub async fn browser_as(&self, login: &str) -> reqwest::Client {
        let c = self.client();
        let r = c
            .post(self.url("/login"))
            .form(&[("login", login), ("password", DEMO_PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303, "login of {login} should redirect");
        c
    }

    /// An API bearer token for a demo login.
    pub async fn token(&self, login: &str) -> String {
        self.token_with(login, DEMO_PASSWORD).await
    }

    pub async fn token_with(&self, login: &str, password: &str) -> String {
        let r = self
            .client()
            .post(self.url("/api/v1/sessions"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("session");
        assert_eq!(r.status(), 201, "API login of {login}");
        let v: Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    /// The id of a person by login (through the store, not the API).
    pub async fn person_id(&self, login: &str) -> i64 {
        salesdesk_store::users::find_by_login(self.app.db.read(), login)
            .await
            .expect("query")
            .expect("person exists")
            .id
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn start_server(app: App) -> (String, oneshot::Sender<()>) {
    start_server_with(app, WebConfig::default()).await
}

async fn start_server_with(app: App, web: WebConfig) -> (String, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = salesdesk_web::serve(listener, app, web, async {
            let _ = rx.await;
        })
        .await;
    });
    (format!("http://{addr}"), tx)
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn the_database_name_of_a_postgres_url_is_replaced() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_db_name("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://u@h", "t3"), "postgres://u@h/t3");
    }
}
