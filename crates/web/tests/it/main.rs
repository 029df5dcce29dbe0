//! Integration tests: each starts the real server on 127.0.0.1:0 over a fresh database (SQLite,
//! or PostgreSQL when SALESDESK_TEST_POSTGRES_URL is set) and talks HTTP to it.

mod auth;
mod backup;
mod browser;
mod caching;
mod connections;
mod customer_list;
mod customers;
mod dashboard;
mod demo;
mod idempotency;
mod import_export;
mod import_runs;
mod login_redirect;
mod login_throttle;
mod openapi;
mod ops;
mod people;
mod permissions;
mod pool;
mod records;
mod regions_audit;
mod settings;

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
