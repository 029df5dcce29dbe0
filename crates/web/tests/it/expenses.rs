//! Business expenses and budgets over HTTP (issue 14 point 1): a claim's routed approval (the
//! manager, then the director above the threshold), returns and versions, bad input refused
//! field by field with nothing saved, receipts checked by their bytes, who sees which claim and
//! budget, the budget board's sums, and the audit trail of every write.

use chrono::{DateTime, Utc};
use reqwest::Method;
use salesdesk_app::{AppConfig, Clock};
use salesdesk_test_support::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::{api_get, api_send, problem_fields};

/// Monday 2026-11-30 10:00 in Shanghai.
fn monday_ten() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

/// The demo's organisation, on a clock standing at [`monday_ten`].
async fn demo() -> TestApp {
    let config = AppConfig {
        clock: Clock::manual(monday_ten()),
        ..AppConfig::default()
    };
    let t = TestApp::spawn_with(config).await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    t
}

/// North China, and its Beijing branch (where `north.am1` sits), of the demo.
const NORTH: i64 = 1;
const BEIJING: i64 = 2;

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(path), token, body).await
}

async fn put(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::PUT, &t.url(path), token, body).await
}

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), token).await
}

fn claim_body(amount: &str, date: &str) -> Value {
    json!({"category": "travel", "expense_date": date, "amount": amount,
           "description": "北京—上海 高铁 客户拜访"})
}

/// A claim of `amount` spent on 2026-11-20, as `token`'s; answers it (201 asserted).
async fn claim(t: &TestApp, token: &str, amount: &str) -> Value {
    let (s, v) = post(
        t,
        token,
        "/api/v1/expenses",
        claim_body(amount, "2026-11-20"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn decide(
    t: &TestApp,
    token: &str,
    id: i64,
    action: &str,
    comment: &str,
    version: Option<i64>,
) -> (u16, Value) {
    post(
        t,
        token,
        &format!("/api/v1/expenses/{id}/{action}"),
        json!({"comment": comment, "version": version}),
    )
    .await
}

/// Rows of (claims, versions, receipts, approval steps, budgets, `expense.*` audit entries).
async fn rows(t: &TestApp) -> [i64; 6] {
    let c = t.app.db.read();
    let mut out = [0; 6];
    for (k, q) in [
        "SELECT count(*) AS n FROM expenses",
        "SELECT count(*) AS n FROM expense_versions",
        "SELECT count(*) AS n FROM expense_receipts",
        "SELECT count(*) AS n FROM expense_events",
        "SELECT count(*) AS n FROM expense_budgets",
        "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'expense.%'",
    ]
    .into_iter()
    .enumerate()
    {
        let row = c
            .query_one_raw(Statement::from_string(c.get_database_backend(), q))
            .await
            .unwrap()
            .unwrap();
        out[k] = row.try_get::<i64>("", "n").unwrap();
    }
    out
}

/// Receipt files kept in the attachments directory.
fn files_kept(t: &TestApp) -> u64 {
    salesdesk_app::attachments::Attachments::new(&t.app.config.attachments_dir)
        .usage()
        .map(|u| u.files)
        .unwrap_or(0)
}

#[tokio::test]
async fn an_account_managers_claim_goes_to_their_manager_who_approves_it_below_the_threshold() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let c = claim(&t, &am, "1,200.5").await;
    let id = id_of(&c);
    assert_eq!(c["number"], format!("BX-{id:06}"));
    assert_eq!(c["state"], "pending_manager");
    assert_eq!(c["amount"], "1200.50");
    assert_eq!(c["expense_date"], "2026-11-20");
    assert_eq!(c["version"], 1);
    assert_eq!(c["needs_director"], false);
    assert_eq!(c["claimant_id"], t.person_id("north.am1").await);
    assert_eq!(c["region_id"], BEIJING);
    assert_eq!(c["approver_id"], t.person_id("north.manager").await);
    assert_eq!(c["can_decide"], false, "nobody decides their own claim");
    // It waits in the manager's queue, and only there.
    let (s, q) = get(&t, &manager, "/api/v1/expenses?waiting=true").await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["total"], 1);
    assert_eq!(q["items"][0]["id"], id);
    assert_eq!(q["items"][0]["can_decide"], true);
    let director = t.token("director").await;
    let (_, q) = get(&t, &director, "/api/v1/expenses?waiting=true").await;
    assert_eq!(q["total"], 0, "{q}");
    // The manager approves: below the threshold that ends it.
    let (s, v) = decide(&t, &manager, id, "approve", "", Some(1)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    assert_eq!(v["approver_id"], Value::Null);
    assert!(v["approved_by_name"].is_string(), "{v}");
    assert_eq!(v["can_decide"], false);
    let (_, q) = get(&t, &manager, "/api/v1/expenses?waiting=true").await;
    assert_eq!(q["total"], 0);
    // Approving it again is a conflict, not a second approval.
    let (s, v) = decide(&t, &manager, id, "approve", "", None).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.expense_already_approved");
    // The claimant's list filters by state.
    let (_, mine) = get(&t, &am, "/api/v1/expenses?state=approved").await;
    assert_eq!(mine["total"], 1);
    let (_, mine) = get(&t, &am, "/api/v1/expenses?state=pending_manager").await;
    assert_eq!(mine["total"], 0);
    let (s, v) = get(&t, &am, "/api/v1/expenses?state=lost").await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["state".to_string()]));
}

