//! Collection reminders (issue 13 point 6): before and after each instalment's due date the
//! contract's owner is told once (the overdue one also the regional manager), in their own
//! notifications; nothing for an instalment paid in full or a plan replaced meanwhile; the
//! reminder days are the director's setting. The clock is moved, not waited for.

use reqwest::Method;
use salesdesk_app::collection_reminders::{self as reminders, When};
use salesdesk_app::jobs::{JobRun, Registry, Runner};
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::collections::{contract, demo, get, pay, plan3, send};
use crate::problem_fields;

/// Runs every job that is due now (as a `serve` process's runner would).
async fn run_due(t: &TestApp) {
    let runner = Runner::new(t.app.clone(), Registry::standard());
    while runner.tick().await.expect("tick") > 0 {}
}

/// Moves the test's clock to `date` 09:30 in Shanghai (after the reminders' 09:00).
fn move_to(t: &TestApp, date: &str) {
    let target: chrono::DateTime<chrono::Utc> = format!("{date}T01:30:00Z").parse().unwrap();
    let now = t.app.config.clock.now();
    assert!(target >= now, "the clock only moves forward");
    t.app.config.clock.advance(target - now);
}

/// The reminders `login` sees in their notifications: (kind, text), oldest first.
async fn reminders_of(t: &TestApp, login: &str) -> Vec<(String, String)> {
    let token = t.token(login).await;
    let (s, v) = get(t, &token, "/api/v1/notifications?per_page=100").await;
    assert_eq!(s, 200, "{v}");
    let mut out: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"].as_str().unwrap().starts_with("instalment_"))
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_string(),
                n["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.reverse();
    out
}

async fn set_plan(t: &TestApp, login: &str, id: i64, plan: Value) {
    let token = t.token(login).await;
    let (s, v) = send(
        t,
        &token,
        Method::PUT,
        &format!("/api/v1/contracts/{id}/plan"),
        plan,
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn an_open_instalment_reminds_its_owner_before_and_after_its_due_date_once_each() {
    let t = demo().await;
    // Signed 2026-11-27; due 2026-11-27 (already past), 2026-12-31 and 2027-01-31.
    let (_, id) = contract(&t, "north.am1", "提醒测试甲软件有限公司", true).await;
    set_plan(&t, "north.am1", id, plan3()).await;
    // Now (Monday 2026-11-30): the first instalment is overdue, its reminder after goes out at
    // once; its reminder before is not sent after the fact.
    run_due(&t).await;
    let owner = reminders_of(&t, "north.am1").await;
    assert_eq!(owner.len(), 1, "{owner:?}");
    assert_eq!(owner[0].0, "instalment_overdue");
    for part in ["HT-", "提醒测试甲软件有限公司", "¥30,000.00", "2026-11-27"] {
        assert!(owner[0].1.contains(part), "{part} in {owner:?}");
    }
    let manager = reminders_of(&t, "north.manager").await;
    assert_eq!(
        manager.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(),
        vec!["instalment_overdue_manager"]
    );
    // Only the owner and the manager: not a colleague, not another region's manager.
    assert!(reminders_of(&t, "north.am2").await.is_empty());
    assert!(reminders_of(&t, "east.manager").await.is_empty());

    // Three days before the second instalment: the owner only, once, however often it runs.
    move_to(&t, "2026-12-27");
    run_due(&t).await;
    assert_eq!(reminders_of(&t, "north.am1").await.len(), 1);
    move_to(&t, "2026-12-28");
    run_due(&t).await;
    run_due(&t).await;
    let owner = reminders_of(&t, "north.am1").await;
    assert_eq!(owner.len(), 2, "{owner:?}");
    assert_eq!(owner[1].0, "instalment_due_soon");
    assert!(owner[1].1.contains("2026-12-31"), "{owner:?}");
    assert_eq!(reminders_of(&t, "north.manager").await.len(), 1);
    // The day after it: overdue, to both.
    move_to(&t, "2027-01-01");
    run_due(&t).await;
    assert_eq!(reminders_of(&t, "north.am1").await.len(), 3);
    assert_eq!(reminders_of(&t, "north.manager").await.len(), 2);
    // An English reader reads it in English.
    let me = salesdesk_store::users::find_by_login(t.app.db.read(), "north.am1")
        .await
        .unwrap()
        .expect("exists");
    salesdesk_store::users::set_locale(t.app.db.read(), me.id, "en")
        .await
        .unwrap();
    let owner = reminders_of(&t, "north.am1").await;
    assert!(owner[2].1.starts_with("Overdue: ¥30,000.00"), "{owner:?}");
}

#[tokio::test]
async fn nothing_is_sent_for_an_instalment_paid_in_full_or_a_plan_replaced_before_the_reminder() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    // Paid: the first two instalments (¥60,000) paid before the second one's reminder.
    let (_, paid) = contract(&t, "north.am1", "提醒测试乙软件有限公司", true).await;
    set_plan(&t, "north.am1", paid, plan3()).await;
    run_due(&t).await;
    assert_eq!(
        reminders_of(&t, "north.am1").await.len(),
        1,
        "overdue first"
    );
    let (s, v) = pay(
        &t,
        &am,
        paid,
        json!({"received_on": "2026-11-30", "amount": "60,000", "reference": "BANK-1"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // Replaced: a plan due 2026-12-31 moved to 2027-01-15 before anything was paid.
    let (_, moved) = contract(&t, "north.am1", "提醒测试丙软件有限公司", true).await;
    set_plan(
        &t,
        "north.am1",
        moved,
        json!({"instalments": [{"due_date": "2026-12-31", "amount": "92,000"}]}),
    )
    .await;
    set_plan(
        &t,
        "north.am1",
        moved,
        json!({"instalments": [{"due_date": "2027-01-15", "amount": "92,000"}]}),
    )
    .await;
    move_to(&t, "2026-12-28");
    run_due(&t).await;
    move_to(&t, "2027-01-01");
    run_due(&t).await;
    // Neither the paid instalment nor the moved plan's old date reminded anyone.
    let got = reminders_of(&t, "north.am1").await;
    assert_eq!(got.len(), 1, "{got:?}");
    // The moved plan reminds on its new date, once.
    move_to(&t, "2027-01-12");
    run_due(&t).await;
    run_due(&t).await;
    let got = reminders_of(&t, "north.am1").await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1].1.contains("2027-01-15"), "{got:?}");
}

#[tokio::test]
async fn a_reminder_job_run_twice_sends_one_notification() {
    let t = demo().await;
    let (_, id) = contract(&t, "north.am1", "提醒测试丁软件有限公司", true).await;
    set_plan(&t, "north.am1", id, plan3()).await;
    let first = salesdesk_store::collections::instalments(t.app.db.read(), id)
        .await
        .unwrap()
        .remove(0);
    // A process that died after the notification committed but before "done": the job runs
    // again, and so may a second job for the same reminder (enqueued without its once-key).
    let job = JobRun {
        id: 0,
        kind: reminders::KIND.into(),
        payload: json!({"instalment_id": first.id, "contract_id": id, "when": "after",
                        "due_date": first.due_date}),
        attempt: 1,
        max_attempts: 5,
    };
    let a = reminders::run(t.app.clone(), job.clone())
        .await
        .expect("runs");
    let b = reminders::run(t.app.clone(), job).await.expect("runs");
    assert!(a.unwrap()["told"].is_array());
    assert_eq!(b.unwrap()["skipped"], "reminded before");
    assert_eq!(reminders_of(&t, "north.am1").await.len(), 1);
    assert_eq!(
        reminders::once_key(first.id, When::After),
        format!("instalment:{}:after", first.id)
    );
}

#[tokio::test]
async fn the_director_sets_the_reminder_days_and_bad_ones_are_refused_by_field() {
    let t = demo().await;
    let director = t.token("director").await;
    let am = t.token("north.am1").await;
    let (s, v) = get(&t, &am, "/api/v1/contract-settings").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["remind_before_days"].as_i64(),
            v["remind_after_days"].as_i64()
        ),
        (Some(3), Some(1))
    );
    let (s, _) = send(
        &t,
        &am,
        Method::PUT,
        "/api/v1/contract-settings",
        json!({"remind_before_days": 5}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = send(
        &t,
        &director,
        Method::PUT,
        "/api/v1/contract-settings",
        json!({"remind_before_days": -1, "remind_after_days": 91}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        problem_fields(&v),
        vec!["remind_before_days", "remind_after_days"]
    );
    let (s, v) = send(
        &t,
        &director,
        Method::PUT,
        "/api/v1/contract-settings",
        json!({"remind_before_days": 10, "remind_after_days": 7}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // A plan written now is reminded ten days before and seven after.
    let (_, id) = contract(&t, "north.am1", "提醒测试戊软件有限公司", true).await;
    set_plan(
        &t,
        "north.am1",
        id,
        json!({"instalments": [{"due_date": "2026-12-31", "amount": "92,000"}]}),
    )
    .await;
    move_to(&t, "2026-12-20");
    run_due(&t).await;
    assert!(reminders_of(&t, "north.am1").await.is_empty());
    move_to(&t, "2026-12-21");
    run_due(&t).await;
    assert_eq!(reminders_of(&t, "north.am1").await.len(), 1);
    move_to(&t, "2027-01-06");
    run_due(&t).await;
    assert_eq!(reminders_of(&t, "north.am1").await.len(), 1);
    move_to(&t, "2027-01-07");
    run_due(&t).await;
    assert_eq!(reminders_of(&t, "north.am1").await.len(), 2);
}
