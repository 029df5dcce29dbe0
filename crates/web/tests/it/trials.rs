//! Trial applications (issue 12): the public form and its abuse limits, matching to customers,
//! folding, routing, the first-contact time limit with its once-only jobs (on the manual clock:
//! nothing sleeps), the lifecycle, and who may do what.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use salesdesk_app::jobs::{Registry, Runner};
use salesdesk_app::trials::{self, TrialSettings};
use salesdesk_app::{AppConfig, Clock, Ctx};
use salesdesk_domain::Position;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, problem_fields};

/// Monday 2026-11-30 10:00 in Shanghai: a working day, an hour after opening.
fn monday_ten() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

async fn demo_at(start: DateTime<Utc>) -> (TestApp, Clock) {
    let clock = Clock::manual(start);
    let t = TestApp::spawn_with(AppConfig {
        clock: clock.clone(),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    (t, clock)
}

fn form(company: &str, mobile: &str) -> Vec<(&'static str, String)> {
    vec![
        ("company", company.to_string()),
        ("uscc", String::new()),
        ("contact_name", "王磊".into()),
        ("mobile", mobile.to_string()),
        ("email", String::new()),
        ("province", "110000".into()),
        ("city", String::new()),
        ("product", first_product()),
        ("users", "50".into()),
        ("message", "想试用一个月".into()),
        ("website", String::new()),
        ("lang", "zh-CN".into()),
    ]
}

fn first_product() -> String {
    "eoffice-std".into()
}

/// Submits the public form; returns the status and the redirect target.
async fn apply(t: &TestApp, fields: &[(&str, String)]) -> (u16, String, String) {
    let r = t
        .client()
        .post(t.url("/apply"))
        .form(fields)
        .send()
        .await
        .expect("apply");
    let status = r.status().as_u16();
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = r.text().await.unwrap_or_default();
    (status, to, body)
}

fn reference_of(location: &str) -> String {
    location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("ref="))
        .unwrap_or("")
        .to_string()
}

async fn all_trials(t: &TestApp) -> Vec<salesdesk_store::trials::Trial> {
    salesdesk_store::trials::list(
        t.app.db.read(),
        &Default::default(),
        &salesdesk_store::customers::Visible::All,
        salesdesk_app::Page::new(None, Some(200)),
    )
    .await
    .unwrap()
    .items
}

async fn notifications_of(t: &TestApp, login: &str, kind: &str) -> usize {
    let id = t.person_id(login).await;
    salesdesk_store::notifications::list_for(
        t.app.db.read(),
        id,
        false,
        salesdesk_app::Page::new(None, Some(200)),
    )
    .await
    .unwrap()
    .items
    .iter()
    .filter(|n| n.kind == kind)
    .count()
}

#[tokio::test]
async fn the_public_form_gives_a_reference_and_a_confirmation_page_and_stores_the_application() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let page = t
        .client()
        .get(t.url("/apply?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Apply for a free trial"), "{page}");
    assert!(page.contains("name=\"website\""), "the honeypot is there");
    let (s, to, body) = apply(&t, &form("北京星河软件有限公司", "13800138000")).await;
    assert_eq!(s, 303, "{body}");
    let reference = reference_of(&to);
    assert!(reference.starts_with("TA-20261130-"), "{to}");
    let done = t
        .client()
        .get(t.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains(&reference), "{done}");
    // 10:00 + 4 working hours with the 12:00–13:00 lunch: 15:00.
    assert!(done.contains("2026-11-30 15:00"), "{done}");
    let rows = all_trials(&t).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reference.as_deref(), Some(reference.as_str()));
    assert_eq!(rows[0].matched_by, "new");
    assert_eq!(rows[0].channel, "form");
    let customer = salesdesk_store::customers::get(
        t.app.db.read(),
        rows[0].customer_id,
        &salesdesk_store::customers::Visible::All,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(customer.status, "lead");
    assert_eq!(customer.source_code.as_deref(), Some("trial"));
    let people = salesdesk_store::contacts::for_customer(t.app.db.read(), customer.id)
        .await
        .unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].mobile.as_deref(), Some("13800138000"));
}

