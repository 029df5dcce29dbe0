//! The business calendar over HTTP (issue 12, point 4): the deadline and working-time API with
//! known answers on the shipped 2026 data, bad input named by parameter, importing a year
//! (replacing it whole, or not at all), single days, working hours, the administrator's page and
//! the November warning.

use chrono::{NaiveDateTime, TimeZone};
use reqwest::Method;
use salesdesk_app::AppConfig;
use salesdesk_app::clock::Clock;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

/// A manual clock at a company-time instant (`2026-11-02 10:00`).
fn clock_at(local: &str) -> Clock {
    let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    Clock::manual(
        chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .from_local_datetime(&t)
            .unwrap()
            .to_utc(),
    )
}

async fn app_at(local: &str) -> TestApp {
    let t = TestApp::spawn_with(AppConfig {
        clock: clock_at(local),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo org");
    t
}

async fn deadline(t: &TestApp, token: &str, from: &str, hours: &str) -> (u16, Value) {
    api_get(
        &t.client(),
        &t.url(&format!(
            "/api/v1/calendar/deadline?from={from}&working_hours={hours}"
        )),
        token,
    )
    .await
}

const Y2027: &str = r#"
year = 2027

[[days_off]]
name = "元旦 New Year's Day"
from = 2027-01-01
to = 2027-01-03

[[days_off]]
name = "春节 Spring Festival"
from = 2027-02-06
to = 2027-02-14

[[workdays]]
date = 2027-02-20
"#;

#[tokio::test]
async fn deadlines_on_the_shipped_2026_calendar() {
    let t = app_at("2026-11-02 10:00").await;
    // Any signed-in person may ask: a sales rep here.
    let rep = t.token("north.rep").await;
    // Friday 17:30 + 4 working hours: Monday 13:30 (30 min Friday, 3 h Monday morning, lunch).
    let (s, v) = deadline(&t, &rep, "2026-11-27T17:30", "4").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["from"], "2026-11-27T17:30:00+08:00");
    assert_eq!(v["working_hours"], 4.0);
    assert_eq!(v["deadline"], "2026-11-30T13:30:00+08:00");
    assert_eq!(v["deadline_utc"], "2026-11-30T05:30:00Z");
    // Across the National Day week: 30 September 16:00 + 4 h ends on 8 October.
    let (_, v) = deadline(&t, &rep, "2026-09-30T16:00", "4").await;
    assert_eq!(v["deadline"], "2026-10-08T11:00:00+08:00");
    // Onto the make-up Saturday 10 October.
    let (_, v) = deadline(&t, &rep, "2026-10-09T17:00", "2").await;
    assert_eq!(v["deadline"], "2026-10-10T10:00:00+08:00");
    // Starting on a holiday, in lunch, with half hours.
    let (_, v) = deadline(&t, &rep, "2026-10-03T10:00", "1").await;
    assert_eq!(v["deadline"], "2026-10-08T10:00:00+08:00");
    let (_, v) = deadline(&t, &rep, "2026-11-30T12:30", "1.5").await;
    assert_eq!(v["deadline"], "2026-11-30T14:30:00+08:00");
    // 200 working hours from Monday 2 November: the Friday five weeks later at closing.
    let (_, v) = deadline(&t, &rep, "2026-11-02T09:00", "200").await;
    assert_eq!(v["deadline"], "2026-12-04T18:00:00+08:00");

    // The working time between two instants, in minutes and h:mm.
    let (s, v) = api_get(
        &t.client(),
        &t.url("/api/v1/calendar/working-time?from=2026-09-30T09:00&to=2026-10-08T18:00"),
        &rep,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["minutes"], 16 * 60);
    assert_eq!(v["hours"], "16:00");
    let (_, v) = api_get(
        &t.client(),
        &t.url("/api/v1/calendar/working-time?from=2026-11-30T13:30&to=2026-11-27T17:30"),
        &rep,
    )
    .await;
    assert_eq!(v["minutes"], 0, "backwards is no time");

    // Without a session: 401.
    let r = t
        .client()
        .get(t.url(
            "/api/v1/calendar/deadline?from=2026-11-27T17:30&working_hours=4",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn bad_input_is_named_by_parameter() {
    let t = app_at("2026-11-02 10:00").await;
    let rep = t.token("north.rep").await;
    for (from, hours, field) in [
        ("tomorrow", "4", "from"),
        ("2026-11-27T25:30", "4", "from"),
        ("2026-11-27T17:30", "-1", "working_hours"),
        ("2026-11-27T17:30", "10001", "working_hours"),
        ("2026-11-27T17:30", "four", "working_hours"),
        ("2026-11-27T17:30", "NaN", "working_hours"),
        ("2026-11-27T17:30", "", "working_hours"),
        ("", "4", "from"),
        // 2027 has no data yet: the span reaches it.
        ("2026-12-31T17:00", "2", "working_hours"),
        ("2027-03-01T09:00", "2", "from"),
    ] {
        let (s, v) = deadline(&t, &rep, from, hours).await;
        assert_eq!(s, 422, "{from} + {hours}: {v}");
        assert_eq!(problem_fields(&v), vec![field], "{from} + {hours}: {v}");
    }
    let (_, v) = deadline(&t, &rep, "2027-03-01T09:00", "2").await;
    assert_eq!(v["errors"][0]["code"], "error.calendar.no_data");
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("2027"),
        "{v}"
    );
    // Both parameters missing: both named.
    let (s, v) = api_get(&t.client(), &t.url("/api/v1/calendar/deadline"), &rep).await;
    assert_eq!(s, 422);
    let mut f = problem_fields(&v);
    f.sort();
    assert_eq!(f, vec!["from", "working_hours"]);
    let (s, v) = api_get(
        &t.client(),
        &t.url("/api/v1/calendar/working-time?from=2026-11-27T17:30&to=soon"),
        &rep,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["to"]);
}

#[tokio::test]
async fn importing_a_year_replaces_it_whole_or_not_at_all() {
    let t = app_at("2026-11-02 10:00").await;
    let admin = t.token("admin").await;
    let c = t.client();
    let years = t.url("/api/v1/calendar/years");

    let (s, v) = api_send(&c, Method::POST, &years, &admin, json!({"toml": Y2027})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["year"], 2027);
    assert_eq!(v["declared"], true);
    assert_eq!(v["days"].as_array().unwrap().len(), 3 + 9 + 1);
    assert_eq!(v["missing_next_year"], Value::Null);
    // The year end now has an answer: Thursday 31 December 17:00 + 2 h, 1–3 January off.
    let (s, d) = deadline(&t, &admin, "2026-12-31T17:00", "2").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["deadline"], "2027-01-04T10:00:00+08:00");

    // A file with a mistake is refused whole, naming the entries; 2027 stays as it was.
    for (file, code, names) in [
        (
            "year = 2027\n[[days_off]]\nname = \"A\"\nfrom = 2027-05-01\nto = 2027-05-05\n[[days_off]]\nname = \"B\"\nfrom = 2027-05-05\nto = 2027-05-06\n",
            "error.calendar.overlap",
            "A / B",
        ),
        (
            "year = 2027\n[[workdays]]\nname = \"周三\"\ndate = 2027-03-03\n",
            "error.calendar.makeup_weekday",
            "周三",
        ),
        (
            "year = 2027\n[[days_off]]\nname = \"X\"\nfrom = 2027-05-01\nto = 2027-05-03\n[[workdays]]\nname = \"Y\"\ndate = 2027-05-02\n",
            "error.calendar.off_and_work",
            "X / Y",
        ),
        (
            "year = 2027\n[[days_off]]\nname = \"跨年\"\nfrom = 2027-12-31\nto = 2028-01-01\n",
            "error.calendar.outside_year",
            "跨年",
        ),
        (
            "year = 2027\n[[days_off]]\nname = \"倒\"\nfrom = 2027-05-05\nto = 2027-05-01\n",
            "error.calendar.reversed",
            "倒",
        ),
        ("year = 2027\n[[days_off]]\nname = 3\n", "error.calendar.unparsable", "line"),
        (
            "year = 2027\n[[days_off]]\nname = \"<script>\"\nfrom = 2027-05-01\nto = 2027-05-01\n",
            "error.calendar.bad_name",
            "script",
        ),
    ] {
        let (s, v) = api_send(&c, Method::POST, &years, &admin, json!({"toml": file})).await;
        assert_eq!(s, 422, "{file}: {v}");
        assert_eq!(problem_fields(&v), vec!["file"], "{v}");
        assert_eq!(v["errors"][0]["code"], code, "{v}");
        assert!(
            v["errors"][0]["message"].as_str().unwrap().contains(names),
            "{v}"
        );
    }
    let (_, v) = api_get(&c, &t.url("/api/v1/calendar?year=2027"), &admin).await;
    assert_eq!(v["days"].as_array().unwrap().len(), 13, "nothing half-saved");

    // A correct file replaces the year: the Spring Festival dates are gone.
    let (s, v) = api_send(
        &c,
        Method::POST,
        &years,
        &admin,
        json!({"toml": "year = 2027\n[[days_off]]\nname = \"元旦\"\nfrom = 2027-01-01\nto = 2027-01-01\n"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["days"], json!([{"date": "2027-01-01", "kind": "off", "name": "元旦"}]));
    let (_, d) = deadline(&t, &admin, "2026-12-31T17:00", "2").await;
    assert_eq!(d["deadline"], "2027-01-04T10:00:00+08:00", "1 Jan off, 2–3 weekend");
    let (_, d) = deadline(&t, &admin, "2027-02-08T09:00", "1").await;
    assert_eq!(d["deadline"], "2027-02-08T10:00:00+08:00", "no longer a holiday");
    // The imports are in the audit log.
    let (_, a) = api_get(&c, &t.url("/api/v1/audit?action=calendar.import"), &admin).await;
    assert_eq!(a["total"], 2, "{a}");
}

#[tokio::test]
async fn single_days_and_working_hours() {
    let t = app_at("2026-11-02 10:00").await;
    let admin = t.token("admin").await;
    let c = t.client();
    let days = t.url("/api/v1/calendar/days");
    // Wednesday 30 December 17:00 + 2 h: Thursday 10:00, until the 31st is a day off.
    let (_, d) = deadline(&t, &admin, "2026-12-30T17:00", "2").await;
    assert_eq!(d["deadline"], "2026-12-31T10:00:00+08:00");
    let (s, v) = api_send(
        &c,
        Method::POST,
        &days,
        &admin,
        json!({"date": "2026-12-31", "kind": "off", "name": "公司年会"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (_, d) = deadline(&t, &admin, "2026-12-30T17:00", "2").await;
    assert_eq!(
        d["deadline"], "2027-01-01T10:00:00+08:00",
        "the edit is seen at once"
    );
    // The same date again: 409. A workday on a weekday, a nameless day off, an undeclared
    // year, a bad date: 422 naming the field.
    let (s, _) = api_send(
        &c,
        Method::POST,
        &days,
        &admin,
        json!({"date": "2026-12-31", "kind": "off", "name": "又一个"}),
    )
    .await;
    assert_eq!(s, 409);
    for (body, field, code) in [
        (json!({"date": "2026-12-30", "kind": "work"}), "date", "error.calendar.makeup_weekday"),
        (json!({"date": "2026-12-30", "kind": "off", "name": ""}), "name", "error.calendar.name_missing"),
        (json!({"date": "2028-01-05", "kind": "off", "name": "x"}), "date", "error.calendar.no_year"),
        (json!({"date": "30/12/2026", "kind": "off", "name": "x"}), "date", "error.calendar.date"),
        (json!({"date": "2026-12-29", "kind": "holiday", "name": "x"}), "kind", "error.invalid_choice"),
    ] {
        let (s, v) = api_send(&c, Method::POST, &days, &admin, body.clone()).await;
        assert_eq!(s, 422, "{body}: {v}");
        assert_eq!(problem_fields(&v), vec![field], "{v}");
        assert_eq!(v["errors"][0]["code"], code, "{v}");
    }
    // A make-up Saturday.
    let (s, _) = api_send(
        &c,
        Method::POST,
        &days,
        &admin,
        json!({"date": "2026-12-26", "kind": "work", "name": "年会调休"}),
    )
    .await;
    assert_eq!(s, 201);
    let (_, d) = deadline(&t, &admin, "2026-12-25T17:00", "2").await;
    assert_eq!(d["deadline"], "2026-12-26T10:00:00+08:00");
    // Removing the day: the weekday rule again; removing it twice: 404.
    let (s, _) = api_send(&c, Method::DELETE, &format!("{days}/2026-12-31"), &admin, json!(null)).await;
    assert_eq!(s, 204);
    let (s, _) = api_send(&c, Method::DELETE, &format!("{days}/2026-12-31"), &admin, json!(null)).await;
    assert_eq!(s, 404);
    let (_, d) = deadline(&t, &admin, "2026-12-30T17:00", "2").await;
    assert_eq!(d["deadline"], "2026-12-31T10:00:00+08:00");

    // Working hours: bad values named, nothing saved; then 08:30–17:30 without lunch.
    let hours = t.url("/api/v1/calendar/hours");
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &hours,
        &admin,
        json!({"open": "9h", "close": "18:00", "lunch_start": "12:00", "lunch_end": "25:00"}),
    )
    .await;
    assert_eq!(s, 422);
    let mut f = problem_fields(&v);
    f.sort();
    assert_eq!(f, vec!["lunch_end", "open"]);
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &hours,
        &admin,
        json!({"open": "09:00", "close": "18:00", "lunch_start": "08:00", "lunch_end": "09:30"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["code"], "error.calendar.lunch_outside");
    let (_, d) = deadline(&t, &admin, "2026-11-30T12:00", "1").await;
    assert_eq!(d["deadline"], "2026-11-30T14:00:00+08:00", "unchanged");
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &hours,
        &admin,
        json!({"open": "08:30", "close": "17:30", "lunch_start": "", "lunch_end": ""}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, d) = deadline(&t, &admin, "2026-11-30T12:00", "1").await;
    assert_eq!(d["deadline"], "2026-11-30T13:00:00+08:00", "no lunch break now");
    let (_, d) = deadline(&t, &admin, "2026-11-30T17:00", "1").await;
    assert_eq!(d["deadline"], "2026-12-01T09:00:00+08:00");
    let (_, v) = api_get(&c, &t.url("/api/v1/calendar"), &admin).await;
    assert_eq!(v["hours"], json!({"open": "08:30", "close": "17:30", "lunch_start": "", "lunch_end": ""}));
    let (_, a) = api_get(&c, &t.url("/api/v1/audit?action=calendar.hours"), &admin).await;
    assert_eq!(a["total"], 1, "{a}");
}

#[tokio::test]
async fn the_built_in_year_is_seeded_once_even_by_two_processes_at_once() {
    let t = app_at("2026-11-02 10:00").await;
    let other = salesdesk_app::App::new(
        salesdesk_store::Db::connect(&t.db.url).await.unwrap(),
        t.app.config.clone(),
    );
    let (a, b) = tokio::join!(
        salesdesk_app::calendar::load(&t.app),
        salesdesk_app::calendar::load(&other)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.days(), b.days());
    assert_eq!(a.days_of(2026).len(), 33 + 6);
    let rows = salesdesk_store::calendar::days(t.app.db.read()).await.unwrap();
    assert_eq!(rows.len(), 39, "seeded once");
}

#[tokio::test]
async fn the_administrators_page_and_the_november_warning() {
    let t = app_at("2026-11-02 10:00").await;
    let admin = t.browser_as("admin").await;
    let html = page_text(&admin, &t.url("/settings/calendar?year=2026")).await;
    assert!(html.contains("国庆节 National Day"), "the holidays are listed");
    assert!(html.contains("2026-10-01 – 2026-10-07"));
    assert!(html.contains("248 个工作日"), "working days of 2026");
    assert!(html.contains("id=\"calendar-warning\""), "2027 is missing in November");
    let home = page_text(&admin, &t.url("/")).await;
    assert!(home.contains("id=\"calendar-warning\""), "and the dashboard says so");
    // Only the administrator is warned.
    let vp = t.browser_as("vp").await;
    assert!(!page_text(&vp, &t.url("/")).await.contains("calendar-warning"));

    // Adding a day through the form; a bad one is shown again with its error.
    let r = admin
        .post(t.url("/settings/calendar/days"))
        .form(&[("date", "2026-12-30"), ("kind", "work"), ("name", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("调休上班日必须是周六或周日"), "{body}");
    let r = admin
        .post(t.url("/settings/calendar/days"))
        .form(&[("date", "2026-12-31"), ("kind", "off"), ("name", "公司年会")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // Importing 2027 through the upload form ends the warning.
    let boundary = "calendarBoundary42";
    let upload = |text: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"2027.toml\"\r\nContent-Type: application/toml\r\n\r\n{text}\r\n--{boundary}--\r\n"
        )
    };
    let r = admin
        .post(t.url("/settings/calendar/import"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(upload("year = 2027\n[[workdays]]\ndate = 2027-03-03\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"import-error\""));
    let r = admin
        .post(t.url("/settings/calendar/import"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(upload(Y2027))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/settings/calendar?year=2027&ok=calendar_imported"
    );
    let html = page_text(&admin, &t.url("/settings/calendar?year=2027")).await;
    assert!(html.contains("春节 Spring Festival"));
    assert!(!html.contains("id=\"calendar-warning\""));
    // The year downloads in the import format.
    let toml = page_text(&admin, &t.url("/settings/calendar/export/2027")).await;
    assert!(toml.starts_with("year = 2027\n"), "{toml}");
    assert!(toml.contains("from = 2027-02-06\nto = 2027-02-14"), "{toml}");

    // In English.
    let en = t.browser_as("admin").await;
    en.post(t.url("/account/locale"))
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    let html = page_text(&en, &t.url("/settings/calendar?year=2026")).await;
    assert!(html.contains("Business calendar"), "{html}");
    assert!(html.contains("248 working days"));
}

#[tokio::test]
async fn before_november_there_is_no_warning() {
    let t = app_at("2026-10-31 23:00").await;
    let admin = t.browser_as("admin").await;
    assert!(!page_text(&admin, &t.url("/")).await.contains("calendar-warning"));
    assert!(
        !page_text(&admin, &t.url("/settings/calendar"))
            .await
            .contains("id=\"calendar-warning\"")
    );
}
