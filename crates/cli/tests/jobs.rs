//! The jobs runner across real `salesdesk serve` processes (two on PostgreSQL when
//! SALESDESK_TEST_POSTGRES_URL is set, one on SQLite): every job runs exactly once, and a
//! once-only job enqueued from two processes at the same moment is one job.

use std::sync::Arc;
use std::time::{Duration, Instant};

use salesdesk_app::jobs::{self, NewJob};
use salesdesk_app::{App, AppConfig, Db, Page};
use salesdesk_store::jobs as store;
use salesdesk_test_support::ServeProcesses;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_salesdesk");
const JOBS: usize = 300;

async fn enqueue(app: &App, job: NewJob) -> Option<i64> {
    let tx = app.db.begin().await.expect("begin");
    let id = jobs::enqueue(app, &tx, job).await.expect("enqueue");
    app.db.commit(tx).await.expect("commit");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_enqueued_under_two_serve_processes_run_once_each_and_a_raced_once_key_is_one_job() {
    let postgres = std::env::var("SALESDESK_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty());
    let p = ServeProcesses::with_demo(BIN, if postgres { 2 } else { 1 }).await;
    // A second enqueuer with its own pools, as another process would have.
    let other = App::new(
        Db::connect(&p.db.url).await.expect("connect"),
        AppConfig::default(),
    );
    let enqueuers = [p.app.clone(), other];
    for i in 0..JOBS {
        enqueue(
            &enqueuers[i % 2],
            NewJob::new(jobs::PING, json!({ "n": i })),
        )
        .await;
    }
    // The same once-only job, enqueued twenty times at one moment through both handles.
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut racers = vec![];
    for i in 0..20 {
        let (app, barrier) = (enqueuers[i % 2].clone(), barrier.clone());
        racers.push(tokio::spawn(async move {
            barrier.wait().await;
            enqueue(
                &app,
                NewJob::new(jobs::PING, json!({ "once": true })).once("race:escalate"),
            )
            .await
        }));
    }
    let mut inserted = 0;
    for r in racers {
        inserted += usize::from(r.await.expect("task").is_some());
    }
    assert_eq!(inserted, 1, "one enqueue of the once-key inserted a job");
    // Wait (bounded) until the processes have drained the queue.
    let started = Instant::now();
    loop {
        let depth = store::count_by_state(p.app.db.read()).await.expect("count");
        let open: i64 = depth
            .iter()
            .filter(|(s, _)| s == store::QUEUED || s == store::RUNNING)
            .map(|(_, n)| n)
            .sum();
        if open == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "jobs still open after 2 minutes: {depth:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut all = vec![];
    for page in 1.. {
        let got = store::list(
            p.app.db.read(),
            None,
            None,
            Page::new(Some(page), Some(200)),
        )
        .await
        .expect("list");
        let n = got.items.len();
        all.extend(got.items);
        if n < 200 {
            break;
        }
    }
    assert_eq!(all.len(), JOBS + 1, "300 jobs and one once-only job");
    for j in &all {
        // A claim counts an attempt: a job run twice would show two, or a lost finish.
        assert_eq!(
            (j.state.as_str(), j.attempts),
            ("done", 1),
            "job {} ran other than once: {j:?}",
            j.id
        );
        assert_eq!(
            j.result.as_deref(),
            Some(&*format!("{{\"pong\":{}}}", j.id))
        );
    }
    let once = store::by_once_key(p.app.db.read(), "race:escalate")
        .await
        .expect("query");
    assert!(once.is_some());
}
