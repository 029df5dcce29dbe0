//! [`ServeProcesses`]: N real `salesdesk serve` processes (the built binary, not an in-process
//! server) over one database, for race tests. Every invariant that spans rows gets a test that
//! sends its conflicting requests in parallel through two processes: on PostgreSQL that is the
//! documented way to scale, and the only set-up in which a read-then-write check fails.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Client;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use salesdesk_app::{App, AppConfig, Db};
use serde_json::{Value, json};

use crate::{DEMO_PASSWORD, TestDb};

/// Running `serve` processes, killed when this is dropped, and the database they share.
pub struct ServeProcesses {
    /// `http://127.0.0.1:PORT` of each process, in start order.
    pub bases: Vec<String>,
    pub db: TestDb,
    /// An in-process handle on the same database, for set-up and for checking what was stored.
    pub app: App,
    children: Vec<Child>,
}

impl ServeProcesses {
    /// A fresh database (SQLite, or PostgreSQL when `SALESDESK_TEST_POSTGRES_URL` is set),
    /// migrated, with the demo's organisation (no customers), served by `n` processes of the binary `bin` (in a cli
    /// test: `env!("CARGO_BIN_EXE_salesdesk")`).
    pub async fn with_demo(bin: &str, n: usize) -> ServeProcesses {
        let db = TestDb::new().await;
        let conn = Db::connect(&db.url).await.expect("connect");
        // Migrated before the processes start, so that they do not race each other to migrate.
        conn.migrate().await.expect("migrate");
        let app = App::new(conn, AppConfig::default());
        salesdesk_app::demo::seed_org(&app)
            .await
            .expect("demo seed");
        Self::spawn(bin, n, db, app)
    }

    /// Starts `n` processes of `bin serve` on `127.0.0.1:0` over `db`, and waits until each
    /// prints the address it listens on.
    pub fn spawn(bin: &str, n: usize, db: TestDb, app: App) -> ServeProcesses {
        let mut s = ServeProcesses {
            bases: vec![],
            db,
            app,
            children: vec![],
        };
        for _ in 0..n {
            let mut child = Command::new(bin)
                .args([
                    "--database-url",
                    &s.db.url,
                    "serve",
                    "--addr",
                    "127.0.0.1:0",
                ])
                .env("RUST_LOG", "error")
                // No cache of hot reads: each request sees the other process's writes at once.
                .env("SALESDESK_READ_CACHE_MS", "0")
                // Job runners look for work often, so job tests wait milliseconds, not seconds.
                .env("SALESDESK_JOBS_POLL_MS", "50")
                .current_dir(std::env::temp_dir())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start salesdesk serve");
            let out = child.stdout.take().expect("stdout");
            s.children.push(child);
            let (tx, rx) = std::sync::mpsc::channel();
            // The reader keeps draining stdout after the address, so the process never blocks
            // on a full pipe.
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("open http://") {
                        let base = line[at + 5..].trim().trim_end_matches('/').to_string();
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(base);
                        }
                    }
                }
            });
            let base = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("salesdesk serve printed its address");
            s.bases.push(base);
        }
        s
    }

    /// `bases[i]` followed by `path`.
    pub fn url(&self, i: usize, path: &str) -> String {
        format!("{}{path}", self.bases[i % self.bases.len()])
    }

    /// An API client of process `i` (modulo the number running) signed in as a demo login (the bearer token is sent with
    /// every request).
    pub async fn client(&self, i: usize, login: &str) -> Client {
        let r = Client::new()
            .post(self.url(i, "/api/v1/sessions"))
            .json(&json!({"login": login, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("session");
        assert_eq!(r.status(), 201, "API login of {login}");
        let v: Value = r.json().await.expect("json");
        let token = v["token"].as_str().expect("token");
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        Client::builder()
            .default_headers(headers)
            .build()
            .expect("client")
    }

    /// Two sessions of one login, the first on process 0 and the second on process 1 (or on
    /// process 0 again when only one runs), for sending a pair of requests through two servers.
    pub async fn clients(&self, login: &str) -> Vec<Client> {
        vec![self.client(0, login).await, self.client(1, login).await]
    }

    /// The id of a person by login (through the store).
    pub async fn person_id(&self, login: &str) -> i64 {
        salesdesk_store::users::find_by_login(self.app.db.read(), login)
            .await
            .expect("query")
            .expect("person exists")
            .id
    }

    /// Makes jobs due now (their moment passed while the test did not wait for it).
    pub async fn make_jobs_due(&self, ids: &[i64]) {
        use salesdesk_store::entity::jobs as rows;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let now = salesdesk_store::now() - chrono::TimeDelta::seconds(1);
        let tx = self.app.db.begin().await.expect("begin");
        rows::Entity::update_many()
            .col_expr(rows::Column::RunAt, Expr::value(now))
            .filter(rows::Column::Id.is_in(ids.iter().copied()))
            .exec(&tx)
            .await
            .expect("make due");
        self.app.db.commit(tx).await.expect("commit");
    }

    /// Waits (bounded: 90 s) until none of the jobs `ids` is queued or running; they by id.
    pub async fn jobs_finished(&self, ids: &[i64]) -> Vec<salesdesk_store::jobs::Job> {
        use salesdesk_store::entity::jobs as rows;
        use salesdesk_store::jobs::{DONE, FAILED};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let started = std::time::Instant::now();
        loop {
            let rows = rows::Entity::find()
                .filter(rows::Column::Id.is_in(ids.iter().copied()))
                .order_by_asc(rows::Column::Id)
                .all(self.app.db.read())
                .await
                .expect("jobs");
            if rows.iter().all(|j| j.state == DONE || j.state == FAILED) {
                return rows;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "jobs still open after 90 s: {rows:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The operating-system id of process `i`, as a job's lease owner names it (`pid N on …`).
    pub fn pid(&self, i: usize) -> u32 {
        self.children[i].id()
    }

    /// Kills process `i` at once (SIGKILL: no shutdown, no finishing of work in progress), as a
    /// crash or an out-of-memory kill would; the others keep running.
    pub fn kill(&mut self, i: usize) {
        let c = &mut self.children[i];
        c.kill().expect("kill salesdesk serve");
        let _ = c.wait();
    }
}

impl Drop for ServeProcesses {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Sends one request built by `f` for each of `n` tasks at once (released together by a barrier)
/// and returns each answer's status and JSON body, in task order.
pub async fn all_at_once<F, Fut>(n: usize, f: F) -> Vec<(u16, Value)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = vec![];
    for i in 0..n {
        let req = f(i);
        let b = barrier.clone();
        tasks.push(tokio::spawn(async move {
            b.wait().await;
            let r = req.await.expect("request");
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }));
    }
    let mut out = vec![];
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}
