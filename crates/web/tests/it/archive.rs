//! Archiving customers and the recycle bin (issue 10, point 4): an archived customer leaves
//! every list and count, a manager restores it, and the purge deletes it for good only after the
//! retention, on the app's clock.

use reqwest::Method;
use salesdesk_app::settings::{self, Settings};
use salesdesk_app::{AppConfig, Clock, Ctx};
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, lead_with_pending_request, page_text, problem_fields};

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(path), token, body).await
}

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), token).await
}

async fn customer(t: &TestApp, token: &str, name: &str) -> i64 {
    let (s, c) = post(t, token, "/api/v1/customers", json!({"name": name})).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().unwrap()
}

/// The ids a list answer holds.
fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// A demo company whose app clock is manual, so the retention passes without waiting.
async fn demo_with_clock() -> (TestApp, Clock) {
    let clock = Clock::manual(salesdesk_store::now());
    let t = TestApp::spawn_with(AppConfig {
        clock: clock.clone(),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed(&t.app).await.expect("demo");
    (t, clock)
}

#[tokio::test]
async fn an_archived_customer_leaves_every_list_and_count_and_a_restore_brings_it_back() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let id = customer(&t, &am1, "北京归档测试科技有限公司").await;
    customer(&t, &am1, "北京留下测试科技有限公司").await;
    let (_, before) = get(&t, &am1, "/api/v1/dashboard").await;
    assert_eq!(before["scope"]["total"], 2, "{before}");

    let (s, p) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/archive"),
        json!({"reason": "客户已注销"}),
    )
    .await;
    assert_eq!(s, 204, "{p}");

    // Gone from the lists, the search, the record itself and the dashboard, for everyone.
    for token in [&am1, &manager, &t.token("vp").await] {
        let (_, list) = get(&t, token, "/api/v1/customers").await;
        assert!(!ids(&list).contains(&id), "{list}");
        for q in ["归档测试", "归档"] {
            let (_, found) = get(&t, token, &format!("/api/v1/customers?q={q}")).await;
            assert_eq!(found["total"], 0, "search {q}: {found}");
        }
        let (s, _) = get(&t, token, &format!("/api/v1/customers/{id}")).await;
        assert_eq!(s, 404);
    }
    let (_, after) = get(&t, &am1, "/api/v1/dashboard").await;
    assert_eq!(after["scope"]["total"], 1, "{after}");
    assert_eq!(after["scope"]["by_status"]["lead"], 1, "{after}");
    // Nothing can be added to it meanwhile.
    let (s, _) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/records"),
        json!({"kind": "call", "summary": "电话"}),
    )
    .await;
    assert_eq!(s, 404);
    // An archived customer is in the bin, not among the customers: archiving it again finds
    // nothing.
    let (s, _) = post(
        &t,
        &manager,
        &format!("/api/v1/customers/{id}/archive"),
        json!({}),
    )
    .await;
    assert_eq!(s, 404);

    // The bin: the manager sees who, when, why and until when; the account manager may not.
    let (s, _) = get(&t, &am1, "/api/v1/customers/archived").await;
    assert_eq!(s, 403);
    let (s, bin) = get(&t, &manager, "/api/v1/customers/archived").await;
    assert_eq!(s, 200, "{bin}");
    assert_eq!(bin["total"], 1, "{bin}");
    let entry = &bin["items"][0];
    assert_eq!(entry["customer"]["id"], id);
    assert_eq!(entry["archived_by_name"], "张伟");
    assert_eq!(entry["reason"], "客户已注销");
    let at = chrono::DateTime::parse_from_rfc3339(entry["archived_at"].as_str().unwrap()).unwrap();
    let purge =
        chrono::DateTime::parse_from_rfc3339(entry["purge_after"].as_str().unwrap()).unwrap();
    assert_eq!(
        purge - at,
        chrono::TimeDelta::days(30),
        "30 days by default"
    );
    // Another region's manager does not see it.
    let (_, east) = get(
        &t,
        &t.token("east.manager").await,
        "/api/v1/customers/archived",
    )
    .await;
    assert_eq!(east["total"], 0, "{east}");

    // Restore: only a manager; then it is back everywhere, and a second restore is a 409.
    let (s, _) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/restore"),
        json!({}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, c) = post(
        &t,
        &manager,
        &format!("/api/v1/customers/{id}/restore"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["owner_id"], t.person_id("north.am1").await);
    let (s, p) = post(
        &t,
        &manager,
        &format!("/api/v1/customers/{id}/restore"),
        json!({}),
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (409, vec!["customer".to_string()]));
    let (_, found) = get(&t, &am1, "/api/v1/customers?q=归档测试").await;
    assert_eq!(ids(&found), [id]);
    let (_, back) = get(&t, &am1, "/api/v1/dashboard").await;
    assert_eq!(back["scope"]["total"], 2, "{back}");

    // Both are in the audit log, readable, and in the customer's own timeline.
    let vp = t.token("vp").await;
    let (_, log) = get(
        &t,
        &vp,
        &format!("/api/v1/audit?entity_type=customer&entity_id={id}"),
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["customer.restore", "customer.archive", "customer.create"]
    );
    let b = t.browser_as("north.manager").await;
    let page = page_text(&b, &t.url(&format!("/customers/{id}?kind=edits"))).await;
    assert!(page.contains("李明华 恢复了客户"), "{page}");
    assert!(page.contains("张伟 归档了客户"), "{page}");
    assert!(page.contains("客户已注销"), "{page}");
}

