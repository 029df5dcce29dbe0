//! The living demo (issue 10, point 1): what `serve --demo` loads, seen as the demo's people see
//! it, and the same on every fresh start.

use chrono::{Duration, Utc};
use salesdesk_app::{AppConfig, Clock};
use salesdesk_domain::customer::Uscc;
use salesdesk_test_support::TestApp;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::Value;

use crate::{api_get, page_text};

async fn get(t: &TestApp, token: &str, path: &str) -> Value {
    let (s, v) = api_get(&t.client(), &t.url(path), token).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

#[tokio::test]
async fn the_demo_is_a_living_sales_department() {
    let t = TestApp::with_living_demo().await;
    let vp = t.token("vp").await;

    let all = get(&t, &vp, "/api/v1/customers?per_page=1").await;
    let total = all["total"].as_u64().unwrap();
    assert!(
        (300..=400).contains(&total),
        "a few hundred customers: {total}"
    );
    for status in ["lead", "basic", "potential", "signed", "invalid"] {
        let v = get(
            &t,
            &vp,
            &format!("/api/v1/customers?status={status}&per_page=1"),
        )
        .await;
        assert!(v["total"].as_u64().unwrap() >= 10, "{status}: {v}");
    }
    // Spread over every region.
    let d = get(&t, &vp, "/api/v1/dashboard").await;
    for line in d["lines"].as_array().unwrap() {
        assert!(line["figures"]["total"].as_u64().unwrap() >= 20, "{line}");
    }
    assert!(d["scope"]["overdue"].as_u64().unwrap() > 0, "{d}");
    assert!(d["scope"]["due_today"].as_u64().unwrap() > 0, "{d}");
    assert!(d["scope"]["new_week"].as_u64().unwrap() > 0, "{d}");

    // Every regional manager has requests waiting, and the staff's own dashboards show theirs.
    for region in ["north", "east", "south", "southwest", "central"] {
        let token = t.token(&format!("{region}.manager")).await;
        let queue = get(&t, &token, "/api/v1/status-requests").await;
        assert!(!queue.as_array().unwrap().is_empty(), "{region}");
    }
    let am1 = t.token("north.am1").await;
    let mine = get(&t, &am1, "/api/v1/dashboard").await;
    assert!(mine["scope"]["total"].as_u64().unwrap() >= 10, "{mine}");
    assert!(mine["scope"]["overdue"].as_u64().unwrap() > 0, "{mine}");

    // Follow-ups: overdue ones first in the list.
    let due = get(&t, &am1, "/api/v1/followups").await;
    assert_eq!(due["items"][0]["due"], "overdue", "{due}");

    // The pool is on and has customers in every region's pool.
    let pool = get(&t, &am1, "/api/v1/pool").await;
    assert!(pool["total"].as_u64().unwrap() > 0, "{pool}");

    // A customer: contacts with one primary, Chinese mobiles, a valid USCC, a history.
    let signed = get(&t, &am1, "/api/v1/customers?status=signed&per_page=1").await;
    let c = &signed["items"][0];
    let id = c["id"].as_i64().unwrap();
    if let Some(u) = c["uscc"].as_str() {
        assert!(Uscc::parse("uscc", u).is_ok(), "{u}");
    }
    let contacts = get(&t, &am1, &format!("/api/v1/customers/{id}/contacts")).await;
    let contacts = contacts.as_array().unwrap();
    assert_eq!(
        contacts.iter().filter(|k| k["is_primary"] == true).count(),
        1,
        "{contacts:?}"
    );
    for k in contacts {
        let m = k["mobile"].as_str().unwrap();
        assert!(m.len() == 11 && m.starts_with('1'), "{m}");
    }
    let records = get(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/records?per_page=100"),
    )
    .await;
    assert!(records["total"].as_u64().unwrap() >= 3, "{records}");
    let history = get(&t, &am1, &format!("/api/v1/customers/{id}/status-requests")).await;
    let approved = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "approved")
        .count();
    assert!(
        approved >= 3,
        "lead → basic → potential → signed: {history}"
    );

    // Two years of contact records, ending today.
    use salesdesk_store::entity::contact_records as cr;
    let db = t.app.db.read();
    let first = cr::Entity::find()
        .order_by_asc(cr::Column::HappenedAt)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let last = cr::Entity::find()
        .order_by_desc(cr::Column::HappenedAt)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        Utc::now() - first.happened_at > Duration::days(600),
        "{first:?}"
    );
    assert!(
        Utc::now() - last.happened_at < Duration::days(1),
        "{last:?}"
    );
    assert!(last.happened_at <= Utc::now());

    // The import history: one finished run with its customers.
    let east = t.token("east.manager").await;
    let run = get(&t, &east, "/api/v1/customers/imports/1").await;
    assert_eq!(run["status"], "done", "{run}");
    assert!(run["imported"].as_u64().unwrap() > 5, "{run}");
    let page = page_text(
        &t.browser_as("east.manager").await,
        &t.url("/customers/imports/1"),
    )
    .await;
    assert!(page.contains("华东展会客户名单"), "the import's page");
}

