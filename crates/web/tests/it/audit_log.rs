//! The readable audit log (issue 10, point 8): names instead of ids, labels instead of codes,
//! translated field names, Shanghai times, logins on their own view, and a CSV export for
//! auditors that is itself audited.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send, lead_with_pending_request, page_text};

/// A customer of `north.am1`, reassigned to `north.am2` by the director and made basic through
/// an approved request: returns its id.
async fn a_customer_with_history(t: &TestApp, name: &str) -> i64 {
    let http = t.client();
    let (id, request) = lead_with_pending_request(t, name).await;
    let (s, v) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/status-requests/{request}/decision")),
        &t.token("north.manager").await,
        json!({"approve": true}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let am2 = t.person_id("north.am2").await;
    let (s, v) = api_send(
        &http,
        Method::POST,
        &t.url("/api/v1/customers/reassign"),
        &t.token("director").await,
        json!({"ids": [id], "owner_id": am2}),
    )
    .await;
    assert!(s < 300, "{s} {v}");
    id
}

/// The field labels of the changes on an audit page (`<b>label</b>`).
fn change_labels(page: &str) -> Vec<String> {
    page.split("<div class=\"change\"><b>")
        .skip(1)
        .filter_map(|p| p.split("</b>").next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_audit_log_shows_names_labels_translated_fields_and_shanghai_times() {
    let t = TestApp::with_demo().await;
    let id = a_customer_with_history(&t, "天津审计可读有限公司").await;
    // An organisation change too: a person moved to another region.
    let rep = t.person_id("central.rep").await;
    let (_, regions) = api_get(&t.client(), &t.url("/api/v1/regions"), &t.token("vp").await).await;
    let north = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "华北大区")
        .unwrap()["id"]
        .clone();
    let (s, v) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url(&format!("/api/v1/people/{rep}")),
        &t.token("vp").await,
        json!({"region_id": north}),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let vp = t.browser_as("vp").await;
    let page = page_text(&vp, &t.url("/audit?entity=customer")).await;
    // The customer by name, linked; never "客户 #id" for a reader who may see it.
    assert!(
        page.contains(&format!(
            "<a href=\"/customers/{id}\">客户 天津审计可读有限公司</a>"
        )),
        "{page}"
    );
    assert!(!page.contains(&format!("客户 #{id}")), "{page}");
    // Owners by name, statuses by label.
    assert!(page.contains("<del>张伟</del> → <ins>刘洋</ins>"), "{page}");
    assert!(page.contains("<ins>基础客户</ins>"), "{page}");
    assert!(!page.contains("<ins>basic</ins>"), "{page}");
    assert!(page.contains("<ins>已批准</ins>"), "{page}");
    // Every field label is translated (a raw field name is ASCII snake case).
    let labels = change_labels(&page);
    assert!(!labels.is_empty());
    for l in &labels {
        assert!(!l.is_ascii(), "untranslated field {l}");
    }
    // Times in Shanghai as 2026-11-27 14:05.
    let now = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H")
        .to_string();
    assert!(page.contains(&now), "{now} in {page}");

    let people = page_text(&vp, &t.url("/audit?entity=person")).await;
    assert!(people.contains("<ins>华北大区</ins>"), "{people}");
    for l in change_labels(&people) {
        assert!(!l.is_ascii(), "untranslated field {l}");
    }
    // In English: English labels and the region's English name.
    let (s, _) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url("/api/v1/me"),
        &t.token("vp").await,
        json!({"locale": "en"}),
    )
    .await;
    assert!(s < 300);
    let en = page_text(&vp, &t.url("/audit?entity=person")).await;
    assert!(en.contains("<ins>North China</ins>"), "{en}");
    let en = page_text(&vp, &t.url("/audit?entity=customer")).await;
    assert!(en.contains("<ins>Basic customer</ins>"), "{en}");
}

#[tokio::test]
async fn an_administrator_sees_who_did_what_to_which_customer_but_not_its_values_or_name() {
    let t = TestApp::with_demo().await;
    let id = a_customer_with_history(&t, "天津审计遮盖有限公司").await;
    let page = page_text(
        &t.browser_as("admin").await,
        &t.url("/audit?entity=customer"),
    )
    .await;
    assert!(page.contains(&format!("客户 #{id}")), "{page}");
    assert!(!page.contains("天津审计遮盖有限公司"), "{page}");
    assert!(!page.contains("刘洋</ins>"), "{page}");
    assert!(page.contains("***"), "{page}");
}

#[tokio::test]
async fn logins_and_logouts_are_a_view_of_their_own() {
    let t = TestApp::with_demo().await;
    let am = t.browser_as("north.am1").await;
    let r = am.post(t.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    a_customer_with_history(&t, "天津登录视图有限公司").await;
    let vp = t.browser_as("vp").await;
    let changes = page_text(&vp, &t.url("/audit")).await;
    assert!(!changes.contains("<code>session."), "{changes}");
    assert!(
        changes.contains("<code>customer.create</code>"),
        "{changes}"
    );
    let logins = page_text(&vp, &t.url("/audit?view=logins")).await;
    assert!(logins.contains("<code>session.create</code>"), "{logins}");
    assert!(logins.contains("<code>session.delete</code>"), "{logins}");
    assert!(!logins.contains("<code>customer."), "{logins}");
    // Filtered by person, action and date range, paginated as before.
    let am1 = t.person_id("north.am1").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string();
    let one = page_text(
        &vp,
        &t.url(&format!(
            "/audit?actor={am1}&action=customer.create&from={today}&until={today}"
        )),
    )
    .await;
    assert_eq!(one.matches("<code>").count(), 1, "{one}");
    assert!(one.contains("<code>customer.create</code>"), "{one}");
    // The API has the same views.
    let vp_token = t.token("vp").await;
    for (sessions, login_rows) in [("only", true), ("exclude", false)] {
        let (s, v) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/audit?sessions={sessions}&per_page=200")),
            &vp_token,
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let items = v["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(
            items
                .iter()
                .all(|e| e["action"].as_str().unwrap().starts_with("session.") == login_rows),
            "{sessions}: {v}"
        );
    }
    let before = page_text(&vp, &t.url(&format!("/audit?actor={am1}&until=2020-01-01"))).await;
    assert!(!before.contains("<code>"), "{before}");
}

#[tokio::test]
async fn the_csv_export_holds_the_filtered_log_for_excel_and_is_itself_audited() {
    let t = TestApp::with_demo().await;
    a_customer_with_history(&t, "天津审计导出有限公司").await;
    let vp = t.browser_as("vp").await;
    let page = page_text(&vp, &t.url("/audit?entity=customer")).await;
    // The page links the export of what it shows.
    assert!(
        page.contains("href=\"/audit/export.csv?entity=customer\""),
        "{page}"
    );
    let r = vp
        .get(t.url("/audit/export.csv?entity=customer"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let mut rd = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers[..4], ["时间", "操作人", "操作", "对象"]);
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert!(
        rows.iter().all(|r| r[3].starts_with("客户")),
        "only customers"
    );
    let reassign = rows
        .iter()
        .find(|r| r[2] == *"转交客户" || r[4].contains("刘洋"))
        .expect("the reassignment");
    assert!(reassign[4].contains("张伟 → 刘洋"), "{reassign:?}");
    assert!(rows.iter().any(|r| &r[3] == "客户 天津审计导出有限公司"));

    // The export is in the log: who, which filter, how many rows.
    let (_, log) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=audit_log.export"),
        &t.token("vp").await,
    )
    .await;
    let e = &log["items"][0];
    assert_eq!(e["actor_id"], t.person_id("vp").await);
    assert_eq!(e["after"]["filter"]["entity"], "customer");
    assert_eq!(e["after"]["rows"], rows.len());

    // Not for someone who may not read the log.
    let r = t
        .browser_as("north.am1")
        .await
        .get(t.url("/audit/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
