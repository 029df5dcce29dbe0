//! The jobs runner and scheduled backups (issue 17): once-only enqueues, retries with backoff,
//! lease take-over, schedules, retention, the backups page and `/metrics`. Time is the app's
//! manual clock: nothing sleeps, the tests move time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use salesdesk_app::jobs::{self, JobError, NewJob, Registry, Runner};
use salesdesk_app::{AppConfig, Clock};
use salesdesk_store::jobs as store;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A demo organisation on a manual clock.
async fn demo_at(start: DateTime<Utc>) -> (TestApp, Clock) {
    let clock = Clock::manual(start);
    let t = TestApp::spawn_with(AppConfig {
        clock: clock.clone(),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    (t, clock)
}

async fn enqueue(t: &TestApp, job: NewJob) -> Option<i64> {
    let tx = t.app.db.begin().await.unwrap();
    let id = jobs::enqueue(&t.app, &tx, job).await.unwrap();
    t.app.db.commit(tx).await.unwrap();
    id
}

async fn job(t: &TestApp, id: i64) -> store::Job {
    store::get(t.app.db.read(), id).await.unwrap().unwrap()
}

/// A registry with a `count` handler that counts its runs and `fail`, which always fails.
fn test_registry(runs: Arc<AtomicU32>) -> Registry {
    let mut r = Registry::new();
    r.register("count", move |_, _| {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        }
    });
    r.register("fail", |_, run| async move {
        Err(JobError::retry(format!(
            "disk full on attempt {}",
            run.attempt
        )))
    });
    r
}

#[tokio::test]
async fn a_once_only_job_enqueued_twice_is_one_job_and_runs_once() {
    let (t, _clock) = demo_at(salesdesk_store::now()).await;
    let first = enqueue(
        &t,
        NewJob::new("count", json!({"trial": 7})).once("trial:7:escalate"),
    )
    .await;
    let again = enqueue(
        &t,
        NewJob::new("count", json!({"trial": 7})).once("trial:7:escalate"),
    )
    .await;
    assert!(first.is_some());
    assert_eq!(again, None, "the second enqueue inserts nothing");
    let runs = Arc::new(AtomicU32::new(0));
    let runner = Runner::new(t.app.clone(), test_registry(runs.clone()));
    assert_eq!(runner.tick().await.unwrap(), 1);
    assert_eq!(runner.tick().await.unwrap(), 0);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let j = job(&t, first.unwrap()).await;
    assert_eq!((j.state.as_str(), j.attempts), ("done", 1));
    // Done, the key still holds: escalating again later is still a no-op.
    assert_eq!(
        enqueue(&t, NewJob::new("count", json!({})).once("trial:7:escalate")).await,
        None
    );
}

#[tokio::test]
async fn a_failing_job_is_retried_after_a_growing_backoff_then_kept_as_failed_with_its_error() {
    let (t, clock) = demo_at(at("2026-11-29T10:00:00Z")).await;
    let id = enqueue(&t, NewJob::new("fail", json!({})).attempts(3))
        .await
        .unwrap();
    let runner = Runner::new(t.app.clone(), test_registry(Arc::default()));
    assert_eq!(runner.tick().await.unwrap(), 1);
    let j = job(&t, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("queued", 1));
    assert_eq!(j.run_at, at("2026-11-29T10:00:30Z"), "first backoff: 30 s");
    assert_eq!(j.last_error.as_deref(), Some("disk full on attempt 1"));
    // Not before its time.
    clock.advance(TimeDelta::seconds(29));
    assert_eq!(runner.tick().await.unwrap(), 0);
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(runner.tick().await.unwrap(), 1);
    let j = job(&t, id).await;
    assert_eq!(j.run_at, at("2026-11-29T10:01:30Z"), "second backoff: 60 s");
    clock.advance(TimeDelta::seconds(60));
    assert_eq!(runner.tick().await.unwrap(), 1);
    let j = job(&t, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("failed", 3));
    assert_eq!(j.last_error.as_deref(), Some("disk full on attempt 3"));
    // Failed for good: no more runs, and it stays in the list of failed jobs.
    clock.advance(TimeDelta::days(1));
    assert_eq!(runner.tick().await.unwrap(), 0);
    let failed = jobs::list(
        &t.app,
        None,
        Some("failed"),
        salesdesk_app::Page::new(None, None),
    )
    .await
    .unwrap();
    assert_eq!(failed.items.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn a_job_whose_process_died_is_taken_over_when_its_lease_runs_out_and_not_before() {
    let (t, clock) = demo_at(salesdesk_store::now()).await;
    let id = enqueue(&t, NewJob::new("count", json!({}))).await.unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    // Process A claims the job, then dies without running it.
    let dead = Runner::new(t.app.clone(), test_registry(runs.clone()));
    assert_eq!(dead.claim().await.unwrap().map(|j| j.id), Some(id));
    drop(dead);
    let alive = Runner::new(t.app.clone(), test_registry(runs.clone()));
    assert_eq!(alive.tick().await.unwrap(), 0, "the lease still holds");
    assert_eq!(job(&t, id).await.state, "running");
    clock.advance(TimeDelta::from_std(t.app.config.job_lease).unwrap() + TimeDelta::seconds(1));
    assert_eq!(alive.tick().await.unwrap(), 1);
    let j = job(&t, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("done", 2));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn two_runners_racing_for_one_schedule_occurrence_enqueue_it_once() {
    let start = at("2026-11-29T10:00:00Z");
    let (t, clock) = demo_at(start).await;
    let tx = t.app.db.begin().await.unwrap();
    store::put_schedule(&tx, "tick", "count", "every 600", true, start, start)
        .await
        .unwrap();
    t.app.db.commit(tx).await.unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    let a = Runner::new(t.app.clone(), test_registry(runs.clone()));
    let b = Runner::new(t.app.clone(), test_registry(runs.clone()));
    for occurrence in 1..=3 {
        let (x, y) = tokio::join!(a.fire_schedules(), b.fire_schedules());
        assert_eq!(x.unwrap() + y.unwrap(), 1, "occurrence {occurrence}");
        let (x, y) = tokio::join!(a.tick(), b.tick());
        assert_eq!(x.unwrap() + y.unwrap(), 1);
        clock.advance(TimeDelta::minutes(10));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

async fn put_backup_settings(t: &TestApp, token: &str, body: serde_json::Value) {
    let (s, v) = api_send(
        &t.client(),
        reqwest::Method::PUT,
        &t.url("/api/v1/settings/backups"),
        token,
        body,
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".sha256"))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_scheduled_backup_runs_at_its_time_and_retention_keeps_only_the_right_files() {
    // 2026-11-01 01:00 in Shanghai.
    let (t, clock) = demo_at(at("2026-10-31T17:00:00Z")).await;
    let dir = tempfile::tempdir().unwrap();
    // A file of the administrator's own in the directory: retention never touches it.
    std::fs::write(
        dir.path().join("salesdesk-20260101T000000Z-m0013.tar.gz"),
        b"mine",
    )
    .unwrap();
    let admin = t.token("admin").await;
    put_backup_settings(
        &t,
        &admin,
        json!({"enabled": true, "directory": dir.path().to_str().unwrap(), "time_of_day": "02:00",
               "keep_daily": 3, "keep_weekly": 3, "keep_monthly": 2}),
    )
    .await;
    let runner = Runner::new(t.app.clone(), Registry::standard());
    assert_eq!(runner.tick().await.unwrap(), 0, "01:00: not yet");
    clock.advance(TimeDelta::minutes(59));
    assert_eq!(runner.tick().await.unwrap(), 0, "01:59: not yet");
    clock.advance(TimeDelta::minutes(1));
    assert_eq!(runner.tick().await.unwrap(), 1, "02:00: the backup");
    assert_eq!(runner.tick().await.unwrap(), 0, "once per occurrence");
    let made = names(dir.path());
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(
        made.iter()
            .any(|n| n.starts_with("salesdesk-scheduled-20261031T180000Z-m")),
        "named by the UTC time of 02:00 in Shanghai: {made:?}"
    );
    // Sixteen more days, one backup each night: 11-01 … 11-17.
    for _ in 0..16 {
        clock.advance(TimeDelta::days(1));
        assert_eq!(runner.tick().await.unwrap(), 1);
    }
    let kept: Vec<String> = names(dir.path())
        .into_iter()
        .filter_map(|n| {
            n.strip_prefix("salesdesk-scheduled-")
                .map(|r| r[..8].to_string())
        })
        .collect();
    // Local days kept (a 02:00 Shanghai backup is named by the UTC day before). Daily: 11-17,
    // 11-16, 11-15. Weekly (ISO weeks): 11-17 (Tuesday), 11-15 and 11-08 (Sundays ending the
    // two weeks before). Monthly: 11-17 (October had none).
    assert_eq!(
        kept,
        ["20261107", "20261114", "20261115", "20261116"],
        "{kept:?}"
    );
    assert!(
        dir.path()
            .join("salesdesk-20260101T000000Z-m0013.tar.gz")
            .exists()
    );
    // Every kept file has its checksum beside it, and the API shows them.
    let admin = t.token("admin").await;
    let (s, v) = api_get(&t.client(), &t.url("/api/v1/backups"), &admin).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["files"]["total"], 4, "{v}");
    assert_eq!(v["last"]["outcome"], "ok", "{v}");
    assert_eq!(v["warning"], serde_json::Value::Null, "{v}");
    let sha = v["files"]["items"][0]["sha256"].as_str().unwrap();
    assert_eq!(sha, v["last"]["sha256"].as_str().unwrap());
}

#[tokio::test]
async fn the_backups_page_warns_when_the_last_backup_failed_and_back_up_now_is_audited() {
    let (t, _clock) = demo_at(salesdesk_store::now()).await;
    let dir = tempfile::tempdir().unwrap();
    // A directory that cannot be made: its parent is a file.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let admin = t.token("admin").await;
    put_backup_settings(
        &t,
        &admin,
        json!({"enabled": true, "directory": blocker.join("backups").to_str().unwrap(),
               "time_of_day": "02:00", "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 12}),
    )
    .await;
    let browser = t.browser_as("admin").await;
    let page = browser
        .get(t.url("/settings/backups"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("还没有成功的备份"));
    let r = browser
        .post(t.url("/settings/backups/run"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let runner = Runner::new(t.app.clone(), Registry::standard());
    assert_eq!(runner.tick().await.unwrap(), 1);
    let html = browser
        .get(t.url("/settings/backups"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"backup-warning\""), "{html}");
    assert!(html.contains("最近一次备份失败"), "{html}");
    assert!(
        html.contains("cannot create"),
        "the reason is shown: {html}"
    );
    let (_, v) = api_get(&t.client(), &t.url("/api/v1/backups"), &admin).await;
    assert_eq!(v["warning"]["kind"], "failed", "{v}");
    let (_, audit) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=backup.run"),
        &admin,
    )
    .await;
    assert_eq!(audit["total"], 1, "{audit}");
    // Someone who is not an administrator sees neither page nor API.
    let am = t.token("north.am1").await;
    let (s, _) = api_get(&t.client(), &t.url("/api/v1/backups"), &am).await;
    assert_eq!(s, 403);
    let (s, _) = api_send(
        &t.client(),
        reqwest::Method::POST,
        &t.url("/api/v1/backups/run"),
        &am,
        json!({}),
    )
    .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn backup_settings_name_each_wrong_field() {
    let (t, _clock) = demo_at(salesdesk_store::now()).await;
    let admin = t.token("admin").await;
    let (s, v) = api_send(
        &t.client(),
        reqwest::Method::PUT,
        &t.url("/api/v1/settings/backups"),
        &admin,
        json!({"enabled": true, "directory": "backups", "time_of_day": "24:61",
               "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 1001}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["directory", "time_of_day", "keep_monthly"], "{v}");
    // "Back up now" without a directory is refused, naming the field.
    let (s, v) = api_send(
        &t.client(),
        reqwest::Method::POST,
        &t.url("/api/v1/backups/run"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "directory", "{v}");
}

#[tokio::test]
async fn metrics_show_the_job_queue_by_state_and_the_failures_of_this_process() {
    let t = TestApp::with_demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let web = salesdesk_web::WebConfig {
        metrics_token: Some("scrape".into()),
        ..Default::default()
    };
    tokio::spawn(salesdesk_web::serve(
        listener,
        t.app.clone(),
        web,
        std::future::pending(),
    ));
    for _ in 0..2 {
        enqueue(&t, NewJob::new("count", json!({}))).await;
    }
    enqueue(&t, NewJob::new("fail", json!({})).attempts(1)).await;
    let scrape = || async {
        t.client()
            .get(format!("{base}/metrics"))
            .bearer_auth("scrape")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let text = scrape().await;
    assert!(
        text.contains("salesdesk_jobs{state=\"queued\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("salesdesk_jobs{state=\"failed\"} 0"),
        "{text}"
    );
    assert!(text.contains("salesdesk_job_failures_total 0"), "{text}");
    let runner = Runner::new(t.app.clone(), test_registry(Arc::default()));
    // One claim takes one job: each of the three is claimed, run and finished by itself.
    assert_eq!(runner.tick().await.unwrap(), 3);
    let text = scrape().await;
    assert!(
        text.contains("salesdesk_jobs{state=\"queued\"} 0"),
        "{text}"
    );
    assert!(text.contains("salesdesk_jobs{state=\"done\"} 2"), "{text}");
    assert!(
        text.contains("salesdesk_jobs{state=\"failed\"} 1"),
        "{text}"
    );
    assert!(text.contains("salesdesk_job_runs_total 3"), "{text}");
    assert!(text.contains("salesdesk_job_failures_total 1"), "{text}");
}

#[tokio::test]
async fn the_backups_page_shows_the_attachments_every_backup_includes() {
    let files = tempfile::tempdir().unwrap();
    let t = TestApp::spawn_with(AppConfig {
        attachments_dir: files.path().join("attachments"),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    let a = salesdesk_app::attachments::Attachments::new(&t.app.config.attachments_dir);
    a.store(&[7u8; 3000]).unwrap();
    a.store("合同".as_bytes()).unwrap();
    let html = t
        .browser_as("admin")
        .await
        .get(t.url("/settings/backups"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let section = &html[html
        .find("id=\"attachments\"")
        .expect("the attachments section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<dd>2</dd>"), "{section}");
    assert!(section.contains("2.9 KiB"), "{section}");
    let (s, v) = api_get(
        &t.client(),
        &t.url("/api/v1/backups"),
        &t.token("admin").await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["attachments"]["files"], 2, "{v}");
    assert_eq!(v["attachments"]["bytes"], 3006, "{v}");
}