#[tokio::test]
async fn above_the_threshold_the_managers_approval_passes_it_to_the_director_who_ends_it() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let director = t.token("director").await;
    let director_id = t.person_id("director").await;
    // ¥5,000.00 is the default threshold: at it, one step; strictly above, two.
    let at = id_of(&claim(&t, &am, "5000").await);
    let (_, v) = decide(&t, &manager, at, "approve", "", None).await;
    assert_eq!(v["state"], "approved", "{v}");
    let c = claim(&t, &am, "8000").await;
    let id = id_of(&c);
    assert_eq!(c["needs_director"], true);
    let (s, v) = decide(&t, &manager, id, "approve", "同意", None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "pending_director");
    assert_eq!(v["approver_id"], director_id);
    assert!(v["manager_by_name"].is_string(), "{v}");
    // The manager's step is done: the director's is not theirs, and they are told so.
    let (s, v) = decide(&t, &manager, id, "approve", "", None).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.expense_director_step");
    let (_, q) = get(&t, &director, "/api/v1/expenses?waiting=true").await;
    assert_eq!(q["items"][0]["id"], id, "{q}");
    let (s, v) = decide(&t, &director, id, "approve", "", Some(1)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    let steps: Vec<(&str, &str)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["to_state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submit", "pending_manager"),
            ("approve", "pending_director"),
            ("approve", "approved")
        ]
    );
    // The director standing in at the first step ends it at once, whatever the amount.
    let other = id_of(&claim(&t, &am, "9000").await);
    let (s, v) = decide(&t, &director, other, "approve", "", None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    // The director lowers the threshold; the next claim of ¥2,000 needs them too.
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/settings/expenses",
        json!({"threshold": 1000, "cost_categories": ["entertainment", "gifts"]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["threshold"], "1000.00");
    let (_, v) = get(&t, &director, "/api/v1/settings/expenses").await;
    assert_eq!(v["cost_categories"], json!(["entertainment", "gifts"]));
    assert_eq!(claim(&t, &am, "2000").await["needs_director"], true);
    // An unknown category, a threshold that is no amount, and someone who may not: refused.
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/settings/expenses",
        json!({"threshold": "abc", "cost_categories": ["yachts"]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["threshold", "cost_categories"]);
    let (s, _) = put(
        &t,
        &manager,
        "/api/v1/settings/expenses",
        json!({"threshold": "99999"}),
    )
    .await;
    assert_eq!(s, 403);
    let (_, v) = get(&t, &director, "/api/v1/settings/expenses").await;
    assert_eq!(v["threshold"], "1000.00");
}

#[tokio::test]
async fn a_returned_claim_is_resubmitted_as_version_two_and_a_stale_approval_is_refused() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let id = id_of(&claim(&t, &am, "860").await);
    // Returning needs a comment.
    let (s, v) = decide(&t, &manager, id, "return", "  ", None).await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["comment".to_string()]));
    let (_, c) = get(&t, &am, &format!("/api/v1/expenses/{id}")).await;
    assert_eq!(c["state"], "pending_manager");
    let (s, v) = decide(&t, &manager, id, "return", "请补充发票", Some(1)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "returned");
    assert_eq!(v["return_comment"], "请补充发票");
    // A returned claim is the claimant's to revise: nobody approves it meanwhile.
    let (s, v) = decide(&t, &manager, id, "approve", "", None).await;
    assert_eq!(s, 409, "{v}");
    let (_, c) = get(&t, &am, &format!("/api/v1/expenses/{id}")).await;
    assert_eq!(
        (c["can_revise"].clone(), c["version"].clone()),
        (json!(true), json!(1))
    );
    // Only the claimant resubmits; they do, revised.
    let mut revised = claim_body("820", "2026-11-19");
    revised["description"] = json!("北京—上海 高铁（已附发票）");
    revised["version"] = json!(1);
    let (s, _) = post(
        &t,
        &manager,
        &format!("/api/v1/expenses/{id}/resubmit"),
        revised.clone(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = post(
        &t,
        &am,
        &format!("/api/v1/expenses/{id}/resubmit"),
        revised.clone(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["state"], "pending_manager");
    assert_eq!(v["amount"], "820.00");
    assert_eq!(v["expense_date"], "2026-11-19");
    let versions: Vec<(i64, &str)> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["version"].as_i64().unwrap(),
                x["amount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [(1, "860.00"), (2, "820.00")]);
    // Resubmitting once more is refused: it is not returned.
    let (s, v) = post(&t, &am, &format!("/api/v1/expenses/{id}/resubmit"), revised).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.expense_not_returned");
    // The manager who still looks at version 1 cannot approve it blindly.
    let (s, v) = decide(&t, &manager, id, "approve", "", Some(1)).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(problem_fields(&v), ["version"]);
    assert_eq!(v["errors"][0]["code"], "error.expense_changed");
    let (s, v) = decide(&t, &manager, id, "approve", "", Some(2)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    let actions: Vec<(i64, &str)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["version"].as_i64().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            (1, "submit"),
            (1, "return"),
            (2, "resubmit"),
            (2, "approve")
        ]
    );
}

#[tokio::test]
async fn bad_claims_and_budgets_are_refused_naming_the_field_and_nothing_is_saved() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let director = t.token("director").await;
    let before = rows(&t).await;
    let other = t.person_id("north.am2").await;
    let mut on_behalf = claim_body("100", "2026-11-20");
    on_behalf["claimant_id"] = json!(other);
    let cases: [(Value, &str, &str); 8] = [
        (
            claim_body("-5", "2026-11-20"),
            "amount",
            "error.expense_amount_positive",
        ),
        (
            claim_body("0", "2026-11-20"),
            "amount",
            "error.expense_amount_positive",
        ),
        (
            claim_body("12.345", "2026-11-20"),
            "amount",
            "error.money_decimals",
        ),
        (
            claim_body("100", "2026-12-01"),
            "expense_date",
            "error.expense_date_future",
        ),
        (
            claim_body("100", "2026/11/20"),
            "expense_date",
            "error.date_format",
        ),
        (
            json!({"category": "yachts", "expense_date": "2026-11-20", "amount": "100", "description": "游艇"}),
            "category",
            "error.expense_category",
        ),
        (
            json!({"category": "travel", "expense_date": "2026-11-20", "amount": "100", "description": ""}),
            "description",
            "error.required",
        ),
        (on_behalf, "claimant_id", "error.expense_on_behalf"),
    ];
    for (body, field, code) in cases {
        let (s, v) = post(&t, &am, "/api/v1/expenses", body.clone()).await;
        assert_eq!(s, 422, "{body}: {v}");
        assert_eq!(problem_fields(&v), [field], "{body}: {v}");
        assert_eq!(v["errors"][0]["code"], code, "{body}: {v}");
        assert!(v["errors"][0]["message"].as_str().unwrap().len() > 3, "{v}");
    }
    // Naming oneself is fine.
    let mut mine = claim_body("100", "2026-11-20");
    mine["claimant_id"] = json!(t.person_id("north.am1").await);
    let (s, v) = post(&t, &am, "/api/v1/expenses", mine).await;
    assert_eq!(s, 201, "{v}");
    let after_one = rows(&t).await;
    assert_eq!(after_one[0], before[0] + 1, "only the good claim is saved");
    // Nobody decides their own claim: the manager's goes to the director, the director's to
    // the VP, and neither may approve it themselves.
    for login in ["north.manager", "director"] {
        let token = t.token(login).await;
        let id = id_of(&claim(&t, &token, "300").await);
        let (s, v) = decide(&t, &token, id, "approve", "", None).await;
        assert_eq!(s, 409, "{login}: {v}");
        assert_eq!(v["errors"][0]["code"], "error.expense_own");
        let (_, c) = get(&t, &token, &format!("/api/v1/expenses/{id}")).await;
        assert_eq!(c["state"], "pending_manager", "{login}");
    }
    let (_, c) = get(&t, &director, "/api/v1/expenses?waiting=true").await;
    assert_eq!(
        c["total"], 1,
        "the regional manager's claim waits for the director"
    );
    let (_, c) = get(&t, &t.token("vp").await, "/api/v1/expenses?waiting=true").await;
    assert_eq!(c["total"], 1, "the director's claim waits for the VP");
    // Budgets: a period that has ended, no such region, a negative amount, a period that is no
    // period — each named, none saved.
    let budgets_before = rows(&t).await[4];
    for (body, field) in [
        (
            json!({"region_id": NORTH, "period": "2026-10", "amount": "1000"}),
            "period",
        ),
        (
            json!({"region_id": 999_999, "period": "2026-12", "amount": "1000"}),
            "region_id",
        ),
        (
            json!({"region_id": NORTH, "period": "2026-12", "amount": "-1"}),
            "amount",
        ),
        (
            json!({"region_id": NORTH, "period": "2026-13", "amount": "1"}),
            "period",
        ),
    ] {
        let (s, v) = put(&t, &director, "/api/v1/budgets", body.clone()).await;
        assert_eq!(s, 422, "{body}: {v}");
        assert_eq!(problem_fields(&v), [field], "{body}: {v}");
    }
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/budgets",
        json!({"region_id": NORTH, "period": "2026-10", "amount": "1000"}),
    )
    .await;
    assert_eq!(
        v["errors"][0]["code"], "error.budget_period_closed",
        "{s} {v}"
    );
    assert_eq!(rows(&t).await[4], budgets_before);
    let (_, board) = get(&t, &director, "/api/v1/budgets?period=2026-10").await;
    assert_eq!(board["rows"][0]["budget"], Value::Null, "{board}");
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "expenseBoundary42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(t: &TestApp, token: &str, id: i64, name: &str, bytes: &[u8]) -> (u16, Value) {
    let (ct, body) = multipart(name, bytes);
    let r = t
        .client()
        .post(t.url(&format!("/api/v1/expenses/{id}/receipts")))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    crate::status_json(r).await
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[tokio::test]
async fn receipts_are_checked_by_size_type_and_extension_and_served_to_who_sees_the_claim() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let id = id_of(&claim(&t, &am, "450").await);
    let before = rows(&t).await;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    for (name, bytes, code) in [
        ("big.pdf", big.as_slice(), "error.attachment_too_large"),
        (
            "发票.pdf",
            b"MZ\x90\x00 not a pdf".as_slice(),
            "error.attachment_type",
        ),
        ("发票.pdf", PNG, "error.attachment_mismatch"),
        ("发票.jpg", PDF, "error.attachment_mismatch"),
        ("发票.docx", PDF, "error.attachment_mismatch"),
        ("empty.pdf", b"".as_slice(), "error.attachment_empty"),
    ] {
        let (s, v) = upload(&t, &am, id, name, bytes).await;
        assert_eq!(s, 422, "{name}: {v}");
        assert_eq!(problem_fields(&v), ["file"], "{name}: {v}");
        assert_eq!(v["errors"][0]["code"], code, "{name}: {v}");
    }
    // Not multipart at all.
    let r = t
        .client()
        .post(t.url(&format!("/api/v1/expenses/{id}/receipts")))
        .bearer_auth(&am)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    let (s, v) = crate::status_json(r).await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["file".to_string()]));
    // Someone else's claim: the manager who sees it may not add to it; another region's
    // manager does not see it.
    let (s, _) = upload(&t, &manager, id, "scan.png", PNG).await;
    assert_eq!(s, 403);
    let (s, _) = upload(&t, &t.token("east.manager").await, id, "scan.png", PNG).await;
    assert_eq!(s, 404);
    assert_eq!(rows(&t).await, before, "nothing saved");
    assert_eq!(files_kept(&t), 0, "no file kept");
    // A PDF and a PNG: kept, listed, served as what their bytes are.
    let (s, v) = upload(&t, &am, id, "高铁票.pdf", PDF).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = upload(&t, &am, id, "scan", PNG).await;
    assert_eq!(s, 201, "{v}");
    let receipts = v["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0]["file_name"], "高铁票.pdf");
    assert_eq!(receipts[0]["content_type"], "application/pdf");
    assert_eq!(receipts[0]["size"], PDF.len());
    assert_eq!(receipts[1]["content_type"], "image/png");
    assert_eq!(files_kept(&t), 2);
    let rid = receipts[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/expenses/{id}/receipts/{rid}");
    for (login, status) in [
        ("north.am1", 200),
        ("north.manager", 200),
        ("director", 200),
        ("east.manager", 404),
        ("north.am2", 404),
    ] {
        let r = t
            .client()
            .get(t.url(&path))
            .bearer_auth(t.token(login).await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{login}");
        if status == 200 {
            assert_eq!(r.headers()["content-type"], "application/pdf");
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
            let cd = r.headers()["content-disposition"].to_str().unwrap();
            assert!(cd.starts_with("attachment;"), "{cd}");
            assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
        }
    }
    // A receipt of another claim is not found under this one.
    let other = id_of(&claim(&t, &am, "10").await);
    let (s, _) = get(&t, &am, &format!("/api/v1/expenses/{other}/receipts/{rid}")).await;
    assert_eq!(s, 404);
    // Once approved, its receipts are final.
    decide(&t, &manager, id, "approve", "", None).await;
    let (s, v) = upload(&t, &am, id, "late.png", PNG).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.expense_already_approved");
}

#[tokio::test]
async fn a_claim_is_seen_by_its_claimant_their_manager_and_the_director_and_not_found_elsewhere() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let id = id_of(&claim(&t, &am, "320").await);
    let path = format!("/api/v1/expenses/{id}");
    for (login, status) in [
        ("north.am1", 200),
        ("north.manager", 200),
        ("director", 200),
        ("vp", 200),
        ("east.manager", 404),
        ("eoffice.manager", 404),
        ("north.am2", 404),
        ("north.rep", 404),
        ("admin", 404),
    ] {
        let token = t.token(login).await;
        let (s, v) = get(&t, &token, &path).await;
        assert_eq!(s, status, "{login}: {v}");
        // The lists agree with the claim itself.
        let (_, list) = get(&t, &token, "/api/v1/expenses").await;
        let listed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id);
        assert_eq!(listed, status == 200, "{login}: {list}");
        // Deciding what one does not see is "not found" too, and changes nothing.
        if status == 404 {
            let (s, _) = decide(&t, &token, id, "return", "看不到", None).await;
            assert_eq!(s, 404, "{login}");
        }
    }
    let (_, c) = get(&t, &am, &path).await;
    assert_eq!(c["state"], "pending_manager");
    // Filters narrow what is seen.
    let director = t.token("director").await;
    for (q, n) in [
        (format!("region_id={NORTH}"), 1),
        ("region_id=4".to_string(), 0),
        (format!("claimant_id={}", t.person_id("north.am1").await), 1),
        ("category=travel".into(), 1),
        ("category=gifts".into(), 0),
        ("from=2026-11-20&to=2026-11-20".into(), 1),
        ("from=2026-11-21".into(), 0),
    ] {
        let (s, v) = get(&t, &director, &format!("/api/v1/expenses?{q}")).await;
        assert_eq!((s, v["total"].as_i64()), (200, Some(n)), "{q}: {v}");
    }
}

