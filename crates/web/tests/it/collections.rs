//! Payment plans, payments (回款) and receivables (issue 13, point 6): a plan sums exactly to
//! the contract's total, payments go to the oldest due first and never above what is open,
//! refunds need a reason and never pass what was paid, receivables age by bucket in each
//! reader's scope, and bad input is refused field by field with nothing half-saved.

use chrono::{DateTime, Utc};
use reqwest::Method;
use salesdesk_app::{AppConfig, Clock};
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

/// Monday 2026-11-30 10:00 in Shanghai.
pub(crate) fn monday_ten() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

pub(crate) async fn demo() -> TestApp {
    let config = AppConfig {
        clock: Clock::manual(monday_ten()),
        ..AppConfig::default()
    };
    let t = TestApp::spawn_with(config).await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    t
}

pub(crate) async fn send(
    t: &TestApp,
    token: &str,
    m: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    api_send(&t.client(), m, &t.url(path), token, body).await
}

pub(crate) async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), token).await
}

/// A contract of ¥92,000.00 signed on 2026-11-27 for a new customer of `login`; (customer,
/// contract). Signed when `sign`.
pub(crate) async fn contract(t: &TestApp, login: &str, name: &str, sign: bool) -> (i64, i64) {
    let token = t.token(login).await;
    let (s, v) = send(
        t,
        &token,
        Method::POST,
        "/api/v1/customers",
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let k = v["id"].as_i64().unwrap();
    let from = v["status"].as_str().unwrap().to_string();
    salesdesk_store::customers::set_status(t.app.db.read(), k, &from, "potential", Utc::now())
        .await
        .unwrap();
    let (s, c) = send(
        t,
        &token,
        Method::POST,
        "/api/v1/contracts",
        json!({
            "customer_id": k,
            "title": "OA 协同办公平台采购合同",
            "signing_date": "2026-11-27",
            "lines": [
                {"product_code": "eoffice-std", "quantity": 50, "unit_price": "1,200", "discount": "5"},
                {"product_code": "mobile", "unit_price": "3.5万", "tax_rate": "6"},
            ],
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    if sign {
        let (s, v) = send(
            t,
            &token,
            Method::POST,
            &format!("/api/v1/contracts/{id}/actions"),
            json!({"action": "sign"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "signed");
    }
    (k, id)
}

pub(crate) fn plan3() -> Value {
    json!({"instalments": [
        {"due_date": "2026-12-31", "amount": "30,000"},
        {"due_date": "2026-11-27", "amount": "30000.00"},
        {"due_date": "2027-01-31", "amount": "3.2万"},
    ]})
}

pub(crate) async fn pay(t: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    send(
        t,
        token,
        Method::POST,
        &format!("/api/v1/contracts/{id}/payments"),
        body,
    )
    .await
}

async fn payment_rows(t: &TestApp, id: i64) -> usize {
    salesdesk_store::collections::payments(t.app.db.read(), id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_plan_sums_exactly_to_the_total_and_only_for_a_signed_contract() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let (_, draft) = contract(&t, "north.am1", "回款测试甲软件有限公司", false).await;
    let (s, v) = send(
        &t,
        &am,
        Method::PUT,
        &format!("/api/v1/contracts/{draft}/plan"),
        plan3(),
    )
    .await;
    assert_eq!(s, 409, "a draft's total may still change: {v}");
    let (_, id) = contract(&t, "north.am1", "回款测试乙软件有限公司", true).await;
    let path = format!("/api/v1/contracts/{id}/plan");
    // One fen short: refused, naming the difference, nothing saved.
    let (s, v) = send(
        &t,
        &am,
        Method::PUT,
        &path,
        json!({"instalments": [{"due_date": "2026-12-31", "amount": "91999.99"}]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), vec!["instalments"]);
    assert!(v.to_string().contains("¥0.01"), "{v}");
    // Bad rows, each named.
    let (s, v) = send(
        &t,
        &am,
        Method::PUT,
        &path,
        json!({"instalments": [
            {"due_date": "2026-11-26", "amount": "46000"},
            {"due_date": "2026-12-31", "amount": "-46000"},
            {"due_date": "2027-01-31", "amount": "四万"},
            {"due_date": "2027-02-28", "amount": "1.005"},
        ]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        problem_fields(&v),
        vec![
            "instalments[0].due_date",
            "instalments[1].amount",
            "instalments[2].amount",
            "instalments[3].amount"
        ]
    );
    assert!(
        v.to_string().contains("2026-11-27"),
        "names the signing date: {v}"
    );
    let (_, p) = get(&t, &am, &path).await;
    assert_eq!(p["instalments"].as_array().unwrap().len(), 0);
    assert_eq!(p["can_edit_plan"], true);
    assert_eq!(p["can_record"], false);
    // The right plan, ordered by due date.
    let (s, p) = send(&t, &am, Method::PUT, &path, plan3()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["planned"], "92000.00");
    assert_eq!(p["open"], "92000.00");
    assert_eq!(p["instalments"][0]["due_date"], "2026-11-27");
    // Due on 2026-11-27, seen on 2026-11-30: three days overdue.
    assert_eq!(p["instalments"][0]["bucket"], "d1_30");
    assert_eq!(p["instalments"][0]["days_overdue"], 3);
    assert_eq!(p["instalments"][1]["bucket"], "not_due");
    assert_eq!(p["ageing"]["d1_30"], "30000.00");
    assert_eq!(p["ageing"]["not_due"], "62000.00");
    // Another team's rep does not see it.
    let other = t.token("south.am1").await;
    let (s, _) = get(&t, &other, &path).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn payments_go_oldest_first_never_above_what_is_open_and_refunds_need_a_reason() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let (_, id) = contract(&t, "north.am1", "回款测试丙软件有限公司", true).await;
    // No plan yet.
    let (s, v) = pay(
        &t,
        &am,
        id,
        json!({"received_on": "2026-11-30", "amount": "100"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = send(
        &t,
        &am,
        Method::PUT,
        &format!("/api/v1/contracts/{id}/plan"),
        plan3(),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = pay(
        &t,
        &am,
        id,
        json!({"received_on": "2026-11-30", "amount": "40,000", "reference": "ICBC-001"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["amount"], "40000.00");
    assert_eq!(v["kind"], "payment");
    let (_, p) = get(&t, &am, &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(p["paid"], "40000.00");
    assert_eq!(p["open"], "52000.00");
    assert_eq!(p["instalments"][0]["open"], "0.00");
    assert_eq!(p["instalments"][1]["paid"], "10000.00");
    assert_eq!(p["can_edit_plan"], false);
    // Bad input: each named, nothing saved.
    let cases: Vec<(Value, Vec<&str>, u16)> = vec![
        (
            json!({"received_on": "2026-11-30", "amount": "52000.01"}),
            vec!["amount"],
            422,
        ),
        (
            json!({"received_on": "2026-11-30", "amount": "-5"}),
            vec!["amount"],
            422,
        ),
        (
            json!({"received_on": "2026-11-30", "amount": "abc"}),
            vec!["amount"],
            422,
        ),
        (
            json!({"received_on": "2026-11-30", "amount": "1.001"}),
            vec!["amount"],
            422,
        ),
        (
            json!({"received_on": "2026-11-30", "amount": "0"}),
            vec!["amount"],
            422,
        ),
        (
            json!({"received_on": "2026-11-26", "amount": "1"}),
            vec!["received_on"],
            422,
        ),
        (
            json!({"received_on": "2026-12-01", "amount": "1"}),
            vec!["received_on"],
            422,
        ),
        (
            json!({"received_on": "", "amount": ""}),
            vec!["received_on", "amount"],
            422,
        ),
        (
            json!({"received_on": "2026-11-30", "amount": "1", "instalment_ids": [999999]}),
            vec!["instalments"],
            422,
        ),
        (
            json!({"kind": "refund", "received_on": "2026-11-30", "amount": "10"}),
            vec!["reason"],
            422,
        ),
        (
            json!({"kind": "refund", "received_on": "2026-11-30", "amount": "40000.01", "reason": "多付"}),
            vec!["amount"],
            422,
        ),
        (
            json!({"kind": "gift", "received_on": "2026-11-30", "amount": "1"}),
            vec!["kind"],
            422,
        ),
    ];
    for (b, fields, status) in cases {
        let (s, v) = pay(&t, &am, id, b.clone()).await;
        assert_eq!(s, status, "{b}: {v}");
        assert_eq!(problem_fields(&v), fields, "{b}: {v}");
    }
    assert_eq!(payment_rows(&t, id).await, 1, "nothing half-saved");
    // The over-payment names what is open, in the reader's language.
    let (_, v) = pay(
        &t,
        &am,
        id,
        json!({"received_on": "2026-11-30", "amount": "60000"}),
    )
    .await;
    assert!(
        v.to_string().contains("¥52,000.00") && v.to_string().contains("超额"),
        "{v}"
    );
    // A payment for a named instalment goes only there.
    let (_, p) = get(&t, &am, &format!("/api/v1/contracts/{id}/plan")).await;
    let last = p["instalments"][2]["id"].as_i64().unwrap();
    let (s, v) = pay(
        &t,
        &am,
        id,
        json!({"received_on": "2026-11-30", "amount": "2000", "instalment_ids": [last]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (_, p) = get(&t, &am, &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(p["instalments"][2]["paid"], "2000.00");
    assert_eq!(p["instalments"][1]["paid"], "10000.00");
    // A refund: negative, with its reason, off the latest paid first.
    let (s, v) = pay(
        &t,
        &am,
        id,
        json!({"kind": "refund", "received_on": "2026-11-30", "amount": "5000", "reason": "重复付款退回"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["amount"], "-5000.00");
    assert_eq!(v["reason"], "重复付款退回");
    let (_, p) = get(&t, &am, &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(p["paid"], "37000.00");
    assert_eq!(p["instalments"][2]["paid"], "0.00");
    assert_eq!(p["instalments"][1]["paid"], "7000.00");
    let (_, list) = get(&t, &am, &format!("/api/v1/contracts/{id}/payments")).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    // The plan is fixed once paid on.
    let (s, v) = send(
        &t,
        &am,
        Method::PUT,
        &format!("/api/v1/contracts/{id}/plan"),
        plan3(),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    // Every write audited.
    let audit = salesdesk_store::audit::list(
        t.app.db.read(),
        &Default::default(),
        salesdesk_store::Page::new(None, Some(200)),
    )
    .await
    .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"contract.plan"), "{actions:?}");
    assert_eq!(
        actions.iter().filter(|a| **a == "contract.payment").count(),
        2
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "contract.refund").count(),
        1
    );
}

#[tokio::test]
async fn receivables_age_by_bucket_in_each_readers_scope_and_shrink_with_a_payment() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let (k, id) = contract(&t, "north.am1", "回款测试丁软件有限公司", true).await;
    let (s, _) = send(
        &t,
        &am,
        Method::PUT,
        &format!("/api/v1/contracts/{id}/plan"),
        plan3(),
    )
    .await;
    assert_eq!(s, 200);
    let (s, r) = get(&t, &am, "/api/v1/receivables?by=customer").await;
    assert_eq!(s, 200, "{r}");
    let line = r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == k)
        .cloned()
        .expect("the customer's line");
    assert_eq!(line["ageing"]["d1_30"], "30000.00");
    assert_eq!(line["ageing"]["total"], "92000.00");
    assert_eq!(r["today"], "2026-11-30");
    // By person: the owner's line.
    let me = t.person_id("north.am1").await;
    let (_, r) = get(&t, &am, "/api/v1/receivables?by=owner").await;
    assert!(
        r["lines"].as_array().unwrap().iter().any(|l| l["id"] == me),
        "{r}"
    );
    // Another region's rep sees none of it.
    let other = t.token("south.am1").await;
    let (_, r) = get(&t, &other, &format!("/api/v1/receivables?customer_id={k}")).await;
    assert_eq!(r["total"]["total"], "0.00", "{r}");
    let (s, r) = get(&t, &am, "/api/v1/receivables?by=planet").await;
    assert_eq!(s, 422, "{r}");
    // The collections list: overdue and this week's, this month's.
    let (_, c) = get(&t, &am, "/api/v1/receivables/collections").await;
    assert_eq!(c["week_end"], "2026-12-06");
    assert_eq!(c["month_end"], "2026-11-30");
    assert!(
        c["week"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["contract_id"] == id && d["days_overdue"] == 3),
        "{c}"
    );
    // The largest overdue amounts.
    let (_, o) = get(&t, &am, "/api/v1/receivables/overdue").await;
    assert_eq!(o[0]["open"], "30000.00", "{o}");
    // A partial payment: the receivable shrinks.
    let (s, _) = pay(
        &t,
        &am,
        id,
        json!({"received_on": "2026-11-30", "amount": "12,345.67"}),
    )
    .await;
    assert_eq!(s, 201);
    let (_, r) = get(&t, &am, &format!("/api/v1/receivables?customer_id={k}")).await;
    assert_eq!(r["total"]["d1_30"], "17654.33");
    assert_eq!(r["total"]["total"], "79654.33");
    // The customer page and /receivables show it.
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url(&format!("/customers/{k}"))).await;
    assert!(
        page.contains("¥79,654.33"),
        "the customer page shows what is owed"
    );
    let page = page_text(&b, &t.url("/receivables")).await;
    assert!(
        page.contains("回款测试丁软件有限公司") && page.contains("¥17,654.33"),
        "{page}"
    );
}

#[tokio::test]
async fn the_receivables_total_says_department_only_when_it_is_the_whole_departments() {
    let t = demo().await;
    let (_, id) = contract(&t, "north.am1", "回款合计测试有限公司", true).await;
    let am = t.token("north.am1").await;
    let (s, _) = send(
        &t,
        &am,
        Method::PUT,
        &format!("/api/v1/contracts/{id}/plan"),
        plan3(),
    )
    .await;
    assert_eq!(s, 200);
    let total_row = |page: &str| -> String {
        let at = page.find(r#"id="ageing-total""#).expect("the total row");
        page[at..].split("</strong>").next().unwrap().to_string()
    };
    let department = r#"by=department">全部门</a>"#;
    let total = r#"by=department">合计</a>"#;
    // The director reads the whole department: "全部门", in the row and on the tab.
    let page = page_text(&t.browser_as("director").await, &t.url("/receivables")).await;
    assert!(total_row(&page).ends_with("全部门"), "{page}");
    assert!(page.contains(department), "{page}");
    // Narrowed to one region, it is that region's total.
    let region = salesdesk_store::users::find_by_login(t.app.db.read(), "north.am1")
        .await
        .unwrap()
        .unwrap()
        .region_id
        .unwrap();
    let page = page_text(
        &t.browser_as("director").await,
        &t.url(&format!("/receivables?region_id={region}")),
    )
    .await;
    assert!(total_row(&page).ends_with("合计"), "{page}");
    // A regional manager's scope is one region: "合计", never "全部门".
    let manager = t.browser_as("north.manager").await;
    let page = page_text(&manager, &t.url("/receivables")).await;
    assert!(total_row(&page).ends_with("合计"), "{page}");
    assert!(page.contains(total) && !page.contains("全部门"), "{page}");
}

/// PostgreSQL: the application's connections, for reads and for transactions, start no parallel
/// workers — starting them made one region's receivables 13 ms instead of 2 at full scale, and on
/// a few cores they take other requests' cores. Nothing to check on SQLite.
#[tokio::test]
async fn the_application_s_database_connections_start_no_parallel_workers() {
    use sea_orm::{ConnectionTrait, Statement};
    let t = TestApp::spawn().await;
    if t.app.db.engine() != salesdesk_store::Engine::Postgres {
        return;
    }
    let show = Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT current_setting('max_parallel_workers_per_gather') AS v",
    );
    let read = t.app.db.read().query_one_raw(show.clone()).await.unwrap();
    let v: String = read.unwrap().try_get("", "v").unwrap();
    assert_eq!(v, "0", "reads");
    let tx = t.app.db.begin().await.unwrap();
    let written = tx.query_one_raw(show).await.unwrap();
    let v: String = written.unwrap().try_get("", "v").unwrap();
    assert_eq!(v, "0", "transactions");
    tx.rollback().await.unwrap();
}
