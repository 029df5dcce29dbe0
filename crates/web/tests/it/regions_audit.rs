//! Regions and branch offices; browsing the audit log.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send, page_text, problem_fields};

#[tokio::test]
async fn branches_belong_to_a_region_and_names_are_unique() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let c = t.client();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/regions"),
        &admin,
        json!({"name": "西安分公司", "name_en": "Xi'an Branch", "kind": "branch"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["parent_id"]);
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/regions"),
        &admin,
        json!({"name": "华东大区", "name_en": "East again", "kind": "region"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["code"], "error.name_taken");
    let (_, regions) = api_get(&c, &t.url("/api/v1/regions"), &admin).await;
    let southwest = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "西南大区")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, branch) = api_send(&c, Method::POST, &t.url("/api/v1/regions"), &admin, json!({"name": "西安分公司", "name_en": "Xi'an Branch", "kind": "branch", "parent_id": southwest})).await;
    assert_eq!(s, 201, "{branch}");
    assert_eq!(branch["parent_id"], southwest);
    // A branch cannot be the parent of another branch.
    let (s, _) = api_send(&c, Method::POST, &t.url("/api/v1/regions"), &admin, json!({"name": "西安高新办", "name_en": "Xi'an Hi-tech", "kind": "branch", "parent_id": branch["id"]})).await;
    assert_eq!(s, 422);
    // The regions page lists the branch under its region, in order.
    let page = t
        .browser_as("director")
        .await
        .get(t.url("/regions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (a, b) = (
        page.find("西南大区").unwrap(),
        page.find("西安分公司").unwrap(),
    );
    assert!(a < b);
}

#[tokio::test]
async fn the_audit_page_shows_who_changed_what_with_before_and_after() {
    let t = TestApp::with_demo().await;
    let vp = t.token("vp").await;
    let id = t.person_id("central.rep").await;
    let (s, _) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{id}")),
        &vp,
        json!({"phone": "027-8888-0000"}),
    )
    .await;
    assert_eq!(s, 200);
    let vp_id = t.person_id("vp").await;
    let c = t.browser_as("vp").await;
    let page = page_text(&c, &t.url(&format!("/audit?actor={vp_id}&entity=person"))).await;
    assert!(page.contains("person.update"));
    assert!(page.contains("027-8888-0000"), "the new value is shown");
    assert!(
        page.contains("<del>"),
        "the old value is shown struck through"
    );
    // (The action filter lists every action, so look at the rows' codes.)
    assert!(
        !page.contains("<code>session.create</code>"),
        "filtered to changes of people by the VP"
    );
    // Paginated: 50 a page by default, the demo load alone wrote more than that.
    let all = page_text(&c, &t.url("/audit")).await;
    assert!(all.contains("rel=\"next\""));
}

#[tokio::test]
async fn the_administrator_reads_who_changed_a_customer_but_not_its_sales_data() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let am1 = t.token("north.am1").await;
    let (s, cust) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am1,
        json!({"name": "北京星辰软件有限公司", "phone": "010-62345678"}),
    )
    .await;
    assert_eq!(s, 201, "{cust}");
    let id = cust["id"].as_i64().unwrap();
    let (s, contact) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am1,
        json!({"name": "钱多多", "mobile": "13912345678"}),
    )
    .await;
    assert_eq!(s, 201, "{contact}");
    let (s, _) = api_send(
        &c,
        Method::PATCH,
        &t.url(&format!("/api/v1/customers/{id}")),
        &am1,
        json!({"phone": "010-87654321"}),
    )
    .await;
    assert_eq!(s, 200);

    // The administrator sees who did what to which customer and which fields changed …
    let admin = t.token("admin").await;
    let url = t.url(&format!(
        "/api/v1/audit?entity_type=customer&entity_id={id}"
    ));
    let (s, log) = api_get(&c, &url, &admin).await;
    assert_eq!(s, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert!(items.len() >= 2, "{log}");
    let text = log.to_string();
    for secret in ["北京星辰", "62345678", "87654321"] {
        assert!(
            !text.contains(secret),
            "admin must not read {secret}: {text}"
        );
    }
    let update = items
        .iter()
        .find(|e| e["action"] == "customer.update")
        .expect("the update is listed");
    assert_eq!(update["masked"], true);
    assert_eq!(update["after"]["phone"], "***", "{update}");
    assert_eq!(update["actor_name"], "张伟");
    // … nor the contact's mobile through the contact's entries or the page.
    let (_, log) = api_get(&c, &t.url("/api/v1/audit?entity_type=contact"), &admin).await;
    assert!(!log.to_string().contains("13912345678"), "{log}");
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/audit?entity=customer")).await;
    assert!(page.contains("customer.update"));
    assert!(!page.contains("87654321"));
    // People and settings entries stay readable to the administrator.
    let (_, log) = api_get(&c, &t.url("/api/v1/audit?entity_type=session"), &admin).await;
    assert_eq!(log["items"][0]["masked"], false, "{log}");

    // The VP, whose scope is the whole company, reads the values.
    let vp = t.token("vp").await;
    let (_, log) = api_get(&c, &url, &vp).await;
    assert!(log.to_string().contains("87654321"), "{log}");
}
