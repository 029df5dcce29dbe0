//! The permission matrix: every role of the demo company against every endpoint that exists.
//! The expected answers are written out here by hand, as the specification; they are not
//! computed from the rules under test.

use crate::page_text;
use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

/// One demo login per role (position, or administrator).
const ROLES: [&str; 11] = [
    "admin",
    "vp",
    "director",
    "north.manager",
    "eoffice.manager",
    "north.am1",
    "north.rep",
    "north.consultant",
    "eoffice.rep1",
    "north.assistant",
    "north.telesales",
];

/// Who may manage people and regions and read the audit log.
const MANAGERS_OF_PEOPLE: [&str; 2] = ["admin", "vp"];

#[derive(Clone, Copy)]
enum Who {
    Everyone,
    PeopleManagers,
    AdminOnly,
    /// Everyone who holds a sales position (all but the administrator).
    SalesPositions,
    /// North China's regional manager, the VP and the administrator (a region's assignment rule).
    NorthRuleSetters,
    /// The director, the VP and the administrator (the quotation settings: the discount limit).
    QuoteSetters,
    /// The director and the VP: they approve contracts above the threshold and set it.
    ContractApprovers,
    /// Whoever changes one of the contract settings: the director, the VP, the administrator.
    ContractSettings,
    /// The director and the VP: the expense threshold, the cost categories and the budgets.
    ExpenseSetters,
    /// Who reads the budget board: the director, the VP and the regional managers (their
    /// region's rows).
    BudgetReaders,
}

impl Who {
    fn allows(self, login: &str) -> bool {
        match self {
            Who::Everyone => true,
            Who::PeopleManagers => MANAGERS_OF_PEOPLE.contains(&login),
            Who::AdminOnly => login == "admin",
            Who::SalesPositions => login != "admin",
            Who::NorthRuleSetters => ["admin", "vp", "north.manager"].contains(&login),
            Who::QuoteSetters => ["admin", "vp", "director"].contains(&login),
            Who::ContractApprovers => ["vp", "director"].contains(&login),
            Who::ContractSettings => ["admin", "vp", "director"].contains(&login),
            Who::ExpenseSetters => ["vp", "director"].contains(&login),
            Who::BudgetReaders => ["vp", "director", "north.manager"].contains(&login),
        }
    }
}

