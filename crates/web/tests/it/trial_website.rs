//! Issue 12, the company website's side and the administrator's trial settings: the calendar's
//! deadline and working-time answer an intake key (so the website can say "we will call you
//! by …"); the website's browser JavaScript may apply and ask from an allowed origin (CORS),
//! other origins are refused; `/settings/trials` is the form of the trial settings.

use chrono::{DateTime, Utc};
use reqwest::Method;
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_METHOD,
    ORIGIN,
};
use salesdesk_app::{AppConfig, Clock, Ctx};
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send, page_text, problem_fields};

async fn demo() -> TestApp {
    let start: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let t = TestApp::spawn_with(AppConfig {
        clock: Clock::manual(start),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    t
}

const DEADLINE: &str = "/api/v1/calendar/deadline?from=2026-11-30T10:00&working_hours=4";
const BETWEEN: &str = "/api/v1/calendar/working-time?from=2026-11-30T10:00&to=2026-11-30T15:00";

#[tokio::test]
async fn the_deadline_and_working_time_answer_a_valid_intake_key_and_refuse_a_revoked_one_or_none()
{
    let t = demo().await;
    let c = t.client();
    let issued = salesdesk_app::intake_keys::issue(&t.app, &Ctx::system(), "官网")
        .await
        .unwrap();
    // No key, no session: 401.
    let r = c.get(t.url(DEADLINE)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The key as a bearer, and in X-Intake-Key.
    let (s, v) = api_get(&c, &t.url(DEADLINE), &issued.secret).await;
    assert_eq!(s, 200, "{v}");
    // 10:00 + 4 working hours over the 12:00–13:00 lunch.
    assert_eq!(v["deadline"], "2026-11-30T15:00:00+08:00", "{v}");
    let r = c
        .get(t.url(BETWEEN))
        .header("X-Intake-Key", &issued.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["minutes"], 240, "{v}");
    // A signed-in person still may ask.
    let (s, _) = api_get(&c, &t.url(DEADLINE), &t.token("north.am1").await).await;
    assert_eq!(s, 200);
    // An unknown key and, once revoked, the issued one: 401 in the caller's language.
    let r = c
        .get(t.url(DEADLINE))
        .header("X-Intake-Key", "sdk_wrong")
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    salesdesk_app::intake_keys::revoke(&t.app, &Ctx::system(), issued.key.id)
        .await
        .unwrap();
    let (s, _) = api_get(&c, &t.url(DEADLINE), &issued.secret).await;
    assert_eq!(s, 401, "revoked");
    let r = c
        .get(t.url(BETWEEN))
        .header("X-Intake-Key", &issued.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "revoked");
}

#[tokio::test]
async fn the_websites_browser_may_apply_and_ask_the_deadline_from_an_allowed_origin_only() {
    let t = demo().await;
    let c = t.client();
    let admin = t.token("admin").await;
    let issued = salesdesk_app::intake_keys::issue(&t.app, &Ctx::system(), "官网")
        .await
        .unwrap();
    let site = "https://www.example.com";
    let other = "https://evil.example.net";
    let (s, v) = api_get(&c, &t.url("/api/v1/settings/trials"), &admin).await;
    assert_eq!(s, 200);
    let mut settings = v.clone();
    settings["allowed_origins"] = json!(["https://WWW.example.com/", "ftp://nope"]);
    let (s, p) = api_send(
        &c,
        Method::PUT,
        &t.url("/api/v1/settings/trials"),
        &admin,
        settings.clone(),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(problem_fields(&p), ["allowed_origins"]);
    settings["allowed_origins"] = json!(["https://WWW.example.com/"]);
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &t.url("/api/v1/settings/trials"),
        &admin,
        settings,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["allowed_origins"],
        json!([site]),
        "stored as browsers send it"
    );

    let intake = t.url("/api/v1/intake/trials");
    // The browser's preflight for the website's POST with its key header.
    let r = c
        .request(Method::OPTIONS, &intake)
        .header(ORIGIN, site)
        .header(ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type, x-intake-key",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], site);
    let allowed = r.headers()[ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap();
    assert!(allowed.contains("x-intake-key"), "{allowed}");
    let body = json!({"company": "北京官网浏览器有限公司", "contact_name": "周杰",
        "mobile": "13600136001", "province": "110000", "product": "eoffice-std"});
    let r = c
        .post(&intake)
        .header(ORIGIN, site)
        .header("X-Intake-Key", &issued.secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], site);
    let r = c
        .get(t.url(DEADLINE))
        .header(ORIGIN, site)
        .header("X-Intake-Key", &issued.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], site);

    // Another origin: the preflight and the request itself are refused, nothing is stored.
    let r = c
        .request(Method::OPTIONS, &intake)
        .header(ORIGIN, other)
        .header(ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let r = c
        .post(&intake)
        .header(ORIGIN, other)
        .header("X-Intake-Key", &issued.secret)
        .json(
            &json!({"company": "别处来的有限公司", "contact_name": "周杰",
            "mobile": "13600136002", "province": "110000", "product": "eoffice-std"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let r = c
        .get(t.url(DEADLINE))
        .header(ORIGIN, other)
        .header("X-Intake-Key", &issued.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, list) = api_get(
        &c,
        &t.url("/api/v1/trials?view=scope&per_page=50"),
        &t.token("director").await,
    )
    .await;
    let companies: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["company"].as_str())
        .collect();
    assert_eq!(companies, ["北京官网浏览器有限公司"], "{list}");
    // Servers (no Origin) are unaffected: the key alone decides.
    let (s, _) = api_get(&c, &t.url(DEADLINE), &issued.secret).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn the_administrator_keeps_the_trial_settings_on_their_page_with_field_errors_and_an_audit() {
    let t = demo().await;
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/trials")).await;
    assert!(page.contains("id=\"first_contact_hours\""), "{page}");
    assert!(page.contains("value=\"4\""), "the default limit: {page}");
    assert!(page.contains("href=\"/settings/presales\""), "{page}");
    assert!(page.contains("href=\"/settings/trials\""), "a settings tab");
    // Bad values: each named in the form, nothing saved.
    let r = b
        .post(t.url("/settings/trials"))
        .form(&[
            ("first_contact_hours", "0"),
            ("remind_before_minutes", "abc"),
            ("fold_window_days", "30"),
            ("per_address_per_hour", "20"),
            ("per_key_per_minute", "6000"),
            ("allowed_origins", "https://www.example.com/apply"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"first_contact_hours-error\""), "{html}");
    assert!(
        html.contains("id=\"remind_before_minutes-error\""),
        "{html}"
    );
    assert!(html.contains("id=\"allowed_origins-error\""), "{html}");
    assert!(html.contains("value=\"abc\""), "the typed text is kept");
    let current = salesdesk_app::trials::settings(&t.app).await.unwrap();
    assert_eq!(current.first_contact_hours, 4);
    // Good values: saved, audited, shown.
    let r = b
        .post(t.url("/settings/trials"))
        .form(&[
            ("first_contact_hours", "8"),
            ("remind_before_minutes", "30"),
            ("fold_window_days", "14"),
            ("per_address_per_hour", "50"),
            ("per_key_per_minute", "600"),
            (
                "allowed_origins",
                "https://www.example.com\nhttp://localhost:8080",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let s = salesdesk_app::trials::settings(&t.app).await.unwrap();
    assert_eq!(
        (
            s.first_contact_hours,
            s.remind_before_minutes,
            s.fold_window_days
        ),
        (8, 30, 14)
    );
    assert_eq!(
        s.allowed_origins,
        ["https://www.example.com", "http://localhost:8080"]
    );
    let admin = t.token("admin").await;
    let (_, v) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=settings.trials"),
        &admin,
    )
    .await;
    assert_eq!(v["total"], 1, "{v}");
    let page = page_text(&b, &t.url("/settings/trials")).await;
    assert!(page.contains("首次联系时限"), "{page}");
    assert!(page.contains("value=\"8\""));
    // Not for an account manager.
    let am = t.browser_as("north.am1").await;
    let r = am.get(t.url("/settings/trials")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
