//! The private calendar feed (issue 12 point 8): issued from the account page or the API,
//! readable without a login by its secret URL, a valid RFC 5545 document (parsed here by a real
//! iCalendar parser) holding the person's follow-ups and nobody else's; re-issuing and
//! revoking stop the old URL.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send};

/// A customer of `login` whose next contact is `on`.
async fn customer_due(t: &TestApp, login: &str, name: &str, on: &str) -> i64 {
    let c = t.client();
    let tok = t.token(login).await;
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/customers"),
        &tok,
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/records")),
        &tok,
        json!({"kind": "call", "summary": "电话沟通", "next_contact_on": on}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    id
}

/// Issues `login`'s feed through the API; returns its URL.
async fn issue(t: &TestApp, login: &str) -> String {
    let tok = t.token(login).await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/me/calendar-feed"),
        &tok,
        json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["url"].as_str().unwrap().to_string()
}

/// The path part of a feed URL, against the test server.
fn local(t: &TestApp, url: &str) -> String {
    let path = &url[url.find("/ical/").unwrap()..];
    t.url(path)
}

fn today_plus(days: i64) -> String {
    (chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        + chrono::TimeDelta::days(days))
    .to_string()
}

#[tokio::test]
async fn the_feed_holds_the_persons_follow_ups_and_parses_as_icalendar() {
    let t = TestApp::with_demo().await;
    // A long Chinese name with the characters TEXT must escape.
    let long = "星河数据科技（上海）有限公司，华东区;总部\\研发中心与售前支持部门联合采购项目组";
    let mine = customer_due(&t, "north.am1", long, &today_plus(3)).await;
    let other = customer_due(&t, "north.rep", "别人的客户有限公司", &today_plus(3)).await;
    let url = issue(&t, "north.am1").await;
    assert!(url.contains("/ical/") && url.ends_with(".ics"), "{url}");

    // No login: a plain client.
    let r = reqwest::get(local(&t, &url)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/calendar; charset=utf-8"
    );
    let body = r.text().await.unwrap();

    // Raw form: CRLF only, every physical line at most 75 octets.
    assert!(body.ends_with("\r\n"));
    assert!(!body.replace("\r\n", "").contains('\n'), "a bare LF");
    for l in body.split("\r\n") {
        assert!(l.len() <= 75, "{} octets: {l}", l.len());
    }
    let unfolded = body.replace("\r\n ", "");
    assert!(
        unfolded.contains(
            // (the name is stored with an ASCII comma: customer names are normalised)
            "SUMMARY:跟进：星河数据科技（上海）有限公司\\,华东区\\;总部\\\\研发中心与售前支持部门联合采购项目组"
        ),
        "{unfolded}"
    );

    // A real parser reads it.
    let mut cals = ical::IcalParser::new(std::io::BufReader::new(body.as_bytes()));
    let cal = cals.next().expect("one calendar").expect("parses");
    assert!(cals.next().is_none());
    let prop = |props: &[ical::property::Property], name: &str| {
        props
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(prop(&cal.properties, "VERSION").as_deref(), Some("2.0"));
    assert!(prop(&cal.properties, "X-WR-CALNAME").is_some());
    assert_eq!(cal.events.len(), 1, "only the person's own follow-up");
    let e = &cal.events[0];
    let summary = prop(&e.properties, "SUMMARY").unwrap();
    assert!(summary.starts_with("跟进：星河数据科技"), "{summary}");
    let start = e.properties.iter().find(|p| p.name == "DTSTART").unwrap();
    assert_eq!(
        start.value.as_deref(),
        Some(today_plus(3).replace('-', "").as_str())
    );
    assert!(
        start
            .params
            .as_ref()
            .is_some_and(|ps| ps.iter().any(|(k, v)| k == "VALUE" && *v == ["DATE"])),
        "an all-day event is a DATE"
    );
    assert_eq!(
        prop(&e.properties, "UID"),
        Some(format!(
            "followup-{mine}-{}@salesdesk",
            t.person_id("north.am1").await
        ))
    );
    assert!(prop(&e.properties, "DTSTAMP").unwrap().ends_with('Z'));
    assert!(!body.contains(&format!("/customers/{other}")));
}

#[tokio::test]
async fn a_reissued_or_revoked_feed_url_stops_working() {
    let t = TestApp::with_demo().await;
    let first = issue(&t, "north.am1").await;
    assert_eq!(reqwest::get(local(&t, &first)).await.unwrap().status(), 200);
    let second = issue(&t, "north.am1").await;
    assert_ne!(first, second);
    assert_eq!(reqwest::get(local(&t, &first)).await.unwrap().status(), 404);
    assert_eq!(
        reqwest::get(local(&t, &second)).await.unwrap().status(),
        200
    );

    let tok = t.token("north.am1").await;
    let c = t.client();
    let (s, v) = api_get(&c, &t.url("/api/v1/me/calendar-feed"), &tok).await;
    assert_eq!(s, 200);
    assert_eq!(v["active"], true);
    assert!(v["url"].is_null(), "the URL is not given again");
    let r = c
        .delete(t.url("/api/v1/me/calendar-feed"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        reqwest::get(local(&t, &second)).await.unwrap().status(),
        404
    );
    // Malformed and unknown secrets are all 404.
    for p in [
        "/ical/x.ics",
        "/ical/abc",
        &format!("/ical/{}.ics", "0".repeat(64)),
    ] {
        assert_eq!(reqwest::get(t.url(p)).await.unwrap().status(), 404, "{p}");
    }
    let (_, log) = api_get(
        &c,
        &t.url("/api/v1/audit?action=calendar_feed."),
        &t.token("admin").await,
    )
    .await;
    assert_eq!(log["total"], 3, "two issues and a revoke: {log}");
}

#[tokio::test]
async fn the_account_page_issues_the_url_once_and_revokes_it() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("north.am1").await;
    let page = crate::page_text(&b, &t.url("/account")).await;
    assert!(page.contains("还没有订阅网址"), "{page}");
    let r = b
        .post(t.url("/account/calendar-feed"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let start = page.find("/ical/").expect("the URL is shown");
    let path: String = page[start..].chars().take_while(|c| *c != '"').collect();
    assert!(path.ends_with(".ics"), "{path}");
    assert_eq!(reqwest::get(t.url(&path)).await.unwrap().status(), 200);
    // Shown once: the account page later says since when, not what.
    let page = crate::page_text(&b, &t.url("/account")).await;
    assert!(!page.contains("/ical/"));
    assert!(page.contains("当前网址生成于"));
    let r = b
        .post(t.url("/account/calendar-feed/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = crate::page_text(&b, &t.url("/account?ok=calendar_feed_revoked")).await;
    assert!(page.contains("日历订阅已停用"), "{page}");
    assert_eq!(reqwest::get(t.url(&path)).await.unwrap().status(), 404);
}