/// Who may archive a customer of North China's `north.am2`, and their own: written out by hand
/// per demo role (managers of its scope: yes; its own account manager: yes; other staff: no;
/// outside the scope: not found).
#[tokio::test]
async fn who_may_archive_and_restore_per_role() {
    let t = TestApp::with_demo().await;
    let am2 = t.token("north.am2").await;
    // (login, archiving am2's customer, archiving one of their own, reading the bin)
    let table: &[(&str, u16, Option<u16>, u16)] = &[
        ("admin", 404, None, 403),
        ("vp", 204, Some(204), 200),
        ("director", 204, Some(204), 200),
        ("north.manager", 204, Some(204), 200),
        // A customer the e-office manager creates goes to the region (not their team), so
        // they have none of their own to try.
        ("eoffice.manager", 404, None, 200),
        ("north.am1", 404, Some(204), 403),
        ("north.rep", 404, Some(403), 403),
        ("north.consultant", 404, Some(403), 403),
        ("eoffice.rep1", 404, Some(403), 403),
        ("north.assistant", 403, Some(403), 403),
        ("north.telesales", 404, Some(403), 403),
    ];
    for (i, (login, theirs, own, bin)) in table.iter().enumerate() {
        let token = t.token(login).await;
        let id = customer(&t, &am2, &format!("天津归档权限{i}号有限公司")).await;
        let (s, p) = post(
            &t,
            &token,
            &format!("/api/v1/customers/{id}/archive"),
            json!({}),
        )
        .await;
        assert_eq!(s, *theirs, "{login} archives north.am2's customer: {p}");
        if let Some(own) = own {
            let mine = customer(&t, &token, &format!("自有归档权限{i}号有限公司")).await;
            let (s, p) = post(
                &t,
                &token,
                &format!("/api/v1/customers/{mine}/archive"),
                json!({}),
            )
            .await;
            assert_eq!(s, *own, "{login} archives their own: {p}");
        }
        let (s, _) = get(&t, &token, "/api/v1/customers/archived").await;
        assert_eq!(s, *bin, "{login} reads the bin");
    }
}

