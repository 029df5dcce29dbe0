//! Login throttling that cannot lock the company out (issue 9, point 3): back-off per login and
//! per address instead of a lock, known devices and live sessions let the right password
//! through, an unknown login answers exactly like a known one, and administrators see and clear
//! throttles. The clock is manual: delays are passed by moving it, never by sleeping.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::TimeDelta;
use reqwest::{Client, Response};
use salesdesk_app::{AppConfig, Clock, LoginThrottle};
use salesdesk_test_support::{DEMO_PASSWORD, TestApp};
use serde_json::{Value, json};

use crate::{api_get, status_json};

/// A demo company whose login throttling runs on a manual clock.
async fn demo_with(login: LoginThrottle) -> (TestApp, Clock) {
    let clock = Clock::manual(salesdesk_store::now());
    let t = TestApp::spawn_with(AppConfig {
        login,
        clock: clock.clone(),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed(&t.app).await.expect("demo");
    (t, clock)
}

fn throttle(account_free: u32, address_free: u32) -> LoginThrottle {
    LoginThrottle {
        account_free,
        address_free,
        ..LoginThrottle::default()
    }
}

async fn api_login(c: &Client, base: &str, login: &str, password: &str) -> Response {
    c.post(format!("{base}/api/v1/sessions"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .expect("login request")
}

async fn page_login(c: &Client, base: &str, login: &str, password: &str) -> Response {
    c.post(format!("{base}/login"))
        .form(&[("login", login), ("password", password), ("next", "/")])
        .send()
        .await
        .expect("login form")
}

fn retry_after(r: &Response) -> Option<u64> {
    r.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Status, headers (but those that differ on every response) and body, with the typed login
/// replaced by a placeholder (the login form shows it back).
async fn answer(r: Response, login: &str) -> (u16, BTreeMap<String, String>, String) {
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    let body = r.text().await.unwrap().replace(login, "LOGIN");
    (status, headers, body)
}

#[tokio::test]
async fn thirty_failures_from_one_address_do_not_stop_a_colleague_on_a_known_device() {
    let (t, _clock) = demo_with(LoginThrottle::default()).await;
    let colleague = t.client();
    assert_eq!(
        api_login(&colleague, &t.base, "north.am2", DEMO_PASSWORD)
            .await
            .status(),
        201
    );
    // Someone behind the same proxy (every test client is 127.0.0.1) guesses 35 times.
    let guesser = t.client();
    let mut refused = 0;
    for i in 0..35 {
        let r = api_login(&guesser, &t.base, &format!("guess.{i}"), "wrong-password").await;
        if r.status() == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0, "the address backs off");
    let stranger = t.client();
    assert_eq!(
        api_login(&stranger, &t.base, "north.am1", DEMO_PASSWORD)
            .await
            .status(),
        429,
        "a browser the system has never seen waits with the address"
    );
    let r = api_login(&colleague, &t.base, "north.am2", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 201, "the known device gets in");
    let r = page_login(&colleague, &t.base, "north.am2", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 303, "through the login page too");
}

#[tokio::test]
async fn wrong_passwords_for_the_vps_login_do_not_stop_the_vp_on_their_known_device() {
    let (t, _clock) = demo_with(LoginThrottle::default()).await;
    let vp = t.client();
    assert_eq!(
        page_login(&vp, &t.base, "vp", DEMO_PASSWORD).await.status(),
        303
    );
    let vp_token = t.token("vp").await;
    let attacker = t.client();
    let mut last = 0;
    for _ in 0..12 {
        last = api_login(&attacker, &t.base, "vp", "wrong-password")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "the VP's login backs off");
    assert_eq!(
        api_login(&attacker, &t.base, "vp", DEMO_PASSWORD)
            .await
            .status(),
        429,
        "even the right password waits on a device the VP never used"
    );
    // The VP's session is not touched by throttling.
    assert_eq!(vp.get(t.url("/")).send().await.unwrap().status(), 200);
    // Someone signed in as the VP may log in again.
    let r = t
        .client()
        .post(t.url("/api/v1/sessions"))
        .bearer_auth(&vp_token)
        .json(&json!({"login": "vp", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "a live session lets the right password in");
    // Logged out, the VP logs in again from the known browser.
    assert_eq!(
        vp.post(t.url("/logout")).send().await.unwrap().status(),
        303
    );
    let r = page_login(&vp, &t.base, "vp", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    // A known device is no way round the back-off for guessing: it has its own counter.
    let mut last = 0;
    for _ in 0..8 {
        last = page_login(&vp, &t.base, "vp", "wrong-password")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "wrong passwords on a known device back off too");
}

#[tokio::test]
async fn an_unknown_login_answers_exactly_like_a_known_one_throttled_or_not() {
    let (t, _clock) = demo_with(throttle(3, 1000)).await;
    let c = t.client();
    // Same length, so that the page's echo of the login does not change its length either.
    let (known, unknown) = ("north.am1", "north.am9");
    let mut statuses = vec![];
    for _ in 0..4 {
        let a = answer(api_login(&c, &t.base, known, "wrong-password").await, known).await;
        let b = answer(
            api_login(&c, &t.base, unknown, "wrong-password").await,
            unknown,
        )
        .await;
        assert_eq!(a, b, "API answers differ");
        statuses.push(a.0);
        let a = answer(
            page_login(&c, &t.base, known, "wrong-password").await,
            known,
        )
        .await;
        let b = answer(
            page_login(&c, &t.base, unknown, "wrong-password").await,
            unknown,
        )
        .await;
        assert_eq!(a, b, "login page answers differ");
        statuses.push(a.0);
    }
    assert_eq!(statuses[0], 401);
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

#[tokio::test]
async fn the_delay_doubles_with_each_failure_and_retry_after_says_how_long() {
    let (t, clock) = demo_with(LoginThrottle {
        max: Duration::from_secs(8),
        ..throttle(2, 1000)
    })
    .await;
    let c = t.client();
    for _ in 0..2 {
        let r = api_login(&c, &t.base, "north.am1", "wrong-password").await;
        assert_eq!(r.status(), 401, "free failures");
    }
    for wait in [1, 2, 4, 8, 8] {
        let r = api_login(&c, &t.base, "north.am1", DEMO_PASSWORD).await;
        assert_eq!(r.status(), 429);
        assert_eq!(retry_after(&r), Some(wait));
        let (_, v) = status_json(r).await;
        assert_eq!(v["type"], "urn:salesdesk:problem:too-many-attempts");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("{wait} 秒")),
            "{v}"
        );
        if wait > 1 {
            clock.advance(TimeDelta::seconds(wait as i64 - 1));
            let r = api_login(&c, &t.base, "north.am1", "wrong-password").await;
            assert_eq!(retry_after(&r), Some(1), "one second is left");
            clock.advance(TimeDelta::seconds(1));
        } else {
            clock.advance(TimeDelta::seconds(wait as i64));
        }
        let r = api_login(&c, &t.base, "north.am1", "wrong-password").await;
        assert_eq!(
            r.status(),
            401,
            "after the wait the password is checked again"
        );
    }
    // The login page says when to try again.
    let r = c
        .post(t.url("/login"))
        .header("cookie", "sd_lang=en")
        .form(&[("login", "north.am1"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(retry_after(&r), Some(8));
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Too many failed logins: try again in 8 seconds"),
        "{page}"
    );
    clock.advance(TimeDelta::seconds(8));
    let r = api_login(&c, &t.base, "north.am1", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 201, "the right password after the wait");
}

#[tokio::test]
async fn parallel_wrong_passwords_each_take_their_turn_and_all_count() {
    let (t, _clock) = demo_with(throttle(5, 1000)).await;
    let c = t.client();
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let (c, base) = (c.clone(), t.base.clone());
            tokio::spawn(async move { api_login(&c, &base, "north.am1", "wrong-password").await })
        })
        .collect();
    let mut statuses = vec![];
    for h in handles {
        statuses.push(h.await.unwrap().status().as_u16());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 15), "{statuses:?}");
    let admin = t.token("admin").await;
    let (_, v) = api_get(&c, &t.url("/api/v1/login-throttles"), &admin).await;
    let account = find(&v, "account", "north.am1");
    assert_eq!(account["failures"], 5, "{v}");
}

fn find<'a>(list: &'a Value, kind: &str, key: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind && i["key"] == key)
        .unwrap_or_else(|| panic!("no {kind} throttle {key} in {list}"))
}

#[tokio::test]
async fn an_administrator_clears_a_throttle_and_the_login_works_again() {
    let (t, _clock) = demo_with(throttle(2, 1000)).await;
    let c = t.client();
    for _ in 0..2 {
        api_login(&c, &t.base, "north.am1", "wrong-password").await;
    }
    assert_eq!(
        api_login(&c, &t.base, "north.am1", DEMO_PASSWORD)
            .await
            .status(),
        429
    );
    let admin = t.token("admin").await;
    let (s, v) = api_get(&c, &t.url("/api/v1/login-throttles"), &admin).await;
    assert_eq!(s, 200, "{v}");
    let account = find(&v, "account", "north.am1");
    assert_eq!(account["failures"], 2);
    assert!(account["blocked_until"].is_string(), "{account}");
    let address = find(&v, "address", "127.0.0.1");
    assert!(address["failures"].as_i64().unwrap() >= 2, "{address}");
    // The page lists it too.
    let b = t.browser_as("admin").await;
    let page = crate::page_text(&b, &t.url("/login-throttles")).await;
    assert!(page.contains("north.am1"), "{page}");
    let id = account["id"].as_i64().unwrap();
    let r = c
        .delete(t.url(&format!("/api/v1/login-throttles/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        api_login(&c, &t.base, "north.am1", DEMO_PASSWORD)
            .await
            .status(),
        201,
        "cleared: the right password works at once"
    );
    let (_, audit) = api_get(
        &c,
        &t.url("/api/v1/audit?action=login_throttle.clear"),
        &admin,
    )
    .await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["items"][0]["before"]["key"], "north.am1");
    // Clearing through the page.
    let address_id = address["id"].as_i64().unwrap();
    let r = b
        .post(t.url(&format!("/login-throttles/{address_id}/clear")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/login-throttles?ok=throttle_cleared"
    );
    let r = c
        .delete(t.url(&format!("/api/v1/login-throttles/{address_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "already cleared");
}

#[tokio::test]
async fn two_servers_on_one_database_share_throttle_state() {
    let (t, _clock) = demo_with(throttle(2, 1000)).await;
    let (second, _stop) = t.second_server().await;
    let c = t.client();
    for _ in 0..2 {
        let r = api_login(&c, &t.base, "north.am1", "wrong-password").await;
        assert_eq!(r.status(), 401);
    }
    let r = api_login(&c, &second, "north.am1", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 429, "the other process sees the back-off");
    let admin = t.token("admin").await;
    let (_, v) = api_get(&c, &format!("{second}/api/v1/login-throttles"), &admin).await;
    let id = find(&v, "account", "north.am1")["id"].as_i64().unwrap();
    let r = c
        .delete(format!("{second}/api/v1/login-throttles/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = api_login(&c, &t.base, "north.am1", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 201, "cleared on one process, cleared on both");
}

#[tokio::test]
async fn a_password_change_forgets_the_persons_known_devices() {
    let (t, _clock) = demo_with(throttle(2, 1000)).await;
    let b = t.client();
    assert_eq!(
        page_login(&b, &t.base, "north.am1", DEMO_PASSWORD)
            .await
            .status(),
        303
    );
    let r = b
        .post(t.url("/account/password"))
        .form(&[
            ("current_password", DEMO_PASSWORD),
            ("new_password", "a-new-password-1"),
            ("confirm_password", "a-new-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(b.post(t.url("/logout")).send().await.unwrap().status(), 303);
    let attacker = t.client();
    for _ in 0..2 {
        api_login(&attacker, &t.base, "north.am1", "wrong-password").await;
    }
    let r = page_login(&b, &t.base, "north.am1", "a-new-password-1").await;
    assert_eq!(
        r.status(),
        429,
        "the browser is no longer a known device after the password changed"
    );
}
