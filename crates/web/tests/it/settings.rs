//! The administrator's customer settings and lists; regions' assignment rules.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

async fn audit_count(t: &TestApp, token: &str, action: &str) -> u64 {
    let (_, v) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/audit?action={action}")),
        token,
    )
    .await;
    v["total"].as_u64().unwrap_or_else(|| {
        v["items"]
            .as_array()
            .map(|a| a.iter().filter(|e| e["action"] == action).count() as u64)
            .unwrap_or(0)
    })
}

#[tokio::test]
async fn the_administrator_changes_customer_settings_and_bad_values_change_nothing() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let c = t.client();
    let url = t.url("/api/v1/settings/customers");
    let (s, before) = api_get(&c, &url, &admin).await;
    assert_eq!(s, 200);
    assert_eq!(before["pool_enabled"], false, "the pool is off by default");
    assert_eq!(before["review_days"]["lead"], 14);

    // Every bad value is named; nothing is saved.
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &url,
        &admin,
        json!({"required_items": ["phone", "fax"], "review_days": {"lead": 0, "signed": 90},
               "pool_enabled": true, "pool_idle_days": 0, "pool_claims_per_day": 5000}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let mut fields = problem_fields(&v);
    fields.sort();
    assert_eq!(fields, vec!["required_items"], "unknown items first");
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &url,
        &admin,
        json!({"required_items": ["phone"], "review_days": {"lead": 0, "signed": 90},
               "pool_enabled": true, "pool_idle_days": 0, "pool_claims_per_day": 5000}),
    )
    .await;
    assert_eq!(s, 422);
    let mut fields = problem_fields(&v);
    fields.sort();
    assert_eq!(
        fields,
        vec!["pool_claims_per_day", "pool_idle_days", "review_days.lead"]
    );
    let (_, now) = api_get(&c, &url, &admin).await;
    assert_eq!(now, before, "nothing was written");

    let (s, saved) = api_send(
        &c,
        Method::PUT,
        &url,
        &admin,
        json!({"required_items": ["contact", "phone"], "review_days": {"lead": 7, "invalid": null},
               "pool_enabled": true, "pool_idle_days": 45, "pool_claims_per_day": 3}),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(
        saved["required_items"],
        json!(["phone", "contact"]),
        "kept in the record's order"
    );
    assert_eq!(saved["review_days"], json!({"lead": 7}), "others never due");
    let (_, now) = api_get(&c, &url, &admin).await;
    assert_eq!(now, saved);
    assert_eq!(audit_count(&t, &admin, "setting.update").await, 1);

    // Nobody else may read or change them.
    let vp = t.token("vp").await;
    assert_eq!(api_get(&c, &url, &vp).await.0, 403);
}