#[tokio::test]
async fn a_second_application_of_the_same_applicant_folds_into_the_open_one() {
    let (t, clock) = demo_at(monday_ten()).await;
    let (_, first, _) = apply(&t, &form("北京再申请科技有限公司", "13800138001")).await;
    clock.advance(TimeDelta::days(3));
    let mut again = form("北京再申请科技有限公司", "13800138001");
    again[9].1 = "还在等回复".into();
    let (s, second, _) = apply(&t, &again).await;
    assert_eq!(s, 303);
    assert_eq!(reference_of(&first), reference_of(&second));
    assert!(second.contains("folded=1"));
    let rows = all_trials(&t).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].applications, 2);
    assert_eq!(rows[0].message.as_deref(), Some("还在等回复"));
    // After the window (30 days by default) a new application is a new one.
    clock.advance(TimeDelta::days(31));
    let (_, third, _) = apply(&t, &again).await;
    assert_ne!(reference_of(&third), reference_of(&first));
    assert_eq!(all_trials(&t).await.len(), 2);
}

#[tokio::test]
async fn an_application_of_an_existing_customer_goes_to_its_owner_matched_by_name_or_mobile() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京老客户信息技术有限公司"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am,
        json!({"name": "赵强", "mobile": "13900139000"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    apply(&t, &form("北京老客户信息技术有限公司", "13800138002")).await;
    apply(&t, &form("另一个名字的公司", "139 0013 9000")).await;
    let rows = all_trials(&t).await;
    assert_eq!(
        rows.len(),
        1,
        "the same customer and product: one application"
    );
    let mine = t.person_id("north.am1").await;
    assert_eq!(rows[0].customer_id, id);
    assert_eq!(rows[0].owner_id, Some(mine));
    assert_eq!(rows[0].route_reason, "existing_owner");
    assert_eq!(rows[0].applications, 2);
    // The owner sees it in their list, with the routing reason on the detail.
    let (s, list) = api_get(&c, &t.url("/api/v1/trials"), &am).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let tid = list["items"][0]["id"].as_i64().unwrap();
    let (s, one) = api_get(&c, &t.url(&format!("/api/v1/trials/{tid}")), &am).await;
    assert_eq!(s, 200);
    assert_eq!(one["route_reason"], "existing_owner");
    assert_eq!(one["matched_by"], "name");
    assert_eq!(one["due_in_minutes"], 240, "{one}");
    assert_eq!(notifications_of(&t, "north.am1", "trial_new").await, 1);
}

#[tokio::test]
async fn hostile_applications_get_field_errors_and_nothing_is_saved() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let mut bad = form("<script>alert(1)</script>", "12345");
    bad[5].1 = "火星".into();
    bad[7].1 = "no-such-product".into();
    let (s, _, body) = apply(&t, &bad).await;
    assert_eq!(s, 422);
    assert!(body.contains("不能包含 HTML 标记"), "{body}");
    assert!(
        !body.contains("<script>alert(1)</script>"),
        "the markup is escaped"
    );
    let mut long = form(&"名".repeat(5000), "13800138000");
    long[7].1 = first_product();
    let (s, _, _) = apply(&t, &long).await;
    assert_eq!(s, 422);
    // An unknown product alone.
    let mut p = form("北京正常公司", "13800138000");
    p[7].1 = "no-such-product".into();
    let (s, _, body) = apply(&t, &p).await;
    assert_eq!(s, 422, "{body}");
    assert!(all_trials(&t).await.is_empty());
    let vp = t.token("vp").await;
    let (_, list) = api_get(&t.client(), &t.url("/api/v1/customers"), &vp).await;
    assert_eq!(list["total"], 0, "no customer half-saved: {list}");
}

#[tokio::test]
async fn the_honeypot_is_answered_like_a_success_and_nothing_is_stored() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let mut robot = form("北京机器人公司", "13800138000");
    robot[10].1 = "http://spam.example".into();
    let (s, to, _) = apply(&t, &robot).await;
    assert_eq!(s, 303);
    assert!(reference_of(&to).starts_with("TA-"));
    assert!(all_trials(&t).await.is_empty());
}

#[tokio::test]
async fn a_flood_from_one_address_is_held_back_by_the_per_address_limit() {
    let (t, clock) = demo_at(monday_ten()).await;
    let s = TrialSettings {
        per_address_per_hour: 3,
        ..TrialSettings::default()
    };
    let admin = admin_ctx(&t).await;
    trials::put_settings(&t.app, &admin, &s).await.unwrap();
    for i in 0..3 {
        let (s, _, _) = apply(&t, &form(&format!("北京洪水{i}号公司"), "13800138000")).await;
        assert_eq!(s, 303);
    }
    let (s, _, body) = apply(&t, &form("北京洪水9号公司", "13800138000")).await;
    assert_eq!(s, 429, "{body}");
    clock.advance(TimeDelta::hours(1));
    let (s, _, _) = apply(&t, &form("北京洪水10号公司", "13800138000")).await;
    assert_eq!(s, 303, "a new hour, a new allowance");
}

