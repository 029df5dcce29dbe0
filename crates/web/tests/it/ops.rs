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

#[tokio::test]
async fn hostile_input_gets_an_answer_but_never_a_500() {
    let t = TestApp::with_demo().await;
    let token = t.token("admin").await;
    let c = t.client();
    let browser = t.browser_as("vp").await;
    let nul = "%00";
    let api_paths = [
        format!("/api/v1/people?q=a{nul}b"),
        format!("/api/v1/people?page={}&per_page={}", u64::MAX, u64::MAX),
        "/api/v1/people?region_id=99999999999999999999".to_string(),
        format!("/api/v1/audit?action=x{nul}&entity_type={nul}"),
        "/api/v1/people/99999999999999999999".to_string(),
        "/api/v1/people/-1".to_string(),
        "/api/v1/regions/0".to_string(),
    ];
    for p in &api_paths {
        let r = c.get(t.url(p)).bearer_auth(&token).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{p}: {}", r.status());
    }
    let pages = [
        format!("/people?q=a{nul}b&page={}", u64::MAX),
        format!("/audit?action={nul}&from=2026-13-45&until=x"),
        "/people/abc".to_string(),
        "/people?region=%F0%9F%98%80".to_string(),
    ];
    for p in &pages {
        let r = browser.get(t.url(p)).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{p}: {}", r.status());
    }
    let r = c
        .post(t.url("/api/v1/sessions"))
        .json(&serde_json::json!({"login": "v\u{0}p", "password": "x\u{0}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(t.url("/api/v1/people"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"login": "ok.login", "display_name": "名\u{0}字", "email": "a\u{0}@b.cn",
                                  "phone": "1 ".repeat(20), "position": "sales_vp", "password": "first-pass-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

/// A server like `TestApp`'s but with `/metrics` on behind `token`.
async fn serve_with_metrics(t: &TestApp, token: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let web = salesdesk_web::WebConfig {
        metrics_token: Some(token.into()),
        ..Default::default()
    };
    tokio::spawn(salesdesk_web::serve(
        listener,
        t.app.clone(),
        web,
        std::future::pending(),
    ));
    base
}

#[tokio::test]
async fn metrics_are_exposed_with_the_right_token_by_route_template_and_refused_without() {
    let t = TestApp::with_demo().await;
    let base = serve_with_metrics(&t, "scrape-me").await;
    let c = t.client();
    let token = t.token("vp").await;
    for id in [424242, 424243] {
        let r = c
            .get(format!("{base}/api/v1/customers/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    let metrics = format!("{base}/metrics");
    let scrape = async |token: Option<&str>| {
        let mut req = c.get(&metrics);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let kind = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        (r.status(), kind, r.text().await.unwrap())
    };
    assert_eq!(scrape(None).await.0, 401, "no token");
    assert_eq!(scrape(Some("scrape-mf")).await.0, 401, "wrong token");
    let (status, kind, text) = scrape(Some("scrape-me")).await;
    assert_eq!(status, 200);
    assert!(kind.unwrap().starts_with("text/plain; version=0.0.4"));
    assert!(
        text.contains(
            "salesdesk_http_requests_total{route=\"/api/v1/customers/{id}\",method=\"GET\",status=\"404\"} 2"
        ),
        "{text}"
    );
    assert!(!text.contains("424242"), "raw paths never become labels");
    assert!(text.contains("salesdesk_http_request_duration_seconds_bucket{route=\"/api/v1/customers/{id}\",le=\"+Inf\"} 2"), "{text}");
    assert!(
        text.contains("salesdesk_db_pool_max_connections{pool="),
        "{text}"
    );
    assert!(
        text.contains("# TYPE salesdesk_import_runs gauge"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_are_not_there_when_no_token_is_set() {
    let t = TestApp::spawn().await;
    let r = t.client().get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}
