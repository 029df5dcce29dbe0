//! Customers (issue 3, first slice): scope, duplicates, validation, search.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send, page_text, problem_fields};

/// Creates a customer through the web form; returns its id from the redirect.
async fn create_through_form(t: &TestApp, browser: &reqwest::Client, name: &str) -> i64 {
    let r = browser
        .post(t.url("/customers"))
        .form(&[("name", name)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "creating {name}");
    let to = r.headers()["location"].to_str().unwrap();
    to.trim_start_matches("/customers/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn create(t: &TestApp, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        token,
        body,
    )
    .await
}

#[tokio::test]
async fn each_role_sees_exactly_the_customers_of_its_scope_and_404_outside_it() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (s, c) = create(&t, &am1, json!({"name": "北京中关村软件有限公司"})).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["status"], "lead");
    assert_eq!(c["owner_name"], "张伟", "staff own what they create");
    let id = c["id"].as_i64().unwrap();
    let path = format!("/api/v1/customers/{id}");
    // (login, sees it): own, the region's manager and assistant, director and VP see it;
    // a colleague, another region, the e-office team and the administrator do not.
    let expected = [
        ("north.am1", true),
        ("north.manager", true),
        ("north.assistant", true),
        ("director", true),
        ("vp", true),
        ("north.am2", false),
        ("north.rep", false),
        ("south.manager", false),
        ("south.assistant", false),
        ("eoffice.manager", false),
        ("admin", false),
    ];
    let c = t.client();
    for (login, sees) in expected {
        let token = t.token(login).await;
        let (s, _) = api_get(&c, &t.url(&path), &token).await;
        assert_eq!(s, if sees { 200 } else { 404 }, "{login} GET one");
        let (_, list) = api_get(&c, &t.url("/api/v1/customers"), &token).await;
        assert_eq!(list["total"], if sees { 1 } else { 0 }, "{login} list");
        let (s, _) = api_send(
            &c,
            Method::PATCH,
            &t.url(&path),
            &token,
            json!({"phone": "010-62345678"}),
        )
        .await;
        assert_eq!(s, if sees { 200 } else { 404 }, "{login} PATCH");
    }
    // The administrator, with no sales position, cannot create customers at all.
    let admin = t.token("admin").await;
    let (s, _) = create(&t, &admin, json!({"name": "某公司"})).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn a_duplicate_is_refused_naming_its_owner_but_not_revealing_it_outside_scope() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (s, first) = create(
        &t,
        &am1,
        json!({"name": "华为技术有限公司", "uscc": "914403001922038216"}),
    )
    .await;
    assert_eq!(s, 201, "{first}");
    let south = t.token("south.am1").await;
    for other_form in [
        "华为技术股份有限公司",
        "华为技术 有限责任公司",
        "华为技术（集团）",
    ] {
        let (s, v) = create(&t, &south, json!({"name": other_form})).await;
        assert_eq!(s, 409, "{other_form} is the same company: {v}");
    }
    let (s, v) = create(&t, &south, json!({"name": "华为技术股份有限公司"})).await;
    assert_eq!(s, 409);
    assert_eq!(v["type"], "urn:salesdesk:problem:duplicate");
    assert!(
        v["detail"].as_str().unwrap().contains("张伟"),
        "says who owns it: {v}"
    );
    assert!(
        v.get("existing_id").is_none(),
        "but not which record, outside the scope: {v}"
    );
    // By credit code, under another name.
    let (s, v) = create(
        &t,
        &south,
        json!({"name": "深圳某通信公司", "uscc": "914403001922038216"}),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(problem_fields(&v), vec!["uscc"]);
    // The manager of the owner's region is told which record it is.
    let manager = t.token("north.manager").await;
    let (s, v) = create(&t, &manager, json!({"name": "华为技术"})).await;
    assert_eq!(s, 409);
    assert_eq!(v["existing_id"], first["id"]);
    let (_, all) = api_get(
        &t.client(),
        &t.url("/api/v1/customers"),
        &t.token("vp").await,
    )
    .await;
    assert_eq!(
        all["total"], 1,
        "nothing was written by the refused attempts"
    );
}

