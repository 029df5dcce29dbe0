//! Contracts (issue 13, points 3 and 5): lines priced in fen with both totals, the director's
//! threshold, signing that makes the customer signed, invoices that never pass the total,
//! attachments checked by their bytes, revenue by the administrator's rule, and bad input
//! refused field by field with nothing half-saved.

use chrono::{DateTime, Utc};
use reqwest::Method;
use salesdesk_app::{AppConfig, Clock};
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

/// Monday 2026-11-30 10:00 in Shanghai.
fn monday_ten() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

async fn demo_with(files: Option<&std::path::Path>) -> TestApp {
    let mut config = AppConfig {
        clock: Clock::manual(monday_ten()),
        ..AppConfig::default()
    };
    if let Some(f) = files {
        config.attachments_dir = f.join("attachments");
    }
    let t = TestApp::spawn_with(config).await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    t
}

async fn demo() -> TestApp {
    demo_with(None).await
}

/// A customer of `login`, moved to `status` behind the scenes.
async fn customer(t: &TestApp, login: &str, name: &str, status: &str) -> i64 {
    let token = t.token(login).await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &token,
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let from = v["status"].as_str().unwrap().to_string();
    if from != status {
        assert!(
            salesdesk_store::customers::set_status(t.app.db.read(), id, &from, status, Utc::now())
                .await
                .unwrap()
        );
    }
    id
}

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(path), token, body).await
}

async fn put(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::PUT, &t.url(path), token, body).await
}

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), token).await
}

/// 50 × ¥1,200.00 less 5 % (13 % VAT) + 1 × ¥35,000.00 (6 % VAT) = ¥92,000.00.
fn body(customer_id: i64) -> Value {
    json!({
        "customer_id": customer_id,
        "title": "OA 协同办公平台采购合同",
        "signing_date": "2026-11-27",
        "lines": [
            {"product_code": "eoffice-std", "quantity": 50, "unit_price": "1,200", "discount": "5"},
            {"product_code": "mobile", "unit_price": "3.5万", "tax_rate": "6"},
        ],
    })
}

async fn create(t: &TestApp, token: &str, customer_id: i64) -> Value {
    let (s, v) = post(t, token, "/api/v1/contracts", body(customer_id)).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn act(t: &TestApp, token: &str, id: i64, action: &str, reason: &str) -> (u16, Value) {
    post(
        t,
        token,
        &format!("/api/v1/contracts/{id}/actions"),
        json!({"action": action, "reason": reason}),
    )
    .await
}

async fn customer_status(t: &TestApp, token: &str, id: i64) -> String {
    let (_, c) = get(t, token, &format!("/api/v1/customers/{id}")).await;
    c["status"].as_str().unwrap_or_default().to_string()
}

async fn contract_count(t: &TestApp) -> u64 {
    salesdesk_store::contracts::count_all(t.app.db.read())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_contract_is_priced_line_by_line_and_keeps_both_totals() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "合同测试甲软件有限公司", "potential").await;
    let c = create(&t, &am, k).await;
    assert_eq!(c["status"], "draft");
    assert_eq!(c["number"], format!("HT-{:06}", c["id"].as_i64().unwrap()));
    assert_eq!(c["owner_id"], t.person_id("north.am1").await);
    // 57,000.00 + 35,000.00.
    assert_eq!(c["total"], "92000.00");
    // 57,000 / 1.13 = 50,442.477… → 50,442.48; 35,000 / 1.06 = 33,018.867… → 33,018.87.
    assert_eq!(c["total_excl"], "83461.35");
    assert_eq!(c["tax"], "8538.65");
    assert_eq!(c["lines"][0]["amount"], "57000.00");
    assert_eq!(c["lines"][0]["tax_rate"], "13");
    assert_eq!(c["lines"][1]["unit_price"], "35000.00");
    assert_eq!(c["partner_id"], Value::Null);
    // The customer page lists it.
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url(&format!("/customers/{k}"))).await;
    assert!(page.contains("id=\"contracts\""), "{page}");
    assert!(page.contains("OA 协同办公平台采购合同"));
    assert!(page.contains("¥92,000.00"));
}

