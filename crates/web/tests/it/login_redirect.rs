//! After login the browser goes back where it came from, but only to a page of this site
//! (issue 9, point 7). The table of hostile inputs is the unit test in src/redirect.rs; here the
//! reported case goes through the real login form and the real `Location` header.

use salesdesk_test_support::{DEMO_PASSWORD, TestApp};

use crate::page_text;

async fn location_after_login(t: &TestApp, next: &str) -> String {
    let r = t
        .client()
        .post(t.url("/login"))
        .form(&[("login", "vp"), ("password", DEMO_PASSWORD), ("next", next)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_next_that_a_browser_would_resolve_off_site_leads_to_the_dashboard() {
    let t = TestApp::with_demo().await;
    for next in [
        "/\t/evil.com",
        "/\\evil.com",
        "\n//evil.com",
        "/..//evil.com",
    ] {
        assert_eq!(location_after_login(&t, next).await, "/", "{next:?}");
    }
    assert_eq!(
        location_after_login(&t, "/customers?page=2").await,
        "/customers?page=2"
    );
}

#[tokio::test]
async fn the_login_page_does_not_carry_a_hostile_next_into_its_form() {
    let t = TestApp::spawn().await;
    let page = page_text(&t.client(), &t.url("/login?next=/%09/evil.com")).await;
    assert!(!page.contains("evil.com"), "{page}");
}
