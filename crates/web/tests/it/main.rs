//! Integration tests: each starts the real server on 127.0.0.1:0 over a fresh database (SQLite,
//! or PostgreSQL when SALESDESK_TEST_POSTGRES_URL is set) and talks HTTP to it.

mod archive;
mod audit_log;
mod auth;
mod backup;
mod batch;
mod browser;
mod caching;
mod calendar;
mod calendar_feed;
mod collections;
mod connections;
mod contracts;
mod customer_list;
mod customers;
mod dashboard;
mod deals;
mod demo;
mod demo_trials;
mod duplicates;
mod expenses;
mod forms;
mod gen_contracts;
mod gen_deals;
mod gen_quotes;
mod gen_trials;
mod idempotency;
mod import_contacts;
mod import_export;
mod import_runs;
mod import_sales;
mod jobs;
mod jobs_admin;
mod language;
mod lists;
mod login_redirect;
mod login_throttle;
mod notifications;
mod openapi;
mod ops;
mod people;
mod permissions;
mod pool;
mod presales;
mod quotes;
mod records;
mod regions_audit;
mod reminders;
mod scope_copies;
mod settings;
mod trial_setup;
mod trial_website;
mod trials;
mod workspace;

use reqwest::{Client, Response};
use serde_json::Value;

/// GET with a bearer token, returning status and JSON body (Null when the body is not JSON).
pub async fn api_get(c: &Client, url: &str, token: &str) -> (u16, Value) {
    let r = c.get(url).bearer_auth(token).send().await.expect("request");
    status_json(r).await
}

pub async fn api_send(
    c: &Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let r = c
        .request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    status_json(r).await
}

pub async fn status_json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The field names of a problem document's `errors`.
pub fn problem_fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The text of a page fetched with a signed-in browser client.
pub async fn page_text(b: &Client, url: &str) -> String {
    b.get(url)
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body")
}

/// A lead of `north.am1` with a pending request to make it basic (their manager,
/// `north.manager`, is notified): returns (customer id, request id).
pub async fn lead_with_pending_request(
    t: &salesdesk_test_support::TestApp,
    name: &str,
) -> (i64, i64) {
    let am = t.token("north.am1").await;
    let c = t.client();
    let (s, v) = api_send(
        &c,
        reqwest::Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        serde_json::json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, r) = api_send(
        &c,
        reqwest::Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/status-requests")),
        &am,
        serde_json::json!({"to_status": "basic", "need": "OA", "budget": "50 万元", "timeline": "2027 Q1"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    (id, r["id"].as_i64().unwrap())
}