#[tokio::test]
async fn budgets_are_the_directors_to_set_a_regional_managers_to_read_for_their_region_only() {
    let t = demo().await;
    let director = t.token("director").await;
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/budgets",
        json!({"region_id": NORTH, "period": "2026-11", "amount": "20,000"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["period"], "2026-11");
    assert_eq!(v["may_set"], true);
    let regions: Vec<i64> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region_id"].as_i64().unwrap())
        .collect();
    assert!(regions.len() >= 10, "every region: {regions:?}");
    let north = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region_id"] == NORTH)
        .unwrap();
    assert_eq!(north["budget"], "20000.00");
    // North China's manager: North China and its branches, read only.
    let manager = t.token("north.manager").await;
    let (s, v) = get(&t, &manager, "/api/v1/budgets?period=2026-11").await;
    assert_eq!(s, 200, "{v}");
    let mut regions: Vec<i64> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region_id"].as_i64().unwrap())
        .collect();
    regions.sort_unstable();
    assert_eq!(regions, [NORTH, BEIJING, 3]);
    assert_eq!(v["may_set"], false);
    assert_eq!(v["rows"][0]["budget"], "20000.00", "{v}");
    let (s, _) = put(
        &t,
        &manager,
        "/api/v1/budgets",
        json!({"region_id": NORTH, "period": "2026-12", "amount": "1"}),
    )
    .await;
    assert_eq!(s, 403);
    // Staff do not open the budgets at all.
    for login in ["north.am1", "north.rep", "north.assistant", "eoffice.rep1"] {
        let (s, v) = get(&t, &t.token(login).await, "/api/v1/budgets").await;
        assert_eq!(s, 403, "{login}: {v}");
    }
    // A period that is no period.
    let (s, v) = get(&t, &director, "/api/v1/budgets?period=Q4").await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["period".to_string()]));
    // Replacing a budget keeps one row per region and period.
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/budgets",
        json!({"region_id": NORTH, "period": "2026-11", "amount": 15000}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(rows(&t).await[4], 1);
}

