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
    assert!(
        !page.contains("session.create"),
        "filtered to changes of people by the VP"
    );
    // Paginated: 50 a page by default, the demo load alone wrote more than that.
    let all = page_text(&c, &t.url("/audit")).await;
    assert!(all.contains("rel=\"next\""));
}
