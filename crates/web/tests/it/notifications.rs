//! Notifications (issue 10, point 7): opening one marks it read and leads to its object, deciding
//! the request it announced marks it done, and the navigation counts the unread ones.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, lead_with_pending_request, page_text};

async fn notes(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/notifications{query}")),
        token,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

/// The unread count the navigation shows (`None` without a badge).
fn badge(page: &str) -> Option<u64> {
    let bell = &page[page.find("class=\"bell\"")?..];
    let bell = &bell[..bell.find("</a>")?];
    let start = bell.find("class=\"badge\">")? + "class=\"badge\">".len();
    bell[start..].split('<').next()?.trim().parse().ok()
}

#[tokio::test]
async fn opening_a_notification_marks_it_read_and_leads_to_what_it_is_about() {
    let t = TestApp::with_demo().await;
    let manager = t.token("north.manager").await;
    let before = notes(&t, &manager, "?unread=true").await.len();
    let (customer, _) = lead_with_pending_request(&t, "天津通知测试有限公司").await;
    let browser = t.browser_as("north.manager").await;

    // The navigation counts it; the list links to it through the opening route.
    let home = page_text(&browser, &t.url("/")).await;
    assert_eq!(badge(&home), Some(before as u64 + 1), "{home}");
    let unread = notes(&t, &manager, "?unread=true").await;
    assert_eq!(unread.len(), before + 1);
    let note = &unread[0];
    assert_eq!(note["kind"], "status_request");
    assert_eq!(note["link"], format!("/customers/{customer}"));
    let id = note["id"].as_i64().unwrap();
    let list = page_text(&browser, &t.url("/notifications")).await;
    assert!(
        list.contains(&format!("href=\"/notifications/{id}\"")),
        "{list}"
    );

    // A link followed from another site goes there but does not mark it read.
    let r = browser
        .get(t.url(&format!("/notifications/{id}")))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(notes(&t, &manager, "?unread=true").await.len(), before + 1);

    // Opening it: read, and on to the customer.
    let r = browser
        .get(t.url(&format!("/notifications/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/customers/{customer}")
    );
    let unread = notes(&t, &manager, "?unread=true").await;
    assert_eq!(unread.len(), before);
    assert!(unread.iter().all(|n| n["id"] != id));
    let all = notes(&t, &manager, "").await;
    let opened = all.iter().find(|n| n["id"] == id).unwrap();
    assert_eq!(
        (&opened["read"], &opened["done"]),
        (&json!(true), &json!(false))
    );
    let home = page_text(&browser, &t.url("/")).await;
    assert_eq!(
        badge(&home),
        (before > 0).then_some(before as u64),
        "{home}"
    );

    // Opening it again is harmless; someone else's is not found.
    let r = browser
        .get(t.url(&format!("/notifications/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let other = t.browser_as("south.manager").await;
    let r = other
        .get(t.url(&format!("/notifications/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn deciding_the_request_marks_its_notification_done_and_a_refused_decision_does_not() {
    let t = TestApp::with_demo().await;
    let manager = t.token("north.manager").await;
    let (_, request) = lead_with_pending_request(&t, "天津审批通知有限公司").await;
    let decision = t.url(&format!("/api/v1/status-requests/{request}/decision"));
    let note_of = |items: Vec<Value>| {
        items
            .into_iter()
            .find(|n| n["kind"] == "status_request")
            .unwrap()
    };

    // A rejection without a comment is refused: the notification stays open and unread.
    let (s, _) = api_send(
        &t.client(),
        Method::POST,
        &decision,
        &manager,
        json!({"approve": false}),
    )
    .await;
    assert_eq!(s, 422);
    let n = note_of(notes(&t, &manager, "").await);
    assert_eq!((&n["read"], &n["done"]), (&json!(false), &json!(false)));

    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &decision,
        &manager,
        json!({"approve": true}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let n = note_of(notes(&t, &manager, "").await);
    assert_eq!((&n["read"], &n["done"]), (&json!(true), &json!(true)));
    assert!(
        notes(&t, &manager, "?unread=true")
            .await
            .iter()
            .all(|x| x["id"] != n["id"])
    );
    // The page says so.
    let page = page_text(
        &t.browser_as("north.manager").await,
        &t.url("/notifications"),
    )
    .await;
    assert!(page.contains("已处理"), "{page}");
    // The requester got the decision, unread.
    let am = t.token("north.am1").await;
    let mine = notes(&t, &am, "?unread=true").await;
    assert_eq!(mine[0]["kind"], "status_approved");
    assert_eq!(mine[0]["done"], false);
}

#[tokio::test]
async fn the_api_marks_one_read_and_filters_the_unread_ones() {
    let t = TestApp::with_demo().await;
    let manager = t.token("north.manager").await;
    lead_with_pending_request(&t, "天津接口通知甲有限公司").await;
    let unread = notes(&t, &manager, "?unread=true").await;
    assert!(!unread.is_empty());
    assert!(unread.iter().all(|n| n["read"] == false));
    let id = unread[0]["id"].as_i64().unwrap();
    let (s, _) = api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/notifications/{id}/read")),
        &manager,
        json!({}),
    )
    .await;
    assert_eq!(s, 204);
    let after = notes(&t, &manager, "?unread=true").await;
    assert_eq!(after.len(), unread.len() - 1);
    // Everything, read ones included, without the filter.
    assert!(
        notes(&t, &manager, "?unread=false")
            .await
            .iter()
            .any(|n| n["id"] == id && n["read"] == true)
    );
    // A wrong type is a 400, as for every query.
    let (s, _) = api_get(
        &t.client(),
        &t.url("/api/v1/notifications?unread=maybe"),
        &manager,
    )
    .await;
    assert_eq!(s, 400);
}