async fn admin_ctx(t: &TestApp) -> Ctx {
    let _ = t;
    Ctx::system()
}

fn runner(t: &TestApp) -> Runner {
    let mut r = Registry::new();
    trials::register(&mut r);
    Runner::new(t.app.clone(), r)
}

/// Runs every due job; returns how many ran.
async fn run_due(t: &TestApp) -> usize {
    let r = runner(t);
    let mut n = 0;
    while r.run_one().await.unwrap() {
        n += 1;
    }
    n
}

#[tokio::test]
async fn the_reminder_and_the_escalation_fire_once_each_and_late_after_downtime() {
    let (t, clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let (_, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京超时测试有限公司"}),
    )
    .await;
    assert!(v["id"].is_i64(), "{v}");
    apply(&t, &form("北京超时测试有限公司", "13800138005")).await;
    // 13:59: nothing due yet (the reminder is at 14:00, one working hour before 15:00).
    clock.advance(TimeDelta::minutes(3 * 60 + 59));
    assert_eq!(run_due(&t).await, 0);
    clock.advance(TimeDelta::minutes(1));
    assert_eq!(run_due(&t).await, 1);
    assert_eq!(notifications_of(&t, "north.am1", "trial_due_soon").await, 1);
    // The server is down over the limit; at 09:30 the next morning the escalation runs, late.
    clock.advance(TimeDelta::hours(19) + TimeDelta::minutes(30));
    assert_eq!(run_due(&t).await, 1);
    assert_eq!(run_due(&t).await, 0, "once only");
    assert_eq!(
        notifications_of(&t, "north.manager", "trial_overdue").await,
        1
    );
    assert_eq!(
        notifications_of(&t, "north.am1", "trial_overdue_owner").await,
        1
    );
    let rows = all_trials(&t).await;
    assert!(rows[0].overdue_at.is_some());
    let (_, list) = api_get(&c, &t.url("/api/v1/trials?view=overdue"), &am).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn a_contact_record_before_the_limit_meets_it_and_nothing_escalates() {
    let (t, clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let (_, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京按时联系有限公司"}),
    )
    .await;
    let cid = v["id"].as_i64().unwrap();
    apply(&t, &form("北京按时联系有限公司", "13800138006")).await;
    clock.advance(TimeDelta::hours(1));
    let (s, r) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{cid}/records")),
        &am,
        json!({"kind": "call", "summary": "已电话联系，约了演示"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    clock.advance(TimeDelta::days(2));
    run_due(&t).await;
    assert_eq!(
        notifications_of(&t, "north.manager", "trial_overdue").await,
        0
    );
    assert_eq!(notifications_of(&t, "north.am1", "trial_due_soon").await, 0);
    let rows = all_trials(&t).await;
    assert!(rows[0].first_contact_at.is_some());
    assert!(rows[0].overdue_at.is_none());
    let (_, one) = api_get(&c, &t.url(&format!("/api/v1/trials/{}", rows[0].id)), &am).await;
    assert_eq!(one["due_state"], "met");
}

async fn step(t: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/trials/{id}/steps")),
        token,
        body,
    )
    .await
}

#[tokio::test]
async fn the_lifecycle_runs_new_contacted_running_ended_converted_with_a_record_each_step() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let (_, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京全流程有限公司"}),
    )
    .await;
    let cid = v["id"].as_i64().unwrap();
    apply(&t, &form("北京全流程有限公司", "13800138007")).await;
    let id = all_trials(&t).await[0].id;
    // A step that does not start from here is refused.
    let (s, p) = step(&t, &am, id, json!({"action": "end"})).await;
    assert_eq!(s, 409, "{p}");
    let (s, v) = step(
        &t,
        &am,
        id,
        json!({"action": "contact", "note": "电话沟通需求"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "contacted");
    assert_eq!(v["due_state"], "met");
    let (s, p) = step(
        &t,
        &am,
        id,
        json!({"action": "start", "trial_start": "2026-12-01", "trial_end": "2026-11-01"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["trial_end"]);
    let (s, v) = step(&t, &am, id, json!({"action": "start", "trial_start": "2026-12-01", "trial_end": "2026-12-31", "edition": "专业版", "licence_note": "实例 demo-01"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "running");
    let (s, v) = step(&t, &am, id, json!({"action": "end"})).await;
    assert_eq!(s, 200, "{v}");
    // A lead converts through the status approval flow: the next step (basic) with its evidence.
    let (s, p) = step(&t, &am, id, json!({"action": "convert"})).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(problem_fields(&p), ["need", "budget", "timeline"]);
    let (s, v) = step(
        &t,
        &am,
        id,
        json!({"action": "convert", "need": "协同办公", "budget": "30 万", "timeline": "一季度"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "converted");
    assert!(v["status_request_id"].is_i64());
    let (_, hist) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{cid}/status-requests")),
        &am,
    )
    .await;
    assert!(hist.to_string().contains("pending"), "{hist}");
    let (_, records) = api_get(&c, &t.url(&format!("/api/v1/customers/{cid}/records")), &am).await;
    assert_eq!(
        records["total"], 4,
        "one contact record per step: {records}"
    );
    let (_, h) = api_get(&c, &t.url(&format!("/api/v1/trials/{id}/history")), &am).await;
    let actions: Vec<_> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "trial.create",
            "trial.contact",
            "trial.start",
            "trial.end",
            "trial.convert"
        ]
    );
    // Final: nothing more.
    let (s, _) = step(
        &t,
        &am,
        id,
        json!({"action": "lose", "lost_reason": "price"}),
    )
    .await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn a_lost_trial_needs_a_reason_from_the_list() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京未成交有限公司"}),
    )
    .await;
    apply(&t, &form("北京未成交有限公司", "13800138008")).await;
    let id = all_trials(&t).await[0].id;
    let (s, p) = step(
        &t,
        &am,
        id,
        json!({"action": "lose", "lost_reason": "bored"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["lost_reason"]);
    let (s, v) = step(
        &t,
        &am,
        id,
        json!({"action": "lose", "lost_reason": "competitor", "competitor": "某 OA"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "lost");
    assert_eq!(v["competitor"], "某 OA");
}

/// Who sees an application of `north.am1`'s customer, who may take a step, who may reassign it,
/// and who may change the settings — every position.
#[tokio::test]
async fn every_position_sees_works_on_and_reassigns_trials_as_its_scope_allows() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京权限测试有限公司"}),
    )
    .await;
    apply(&t, &form("北京权限测试有限公司", "13800138009")).await;
    let id = all_trials(&t).await[0].id;
    let am1 = t.person_id("north.am1").await;
    // (login, position, sees it, may work on it, may reassign)
    let cases: [(&str, Option<Position>, bool, bool, bool); 12] = [
        ("vp", Some(Position::SalesVp), true, true, true),
        ("director", Some(Position::SalesDirector), true, true, true),
        (
            "north.manager",
            Some(Position::RegionalManager),
            true,
            true,
            true,
        ),
        (
            "eoffice.manager",
            Some(Position::EofficeManager),
            false,
            false,
            false,
        ),
        (
            "north.am1",
            Some(Position::AccountManager),
            true,
            true,
            false,
        ),
        (
            "north.am2",
            Some(Position::AccountManager),
            false,
            false,
            false,
        ),
        ("north.rep", Some(Position::SalesRep), false, false, false),
        (
            "north.consultant",
            Some(Position::Consultant),
            false,
            false,
            false,
        ),
        (
            "eoffice.rep1",
            Some(Position::EofficeRep),
            false,
            false,
            false,
        ),
        (
            "north.assistant",
            Some(Position::SalesAssistant),
            true,
            false,
            false,
        ),
        (
            "north.telesales",
            Some(Position::Telesales),
            false,
            false,
            false,
        ),
        ("admin", None, false, false, false),
    ];
    for (login, _pos, sees, works, reassigns) in cases {
        let tok = t.token(login).await;
        let (s, v) = api_get(&c, &t.url(&format!("/api/v1/trials/{id}")), &tok).await;
        assert_eq!(s == 200, sees, "{login} GET: {s} {v}");
        if sees {
            let can: Vec<String> = serde_json::from_value(v["actions"].clone()).unwrap();
            assert_eq!(!can.is_empty(), works, "{login} actions {can:?}");
            assert_eq!(v["can_reassign"], reassigns, "{login}");
        }
        let (s, _) = api_get(&c, &t.url("/api/v1/settings/trials"), &tok).await;
        assert_eq!(s == 200, login == "admin", "{login} settings");
        // Reassigning to the owner themselves changes nothing but is allowed to those who may.
        let (s, v) = api_send(
            &c,
            Method::POST,
            &t.url(&format!("/api/v1/trials/{id}/reassign")),
            &tok,
            json!({"owner_id": am1}),
        )
        .await;
        assert_eq!(s == 200, reassigns, "{login} reassign: {s} {v}");
    }
    // The list: the admin holds no sales data.
    let admin = t.token("admin").await;
    let (s, _) = api_get(&c, &t.url("/api/v1/trials"), &admin).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn a_manager_reassigns_an_application_and_its_customer() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let mgr = t.token("north.manager").await;
    let c = t.client();
    let (_, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京转交测试有限公司"}),
    )
    .await;
    let cid = v["id"].as_i64().unwrap();
    apply(&t, &form("北京转交测试有限公司", "13800138010")).await;
    let id = all_trials(&t).await[0].id;
    let am2 = t.person_id("north.am2").await;
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/trials/{id}/reassign")),
        &mgr,
        json!({"owner_id": am2}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["owner_id"], am2);
    let (_, cust) = api_get(&c, &t.url(&format!("/api/v1/customers/{cid}")), &mgr).await;
    assert_eq!(cust["owner_id"], am2);
    assert_eq!(notifications_of(&t, "north.am2", "trial_assigned").await, 1);
    let (s, _) = api_get(&c, &t.url(&format!("/api/v1/trials/{id}")), &am).await;
    assert_eq!(s, 404, "the old owner no longer sees it");
}

#[tokio::test]
async fn the_pages_show_the_list_the_detail_with_the_deadline_and_take_a_step() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京页面测试有限公司"}),
    )
    .await;
    apply(&t, &form("北京页面测试有限公司", "13800138011")).await;
    let id = all_trials(&t).await[0].id;
    let b = t.browser_as("north.am1").await;
    let list = crate::page_text(&b, &t.url("/trials")).await;
    assert!(list.contains("北京页面测试有限公司"), "{list}");
    assert!(list.contains("还剩 4 小时（工作时间）"), "{list}");
    let director = t.browser_as("director").await;
    let scope = crate::page_text(&director, &t.url("/trials")).await;
    assert!(
        scope.contains("北京页面测试有限公司"),
        "a manager lands on the applications of the people they lead: {scope}"
    );
    let show = crate::page_text(&b, &t.url(&format!("/trials/{id}"))).await;
    assert!(show.contains("已有客户，交给其负责人"), "{show}");
    let r = b
        .post(t.url(&format!("/trials/{id}/steps")))
        .form(&[("action", "contact"), ("note", "电话联系")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let show = crate::page_text(&b, &t.url(&format!("/trials/{id}?ok=trial_step"))).await;
    assert!(show.contains("已按时联系"), "{show}");
    let en = t.client();
    let page = en
        .get(t.url("/apply?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Submit application"));
}

#[tokio::test]
async fn the_administrator_changes_the_settings_within_their_ranges() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let admin = t.token("admin").await;
    let c = t.client();
    let (s, v) = api_send(&c, Method::PUT, &t.url("/api/v1/settings/trials"), &admin, json!({"first_contact_hours": 0, "remind_before_minutes": 60, "fold_window_days": 30, "per_address_per_hour": 20, "per_key_per_minute": 100})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["first_contact_hours"]);
    let (s, v) = api_send(&c, Method::PUT, &t.url("/api/v1/settings/trials"), &admin, json!({"first_contact_hours": 2, "remind_before_minutes": 30, "fold_window_days": 7, "per_address_per_hour": 20, "per_key_per_minute": 100})).await;
    assert_eq!(s, 200, "{v}");
    apply(&t, &form("北京两小时有限公司", "13800138012")).await;
    let rows = all_trials(&t).await;
    assert_eq!(
        rows[0].first_contact_due_at,
        monday_ten() + TimeDelta::hours(2)
    );
}

/// Two processes' runners (each its own connections to the one database) race for the due
/// reminders and escalations of many applications: each notification is sent exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_on_one_database_fire_each_reminder_and_escalation_once() {
    let (t, clock) = demo_at(monday_ten()).await;
    let am = t.token("north.am1").await;
    let c = t.client();
    const N: usize = 8;
    for i in 0..N {
        let name = format!("北京双进程{i}号有限公司");
        api_send(
            &c,
            Method::POST,
            &t.url("/api/v1/customers"),
            &am,
            json!({"name": name}),
        )
        .await;
        apply(&t, &form(&name, &format!("1380013810{i}"))).await;
    }
    clock.advance(TimeDelta::days(1));
    // On PostgreSQL a second process's own connections; SQLite has one writer per file, so the
    // second runner shares this process's.
    let other = if t.db.is_postgres() {
        salesdesk_app::App::new(
            salesdesk_app::Db::connect(&t.db.url).await.unwrap(),
            t.app.config.clone(),
        )
    } else {
        t.app.clone()
    };
    let mut reg = Registry::new();
    trials::register(&mut reg);
    let a = Runner::new(t.app.clone(), reg.clone());
    let b = Runner::new(other, reg);
    let ra = tokio::spawn(async move {
        let mut n = 0;
        while a.run_one().await.unwrap() {
            n += 1;
        }
        n
    });
    let rb = tokio::spawn(async move {
        let mut n = 0;
        while b.run_one().await.unwrap() {
            n += 1;
        }
        n
    });
    let (na, nb) = (ra.await.unwrap(), rb.await.unwrap());
    assert_eq!(na + nb, 2 * N, "every job ran once: {na} + {nb}");
    assert_eq!(notifications_of(&t, "north.am1", "trial_due_soon").await, N);
    assert_eq!(
        notifications_of(&t, "north.manager", "trial_overdue").await,
        N
    );
}

/// The website's JSON intake: an intake key the administrator issued (bearer or `X-Intake-Key`);
/// none, an unknown one or a revoked one is refused. A new applicant in a region with an
/// automatic rule goes to one of its account managers, who sees it in their list.
#[tokio::test]
async fn the_json_intake_takes_an_issued_key_and_routes_a_new_applicant_by_region() {
    let (t, _clock) = demo_at(monday_ten()).await;
    let c = t.client();
    let issued = salesdesk_app::intake_keys::issue(&t.app, &Ctx::system(), "官网")
        .await
        .unwrap();
    let region = salesdesk_app::routing::region_of(t.app.db.read(), Some("110000"), None)
        .await
        .unwrap()
        .expect("the demo maps Beijing");
    salesdesk_app::assignment::set_rule(&t.app, &Ctx::system(), region, "round_robin")
        .await
        .unwrap();
    let body = json!({"company": "北京官网申请有限公司", "contact_name": "周杰", "mobile": "13600136000",
        "province": "110000", "product": first_product(), "users": 30, "message": "官网表单"});
    let url = t.url("/api/v1/intake/trials");
    let r = c.post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401, "no key");
    let r = c
        .post(&url)
        .header("X-Intake-Key", "sdk_wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "unknown key");
    let (s, v) = api_send(&c, Method::POST, &url, &issued.secret, body.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert!(v["reference"].as_str().unwrap().starts_with("TA-20261130-"));
    let rows = all_trials(&t).await;
    assert_eq!(rows[0].route_reason, "region_rule", "{:?}", rows[0]);
    assert_eq!(rows[0].channel, "api");
    let owner = rows[0].owner_id.expect("an account manager of the region");
    let login = salesdesk_store::users::get(t.app.db.read(), owner)
        .await
        .unwrap()
        .unwrap()
        .login;
    let tok = t.token(&login).await;
    let (_, list) = api_get(&c, &t.url("/api/v1/trials"), &tok).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "{login}: {list}"
    );
    // Bad input through the API: every field named, nothing saved.
    let (s, p) = api_send(&c, Method::POST, &url, &issued.secret,
        json!({"company": "<b>x</b>", "mobile": "1", "province": "XX", "product": "nope", "users": -1})).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(
        problem_fields(&p),
        ["company", "contact_name", "mobile", "province", "users"]
    );
    salesdesk_app::intake_keys::revoke(&t.app, &Ctx::system(), issued.key.id)
        .await
        .unwrap();
    let (s, _) = api_send(&c, Method::POST, &url, &issued.secret, body).await;
    assert_eq!(s, 401, "revoked");
    assert_eq!(all_trials(&t).await.len(), 1);
}

/// The demo on a Monday at ten, its public form allowing a thousand applications an hour from
/// one address (the tests' client).
async fn roomy_demo() -> TestApp {
    let (t, _clock) = demo_at(monday_ten()).await;
    let roomy = TrialSettings {
        per_address_per_hour: 1000,
        ..TrialSettings::default()
    };
    trials::put_settings(&t.app, &Ctx::system(), &roomy)
        .await
        .unwrap();
    t
}

/// The intake routes from the read cache and takes the region's turn in one statement (issue
/// 12's speed: in its own transaction on PostgreSQL, in the group's on SQLite); the picks are
/// still the rule's: under round robin each account manager
/// in turn by id, under least load whoever holds the fewest open customers — whom the rule page
/// names as next before each application.
#[tokio::test]
async fn the_intake_gives_each_application_to_whom_the_regions_rule_names_next() {
    let t = roomy_demo().await;
    let admin = Ctx::system();
    for (k, (province, mode)) in [("110000", "round_robin"), ("440000", "least_load")]
        .into_iter()
        .enumerate()
    {
        let region = salesdesk_app::routing::region_of(t.app.db.read(), Some(province), None)
            .await
            .unwrap()
            .expect("the demo maps the province");
        salesdesk_app::assignment::set_rule(&t.app, &admin, region, mode)
            .await
            .unwrap();
        let team = salesdesk_app::assignment::members(&t.app, &admin, region)
            .await
            .unwrap()
            .len();
        assert!(team >= 2, "{mode}: the demo region has a team");
        let mut owners = std::collections::BTreeSet::new();
        for n in 0..2 * team + 1 {
            let next = salesdesk_app::assignment::members(&t.app, &admin, region)
                .await
                .unwrap()
                .into_iter()
                .find(|m| m.next)
                .map(|m| m.user_id);
            let mut f = form(
                &format!("{province}分派{n}号有限公司"),
                &format!("1390000{:04}", 100 * k + n),
            );
            f[5].1 = province.to_string();
            let (s, _, body) = apply(&t, &f).await;
            assert_eq!(s, 303, "{body}");
            let newest = all_trials(&t)
                .await
                .into_iter()
                .max_by_key(|r| r.id)
                .unwrap();
            assert_eq!(newest.route_reason, "region_rule", "{mode} {n}");
            assert_eq!(newest.owner_id, next, "{mode}, application {n}");
            owners.extend(newest.owner_id);
        }
        if mode == "round_robin" {
            assert_eq!(owners.len(), team, "everyone had a turn");
        }
    }
}

/// Round robin under a burst: applications arriving at once (on SQLite written several to a
/// transaction, each taking the region's turn inside it) still go around the team evenly —
/// three rounds give each account manager exactly three, none lost, none twice.
#[tokio::test]
async fn a_burst_of_applications_goes_around_the_round_robin_team_evenly() {
    let t = roomy_demo().await;
    let admin = Ctx::system();
    let region = salesdesk_app::routing::region_of(t.app.db.read(), Some("110000"), None)
        .await
        .unwrap()
        .expect("the demo maps Beijing");
    salesdesk_app::assignment::set_rule(&t.app, &admin, region, "round_robin")
        .await
        .unwrap();
    let team: Vec<i64> = salesdesk_app::assignment::members(&t.app, &admin, region)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    assert!(team.len() >= 2, "the demo's Beijing region has a team");
    let before = all_trials(&t).await.len();
    let rounds = 3;
    let mut tasks = Vec::new();
    for n in 0..rounds * team.len() {
        let (client, url) = (t.client(), t.url("/apply"));
        let f = form(&format!("北京并发{n}号有限公司"), &format!("1391111{n:04}"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&f)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 303);
    }
    let rows = all_trials(&t).await;
    assert_eq!(
        rows.len(),
        before + rounds * team.len(),
        "each one stored once"
    );
    let mut per: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for r in rows.iter().filter(|r| r.company.starts_with("北京并发")) {
        assert_eq!(r.route_reason, "region_rule", "{r:?}");
        *per.entry(r.owner_id.expect("routed to a person"))
            .or_default() += 1;
    }
    let expected: std::collections::BTreeMap<i64, usize> =
        team.iter().map(|&u| (u, rounds)).collect();
    assert_eq!(per, expected, "each member of the team {rounds} times");
}