#[tokio::test]
async fn bad_amounts_dates_and_lines_are_named_field_by_field_and_nothing_is_saved() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "合同测试乙软件有限公司", "potential").await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"customer_id": k, "title": "x", "signing_date": "2026-11-27",
                   "lines": [{"product_code": "eoffice-std", "unit_price": "12.345"}]}),
            vec!["lines[0].unit_price"],
        ),
        (
            json!({"customer_id": k, "title": "x", "signing_date": "2026-11-27",
                   "lines": [{"product_code": "eoffice-std", "unit_price": "-100"}]}),
            vec!["lines[0].unit_price"],
        ),
        (
            json!({"customer_id": k, "title": "x", "signing_date": "2026-11-27",
                   "lines": [{"product_code": "eoffice-std", "unit_price": "一百"}]}),
            vec!["lines[0].unit_price"],
        ),
        (
            // Tomorrow in Shanghai.
            json!({"customer_id": k, "title": "x", "signing_date": "2026-12-01",
                   "lines": [{"product_code": "eoffice-std", "unit_price": "100"}]}),
            vec!["signing_date"],
        ),
        (
            json!({"customer_id": k, "title": "", "signing_date": "2026-11-27",
                   "lines": [{"product_code": "nope", "unit_price": "100", "discount": "101",
                              "tax_rate": "13.555"}]}),
            vec![
                "title",
                "lines[0].discount",
                "lines[0].tax_rate",
                "lines[0].product",
            ],
        ),
        (
            json!({"customer_id": k, "title": "x", "signing_date": "2026-11-27", "lines": []}),
            vec!["lines"],
        ),
    ];
    for (b, fields) in cases {
        let (s, v) = post(&t, &am, "/api/v1/contracts", b.clone()).await;
        assert_eq!(s, 422, "{b}: {v}");
        assert_eq!(problem_fields(&v), fields, "{b}: {v}");
    }
    // In the user's language: English for an English caller.
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/contracts"),
        &am,
        json!({"customer_id": k, "title": "x", "signing_date": "2026-12-01",
               "lines": [{"product_code": "eoffice-std", "unit_price": "1.234"}]}),
    )
    .await;
    assert_eq!(s, 422);
    let text = v.to_string();
    assert!(
        text.contains("2026-11-30") && text.contains("两位小数"),
        "{text}"
    );
    assert_eq!(contract_count(&t).await, 0);
}

#[tokio::test]
async fn a_contract_on_an_unseen_an_archived_or_an_invalid_customer_is_refused() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let others = customer(&t, "north.am2", "别人的客户有限公司", "potential").await;
    let (s, _) = post(&t, &am, "/api/v1/contracts", body(others)).await;
    assert_eq!(s, 404);
    let invalid = customer(&t, "north.am1", "无效客户有限公司", "invalid").await;
    let (s, v) = post(&t, &am, "/api/v1/contracts", body(invalid)).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.contract_customer_invalid");
    let archived = customer(&t, "north.am1", "已归档客户有限公司", "lead").await;
    let (s, v) = post(
        &t,
        &am,
        &format!("/api/v1/customers/{archived}/archive"),
        json!({"reason": "重复"}),
    )
    .await;
    assert_eq!(s, 204, "{v}");
    let (s, v) = post(&t, &am, "/api/v1/contracts", body(archived)).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.contract_customer_archived");
    assert_eq!(contract_count(&t).await, 0);
}

#[tokio::test]
async fn signing_below_the_threshold_is_direct_and_makes_the_customer_signed_by_the_system() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "直接签订软件有限公司", "potential").await;
    let c = create(&t, &am, k).await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["needs_approval"], false, "¥92,000 is below ¥500,000");
    // Someone who does not work on it may not sign it.
    let rep = t.token("north.rep").await;
    let (s, _) = act(&t, &rep, id, "sign", "").await;
    assert!(s == 403 || s == 404, "{s}");
    let (s, v) = act(&t, &am, id, "sign", "").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "signed");
    assert!(v["signed_at"].is_string());
    assert_eq!(customer_status(&t, &am, k).await, "signed");
    // The status history shows the change, approved, naming the contract; the audit log too.
    let (_, history) = get(&t, &am, &format!("/api/v1/customers/{k}/status-requests")).await;
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 1, "{history}");
    assert_eq!(h[0]["to_status"], "signed");
    assert_eq!(h[0]["state"], "approved");
    assert!(h[0]["note"].as_str().unwrap().contains("HT-"), "{history}");
    let vp = t.token("vp").await;
    let (_, audit) = get(
        &t,
        &vp,
        &format!("/api/v1/audit?entity_type=customer&entity_id={k}"),
    )
    .await;
    assert!(
        audit.to_string().contains("customer.status_change"),
        "{audit}"
    );
    // Signing again is refused; so is a second sign of a cancelled contract.
    let (s, v) = act(&t, &am, id, "sign", "").await;
    assert_eq!(s, 409, "{v}");
    // Cancel needs a reason.
    let (s, v) = act(&t, &am, id, "cancel", "").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["reason"]);
    let (s, v) = act(&t, &am, id, "start_delivery", "").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("in_delivery")));
    let (s, v) = act(&t, &am, id, "complete", "").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("completed")));
    let (s, v) = act(&t, &am, id, "cancel", "客户撤销").await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.contract_completed");
}

