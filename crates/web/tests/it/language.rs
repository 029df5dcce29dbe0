//! Language (issue 10, point 11): the login page's choice sticks to the person, English pages use
//! English punctuation, region names follow the page's language, the pool page says when the pool
//! is off, and error pages keep the signed-in person's navigation.

use reqwest::Method;
use salesdesk_app::Ctx;
use salesdesk_app::settings::{self, Settings};
use salesdesk_test_support::{DEMO_PASSWORD, TestApp};
use serde_json::json;

use crate::{api_get, api_send, page_text};

async fn set_pool(t: &TestApp, on: bool) {
    let s = Settings {
        pool_enabled: on,
        ..Settings::default()
    };
    settings::put(&t.app, &Ctx::system(), &s).await.unwrap();
}

async fn login_form(t: &TestApp, c: &reqwest::Client, login: &str, lang: Option<&str>) {
    let mut form = vec![("login", login), ("password", DEMO_PASSWORD), ("next", "/")];
    if let Some(l) = lang {
        form.push(("lang", l));
    }
    let r = c.post(t.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303, "login of {login}");
}

#[tokio::test]
async fn a_language_chosen_on_the_login_page_sticks_to_the_person_after_login() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    // Choosing English on the login page puts the choice in the form.
    let page = page_text(&c, &t.url("/login?lang=en")).await;
    assert!(page.contains("name=\"lang\" value=\"en\""), "{page}");
    login_form(&t, &c, "north.am1", Some("en")).await;
    let home = page_text(&c, &t.url("/")).await;
    assert!(home.contains("<html lang=\"en\">"), "{home}");
    // Another browser, no language cookie: still English, because it is the person's.
    let other = t.client();
    login_form(&t, &other, "north.am1", None).await;
    let home = page_text(&other, &t.url("/customers")).await;
    assert!(home.contains("<html lang=\"en\">"), "{home}");
    let (_, me) = api_get(
        &t.client(),
        &t.url("/api/v1/me"),
        &t.token("north.am1").await,
    )
    .await;
    assert_eq!(me["person"]["locale"], "en", "{me}");
    // The account page changes it back, and that sticks too.
    let r = other
        .post(t.url("/account/locale"))
        .form(&[("locale", "zh-CN")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let fresh = t.client();
    login_form(&t, &fresh, "north.am1", None).await;
    assert!(
        page_text(&fresh, &t.url("/"))
            .await
            .contains("<html lang=\"zh-CN\">")
    );
    // The change is audited.
    let (_, log) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=person.locale"),
        &t.token("vp").await,
    )
    .await;
    assert_eq!(log["total"], 2, "{log}");
}

/// Full-width punctuation that an English page must not show outside user data.
const FULL_WIDTH: [char; 12] = [
    '：', '，', '。', '；', '、', '（', '）', '！', '？', '【', '】', '《',
];

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Full-width punctuation that comes from the page rather than from user data: user data with
/// such punctuation is Chinese text, so a mark counts when the text around it (between two
/// tags or quotes) has no Chinese character, or when it directly follows a Latin letter (an
/// English label followed by "：" and a value).
fn stray_punctuation(page: &str) -> Vec<String> {
    let mut found = vec![];
    for run in page.split(['<', '>', '"']) {
        let chars: Vec<char> = run.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if !FULL_WIDTH.contains(c) {
                continue;
            }
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after_latin = before.is_some_and(|b| b.is_ascii_alphabetic());
            if after_latin || !chars.iter().any(|c| is_cjk(*c)) {
                found.push(run.trim().chars().take(80).collect());
            }
        }
    }
    found
}

