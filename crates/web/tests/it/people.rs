//! Managing people: validation, conflicts, disabling, the audit trail, forms that keep input.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send, page_text, problem_fields};

#[tokio::test]
async fn creating_a_person_with_bad_fields_names_every_problem_and_saves_nothing() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let c = t.client();
    let (_, before) = api_get(&c, &t.url("/api/v1/audit"), &admin).await;
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/people"),
        &admin,
        json!({"login": "王磊", "display_name": " ", "email": "wang@", "phone": "call me",
               "position": "ceo", "region_id": 9999, "manager_id": 9999, "password": "short"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["type"], "urn:salesdesk:problem:validation");
    let mut fields = problem_fields(&v);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "display_name",
            "email",
            "login",
            "manager_id",
            "password",
            "phone",
            "position",
            "region_id"
        ]
    );
    let email = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "email")
        .unwrap();
    assert_eq!(email["code"], "error.email");
    assert!(email["message"].as_str().unwrap().contains("电子邮箱"));
    let (_, after) = api_get(&c, &t.url("/api/v1/audit"), &admin).await;
    assert_eq!(
        before["total"], after["total"],
        "nothing written, not even an audit row"
    );
}

#[tokio::test]
async fn a_taken_login_is_a_conflict_on_the_login_field() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/people"),
        &admin,
        json!({"login": "North.AM1", "display_name": "重名", "position": "sales_rep", "region_id": 1, "password": "first-pass-1"}),
    )
    .await;
    assert_eq!(s, 409, "logins are compared case-insensitively: {v}");
    assert_eq!(problem_fields(&v), vec!["login"]);
}

#[tokio::test]
async fn regional_positions_need_a_region_and_the_vp_needs_none() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let c = t.client();
    let (s, v) = api_send(&c, Method::POST, &t.url("/api/v1/people"), &admin,
        json!({"login": "no.region", "display_name": "无区域", "position": "account_manager", "password": "first-pass-1"})).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["region_id"]);
    let (s, _) = api_send(&c, Method::POST, &t.url("/api/v1/people"), &admin,
        json!({"login": "vp2", "display_name": "副总二", "position": "sales_vp", "password": "first-pass-1"})).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn disabling_a_person_ends_their_sessions_and_keeps_their_record_and_history() {
    let t = TestApp::with_demo().await;
    let vp = t.token("vp").await;
    let rep_token = t.token("east.rep").await;
    let id = t.person_id("east.rep").await;
    let c = t.client();
    let (s, v) = api_send(
        &c,
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{id}")),
        &vp,
        json!({"active": false}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["active"], false);
    let (s, _) = api_get(&c, &t.url("/api/v1/me"), &rep_token).await;
    assert_eq!(s, 401);
    let r = c
        .post(t.url("/api/v1/sessions"))
        .json(&json!({"login": "east.rep", "password": salesdesk_test_support::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a disabled person cannot log in");
    let (s, person) = api_get(&c, &t.url(&format!("/api/v1/people/{id}")), &vp).await;
    assert_eq!(s, 200);
    assert_eq!(
        person["active"], false,
        "the record is still there, disabled"
    );
    let (_, audit) = api_get(
        &c,
        &t.url(&format!(
            "/api/v1/audit?entity_type=person&entity_id={id}&action=person.disable"
        )),
        &vp,
    )
    .await;
    assert_eq!(audit["total"], 1);
    let entry = &audit["items"][0];
    assert_eq!(entry["before"]["active"], true);
    assert_eq!(entry["after"]["active"], false);
    assert_eq!(entry["actor_name"], "陈建国");
    assert!(entry["request_id"].as_str().is_some());
    // Filtering the directory by status finds them among the disabled.
    let (_, disabled) = api_get(&c, &t.url("/api/v1/people?active=false"), &vp).await;
    assert_eq!(disabled["total"], 1);
}

#[tokio::test]
async fn nobody_can_report_to_their_own_team() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let manager = t.person_id("north.manager").await;
    let am = t.person_id("north.am1").await;
    let (s, v) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{manager}")),
        &admin,
        json!({"manager_id": am}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["code"], "error.manager_cycle");
    let (s, _) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{manager}")),
        &admin,
        json!({"manager_id": manager}),
    )
    .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn the_vp_manages_people_but_cannot_grant_administrator_rights_or_lock_themselves_out() {
    let t = TestApp::with_demo().await;
    let vp = t.token("vp").await;
    let c = t.client();
    let (s, v) = api_send(&c, Method::POST, &t.url("/api/v1/people"), &vp,
        json!({"login": "sneaky", "display_name": "某人", "is_admin": true, "password": "first-pass-1"})).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["is_admin"]);
    let me = t.person_id("vp").await;
    let (s, v) = api_send(
        &c,
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{me}")),
        &vp,
        json!({"active": false}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["code"], "error.cannot_disable_self");
}

#[tokio::test]
async fn the_directory_filters_by_region_including_branches_and_by_position_and_text() {
    let t = TestApp::with_demo().await;
    let token = t.token("north.rep").await;
    let c = t.client();
    let (_, north) = api_get(&c, &t.url("/api/v1/people?region_id=1"), &token).await;
    // 7 staff of the north region (some sit in its branch office) + the e-office manager and a rep.
    assert_eq!(north["total"], 9, "{north}");
    let (_, ams) = api_get(
        &c,
        &t.url("/api/v1/people?position=account_manager"),
        &token,
    )
    .await;
    assert_eq!(ams["total"], 10);
    let (_, found) = api_get(&c, &t.url("/api/v1/people?q=NORTH.AM"), &token).await;
    assert_eq!(found["total"], 2);
    let (_, page) = api_get(&c, &t.url("/api/v1/people?per_page=5&page=2"), &token).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["total"], 41);
    let (s, v) = api_get(&c, &t.url("/api/v1/people?position=ceo"), &token).await;
    assert_eq!(s, 422, "{v}");
}

#[tokio::test]
async fn the_person_form_keeps_what_was_typed_and_marks_each_bad_field() {
    let t = TestApp::with_demo().await;
    let c = t.browser_as("admin").await;
    let r = c
        .post(t.url("/people"))
        .form(&[
            ("display_name", "赵新"),
            ("login", "zhao xin"),
            ("email", "zhao@example"),
            ("phone", "13800138000"),
            ("position", "account_manager"),
            ("region_id", ""),
            ("manager_id", ""),
            ("locale", "zh-CN"),
            ("password", "first-pass-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"赵新\""), "typed name kept");
    assert!(page.contains("value=\"13800138000\""), "typed phone kept");
    assert!(page.contains("登录名须为 2–32 个字符"));
    assert!(page.contains("电子邮箱格式不正确"));
    assert!(page.contains("该职位必须属于一个区域或分支机构"));
    assert!(
        !page.contains("first-pass-1"),
        "a password is never sent back"
    );
    let r = c
        .post(t.url("/people"))
        .form(&[
            ("display_name", "赵新"),
            ("login", "zhao.xin"),
            ("email", "zhao@example.com"),
            ("phone", "13800138000"),
            ("position", "account_manager"),
            ("region_id", "1"),
            ("manager_id", ""),
            ("locale", "zh-CN"),
            ("password", "first-pass-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = page_text(&c, &t.url(&to)).await;
    assert!(page.contains("已创建人员"));
    assert!(page.contains("zhao.xin"));
}
