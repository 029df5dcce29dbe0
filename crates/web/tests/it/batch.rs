//! `POST /api/v1/customers/batch` (issue 11): up to 1,000 customers, all or none, each with the
//! checks of one create, every refusal naming its item.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, problem_fields};

const BATCH: &str = "/api/v1/customers/batch";

async fn post(t: &TestApp, token: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(BATCH), token, body).await
}

async fn total(t: &TestApp, token: &str) -> i64 {
    let (s, v) = api_get(&t.client(), &t.url("/api/v1/customers"), token).await;
    assert_eq!(s, 200, "{v}");
    v["total"].as_i64().expect("total")
}

/// Audit rows of an action, as the audit API lists them.
async fn audited(t: &TestApp, action: &str) -> i64 {
    let vp = t.token("vp").await;
    let (s, v) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/audit?action={action}")),
        &vp,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["total"].as_i64().expect("total")
}

fn names(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"name": format!("批量{i}号测试科技有限公司")}))
        .collect()
}

#[tokio::test]
async fn a_batch_creates_every_item_as_a_lead_of_its_creator_with_an_audit_row_each() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let before = total(&t, &am).await;
    let audits_before = audited(&t, "customer.create").await;
    let mut items = names(3);
    items[1] = json!({"name": "北京批量数据有限公司", "uscc": "914403001922038216", "phone": "010-6234 5678"});
    let (s, v) = post(&t, &am, json!({"items": items})).await;
    assert_eq!(s, 201, "{v}");
    let ids: Vec<i64> = v["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|i| i.as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(total(&t, &am).await, before + 3);
    let (s, c) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/{}", ids[1])),
        &am,
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["name"], "北京批量数据有限公司");
    assert_eq!(c["status"], "lead");
    assert_eq!(c["owner_name"], "张伟", "{c}");
    assert_eq!(audited(&t, "customer.create").await, audits_before + 3);
    // The same batch again: every item is now a duplicate, told by item with its owner.
    let (s, v) = post(&t, &am, json!({"items": items})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(
        problem_fields(&v),
        ["items[0].name", "items[1].uscc", "items[2].name"]
    );
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("张伟"),
        "{v}"
    );
    assert_eq!(total(&t, &am).await, before + 3);
}

#[tokio::test]
async fn one_bad_item_writes_nothing_and_its_errors_name_the_item_and_the_field() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let before = total(&t, &am).await;
    let mut items = names(20);
    items[17] = json!({"name": "", "email": "not-an-address"});
    let (s, v) = post(&t, &am, json!({"items": items})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["items[17].name", "items[17].email"]);
    assert_eq!(total(&t, &am).await, before, "nothing written");
}

#[tokio::test]
async fn two_items_of_one_company_are_refused_naming_the_earlier_one() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let before = total(&t, &am).await;
    let items = json!([
        {"name": "上海同批重复科技有限公司"},
        {"name": "杭州另一家科技有限公司"},
        // The same name written with full-width brackets and spaces folds to the same key.
        {"name": " 上海同批重复科技有限公司 "},
    ]);
    let (s, v) = post(&t, &am, json!({"items": items})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["items[2].name"]);
    assert_eq!(v["errors"][0]["code"], "error.duplicate_in_batch");
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains('0'),
        "{v}"
    );
    assert_eq!(total(&t, &am).await, before);
}

#[tokio::test]
async fn more_than_1000_items_or_none_are_refused() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let (s, v) = post(&t, &am, json!({"items": names(1001)})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["items"]);
    assert_eq!(v["errors"][0]["code"], "error.too_many");
    let (s, v) = post(&t, &am, json!({"items": []})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["items"]);
}

#[tokio::test]
async fn a_batch_of_1000_is_written_and_listed() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let before = total(&t, &am).await;
    let (s, v) = post(&t, &am, json!({"items": names(1000)})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["ids"].as_array().unwrap().len(), 1000);
    assert_eq!(total(&t, &am).await, before + 1000);
    // Found by search like any other customer (the search indexes follow the rows).
    let (_, found) = api_get(
        &t.client(),
        &t.url("/api/v1/customers?q=%E6%89%B9%E9%87%8F999%E5%8F%B7"),
        &am,
    )
    .await;
    assert_eq!(found["total"], 1, "{found}");
}

#[tokio::test]
async fn scope_an_account_manager_may_not_give_a_batch_item_to_someone_else() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let other = t.person_id("south.am1").await;
    let before = total(&t, &am).await;
    let items = json!([
        {"name": "北京范围测试一有限公司"},
        {"name": "北京范围测试二有限公司", "owner_id": other},
    ]);
    let (s, v) = post(&t, &am, json!({"items": items})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["items[1].owner_id"]);
    assert_eq!(total(&t, &am).await, before);
}

#[tokio::test]
async fn a_likely_duplicate_item_refuses_the_batch_unless_it_is_said_to_be_distinct() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "上海星河数据科技有限公司", "phone": "021-6234 5678"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let before = total(&t, &am).await;
    let items = json!([
        {"name": "无关测试有限公司"},
        {"name": "浦江信息服务有限公司", "phone": "+86 21 6234 5678"},
    ]);
    let (s, v) = post(&t, &am, json!({"items": items.clone()})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(problem_fields(&v), ["items[1].name"]);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("上海星河数据科技有限公司"),
        "{v}"
    );
    assert_eq!(total(&t, &am).await, before);
    let (s, v) = post(&t, &am, json!({"items": items, "distinct": true})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(total(&t, &am).await, before + 2);
}

#[tokio::test]
async fn a_batch_posted_twice_with_one_idempotency_key_is_written_once() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let before = total(&t, &am).await;
    let body = json!({"items": names(5)});
    let send = || async {
        let r = t
            .client()
            .post(t.url(BATCH))
            .bearer_auth(&am)
            .header("Idempotency-Key", "batch-0001")
            .json(&body)
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.text().await.expect("body"))
    };
    let (s1, b1) = send().await;
    assert_eq!(s1, 201, "{b1}");
    let (s2, b2) = send().await;
    assert_eq!((s2, &b2), (201, &b1), "the retry gets the first answer");
    assert_eq!(total(&t, &am).await, before + 5);
}
