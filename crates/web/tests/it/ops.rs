//! Operations: health, readiness, headers, the OpenAPI document, errors for unknown paths.

use salesdesk_test_support::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let r = c.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(t.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn every_page_carries_security_headers_and_a_request_id() {
    let t = TestApp::spawn().await;
    let r = t.client().get(t.url("/login")).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline"),
        "no inline script allowed: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("x-request-id"));
}

#[tokio::test]
async fn the_openapi_document_describes_the_api_that_is_served() {
    let t = TestApp::spawn().await;
    let r = t
        .client()
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/sessions",
        "/people",
        "/people/{id}",
        "/regions",
        "/audit",
        "/me",
        "/notifications",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // The document matches what the binary prints with `salesdesk openapi`.
    let printed: serde_json::Value = serde_json::from_str(&salesdesk_web::openapi_json()).unwrap();
    assert_eq!(printed, doc);
}

#[tokio::test]
async fn unknown_api_paths_get_a_problem_document_and_unknown_pages_a_404_page() {
    let t = TestApp::spawn().await;
    let r = t.client().get(t.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["type"], "urn:salesdesk:problem:not-found");
    let r = t.client().get(t.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("找不到"));
}

#[tokio::test]
async fn static_assets_are_served_from_the_binary() {
    let t = TestApp::spawn().await;
    let r = t
        .client()
        .get(t.url("/static/app.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}
