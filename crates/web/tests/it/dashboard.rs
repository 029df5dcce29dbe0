//! The dashboard per position (issue 10, point 2): staff see their own figures, a regional
//! manager their region's by person, the VP every region's; every number links to a list that
//! shows the same count; the navigation counts the approvals waiting.

use chrono::{Duration, Utc};
use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text};

async fn create(t: &TestApp, token: &str, name: &str) -> i64 {
    let (s, c) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        token,
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().unwrap()
}

async fn dashboard(t: &TestApp, login: &str) -> Value {
    let (s, d) = api_get(
        &t.client(),
        &t.url("/api/v1/dashboard"),
        &t.token(login).await,
    )
    .await;
    assert_eq!(s, 200, "{d}");
    d
}

fn line(d: &Value, id: i64) -> &Value {
    d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no line {id} in {d}"))
}

/// Known data: north.am1 has three customers (one basic, one overdue, one with a pending
/// request), north.am2 two, east.am1 one.
async fn known(t: &TestApp) {
    let am1 = t.token("north.am1").await;
    let basic = create(t, &am1, "北京一号信息技术有限公司").await;
    let overdue = create(t, &am1, "北京二号软件有限公司").await;
    let asked = create(t, &am1, "北京三号网络科技有限公司").await;
    let am2 = t.token("north.am2").await;
    create(t, &am2, "天津四号物流有限公司").await;
    create(t, &am2, "天津五号贸易有限公司").await;
    create(t, &t.token("east.am1").await, "上海六号数据科技有限公司").await;
    let db = t.app.db.read();
    assert!(
        salesdesk_store::customers::set_status(db, basic, "lead", "basic", Utc::now())
            .await
            .unwrap()
    );
    let yesterday = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        - Duration::days(1);
    use salesdesk_store::entity::customers;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    customers::Entity::update_many()
        .col_expr(customers::Column::NextContactOn, Expr::value(yesterday))
        .filter(customers::Column::Id.eq(overdue))
        .exec(db)
        .await
        .unwrap();
    let (s, r) = api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/customers/{asked}/status-requests")),
        &am1,
        json!({"to_status": "basic", "need": "40 人协同办公", "budget": "10 万元", "timeline": "本季度"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
}

#[tokio::test]
async fn staff_see_their_own_figures_a_regional_manager_the_region_by_person_the_vp_by_region() {
    let t = TestApp::with_demo().await;
    known(&t).await;

    let am1 = dashboard(&t, "north.am1").await;
    let s = &am1["scope"];
    assert_eq!(s["total"], 3, "{am1}");
    assert_eq!(s["by_status"]["lead"], 2);
    assert_eq!(s["by_status"]["basic"], 1);
    assert_eq!(s["new_week"], 3);
    assert_eq!(s["new_month"], 3);
    assert_eq!(s["overdue"], 1);
    assert_eq!(s["due_today"], 0);
    assert_eq!(am1["breakdown"], Value::Null, "staff see their own only");
    assert_eq!(
        am1["approvals_waiting"],
        Value::Null,
        "an account manager approves nobody"
    );
    assert_eq!(am1["my_pending"], 1);
    assert_eq!(am1["pool"], Value::Null, "the pool is off");

    let am2 = dashboard(&t, "north.am2").await;
    assert_eq!(am2["scope"]["total"], 2);
    assert_eq!(am2["my_pending"], 0);

    let north = dashboard(&t, "north.manager").await;
    assert_eq!(north["scope"]["total"], 5, "the region, not the east");
    assert_eq!(north["breakdown"], "person");
    let am1_id = t.person_id("north.am1").await;
    let am2_id = t.person_id("north.am2").await;
    assert_eq!(line(&north, am1_id)["figures"]["total"], 3);
    assert_eq!(line(&north, am1_id)["figures"]["overdue"], 1);
    assert_eq!(line(&north, am2_id)["figures"]["total"], 2);
    assert_eq!(north["lines"].as_array().unwrap().len(), 2);
    assert_eq!(north["approvals_waiting"], 1, "am1's request");

    let east = dashboard(&t, "east.manager").await;
    assert_eq!(east["scope"]["total"], 1);
    assert_eq!(east["approvals_waiting"], 0, "not their region's request");

    let vp = dashboard(&t, "vp").await;
    assert_eq!(vp["scope"]["total"], 6);
    assert_eq!(vp["breakdown"], "region");
    let lines = vp["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 5, "every region, with zeros: {vp}");
    let by_name = |n: &str| {
        lines
            .iter()
            .find(|l| l["name"] == n)
            .map(|l| l["figures"]["total"].clone())
    };
    assert_eq!(
        by_name("华北大区"),
        Some(json!(5)),
        "branch customers count for the region"
    );
    assert_eq!(by_name("华东大区"), Some(json!(1)));
    assert_eq!(by_name("华南大区"), Some(json!(0)));
    assert_eq!(vp["approvals_waiting"], 1);

    let admin = dashboard(&t, "admin").await;
    assert_eq!(admin["has_customers"], false);
    assert_eq!(admin["scope"]["total"], 0);

    // The navigation counts the approvals waiting for a manager.
    let page = page_text(&t.browser_as("north.manager").await, &t.url("/people")).await;
    assert!(
        page.contains(r#"<a href="/approvals">待我审批 <span class="badge">1</span></a>"#),
        "badge in the navigation"
    );
    let staff = page_text(&t.browser_as("north.am1").await, &t.url("/people")).await;
    assert!(
        !staff.contains("/approvals"),
        "staff have no approval queue"
    );
}

/// The `href`s of the links whose text is a number, with that number.
fn number_links(html: &str) -> Vec<(String, u64)> {
    let mut out = vec![];
    for part in html.split("<a href=\"").skip(1) {
        let Some((href, rest)) = part.split_once("\">") else {
            continue;
        };
        let Some((text, _)) = rest.split_once("</a>") else {
            continue;
        };
        if let Ok(n) = text.trim().parse() {
            out.push((href.replace("&amp;", "&").replace("&#38;", "&"), n));
        }
    }
    out
}

/// The count a list page states: "共 N 个客户" on the customer list, the rows of the others.
fn list_count(html: &str) -> u64 {
    if let Some(i) = html.find("共 ") {
        let rest = &html[i + "共 ".len()..];
        if let Some((n, _)) = rest.split_once(" 个客户") {
            return n.parse().unwrap_or(u64::MAX);
        }
    }
    u64::MAX
}

#[tokio::test]
async fn every_number_on_the_dashboard_links_to_a_list_with_the_same_count() {
    let t = TestApp::with_living_demo().await;
    for login in ["north.manager", "north.am1", "vp", "eoffice.manager"] {
        let b = t.browser_as(login).await;
        let home = page_text(&b, &t.url("/")).await;
        let links = number_links(&home);
        let customers: Vec<_> = links
            .iter()
            .filter(|(h, _)| h.starts_with("/customers"))
            .collect();
        assert!(customers.len() >= 10, "{login}: {links:?}");
        assert!(
            customers.iter().any(|(_, n)| *n > 0),
            "{login} has figures: {links:?}"
        );
        for (href, n) in customers {
            let list = page_text(&b, &t.url(href)).await;
            let shown = if list.contains("id=\"empty\"") {
                0
            } else {
                list_count(&list)
            };
            assert_eq!(shown, *n, "{login}: {href}");
        }
        let token = t.token(login).await;
        let d = dashboard(&t, login).await;
        if let Some(waiting) = d["approvals_waiting"].as_u64() {
            let (_, q) = api_get(&t.client(), &t.url("/api/v1/status-requests"), &token).await;
            assert_eq!(q.as_array().unwrap().len() as u64, waiting, "{login} queue");
        }
        let (_, pool) = api_get(&t.client(), &t.url("/api/v1/pool"), &token).await;
        assert_eq!(pool["total"], d["pool"], "{login} pool");
    }
}