#[tokio::test]
async fn above_the_threshold_a_contract_counts_as_signed_only_once_the_director_approves() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let director = t.token("director").await;
    // The director lowers the threshold to ¥50,000; the account manager may not.
    let (s, _) = put(
        &t,
        &am,
        "/api/v1/contract-settings",
        json!({"threshold": "1"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/contract-settings",
        json!({"threshold": "5万"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["threshold"], "50000.00");
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/contract-settings",
        json!({"threshold": "1.001"}),
    )
    .await;
    assert_eq!(
        (s, problem_fields(&v)),
        (422, vec!["threshold".to_string()])
    );

    let k = customer(&t, "north.am1", "大额合同软件有限公司", "potential").await;
    let c = create(&t, &am, k).await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["needs_approval"], true);
    let (s, v) = act(&t, &am, id, "sign", "").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "pending_approval");
    assert_eq!(customer_status(&t, &am, k).await, "potential");
    // Revenue on signing does not count it yet.
    let (_, r) = get(&t, &am, "/api/v1/contracts/revenue?from=2026-11&to=2026-11").await;
    assert_eq!(r["amount"], "0.00", "{r}");
    // The queue: the director sees it; the account manager may not approve.
    let (_, q) = get(&t, &director, "/api/v1/contracts?status=pending_approval").await;
    assert_eq!(q["total"], 1, "{q}");
    let (s, _) = act(&t, &am, id, "approve", "").await;
    assert_eq!(s, 403);
    let manager = t.token("north.manager").await;
    let (s, _) = act(&t, &manager, id, "approve", "").await;
    assert_eq!(s, 403, "a regional manager does not approve contracts");
    // Sent back with a reason, signed again, approved.
    let (s, v) = act(&t, &director, id, "reject", "").await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["reason".to_string()]));
    let (s, v) = act(&t, &director, id, "reject", "付款条件需重新谈").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("draft")));
    assert_eq!(v["reason"], "付款条件需重新谈");
    let (_, v) = act(&t, &am, id, "sign", "").await;
    assert_eq!(v["status"], "pending_approval");
    let (s, v) = act(&t, &director, id, "approve", "").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("signed")), "{v}");
    assert_eq!(customer_status(&t, &am, k).await, "signed");
    let (s, _) = act(&t, &director, id, "approve", "").await;
    assert_eq!(s, 409);
    let (_, r) = get(&t, &am, "/api/v1/contracts/revenue?from=2026-11&to=2026-11").await;
    assert_eq!(r["rule"], "on_signing");
    assert_eq!(r["amount"], "92000.00", "{r}");
    assert_eq!(r["amount_excl"], "83461.35", "{r}");
    assert_eq!(r["count"], 1);
    // Another region's account manager sees none of it.
    let south = t.token("south.am1").await;
    let (s, _) = get(&t, &south, &format!("/api/v1/contracts/{id}")).await;
    assert_eq!(s, 404);
    let (_, r) = get(
        &t,
        &south,
        "/api/v1/contracts/revenue?from=2026-11&to=2026-11",
    )
    .await;
    assert_eq!(r["amount"], "0.00");
}

