//! Collection reminders (issue 13 point 6) across real `salesdesk serve` processes: two on
//! PostgreSQL (one on SQLite, whose one writer per file is the supported set-up) run the
//! reminders of several contracts' plans at one moment — each reminder also enqueued three more
//! times without its once-key, so that the processes run the same reminder side by side — and
//! each instalment's reminder of each kind reaches each person exactly once.

use std::collections::BTreeMap;

use chrono::{Days, Utc};
use reqwest::Client;
use salesdesk_app::collection_reminders as reminders;
use salesdesk_app::jobs::{self, NewJob};
use salesdesk_store::Page;
use salesdesk_store::entity::notifications as notes;
use salesdesk_store::jobs as store;
use salesdesk_test_support::ServeProcesses;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_salesdesk");

fn postgres() -> bool {
    std::env::var("SALESDESK_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

async fn call(c: &Client, m: reqwest::Method, url: String, body: Value) -> Value {
    let r = c.request(m, url).json(&body).send().await.expect("request");
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {v}");
    v
}

/// A signed contract of ¥90,000.00 of `north.am1`, signed 30 days ago, with three instalments:
/// due 20 and 10 days ago (overdue) and in 10 days.
async fn contract_with_plan(p: &ServeProcesses, am: &Client, n: usize) -> i64 {
    let today = Utc::now().date_naive();
    let day = |back: i64| {
        if back >= 0 {
            today - Days::new(back as u64)
        } else {
            today + Days::new((-back) as u64)
        }
        .to_string()
    };
    let c = call(
        am,
        reqwest::Method::POST,
        p.url(0, "/api/v1/customers"),
        json!({"name": format!("两进程回款提醒{n}号软件有限公司")}),
    )
    .await;
    let customer = c["id"].as_i64().expect("id");
    salesdesk_store::customers::set_status(
        p.app.db.read(),
        customer,
        c["status"].as_str().expect("status"),
        "potential",
        Utc::now(),
    )
    .await
    .expect("potential");
    let k = call(
        am,
        reqwest::Method::POST,
        p.url(0, "/api/v1/contracts"),
        json!({"customer_id": customer, "title": "回款提醒合同", "signing_date": day(30),
               "lines": [{"product_code": "eoffice-std", "quantity": 1, "unit_price": "90,000"}]}),
    )
    .await;
    let id = k["id"].as_i64().expect("id");
    call(
        am,
        reqwest::Method::POST,
        p.url(1, &format!("/api/v1/contracts/{id}/actions")),
        json!({"action": "sign"}),
    )
    .await;
    call(
        am,
        reqwest::Method::PUT,
        p.url(1, &format!("/api/v1/contracts/{id}/plan")),
        json!({"instalments": [
            {"due_date": day(20), "amount": "30,000"},
            {"due_date": day(10), "amount": "30,000"},
            {"due_date": day(-10), "amount": "30,000"},
        ]}),
    )
    .await;
    id
}

/// The reminder jobs, newest first.
async fn reminder_jobs(p: &ServeProcesses) -> Vec<store::Job> {
    store::list(
        p.app.db.read(),
        Some(reminders::KIND),
        None,
        Page::new(None, Some(200)),
    )
    .await
    .expect("jobs")
    .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_serve_processes_send_each_instalments_reminder_once_per_kind_and_person() {
    let p = ServeProcesses::with_demo(BIN, if postgres() { 2 } else { 1 }).await;
    let am = p.client(0, "north.am1").await;
    const N: usize = 4;
    let mut contracts = Vec::new();
    for n in 0..N {
        contracts.push(contract_with_plan(&p, &am, n).await);
    }
    // Two overdue reminders (after) run at once; the third instalment's two are in the future.
    let queued = reminder_jobs(&p).await;
    assert_eq!(queued.len(), N * 4, "{queued:?}");
    // Each reminder three times more, without a once-key: the processes run them side by side.
    let tx = p.app.db.begin().await.expect("begin");
    let copies: Vec<NewJob> = queued
        .iter()
        .flat_map(|j| {
            let payload: Value = serde_json::from_str(&j.payload).expect("payload");
            (0..3).map(move |_| NewJob::new(reminders::KIND, payload.clone()))
        })
        .collect();
    jobs::enqueue_all(&p.app, &tx, copies)
        .await
        .expect("enqueue copies");
    p.app.db.commit(tx).await.expect("commit");
    let all: Vec<i64> = reminder_jobs(&p).await.iter().map(|j| j.id).collect();
    assert_eq!(all.len(), N * 16);
    // Every one of them due now, the future ones too (their handler re-checks the date).
    p.make_jobs_due(&all).await;
    for j in p.jobs_finished(&all).await {
        assert_eq!(j.state, store::DONE, "{j:?}");
    }
    let owner = p.person_id("north.am1").await;
    let manager = p.person_id("north.manager").await;
    for k in contracts {
        let rows = notes::Entity::find()
            .filter(notes::Column::SubjectType.eq("contract"))
            .filter(notes::Column::SubjectId.eq(k))
            .all(p.app.db.read())
            .await
            .expect("notifications");
        let mut got: BTreeMap<(String, i64, String), usize> = BTreeMap::new();
        for n in rows {
            let params: Value = serde_json::from_str(&n.params).expect("params");
            let due = params["due"].as_str().unwrap_or_default().to_string();
            *got.entry((n.kind, n.user_id, due)).or_default() += 1;
        }
        let plan = salesdesk_store::collections::instalments(p.app.db.read(), k)
            .await
            .expect("plan");
        let due = |i: usize| plan[i].due_date.to_string();
        let want: BTreeMap<(String, i64, String), usize> = [
            (("instalment_overdue".to_string(), owner, due(0)), 1),
            (("instalment_overdue".to_string(), owner, due(1)), 1),
            (
                ("instalment_overdue_manager".to_string(), manager, due(0)),
                1,
            ),
            (
                ("instalment_overdue_manager".to_string(), manager, due(1)),
                1,
            ),
            // Made due early, the third's "before" is sent; its "after" is not (not overdue).
            (("instalment_due_soon".to_string(), owner, due(2)), 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want, "contract {k}");
        // The database holds the once: each reminder marked on its instalment.
        for (n, i) in plan.iter().enumerate() {
            assert_eq!(i.reminded_after_at.is_some(), n < 2, "{i:?}");
        }
    }
}
