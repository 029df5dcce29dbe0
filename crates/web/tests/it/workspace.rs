//! The customer page as a workspace (issue 10, point 3): one timeline, newest first, of contact
//! records, status requests and decisions, owner changes and edits, filterable by kind; the
//! account manager reads the change history of their own customer.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_send, page_text};

/// A customer of `north.am1` with, in this order: a contact record, a status request, its
/// approval, a reassignment to `north.am2`, and an edit by `north.am2`. Returns its id.
async fn a_customer_with_a_story(t: &TestApp) -> i64 {
    let http = t.client();
    let am1 = t.token("north.am1").await;
    let send = |method: Method, path: String, token: String, body: serde_json::Value| {
        let http = http.clone();
        let url = t.url(&path);
        async move { api_send(&http, method, &url, &token, body).await }
    };
    let (s, c) = send(
        Method::POST,
        "/api/v1/customers".into(),
        am1.clone(),
        json!({"name": "北京时间线科技有限公司"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (s, r) = send(
        Method::POST,
        format!("/api/v1/customers/{id}/records"),
        am1.clone(),
        json!({"kind": "call", "summary": "电话沟通了审批系统的需求"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let (s, q) = send(
        Method::POST,
        format!("/api/v1/customers/{id}/status-requests"),
        am1.clone(),
        json!({"to_status": "basic", "need": "替换旧 OA", "budget": "50 万元", "timeline": "2027 Q1"}),
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let (s, v) = send(
        Method::POST,
        format!("/api/v1/status-requests/{}/decision", q["id"]),
        t.token("north.manager").await,
        json!({"approve": true, "comment": "需求清楚"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let am2 = t.person_id("north.am2").await;
    let (s, v) = send(
        Method::POST,
        "/api/v1/customers/reassign".into(),
        t.token("director").await,
        json!({"ids": [id], "owner_id": am2}),
    )
    .await;
    assert!(s < 300, "{s} {v}");
    let (s, v) = send(
        Method::PATCH,
        format!("/api/v1/customers/{id}"),
        t.token("north.am2").await,
        json!({"short_name": "时间线科技"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    id
}

/// Where `needle` first appears in `page`, failing with the page when it does not.
fn at(page: &str, needle: &str) -> usize {
    page.find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {page}"))
}

/// The timeline section of a customer page.
fn timeline(page: &str) -> &str {
    let start = at(page, "id=\"activity\"");
    let end = page[start..].find("</section>").unwrap() + start;
    &page[start..end]
}

#[tokio::test]
async fn the_timeline_merges_records_requests_decisions_owner_changes_and_edits_newest_first() {
    let t = TestApp::with_demo().await;
    let id = a_customer_with_a_story(&t).await;
    // The owner now, `north.am2`, reads the whole story of their customer.
    let am2 = t.browser_as("north.am2").await;
    let page = page_text(&am2, &t.url(&format!("/customers/{id}"))).await;
    let tl = timeline(&page);
    let edit = at(tl, "刘洋 修改了客户资料");
    let owner = at(tl, "负责人 张伟 → 刘洋");
    let approved = at(tl, "批准了状态变更");
    let requested = at(tl, "申请将状态从「线索」改为「基础客户」");
    let record = at(tl, "电话沟通了审批系统的需求");
    let created = at(tl, "张伟 创建了客户");
    assert!(
        edit < owner && owner < approved && approved < requested && requested < record,
        "newest first: {tl}"
    );
    assert!(record < created, "the creation is the oldest entry: {tl}");
    // The request's evidence and the decision's comment are on their lines.
    assert!(tl.contains("替换旧 OA") && tl.contains("需求清楚"), "{tl}");
    // The edit with its values, read as a person reads them, although the audit log masks
    // sales values from a staff member.
    assert!(tl.contains("<del>—</del> → <ins>时间线科技</ins>"), "{tl}");
    assert!(!tl.contains("***"), "{tl}");
}

#[tokio::test]
async fn the_kind_filter_narrows_the_timeline() {
    let t = TestApp::with_demo().await;
    let id = a_customer_with_a_story(&t).await;
    let b = t.browser_as("north.manager").await;
    let show = |kind: &'static str| {
        let b = b.clone();
        let url = t.url(&format!("/customers/{id}?kind={kind}"));
        async move { timeline(&page_text(&b, &url).await).to_string() }
    };
    let records = show("records").await;
    assert!(records.contains("电话沟通了审批系统的需求"), "{records}");
    for other in ["修改了客户资料", "负责人 张伟 → 刘洋", "批准了状态变更"] {
        assert!(!records.contains(other), "{other} in {records}");
    }
    let status = show("status").await;
    assert!(
        status.contains("批准了状态变更") && status.contains("申请将状态从"),
        "{status}"
    );
    assert!(!status.contains("电话沟通"), "{status}");
    let owner = show("owner").await;
    assert!(owner.contains("负责人 张伟 → 刘洋"), "{owner}");
    assert!(!owner.contains("修改了客户资料"), "{owner}");
    let edits = show("edits").await;
    assert!(
        edits.contains("修改了客户资料") && edits.contains("创建了客户"),
        "{edits}"
    );
    assert!(
        !edits.contains("电话沟通") && !edits.contains("批准了"),
        "{edits}"
    );
    // The filter in use is marked, and works as a plain link (no script).
    assert!(
        edits.contains(&format!(
            "<a href=\"/customers/{id}?kind=edits#activity\" aria-current=\"page\">"
        )),
        "{edits}"
    );
}

#[tokio::test]
async fn a_staff_member_reads_the_edit_history_of_their_own_customer_but_not_the_audit_log() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (s, c) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &am1,
        json!({"name": "北京自己的客户有限公司", "phone": "010-62345678"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (s, v) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url(&format!("/api/v1/customers/{id}")),
        &am1,
        json!({"phone": "010-62345679"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url(&format!("/customers/{id}?kind=edits"))).await;
    let tl = timeline(&page);
    assert!(
        tl.contains("<del>010-62345678</del> → <ins>010-62345679</ins>"),
        "{tl}"
    );
    // Another staff member of the region does not see the customer at all.
    let other = t.browser_as("north.am2").await;
    let r = other
        .get(t.url(&format!("/customers/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The audit log page is not opened to staff by this.
    let r = b.get(t.url("/audit")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
