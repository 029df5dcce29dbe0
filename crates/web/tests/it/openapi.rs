//! The OpenAPI document matches the server (issue 9, point 10): its servers entry, its error
//! responses, every route in it, and the 400/422 rule for bodies.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_send, problem_fields};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(t: &TestApp) -> Value {
    let r = t
        .client()
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_document_names_its_server_and_gives_every_error_as_a_problem_document() {
    let t = TestApp::spawn().await;
    let doc = document(&t).await;
    assert_eq!(doc["servers"], json!([{"url": "/api/v1"}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let problem = &doc["components"]["schemas"]["Problem"];
    assert_eq!(problem["required"], json!(["type", "title", "status"]));
    assert!(problem["properties"]["errors"].is_object(), "{problem}");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 40, "{}", paths.len());
    for (path, item) in paths {
        assert!(
            !path.starts_with("/api/"),
            "{path} is relative to the server"
        );
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let responses = op["responses"].as_object().unwrap();
            let name = format!("{} {path}", m.to_uppercase());
            for (status, r) in responses {
                if status.starts_with('4') {
                    assert_eq!(
                        r["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{name} {status}"
                    );
                    assert!(r["content"].get("application/json").is_none(), "{name}");
                }
            }
            let anonymous = op["security"] == json!([{}]);
            assert!(
                anonymous || responses.contains_key("401"),
                "{name}: 401 unless anonymous"
            );
            if op["requestBody"]["content"]
                .get("application/json")
                .is_some()
            {
                for s in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(s), "{name} lacks {s}");
                }
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{name} lacks 404");
            }
            if m != "get" {
                assert!(responses.contains_key("403"), "{name} lacks 403");
            }
            let keyed = m == "post" && !anonymous;
            let has_key_header = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
            assert_eq!(has_key_header, keyed, "{name}: Idempotency-Key");
            if keyed {
                assert!(responses.contains_key("409"), "{name} lacks 409");
            }
        }
    }
    assert!(
        paths["/sessions"]["post"]["responses"]
            .as_object()
            .unwrap()
            .contains_key("429")
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_every_routed_method_is_documented() {
    let t = TestApp::spawn().await;
    let doc = document(&t).await;
    let c = t.client();
    // Anonymous requests: a routed method stops at authentication (401) or at the body (400,
    // 415) before any handler runs; a method the path lacks is 405; an unrouted path is 404.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = t.url(&format!("/api/v1{}", path.replace("{id}", "1")));
        for m in METHODS {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let r = c.request(method, &url).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            assert_eq!(ct, "application/problem+json", "{m} {path}");
            if item.get(m).is_some() {
                assert!(
                    ![404, 405].contains(&status),
                    "{m} {path} is documented but answers {status}"
                );
            } else {
                assert_eq!(status, 405, "{m} {path} is routed but not documented");
            }
        }
    }
    // Every route of the API router goes through utoipa-axum's `routes!`, which documents it;
    // the one plain axum route is the document itself.
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/mod.rs")).unwrap();
    let plain: Vec<&str> = src
        .lines()
        .filter(|l| l.trim_start().starts_with(".route("))
        .collect();
    assert_eq!(plain, [r#"        .route("/openapi.json", get(openapi))"#]);
    let (s, _) = crate::api_get(&c, &t.url("/api/v1/no-such-thing"), "x").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_400_naming_the_field_and_a_broken_rule_is_422() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let url = t.url("/api/v1/customers");
    // A value of the wrong JSON type: 400, naming the field.
    let (s, v) = api_send(&c, Method::POST, &url, &am, json!({"name": 5})).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["type"], "urn:salesdesk:problem:malformed");
    assert_eq!(problem_fields(&v), ["name"]);
    assert_eq!(v["errors"][0]["code"], "error.json_type");
    // A required field missing: 400, naming it.
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/sessions"),
        "",
        json!({"password": "x"}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(problem_fields(&v), ["login"]);
    assert_eq!(v["errors"][0]["code"], "error.required");
    // Broken JSON is 400 too (auth.rs checks it on the login).
    // Not sent as JSON: 415.
    let r = c
        .post(&url)
        .bearer_auth(&am)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // Well-formed, but a value breaks a rule: 422 naming the field.
    let (s, v) = api_send(
        &c,
        Method::POST,
        &url,
        &am,
        json!({"name": "北京规则测试有限公司", "email": "not-an-address"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["email"]);
    // A query parameter of the wrong type: 400 in the same format.
    let (s, v) = crate::api_get(&c, &t.url("/api/v1/customers?page=abc"), &am).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["type"], "urn:salesdesk:problem:malformed-query");
    // A method the path lacks: 405 problem.
    let (s, v) = api_send(&c, Method::PUT, &url, &am, json!({})).await;
    assert_eq!(s, 405, "{v}");
    assert_eq!(v["type"], "urn:salesdesk:problem:method-not-allowed");
    // A cross-site change is refused with a problem document too.
    let r = c
        .post(&url)
        .bearer_auth(&am)
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "跨站有限公司"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

/// A path parameter is one the path names, and the path names no other: a query parameter
/// declared `in: path` (utoipa's default for `IntoParams`) made generated clients refuse or
/// mangle the list endpoints (issue 10, point 12). Every query parameter is optional.
#[tokio::test]
async fn parameters_are_where_the_path_says_they_are() {
    let t = TestApp::spawn().await;
    let doc = document(&t).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let named: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let mut want = named.clone();
            let mut got = in_path.clone();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{} {path}: path parameters", m.to_uppercase());
            for p in params.iter().filter(|p| p["in"] == "query") {
                assert_ne!(p["required"], true, "{} {path}: {p}", m.to_uppercase());
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} query parameters documented");
}

/// The document keys its schemas by the type's bare name, so two types of the same name in two
/// API modules (a deal's `LineDto` and the dashboard's) silently become one schema, and one
/// operation's answers then fail the document. Refuse that at the source: every type deriving
/// `ToSchema` in this crate has a name of its own.
#[test]
fn no_two_api_types_share_a_schema_name() {
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, files);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut dups = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut pending = false;
        let mut renamed: Option<String> = None;
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with("#[derive(") && l.contains("ToSchema") {
                pending = true;
            } else if pending && l.starts_with("#[schema(") && l.contains("as = ") {
                let after = l.split("as = ").nth(1).unwrap();
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                renamed = Some(name.rsplit("::").next().unwrap().to_string());
            } else if pending
                && let Some(rest) = [
                    "pub struct ",
                    "pub enum ",
                    "struct ",
                    "enum ",
                    "pub(crate) struct ",
                    "pub(crate) enum ",
                ]
                .iter()
                .find_map(|k| l.strip_prefix(k))
            {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let name = renamed.take().unwrap_or(name);
                let at = f
                    .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap()
                    .display()
                    .to_string();
                if let Some(first) = seen.insert(name.clone(), at.clone()) {
                    dups.push(format!("{name}: {first} and {at}"));
                }
                pending = false;
            }
        }
    }
    assert!(seen.len() > 50, "found only {} schema types", seen.len());
    assert!(dups.is_empty(), "schema names used twice: {dups:#?}");
}
