//! Login, sessions, cross-site protection, passwords (throttling: `login_throttle.rs`).

use std::time::Duration;

use reqwest::Method;
use salesdesk_app::AppConfig;
use salesdesk_test_support::{DEMO_PASSWORD, TestApp};
use serde_json::json;

use crate::{api_get, api_send, page_text, problem_fields, status_json};

#[tokio::test]
async fn a_visitor_is_sent_to_the_login_page_and_back_to_where_they_were_going() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let r = c.get(t.url("/people?page=2")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/people%3Fpage%3D2");
    let r = c
        .post(t.url("/login"))
        .form(&[
            ("login", "vp"),
            ("password", DEMO_PASSWORD),
            ("next", "/people?page=2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/people?page=2");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let page = page_text(&c, &t.url("/")).await;
    assert!(page.contains("陈建国"), "the VP's name is on the dashboard");
    assert!(page.contains("销售副总经理"));
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_the_login_kept() {
    let t = TestApp::with_demo().await;
    let r = t
        .client()
        .post(t.url("/login"))
        .form(&[("login", "vp"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("登录名或密码不正确"));
    assert!(page.contains("value=\"vp\""), "the typed login is kept");
}

#[tokio::test]
async fn an_empty_login_form_names_both_missing_fields() {
    let t = TestApp::with_demo().await;
    let (status, v) = status_json(
        t.client()
            .post(t.url("/api/v1/sessions"))
            .json(&json!({"login": "", "password": ""}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&v), vec!["login", "password"]);
}

#[tokio::test]
async fn logout_ends_the_session_everywhere() {
    let t = TestApp::with_demo().await;
    let c = t.browser_as("director").await;
    assert_eq!(c.get(t.url("/")).send().await.unwrap().status(), 200);
    let r = c.post(t.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(t.url("/")).send().await.unwrap().status(), 303);

    let token = t.token("director").await;
    let (s, _) = api_get(&t.client(), &t.url("/api/v1/me"), &token).await;
    assert_eq!(s, 200);
    let r = t
        .client()
        .delete(t.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (s, v) = api_get(&t.client(), &t.url("/api/v1/me"), &token).await;
    assert_eq!(s, 401);
    assert_eq!(v["type"], "urn:salesdesk:problem:unauthenticated");
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_a_same_origin_one_accepted() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let r = c
        .post(t.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form(&[("login", "vp"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(t.url("/login"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", t.base.clone())
        .form(&[("login", "vp"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A logged-in browser cannot be made to change data from another site either.
    let r = c
        .post(t.url("/account/locale"))
        .header("origin", "https://evil.example")
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_clear_errors_not_500() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let big = "x".repeat(2 * 1024 * 1024);
    let r = c
        .post(t.url("/api/v1/sessions"))
        .header("content-type", "application/json")
        .body(format!("{{\"login\":\"{big}\",\"password\":\"x\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = c
        .post(t.url("/api/v1/sessions"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = c
        .post(t.url("/login"))
        .form(&[("login", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let token = t.token("admin").await;
    let (s, _) = api_get(&c, &t.url("/api/v1/people/not-a-number"), &token).await;
    assert_eq!(s, 404);
    let (s, v) = api_get(&c, &t.url("/api/v1/people?page=abc"), &token).await;
    assert_eq!(s, 400, "{v}");
}

#[tokio::test]
async fn a_new_person_must_change_the_first_password_before_anything_else() {
    let t = TestApp::with_demo().await;
    let admin = t.token("admin").await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/people"),
        &admin,
        json!({"login": "new.am", "display_name": "新同事", "position": "account_manager",
               "region_id": 1, "password": "first-pass-1"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let c = t.client();
    let r = c
        .post(t.url("/login"))
        .form(&[("login", "new.am"), ("password", "first-pass-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/account?must_change=1");
    let r = c.get(t.url("/people")).send().await.unwrap();
    assert_eq!(
        r.headers()["location"],
        "/account?must_change=1",
        "other pages wait until the password is changed"
    );
    // Mismatched confirmation: the form says so and nothing changes.
    let r = c
        .post(t.url("/account/password"))
        .form(&[
            ("current_password", "first-pass-1"),
            ("new_password", "my-own-pass"),
            ("confirm_password", "typo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("两次输入的新密码不一致"));
    let r = c
        .post(t.url("/account/password"))
        .form(&[
            ("current_password", "first-pass-1"),
            ("new_password", "my-own-pass"),
            ("confirm_password", "my-own-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(t.url("/people")).send().await.unwrap().status(), 200);
    t.token_with("new.am", "my-own-pass").await;
}

#[tokio::test]
async fn an_administrator_reset_ends_the_persons_sessions_and_notifies_them() {
    let t = TestApp::with_demo().await;
    let victim = t.token("east.am1").await;
    let id = t.person_id("east.am1").await;
    let admin = t.token("admin").await;
    let c = t.client();
    let r = c
        .post(t.url(&format!("/api/v1/people/{id}/password-reset")))
        .bearer_auth(&admin)
        .json(&json!({"password": "temporary-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (s, _) = api_get(&c, &t.url("/api/v1/me"), &victim).await;
    assert_eq!(s, 401, "the old session ended");
    let fresh = t.token_with("east.am1", "temporary-1").await;
    let (_, me) = api_get(&c, &t.url("/api/v1/me"), &fresh).await;
    assert_eq!(me["must_change_password"], true);
    let (_, notes) = api_get(&c, &t.url("/api/v1/notifications"), &fresh).await;
    assert_eq!(notes["total"], 1);
    assert!(
        notes["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("系统管理员"),
        "{notes}"
    );
    // The VP manages people but does not reset passwords.
    let vp = t.token("vp").await;
    let r = c
        .post(t.url(&format!("/api/v1/people/{id}/password-reset")))
        .bearer_auth(&vp)
        .json(&json!({"password": "temporary-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_english_speaker_gets_pages_and_errors_in_english() {
    let t = TestApp::with_demo().await;
    let c = t.browser_as("south.manager").await;
    let r = c
        .post(t.url("/account/locale"))
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&c, &t.url("/")).await;
    assert!(
        page.contains("Regional Sales Manager"),
        "position in English"
    );
    assert!(
        page.contains("Customers by status"),
        "the dashboard in English"
    );
    assert!(page.contains("lang=\"en\""));
    let token = t.token("south.manager").await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/people"),
        &token,
        json!({"login":"x","display_name":"x","password":"xxxxxxxx"}),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(v["title"], "You are not allowed to do this.");
    // The login page follows the language chosen there.
    let anon = t.client();
    let page = page_text(&anon, &t.url("/login?lang=en")).await;
    assert!(page.contains("Log in"));
    let page = page_text(&anon, &t.url("/login")).await;
    assert!(
        page.contains("Log in"),
        "the choice is remembered in a cookie"
    );
}

#[tokio::test]
async fn two_servers_on_one_database_share_sessions_and_data() {
    let t = TestApp::spawn_with(AppConfig {
        read_cache_ttl: Duration::from_millis(200),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed(&t.app).await.unwrap();
    let (second, _stop) = t.second_server().await;
    let token = t.token("admin").await;
    let c = t.client();
    let (s, me) = api_get(&c, &format!("{second}/api/v1/me"), &token).await;
    assert_eq!(s, 200, "a token issued by one process works on the other");
    assert_eq!(me["person"]["login"], "admin");
    let (s, created) = api_send(
        &c,
        Method::POST,
        &format!("{second}/api/v1/regions"),
        &token,
        json!({"name":"东北大区","name_en":"Northeast China","kind":"region"}),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let (_, regions) = api_get(&c, &t.url("/api/v1/regions"), &token).await;
    assert!(
        regions
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "东北大区")
    );
    let r = c
        .delete(format!("{second}/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The other process may serve its cached copy of the session for at most the cache TTL.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, _) = api_get(&c, &t.url("/api/v1/me"), &token).await;
    assert_eq!(
        s, 401,
        "logging out on one process logs out on all, within the cache TTL"
    );
}