#[tokio::test]
async fn english_pages_use_english_punctuation_outside_user_data() {
    let t = TestApp::with_demo().await;
    set_pool(&t, true).await;
    // Something on every page: a customer with a contact, a record and a decided request.
    let am = t.token("north.am1").await;
    let http = t.client();
    let (_, c) = api_send(
        &http,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "天津标点测试有限公司", "phone": "022-23456789"}),
    )
    .await;
    let id = c["id"].as_i64().unwrap();
    api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am,
        json!({"name": "王磊", "mobile": "13812345678", "email": "wl@example.com"}),
    )
    .await;
    api_send(&http, Method::POST, &t.url(&format!("/api/v1/customers/{id}/records")), &am,
        json!({"kind": "call", "summary": "introduced the product", "outcome": "interested", "next_step": "demo", "next_contact_on": "2030-01-05"})).await;
    let (_, r) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/status-requests")),
        &am,
        json!({"to_status": "basic", "need": "OA", "budget": "300k", "timeline": "Q1"}),
    )
    .await;
    api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/status-requests/{}/decision", r["id"])),
        &t.token("north.manager").await,
        json!({"approve": false, "comment": "more detail please"}),
    )
    .await;

    let pages = [
        (
            "north.am1",
            vec![
                "/".to_string(),
                "/customers".into(),
                format!("/customers/{id}"),
                format!("/customers/{id}/records"),
                format!("/customers/{id}/edit"),
                "/customers/new".into(),
                "/followups".into(),
                "/pool".into(),
                "/notifications".into(),
                "/account".into(),
                "/people".into(),
                "/regions".into(),
                "/customers/import".into(),
                "/customers/999999".into(),
            ],
        ),
        (
            "north.manager",
            vec![
                "/".into(),
                "/approvals".into(),
                "/assignment".into(),
                "/notifications".into(),
                format!("/customers/{id}"),
                format!("/customers/{id}/merge"),
            ],
        ),
        (
            "vp",
            vec![
                "/audit".into(),
                "/audit?view=logins".into(),
                "/login-throttles".into(),
            ],
        ),
        (
            "admin",
            vec![
                "/settings/customers".into(),
                "/settings/lists".into(),
                "/people/new".into(),
                "/regions/new".into(),
                "/audit".into(),
            ],
        ),
    ];
    let mut problems = vec![];
    for (login, paths) in pages {
        let b = t.client();
        login_form(&t, &b, login, Some("en")).await;
        for p in paths {
            let r = b.get(t.url(&p)).send().await.unwrap();
            let status = r.status().as_u16();
            let page = r.text().await.unwrap();
            assert!(
                status == 200 || status == 404 || status == 303,
                "{login} {p}: {status}"
            );
            assert!(
                page.is_empty() || page.contains("lang=\"en\""),
                "{login} {p} is not English"
            );
            for s in stray_punctuation(&page) {
                problems.push(format!("{login} {p}: {s}"));
            }
        }
    }
    let login = page_text(&t.client(), &t.url("/login?lang=en")).await;
    problems.extend(
        stray_punctuation(&login)
            .into_iter()
            .map(|s| format!("/login: {s}")),
    );
    assert!(
        problems.is_empty(),
        "full-width punctuation:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn region_and_branch_names_follow_the_page_language() {
    let t = TestApp::with_demo().await;
    let b = t.client();
    login_form(&t, &b, "north.am1", Some("en")).await;
    let home = page_text(&b, &t.url("/")).await;
    assert!(home.contains("Beijing Branch"), "{home}");
    assert!(!home.contains("北京分公司"), "{home}");
    let me = t.person_id("north.am1").await;
    let person = page_text(&b, &t.url(&format!("/people/{me}"))).await;
    assert!(person.contains("Beijing Branch"), "{person}");
    let people = page_text(&b, &t.url("/people")).await;
    assert!(people.contains("North China"), "{people}");
    assert!(!people.contains(">华北大区<"), "{people}");
    let zh = t.browser_as("north.am2").await;
    assert!(page_text(&zh, &t.url("/")).await.contains("北京分公司"));
}

#[tokio::test]
async fn the_pool_page_says_the_pool_is_off_and_who_can_switch_it_on() {
    let t = TestApp::with_demo().await;
    set_pool(&t, false).await;
    let r = t
        .browser_as("north.am1")
        .await
        .get(t.url("/pool"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("公海已关闭"), "{page}");
    assert!(
        page.contains("系统管理员可以在“设置 → 客户”中开启公海"),
        "{page}"
    );
    assert!(!page.contains("422"), "{page}");
    assert!(
        !page.contains("href=\"/settings/customers\""),
        "not theirs to switch on"
    );
    let admin = page_text(&t.browser_as("admin").await, &t.url("/pool")).await;
    assert!(admin.contains("href=\"/settings/customers\""), "{admin}");
    // The API still answers 422 on `pool`, as documented.
    let (s, _) = api_get(
        &t.client(),
        &t.url("/api/v1/pool"),
        &t.token("north.am1").await,
    )
    .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn error_pages_keep_the_header_and_navigation_of_a_signed_in_person() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("north.am1").await;
    for (path, status) in [
        ("/customers/999999", 404),
        ("/no/such/page", 404),
        ("/audit", 403),
    ] {
        let r = b.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains("<header class=\"top\">"), "{path}: {page}");
        assert!(page.contains("张伟"), "{path}: the person's name");
        assert!(
            page.contains("href=\"/customers\""),
            "{path}: the navigation"
        );
        assert!(page.contains(&format!("<h1>{status}</h1>")), "{path}");
    }
    // A conflict on a form post keeps it too (a decision on a request already decided).
    // Without a session: the bare error page, no header.
    let anon = t.client().get(t.url("/no/such/page")).send().await.unwrap();
    assert_eq!(anon.status(), 404);
    assert!(
        !anon
            .text()
            .await
            .unwrap()
            .contains("<header class=\"top\">")
    );
    // The API keeps its problem documents.
    let (s, v) = api_get(
        &t.client(),
        &t.url("/api/v1/customers/999999"),
        &t.token("north.am1").await,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(v["status"], 404);
}
