//! The administrator's view of the background jobs (issue 12 point 5): failed jobs listed with
//! their error, "retry now" once (a conditional update, audited), the schedules; admin only.

use reqwest::Method;
use salesdesk_app::jobs::{self, JobError, NewJob, Registry, Runner};
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send, page_text};

/// A job of kind `fail` that has used its only attempt and is `failed` with its error.
async fn failed_job(t: &TestApp) -> i64 {
    let tx = t.app.db.begin().await.unwrap();
    let id = jobs::enqueue(
        &t.app,
        &tx,
        NewJob::new("fail", json!({"n": 1})).attempts(1),
    )
    .await
    .unwrap()
    .unwrap();
    t.app.db.commit(tx).await.unwrap();
    let mut r = Registry::new();
    r.register("fail", |_, run| async move {
        Err(JobError::retry(format!(
            "SMTP 服务器拒绝连接; attempt {}",
            run.attempt
        )))
    });
    let runner = Runner::new(t.app.clone(), r);
    assert_eq!(runner.tick().await.unwrap(), 1);
    id
}

#[tokio::test]
async fn a_failed_job_is_listed_with_its_error_and_retried_once_by_the_administrator() {
    let t = TestApp::with_demo().await;
    let id = failed_job(&t).await;
    let c = t.client();
    let admin = t.token("admin").await;

    let (s, v) = api_get(&c, &t.url("/api/v1/jobs?state=failed"), &admin).await;
    assert_eq!(s, 200, "{v}");
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .expect("the failed job is listed");
    assert_eq!(item["state"], "failed");
    assert_eq!(item["kind"], "fail");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["last_error"], "SMTP 服务器拒绝连接; attempt 1");

    // The page shows it with its error and a retry button.
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/jobs?state=failed")).await;
    assert!(page.contains("SMTP 服务器拒绝连接"), "{page}");
    assert!(page.contains(&format!("/settings/jobs/{id}/retry")));

    // Retry: queued again with one more attempt; a second retry finds it not failed.
    let retry = t.url(&format!("/api/v1/jobs/{id}/retry"));
    let (s, v) = api_send(&c, Method::POST, &retry, &admin, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "queued");
    assert_eq!(v["max_attempts"], 2);
    let (s, v) = api_send(&c, Method::POST, &retry, &admin, json!({})).await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/jobs/999999/retry"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(s, 404);

    // The failed list no longer has it; the audit log has the retry.
    let (_, v) = api_get(&c, &t.url("/api/v1/jobs?state=failed"), &admin).await;
    assert!(v["items"].as_array().unwrap().iter().all(|j| j["id"] != id));
    let (_, log) = api_get(&c, &t.url("/api/v1/audit?action=job.retry"), &admin).await;
    assert_eq!(log["total"], 1, "{log}");

    // A runner with the handler runs it again (and it fails again, with its second attempt).
    let mut r = Registry::new();
    r.register("fail", |_, run| async move {
        Err(JobError::retry(format!(
            "still down; attempt {}",
            run.attempt
        )))
    });
    Runner::new(t.app.clone(), r).tick().await.unwrap();
    let (_, v) = api_get(&c, &t.url("/api/v1/jobs?state=failed"), &admin).await;
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .expect("failed again");
    assert_eq!(item["attempts"], 2);
    assert_eq!(item["last_error"], "still down; attempt 2");
}

#[tokio::test]
async fn the_retry_button_on_the_page_requeues_the_job() {
    let t = TestApp::with_demo().await;
    let id = failed_job(&t).await;
    let b = t.browser_as("admin").await;
    let r = b
        .post(t.url(&format!("/settings/jobs/{id}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = page_text(&b, &t.url(&to)).await;
    assert!(page.contains("任务已重新排队"), "{page}");
    let job = salesdesk_store::jobs::get(t.app.db.read(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "queued");
}

#[tokio::test]
async fn an_unknown_state_is_a_field_error_and_the_schedules_are_listed() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let admin = t.token("admin").await;
    let (s, v) = api_get(&c, &t.url("/api/v1/jobs?state=stuck"), &admin).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(crate::problem_fields(&v), ["state"]);
    let now = t.app.config.clock.now();
    let tx = t.app.db.begin().await.unwrap();
    salesdesk_store::jobs::put_schedule(&tx, "backup", "backup", "daily 02:00", true, now, now)
        .await
        .unwrap();
    t.app.db.commit(tx).await.unwrap();
    let (s, v) = api_get(&c, &t.url("/api/v1/job-schedules"), &admin).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v[0]["name"], "backup");
    assert_eq!(v[0]["cadence"], "daily 02:00");
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/jobs")).await;
    assert!(page.contains("daily 02:00"), "{page}");
}