#[tokio::test]
async fn every_role_against_every_api_endpoint() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let target = t.person_id("south.rep").await;
    // A day no time zone puts in the future (claims may not be).
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let mut failures = vec![];
    for (i, login) in ROLES.iter().enumerate() {
        let token = t.token(login).await;
        let cases: Vec<(Method, String, Option<Value>, Who, u16)> = vec![
            (Method::GET, "/api/v1/me".into(), None, Who::Everyone, 200),
            (
                Method::GET,
                "/api/v1/positions".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/people".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                format!("/api/v1/people/{target}"),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/regions".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/regions/1".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/notifications".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::POST,
                "/api/v1/notifications/read-all".into(),
                None,
                Who::Everyone,
                204,
            ),
            (
                Method::GET,
                "/api/v1/audit".into(),
                None,
                Who::PeopleManagers,
                200,
            ),
            (
                Method::POST,
                "/api/v1/people".into(),
                Some(
                    json!({"login": format!("made.by.{i}"), "display_name": "测试", "position": "sales_rep", "region_id": 1, "password": "first-pass-1"}),
                ),
                Who::PeopleManagers,
                201,
            ),
            (
                Method::PATCH,
                format!("/api/v1/people/{target}"),
                Some(json!({"phone": format!("1380000{i:04}")})),
                Who::PeopleManagers,
                200,
            ),
            (
                Method::POST,
                format!("/api/v1/people/{target}/password-reset"),
                Some(json!({"password": "reset-pass-1"})),
                Who::AdminOnly,
                204,
            ),
            (
                Method::POST,
                "/api/v1/regions".into(),
                Some(
                    json!({"name": format!("测试大区{i}"), "name_en": format!("Test {i}"), "kind": "region"}),
                ),
                Who::PeopleManagers,
                201,
            ),
            (
                Method::PATCH,
                "/api/v1/regions/1".into(),
                Some(json!({"name": "华北大区", "name_en": "North China", "kind": "region"})),
                Who::PeopleManagers,
                200,
            ),
            (
                Method::GET,
                "/api/v1/login-throttles".into(),
                None,
                Who::PeopleManagers,
                200,
            ),
            // No such throttle: who may clear one is told so (404), everyone else is refused.
            (
                Method::DELETE,
                "/api/v1/login-throttles/999999".into(),
                None,
                Who::PeopleManagers,
                404,
            ),
            (
                Method::GET,
                "/api/v1/settings/customers".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/settings/customers".into(),
                Some(
                    json!({"required_items": ["phone"], "review_days": {"lead": 10 + i}, "pool_enabled": false, "pool_idle_days": 60, "pool_claims_per_day": 10}),
                ),
                Who::AdminOnly,
                200,
            ),
            (
                Method::GET,
                "/api/v1/choices".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::POST,
                "/api/v1/choices".into(),
                Some(
                    json!({"list": "type", "code": format!("t{i}"), "name_zh": "测试", "name_en": "Test"}),
                ),
                Who::AdminOnly,
                201,
            ),
            (
                Method::PATCH,
                "/api/v1/choices/1".into(),
                Some(json!({"active": true})),
                Who::AdminOnly,
                200,
            ),
            (
                Method::GET,
                "/api/v1/regions/1/assignment-rule".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/regions/1/assignment-rule".into(),
                Some(json!({"mode": "round_robin"})),
                Who::NorthRuleSetters,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/regions/4/assignment-rule".into(),
                Some(json!({"mode": "least_load"})),
                Who::PeopleManagers,
                200,
            ),
            // Trial set-up (issue 12): products, routing by place, intake keys, leave.
            (
                Method::GET,
                "/api/v1/products".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/products/1".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::POST,
                "/api/v1/products".into(),
                Some(
                    json!({"code": format!("p{i}"), "name_zh": format!("测试产品{i}"), "name_en": format!("Test product {i}")}),
                ),
                Who::AdminOnly,
                201,
            ),
            (
                Method::PATCH,
                "/api/v1/products/1".into(),
                Some(json!({"active": true})),
                Who::AdminOnly,
                200,
            ),
            (
                Method::GET,
                "/api/v1/region-routes".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/region-routes/440000".into(),
                Some(json!({"region_id": 1})),
                Who::AdminOnly,
                200,
            ),
            (
                Method::POST,
                "/api/v1/region-routes/defaults".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            // No such row: the administrator is told so (404), everyone else is refused.
            (
                Method::DELETE,
                "/api/v1/region-routes/130100".into(),
                None,
                Who::AdminOnly,
                404,
            ),
            (
                Method::GET,
                "/api/v1/intake-keys".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            (
                Method::POST,
                "/api/v1/intake-keys".into(),
                Some(json!({"name": format!("官网{i}")})),
                Who::AdminOnly,
                201,
            ),
            (
                Method::POST,
                "/api/v1/intake-keys/999999/revoke".into(),
                None,
                Who::AdminOnly,
                404,
            ),
            (
                Method::PATCH,
                format!("/api/v1/people/{target}"),
                Some(json!({"on_leave_until": null})),
                Who::PeopleManagers,
                200,
            ),
            // The business calendar: its arithmetic for everyone, its data for the administrator.
            (
                Method::GET,
                "/api/v1/calendar/deadline?from=2026-11-27T17:30&working_hours=4".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/calendar/working-time?from=2026-11-27T17:30&to=2026-11-30T13:30".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/calendar?year=2026".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/calendar/hours".into(),
                Some(
                    json!({"open": "09:00", "close": "18:00", "lunch_start": "12:00", "lunch_end": "13:00"}),
                ),
                Who::AdminOnly,
                200,
            ),
            (
                Method::POST,
                "/api/v1/calendar/days".into(),
                Some(
                    json!({"date": format!("2026-12-{:02}", 1 + i), "kind": "off", "name": "测试"}),
                ),
                Who::AdminOnly,
                201,
            ),
            (
                Method::DELETE,
                "/api/v1/calendar/days/2026-10-01".into(),
                None,
                Who::AdminOnly,
                204,
            ),
            (
                Method::POST,
                "/api/v1/calendar/years".into(),
                Some(json!({"toml": "year = 2027\n"})),
                Who::AdminOnly,
                200,
            ),
            (
                Method::GET,
                "/api/v1/jobs?state=failed".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            (
                Method::GET,
                "/api/v1/job-schedules".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            // No such job: the administrator learns that; nobody else gets that far.
            (
                Method::POST,
                "/api/v1/jobs/999999/retry".into(),
                Some(json!({})),
                Who::AdminOnly,
                404,
            ),
            (
                Method::GET,
                "/api/v1/me/calendar-feed".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/presales/calls?view=missed".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/trials/dashboard?period=week&periods=4".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/settings/presales-plan".into(),
                None,
                Who::AdminOnly,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/settings/presales-plan".into(),
                Some(json!({"steps": [{"from": "start", "days": 2 + i, "working": false}]})),
                Who::AdminOnly,
                200,
            ),
            // Deals (issue 13): seen like customers, so by everyone with a sales position;
            // the stages are read by everyone and kept by the administrator.
            (
                Method::GET,
                "/api/v1/deals".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/deals/board".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/deals/forecast".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/deal-stages".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::POST,
                "/api/v1/deal-stages".into(),
                Some(
                    json!({"code": format!("visit{i}"), "name_zh": format!("拜访{i}"),
                            "name_en": format!("Visit {i}"), "probability": 5}),
                ),
                Who::AdminOnly,
                201,
            ),
            // Quotations (issue 13 point 2): everyone reads their own queue (empty unless they
            // decide); the settings are the director's, the VP's and the administrator's.
            (
                Method::GET,
                "/api/v1/quote-approvals".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/settings/quotes".into(),
                None,
                Who::QuoteSetters,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/settings/quotes".into(),
                Some(
                    json!({"company_name": "华信协同软件有限公司", "discount_limit": format!("{}.5", 10 + i), "validity_days": 30}),
                ),
                Who::QuoteSetters,
                200,
            ),
            // Contracts (issue 13): seen like customers; the threshold is the director's and
            // the VP's, the revenue rule the administrator's; everyone reads the settings.
            (
                Method::GET,
                "/api/v1/contracts".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/contracts?status=pending_approval".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/contracts/revenue".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            // Receivables (issue 13 point 6): scoped like customers, for every sales position.
            (
                Method::GET,
                "/api/v1/receivables".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/receivables?by=region".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/receivables/collections".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/receivables/overdue".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            // The lists' exports (issue 13 point 7): each sales position exports what its
            // export right allows (its own records by default, a manager's scope); the
            // administrator, who holds no sales position, exports none. Saved filters are
            // everyone's own, per list.
            (
                Method::GET,
                "/api/v1/deals/export.csv".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/contracts/export.xlsx".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/receivables/export.csv?by=owner".into(),
                None,
                Who::SalesPositions,
                200,
            ),
            (
                Method::GET,
                "/api/v1/saved-filters?list=receivables".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::POST,
                "/api/v1/saved-filters".into(),
                Some(json!({"list": "contracts", "name": "已签", "query": "status=signed"})),
                Who::Everyone,
                201,
            ),
            (
                Method::GET,
                "/api/v1/contract-settings".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/contract-settings".into(),
                Some(json!({"threshold": format!("{}", 500_000 + i)})),
                Who::ContractApprovers,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/contract-settings".into(),
                Some(json!({"revenue_rule": "on_signing"})),
                Who::AdminOnly,
                200,
            ),
            // Expenses (issue 14 point 1): everyone lists what they see (the administrator,
            // who claims nothing, an empty list); whoever holds a sales position claims their
            // own; a claim nobody sees is not found for everyone; the budgets and the settings
            // are the director's and the VP's, the board also a regional manager's.
            (
                Method::GET,
                "/api/v1/expenses".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::GET,
                "/api/v1/expenses?waiting=true&state=pending_manager".into(),
                None,
                Who::Everyone,
                200,
            ),
            (
                Method::POST,
                "/api/v1/expenses".into(),
                Some(
                    json!({"category": "travel", "expense_date": yesterday, "amount": format!("{}.5", 100 + i), "description": "矩阵测试"}),
                ),
                Who::SalesPositions,
                201,
            ),
            (
                Method::GET,
                "/api/v1/expenses/999999".into(),
                None,
                Who::Everyone,
                404,
            ),
            (
                Method::POST,
                "/api/v1/expenses/999999/approve".into(),
                Some(json!({})),
                Who::Everyone,
                404,
            ),
            (
                Method::POST,
                "/api/v1/expenses/999999/return".into(),
                Some(json!({"comment": "矩阵测试"})),
                Who::Everyone,
                404,
            ),
            (
                Method::POST,
                "/api/v1/expenses/999999/resubmit".into(),
                Some(
                    json!({"category": "travel", "expense_date": yesterday, "amount": "1", "description": "矩阵测试"}),
                ),
                Who::Everyone,
                404,
            ),
            (
                Method::GET,
                "/api/v1/expenses/999999/receipts/1".into(),
                None,
                Who::Everyone,
                404,
            ),
            (
                Method::GET,
                "/api/v1/budgets?period=2026".into(),
                None,
                Who::BudgetReaders,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/budgets".into(),
                Some(
                    json!({"region_id": 1, "period": "2099-12", "amount": format!("{}", 1000 + i)}),
                ),
                Who::ExpenseSetters,
                200,
            ),
            (
                Method::GET,
                "/api/v1/settings/expenses".into(),
                None,
                Who::ExpenseSetters,
                200,
            ),
            (
                Method::PUT,
                "/api/v1/settings/expenses".into(),
                Some(json!({"threshold": format!("{}", 5000 + i), "cost_categories": ["travel"]})),
                Who::ExpenseSetters,
                200,
            ),
        ];
        for (method, path, body, who, ok) in cases {
            let mut req = c.request(method.clone(), t.url(&path)).bearer_auth(&token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let expected = if who.allows(login) { ok } else { 403 };
            if status != expected {
                failures.push(format!(
                    "{login} {method} {path}: got {status}, expected {expected}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_role_against_every_page() {
    let t = TestApp::with_demo().await;
    let target = t.person_id("south.rep").await;
    let mut failures = vec![];
    for login in ROLES {
        let c = t.browser_as(login).await;
        let cases: Vec<(String, Who)> = vec![
            ("/".into(), Who::Everyone),
            ("/people".into(), Who::Everyone),
            (format!("/people/{target}"), Who::Everyone),
            ("/regions".into(), Who::Everyone),
            ("/notifications".into(), Who::Everyone),
            ("/account".into(), Who::Everyone),
            ("/customers".into(), Who::Everyone),
            ("/approvals".into(), Who::Everyone),
            ("/people/new".into(), Who::PeopleManagers),
            (format!("/people/{target}/edit"), Who::PeopleManagers),
            ("/regions/new".into(), Who::PeopleManagers),
            ("/regions/1/edit".into(), Who::PeopleManagers),
            ("/audit".into(), Who::PeopleManagers),
            ("/login-throttles".into(), Who::PeopleManagers),
            ("/customers/new".into(), Who::SalesPositions),
            ("/settings/customers".into(), Who::AdminOnly),
            ("/settings/lists".into(), Who::AdminOnly),
            ("/settings/calendar".into(), Who::AdminOnly),
            ("/settings/products".into(), Who::AdminOnly),
            ("/settings/routing".into(), Who::AdminOnly),
            ("/settings/intake-keys".into(), Who::AdminOnly),
            ("/regions/1/assignment".into(), Who::Everyone),
            ("/settings/jobs".into(), Who::AdminOnly),
            ("/settings/jobs?state=failed".into(), Who::AdminOnly),
            ("/settings/presales".into(), Who::AdminOnly),
            ("/presales".into(), Who::SalesPositions),
            ("/presales?view=missed".into(), Who::SalesPositions),
            ("/trials/dashboard".into(), Who::SalesPositions),
            ("/settings/trials".into(), Who::AdminOnly),
            ("/deals".into(), Who::SalesPositions),
            ("/deals/board".into(), Who::SalesPositions),
            ("/deals/forecast".into(), Who::SalesPositions),
            ("/settings/deal-stages".into(), Who::AdminOnly),
            ("/quotes/waiting".into(), Who::Everyone),
            ("/settings/quotes".into(), Who::QuoteSetters),
            ("/contracts".into(), Who::SalesPositions),
            (
                "/contracts?status=pending_approval".into(),
                Who::SalesPositions,
            ),
            ("/contracts/revenue".into(), Who::SalesPositions),
            ("/settings/contracts".into(), Who::ContractSettings),
            ("/receivables".into(), Who::SalesPositions),
            ("/receivables?by=owner".into(), Who::SalesPositions),
            ("/receivables/collections".into(), Who::SalesPositions),
            ("/deals/export.xlsx".into(), Who::SalesPositions),
            ("/contracts/export.csv".into(), Who::SalesPositions),
            ("/receivables/export.xlsx".into(), Who::SalesPositions),
        ];
        for (path, who) in cases {
            let status = c.get(t.url(&path)).send().await.unwrap().status().as_u16();
            let expected = if who.allows(login) { 200 } else { 403 };
            if status != expected {
                failures.push(format!(
                    "{login} GET {path}: got {status}, expected {expected}"
                ));
            }
        }
        // The navigation shows the audit log only to those who may read it.
        let home = page_text(&c, &t.url("/")).await;
        let shows_audit = home.contains("href=\"/audit\"");
        if shows_audit != Who::PeopleManagers.allows(login) {
            failures.push(format!("{login}: audit link shown = {shows_audit}"));
        }
        let shows_throttles = home.contains("href=\"/login-throttles\"");
        if shows_throttles != Who::PeopleManagers.allows(login) {
            failures.push(format!(
                "{login}: login throttles link shown = {shows_throttles}"
            ));
        }
        let shows_settings = home.contains("href=\"/settings/customers\"");
        if shows_settings != Who::AdminOnly.allows(login) {
            failures.push(format!("{login}: settings link shown = {shows_settings}"));
        }
        let shows_rule = home.contains("href=\"/assignment\"");
        if shows_rule != (login == "north.manager") {
            failures.push(format!("{login}: assignment link shown = {shows_rule}"));
        }
        // Who may change a region's rule gets its form; everyone else reads it.
        let rule_page = page_text(&c, &t.url("/regions/1/assignment")).await;
        let has_form = rule_page.contains("name=\"mode\"");
        if has_form != Who::NorthRuleSetters.allows(login) {
            failures.push(format!("{login}: assignment form shown = {has_form}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn someone_elses_notification_is_not_found_rather_than_forbidden() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let c = t.client();
    let victim = t.person_id("north.am1").await;
    let r = c
        .post(t.url(&format!("/api/v1/people/{victim}/password-reset")))
        .bearer_auth(&admin)
        .json(&json!({"password": "reset-pass-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let owner = t.token_with("north.am1", "reset-pass-1").await;
    let (_, notes) = crate::api_get(&c, &t.url("/api/v1/notifications"), &owner).await;
    let note_id = notes["items"][0]["id"].as_i64().unwrap();
    let other = t.token("north.am2").await;
    let r = c
        .post(t.url(&format!("/api/v1/notifications/{note_id}/read")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "outside one's scope: not found, no hint that it exists"
    );
    let r = c
        .post(t.url(&format!("/api/v1/notifications/{note_id}/read")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

/// Contact records, follow-ups, owner history, reassignment, merging and the pool, for every
/// role, on one customer of North China's account manager. Outside the scope is 404; an act the
/// position may not take is 403. Written out by hand per login.
#[tokio::test]
async fn every_role_against_the_customer_work() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let owner = t.token("north.am1").await;
    let (s, x) = crate::api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &owner,
        json!({"name": "北京矩阵测试有限公司"}),
    )
    .await;
    assert_eq!(s, 201);
    let x = x["id"].as_i64().unwrap();
    let am1 = t.person_id("north.am1").await;
    // (login, sees the customer, reassign answer, merge-with-itself answer)
    let table: [(&str, bool, u16, u16); 11] = [
        ("admin", false, 422, 422),
        ("vp", true, 200, 422),
        ("director", true, 200, 422),
        ("north.manager", true, 200, 422),
        ("eoffice.manager", false, 422, 422),
        ("north.am1", true, 403, 403),
        ("north.rep", false, 403, 403),
        ("north.consultant", false, 403, 403),
        ("eoffice.rep1", false, 403, 403),
        ("north.assistant", true, 403, 403),
        ("north.telesales", false, 403, 403),
    ];
    assert_eq!(table.map(|r| r.0), ROLES, "every role, in order");
    let mut failures = vec![];
    for (login, sees, reassign, merge) in table {
        let token = t.token(login).await;
        let seen = if sees { 200 } else { 404 };
        let cases: Vec<(Method, String, Option<Value>, u16)> = vec![
            (
                Method::GET,
                format!("/api/v1/customers/{x}/records"),
                None,
                seen,
            ),
            (
                Method::POST,
                format!("/api/v1/customers/{x}/records"),
                Some(json!({"kind": "call", "summary": "矩阵测试"})),
                if sees { 201 } else { 404 },
            ),
            (
                Method::GET,
                format!("/api/v1/customers/{x}/owner-history"),
                None,
                seen,
            ),
            (Method::GET, "/api/v1/followups".into(), None, 200),
            (
                Method::POST,
                "/api/v1/customers/reassign".into(),
                Some(json!({"ids": [x], "owner_id": am1})),
                reassign,
            ),
            (
                Method::POST,
                format!("/api/v1/customers/{x}/merge"),
                Some(json!({"duplicate_id": x})),
                merge,
            ),
            // The pool is off by default: everyone is told so.
            (Method::GET, "/api/v1/pool".into(), None, 422),
            (
                Method::POST,
                format!("/api/v1/customers/{x}/claim"),
                Some(json!({})),
                422,
            ),
        ];
        for (method, path, body, expected) in cases {
            let mut req = c.request(method.clone(), t.url(&path)).bearer_auth(&token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let status = req.send().await.unwrap().status().as_u16();
            if status != expected {
                failures.push(format!(
                    "{login} {method} {path}: got {status}, expected {expected}"
                ));
            }
        }
        let b = t.browser_as(login).await;
        let merge_page = match (reassign, sees) {
            (403, _) => 403,
            (_, true) => 200,
            _ => 404,
        };
        for (path, expected) in [
            ("/followups".to_string(), 200),
            (format!("/customers/{x}/records"), seen),
            (format!("/customers/{x}/merge"), merge_page),
        ] {
            let status = b.get(t.url(&path)).send().await.unwrap().status().as_u16();
            if status != expected {
                failures.push(format!(
                    "{login} GET {path}: got {status}, expected {expected}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One claim of North China's account manager, waiting for their manager, against every role:
/// who opens it, who may decide it, and what deciding answers to the others (404 outside one's
/// view, 409 for one's own claim). Written out by hand per login.
#[tokio::test]
async fn every_role_against_one_expense_claim_of_north_china() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let am = t.token("north.am1").await;
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let (s, x) = crate::api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/expenses"),
        &am,
        json!({"category": "entertainment", "expense_date": yesterday, "amount": "680",
               "description": "客户晚餐"}),
    )
    .await;
    assert_eq!(s, 201, "{x}");
    let x = x["id"].as_i64().unwrap();
    // (login, GET answer, may decide it, approve answer when not)
    let table: [(&str, u16, bool, u16); 11] = [
        ("admin", 404, false, 404),
        ("vp", 200, true, 0),
        ("director", 200, true, 0),
        ("north.manager", 200, true, 0),
        ("eoffice.manager", 404, false, 404),
        ("north.am1", 200, false, 409),
        ("north.rep", 404, false, 404),
        ("north.consultant", 404, false, 404),
        ("eoffice.rep1", 404, false, 404),
        ("north.assistant", 404, false, 404),
        ("north.telesales", 404, false, 404),
    ];
    assert_eq!(table.map(|r| r.0), ROLES, "every role, in order");
    let mut failures = vec![];
    for (login, seen, decides, approve) in table {
        let token = t.token(login).await;
        let (s, v) = crate::api_get(&c, &t.url(&format!("/api/v1/expenses/{x}")), &token).await;
        if s != seen {
            failures.push(format!("{login}: GET {s}, expected {seen}"));
            continue;
        }
        if s == 200 && v["can_decide"] != decides {
            failures.push(format!("{login}: can_decide {}", v["can_decide"]));
        }
        if !decides {
            for action in ["approve", "return"] {
                let (s, _) = crate::api_send(
                    &c,
                    Method::POST,
                    &t.url(&format!("/api/v1/expenses/{x}/{action}")),
                    &token,
                    json!({"comment": "矩阵测试"}),
                )
                .await;
                if s != approve {
                    failures.push(format!("{login}: {action} {s}, expected {approve}"));
                }
            }
        }
    }
    let (_, v) = crate::api_get(&c, &t.url(&format!("/api/v1/expenses/{x}")), &am).await;
    if v["state"] != "pending_manager" {
        failures.push(format!("the claim moved: {}", v["state"]));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