#[tokio::test]
async fn bad_fields_are_named_and_nothing_is_saved() {
    let t = TestApp::with_demo().await;
    let am = t.token("east.am1").await;
    let (s, v) = create(
        &t,
        &am,
        json!({"name": "", "uscc": "914403001922038217", "website": "not a site", "email": "x@", "phone": "abc",
               "owner_id": t.person_id("south.am1").await, "region_id": 99999}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let mut fields = problem_fields(&v);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "email",
            "name",
            "owner_id",
            "phone",
            "region_id",
            "uscc",
            "website"
        ]
    );
    let uscc = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "uscc")
        .unwrap();
    assert_eq!(uscc["code"], "error.uscc_checksum");
    let (_, list) = api_get(&t.client(), &t.url("/api/v1/customers"), &am).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn names_are_normalised_and_chinese_substrings_are_found() {
    let t = TestApp::with_demo().await;
    let am = t.token("south.am2").await;
    let (s, c) = create(&t, &am, json!({"name": "  深圳市腾讯计算机系统有限公司 ", "short_name": "腾讯", "website": "www.tencent.com"})).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["name"], "深圳市腾讯计算机系统有限公司");
    assert_eq!(c["website"], "https://www.tencent.com");
    create(&t, &am, json!({"name": "ABC Software Co., Ltd."})).await;
    let c2 = t.client();
    for (q, n) in [
        ("腾讯", 1),
        ("讯", 1),
        ("公司", 1),
        ("s", 1),
        ("计算机", 1),
        ("abc soft", 1),
        ("ＡＢＣ", 1),
        ("华为", 0),
    ] {
        let (_, list) = api_get(&c2, &t.url(&format!("/api/v1/customers?q={q}")), &am).await;
        assert_eq!(list["total"], n, "search {q}");
    }
    let (s, _) = api_get(&c2, &t.url("/api/v1/customers?status=bogus"), &am).await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn staff_cannot_hand_a_customer_to_someone_else_but_their_manager_can() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("central.am1").await;
    let (_, c) = create(&t, &am1, json!({"name": "武汉光谷科技有限公司"})).await;
    let path = t.url(&format!("/api/v1/customers/{}", c["id"]));
    let am2_id = t.person_id("central.am2").await;
    let (s, _) = api_send(
        &t.client(),
        Method::PATCH,
        &path,
        &am1,
        json!({"owner_id": am2_id}),
    )
    .await;
    assert_eq!(s, 403);
    let manager = t.token("central.manager").await;
    let (s, v) = api_send(
        &t.client(),
        Method::PATCH,
        &path,
        &manager,
        json!({"owner_id": am2_id}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, am2) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/people/{am2_id}")),
        &manager,
    )
    .await;
    assert_eq!(v["owner_name"], am2["display_name"]);
    let (s, _) = api_get(&t.client(), &path, &am1).await;
    assert_eq!(s, 404, "the former owner no longer sees it");
    let (_, audit) = api_get(
        &t.client(),
        &t.url(&format!(
            "/api/v1/audit?entity_type=customer&entity_id={}",
            c["id"]
        )),
        &t.token("vp").await,
    )
    .await;
    assert_eq!(audit["total"], 2, "created and reassigned, both audited");
}

