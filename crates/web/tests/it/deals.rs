//! Deals (issue 13): created only on potential customers, money typed as people type it, moves
//! with their history and their conflicts, lost and won, who sees and works on what, the board,
//! the forecast, the pages without JavaScript and the administrator's stages.

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

/// A customer created by `login` (its owner), moved to `status` behind the scenes (the status
/// workflow has its own tests).
pub(crate) async fn customer(t: &TestApp, login: &str, name: &str, status: &str) -> i64 {
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

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), token).await
}

pub(crate) fn deal_body(customer_id: i64, amount: &str, date: &str) -> Value {
    json!({
        "customer_id": customer_id,
        "name": "OA 协同办公平台",
        "amount": amount,
        "expected_sign_date": date,
        "competitors": "泛微",
        "lines": [{"product_code": "eoffice-std", "quantity": 50}],
    })
}

async fn stage_ids(t: &TestApp, token: &str) -> Vec<(i64, String)> {
    let (_, v) = get(t, token, "/api/v1/deal-stages").await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn stage(stages: &[(i64, String)], code: &str) -> i64 {
    stages.iter().find(|s| s.1 == code).unwrap().0
}

#[tokio::test]
async fn a_deal_is_created_only_on_a_potential_customer_with_the_amount_as_typed() {
    let t = demo().await;
    let token = t.token("north.am1").await;
    let lead = customer(&t, "north.am1", "线索科技有限公司", "lead").await;
    let (s, v) = post(
        &t,
        &token,
        "/api/v1/deals",
        deal_body(lead, "100", "2026-12-20"),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(problem_fields(&v), ["customer_id"]);

    let potential = customer(&t, "north.am1", "潜在软件有限公司", "potential").await;
    let (s, d) = post(
        &t,
        &token,
        "/api/v1/deals",
        deal_body(potential, "123.4万", "2026-12-20"),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["amount"], "1234000.00");
    assert_eq!(d["stage_code"], "requirement");
    assert_eq!(d["probability"], 10);
    assert_eq!(d["weighted_amount"], "123400.00");
    assert_eq!(d["state"], "open");
    assert_eq!(d["owner_id"], t.person_id("north.am1").await);
    assert_eq!(d["lines"][0]["product_code"], "eoffice-std");
    assert_eq!(d["lines"][0]["quantity"], 50);

    // Grouped, with the yuan sign: the same amount.
    let (s, d2) = post(
        &t,
        &token,
        "/api/v1/deals",
        deal_body(potential, "¥1,234,567.89", "2027-01-05"),
    )
    .await;
    assert_eq!(s, 201, "{d2}");
    assert_eq!(d2["amount"], "1234567.89");

    // Bad input: each field named, nothing stored, never a 500.
    let before = get(&t, &token, "/api/v1/deals").await.1["total"].clone();
    let bad = [
        (
            json!({"customer_id": potential, "name": "", "amount": "1.234",
                   "expected_sign_date": "2026-02-30",
                   "lines": [{"product_code": "eoffice-std", "quantity": 0}]}),
            vec!["name", "amount", "expected_sign_date", "lines[0].quantity"],
        ),
        (
            json!({"customer_id": potential, "name": "x", "amount": "-5",
                   "expected_sign_date": "2026-12-01", "probability": 101}),
            vec!["amount", "probability"],
        ),
        (
            json!({"customer_id": potential, "name": "x", "amount": "abc",
                   "expected_sign_date": "2026-12-01",
                   "lines": [{"product_code": "no-such-product"}]}),
            vec!["amount", "lines[0].product"],
        ),
        (
            json!({"customer_id": potential, "name": "x", "amount": "99999999999",
                   "expected_sign_date": "2026-12-01"}),
            vec!["amount"],
        ),
    ];
    for (body, fields) in bad {
        let (s, v) = post(&t, &token, "/api/v1/deals", body.clone()).await;
        assert_eq!(s, 422, "{body}: {v}");
        assert_eq!(problem_fields(&v), fields, "{body}");
    }
    let (s, v) = post(&t, &token, "/api/v1/deals", json!({"name": "x"})).await;
    assert_eq!(
        (s, problem_fields(&v)),
        (422, vec!["customer_id".to_string()])
    );
    // A value of the wrong JSON type is malformed (400), like everywhere in the API.
    let (s, _) = post(&t, &token, "/api/v1/deals", json!({"customer_id": "x"})).await;
    assert_eq!(s, 400);
    assert_eq!(get(&t, &token, "/api/v1/deals").await.1["total"], before);
    // The amount message is in the caller's language and says what to type.
    let (_, v) = post(
        &t,
        &token,
        "/api/v1/deals",
        json!({"customer_id": potential, "name": "x", "amount": "1.234",
               "expected_sign_date": "2026-12-01"}),
    )
    .await;
    assert!(v.to_string().contains("两位小数"), "{v}");
}

#[tokio::test]
async fn a_move_writes_history_and_audit_and_a_move_from_a_stale_version_is_a_conflict() {
    let t = demo().await;
    let token = t.token("north.am1").await;
    let c = customer(&t, "north.am1", "移动测试有限公司", "potential").await;
    let (_, d) = post(
        &t,
        &token,
        "/api/v1/deals",
        deal_body(c, "50000", "2026-12-20"),
    )
    .await;
    let id = d["id"].as_i64().unwrap();
    let stages = stage_ids(&t, &token).await;
    let solution = stage(&stages, "solution");
    let quotation = stage(&stages, "quotation");

    let (s, m) = post(
        &t,
        &token,
        &format!("/api/v1/deals/{id}/move"),
        json!({"stage_id": solution, "version": 1, "note": "演示已约"}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["stage_code"], "solution");
    assert_eq!(m["probability"], 30);
    assert_eq!(m["version"], 2);

    // Someone who read version 1 moves it too: refused, told where it stands now.
    let (s, v) = post(
        &t,
        &token,
        &format!("/api/v1/deals/{id}/move"),
        json!({"stage_id": quotation, "version": 1}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["type"], "urn:salesdesk:problem:stale");
    assert!(v.to_string().contains(&solution.to_string()), "{v}");
    // The same stage again is no move.
    let (s, v) = post(
        &t,
        &token,
        &format!("/api/v1/deals/{id}/move"),
        json!({"stage_id": solution, "version": 2}),
    )
    .await;
    assert_eq!((s, problem_fields(&v)), (409, vec!["stage_id".to_string()]));

    let (_, h) = get(&t, &token, &format!("/api/v1/deals/{id}/history")).await;
    let actions: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "move"]);
    assert_eq!(h[1]["note"], "演示已约");
    let (rows, _) = salesdesk_store::audit::for_entity(
        t.app.db.read(),
        "deal",
        id,
        &["deal.create", "deal.move"],
        10,
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);

    // An edit changes the amount and, when the probability is left empty, keeps the stage's.
    let (s, e) = api_send(
        &t.client(),
        Method::PUT,
        &t.url(&format!("/api/v1/deals/{id}")),
        &token,
        json!({"name": "OA 二期", "amount": "80,000", "expected_sign_date": "2027-02-01",
               "lines": [], "version": 2}),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["amount"], "80000.00");
    assert_eq!(e["probability"], 30);
    assert_eq!(e["lines"], json!([]));
    let (s, _) = api_send(
        &t.client(),
        Method::PUT,
        &t.url(&format!("/api/v1/deals/{id}")),
        &token,
        json!({"name": "OA 三期", "amount": "1", "expected_sign_date": "2027-02-01",
               "version": 2}),
    )
    .await;
    assert_eq!(s, 409, "an edit from an old version");
}

#[tokio::test]
async fn lost_needs_a_reason_and_won_is_final_but_for_a_managers_reopen() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let manager = t.token("north.manager").await;
    let c = customer(&t, "north.am1", "输赢测试有限公司", "potential").await;
    let (_, d) = post(
        &t,
        &am,
        "/api/v1/deals",
        deal_body(c, "10000", "2026-12-20"),
    )
    .await;
    let id = d["id"].as_i64().unwrap();
    let stages = stage_ids(&t, &am).await;
    let url = |x: &str| format!("/api/v1/deals/{id}/{x}");

    let (s, v) = post(&t, &am, &url("lost"), json!({"version": 1})).await;
    assert_eq!(
        (s, problem_fields(&v)),
        (422, vec!["lost_reason".to_string()])
    );
    let (s, v) = post(
        &t,
        &am,
        &url("lost"),
        json!({"version": 1, "lost_reason": "bored"}),
    )
    .await;
    assert_eq!(
        (s, problem_fields(&v)),
        (422, vec!["lost_reason".to_string()])
    );
    let (s, v) = post(
        &t,
        &am,
        &url("lost"),
        json!({"version": 1, "lost_reason": "price", "lost_to": "致远", "note": "报价高 20%"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            &v["state"],
            &v["lost_reason"],
            &v["lost_to"],
            &v["probability"]
        ),
        (&json!("lost"), &json!("price"), &json!("致远"), &json!(0))
    );
    // Lost → won: reopen first.
    let (s, _) = post(&t, &am, &url("won"), json!({"version": 2})).await;
    assert_eq!(s, 409);
    // The owner reopens a lost deal.
    let (s, v) = post(
        &t,
        &am,
        &url("move"),
        json!({"version": 2, "stage_id": stage(&stages, "negotiation")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (&v["state"], &v["lost_reason"]),
        (&json!("open"), &Value::Null)
    );
    let (s, v) = post(&t, &am, &url("won"), json!({"version": 3})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (&v["state"], &v["probability"]),
        (&json!("won"), &json!(100))
    );
    assert!(v["won_at"].is_string());
    assert_eq!(v["can_reopen"], false);
    // Won is final for the account manager: no edit, no move, no reopen.
    let (s, _) = post(
        &t,
        &am,
        &url("move"),
        json!({"version": 4, "stage_id": stage(&stages, "negotiation")}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &t,
        &am,
        &url("lost"),
        json!({"version": 4, "lost_reason": "price"}),
    )
    .await;
    assert_eq!(s, 409);
    // Their manager reopens it, audited.
    let (_, v) = get(&t, &manager, &format!("/api/v1/deals/{id}")).await;
    assert_eq!(v["can_reopen"], true);
    let (s, v) = post(
        &t,
        &manager,
        &url("move"),
        json!({"version": 4, "stage_id": stage(&stages, "negotiation"), "note": "客户追加需求"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((&v["state"], &v["won_at"]), (&json!("open"), &Value::Null));
    let (rows, _) =
        salesdesk_store::audit::for_entity(t.app.db.read(), "deal", id, &["deal.reopen"], 10)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn deals_are_seen_like_their_customer_and_worked_by_their_owner_and_managers() {
    let t = demo().await;
    let c = customer(&t, "north.am1", "可见性测试有限公司", "potential").await;
    let am = t.token("north.am1").await;
    let (_, d) = post(
        &t,
        &am,
        "/api/v1/deals",
        deal_body(c, "10000", "2026-12-20"),
    )
    .await;
    let id = d["id"].as_i64().unwrap();
    let stages = stage_ids(&t, &am).await;
    let solution = stage(&stages, "solution");
    // (login, sees it, may move it)
    let table = [
        ("vp", true, true),
        ("director", true, true),
        ("north.manager", true, true),
        ("north.assistant", true, false),
        ("north.am1", true, true),
        ("north.am2", false, false),
        ("north.rep", false, false),
        ("south.manager", false, false),
        ("eoffice.manager", false, false),
    ];
    for (login, sees, works) in table {
        let token = t.token(login).await;
        let (s, v) = get(&t, &token, &format!("/api/v1/deals/{id}")).await;
        assert_eq!(s, if sees { 200 } else { 404 }, "{login} GET: {v}");
        let (_, list) = get(&t, &token, "/api/v1/deals").await;
        let listed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id);
        assert_eq!(listed, sees, "{login} list");
        if sees {
            assert_eq!(v["can_work"], works, "{login} can_work");
        }
        // A move that would not change anything tells apart who may work on it.
        let (s, _) = post(
            &t,
            &token,
            &format!("/api/v1/deals/{id}/move"),
            json!({"stage_id": stage(&stages, "requirement")}),
        )
        .await;
        let expected = match (sees, works) {
            (false, _) => 404,
            (true, false) => 403,
            (true, true) => 409,
        };
        assert_eq!(s, expected, "{login} move");
    }
    // Only a manager gives the deal to someone else.
    let am2 = t.person_id("north.am2").await;
    let body = json!({"name": "x", "amount": "1", "expected_sign_date": "2026-12-20",
                      "owner_id": am2});
    let (s, v) = api_send(
        &t.client(),
        Method::PUT,
        &t.url(&format!("/api/v1/deals/{id}")),
        &am,
        body.clone(),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    let manager = t.token("north.manager").await;
    let (s, v) = api_send(
        &t.client(),
        Method::PUT,
        &t.url(&format!("/api/v1/deals/{id}")),
        &manager,
        body,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["owner_id"], am2);
    // A salesperson may not create a deal on a customer they see but do not own.
    let assistant = t.token("north.assistant").await;
    let (s, _) = post(
        &t,
        &assistant,
        "/api/v1/deals",
        deal_body(c, "1", "2026-12-20"),
    )
    .await;
    assert_eq!(s, 403);
    // An administrator without a sales position sees no deals.
    let admin = t.token("admin").await;
    let (s, _) = get(&t, &admin, "/api/v1/deals").await;
    assert_eq!(s, 403);
    let _ = solution;
}

#[tokio::test]
async fn the_board_and_the_forecast_weight_amounts_by_probability_per_month() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let c = customer(&t, "north.am1", "预测测试有限公司", "potential").await;
    let stages = stage_ids(&t, &am).await;
    let (_, a) = post(
        &t,
        &am,
        "/api/v1/deals",
        deal_body(c, "10000", "2026-12-05"),
    )
    .await;
    let (_, b) = post(
        &t,
        &am,
        "/api/v1/deals",
        deal_body(c, "20000", "2026-12-31"),
    )
    .await;
    let (_, w) = post(&t, &am, "/api/v1/deals", deal_body(c, "5000", "2027-01-10")).await;
    let bid = b["id"].as_i64().unwrap();
    post(
        &t,
        &am,
        &format!("/api/v1/deals/{bid}/move"),
        json!({"stage_id": stage(&stages, "solution"), "version": 1}),
    )
    .await;
    let wid = w["id"].as_i64().unwrap();
    let (s, _) = post(&t, &am, &format!("/api/v1/deals/{wid}/won"), json!({})).await;
    assert_eq!(s, 200);
    let _ = a;

    let (s, f) = get(&t, &am, "/api/v1/deals/forecast?from=2026-11&months=3").await;
    assert_eq!(s, 200, "{f}");
    let months: Vec<&str> = f["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-11", "2026-12", "2027-01"]);
    // December: ¥10,000 at 10 % + ¥20,000 at 30 % = ¥7,000 weighted of ¥30,000.
    assert_eq!(f["rows"][1]["open_deals"], 2);
    assert_eq!(f["rows"][1]["pipeline"], "30000.00");
    assert_eq!(f["rows"][1]["weighted"], "7000.00");
    // Won on 2026-11-30 at 10:00 in Shanghai: November's won amount.
    assert_eq!(f["rows"][0]["won_deals"], 1);
    assert_eq!(f["rows"][0]["won"], "5000.00");
    assert_eq!(f["rows"][2]["open_deals"], 0);
    assert_eq!(f["weighted"], "7000.00");
    // One person's and one region's forecast: the same deals; another person's: none.
    let me = t.person_id("north.am1").await;
    let (_, mine) = get(
        &t,
        &am,
        &format!("/api/v1/deals/forecast?from=2026-12&months=1&owner_id={me}"),
    )
    .await;
    assert_eq!(mine["weighted"], "7000.00");
    let director = t.token("director").await;
    let other = t.person_id("south.am1").await;
    let (_, theirs) = get(
        &t,
        &director,
        &format!("/api/v1/deals/forecast?from=2026-12&months=1&owner_id={other}"),
    )
    .await;
    assert_eq!(theirs["weighted"], "0.00");
    let (_, dept) = get(
        &t,
        &director,
        "/api/v1/deals/forecast?from=2026-12&months=1",
    )
    .await;
    assert_eq!(dept["pipeline"], "30000.00");
    for bad in ["from=2026-13", "months=0", "months=25"] {
        let (s, _) = get(&t, &am, &format!("/api/v1/deals/forecast?{bad}")).await;
        assert_eq!(s, 422, "{bad}");
    }

    let (s, board) = get(&t, &am, "/api/v1/deals/board").await;
    assert_eq!(s, 200, "{board}");
    let cols = board.as_array().unwrap();
    let codes: Vec<&str> = cols
        .iter()
        .map(|c| c["stage"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "requirement",
            "solution",
            "quotation",
            "negotiation",
            "won",
            "lost"
        ]
    );
    assert_eq!(cols[0]["count"], 1);
    assert_eq!(cols[0]["amount"], "10000.00");
    assert_eq!(cols[0]["weighted_amount"], "1000.00");
    assert_eq!(cols[1]["deals"][0]["id"], bid);
    assert_eq!(cols[4]["count"], 1);
    // The list filters by expected month and stage.
    let (_, l) = get(&t, &am, "/api/v1/deals?month=2026-12&state=open").await;
    assert_eq!(l["total"], 2);
    let (_, l) = get(
        &t,
        &am,
        &format!("/api/v1/deals?stage_id={}", stage(&stages, "solution")),
    )
    .await;
    assert_eq!(l["total"], 1);
    let (s, _) = get(&t, &am, "/api/v1/deals?month=december").await;
    assert_eq!(s, 422);
    let (_, l) = get(&t, &am, &format!("/api/v1/customers/{c}/deals")).await;
    assert_eq!(l.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_pages_show_the_pipeline_and_the_board_moves_a_deal_without_javascript() {
    let t = demo().await;
    let c = customer(&t, "north.am1", "看板测试有限公司", "potential").await;
    let browser = t.browser_as("north.am1").await;
    // The customer page offers a new deal; the form creates it.
    let page = page_text(&browser, &t.url(&format!("/customers/{c}"))).await;
    assert!(
        page.contains(&format!("/deals/new?customer_id={c}")),
        "{page}"
    );
    let r = browser
        .post(t.url("/deals/new"))
        .form(&[
            ("customer_id", c.to_string()),
            ("name", "看板商机".into()),
            ("amount", "1,234,567.89".into()),
            ("expected_sign_date", "2026-12-15".into()),
            ("product_0", "eoffice-std".into()),
            ("quantity_0", "10".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = to
        .trim_start_matches("/deals/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // A bad amount re-renders the form with the message beside the field.
    let r = browser
        .post(t.url("/deals/new"))
        .form(&[
            ("customer_id", c.to_string()),
            ("name", "x".into()),
            ("amount", "1.234".into()),
            ("expected_sign_date", "2026-12-15".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("两位小数"));

    let board = page_text(&browser, &t.url("/deals/board")).await;
    assert!(board.contains("看板商机"));
    assert!(board.contains("¥1,234,567.89"));
    // The card's forward button is a plain form.
    let stages = stage_ids(&t, &t.token("north.am1").await).await;
    let solution = stage(&stages, "solution");
    let r = browser
        .post(t.url(&format!("/deals/{id}/move")))
        .form(&[
            ("stage_id", solution.to_string()),
            ("version", "1".into()),
            ("back", "/deals/board".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/deals/board?ok=deal_moved");
    // The same button pressed again from the old page: told, nothing moved.
    let r = browser
        .post(t.url(&format!("/deals/{id}/move")))
        .form(&[
            ("stage_id", stage(&stages, "quotation").to_string()),
            ("version", "1".into()),
            ("back", "/deals/board".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/deals/board?ok=deal_stale");
    let page = page_text(&browser, &t.url(&format!("/deals/{id}"))).await;
    assert!(page.contains("方案/演示"), "{page}");
    assert!(page.contains("¥1,234,567.89"));
    // Lost without a reason: the form again, the field named.
    let r = browser
        .post(t.url(&format!("/deals/{id}/lost")))
        .form(&[("version", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let forecast = page_text(&browser, &t.url("/deals/forecast?from=2026-12&months=3")).await;
    // ¥1,234,567.89 at 30 % = ¥370,370.367 → ¥370,370.37.
    assert!(forecast.contains("¥370,370.37"), "{forecast}");
    let list = page_text(&browser, &t.url("/deals?state=open")).await;
    assert!(list.contains("看板商机"));
    let en = t.browser_as("north.manager").await;
    let r = en.get(t.url("/deals/board")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_administrator_keeps_the_stages_and_a_stage_in_use_stays_active() {
    let t = demo().await;
    let admin = t.token("admin").await;
    let (s, v) = post(
        &t,
        &admin,
        "/api/v1/deal-stages",
        json!({"code": "visit", "name_zh": "初访", "name_en": "First visit", "probability": 5,
               "position": 5}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let visit = v["id"].as_i64().unwrap();
    let (_, all) = get(&t, &admin, "/api/v1/deal-stages").await;
    assert_eq!(all[0]["code"], "visit", "placed first: {all}");
    let (s, v) = post(
        &t,
        &admin,
        "/api/v1/deal-stages",
        json!({"code": "visit", "name_zh": "再访", "name_en": "Visit", "probability": 5}),
    )
    .await;
    assert_eq!((s, problem_fields(&v)), (409, vec!["code".to_string()]));
    let (s, v) = post(
        &t,
        &admin,
        "/api/v1/deal-stages",
        json!({"code": "Bad Code", "name_zh": "", "name_en": "x", "probability": 101}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), ["code", "name_zh", "probability"]);

    // A deal in the new stage keeps it active.
    let am = t.token("north.am1").await;
    let c = customer(&t, "north.am1", "阶段测试有限公司", "potential").await;
    let mut body = deal_body(c, "1000", "2026-12-20");
    body["stage_id"] = json!(visit);
    let (s, d) = post(&t, &am, "/api/v1/deals", body).await;
    assert_eq!((s, &d["probability"]), (201, &json!(5)));
    let put = |id: i64, body: Value| {
        let t = &t;
        let admin = admin.clone();
        async move {
            api_send(
                &t.client(),
                Method::PUT,
                &t.url(&format!("/api/v1/deal-stages/{id}")),
                &admin,
                body,
            )
            .await
        }
    };
    let (s, v) = put(
        visit,
        json!({"name_zh": "初访", "name_en": "First visit", "probability": 5, "active": false}),
    )
    .await;
    assert_eq!((s, problem_fields(&v)), (422, vec!["active".to_string()]));
    let (s, v) = put(
        visit,
        json!({"name_zh": "首次拜访", "name_en": "First visit", "probability": 15}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["probability"], 15);
    // Won keeps 100 %.
    let stages = stage_ids(&t, &admin).await;
    let (s, v) = put(
        stage(&stages, "won"),
        json!({"name_zh": "赢单", "name_en": "Won", "probability": 90}),
    )
    .await;
    assert_eq!(
        (s, problem_fields(&v)),
        (422, vec!["probability".to_string()])
    );
    // Not the administrator: refused.
    let manager = t.token("north.manager").await;
    let (s, _) = api_send(
        &t.client(),
        Method::PUT,
        &t.url(&format!("/api/v1/deal-stages/{visit}")),
        &manager,
        json!({"name_zh": "x", "name_en": "x", "probability": 1}),
    )
    .await;
    assert_eq!(s, 403);
    let admin_browser = t.browser_as("admin").await;
    let page = page_text(&admin_browser, &t.url("/settings/deal-stages")).await;
    assert!(page.contains("首次拜访") && page.contains("谈判"));
}

/// Inserts an open deal behind the scenes (the board's test needs more than a column shows).
async fn deal_row(
    t: &TestApp,
    customer_id: i64,
    owner: Option<i64>,
    stage_id: i64,
    amount_fen: i64,
    date: chrono::NaiveDate,
    at: DateTime<Utc>,
) -> salesdesk_store::deals::Deal {
    use chrono::Datelike;
    salesdesk_store::deals::insert(
        t.app.db.read(),
        salesdesk_store::deals::NewDeal {
            customer_id,
            name: format!("看板 {amount_fen}"),
            owner_id: owner,
            region_id: None,
            amount_fen,
            expected_sign_date: date,
            expected_month: date.year() * 100 + date.month() as i32,
            stage_id,
            probability: 10,
            competitors: None,
            created_by: owner,
            at,
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_regional_managers_board_shows_exactly_the_deals_of_their_scope_with_full_counts() {
    use salesdesk_store::deals::{self as store, StageMove};
    let t = demo().await;
    let north = customer(&t, "north.am1", "华北看板测试有限公司", "potential").await;
    let south = customer(&t, "south.am1", "华南看板测试有限公司", "potential").await;
    let (north_am, south_am) = (
        t.person_id("north.am1").await,
        t.person_id("south.am1").await,
    );
    let stages = store::stages(t.app.db.read()).await.unwrap();
    let id_of = |code: &str| stages.iter().find(|s| s.code == code).unwrap().id;
    let (requirement, won) = (id_of("requirement"), id_of("won"));
    let day = |n: u64| {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .checked_add_days(chrono::Days::new(n))
            .unwrap()
    };
    let at = |n: i64| monday_ten() - chrono::Duration::hours(n);
    let won_at = |when: DateTime<Utc>| StageMove {
        stage_id: won,
        state: "won".into(),
        probability: 100,
        lost_reason: None,
        lost_to: None,
        lost_note: None,
        won_at: Some(when),
        won_month: Some(202611),
        closed_at: Some(when),
    };

    // North's requirement column: 53 deals on the north customer in a scrambled date order,
    // and one whose owner is in the south (a deal is seen like its customer). South: 4 deals,
    // and one owned in the north on the south customer.
    let mut north_open = Vec::new();
    for k in 0..53u64 {
        let d = deal_row(
            &t,
            north,
            Some(north_am),
            requirement,
            1_000 + k as i64,
            day(k * 17 % 53),
            at(0),
        )
        .await;
        north_open.push(d);
    }
    north_open.push(deal_row(&t, north, Some(south_am), requirement, 777, day(3), at(0)).await);
    let mut south_open = Vec::new();
    for k in 0..4u64 {
        south_open.push(
            deal_row(
                &t,
                south,
                Some(south_am),
                requirement,
                50_000,
                day(k),
                at(0),
            )
            .await,
        );
    }
    south_open.push(
        deal_row(
            &t,
            south,
            Some(north_am),
            requirement,
            60_000,
            day(1),
            at(0),
        )
        .await,
    );
    // Won deals: three in the north, changed at different times; one in the south.
    let mut north_won = Vec::new();
    for (k, hours) in [5, 1, 9].into_iter().enumerate() {
        let d = deal_row(
            &t,
            north,
            Some(north_am),
            requirement,
            9_000 + k as i64,
            day(0),
            at(hours + 1),
        )
        .await;
        let m = won_at(at(hours));
        assert!(
            store::move_stage(t.app.db.read(), d.id, 1, m, at(hours))
                .await
                .unwrap()
        );
        north_won.push((hours, d));
    }
    let south_won = deal_row(&t, south, Some(south_am), requirement, 1, day(0), at(0)).await;
    let m = won_at(at(0));
    assert!(
        store::move_stage(t.app.db.read(), south_won.id, 1, m, at(0))
            .await
            .unwrap()
    );

    let fen = |f: i64| format!("{}.{:02}", f / 100, f % 100);
    let column = |board: &Value, code: &str| -> Value {
        board
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"]["code"] == code)
            .unwrap()
            .clone()
    };
    let ids = |col: &Value| -> Vec<i64> {
        col["deals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };

    let manager = t.token("north.manager").await;
    let (s, board) = get(&t, &manager, "/api/v1/deals/board").await;
    assert_eq!(s, 200, "{board}");
    // The requirement column: all 54 counted and summed, the first 50 by expected signing
    // date shown.
    let req = column(&board, "requirement");
    assert_eq!(req["count"], 54);
    let total: i64 = north_open.iter().map(|d| d.amount_fen).sum();
    assert_eq!(req["amount"], fen(total));
    // Σ amount × 10 %, rounded half away from zero once per column.
    assert_eq!(req["weighted_amount"], fen((total * 10 + 50) / 100));
    let mut first = north_open.clone();
    first.sort_by_key(|d| (d.expected_sign_date, d.id));
    let first: Vec<i64> = first.iter().take(50).map(|d| d.id).collect();
    assert_eq!(ids(&req), first);
    // Won: the north's three, the latest changed first; nothing of the south's.
    let w = column(&board, "won");
    assert_eq!(w["count"], 3);
    let mut recent = north_won.clone();
    recent.sort_by_key(|(hours, _)| *hours);
    let recent: Vec<i64> = recent.iter().map(|(_, d)| d.id).collect();
    assert_eq!(ids(&w), recent);
    assert_eq!(column(&board, "solution")["count"], 0);

    // The south's manager: the south customer's deals only, whoever owns them.
    let south_manager = t.token("south.manager").await;
    let (_, board) = get(&t, &south_manager, "/api/v1/deals/board").await;
    let req = column(&board, "requirement");
    assert_eq!(req["count"], 5);
    let mut mine: Vec<i64> = ids(&req);
    mine.sort_unstable();
    let mut expected: Vec<i64> = south_open.iter().map(|d| d.id).collect();
    expected.sort_unstable();
    assert_eq!(mine, expected);
    assert_eq!(ids(&column(&board, "won")), [south_won.id]);

    // The page says how many the column holds.
    let browser = t.browser_as("north.manager").await;
    let page = page_text(&browser, &t.url("/deals/board")).await;
    assert!(
        page.contains(r#"<span class="count">54</span>"#),
        "the column's count"
    );
}
