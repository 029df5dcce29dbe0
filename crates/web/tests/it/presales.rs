//! Pre-sales follow-up calls (S5.2) and the trials dashboard (issue 12 points 7 and 9): a
//! trial's start schedules the plan's calls once; they appear on the owner's follow-up list
//! and calendar feed; recording one writes a contact record, once; missed ones are the
//! manager's to see; the plan is the administrator's.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::Method;
use salesdesk_app::{AppConfig, Clock};
use salesdesk_store::trials::Trial;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The demo organisation on a manual clock at Monday 2026-11-30 10:00 in Shanghai.
async fn demo() -> (TestApp, Clock) {
    let clock = Clock::manual(at("2026-11-30T02:00:00Z"));
    let t = TestApp::spawn_with(AppConfig {
        clock: clock.clone(),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    (t, clock)
}

/// A running trial of a new customer of `login`, from `start` to `end`; its calls scheduled as
/// the trials lifecycle does when the trial starts. Returns (trial id, customer id).
async fn running_trial(t: &TestApp, login: &str, name: &str, start: &str, end: &str) -> (i64, i64) {
    let tok = t.token(login).await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &tok,
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let customer_id = v["id"].as_i64().unwrap();
    let owner = t.person_id(login).await;
    let now = t.app.config.clock.now();
    // As the trials lifecycle does: the calendar before the transaction.
    salesdesk_app::calendar::load(&t.app).await.unwrap();
    let tx = t.app.db.begin().await.unwrap();
    let trial = salesdesk_store::trials::insert_row(
        &tx,
        Trial {
            id: 0,
            reference: Some(format!("TA-20261130-{customer_id:04}")),
            customer_id,
            contact_id: None,
            product_code: "eoffice".into(),
            state: "running".into(),
            open_key: None,
            company: name.into(),
            uscc: None,
            contact_name: "王磊".into(),
            mobile: "13800138000".into(),
            email: None,
            province_code: "31".into(),
            city_code: None,
            users: Some(50),
            message: None,
            applications: 1,
            channel: "form".into(),
            intake_key_id: None,
            client_ip: None,
            matched_by: "new".into(),
            suspicion: None,
            owner_id: Some(owner),
            region_id: None,
            route_reason: "existing_owner".into(),
            arrived_at: now - TimeDelta::hours(30),
            last_applied_at: now - TimeDelta::hours(30),
            first_contact_due_at: now - TimeDelta::hours(26),
            first_contact_at: Some(now - TimeDelta::hours(28)),
            reminded_at: None,
            overdue_at: None,
            trial_start: Some(d(start)),
            trial_end: Some(d(end)),
            edition: None,
            licence_note: None,
            lost_reason: None,
            competitor: None,
            outcome_note: None,
            status_request_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )
    .await
    .unwrap();
    let made = salesdesk_app::presales::schedule_for_trial(&t.app, &tx, trial.id, d(start), d(end))
        .await
        .unwrap();
    assert_eq!(made, 3, "the default plan has three calls");
    // Scheduling again (a retried request) makes none twice.
    let again =
        salesdesk_app::presales::schedule_for_trial(&t.app, &tx, trial.id, d(start), d(end))
            .await
            .unwrap();
    assert_eq!(again, 0);
    t.app.db.commit(tx).await.unwrap();
    (trial.id, customer_id)
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_started_trial_gets_the_plans_calls_on_the_owners_list_and_one_is_recorded_once() {
    let (t, _clock) = demo().await;
    let (trial, customer) = running_trial(
        &t,
        "north.am1",
        "星河数据科技有限公司",
        "2026-11-30",
        "2026-12-11",
    )
    .await;
    let c = t.client();
    let am = t.token("north.am1").await;

    // Trial day 2 (Tuesday), day 7 (Sunday 12-06, moved to Monday), 3 working days after the
    // Friday end (Wednesday).
    let (s, v) = api_get(
        &c,
        &t.url(&format!("/api/v1/trials/{trial}/presales-calls")),
        &am,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let dates: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["due_on"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-12-01", "2026-12-07", "2026-12-16"]);

    // The owner's list and follow-up page; another account manager sees none of it.
    let (s, v) = api_get(&c, &t.url("/api/v1/presales/calls"), &am).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 3);
    let first = items(&v)[0].clone();
    assert_eq!(first["due"], "upcoming");
    assert_eq!(first["can_record"], true);
    let (_, other) = api_get(
        &c,
        &t.url("/api/v1/presales/calls?view=scope"),
        &t.token("north.rep").await,
    )
    .await;
    assert_eq!(other["total"], 0, "{other}");
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url("/followups")).await;
    assert!(page.contains("本周售前回访"), "{page}");
    assert!(page.contains("星河数据科技有限公司"));

    // Record the first call: a contact record on the customer, audited, once.
    let id = first["id"].as_i64().unwrap();
    let url = t.url(&format!("/api/v1/presales/calls/{id}/record"));
    let (s, v) = api_send(&c, Method::POST, &url, &am, json!({"outcome": "going"})).await;
    assert_eq!(s, 422, "satisfaction is asked when reached: {v}");
    assert_eq!(problem_fields(&v), ["satisfaction"]);
    let (s, v) = api_send(
        &c,
        Method::POST,
        &url,
        &am,
        json!({"outcome": "going", "satisfaction": 9}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = api_send(
        &c,
        Method::POST,
        &url,
        &am,
        json!({"outcome": "going", "satisfaction": 4, "note": "部署顺利，下周培训"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "done");
    assert_eq!(v["satisfaction"], 4);
    let (s, v) = api_send(
        &c,
        Method::POST,
        &url,
        &am,
        json!({"outcome": "going", "satisfaction": 5}),
    )
    .await;
    assert_eq!(s, 409, "recorded once: {v}");
    let (_, recs) = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{customer}/records")),
        &am,
    )
    .await;
    assert!(
        items(&recs)
            .iter()
            .any(|r| r["summary"] == "部署顺利，下周培训" && r["outcome"] == "presales:going"),
        "{recs}"
    );
    let (_, log) = api_get(
        &c,
        &t.url("/api/v1/audit?action=presales.record"),
        &t.token("vp").await,
    )
    .await;
    assert_eq!(log["total"], 1, "{log}");

    // A not-reached call needs no score.
    let second = items(&api_get(&c, &t.url("/api/v1/presales/calls"), &am).await.1)[0]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/presales/calls/{second}/record")),
        &am,
        json!({"outcome": "no_answer"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["satisfaction"].is_null());
}

#[tokio::test]
async fn missed_calls_are_visible_to_the_manager_and_counted_on_the_dashboard() {
    let (t, clock) = demo().await;
    running_trial(
        &t,
        "north.am1",
        "远山软件有限公司",
        "2026-11-30",
        "2026-12-11",
    )
    .await;
    // Three weeks later nothing was recorded: all three calls are missed.
    clock.advance(TimeDelta::days(21));
    let c = t.client();
    let manager = t.token("north.manager").await;
    let (s, v) = api_get(&c, &t.url("/api/v1/presales/calls?view=missed"), &manager).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 3, "{v}");
    assert_eq!(items(&v)[0]["due"], "missed");
    assert!(items(&v)[0]["owner_name"].is_string());
    // A manager may record their account manager's call.
    assert_eq!(items(&v)[0]["can_record"], true);
    // Another region's manager does not see them.
    let (_, v) = api_get(
        &c,
        &t.url("/api/v1/presales/calls?view=missed"),
        &t.token("eoffice.manager").await,
    )
    .await;
    assert_eq!(v["total"], 0, "{v}");
    let (s, v) = api_get(&c, &t.url("/api/v1/trials/dashboard"), &manager).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["missed_calls"], 3);
    assert_eq!(v["total"], 1);
    assert_eq!(v["within_limit"], 1);
    assert_eq!(v["per_product"][0]["key"], "eoffice");
    let b = t.browser_as("north.manager").await;
    let page = page_text(&b, &t.url("/presales?view=missed")).await;
    assert!(page.contains("远山软件有限公司"), "{page}");
    let page = page_text(&b, &t.url("/trials/dashboard")).await;
    assert!(page.contains("id=\"fig-missed\""), "{page}");
    assert!(page.contains("<svg"));
    // The administrator has no sales scope: no calls, no dashboard.
    let admin = t.token("admin").await;
    let (s, _) = api_get(&c, &t.url("/api/v1/presales/calls"), &admin).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn the_administrator_sets_the_plan_and_bad_steps_are_refused_by_field() {
    let (t, _clock) = demo().await;
    let c = t.client();
    let admin = t.token("admin").await;
    let (s, v) = api_get(&c, &t.url("/api/v1/settings/presales-plan"), &admin).await;
    assert_eq!(s, 200);
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    let url = t.url("/api/v1/settings/presales-plan");
    let (s, v) = api_send(&c, Method::PUT, &url, &admin, json!({"steps": [{"from": "start", "days": 0, "working": false}, {"from": "middle", "days": 3, "working": false}]})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["steps[0].days", "steps[1].from"]);
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &url,
        &admin,
        json!({"steps": [{"from": "start", "days": 1, "working": true}]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = api_send(
        &c,
        Method::PUT,
        &url,
        &t.token("vp").await,
        json!({"steps": []}),
    )
    .await;
    assert_eq!(s, 403);
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/presales")).await;
    assert!(page.contains("name=\"days_0\" value=\"1\""), "{page}");
    let r = b
        .post(t.url("/settings/presales"))
        .form(&[("from_0", "end"), ("days_0", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("1–365"));
}

#[tokio::test]
async fn the_calendar_feed_has_the_trials_calls() {
    let (t, _clock) = demo().await;
    running_trial(
        &t,
        "north.am1",
        "青石网络有限公司",
        "2026-11-30",
        "2026-12-11",
    )
    .await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/me/calendar-feed"),
        &t.token("north.am1").await,
        json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let url = v["url"].as_str().unwrap();
    let body = reqwest::get(t.url(&url[url.find("/ical/").unwrap()..]))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unfolded = body.replace("\r\n ", "");
    assert_eq!(
        unfolded.matches("SUMMARY:售前回访").count(),
        3,
        "{unfolded}"
    );
    assert!(unfolded.contains("DTSTART;VALUE=DATE:20261201"));
}

#[tokio::test]
async fn starting_a_trial_through_its_lifecycle_schedules_its_calls_on_the_company_calendar() {
    let (t, _clock) = demo().await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "北京回访计划有限公司"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // The public form: the application goes to the existing customer's owner.
    let r = c
        .post(t.url("/apply"))
        .form(&[
            ("company", "北京回访计划有限公司"),
            ("uscc", ""),
            ("contact_name", "王磊"),
            ("mobile", "13800138011"),
            ("email", ""),
            ("province", "110000"),
            ("city", ""),
            ("product", "eoffice-std"),
            ("users", "50"),
            ("message", ""),
            ("website", ""),
            ("lang", "zh-CN"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let (_, list) = api_get(&c, &t.url("/api/v1/trials?view=mine"), &am).await;
    let id = items(&list)[0]["id"]
        .as_i64()
        .expect("the application is mine");
    let steps = t.url(&format!("/api/v1/trials/{id}/steps"));
    let (s, v) = api_send(&c, Method::POST, &steps, &am, json!({"action": "contact"})).await;
    assert_eq!(s, 200, "{v}");
    let calls = t.url(&format!("/api/v1/trials/{id}/presales-calls"));
    let (_, v) = api_get(&c, &calls, &am).await;
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(0),
        "no calls before the trial starts"
    );
    let (s, v) = api_send(
        &c,
        Method::POST,
        &steps,
        &am,
        json!({"action": "start", "trial_start": "2026-12-01", "trial_end": "2026-12-18"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = api_get(&c, &calls, &am).await;
    let dates: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["due_on"].as_str().unwrap())
        .collect();
    // Day 2 (Wednesday), day 7 (Monday 12-07), 3 working days after Friday 12-18.
    assert_eq!(dates, ["2026-12-02", "2026-12-07", "2026-12-23"]);
    // The trial's own page lists them, each linking to where it is recorded.
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url(&format!("/trials/{id}"))).await;
    let section = &page[page.find("id=\"presales-calls\"").expect("calls section")..];
    for (d, call) in dates.iter().zip(v.as_array().unwrap()) {
        assert!(section.contains(d), "{d} missing: {section}");
        assert!(section.contains(&format!("href=\"/presales/{}\"", call["id"])));
    }
}

/// Issue 12: a lost or converted trial's calls still scheduled are cancelled with the reason in
/// the step's transaction — not hidden: they stay on the trial as planned-and-dropped, and leave
/// the owner's list, the follow-up list, the manager's missed view and its count. A call
/// recorded before stays recorded; a cancelled one cannot be recorded.
#[tokio::test]
async fn a_lost_or_converted_trials_open_calls_are_cancelled_with_the_reason_and_leave_the_lists() {
    let (t, clock) = demo().await;
    let (lost, _) = running_trial(
        &t,
        "north.am1",
        "落选科技有限公司",
        "2026-11-30",
        "2026-12-11",
    )
    .await;
    let (won, _) = running_trial(
        &t,
        "north.am1",
        "成交软件有限公司",
        "2026-11-30",
        "2026-12-11",
    )
    .await;
    let (open, _) = running_trial(
        &t,
        "north.am1",
        "照常试用有限公司",
        "2026-11-30",
        "2026-12-11",
    )
    .await;
    let c = t.client();
    let am = t.token("north.am1").await;
    // Two weeks on, each trial's first call is missed; the won trial's was made.
    clock.advance(TimeDelta::days(14));
    let calls_of = |id: i64| t.url(&format!("/api/v1/trials/{id}/presales-calls"));
    let (_, v) = api_get(&c, &calls_of(won), &am).await;
    let first_won = v.as_array().expect("calls")[0]["id"].as_i64().unwrap();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/presales/calls/{first_won}/record")),
        &am,
        json!({"outcome": "going", "satisfaction": 5}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let step = |id: i64, body: Value| {
        let (c, am, url) = (
            c.clone(),
            am.clone(),
            t.url(&format!("/api/v1/trials/{id}/steps")),
        );
        async move { api_send(&c, Method::POST, &url, &am, body).await }
    };
    let (s, v) = step(lost, json!({"action": "lose", "lost_reason": "price"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = step(
        won,
        json!({"action": "convert", "need": "协同办公", "budget": "30 万", "timeline": "一季度"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let (_, v) = api_get(&c, &calls_of(lost), &am).await;
    let calls = v.as_array().expect("calls").clone();
    assert_eq!(calls.len(), 3, "kept on the trial: {v}");
    for call in &calls {
        assert_eq!(call["state"], "cancelled", "{call}");
        assert_eq!(call["due"], "cancelled");
        assert_eq!(call["cancel_reason"], "trial_lost");
        assert_eq!(call["can_record"], false);
    }
    let (_, v) = api_get(&c, &calls_of(won), &am).await;
    let calls = v.as_array().expect("calls").clone();
    assert_eq!(
        calls[0]["state"], "done",
        "a recorded call keeps its outcome"
    );
    assert_eq!(calls[0]["satisfaction"], 5);
    for call in &calls[1..] {
        assert_eq!(call["state"], "cancelled", "{call}");
        assert_eq!(call["cancel_reason"], "trial_converted");
    }
    // A cancelled call is not recorded.
    let cancelled = calls[1]["id"].as_i64().unwrap();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/presales/calls/{cancelled}/record")),
        &am,
        json!({"outcome": "going", "satisfaction": 4}),
    )
    .await;
    assert_eq!(s, 409, "{v}");

    // Only the trial still running has calls on the lists.
    let manager = t.token("north.manager").await;
    let (_, v) = api_get(&c, &t.url("/api/v1/presales/calls?view=missed"), &manager).await;
    assert!(
        items(&v).iter().all(|i| i["trial_id"] == open),
        "missed: only the open trial's: {v}"
    );
    assert_eq!(v["total"], 2, "its first two calls: {v}");
    let (_, v) = api_get(&c, &t.url("/api/v1/presales/calls?view=mine"), &am).await;
    assert!(items(&v).iter().all(|i| i["trial_id"] == open), "{v}");
    let (_, v) = api_get(&c, &t.url("/api/v1/trials/dashboard"), &manager).await;
    assert_eq!(v["missed_calls"], 2, "{v}");
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url("/followups")).await;
    assert!(page.contains("照常试用有限公司"), "{page}");
    assert!(!page.contains("落选科技有限公司"), "{page}");
    assert!(!page.contains("成交软件有限公司"), "{page}");
    // The call's own page says why it is not made.
    let page = page_text(&b, &t.url(&format!("/presales/{cancelled}"))).await;
    assert!(page.contains("已取消：试用已转化"), "{page}");
    assert!(!page.contains("name=\"outcome\""), "no form: {page}");
}