#[tokio::test]
async fn staff_and_assistants_are_refused_a_customers_region_or_owner_with_403_naming_the_field() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("central.am1").await;
    let (_, c) = create(&t, &am1, json!({"name": "武汉区域测试科技有限公司"})).await;
    let id = c["id"].as_i64().unwrap();
    let path = t.url(&format!("/api/v1/customers/{id}"));
    let (_, regions) = api_get(&t.client(), &t.url("/api/v1/regions"), &am1).await;
    let other = regions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .find(|r| Some(*r) != c["region_id"].as_i64())
        .unwrap();
    let am2_id = t.person_id("central.am2").await;
    let send = |token: String, body: serde_json::Value| {
        let (http, path) = (t.client(), path.clone());
        async move { api_send(&http, Method::PATCH, &path, &token, body).await }
    };
    let (s, v) = send(am1.clone(), json!({"region_id": other})).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["errors"][0]["field"], "region_id", "{v}");
    assert_eq!(v["errors"][0]["code"], "error.region_managers_only", "{v}");
    let (s, v) = send(am1.clone(), json!({"region_id": other, "owner_id": am2_id})).await;
    assert_eq!(s, 403);
    assert_eq!(problem_fields(&v), ["region_id", "owner_id"]);
    // The assistant sees the region's customers but does not place them either.
    let (s, v) = send(
        t.token("central.assistant").await,
        json!({"owner_id": am2_id}),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(problem_fields(&v), ["owner_id"]);
    // Other fields are still the owner's to change; nothing above was saved.
    let (s, v) = send(am1.clone(), json!({"phone": "027-87654321"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["region_id"], c["region_id"]);
    // The same refusal through the edit form, where a forged owner field is the only way.
    let browser = t.browser_as("central.am1").await;
    let r = browser
        .post(t.url(&format!("/customers/{id}")))
        .form(&[
            ("name", "武汉区域测试科技有限公司"),
            ("owner_id", &am2_id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("客户的负责人只能由经理更改")
    );
    // The region's manager moves it.
    let (s, v) = send(t.token("vp").await, json!({"region_id": other})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["region_id"], other);
}

#[tokio::test]
async fn an_edit_based_on_an_old_version_is_refused_with_what_changed_in_the_api_and_the_form() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (_, c) = create(&t, &am1, json!({"name": "北京版本测试有限公司"})).await;
    let id = c["id"].as_i64().unwrap();
    let path = t.url(&format!("/api/v1/customers/{id}"));
    let r = t
        .client()
        .get(&path)
        .bearer_auth(&am1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let http = t.client();
    let patch = |if_match: &'static str, body: serde_json::Value| {
        http.patch(&path)
            .bearer_auth(&am1)
            .header("If-Match", if_match)
            .json(&body)
            .send()
    };
    let r = patch("\"1\"", json!({"city": "北京"})).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    // Still at version 1 in this writer's eyes: refused, told what changed, nothing written.
    let r = patch("\"1\"", json!({"phone": "010-12345678"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["type"], "urn:salesdesk:problem:stale", "{v}");
    assert_eq!(v["current_version"], 2);
    assert_eq!(
        v["changed"],
        json!([{"field": "phone", "value": null}]),
        "{v}"
    );
    // The version may come in the body instead; both must agree, and a tag must be a version.
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &path,
        &am1,
        json!({"phone": "010-12345678", "version": 2}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 3);
    let r = patch("*", json!({"phone": "010-1"})).await.unwrap();
    assert_eq!(r.status(), 422);

    // The edit form carries the version it was read at; saving over a newer one shows what
    // changed and keeps what was typed.
    let browser = t.browser_as("north.am1").await;
    let form = page_text(&browser, &t.url(&format!("/customers/{id}/edit"))).await;
    assert!(form.contains(r#"name="version" value="3""#), "{form}");
    let (s, _) = api_send(
        &http,
        Method::PATCH,
        &path,
        &am1,
        json!({"province": "天津", "city": "天津"}),
    )
    .await;
    assert_eq!(s, 200);
    let r = browser
        .post(t.url(&format!("/customers/{id}")))
        .form(&[
            ("name", "北京版本测试有限公司"),
            ("city", "上海"),
            ("version", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("别人修改了这位客户"), "{page}");
    assert!(page.contains("天津"), "the value now is shown: {page}");
    assert!(
        page.contains(r#"<option value="310100" selected>上海市</option>"#),
        "what was chosen is kept"
    );
    assert!(page.contains(r#"name="version" value="4""#), "{page}");
    let (_, now) = api_get(&http, &path, &am1).await;
    assert_eq!(now["city"], "天津市", "nothing was overwritten");
    assert_eq!(now["city_code"], "120100");
}

#[tokio::test]
async fn a_record_marked_as_a_duplicate_by_the_migration_says_so_and_saving_it_needs_a_name_of_its_own()
 {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (_, a) = create(&t, &am1, json!({"name": "北京标记甲有限公司"})).await;
    let (_, b) = create(&t, &am1, json!({"name": "北京标记乙有限公司"})).await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    {
        // What m0014 leaves behind on a database that held the same company twice.
        use salesdesk_store::Conn;
        let tx = t.app.db.begin().await.unwrap();
        tx.execute_unprepared(&format!(
            "UPDATE customers SET duplicate_of = {a}, name = (SELECT name FROM customers WHERE id = {a}), \
             name_key = (SELECT name_key FROM customers WHERE id = {a}) WHERE id = {b}"
        ))
        .await
        .unwrap();
        t.app.db.commit(tx).await.unwrap();
    }
    let browser = t.browser_as("north.am1").await;
    let page = page_text(&browser, &t.url(&format!("/customers/{b}"))).await;
    assert!(page.contains("请经理将两者合并"), "{page}");
    assert!(page.contains(&format!("/customers/{a}\"")), "{page}");
    let (_, v) = api_get(&t.client(), &t.url(&format!("/api/v1/customers/{b}")), &am1).await;
    assert_eq!(v["duplicate_of"], a);
    // The older record is edited as usual; the marked one only under a name of its own.
    let patch = |id: i64, body: serde_json::Value| {
        let (http, url, token) = (
            t.client(),
            t.url(&format!("/api/v1/customers/{id}")),
            am1.clone(),
        );
        async move { api_send(&http, Method::PATCH, &url, &token, body).await }
    };
    let (s, v) = patch(a, json!({"city": "北京"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = patch(b, json!({"city": "北京"})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["type"], "urn:salesdesk:problem:duplicate");
    let (s, v) = patch(b, json!({"name": "北京标记丙有限公司"})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["duplicate_of"].is_null(), "{v}");
}

#[tokio::test]
async fn an_account_manager_creates_a_customer_through_the_form_and_a_duplicate_is_explained() {
    let t = TestApp::with_demo().await;
    let c = t.browser_as("east.am1").await;
    let home = page_text(&c, &t.url("/")).await;
    assert!(
        home.contains("href=\"/customers\""),
        "customers are in the navigation"
    );
    let r = c
        .post(t.url("/customers"))
        .form(&[
            ("name", "上海浦东软件园有限公司"),
            ("uscc", "123"),
            ("city", "上海"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("value=\"上海浦东软件园有限公司\""),
        "typed name kept"
    );
    assert!(page.contains("统一社会信用代码应为 18 位"));
    let r = c
        .post(t.url("/customers"))
        .form(&[("name", "上海浦东软件园有限公司"), ("city", "上海")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = page_text(&c, &t.url(&to)).await;
    assert!(page.contains("客户已保存"));
    assert!(page.contains("线索"), "a new customer is a lead");
    let list = page_text(&c, &t.url("/customers?q=浦东")).await;
    assert!(list.contains("上海浦东软件园有限公司"));
    // Someone in another region typing the same company is told it exists and who owns it.
    let other = t.browser_as("south.am1").await;
    let r = other
        .post(t.url("/customers"))
        .form(&[("name", "上海浦东软件园")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("该客户已登记，负责人："), "{page}");
    assert!(
        !page.contains("/customers/1\""),
        "no link to a record outside their scope"
    );
}

#[tokio::test]
async fn a_status_changes_only_when_the_manager_approves_the_evidenced_request() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let (_, c) = create(&t, &am, json!({"name": "天津港信息技术有限公司"})).await;
    let id = c["id"].as_i64().unwrap();
    let req_url = t.url(&format!("/api/v1/customers/{id}/status-requests"));
    let http = t.client();
    // Basic customer needs need, budget and timeline — each missing one is named.
    let (s, v) = api_send(
        &http,
        Method::POST,
        &req_url,
        &am,
        json!({"to_status": "basic", "need": "协同办公"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), vec!["budget", "timeline"]);
    // A jump the lifecycle forbids.
    let (s, v) = api_send(
        &http,
        Method::POST,
        &req_url,
        &am,
        json!({"to_status": "signed"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["code"], "error.status_transition");
    let (s, r) = api_send(&http, Method::POST, &req_url, &am,
        json!({"to_status": "basic", "need": "协同办公系统替换", "budget": "约 80 万元", "timeline": "2027 年第一季度"})).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["state"], "pending");
    // Still a lead until approved; a second request waits for the first.
    let (_, now) = api_get(&http, &t.url(&format!("/api/v1/customers/{id}")), &am).await;
    assert_eq!(now["status"], "lead");
    let (s, _) = api_send(
        &http,
        Method::POST,
        &req_url,
        &am,
        json!({"to_status": "invalid", "invalid_reason": "no_need"}),
    )
    .await;
    assert_eq!(s, 409);
    // The requester cannot approve their own request; a colleague, another region's manager cannot.
    let decision = t.url(&format!("/api/v1/status-requests/{}/decision", r["id"]));
    let (s, _) = api_send(
        &http,
        Method::POST,
        &decision,
        &am,
        json!({"approve": true}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api_send(
        &http,
        Method::POST,
        &decision,
        &t.token("south.manager").await,
        json!({"approve": true}),
    )
    .await;
    assert_eq!(s, 404, "outside their scope");
    // The manager sees it in the queue and was notified.
    let manager = t.token("north.manager").await;
    let (_, queue) = api_get(&http, &t.url("/api/v1/status-requests"), &manager).await;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    let (_, notes) = api_get(&http, &t.url("/api/v1/notifications"), &manager).await;
    assert!(
        notes["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("天津港信息技术有限公司"),
        "{notes}"
    );
    // Rejection needs a comment.
    let (s, v) = api_send(
        &http,
        Method::POST,
        &decision,
        &manager,
        json!({"approve": false}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["comment"]);
    let (s, d) = api_send(
        &http,
        Method::POST,
        &decision,
        &manager,
        json!({"approve": true, "comment": "同意"}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["state"], "approved");
    let (_, now) = api_get(&http, &t.url(&format!("/api/v1/customers/{id}")), &am).await;
    assert_eq!(now["status"], "basic");
    let (s, _) = api_send(
        &http,
        Method::POST,
        &decision,
        &manager,
        json!({"approve": true}),
    )
    .await;
    assert_eq!(s, 409, "a request is decided once");
    // The requester is told, and the history keeps request, evidence and decision.
    let (_, notes) = api_get(&http, &t.url("/api/v1/notifications"), &am).await;
    assert_eq!(notes["items"][0]["kind"], "status_approved");
    let (_, history) = api_get(&http, &req_url, &am).await;
    assert_eq!(history[0]["budget"], "约 80 万元");
    assert_eq!(history[0]["decided_by_name"], "李明华");
    let (_, audit) = api_get(
        &http,
        &t.url(&format!(
            "/api/v1/audit?entity_type=customer&entity_id={id}&action=customer.status_change"
        )),
        &t.token("vp").await,
    )
    .await;
    assert_eq!(audit["total"], 1);
}

#[tokio::test]
async fn the_request_and_the_approval_work_through_the_pages() {
    let t = TestApp::with_demo().await;
    let am = t.browser_as("south.am1").await;
    let id = create_through_form(&t, &am, "广州天河软件有限公司").await;
    // Missing evidence: the form comes back with the fields marked and the text kept.
    let r = am
        .post(t.url(&format!("/customers/{id}/status-requests")))
        .form(&[("to_status", "basic"), ("need", "移动办公")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("请填写客户预算"));
    assert!(page.contains("移动办公"), "typed evidence kept");
    let r = am
        .post(t.url(&format!("/customers/{id}/status-requests")))
        .form(&[
            ("to_status", "basic"),
            ("need", "移动办公"),
            ("budget", "50 万元"),
            ("timeline", "明年三月"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let manager = t.browser_as("south.manager").await;
    let queue = page_text(&manager, &t.url("/approvals")).await;
    assert!(
        queue.contains("广州天河软件有限公司"),
        "in the manager's queue"
    );
    let page = page_text(&manager, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("50 万元"), "the manager sees the evidence");
    let rid = page
        .split("/status-requests/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let r = manager
        .post(t.url(&format!("/status-requests/{rid}/decision")))
        .form(&[("decision", "approve"), ("comment", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&am, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("status-basic"), "now a basic customer");
    assert!(page.contains("已批准"));
}

#[tokio::test]
async fn contacts_have_one_primary_and_export_as_a_vcard_a_phone_imports() {
    let t = TestApp::with_demo().await;
    let am = t.token("east.am2").await;
    let http = t.client();
    let (_, c) = create(&t, &am, json!({"name": "杭州西湖数码有限公司"})).await;
    let base = t.url(&format!("/api/v1/customers/{}/contacts", c["id"]));
    let (s, first) = api_send(&http, Method::POST, &base, &am,
        json!({"name": "欧阳明", "title": "信息中心主任", "role": "decision_maker", "mobile": "13900139000", "email": "oy@example.com", "wechat": "oyming"})).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(
        first["is_primary"], true,
        "the first contact is the primary one"
    );
    let (s, v) = api_send(
        &http,
        Method::POST,
        &base,
        &am,
        json!({"name": "", "mobile": "abc", "role": "boss"}),
    )
    .await;
    assert_eq!(s, 422);
    let mut fields = problem_fields(&v);
    fields.sort();
    assert_eq!(fields, vec!["mobile", "name", "role"]);
    let (s, second) = api_send(
        &http,
        Method::POST,
        &base,
        &am,
        json!({"name": "李娜", "title": "采购经理", "role": "purchasing", "is_primary": true}),
    )
    .await;
    assert_eq!(s, 201);
    let (_, list) = api_get(&http, &base, &am).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["name"], "李娜", "the new primary comes first");
    assert_eq!(list[1]["is_primary"], false, "only one primary");
    // vCard 4.0 of all contacts.
    let r = http
        .get(format!("{base}.vcf"))
        .bearer_auth(&am)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/vcard")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let card = r.text().await.unwrap();
    assert_eq!(card.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), 2);
    assert!(card.contains("N:欧阳;明;;;\r\n"), "{card}");
    assert!(card.contains("ORG:杭州西湖数码有限公司\r\n"));
    assert!(card.contains("TEL;VALUE=uri;TYPE=cell:tel:+86-13900139000\r\n"));
    // Outside the scope: not found, for the list, the card and the contact itself.
    let other = t.token("east.am1").await;
    assert_eq!(api_get(&http, &base, &other).await.0, 404);
    let r = http
        .get(format!("{base}.vcf"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let contact = t.url(&format!("/api/v1/contacts/{}", second["id"]));
    let (s, _) = api_send(
        &http,
        Method::PATCH,
        &contact,
        &other,
        json!({"title": "x"}),
    )
    .await;
    assert_eq!(s, 404);
    let r = http.delete(&contact).bearer_auth(&am).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let (_, audit) = api_get(
        &http,
        &t.url(&format!(
            "/api/v1/audit?entity_type=contact&entity_id={}",
            second["id"]
        )),
        &t.token("vp").await,
    )
    .await;
    assert_eq!(audit["total"], 2, "added and removed, both audited");
}

#[tokio::test]
async fn contacts_are_added_on_the_customer_page() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("southwest.am1").await;
    let id = create_through_form(&t, &b, "成都高新软件有限公司").await;
    let r = b
        .post(t.url(&format!("/customers/{id}/contacts")))
        .form(&[("name", "赵强"), ("email", "bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"赵强\""), "typed name kept");
    assert!(page.contains("电子邮箱格式不正确"));
    let r = b
        .post(t.url(&format!("/customers/{id}/contacts")))
        .form(&[
            ("name", "赵强"),
            ("mobile", "13811112222"),
            ("role", "technical"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&b, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("赵强") && page.contains("技术把关") && page.contains("13811112222"));
    let r = b
        .get(t.url(&format!("/customers/{id}/contacts.vcf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("FN:赵强"));
}

#[tokio::test]
async fn a_customer_is_found_by_a_contacts_name_or_phone_until_the_contact_leaves() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am2").await;
    let http = t.client();
    let (_, c) = create(&t, &am, json!({"name": "北京燕园软件有限公司"})).await;
    let (_, k) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{}/contacts", c["id"])),
        &am,
        json!({"name": "王磊", "mobile": "138-0013-8000"}),
    )
    .await;
    // Whole, one letter, digits (long and short) and the customer's own name.
    for q in ["王磊", "磊", "13800138000", "0013", "38", "燕园"] {
        let (_, list) = api_get(&http, &t.url(&format!("/api/v1/customers?q={q}")), &am).await;
        assert_eq!(list["total"], 1, "search {q}");
    }
    // Renaming the customer keeps its contacts searchable.
    api_send(
        &http,
        Method::PATCH,
        &t.url(&format!("/api/v1/customers/{}", c["id"])),
        &am,
        json!({"short_name": "燕园"}),
    )
    .await;
    let (_, list) = api_get(&http, &t.url("/api/v1/customers?q=王磊"), &am).await;
    assert_eq!(list["total"], 1);
    http.delete(t.url(&format!("/api/v1/contacts/{}", k["id"])))
        .bearer_auth(&am)
        .send()
        .await
        .unwrap();
    let (_, list) = api_get(&http, &t.url("/api/v1/customers?q=王磊"), &am).await;
    assert_eq!(
        list["total"], 0,
        "a removed contact no longer finds the customer"
    );
}

/// All customers of the first pages (up to 400) as the VP sees them, by id.
async fn all_customers(t: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let mut out = vec![];
    for page in 1..=2 {
        let (s, list) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/customers?per_page=200&page={page}")),
            token,
        )
        .await;
        assert_eq!(s, 200, "{list}");
        out.extend(list["items"].as_array().unwrap().iter().cloned());
    }
    out.sort_by_key(|c| c["id"].as_i64());
    out
}

async fn generate(t: &TestApp) -> salesdesk_app::datagen::GenReport {
    let o = salesdesk_app::datagen::GenOptions {
        customers: 300,
        contacts: 600,
        records: 1_500,
        salespeople: 12,
        seed: 7,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    };
    salesdesk_app::datagen::generate(&t.app, &o, &mut |_| {})
        .await
        .expect("gen")
}

#[tokio::test]
async fn generated_customers_are_consistent_listable_searchable_and_the_same_for_a_seed() {
    let t = TestApp::spawn().await;
    let r = generate(&t).await;
    assert_eq!(
        (r.customers, r.contacts, r.records, r.salespeople),
        (300, 600, 1_500, 12)
    );
    let read = t.app.db.read();
    for (table, n) in [
        ("customers", 300),
        ("contacts", 600),
        ("contact_records", 1_500),
    ] {
        assert_eq!(
            salesdesk_store::bulk::max_id(read, table).await.unwrap(),
            n,
            "{table}"
        );
    }
    // The demo company came first (the database was empty), so the demo logins work.
    let vp = t.token("vp").await;
    let (_, list) = api_get(&t.client(), &t.url("/api/v1/customers"), &vp).await;
    assert_eq!(list["total"], 300);
    assert_eq!(list["total_exact"], true);
    let all = all_customers(&t, &vp).await;
    assert_eq!(all.len(), 300);
    for c in &all {
        let name = c["name"].as_str().unwrap();
        assert!(name.ends_with("公司"), "{name}");
        assert!(c["status"].as_str().is_some_and(|s| !s.is_empty()));
        let (created, updated) = (c["created_at"].as_str(), c["updated_at"].as_str());
        assert!(updated >= created, "{c}");
        if let (Some(last), Some(next)) =
            (c["last_contact_at"].as_str(), c["next_contact_on"].as_str())
        {
            assert!(next >= &last[..10], "next contact after the last one: {c}");
        }
        assert_eq!(c["owner_id"].is_null(), !c["pool_since"].is_null(), "{c}");
    }
    // Each generated record is linked to the contact its summary names.
    let mut linked = 0;
    for c in all.iter().take(20) {
        let id = c["id"].as_i64().unwrap();
        let (_, contacts) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/customers/{id}/contacts")),
            &vp,
        )
        .await;
        let (_, records) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/customers/{id}/records?per_page=100")),
            &vp,
        )
        .await;
        let contacts = contacts
            .as_array()
            .or(contacts["items"].as_array())
            .unwrap();
        for r in records["items"].as_array().unwrap() {
            let ids = r["contact_ids"].as_array().unwrap();
            if contacts.is_empty() {
                assert!(ids.is_empty(), "{r}");
                continue;
            }
            assert_eq!(ids.len(), 1, "{r}");
            let who = contacts.iter().find(|k| k["id"] == ids[0]).unwrap();
            let name = who["name"].as_str().unwrap();
            assert!(r["summary"].as_str().unwrap().contains(name), "{r} {who}");
            linked += 1;
        }
    }
    assert!(linked > 20, "{linked} records checked");
    // Searchable by a 4-character piece of the name (trigram path) and by the 2-character brand
    // (short path), with the same answer through the page.
    let c = &all[17];
    let name: Vec<char> = c["name"].as_str().unwrap().chars().collect();
    let city_len = ["石家庄"]
        .iter()
        .find(|p| name.starts_with(&p.chars().collect::<Vec<_>>()))
        .map_or(2, |_| 3);
    let brand: String = name[city_len..city_len + 2].iter().collect();
    let piece: String = name[city_len..city_len + 4].iter().collect();
    for q in [&brand, &piece] {
        let (s, found) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/customers?per_page=200&q={q}")),
            &vp,
        )
        .await;
        assert_eq!(s, 200);
        let items = found["items"].as_array().unwrap();
        assert!(items.iter().any(|x| x["id"] == c["id"]), "search {q}");
    }
    // An account manager sees only their own customers.
    let am = t.token("north.am1").await;
    let am_id = t.person_id("north.am1").await;
    let mine = all_customers(&t, &am).await;
    assert!(!mine.is_empty(), "north.am1 owns generated customers");
    assert!(mine.iter().all(|c| c["owner_id"] == am_id));
    // A second run refuses to add to a database with customers.
    let o = salesdesk_app::datagen::GenOptions {
        customers: 1,
        contacts: 0,
        records: 0,
        salespeople: 0,
        seed: 7,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    };
    assert!(
        salesdesk_app::datagen::generate(&t.app, &o, &mut |_| {})
            .await
            .is_err()
    );

    // The same seed on another database gives the same customers.
    let t2 = TestApp::spawn().await;
    generate(&t2).await;
    let vp2 = t2.token("vp").await;
    assert_eq!(all_customers(&t2, &vp2).await, all);
}

/// A regional manager's one- and two-letter searches answer from the scope kept in the search
/// index (m0010): customers of the region whoever owns them, and customers of the region's people
/// wherever they are; a reassignment or a move to another region changes the answer at once.
#[tokio::test]
async fn a_regional_managers_short_search_follows_reassignment_and_region_moves() {
    let t = TestApp::with_demo().await;
    let vp = t.token("vp").await;
    let http = t.client();
    let (_, regions) = api_get(&http, &t.url("/api/v1/regions"), &vp).await;
    let region = |name: &str| {
        regions
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("region {name}: {regions}"))["id"]
            .clone()
    };
    let (east, north) = (region("华东大区"), region("华北大区"));
    let (north_am, east_am) = (
        t.person_id("north.am1").await,
        t.person_id("east.am1").await,
    );
    let mut ids = vec![];
    for (name, region, owner) in [
        ("上海鑫源数据有限公司", &east, north_am),
        ("北京鑫源科技有限公司", &north, east_am),
        ("天津鑫源贸易有限公司", &north, north_am),
    ] {
        let (s, c) = create(
            &t,
            &vp,
            json!({"name": name, "region_id": region, "owner_id": owner}),
        )
        .await;
        assert_eq!(s, 201, "{c}");
        ids.push(c["id"].as_i64().unwrap());
    }
    let manager = t.token("east.manager").await;
    let found = |q: &'static str| {
        let (http, manager, t) = (&http, &manager, &t);
        async move {
            let (s, list) =
                api_get(http, &t.url(&format!("/api/v1/customers?q={q}")), manager).await;
            assert_eq!(s, 200, "{list}");
            let mut names: Vec<String> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            names
        }
    };
    let both = vec!["上海鑫源数据有限公司", "北京鑫源科技有限公司"];
    assert_eq!(
        found("鑫源").await,
        both,
        "of the region, and of its people"
    );
    assert_eq!(found("鑫").await, both);
    // The bulk reassignment writes the owner alone: the northern customer of the eastern account
    // manager goes to a northern one, and the Tianjin customer to the eastern one.
    for (id, owner) in [(ids[1], north_am), (ids[2], east_am)] {
        let (s, v) = api_send(
            &http,
            Method::POST,
            &t.url("/api/v1/customers/reassign"),
            &vp,
            json!({"ids": [id], "owner_id": owner}),
        )
        .await;
        assert_eq!((s, v["moved"].as_i64()), (200, Some(1)), "{v}");
    }
    assert_eq!(
        found("鑫源").await,
        vec!["上海鑫源数据有限公司", "天津鑫源贸易有限公司"]
    );
    assert_eq!(found("天津").await, vec!["天津鑫源贸易有限公司"]);
    // The Beijing customer moves into the east.
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &t.url(&format!("/api/v1/customers/{}", ids[1])),
        &vp,
        json!({"region_id": east}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(found("鑫").await.len(), 3);
}

#[tokio::test]
async fn the_regional_manager_approves_requests_from_the_regions_branch_offices() {
    let t = TestApp::with_demo().await;
    let http = t.client();
    let admin = t.token("admin").await;
    // The e-office rep reports to the e-office manager, not to the regional manager, and works
    // in a branch office of the north region.
    let (_, regions) = api_get(&http, &t.url("/api/v1/regions"), &admin).await;
    let beijing = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "北京分公司")
        .expect("the demo has the Beijing branch")["id"]
        .as_i64()
        .unwrap();
    let rep = t.person_id("eoffice.rep1").await;
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{rep}")),
        &admin,
        json!({"region_id": beijing}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let token = t.token("eoffice.rep1").await;
    let (s, c) = create(&t, &token, json!({"name": "北京海淀协同软件有限公司"})).await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (s, r) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/status-requests")),
        &token,
        json!({"to_status": "basic", "need": "移动审批", "budget": "30 万元", "timeline": "明年三月"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let manager = t.token("north.manager").await;
    let (_, queue) = api_get(&http, &t.url("/api/v1/status-requests"), &manager).await;
    assert!(
        queue.to_string().contains("北京海淀协同软件有限公司"),
        "in the regional manager's queue: {queue}"
    );
    let (s, v) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/status-requests/{}/decision", r["id"])),
        &manager,
        json!({"approve": true}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, now) = api_get(&http, &t.url(&format!("/api/v1/customers/{id}")), &manager).await;
    assert_eq!(now["status"], "basic");
}