#[tokio::test]
async fn the_budget_board_adds_up_approved_and_pending_claims_and_a_claim_above_it_is_flagged() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let am2 = t.token("north.am2").await;
    let manager = t.token("north.manager").await;
    let director = t.token("director").await;
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/budgets",
        json!({"region_id": NORTH, "period": "2026-11", "amount": "10000"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Approved 3,000 + 4,000; pending 2,000 (and 1,500 returned, which does not count).
    let a = id_of(&claim(&t, &am, "3000").await);
    let b = id_of(&claim(&t, &am2, "2000").await);
    let c = id_of(&claim(&t, &am, "1500").await);
    let d = id_of(&claim(&t, &am2, "4000").await);
    for id in [a, d] {
        let (s, v) = decide(&t, &manager, id, "approve", "", None).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("approved")), "{v}");
    }
    let (s, _) = decide(&t, &manager, c, "return", "重复报销", None).await;
    assert_eq!(s, 200);
    // Another region's claim counts there, not here.
    let east = t.token("east.am1").await;
    claim(&t, &east, "700").await;
    let (s, board) = get(&t, &director, "/api/v1/budgets?period=2026-11").await;
    assert_eq!(s, 200, "{board}");
    let row = |board: &Value, region: i64| -> Value {
        board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["region_id"] == region)
            .cloned()
            .unwrap()
    };
    let north = row(&board, NORTH);
    assert_eq!(north["budget"], "10000.00");
    assert_eq!(north["approved"], "7000.00");
    assert_eq!(north["pending"], "2000.00");
    assert_eq!(north["left"], "1000.00");
    assert_eq!(north["percent_used"], 90);
    assert_eq!(north["over"], false);
    assert_eq!(north["months"][10], "7000.00", "November");
    assert_eq!(north["months"][9], "0.00");
    // The Beijing branch has no budget of its own; its spend is inside North China's.
    let beijing = row(&board, BEIJING);
    assert_eq!(beijing["budget"], Value::Null);
    assert_eq!(beijing["approved"], "7000.00");
    assert_eq!(beijing["left"], Value::Null);
    assert_eq!(row(&board, 4)["pending"], "700.00");
    assert_eq!(board["total_approved"], "7000.00");
    assert_eq!(board["total_pending"], "2700.00");
    assert_eq!(board["total_budget"], "10000.00");
    // The quarter and the year read the same claims.
    let (_, q4) = get(&t, &director, "/api/v1/budgets?period=2026-Q4").await;
    assert_eq!(row(&q4, NORTH)["approved"], "7000.00");
    assert_eq!(row(&q4, NORTH)["budget"], Value::Null);
    // A claim within what is left carries North China's budget, not over.
    let (_, first) = get(&t, &am, &format!("/api/v1/expenses/{a}")).await;
    assert_eq!(first["budget_checks"][0]["committed"], "9000.00", "{first}");
    assert_eq!(first["budget_checks"][0]["over"], false);
    // A claim of 1,500 would take North China above its budget: it carries the warning, and
    // is still made.
    let e = claim(&t, &am, "1500").await;
    let checks = e["budget_checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "{e}");
    assert_eq!(checks[0]["region_id"], NORTH);
    assert_eq!(checks[0]["period"], "2026-11");
    assert_eq!(checks[0]["budget"], "10000.00");
    assert_eq!(checks[0]["committed"], "10500.00");
    assert_eq!(checks[0]["over"], true);
    let (_, first) = get(&t, &am, &format!("/api/v1/expenses/{a}")).await;
    assert_eq!(
        first["budget_checks"][0]["over"], true,
        "the month is over now"
    );
    let (_, board) = get(&t, &director, "/api/v1/budgets?period=2026-11").await;
    let north = row(&board, NORTH);
    assert_eq!(north["pending"], "3500.00");
    assert_eq!(north["left"], "-500.00");
    assert_eq!(north["over"], true);
    // The returned claim, resubmitted, counts again; returning the pending one takes it out.
    let mut revised = claim_body("1500", "2026-11-20");
    revised["version"] = json!(1);
    let (s, v) = post(&t, &am, &format!("/api/v1/expenses/{c}/resubmit"), revised).await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = decide(&t, &manager, b, "return", "金额有误", None).await;
    assert_eq!(s, 200);
    let (_, board) = get(&t, &director, "/api/v1/budgets?period=2026-11").await;
    let north = row(&board, NORTH);
    assert_eq!(
        (north["approved"].as_str(), north["pending"].as_str()),
        (Some("7000.00"), Some("3000.00"))
    );
    // What the database keeps equals the claims counted again.
    let db = t.app.db.read();
    assert_eq!(
        salesdesk_store::expenses::totals(db, 202601, 202612)
            .await
            .unwrap(),
        salesdesk_store::expenses::recount(db).await.unwrap()
    );
}

