//! Quotations (issue 13 point 2): versions of a deal, lines and their rounded totals, the
//! discount limit and the manager's approval before sending, rejection and a new version, bad
//! input refused whole and in the user's language, who sees and decides what, the pages without
//! JavaScript and the printed page.

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

async fn demo() -> TestApp {
    let t = TestApp::spawn_with(AppConfig {
        clock: Clock::manual(monday_ten()),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed_org(&t.app).await.expect("demo");
    t
}

async fn send(t: &TestApp, token: &str, method: Method, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), method, &t.url(path), token, body).await
}

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(t, token, Method::POST, path, body).await
}

async fn put(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(t, token, Method::PUT, path, body).await
}

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), token).await
}

/// An open deal of `north.am1` on a new potential customer, with 10 × eoffice-std: its id.
async fn deal(t: &TestApp, name: &str) -> i64 {
    let token = t.token("north.am1").await;
    let (s, v) = post(t, &token, "/api/v1/customers", json!({"name": name})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert!(
        salesdesk_store::customers::set_status(
            t.app.db.read(),
            id,
            v["status"].as_str().unwrap(),
            "potential",
            Utc::now()
        )
        .await
        .unwrap()
    );
    let (s, d) = post(
        t,
        &token,
        "/api/v1/deals",
        json!({"customer_id": id, "name": "OA 协同办公平台", "amount": "12万",
               "expected_sign_date": "2026-12-20",
               "lines": [{"product_code": "eoffice-std", "quantity": 10}]}),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    d["id"].as_i64().unwrap()
}

/// Where a page's post-redirect-get leads, and that page's text (the browser client does not
/// follow redirects by itself).
async fn follow(t: &TestApp, b: &reqwest::Client, r: reqwest::Response) -> (String, String) {
    assert_eq!(r.status(), 303, "a redirect after the post");
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let text = page_text(b, &t.url(&to)).await;
    (to, text)
}

/// One line: 10 × ¥12,800.00 at `discount` % off, 13 % tax.
fn lines(discount: &str) -> Value {
    json!({"valid_until": "2026-12-30", "note": "含一年免费升级",
           "lines": [{"product_code": "eoffice-std", "quantity": 10, "list_price": "12,800",
                      "discount": discount, "tax_rate": "13"}]})
}

#[tokio::test]
async fn a_discount_above_the_limit_waits_for_the_owners_manager_then_is_sent_and_printed() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let d = deal(&t, "报价一号科技有限公司").await;

    // v1 starts from the deal's products, priced ¥0.00 to fill in.
    let (s, q) = post(&t, &am, &format!("/api/v1/deals/{d}/quotes"), json!({})).await;
    assert_eq!(s, 201, "{q}");
    assert_eq!(
        (q["version"].as_i64(), q["state"].as_str()),
        (Some(1), Some("draft"))
    );
    assert_eq!(q["lines"][0]["product_code"], "eoffice-std");
    assert_eq!(q["lines"][0]["quantity"], 10);
    assert_eq!(q["lines"][0]["list_price"], "0.00");
    let id = q["id"].as_i64().unwrap();
    let (s, v) = post(&t, &am, &format!("/api/v1/quotes/{id}/send"), json!({})).await;
    assert_eq!(s, 409, "nothing priced yet: {v}");

    // 10 × ¥12,800 = ¥128,000; 15 % off = ¥108,800; 13 % tax = ¥14,144; ¥122,944 in all.
    let (s, q) = put(&t, &am, &format!("/api/v1/quotes/{id}"), lines("15")).await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["list_amount"], "128000.00");
    assert_eq!(q["net"], "108800.00");
    assert_eq!(q["tax"], "14144.00");
    assert_eq!(q["gross"], "122944.00");
    assert_eq!(q["lines"][0]["discount"], "15");
    assert_eq!(q["needs_approval"], true, "15 % is above the default 10 %");

    // Above the limit: not sent before approval.
    let (s, v) = post(&t, &am, &format!("/api/v1/quotes/{id}/send"), json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.quote_needs_approval");
    let (s, q) = post(&t, &am, &format!("/api/v1/quotes/{id}/submit"), json!({})).await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["state"], "pending");
    assert_eq!(q["approver_id"], t.person_id("north.manager").await);

    // The one who asked may not decide; another region's manager does not even see it.
    let (s, _) = post(&t, &am, &format!("/api/v1/quotes/{id}/approve"), json!({})).await;
    assert_eq!(s, 403);
    let south = t.token("south.manager").await;
    let (s, _) = post(
        &t,
        &south,
        &format!("/api/v1/quotes/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(s, 404);
    let (_, mine) = get(&t, &south, "/api/v1/quote-approvals").await;
    assert_eq!(mine["total"], 0);

    // The manager's queue holds it, and the manager was told.
    let (_, queue) = get(&t, &manager, "/api/v1/quote-approvals").await;
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["id"], id);
    let (_, notes) = get(&t, &manager, "/api/v1/notifications").await;
    assert!(notes.to_string().contains("quote_submitted"), "{notes}");
    let (s, q) = post(
        &t,
        &manager,
        &format!("/api/v1/quotes/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["state"], "approved");
    let (s, v) = post(
        &t,
        &manager,
        &format!("/api/v1/quotes/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    let (_, queue) = get(&t, &manager, "/api/v1/quote-approvals").await;
    assert_eq!(queue["total"], 0);

    // Approved: no more edits; sent once.
    let (s, v) = put(&t, &am, &format!("/api/v1/quotes/{id}"), lines("5")).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(problem_fields(&v), ["state"]);
    let (s, q) = post(&t, &am, &format!("/api/v1/quotes/{id}/send"), json!({})).await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["state"], "sent");
    let (s, v) = put(&t, &am, &format!("/api/v1/quotes/{id}"), lines("5")).await;
    assert_eq!(s, 409, "a sent quotation is not edited: {v}");
    assert_eq!(v["errors"][0]["code"], "error.quote_not_editable");
    let (_, q) = get(&t, &am, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(
        (q["gross"].as_str(), q["lines"][0]["discount"].as_str()),
        (Some("122944.00"), Some("15"))
    );

    // Every step is in the audit log.
    let vp = t.token("vp").await;
    let (_, log) = get(
        &t,
        &vp,
        &format!("/api/v1/audit?entity_type=quote&entity_id={id}"),
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "quote.create",
        "quote.update",
        "quote.submit",
        "quote.approve",
        "quote.send",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }

    // The printed page: company name from the settings, customer, total with separators, the
    // total in capital numerals, no navigation.
    let director = t.token("director").await;
    let (s, v) = put(
        &t,
        &director,
        "/api/v1/settings/quotes",
        json!({"company_name": "华信协同软件有限公司", "discount_limit": "10", "validity_days": 30}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url(&format!("/quotes/{id}/print"))).await;
    for needle in [
        "华信协同软件有限公司",
        "报价一号科技有限公司",
        "¥122,944.00",
        "¥12,800.00",
        "壹拾贰万贰仟玖佰肆拾肆元整",
        "2026-12-30",
        "quote-print.css",
    ] {
        assert!(page.contains(needle), "{needle} in {page}");
    }
    assert!(
        !page.contains("class=\"top\""),
        "no navigation on the printed page"
    );
    assert!(
        !page.contains("草稿"),
        "a sent quotation is not marked draft"
    );
    let css = page_text(&b, &t.url("/static/quote-print.css")).await;
    assert!(css.contains("@media print") && css.contains("size: A4"));
}

#[tokio::test]
async fn within_the_limit_a_draft_is_sent_directly_and_a_rejection_needs_a_comment_then_a_new_version()
 {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let d = deal(&t, "报价二号科技有限公司").await;
    let (_, v1) = post(&t, &am, &format!("/api/v1/deals/{d}/quotes"), json!({})).await;
    let v1 = v1["id"].as_i64().unwrap();
    // Equal to the limit is within it: no approval, sent directly.
    let (_, q) = put(&t, &am, &format!("/api/v1/quotes/{v1}"), lines("10")).await;
    assert_eq!(q["needs_approval"], false, "{q}");
    let (s, v) = post(&t, &am, &format!("/api/v1/quotes/{v1}/submit"), json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.quote_no_approval_needed");

    // v2 copies v1's lines and prices.
    let (s, v2) = post(&t, &am, &format!("/api/v1/deals/{d}/quotes"), json!({})).await;
    assert_eq!(s, 201, "{v2}");
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["lines"][0]["list_price"], "12800.00");
    assert_eq!(v2["gross"], "130176.00");
    let v2 = v2["id"].as_i64().unwrap();
    put(&t, &am, &format!("/api/v1/quotes/{v2}"), lines("20")).await;
    let (s, _) = post(&t, &am, &format!("/api/v1/quotes/{v2}/submit"), json!({})).await;
    assert_eq!(s, 200);
    // A rejection needs a comment; with one it is final for this version.
    let (s, v) = post(
        &t,
        &manager,
        &format!("/api/v1/quotes/{v2}/reject"),
        json!({"comment": " "}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["comment"]);
    let (_, still) = get(&t, &am, &format!("/api/v1/quotes/{v2}")).await;
    assert_eq!(still["state"], "pending");
    let (s, q) = post(
        &t,
        &manager,
        &format!("/api/v1/quotes/{v2}/reject"),
        json!({"comment": "折扣过大，请控制在 15% 以内"}),
    )
    .await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["state"], "rejected");
    assert_eq!(q["decision_comment"], "折扣过大，请控制在 15% 以内");
    let (s, v) = post(&t, &am, &format!("/api/v1/quotes/{v2}/send"), json!({})).await;
    assert_eq!(
        (s, v["errors"][0]["code"].as_str()),
        (409, Some("error.quote_rejected"))
    );
    let (_, notes) = get(&t, &am, "/api/v1/notifications").await;
    assert!(notes.to_string().contains("折扣过大"), "{notes}");

    // v3 copies v2; the director raises the limit to 25 %, and the next save of v3 no longer
    // needs approval.
    let (_, v3) = post(&t, &am, &format!("/api/v1/deals/{d}/quotes"), json!({})).await;
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["lines"][0]["discount"], "20");
    let v3 = v3["id"].as_i64().unwrap();
    let director = t.token("director").await;
    let (s, set) = put(
        &t,
        &director,
        "/api/v1/settings/quotes",
        json!({"company_name": "", "discount_limit": "25", "validity_days": "15"}),
    )
    .await;
    assert_eq!(s, 200, "{set}");
    let (_, q) = put(&t, &am, &format!("/api/v1/quotes/{v3}"), lines("20")).await;
    assert_eq!(q["needs_approval"], false, "{q}");
    let (s, q) = post(&t, &am, &format!("/api/v1/quotes/{v3}/send"), json!({})).await;
    assert_eq!((s, q["state"].as_str()), (200, Some("sent")), "{q}");
    // An account manager may not set the limit.
    let (s, _) = put(
        &t,
        &am,
        "/api/v1/settings/quotes",
        json!({"discount_limit": "90", "validity_days": 30}),
    )
    .await;
    assert_eq!(s, 403);

    let (_, all) = get(&t, &am, &format!("/api/v1/deals/{d}/quotes")).await;
    let versions: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    // The customer's quotations, through the API.
    let cid = all[0]["customer_id"].as_i64().unwrap();
    let (_, theirs) = get(&t, &am, &format!("/api/v1/customers/{cid}/quotes")).await;
    assert_eq!(theirs["total"], 3);

    // No new version on a won deal.
    let (s, _) = post(&t, &am, &format!("/api/v1/deals/{d}/won"), json!({})).await;
    assert_eq!(s, 200);
    let (s, v) = post(&t, &am, &format!("/api/v1/deals/{d}/quotes"), json!({})).await;
    assert_eq!(
        (s, v["errors"][0]["code"].as_str()),
        (409, Some("error.quote_deal_closed"))
    );
}

#[tokio::test]
async fn bad_lines_are_refused_field_by_field_in_the_users_language_and_nothing_is_saved() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let d = deal(&t, "报价三号科技有限公司").await;
    let (_, q) = post(&t, &am, &format!("/api/v1/deals/{d}/quotes"), json!({})).await;
    let id = q["id"].as_i64().unwrap();
    let before = q["version_token"].clone();
    let line = |product: &str, quantity: Value, price: &str, discount: &str| {
        json!({"product_code": product, "quantity": quantity, "list_price": price,
               "discount": discount, "tax_rate": "13"})
    };
    let body = json!({"valid_until": "2026-11-01", "lines": [
        line("eoffice-std", json!(1), "100", "100.01"),
        line("eoffice-pro", json!(1), "100", "-1"),
        line("eoffice-std", json!(0), "100", "5"),
        line("eoffice-std", json!(2.5), "100", "5"),
        line("eoffice-std", json!(1), "1.234", "5"),
        line("no-such-product", json!(1), "100", "5"),
        line("eoffice-std", json!(1), "abc", "12.345"),
    ]});
    let (s, v) = put(&t, &am, &format!("/api/v1/quotes/{id}"), body.clone()).await;
    assert_eq!(s, 422, "{v}");
    let mut fields = problem_fields(&v);
    fields.sort();
    assert_eq!(
        fields,
        [
            "lines[0].discount",
            "lines[1].discount",
            "lines[2].quantity",
            "lines[3].quantity",
            "lines[4].list_price",
            "lines[5].product",
            "lines[6].discount",
            "lines[6].list_price",
            "valid_until",
        ]
    );
    let msg = v.to_string();
    assert!(msg.contains("百分比应在 0 到 100 之间"), "{msg}");
    assert!(msg.contains("金额最多两位小数"), "{msg}");
    assert!(msg.contains("数量为 1 到 1000000 的整数"), "{msg}");
    // Nothing was written.
    let (_, after) = get(&t, &am, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(after["version_token"], before);
    assert_eq!(after["lines"][0]["list_price"], "0.00");
    assert_eq!(after["valid_until"], "2026-12-30", "today + 30 days");
    // No lines at all is refused too.
    let (s, v) = put(
        &t,
        &am,
        &format!("/api/v1/quotes/{id}"),
        json!({"valid_until": "2026-12-30", "lines": []}),
    )
    .await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["lines".to_string()]));

    // In English for someone who reads English.
    let (s, _) = send(
        &t,
        &am,
        Method::PATCH,
        "/api/v1/me",
        json!({"locale": "en"}),
    )
    .await;
    assert!(s < 300);
    let (s, v) = put(&t, &am, &format!("/api/v1/quotes/{id}"), body).await;
    assert_eq!(s, 422);
    let msg = v.to_string();
    assert!(msg.contains("A percentage is between 0 and 100."), "{msg}");
    assert!(
        msg.contains("Choose a product from the products list."),
        "{msg}"
    );

    // The page's form: the same refusal beside each field, the typed values kept.
    let b = t.browser_as("north.am1").await;
    let r = b
        .post(t.url(&format!("/quotes/{id}")))
        .form(&[
            ("rows", "1"),
            ("row_version", "1"),
            ("valid_until", "2026-12-30"),
            ("product_0", "eoffice-std"),
            ("quantity_0", "1.5"),
            ("list_price_0", "99.999"),
            ("discount_0", "12"),
            ("tax_rate_0", "13"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("The quantity is a whole number from 1 to 1000000."),
        "{page}"
    );
    assert!(
        page.contains("An amount has at most two decimals (fen)."),
        "{page}"
    );
    assert!(page.contains("value=\"99.999\""), "{page}");
}

#[tokio::test]
async fn the_deal_and_customer_pages_list_versions_and_the_quotation_page_works_without_javascript()
{
    let t = demo().await;
    let d = deal(&t, "报价四号科技有限公司").await;
    let b = t.browser_as("north.am1").await;
    let deal_page = page_text(&b, &t.url(&format!("/deals/{d}"))).await;
    assert!(
        deal_page.contains(&format!("action=\"/deals/{d}/quotes\"")),
        "{deal_page}"
    );
    let r = b
        .post(t.url(&format!("/deals/{d}/quotes")))
        .send()
        .await
        .unwrap();
    let (to, _) = follow(&t, &b, r).await;
    assert!(to.starts_with("/quotes/"), "{to}");
    let id: i64 = to[8..].split('?').next().unwrap().parse().unwrap();
    let r = b
        .post(t.url(&format!("/quotes/{id}")))
        .form(&[
            ("rows", "4"),
            ("row_version", "1"),
            ("valid_until", "2026-12-30"),
            ("product_0", "eoffice-std"),
            ("quantity_0", "10"),
            ("list_price_0", "12,800"),
            ("discount_0", "15"),
            ("tax_rate_0", "13"),
            ("product_1", "eoffice-pro"),
            ("quantity_1", "2"),
            ("list_price_1", "0.05"),
            ("discount_1", "30"),
            ("tax_rate_1", "6"),
        ])
        .send()
        .await
        .unwrap();
    let (_, page) = follow(&t, &b, r).await;
    // Line 2: 2 × ¥0.05 = 10 fen, 30 % off = 7 fen, 6 % tax = 0.42 → 0 fen: ¥0.07.
    assert!(page.contains("¥122,944.07"), "{page}");
    assert!(page.contains("id=\"quote-submit\""), "{page}");
    let r = b
        .post(t.url(&format!("/quotes/{id}/submit")))
        .form(&[("comment", "")])
        .send()
        .await
        .unwrap();
    assert!(follow(&t, &b, r).await.1.contains("待审批"));

    // The manager's queue page and the approvals page's link with its count.
    let m = t.browser_as("north.manager").await;
    let approvals = page_text(&m, &t.url("/approvals")).await;
    assert!(approvals.contains("/quotes/waiting"), "{approvals}");
    let queue = page_text(&m, &t.url("/quotes/waiting")).await;
    assert!(
        queue.contains(&format!("/quotes/{id}")) && queue.contains("¥122,944.07"),
        "{queue}"
    );
    let r = m
        .post(t.url(&format!("/quotes/{id}/approve")))
        .form(&[("comment", "")])
        .send()
        .await
        .unwrap();
    assert!(follow(&t, &m, r).await.1.contains("已批准"));
    let r = b
        .post(t.url(&format!("/quotes/{id}/send")))
        .form(&[("comment", "")])
        .send()
        .await
        .unwrap();
    assert!(follow(&t, &b, r).await.1.contains("已发送"));

    // The deal and the customer list it.
    let deal_page = page_text(&b, &t.url(&format!("/deals/{d}"))).await;
    assert!(deal_page.contains(&format!("/quotes/{id}")) && deal_page.contains("已发送"));
    let (_, q) = get(
        &t,
        &t.token("north.am1").await,
        &format!("/api/v1/quotes/{id}"),
    )
    .await;
    let cid = q["customer_id"].as_i64().unwrap();
    let customer_page = page_text(&b, &t.url(&format!("/customers/{cid}"))).await;
    assert!(
        customer_page.contains(&format!("/quotes/{id}")),
        "{customer_page}"
    );

    // The director sets the limit on a page; an account manager may not.
    let dir = t.browser_as("director").await;
    let r = dir
        .post(t.url("/settings/quotes"))
        .form(&[
            ("company_name", "华信"),
            ("discount_limit", "101"),
            ("validity_days", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("百分比应在 0 到 100 之间") && page.contains("有效天数为 1–365"),
        "{page}"
    );
    let r = dir
        .post(t.url("/settings/quotes"))
        .form(&[
            ("company_name", "华信"),
            ("discount_limit", "12.5"),
            ("validity_days", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert!(follow(&t, &dir, r).await.1.contains("value=\"12.5\""));
    let r = b.get(t.url("/settings/quotes")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_demo_has_quotations_sent_rejected_and_waiting_in_a_managers_queue() {
    let t = TestApp::with_living_demo().await;
    let manager = t.token("north.manager").await;
    let (_, queue) = get(&t, &manager, "/api/v1/quote-approvals").await;
    assert!(queue["total"].as_u64().unwrap() >= 1, "{queue}");
    let q = &queue["items"][0];
    assert_eq!(q["state"], "pending");
    assert_eq!(q["version"], 2);
    let director = t.token("director").await;
    let (_, all) = get(&t, &director, "/api/v1/quote-approvals?per_page=200").await;
    assert!(all["total"].as_u64().unwrap() >= queue["total"].as_u64().unwrap());
    // The version before it was rejected with the manager's comment.
    let deal = q["deal_id"].as_i64().unwrap();
    let (_, versions) = get(&t, &manager, &format!("/api/v1/deals/{deal}/quotes")).await;
    assert_eq!(versions[1]["state"], "rejected", "{versions}");
    assert!(
        versions[1]["decision_comment"]
            .as_str()
            .unwrap()
            .contains("折扣")
    );
    // And the printed page carries the demo company's name.
    let b = t.browser_as("north.manager").await;
    let page = page_text(&b, &t.url(&format!("/quotes/{}/print", q["id"]))).await;
    assert!(
        page.contains(salesdesk_app::demo::quotes::COMPANY),
        "{page}"
    );
    assert!(
        page.contains("草稿"),
        "a pending quotation prints as a draft"
    );
}
