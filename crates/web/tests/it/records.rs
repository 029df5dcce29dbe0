//! Contact records (联系记录), the follow-up list (待跟进), owner history and reassignment.

use chrono::{Duration, Utc};
use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

fn today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn local(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(path), token, body).await
}

/// A customer owned by `login`, with one contact; returns (customer id, contact id).
async fn customer_with_contact(t: &TestApp, login: &str, name: &str) -> (i64, i64) {
    let token = t.token(login).await;
    // `distinct`: some tests enter one company twice on purpose, to merge it.
    let (s, c) = post(
        t,
        &token,
        "/api/v1/customers",
        json!({"name": name, "distinct": true}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (s, k) = post(
        t,
        &token,
        &format!("/api/v1/customers/{id}/contacts"),
        json!({"name": "王磊", "mobile": "13800138000"}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    (id, k["id"].as_i64().unwrap())
}

#[tokio::test]
async fn the_latest_record_sets_last_contact_and_the_follow_up_date() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (id, contact) = customer_with_contact(&t, "north.am1", "北京远航科技有限公司").await;
    let c = t.client();
    let records = format!("/api/v1/customers/{id}/records");

    // A visit ten days ago that promised a call three days ago: overdue by three days.
    let visit_at = Utc::now() - Duration::days(10);
    let promised = today() - Duration::days(3);
    let (s, r) = post(
        &t,
        &am1,
        &records,
        json!({"kind": "visit", "happened_at": local(visit_at), "summary": "上门拜访，演示了审批流程",
               "outcome": "对方有兴趣", "next_step": "发报价", "next_contact_on": promised.to_string(),
               "contact_ids": [contact]}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["kind"], "visit");
    assert_eq!(r["contact_ids"], json!([contact]));
    assert_eq!(r["author_name"], "张伟");

    let (_, cust) = api_get(&c, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert_eq!(cust["next_contact_on"], promised.to_string());
    assert!(cust["last_contact_at"].is_string());

    let (_, due) = api_get(&c, &t.url("/api/v1/followups"), &am1).await;
    assert_eq!(due["total"], 1, "{due}");
    let home = page_text(&t.browser_as("north.am1").await, &t.url("/")).await;
    assert!(
        home.contains(r#"<a href="/customers?followup=overdue">1</a>"#),
        "the dashboard counts it as overdue"
    );
    assert_eq!(due["items"][0]["customer"]["id"], id);
    assert_eq!(due["items"][0]["due"], "overdue");
    assert_eq!(due["items"][0]["days"], -3);
    // A colleague's list does not have it.
    let am2 = t.token("north.am2").await;
    let (_, other) = api_get(&c, &t.url("/api/v1/followups"), &am2).await;
    assert_eq!(other["total"], 0);
    // The manager sees it on the team list, not on their own.
    let mgr = t.token("north.manager").await;
    let (_, own) = api_get(&c, &t.url("/api/v1/followups"), &mgr).await;
    assert_eq!(own["total"], 0);
    let (_, team) = api_get(&c, &t.url("/api/v1/followups?team=true"), &mgr).await;
    assert_eq!(team["total"], 1);

    // A back-dated note (older than the visit) changes neither date.
    let (s, _) = post(
        &t,
        &am1,
        &records,
        json!({"kind": "call", "happened_at": local(visit_at - Duration::days(5)), "summary": "补记：首次电话"}),
    )
    .await;
    assert_eq!(s, 201);
    let (_, cust2) = api_get(&c, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert_eq!(cust2["next_contact_on"], promised.to_string());
    assert_eq!(cust2["last_contact_at"], cust["last_contact_at"]);

    // Calling today without a new date closes the follow-up.
    let (s, _) = post(
        &t,
        &am1,
        &records,
        json!({"kind": "call", "summary": "电话跟进，报价已收到"}),
    )
    .await;
    assert_eq!(s, 201);
    let (_, due) = api_get(&c, &t.url("/api/v1/followups"), &am1).await;
    assert_eq!(due["total"], 0);

    // The timeline is latest first and paged.
    let (_, list) = api_get(&c, &t.url(&format!("{records}?per_page=2")), &am1).await;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["items"][0]["summary"], "电话跟进，报价已收到");
    assert_eq!(list["items"][1]["kind"], "visit");
}

#[tokio::test]
async fn a_bad_record_names_each_field_and_saves_nothing() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (id, _) = customer_with_contact(&t, "north.am1", "北京星河数据有限公司").await;
    let (other, other_contact) =
        customer_with_contact(&t, "north.am1", "北京晨光网络有限公司").await;
    let records = format!("/api/v1/customers/{id}/records");
    let tomorrow = Utc::now() + Duration::days(1);
    let (s, p) = post(
        &t,
        &am1,
        &records,
        json!({"kind": "fax", "happened_at": local(tomorrow), "summary": "  ",
               "next_contact_on": "2026-13-40", "contact_ids": [other_contact]}),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let mut fields = problem_fields(&p);
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact_ids",
            "happened_at",
            "kind",
            "next_contact_on",
            "summary"
        ]
    );
    // A next date before the contact itself.
    let (s, p) = post(
        &t,
        &am1,
        &records,
        json!({"kind": "call", "happened_at": local(Utc::now() - Duration::days(2)), "summary": "电话",
               "next_contact_on": (today() - Duration::days(5)).to_string()}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["next_contact_on"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不能早于")
    );
    let (s, p) = post(
        &t,
        &am1,
        &records,
        json!({"kind": "call", "happened_at": "明天下午"}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(problem_fields(&p).contains(&"happened_at".to_string()));

    let c = t.client();
    let (_, list) = api_get(&c, &t.url(&records), &am1).await;
    assert_eq!(list["total"], 0, "nothing saved");
    let (_, cust) = api_get(&c, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert!(cust["last_contact_at"].is_null());
    let _ = other;
}

#[tokio::test]
async fn records_follow_the_customers_scope() {
    let t = TestApp::with_demo().await;
    let (id, _) = customer_with_contact(&t, "north.am1", "北京蓝海软件有限公司").await;
    let path = format!("/api/v1/customers/{id}/records");
    let body = json!({"kind": "email", "summary": "发送了方案"});
    for (login, status) in [
        ("north.am1", 201),
        ("north.manager", 201),
        ("north.am2", 404),
        ("south.manager", 404),
        ("admin", 404),
    ] {
        let token = t.token(login).await;
        let (s, _) = post(&t, &token, &path, body.clone()).await;
        assert_eq!(s, status, "{login} records");
        let (s, _) = api_get(&t.client(), &t.url(&path), &token).await;
        assert_eq!(s, if status == 201 { 200 } else { 404 }, "{login} reads");
    }
}

#[tokio::test]
async fn a_visit_is_recorded_on_the_customer_page_with_its_contacts() {
    let t = TestApp::with_demo().await;
    let (id, contact) = customer_with_contact(&t, "north.am1", "北京白云软件有限公司").await;
    let b = t.browser_as("north.am1").await;
    let form = |summary: &str| {
        vec![
            ("kind".to_string(), "visit".to_string()),
            ("happened_at".to_string(), String::new()),
            ("contact_ids".to_string(), contact.to_string()),
            ("summary".to_string(), summary.to_string()),
            (
                "next_contact_on".to_string(),
                (today() + Duration::days(2)).to_string(),
            ),
        ]
    };
    // A mistake keeps what was typed and names the field.
    let mut bad = form("");
    bad.push(("outcome".into(), "客户很满意".into()));
    let r = b
        .post(t.url(&format!("/customers/{id}/records")))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("客户很满意"), "typed outcome kept");
    assert!(page.contains("必填"), "summary named as required");

    let r = b
        .post(t.url(&format!("/customers/{id}/records")))
        .form(&form("现场演示审批流程，客户技术负责人参加"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&b, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("现场演示审批流程"));
    assert!(page.contains("拜访"), "kind shown by name");
    assert!(page.contains("王磊"), "contact shown on the record");
    // On the follow-up list, two days ahead.
    let list = page_text(&b, &t.url("/followups")).await;
    assert!(list.contains("北京白云软件有限公司"));
    assert!(list.contains("2天后"), "{list}");
}

#[tokio::test]
async fn a_manager_reassigns_many_customers_all_or_nothing_with_history() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let mut ids = vec![];
    for name in ["北京甲软件有限公司", "北京乙软件有限公司"] {
        let (s, c) = post(&t, &am1, "/api/v1/customers", json!({"name": name})).await;
        assert_eq!(s, 201);
        ids.push(c["id"].as_i64().unwrap());
    }
    let south = t.token("south.am1").await;
    let (_, foreign) = post(
        &t,
        &south,
        "/api/v1/customers",
        json!({"name": "广州丙软件有限公司"}),
    )
    .await;
    let am2_id = t.person_id("north.am2").await;
    let mgr = t.token("north.manager").await;
    let c = t.client();

    // Staff may not reassign.
    let (s, _) = post(
        &t,
        &am1,
        "/api/v1/customers/reassign",
        json!({"ids": ids, "owner_id": am2_id}),
    )
    .await;
    assert_eq!(s, 403);
    // One customer outside the manager's region: nothing moves.
    let mut with_foreign = ids.clone();
    with_foreign.push(foreign["id"].as_i64().unwrap());
    let (s, _) = post(
        &t,
        &mgr,
        "/api/v1/customers/reassign",
        json!({"ids": with_foreign, "owner_id": am2_id}),
    )
    .await;
    assert_eq!(s, 404);
    let (_, one) = api_get(&c, &t.url(&format!("/api/v1/customers/{}", ids[0])), &mgr).await;
    assert_eq!(one["owner_name"], "张伟", "nothing moved");
    // A new owner from another region is refused by name.
    let south_am = t.person_id("south.am1").await;
    let (s, p) = post(
        &t,
        &mgr,
        "/api/v1/customers/reassign",
        json!({"ids": ids, "owner_id": south_am}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["owner_id"]);

    let (s, r) = post(
        &t,
        &mgr,
        "/api/v1/customers/reassign",
        json!({"ids": ids, "owner_id": am2_id}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["moved"], 2);
    let am2 = t.token("north.am2").await;
    let (_, mine) = api_get(&c, &t.url("/api/v1/customers"), &am2).await;
    assert_eq!(mine["total"], 2, "the new owner sees them");
    let (_, gone) = api_get(&c, &t.url("/api/v1/customers"), &am1).await;
    assert_eq!(gone["total"], 0, "the old owner no longer does");
    let (_, hist) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{}/owner-history", ids[0])),
        &mgr,
    )
    .await;
    assert_eq!(hist[0]["reason"], "reassign");
    assert_eq!(hist[0]["from_name"], "张伟");
    assert_eq!(hist[0]["by_name"], "李明华", "the regional manager did it");
    assert_eq!(hist[1]["reason"], "create");
    let (_, notes) = api_get(&c, &t.url("/api/v1/notifications"), &am2).await;
    assert!(
        notes.to_string().contains("customers_assigned"),
        "the new owner is told: {notes}"
    );
}

#[tokio::test]
async fn a_manager_merges_a_duplicate_keeping_contacts_records_and_history() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let am2 = t.token("north.am2").await;
    // The same company entered twice under names the duplicate check cannot tie together.
    let (keep, _) = customer_with_contact(&t, "north.am1", "北京华宇软件有限公司").await;
    let (s, d) = post(
        &t,
        &am2,
        "/api/v1/customers",
        // Saved although it is a likely duplicate, as a hurried user would (issue 10, point 5).
        json!({"name": "华宇软件（北京）", "phone": "010-66668888", "industry": "I", "distinct": true}),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let dup = d["id"].as_i64().unwrap();
    post(
        &t,
        &am2,
        &format!("/api/v1/customers/{dup}/contacts"),
        json!({"name": "陈静", "mobile": "13900001111"}),
    )
    .await;
    post(
        &t,
        &am2,
        &format!("/api/v1/customers/{dup}/records"),
        json!({"kind": "visit", "summary": "拜访了陈静"}),
    )
    .await;
    let mgr = t.token("north.manager").await;
    let path = format!("/api/v1/customers/{keep}/merge");
    let (s, _) = post(&t, &am1, &path, json!({"duplicate_id": dup})).await;
    assert_eq!(s, 403, "staff may not merge");
    let (s, p) = post(&t, &mgr, &path, json!({"duplicate_id": keep})).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["duplicate_id"]);
    let south = t.token("south.manager").await;
    let (s, _) = post(&t, &south, &path, json!({"duplicate_id": dup})).await;
    assert_eq!(s, 404, "outside the manager's scope");

    let (s, merged) = post(&t, &mgr, &path, json!({"duplicate_id": dup})).await;
    assert_eq!(s, 200, "{merged}");
    assert_eq!(
        merged["name"], "北京华宇软件有限公司",
        "the kept record keeps its name"
    );
    assert_eq!(
        merged["phone"], "010-66668888",
        "gaps are filled from the duplicate"
    );
    assert_eq!(merged["owner_name"], "张伟");
    assert!(
        merged["last_contact_at"].is_string(),
        "the duplicate's visit counts"
    );
    let c = t.client();
    let (s, _) = api_get(&c, &t.url(&format!("/api/v1/customers/{dup}")), &mgr).await;
    assert_eq!(s, 404, "the duplicate is gone");
    let (_, contacts) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{keep}/contacts")),
        &mgr,
    )
    .await;
    let names: Vec<&str> = contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{contacts}");
    assert!(names.contains(&"陈静"));
    let primaries = contacts
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["is_primary"] == true)
        .count();
    assert_eq!(primaries, 1, "still exactly one primary contact");
    let (_, recs) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{keep}/records")),
        &mgr,
    )
    .await;
    assert_eq!(recs["total"], 1);
    // The merged contact's name finds the kept customer.
    let (_, found) = api_get(&c, &t.url("/api/v1/customers?q=陈静"), &mgr).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], keep);
    // The owner history tells the merge, not a second creation (issue 10, point 5) …
    let (_, history) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{keep}/owner-history")),
        &mgr,
    )
    .await;
    let reasons: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["merge", "create"], "{history}");
    assert_eq!(history[0]["note"], "华宇软件（北京）");
    assert_eq!(history[0]["to_name"], "张伟");
    // … and the duplicate's account manager is told where their customer went.
    let (_, notes) = api_get(&c, &t.url("/api/v1/notifications"), &am2).await;
    let merged_note = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "customer_merged")
        .unwrap_or_else(|| panic!("no merge notification: {notes}"));
    assert!(
        merged_note["text"]
            .as_str()
            .unwrap()
            .contains("北京华宇软件有限公司"),
        "{merged_note}"
    );
    assert_eq!(merged_note["link"], format!("/customers/{keep}"));
}