#[tokio::test]
async fn every_write_on_claims_budgets_and_settings_is_in_the_audit_log() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let director = t.token("director").await;
    let vp = t.token("vp").await;
    let id = id_of(&claim(&t, &am, "6000").await);
    upload(&t, &am, id, "票据.pdf", PDF).await;
    decide(&t, &manager, id, "return", "请拆分", None).await;
    let (s, _) = post(
        &t,
        &am,
        &format!("/api/v1/expenses/{id}/resubmit"),
        claim_body("5800", "2026-11-20"),
    )
    .await;
    assert_eq!(s, 200);
    decide(&t, &manager, id, "approve", "", None).await;
    let (s, v) = decide(&t, &director, id, "approve", "", None).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("approved")), "{v}");
    let (s, v) = get(
        &t,
        &vp,
        &format!("/api/v1/audit?entity_type=expense&entity_id={id}&per_page=50"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let mut actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "expense.approve",
            "expense.approve",
            "expense.attach",
            "expense.create",
            "expense.resubmit",
            "expense.return"
        ]
    );
    let me = t.person_id("north.am1").await;
    let create = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["action"] == "expense.create")
        .unwrap();
    assert_eq!(create["actor_id"], me);
    assert_eq!(create["after"]["amount"], "6000.00", "{create}");
    // A budget names its region and the amount it replaces; the settings their values.
    for amount in ["1000", "1200"] {
        let (s, _) = put(
            &t,
            &director,
            "/api/v1/budgets",
            json!({"region_id": NORTH, "period": "2026", "amount": amount}),
        )
        .await;
        assert_eq!(s, 200);
    }
    let (_, v) = get(
        &t,
        &vp,
        &format!("/api/v1/audit?action=expense.budget&entity_type=region&entity_id={NORTH}"),
    )
    .await;
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    let latest = items
        .iter()
        .find(|x| x["after"]["amount"] == "1200.00")
        .unwrap();
    assert_eq!(latest["before"]["amount"], "1000.00", "{latest}");
    assert_eq!(latest["after"]["period"], "2026");
    let (s, _) = put(
        &t,
        &director,
        "/api/v1/settings/expenses",
        json!({"threshold": "8000", "cost_categories": ["gifts"]}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, v) = get(&t, &vp, "/api/v1/audit?action=settings.expenses").await;
    assert_eq!(v["items"][0]["after"]["threshold_fen"], 800_000, "{v}");
    // A refused write leaves no entry.
    let before = rows(&t).await[5];
    let (s, _) = decide(&t, &manager, id, "approve", "", None).await;
    assert_eq!(s, 409);
    assert_eq!(rows(&t).await[5], before);
}