#[tokio::test]
async fn a_customer_with_a_pending_status_request_is_not_archived() {
    let t = TestApp::with_demo().await;
    let (id, _) = lead_with_pending_request(&t, "北京待审归档有限公司").await;
    let manager = t.token("north.manager").await;
    let (s, p) = post(
        &t,
        &manager,
        &format!("/api/v1/customers/{id}/archive"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(problem_fields(&p), ["customer"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("待审批"),
        "{p}"
    );
    let (s, _) = get(&t, &manager, &format!("/api/v1/customers/{id}")).await;
    assert_eq!(s, 200, "still there");
}

#[tokio::test]
async fn a_new_customer_named_like_an_archived_one_is_led_to_the_restore() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, "北京同名归档有限公司").await;
    let (s, _) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/archive"),
        json!({}),
    )
    .await;
    assert_eq!(s, 204);
    // The account manager learns it is archived, without a way in they do not have.
    let (s, p) = post(
        &t,
        &am1,
        "/api/v1/customers",
        json!({"name": "北京同名归档有限公司"}),
    )
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["existing_archived"], true, "{p}");
    assert!(p.get("existing_id").is_none(), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("恢复"), "{p}");
    // The manager, who may restore it, gets its id, and the form links to the restore.
    let manager = t.token("north.manager").await;
    let (s, p) = post(
        &t,
        &manager,
        "/api/v1/customers",
        json!({"name": "北京同名归档有限公司"}),
    )
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["existing_id"], id, "{p}");
    let b = t.browser_as("north.manager").await;
    let form = b
        .post(t.url("/customers"))
        .form(&[("name", "北京同名归档有限公司")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(&format!("href=\"/customers/{id}/restore\"")),
        "{form}"
    );
}

#[tokio::test]
async fn the_purge_deletes_an_archived_customer_only_after_the_retention() {
    let (t, clock) = demo_with_clock().await;
    let am1 = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let id = customer(&t, &am1, "北京到期删除有限公司").await;
    let (s, _) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/contacts"),
        json!({"name": "王磊", "mobile": "13800138000"}),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/records"),
        json!({"kind": "call", "summary": "电话沟通"}),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/archive"),
        json!({"reason": "重复录入"}),
    )
    .await;
    assert_eq!(s, 204);

    // A shorter retention is a setting.
    let s7 = Settings {
        archive_retention_days: 7,
        ..Settings::default()
    };
    settings::put(&t.app, &Ctx::system(), &s7).await.unwrap();
    clock.advance(chrono::TimeDelta::days(6));
    assert_eq!(salesdesk_app::archive::purge(&t.app).await.unwrap(), 0);
    let (_, bin) = get(&t, &manager, "/api/v1/customers/archived").await;
    assert_eq!(ids_of_bin(&bin), [id], "six days in: still restorable");

    clock.advance(chrono::TimeDelta::days(1) + chrono::TimeDelta::minutes(1));
    assert_eq!(salesdesk_app::archive::purge(&t.app).await.unwrap(), 1);
    // A second run (another process) finds nothing left.
    assert_eq!(salesdesk_app::archive::purge(&t.app).await.unwrap(), 0);
    let (_, bin) = get(&t, &manager, "/api/v1/customers/archived").await;
    assert_eq!(bin["total"], 0, "{bin}");
    let (s, _) = post(
        &t,
        &manager,
        &format!("/api/v1/customers/{id}/restore"),
        json!({}),
    )
    .await;
    assert_eq!(s, 404, "gone for good");
    // One audit row names what went.
    let (_, log) = get(
        &t,
        &t.token("vp").await,
        "/api/v1/audit?action=customer.purge",
    )
    .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["entity_id"], id);
    assert_eq!(log["items"][0]["before"]["name"], "北京到期删除有限公司");
    // Its name is free again.
    customer(&t, &am1, "北京到期删除有限公司").await;
}

fn ids_of_bin(bin: &Value) -> Vec<i64> {
    bin["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["customer"]["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_retention_is_a_setting_between_one_and_3650_days() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let (s, now) = get(&t, &admin, "/api/v1/settings/customers").await;
    assert_eq!(s, 200);
    assert_eq!(now["archive_retention_days"], 30);
    for bad in [0, 3651] {
        let mut body = now.clone();
        body["archive_retention_days"] = json!(bad);
        let (s, p) = api_send(
            &t.client(),
            Method::PUT,
            &t.url("/api/v1/settings/customers"),
            &admin,
            body,
        )
        .await;
        assert_eq!(s, 422, "{p}");
        assert_eq!(problem_fields(&p), ["archive_retention_days"]);
    }
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/customers")).await;
    assert!(
        page.contains("name=\"archive_retention_days\" value=\"30\""),
        "{page}"
    );
}