#[tokio::test]
async fn invoices_never_pass_the_total_their_numbers_are_unique_and_revenue_follows_the_rule() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "开票测试软件有限公司", "potential").await;
    let id = create(&t, &am, k).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/contracts/{id}/invoices");
    let inv = |number: &str, amount: &str, date: &str| json!({"number": number, "kind": "special", "issue_date": date, "amount": amount});
    // Not before the contract is signed.
    let (s, v) = post(&t, &am, &path, inv("04400001", "100", "2026-11-28")).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.invoice_contract_not_signed");
    act(&t, &am, id, "sign", "").await;
    let (s, v) = post(&t, &am, &path, inv("0440 0001", "60000", "2026-11-28")).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["number"], "04400001");
    assert_eq!(v["amount"], "60000.00");
    // Above what is left (¥32,000.00): named, with the figure.
    let (s, v) = post(&t, &am, &path, inv("04400002", "32000.01", "2026-11-28")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["amount"]);
    assert!(v.to_string().contains("¥32,000.00"), "{v}");
    // The same number twice; a date before the contract or after today; zero; bad kind.
    let (s, v) = post(&t, &am, &path, inv("04400001", "1", "2026-11-28")).await;
    assert_eq!((s, problem_fields(&v)), (409, vec!["number".to_string()]));
    let (s, v) = post(
        &t,
        &am,
        &path,
        json!({"number": "12", "kind": "vat", "issue_date": "2026-11-01", "amount": "0"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        problem_fields(&v),
        ["number", "kind", "issue_date", "amount"]
    );
    let (s, v) = post(&t, &am, &path, inv("04400003", "1", "2026-12-01")).await;
    assert_eq!(
        (s, problem_fields(&v)),
        (422, vec!["issue_date".to_string()])
    );
    let (s, _) = post(&t, &am, &path, inv("04400004", "32000", "2026-11-30")).await;
    assert_eq!(s, 201);
    let (_, c) = get(&t, &am, &format!("/api/v1/contracts/{id}")).await;
    assert_eq!(c["invoiced"], "92000.00");
    assert_eq!(c["open_to_invoice"], "0.00");
    assert_eq!(c["invoices"].as_array().unwrap().len(), 2);
    // Revenue on invoice: the invoices of the period; on payment: zero, said so.
    let admin = t.token("admin").await;
    let (s, _) = put(
        &t,
        &am,
        "/api/v1/contract-settings",
        json!({"revenue_rule": "on_invoice"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = put(
        &t,
        &admin,
        "/api/v1/contract-settings",
        json!({"revenue_rule": "on_invoice"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, r) = get(&t, &am, "/api/v1/contracts/revenue?from=2026-11&to=2026-11").await;
    assert_eq!(
        (r["rule"].as_str(), r["amount"].as_str()),
        (Some("on_invoice"), Some("92000.00"))
    );
    assert_eq!(r["count"], 2);
    let (_, r) = get(&t, &am, "/api/v1/contracts/revenue?from=2026-12&to=2026-12").await;
    assert_eq!(r["amount"], "0.00");
    let (s, v) = get(&t, &am, "/api/v1/contracts/revenue?from=2026-12&to=2026-11").await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["to".to_string()]));
    put(
        &t,
        &admin,
        "/api/v1/contract-settings",
        json!({"revenue_rule": "on_payment"}),
    )
    .await;
    let (_, r) = get(&t, &am, "/api/v1/contracts/revenue?from=2026-11&to=2026-11").await;
    assert_eq!(r["amount"], "0.00");
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url("/contracts/revenue?from=2026-11&to=2026-11")).await;
    assert!(page.contains("收到回款时"), "{page}");
    // Payments exist now (collections): the page no longer says they are to come.
    assert!(!page.contains("回款登记尚未上线"), "{page}");
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "contractBoundary42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_attachment_is_checked_by_its_bytes_and_served_only_to_who_sees_the_contract() {
    let files = tempfile::tempdir().unwrap();
    let t = demo_with(Some(files.path())).await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "附件测试软件有限公司", "potential").await;
    let id = create(&t, &am, k).await["id"].as_i64().unwrap();
    let b = t.browser_as("north.am1").await;
    let upload = |name: &str, bytes: Vec<u8>| {
        let (ct, body) = multipart(name, &bytes);
        b.post(t.url(&format!("/contracts/{id}/attachments")))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    // A program renamed to .pdf: refused, with the reason on the page.
    let r = upload("合同.pdf", b"MZ\x90\x00 not a pdf".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("PDF、PNG 或 JPEG"));
    // Too large.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let r = upload("big.pdf", big).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("10 MB"));
    let (_, c) = get(&t, &am, &format!("/api/v1/contracts/{id}")).await;
    assert_eq!(c["attachments"].as_array().unwrap().len(), 0);
    // A real PDF.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let r = upload("扫描件.pdf", pdf.clone()).await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, c) = get(&t, &am, &format!("/api/v1/contracts/{id}")).await;
    let a = &c["attachments"][0];
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["file_name"], "扫描件.pdf");
    let aid = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/contracts/{id}/attachments/{aid}");
    let r = t
        .client()
        .get(t.url(&path))
        .bearer_auth(&am)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // The file is in the attachments directory that backups include.
    let stored = salesdesk_app::attachments::Attachments::new(files.path().join("attachments"));
    assert_eq!(stored.usage().unwrap().files, 1);
    // Someone who does not see the contract: not found.
    let south = t.token("south.am1").await;
    let r = t
        .client()
        .get(t.url(&path))
        .bearer_auth(&south)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_attachment_uploaded_over_the_api_gets_the_pages_checks() {
    let files = tempfile::tempdir().unwrap();
    let t = demo_with(Some(files.path())).await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "接口附件软件有限公司", "potential").await;
    let id = create(&t, &am, k).await["id"].as_i64().unwrap();
    let upload = |token: String, name: &str, bytes: Vec<u8>| {
        let (ct, body) = multipart(name, &bytes);
        t.client()
            .post(t.url(&format!("/api/v1/contracts/{id}/attachments")))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body)
    };
    let status_fields = |r: reqwest::Response| async move {
        let s = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        (s, problem_fields(&v), v)
    };
    // Not a PDF whatever its name says; too large; not multipart at all: 422 naming `file`.
    let r = upload(am.clone(), "合同.pdf", b"MZ\x90\x00 not a pdf".to_vec())
        .send()
        .await
        .unwrap();
    let (s, f, v) = status_fields(r).await;
    assert_eq!((s, f), (422, vec!["file".to_string()]), "{v}");
    assert!(v.to_string().contains("PDF、PNG 或 JPEG"), "{v}");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let (s, f, v) = status_fields(upload(am.clone(), "big.pdf", big).send().await.unwrap()).await;
    assert_eq!((s, f), (422, vec!["file".to_string()]), "{v}");
    let r = t
        .client()
        .post(t.url(&format!("/api/v1/contracts/{id}/attachments")))
        .bearer_auth(&am)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    let (s, f, v) = status_fields(r).await;
    assert_eq!((s, f), (422, vec!["file".to_string()]), "{v}");
    // Someone who does not see the contract: not found, nothing kept.
    let south = t.token("south.am1").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let r = upload(south, "scan.png", png.clone()).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (_, c) = get(&t, &am, &format!("/api/v1/contracts/{id}")).await;
    assert_eq!(c["attachments"].as_array().unwrap().len(), 0);
    // A PNG: 201 with its description, then served as what it was checked to be.
    let r = upload(am.clone(), "扫描件.png", png.clone())
        .send()
        .await
        .unwrap();
    let (s, _, a) = status_fields(r).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["content_type"], "image/png");
    assert_eq!(a["file_name"], "扫描件.png");
    let r = t
        .client()
        .get(t.url(&format!(
            "/api/v1/contracts/{id}/attachments/{}",
            a["id"].as_i64().unwrap()
        )))
        .bearer_auth(&am)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
}