/// A merge on the page asks first and says what will happen (issue 10, point 4); a post without
/// the confirmation merges nothing.
#[tokio::test]
async fn a_merge_on_the_page_asks_for_confirmation_saying_what_moves() {
    let t = TestApp::with_demo().await;
    let (keep, _) = customer_with_contact(&t, "north.am1", "北京星云软件有限公司").await;
    let (dup, _) = customer_with_contact(&t, "north.am2", "星云软件（北京）").await;
    let b = t.browser_as("north.manager").await;
    let merge_url = t.url(&format!("/customers/{keep}/merge"));
    let r = b
        .post(&merge_url)
        .form(&[("duplicate_id", dup.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "no merge without the confirmation");
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/customers/{keep}/merge?duplicate_id={dup}"));
    let mgr = t.token("north.manager").await;
    let (s, _) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/{dup}")),
        &mgr,
    )
    .await;
    assert_eq!(s, 200, "the duplicate is still there");

    let page = page_text(&b, &t.url(&to)).await;
    assert!(page.contains("确认合并"), "{page}");
    assert!(
        page.contains("「星云软件（北京）」将并入「北京星云软件有限公司」后消失：它的 1 个联系人、0 条联系记录"),
        "{page}"
    );
    assert!(
        page.contains("刘洋会收到通知"),
        "the duplicate's owner is named: {page}"
    );
    assert!(page.contains("合并后无法撤销"));

    let r = b
        .post(&merge_url)
        .form(&[("duplicate_id", dup.to_string()), ("confirm", "yes".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (s, _) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/{dup}")),
        &mgr,
    )
    .await;
    assert_eq!(s, 404, "merged once confirmed");
    let page = page_text(&b, &t.url(&format!("/customers/{keep}"))).await;
    assert!(page.contains("合并：并入了「星云软件（北京）」"), "{page}");
}

/// Releasing to the pool on the page asks for a reason from the list and keeps it in the owner
/// history (issue 10, point 4).
#[tokio::test]
async fn a_release_on_the_page_asks_why_and_the_history_keeps_the_reason() {
    let t = TestApp::with_demo().await;
    salesdesk_app::settings::put(
        &t.app,
        &salesdesk_app::Ctx::system(),
        &salesdesk_app::settings::Settings {
            pool_enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (id, _) = customer_with_contact(&t, "north.am1", "北京远山科技有限公司").await;
    let b = t.browser_as("north.am1").await;
    let url = t.url(&format!("/customers/{id}/release"));
    let page = page_text(&b, &url).await;
    assert!(
        page.contains("「北京远山科技有限公司」将回到北京分公司的公海"),
        "{page}"
    );
    assert!(page.contains("已选择竞品"), "reasons come from the list");

    let r = b
        .post(&url)
        .form(&[("reason_code", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请选择释放原因"));
    let am1 = t.token("north.am1").await;
    let (_, c) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/{id}")),
        &am1,
    )
    .await;
    assert_eq!(c["owner_name"], "张伟", "nothing released without a reason");

    let r = b
        .post(&url)
        .form(&[("reason_code", "competitor")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let mgr = t.browser_as("north.manager").await;
    let page = page_text(&mgr, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("释放到公海（原因：已选择竞品）"), "{page}");
}

#[tokio::test]
async fn deleting_a_contact_that_records_name_keeps_the_records_and_shows_the_contact_as_removed() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (id, contact) = customer_with_contact(&t, "north.am1", "北京青松网络有限公司").await;
    let (s, r) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/records"),
        json!({"kind": "call", "summary": "电话沟通需求", "contact_ids": [contact]}),
    )
    .await;
    assert_eq!(s, 201, "{r}");

    let c = t.client();
    let contact_url = t.url(&format!("/api/v1/contacts/{contact}"));
    let delete = || api_send(&c, Method::DELETE, &contact_url, &am1, Value::Null);
    let (s, body) = delete().await;
    assert_eq!(s, 204, "{body}");

    // The contact is gone from the customer's contacts and cannot be read or edited by id …
    let (s, list) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am1,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    let (s, _) = api_send(
        &c,
        Method::PATCH,
        &t.url(&format!("/api/v1/contacts/{contact}")),
        &am1,
        json!({"name": "王磊"}),
    )
    .await;
    assert_eq!(s, 404);
    // … a new record cannot name it …
    let (s, p) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/records"),
        json!({"kind": "call", "summary": "再次联系", "contact_ids": [contact]}),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(problem_fields(&p), vec!["contact_ids"]);
    // … but the record that named it is kept, and the page says the contact was removed.
    let (s, records) = api_get(&c, &t.url(&format!("/api/v1/customers/{id}/records")), &am1).await;
    assert_eq!(s, 200);
    assert_eq!(
        records["items"][0]["contact_ids"],
        json!([contact]),
        "{records}"
    );
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("电话沟通需求"));
    assert!(
        page.contains("王磊（已删除）"),
        "removed contact named as removed"
    );
    // Deleting it twice is "not found", never a server error.
    let (s, _) = delete().await;
    assert_eq!(s, 404);
}

/// A new customer whose name is an existing one's with the city moved is shown beside it first;
/// one click ("another company") saves it; the merge page puts it first (issue 10, point 5).
#[tokio::test]
async fn a_likely_duplicate_is_shown_before_saving_and_first_on_the_merge_page() {
    let t = TestApp::with_demo().await;
    let (existing, _) = customer_with_contact(&t, "north.am1", "上海星河数据科技有限公司").await;
    let b = t.browser_as("north.am1").await;
    let form = |distinct: &str| {
        vec![
            (
                "name".to_string(),
                "星河数据科技（上海）有限公司".to_string(),
            ),
            ("distinct".to_string(), distinct.to_string()),
        ]
    };
    let r = b
        .post(t.url("/customers"))
        .form(&form(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "shown, not saved");
    let page = r.text().await.unwrap();
    assert!(page.contains("可能已有这家公司"), "{page}");
    assert!(
        page.contains(&format!("/customers/{existing}\">上海星河数据科技有限公司")),
        "{page}"
    );
    assert!(page.contains("是另一家公司，保存"));
    let am1 = t.token("north.am1").await;
    let (_, list) = api_get(&t.client(), &t.url("/api/v1/customers"), &am1).await;
    assert_eq!(list["total"], 1, "nothing saved yet");

    let r = b
        .post(t.url("/customers"))
        .form(&form("yes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "saved once confirmed as another company");
    let (_, list) = api_get(&t.client(), &t.url("/api/v1/customers"), &am1).await;
    assert_eq!(list["total"], 2);

    let mgr = t.browser_as("north.manager").await;
    let page = page_text(&mgr, &t.url(&format!("/customers/{existing}/merge"))).await;
    let first_row = page.split("<tbody>").nth(1).unwrap_or_default();
    assert!(
        first_row.contains("星河数据科技（上海）有限公司") && first_row.contains("很可能重复"),
        "{page}"
    );
}

/// Deleting a contact on the page asks first and says what stays (issue 10, point 4).
#[tokio::test]
async fn deleting_a_contact_on_the_page_asks_first_and_says_the_records_stay() {
    let t = TestApp::with_demo().await;
    let (id, contact) = customer_with_contact(&t, "north.am1", "北京松石软件有限公司").await;
    let b = t.browser_as("north.am1").await;
    let url = t.url(&format!("/contacts/{contact}/delete"));
    // What the customer page's delete button sends: an empty form.
    let r = b
        .post(&url)
        .form(&Vec::<(String, String)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "no delete without the confirmation");
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/contacts/{contact}/delete")
    );
    let page = page_text(&b, &url).await;
    assert!(
        page.contains("「王磊」将从「北京松石软件有限公司」的联系人和通讯录中移除"),
        "{page}"
    );
    let am1 = t.token("north.am1").await;
    let contacts_url = t.url(&format!("/api/v1/customers/{id}/contacts"));
    let (_, before) = api_get(&t.client(), &contacts_url, &am1).await;
    assert_eq!(before.as_array().unwrap().len(), 1, "still there");

    let r = b
        .post(&url)
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, after) = api_get(&t.client(), &contacts_url, &am1).await;
    assert_eq!(after.as_array().unwrap().len(), 0, "removed once confirmed");
}
