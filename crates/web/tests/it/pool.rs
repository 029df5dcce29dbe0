//! The public pool (公海): off by default; release, claim within the region and the daily limit,
//! and idle customers swept back.

use reqwest::Method;
use salesdesk_app::Ctx;
use salesdesk_app::settings::{self, Settings};
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, problem_fields};

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(path), token, body).await
}

async fn customer(t: &TestApp, token: &str, name: &str) -> i64 {
    let (s, c) = post(t, token, "/api/v1/customers", json!({"name": name})).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().unwrap()
}

async fn turn_pool_on(t: &TestApp, claims_per_day: u32) {
    let s = Settings {
        pool_enabled: true,
        pool_claims_per_day: claims_per_day,
        ..Settings::default()
    };
    settings::put(&t.app, &Ctx::system(), &s).await.unwrap();
}

#[tokio::test]
async fn released_customers_are_claimed_within_the_region_and_the_daily_limit() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let a = customer(&t, &am1, "北京公海甲有限公司").await;
    let b = customer(&t, &am1, "北京公海乙有限公司").await;
    // Off by default: nothing to release into.
    let (s, p) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{a}/release"),
        json!({}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["pool"]);

    turn_pool_on(&t, 1).await;
    // A release says why, from the list (issue 10, point 4).
    for (body, field) in [
        (json!({}), "reason_code"),
        (json!({"reason_code": "bored"}), "reason_code"),
    ] {
        let (s, p) = post(&t, &am1, &format!("/api/v1/customers/{a}/release"), body).await;
        assert_eq!(s, 422, "{p}");
        assert_eq!(problem_fields(&p), [field]);
    }
    for id in [a, b] {
        let (s, p) = post(
            &t,
            &am1,
            &format!("/api/v1/customers/{id}/release"),
            json!({"reason_code": "competitor"}),
        )
        .await;
        assert_eq!(s, 204, "{p}");
    }
    let north_manager = t.token("north.manager").await;
    let (_, history) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/{a}/owner-history")),
        &north_manager,
    )
    .await;
    assert_eq!(history[0]["reason"], "release", "{history}");
    assert_eq!(history[0]["note"], "competitor", "{history}");
    let c = t.client();
    let (_, mine) = api_get(&c, &t.url("/api/v1/customers"), &am1).await;
    assert_eq!(mine["total"], 0, "released customers leave their owner");
    let am2 = t.token("north.am2").await;
    let (_, pool) = api_get(&c, &t.url("/api/v1/pool"), &am2).await;
    assert_eq!(pool["total"], 2, "the region's salespeople see its pool");
    let south = t.token("south.am1").await;
    let (_, other) = api_get(&c, &t.url("/api/v1/pool"), &south).await;
    assert_eq!(other["total"], 0, "another region's pool is not theirs");
    let (s, _) = post(
        &t,
        &south,
        &format!("/api/v1/customers/{a}/claim"),
        json!({}),
    )
    .await;
    assert_eq!(s, 404);

    let (s, got) = post(&t, &am2, &format!("/api/v1/customers/{a}/claim"), json!({})).await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["owner_name"], "刘洋");
    assert!(got["pool_since"].is_null());
    // One claim per day in this setting.
    let (s, p) = post(&t, &am2, &format!("/api/v1/customers/{b}/claim"), json!({})).await;
    assert_eq!(s, 409);
    assert!(
        p["detail"].to_string().contains("上限") || p.to_string().contains("上限"),
        "{p}"
    );
    // Claimed once: a second claim of the same customer is told someone was first (409, as
    // API-DESIGN.md says), not that the customer does not exist.
    let rep = t.token("north.rep").await;
    let (s, p) = post(&t, &rep, &format!("/api/v1/customers/{a}/claim"), json!({})).await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["errors"][0]["field"], "pool", "{p}");
    assert_eq!(p["errors"][0]["code"], "error.already_claimed", "{p}");

    let mgr = t.token("north.manager").await;
    let (_, hist) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{a}/owner-history")),
        &mgr,
    )
    .await;
    let reasons: Vec<&str> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["claim", "release", "create"]);
}

#[tokio::test]
async fn customers_left_without_contact_return_to_the_pool_once() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let idle = customer(&t, &am1, "北京久置有限公司").await;
    let busy = customer(&t, &am1, "北京常联系有限公司").await;
    {
        use salesdesk_store::Conn;
        let at = (chrono::Utc::now() - chrono::Duration::days(90)).to_rfc3339();
        let tx = t.app.db.begin().await.unwrap();
        tx.execute_unprepared(&format!(
            "UPDATE customers SET created_at = '{at}' WHERE id IN ({idle}, {busy})"
        ))
        .await
        .unwrap();
        t.app.db.commit(tx).await.unwrap();
    }
    post(
        &t,
        &am1,
        &format!("/api/v1/customers/{busy}/records"),
        json!({"kind": "call", "summary": "电话"}),
    )
    .await;
    // Off: nothing moves.
    assert_eq!(salesdesk_app::pool::sweep(&t.app).await.unwrap(), 0);
    turn_pool_on(&t, 10).await;
    assert_eq!(salesdesk_app::pool::sweep(&t.app).await.unwrap(), 1);
    assert_eq!(
        salesdesk_app::pool::sweep(&t.app).await.unwrap(),
        0,
        "a second sweep finds nothing more"
    );
    let (_, pool) = api_get(&t.client(), &t.url("/api/v1/pool"), &am1).await;
    assert_eq!(pool["total"], 1);
    assert_eq!(pool["items"][0]["id"], idle);
}