#[tokio::test]
async fn a_claim_retried_with_the_same_idempotency_key_is_made_once_and_a_cross_site_one_never() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let send = |key: &'static str| {
        t.client()
            .post(t.url("/api/v1/expenses"))
            .bearer_auth(&am)
            .header("Idempotency-Key", key)
            .json(&claim_body("388", "2026-11-20"))
            .send()
    };
    let first = send("5d1c6a0e-claim-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    let again = send("5d1c6a0e-claim-1").await.unwrap();
    assert_eq!(again.status(), 201);
    assert!(again.headers().get("idempotent-replayed").is_some());
    assert_eq!(
        again.text().await.unwrap(),
        first,
        "the first answer, again"
    );
    assert_eq!(rows(&t).await[0], 1, "one claim, not two to reimburse");
    // Another key is another claim (two trips of the same price are possible).
    assert_eq!(send("5d1c6a0e-claim-2").await.unwrap().status(), 201);
    assert_eq!(rows(&t).await[0], 2);
    // A request another site's page makes is refused before it is run.
    let r = t
        .client()
        .post(t.url("/api/v1/expenses"))
        .bearer_auth(&am)
        .header("sec-fetch-site", "cross-site")
        .json(&claim_body("388", "2026-11-20"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(rows(&t).await[0], 2);
}

/// A claim made for a customer follows it when the customer is merged into another: it names
/// the kept customer, not nobody.
#[tokio::test]
async fn a_claim_for_a_merged_customer_names_the_kept_one() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let mut ids = vec![];
    for name in ["北京华宇软件有限公司", "华宇软件（北京）"] {
        let (s, c) = post(
            &t,
            &am,
            "/api/v1/customers",
            json!({"name": name, "distinct": true}),
        )
        .await;
        assert_eq!(s, 201, "{c}");
        ids.push(id_of(&c));
    }
    let (keep, dup) = (ids[0], ids[1]);
    let mut body = claim_body("320.00", "2026-11-20");
    body["customer_id"] = json!(dup);
    let (s, c) = post(&t, &am, "/api/v1/expenses", body).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["customer_id"], dup);
    let mgr = t.token("north.manager").await;
    let (s, m) = post(
        &t,
        &mgr,
        &format!("/api/v1/customers/{keep}/merge"),
        json!({"duplicate_id": dup}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    let (s, now) = get(&t, &am, &format!("/api/v1/expenses/{}", id_of(&c))).await;
    assert_eq!(s, 200, "{now}");
    assert_eq!(now["customer_id"], keep, "{now}");
    let (_, listed) = get(&t, &am, &format!("/api/v1/expenses?customer_id={keep}")).await;
    assert_eq!(listed["total"], 1, "{listed}");
}