#[tokio::test]
async fn a_won_deal_offers_a_contract_prefilled_from_it() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "商机转合同软件有限公司", "potential").await;
    let (s, d) = post(
        &t,
        &am,
        "/api/v1/deals",
        json!({"customer_id": k, "name": "OA 二期", "amount": "60000",
               "expected_sign_date": "2026-12-20",
               "lines": [{"product_code": "eoffice-std", "quantity": 50}]}),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let did = d["id"].as_i64().unwrap();
    let b = t.browser_as("north.am1").await;
    // Not won yet: no offer, and the form refuses it.
    let r = b
        .get(t.url(&format!("/contracts/new?deal_id={did}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    post(&t, &am, &format!("/api/v1/deals/{did}/won"), json!({})).await;
    let page = page_text(&b, &t.url(&format!("/deals/{did}"))).await;
    assert!(
        page.contains(&format!("/contracts/new?deal_id={did}")),
        "{page}"
    );
    let form = page_text(&b, &t.url(&format!("/contracts/new?deal_id={did}"))).await;
    assert!(form.contains("value=\"OA 二期\""), "{form}");
    assert!(form.contains("value=\"1200.00\""), "¥60,000 / 50: {form}");
    assert!(form.contains("value=\"eoffice-std\" selected"), "{form}");
    assert!(form.contains("value=\"2026-11-30\""), "{form}");
    // Posting the prefilled form makes the contract, linked to the deal.
    let r = b
        .post(t.url("/contracts/new"))
        .form(&[
            ("customer_id", k.to_string()),
            ("deal_id", did.to_string()),
            ("title", "OA 二期".into()),
            ("signing_date", "2026-11-30".into()),
            ("product_0", "eoffice-std".into()),
            ("quantity_0", "50".into()),
            ("unit_price_0", "1200.00".into()),
            ("tax_rate_0", "13".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, list) = get(&t, &am, &format!("/api/v1/customers/{k}/contracts")).await;
    assert_eq!(list[0]["deal_id"], did);
    assert_eq!(list[0]["total"], "60000.00");
    // A form with a bad line re-renders with the message beside it, in English for English.
    let r = b
        .post(t.url("/contracts/new"))
        .header("accept-language", "en")
        .form(&[
            ("customer_id", k.to_string()),
            ("title", "x".into()),
            ("signing_date", "2026-11-30".into()),
            ("product_0", "eoffice-std".into()),
            ("unit_price_0", "abc".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.contains("金额") || text.contains("amount"), "{text}");
}

#[tokio::test]
async fn the_contract_pages_render_for_the_roles_that_see_them() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "页面测试软件有限公司", "potential").await;
    let id = create(&t, &am, k).await["id"].as_i64().unwrap();
    let b = t.browser_as("north.am1").await;
    let list = page_text(&b, &t.url("/contracts")).await;
    assert!(
        list.contains("页面测试软件有限公司") && list.contains("¥92,000.00"),
        "{list}"
    );
    let page = page_text(&b, &t.url(&format!("/contracts/{id}"))).await;
    assert!(page.contains("id=\"act-sign\""), "{page}");
    assert!(page.contains("¥83,461.35"));
    // A month filter that is not a month is named; the page still lists.
    let r = b
        .get(t.url("/contracts?month=2026-13"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The director sees it, without the sign button (not theirs to sign? managers may).
    let d = t.browser_as("director").await;
    let page = page_text(&d, &t.url(&format!("/contracts/{id}"))).await;
    assert!(page.contains("HT-"));
    let settings = page_text(&d, &t.url("/settings/contracts")).await;
    assert!(settings.contains("name=\"threshold\""));
    assert!(!settings.contains("name=\"revenue_rule\""));
    let a = t.browser_as("admin").await;
    let settings = page_text(&a, &t.url("/settings/contracts")).await;
    assert!(settings.contains("name=\"revenue_rule\""));
    assert!(!settings.contains("name=\"threshold\""));
    // Signing through the page.
    let r = b
        .post(t.url(&format!("/contracts/{id}/act")))
        .form(&[("action", "sign")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&b, &t.url(&format!("/contracts/{id}?ok=contract_signed"))).await;
    assert!(page.contains("contract-signed"), "{page}");
}

#[tokio::test]
async fn every_role_against_one_contract_of_north_china() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "角色矩阵软件有限公司", "potential").await;
    let id = create(&t, &am, k).await["id"].as_i64().unwrap();
    // (login, GET status, may work on it, may approve it once pending), written out by hand.
    let expected: [(&str, u16, bool, bool); 11] = [
        ("admin", 403, false, false),
        ("vp", 200, true, true),
        ("director", 200, true, true),
        ("north.manager", 200, true, false),
        ("eoffice.manager", 404, false, false),
        ("north.am1", 200, true, false),
        ("north.rep", 404, false, false),
        ("north.consultant", 404, false, false),
        ("eoffice.rep1", 404, false, false),
        ("north.assistant", 200, false, false),
        ("north.telesales", 404, false, false),
    ];
    // Pending, so that approving is possible.
    put(
        &t,
        &t.token("director").await,
        "/api/v1/contract-settings",
        json!({"threshold": "1000"}),
    )
    .await;
    let (s, v) = act(&t, &am, id, "sign", "").await;
    assert_eq!(
        (s, v["status"].as_str()),
        (200, Some("pending_approval")),
        "{v}"
    );
    let mut failures = vec![];
    for (login, status, work, approve) in expected {
        let token = t.token(login).await;
        let (s, v) = get(&t, &token, &format!("/api/v1/contracts/{id}")).await;
        if s != status {
            failures.push(format!("{login}: GET {s}, expected {status}"));
            continue;
        }
        if s == 200 && (v["can_work"] != work || v["can_approve"] != approve) {
            failures.push(format!(
                "{login}: can_work {} can_approve {}",
                v["can_work"], v["can_approve"]
            ));
        }
        // Approving is refused to everyone but the director and the VP (not run for them).
        if !approve {
            let (s, _) = act(&t, &token, id, "approve", "").await;
            let want = if status == 200 { 403 } else { status };
            if s != want {
                failures.push(format!("{login}: approve {s}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
