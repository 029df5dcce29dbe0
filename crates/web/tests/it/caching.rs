//! Caching (issue 9, point 11): nothing with customer data stays in a browser's or a proxy's
//! cache — signed-in pages, API answers, exports and vCards are `private, no-store` — while static
//! assets keep their long caching. One layer sets it (security.rs), so every kind is checked here.

use reqwest::Method;
use salesdesk_test_support::{DEMO_PASSWORD, TestApp};
use serde_json::json;

use crate::api_send;

fn cache_control(r: &reqwest::Response) -> String {
    r.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_response_with_customer_data_is_private_and_not_stored() {
    let t = TestApp::with_demo().await;
    let http = t.client();
    let am = t.token("north.am1").await;
    let (s, c) = api_send(
        &http,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京缓存测试科技有限公司", "phone": "010-62345678"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (s, _) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am,
        json!({"name": "王磊", "mobile": "13800138000"}),
    )
    .await;
    assert_eq!(s, 201);

    let browser = t.browser_as("north.am1").await;
    for path in [
        "/".to_string(),
        "/customers".to_string(),
        format!("/customers/{id}"),
        "/customers/export.csv".to_string(),
        "/customers/export.xlsx".to_string(),
        format!("/customers/{id}/contacts.vcf"),
    ] {
        let r = browser.get(t.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(cache_control(&r), "private, no-store", "page {path}");
    }
    for path in [
        "/api/v1/me".to_string(),
        "/api/v1/customers".to_string(),
        format!("/api/v1/customers/{id}"),
        "/api/v1/customers/export.xlsx".to_string(),
        "/api/v1/customers/999999".to_string(),
    ] {
        let r = http
            .get(t.url(&path))
            .bearer_auth(&am)
            .send()
            .await
            .unwrap();
        assert!(r.status() == 200 || r.status() == 404, "{path}");
        assert_eq!(cache_control(&r), "private, no-store", "API {path}");
    }
    // A write's answer too.
    let r = http
        .post(t.url("/api/v1/customers"))
        .bearer_auth(&am)
        .json(&json!({"name": "北京缓存测试二科技有限公司"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(cache_control(&r), "private, no-store");
}

#[tokio::test]
async fn anonymous_answers_are_not_stored_and_the_login_answer_is_private() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    for path in [
        "/login",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/nope",
    ] {
        let r = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(cache_control(&r), "no-store", "{path}");
    }
    // The answer that sets the session cookie belongs to one person.
    let r = c
        .post(t.url("/login"))
        .form(&[("login", "vp"), ("password", DEMO_PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(cache_control(&r), "private, no-store");
    // A signed-in request that is refused is not stored either.
    let r = c.get(t.url("/people/999999")).send().await.unwrap();
    assert_eq!(cache_control(&r), "private, no-store", "{}", r.status());
}

#[tokio::test]
async fn static_assets_keep_their_long_caching_even_when_signed_in() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("vp").await;
    for path in ["/static/app.css", "/static/app.js"] {
        let r = b.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(cache_control(&r), "public, max-age=3600", "{path}");
    }
}