#[tokio::test]
async fn the_settings_page_saves_ticked_items_and_shows_errors_beside_fields() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("admin").await;
    let home = page_text(&b, &t.url("/")).await;
    assert!(home.contains("href=\"/settings/customers\""), "in the menu");
    let page = page_text(&b, &t.url("/settings/customers")).await;
    assert!(page.contains("value=\"contact\" checked"));
    assert!(!page.contains("name=\"pool_enabled\" value=\"on\" checked"));

    let r = b
        .post(t.url("/settings/customers"))
        .form(&[
            ("required", "uscc"),
            ("required", "website"),
            ("review_days.lead", "abc"),
            ("review_days.basic", ""),
            ("pool_idle_days", "30"),
            ("pool_claims_per_day", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("天数须在1到3650之间"),
        "message beside the field"
    );
    assert!(
        page.contains("value=\"uscc\" checked"),
        "what was ticked is kept"
    );
    assert!(page.contains("value=\"abc\""), "what was typed is kept");

    let r = b
        .post(t.url("/settings/customers"))
        .form(&[
            ("required", "uscc"),
            ("required", "website"),
            ("review_days.lead", "10"),
            ("review_days.basic", ""),
            ("pool_enabled", "on"),
            ("pool_idle_days", "30"),
            ("pool_claims_per_day", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let admin = t.token("admin").await;
    let (_, v) = api_get(&t.client(), &t.url("/api/v1/settings/customers"), &admin).await;
    assert_eq!(v["required_items"], json!(["uscc", "website"]));
    assert_eq!(v["review_days"], json!({"lead": 10}));
    assert_eq!(v["pool_enabled"], true);

    // Another person does not get the page or the menu entry.
    let rep = t.browser_as("north.rep").await;
    let r = rep.get(t.url("/settings/customers")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn types_and_sources_are_added_renamed_and_deactivated_by_the_administrator() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let c = t.client();
    let (s, made) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/choices"),
        &admin,
        json!({"list": "source", "code": "trade_fair", "name_zh": "展会", "name_en": "Trade fair"}),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["active"], true);
    let id = made["id"].as_i64().unwrap();

    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/choices"),
        &admin,
        json!({"list": "source", "code": "trade_fair", "name_zh": "展会2", "name_en": "Fair 2"}),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(v["errors"][0]["field"], "code");
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/choices"),
        &admin,
        json!({"list": "colour", "code": "Bad Code", "name_zh": "", "name_en": "x"}),
    )
    .await;
    assert_eq!(s, 422);
    let mut f = problem_fields(&v);
    f.sort();
    assert_eq!(f, vec!["code", "list", "name_zh"]);

    // Rename only the English name; then deactivate.
    let path = t.url(&format!("/api/v1/choices/{id}"));
    let (s, v) = api_send(
        &c,
        Method::PATCH,
        &path,
        &admin,
        json!({"name_en": "Exhibition"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (v["name_zh"].as_str(), v["name_en"].as_str()),
        (Some("展会"), Some("Exhibition"))
    );
    let (s, v) = api_send(&c, Method::PATCH, &path, &admin, json!({"active": false})).await;
    assert_eq!((s, &v["active"]), (200, &json!(false)));
    let (s, v) = api_send(&c, Method::PATCH, &path, &admin, json!({"name_zh": "  "})).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["name_zh"]);
    let (s, _) = api_send(
        &c,
        Method::PATCH,
        &t.url("/api/v1/choices/999999"),
        &admin,
        json!({"active": true}),
    )
    .await;
    assert_eq!(s, 404);

    // Anyone signed in reads the lists (forms need them), inactive entries marked.
    let (s, all) = api_get(&c, &t.url("/api/v1/choices"), &t.token("north.rep").await).await;
    assert_eq!(s, 200);
    let entry: &Value = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "trade_fair")
        .unwrap();
    assert_eq!(entry["active"], false);
    assert_eq!(entry["name_en"], "Exhibition");
    assert_eq!(audit_count(&t, &admin, "choice.create").await, 1);
    assert_eq!(audit_count(&t, &admin, "choice.update").await, 2);
}

#[tokio::test]
async fn the_lists_page_adds_renames_and_reactivates_entries_with_errors_beside_the_form() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("admin").await;
    let r = b
        .post(t.url("/settings/lists"))
        .form(&[
            ("list", "type"),
            ("code", "Gov!"),
            ("name_zh", "政府"),
            ("name_en", "Government"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("代码只能使用小写字母"));
    assert!(page.contains("value=\"Gov!\""), "what was typed is kept");

    let r = b
        .post(t.url("/settings/lists"))
        .form(&[
            ("list", "type"),
            ("code", "gov"),
            ("name_zh", "政府"),
            ("name_en", "Government"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let admin = t.token("admin").await;
    let (_, all) = api_get(&t.client(), &t.url("/api/v1/choices"), &admin).await;
    let id = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "gov" && e["list"] == "type")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = b
        .post(t.url(&format!("/settings/lists/{id}")))
        .form(&[("name_zh", "政府机关"), ("name_en", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("value=\"政府机关\""),
        "typed name kept in its row"
    );
    let r = b
        .post(t.url(&format!("/settings/lists/{id}/active")))
        .form(&[("active", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&b, &t.url("/settings/lists")).await;
    assert!(page.contains("已停用"));
    assert!(page.contains("重新启用"));
}

/// Makes a customer as `login` through the API (they own it) and returns its id.
async fn customer_of(t: &TestApp, login: &str, name: &str) -> i64 {
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &t.token(login).await,
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

/// What customer creation does when no owner is given: pick one in its transaction.
async fn pick(t: &TestApp, region: i64) -> Option<i64> {
    let tx = t.app.db.begin().await.unwrap();
    let owner = salesdesk_app::assignment::pick_owner(&tx, region, salesdesk_app::records::today(&t.app))
        .await
        .unwrap();
    t.app.db.commit(tx).await.unwrap();
    owner
}

async fn set_mode(t: &TestApp, login: &str, region: i64, mode: &str) -> (u16, Value) {
    api_send(
        &t.client(),
        Method::PUT,
        &t.url(&format!("/api/v1/regions/{region}/assignment-rule")),
        &t.token(login).await,
        json!({"mode": mode}),
    )
    .await
}

#[tokio::test]
async fn round_robin_gives_a_regions_customers_to_its_account_managers_in_turn() {
    let t = TestApp::with_demo().await;
    let (am1, am2) = (
        t.person_id("north.am1").await,
        t.person_id("north.am2").await,
    );
    // North China is region 1; its account managers sit in the Beijing branch (2).
    assert_eq!(
        pick(&t, 1).await,
        None,
        "manual by default: nobody is chosen"
    );
    let (s, v) = set_mode(&t, "north.manager", 1, "round_robin").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["mode"], "round_robin");
    let turns = [
        pick(&t, 1).await,
        pick(&t, 1).await,
        pick(&t, 2).await,
        pick(&t, 3).await,
    ];
    assert_eq!(
        turns,
        [Some(am1), Some(am2), Some(am1), Some(am2)],
        "in turn, for the region and for its branches (Tianjin has none of its own)"
    );
    // Another region's rule is its own.
    assert_eq!(pick(&t, 4).await, None);
    let (s, _) = set_mode(&t, "north.manager", 1, "manual").await;
    assert_eq!(s, 200);
    assert_eq!(pick(&t, 1).await, None);
}

#[tokio::test]
async fn least_load_gives_the_customer_to_whoever_holds_fewest_open_ones() {
    let t = TestApp::with_demo().await;
    let (am1, am2) = (
        t.person_id("north.am1").await,
        t.person_id("north.am2").await,
    );
    let a = customer_of(&t, "north.am1", "北京甲科技有限公司").await;
    let b = customer_of(&t, "north.am1", "北京乙科技有限公司").await;
    customer_of(&t, "north.am2", "北京丙科技有限公司").await;
    let (s, _) = set_mode(&t, "admin", 1, "least_load").await;
    assert_eq!(s, 200);
    assert_eq!(pick(&t, 1).await, Some(am2), "1 open against 2");
    // Signed customers are no longer open work.
    for id in [a, b] {
        let now = chrono::Utc::now();
        let changed =
            salesdesk_store::customers::set_status(t.app.db.read(), id, "lead", "signed", now)
                .await
                .unwrap();
        assert!(changed);
    }
    assert_eq!(pick(&t, 1).await, Some(am1), "0 open against 1");
    // The page shows who takes part, their load, and who is next.
    let page = t
        .browser_as("north.manager")
        .await
        .get(t.url("/regions/1/assignment"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"least_load\" checked"),
        "the form is theirs"
    );
    assert!(page.contains("下一位"));
}

#[tokio::test]
async fn only_the_regions_manager_the_vp_and_the_administrator_change_its_rule() {
    let t = TestApp::with_demo().await;
    let (s, v) = set_mode(&t, "north.manager", 1, "fastest").await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["mode"]);
    assert_eq!(
        set_mode(&t, "north.manager", 4, "least_load").await.0,
        403,
        "not their region"
    );
    assert_eq!(set_mode(&t, "director", 1, "least_load").await.0, 403);
    assert_eq!(set_mode(&t, "vp", 4, "least_load").await.0, 200);
    assert_eq!(
        set_mode(&t, "vp", 2, "least_load").await.0,
        404,
        "a branch has no rule of its own"
    );
    assert_eq!(set_mode(&t, "vp", 99999, "least_load").await.0, 404);
    let admin = t.token("admin").await;
    assert_eq!(audit_count(&t, &admin, "assignment_rule.update").await, 1);

    // The regional manager finds the page from the menu; others see the rule read-only.
    let m = t.browser_as("north.manager").await;
    let r = m.get(t.url("/assignment")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/regions/1/assignment");
    let r = m
        .post(t.url("/regions/1/assignment"))
        .form(&[("mode", "round_robin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let rep = t.browser_as("north.rep").await;
    let page = page_text(&rep, &t.url("/regions/1/assignment")).await;
    assert!(page.contains("轮流分配"));
    assert!(!page.contains("<form method=\"post\" action=\"/regions/1/assignment\""));
    let r = rep
        .post(t.url("/regions/1/assignment"))
        .form(&[("mode", "manual")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let regions = page_text(&rep, &t.url("/regions")).await;
    assert!(regions.contains("href=\"/regions/1/assignment\""));
}

#[tokio::test]
async fn a_customer_created_without_an_owner_goes_to_the_next_account_manager_by_rule() {
    let t = TestApp::with_demo().await;
    let (s, _) = set_mode(&t, "north.manager", 1, "round_robin").await;
    assert_eq!(s, 200);
    // The regional manager enters two leads without naming an owner.
    let a = customer_of(&t, "north.manager", "北京分配甲有限公司").await;
    let b = customer_of(&t, "north.manager", "北京分配乙有限公司").await;
    let mgr = t.token("north.manager").await;
    let c = t.client();
    let mut owners = vec![];
    for id in [a, b] {
        let (_, v) = api_get(&c, &t.url(&format!("/api/v1/customers/{id}")), &mgr).await;
        owners.push(v["owner_name"].as_str().unwrap_or("").to_string());
        let (_, h) = api_get(
            &c,
            &t.url(&format!("/api/v1/customers/{id}/owner-history")),
            &mgr,
        )
        .await;
        assert_eq!(h[0]["reason"], "assign", "{h}");
    }
    assert_eq!(owners, ["张伟", "刘洋"], "in turn");
    // The account manager is told.
    let (_, notes) = api_get(
        &c,
        &t.url("/api/v1/notifications"),
        &t.token("north.am1").await,
    )
    .await;
    assert!(notes.to_string().contains("customers_assigned"));
}