#[tokio::test]
async fn two_fresh_demos_are_identical() {
    let clock = Clock::manual(salesdesk_store::now());
    let config = AppConfig {
        clock,
        ..AppConfig::default()
    };
    let a = TestApp::with_living_demo_on(config.clone()).await;
    let b = TestApp::with_living_demo_on(config).await;
    let (a, b) = (a.app.db.read(), b.app.db.read());
    macro_rules! same {
        ($($table:ident),*) => {$({
            use salesdesk_store::entity::$table as e;
            let rows = |v: Vec<e::Model>| {
                let mut v: Vec<String> = v.iter().map(|m| format!("{m:?}")).collect();
                v.sort();
                v
            };
            let x = rows(e::Entity::find().all(a).await.unwrap());
            let y = rows(e::Entity::find().all(b).await.unwrap());
            assert!(!x.is_empty(), stringify!($table));
            assert!(x == y, "{} differ", stringify!($table));
        })*};
    }
    same!(
        customers,
        contacts,
        contact_records,
        contact_record_contacts,
        status_requests,
        owner_history,
        notifications,
        imports,
        contracts,
        contract_lines,
        invoices,
        contract_attachments,
        expenses,
        expense_versions,
        expense_events,
        expense_receipts,
        expense_budgets
    );
}

#[tokio::test]
async fn the_demo_queues_a_collection_reminder_for_each_open_instalment_like_real_use() {
    use salesdesk_app::collection_reminders::{KIND, When, once_key};
    use salesdesk_store::entity::{instalments as i, jobs as j, notifications as n};
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = TestApp::with_living_demo().await;
    let db = t.app.db.read();
    let queued: std::collections::BTreeSet<String> = j::Entity::find()
        .filter(j::Column::Kind.eq(KIND))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|j| j.once_key)
        .collect();
    let today = t
        .app
        .config
        .clock
        .now()
        .with_timezone(&t.app.config.time_zone)
        .date_naive();
    let mut expected = std::collections::BTreeSet::new();
    let (mut open, mut paid) = (0, 0);
    for x in i::Entity::find().all(db).await.unwrap() {
        if x.paid_fen >= x.amount_fen {
            paid += 1;
            continue;
        }
        open += 1;
        expected.insert(once_key(x.id, When::After));
        if x.due_date >= today {
            expected.insert(once_key(x.id, When::Before));
        }
    }
    assert!(open > 10 && paid > 0, "open {open}, paid {paid}");
    // Exactly the reminders a plan entered by hand gets: after each open instalment's due
    // date, before the ones not yet due; none for an instalment paid in full.
    assert_eq!(queued, expected);

    // Run as `serve` would, the overdue ones reach their owners.
    let runner =
        salesdesk_app::jobs::Runner::new(t.app.clone(), salesdesk_app::jobs::Registry::standard());
    while runner.tick().await.expect("tick") > 0 {}
    let told = n::Entity::find()
        .filter(n::Column::Kind.like("instalment_%"))
        .all(db)
        .await
        .unwrap();
    assert!(
        !told.is_empty(),
        "the overdue reminders reached their owners"
    );
}

/// The demo's expenses (issue 14 point 1): claims in every state — the east manager has some
/// waiting, the director one above the threshold —, a revised claim with both versions, the
/// east region over its month budget, and the spend kept by the database equal to a recount.
#[tokio::test]
async fn the_demo_has_expense_claims_in_every_state_and_a_region_over_budget() {
    let t = TestApp::with_living_demo().await;
    let director = t.token("director").await;
    for state in [
        "pending_manager",
        "pending_director",
        "approved",
        "returned",
    ] {
        let v = get(
            &t,
            &director,
            &format!("/api/v1/expenses?state={state}&per_page=1"),
        )
        .await;
        assert!(v["total"].as_u64().unwrap() >= 3, "{state}: {v}");
    }
    let east = t.token("east.manager").await;
    let waiting = get(&t, &east, "/api/v1/expenses?waiting=true").await;
    assert!(waiting["total"].as_u64().unwrap() >= 3, "{waiting}");
    let mine = get(&t, &director, "/api/v1/expenses?waiting=true").await;
    assert!(mine["total"].as_u64().unwrap() >= 3, "{mine}");
    // A revised claim keeps both versions and says why it was returned.
    let approved = get(
        &t,
        &director,
        "/api/v1/expenses?state=approved&per_page=200",
    )
    .await;
    let revised = approved["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["version"] == 2)
        .expect("a claim approved as version 2");
    let one = get(
        &t,
        &director,
        &format!("/api/v1/expenses/{}", revised["id"]),
    )
    .await;
    assert_eq!(one["versions"].as_array().unwrap().len(), 2, "{one}");
    assert!(
        one["return_comment"].as_str().unwrap().contains("发票"),
        "{one}"
    );
    // The east region runs over its budget in the months of its claims; the others do not.
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let mut east_over = 0;
    for back in [0i64, 30, 60] {
        let month = (today - Duration::days(back)).format("%Y-%m").to_string();
        let mine = get(&t, &east, &format!("/api/v1/budgets?period={month}")).await;
        let top = mine["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["parent_id"].is_null())
            .expect("the east region")
            .clone();
        assert!(top["budget"].is_string(), "{top}");
        if top["over"] == true {
            east_over += 1;
        }
        let all = get(&t, &director, &format!("/api/v1/budgets?period={month}")).await;
        let others_over = all["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["parent_id"].is_null() && r["over"] == true && r["region_id"] != top["region_id"]
            })
            .count();
        assert_eq!(others_over, 0, "{month}: {all}");
    }
    assert!(east_over >= 2, "the east region is over budget");
    let db = t.app.db.read();
    assert_eq!(
        salesdesk_store::expenses::totals(db, 0, 999_912)
            .await
            .unwrap(),
        salesdesk_store::expenses::recount(db).await.unwrap()
    );
}
