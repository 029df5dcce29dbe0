//! What trial applications are routed by (issue 12): products, the province/city → region
//! table, people on leave, the routing decision, and intake keys.

use chrono::TimeDelta;
use reqwest::Method;
use salesdesk_app::routing::{self, Route};
use salesdesk_domain::routing::RouteReason;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

async fn send(t: &TestApp, login: &str, method: Method, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), method, &t.url(path), &t.token(login).await, body).await
}

async fn get(t: &TestApp, login: &str, path: &str) -> (u16, Value) {
    api_get(&t.client(), &t.url(path), &t.token(login).await).await
}

/// How many audit rows of this action there are.
async fn audited(t: &TestApp, action: &str) -> u64 {
    let (s, v) = get(t, "admin", &format!("/api/v1/audit?action={action}&view=all")).await;
    assert_eq!(s, 200, "{v}");
    v["total"].as_u64().unwrap()
}

/// The routing decision for a place today, committed (as the intake would, in its transaction).
async fn route(t: &TestApp, province: &str, city: Option<&str>) -> Route {
    let tx = t.app.db.begin().await.unwrap();
    let today = salesdesk_app::records::today(&t.app);
    let r = routing::route(&tx, today, Some(province), city)
        .await
        .unwrap();
    t.app.db.commit(tx).await.unwrap();
    r
}

async fn set_mode(t: &TestApp, region: i64, mode: &str) {
    let (s, v) = send(
        t,
        "admin",
        Method::PUT,
        &format!("/api/v1/regions/{region}/assignment-rule"),
        json!({"mode": mode}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

async fn set_leave(t: &TestApp, login: &str, until: Option<String>) -> (u16, Value) {
    let id = t.person_id(login).await;
    send(
        t,
        "admin",
        Method::PATCH,
        &format!("/api/v1/people/{id}"),
        json!({ "on_leave_until": until }),
    )
    .await
}

fn day(offset: i64, t: &TestApp) -> String {
    (salesdesk_app::records::today(&t.app) + TimeDelta::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// Region ids of the demo, by Chinese name.
async fn region(t: &TestApp, name: &str) -> i64 {
    let (_, v) = get(t, "admin", "/api/v1/regions").await;
    v.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["id"].as_i64())
        .unwrap_or_else(|| panic!("no region {name}"))
}

// ---- products ------------------------------------------------------------------------------

#[tokio::test]
async fn the_administrator_keeps_the_product_list_in_both_languages() {
    let t = TestApp::with_demo().await;
    let (s, v) = get(&t, "north.am1", "/api/v1/products").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 7, "the demo company's products");
    assert_eq!(v["items"][0]["code"], "eoffice-std");
    assert_eq!(v["items"][0]["name_zh"], "e-office 标准版");

    let (s, p) = send(
        &t,
        "admin",
        Method::POST,
        "/api/v1/products",
        json!({"code": "crm", "name_zh": "客户管理", "name_en": "CRM", "position": 15}),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let (_, v) = get(&t, "north.am1", "/api/v1/products").await;
    assert_eq!(v["items"][1]["code"], "crm", "by position: between 10 and 20");

    // The same code or the same name again is a conflict on that field.
    for (body, field) in [
        (json!({"code": "crm", "name_zh": "客户管理2", "name_en": "CRM 2"}), "code"),
        (json!({"code": "crm2", "name_zh": "客户管理", "name_en": "CRM 2"}), "name_zh"),
        (json!({"code": "crm3", "name_zh": "客户管理3", "name_en": "crm"}), "name_en"),
    ] {
        let (s, v) = send(&t, "admin", Method::POST, "/api/v1/products", body).await;
        if field == "name_en" {
            // Names are compared as typed: "crm" is not "CRM".
            assert_eq!(s, 201, "{v}");
            continue;
        }
        assert_eq!(s, 409, "{v}");
        assert_eq!(problem_fields(&v), vec![field]);
    }
    // Bad input: each field says what is wrong, nothing is saved.
    let (s, v) = send(
        &t,
        "admin",
        Method::POST,
        "/api/v1/products",
        json!({"code": "Bad Code", "name_zh": "", "name_en": "<b>x</b>", "position": 99_000_000}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        problem_fields(&v),
        vec!["code", "name_zh", "name_en", "position"]
    );
    let (s, v) = send(
        &t,
        "admin",
        Method::POST,
        "/api/v1/products",
        json!({"code": "big", "name_zh": "大".repeat(1_000_000), "name_en": "Big"}),
    )
    .await;
    assert!(s == 413 || s == 422, "{s} {v}");

    // Deactivated, never deleted: still listed, no longer among the active ones.
    let (s, v) = send(
        &t,
        "admin",
        Method::PATCH,
        &format!("/api/v1/products/{id}"),
        json!({"active": false}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["active"], false);
    assert_eq!(v["name_zh"], "客户管理", "absent fields keep their value");
    let (_, all) = get(&t, "admin", "/api/v1/products").await;
    let (_, live) = get(&t, "admin", "/api/v1/products?active=true").await;
    assert_eq!(all["total"], 9);
    assert_eq!(live["total"], 8);
    let (s, _) = send(&t, "admin", Method::DELETE, &format!("/api/v1/products/{id}"), json!({})).await;
    assert_eq!(s, 405, "there is no deleting");
    let (_, one) = get(&t, "admin", "/api/v1/products?per_page=2&page=2").await;
    assert_eq!(one["items"].as_array().unwrap().len(), 2, "paginated");

    assert_eq!(audited(&t, "product.create").await, 9, "7 demo + 2");
    assert_eq!(audited(&t, "product.deactivate").await, 1);
}

#[tokio::test]
async fn the_products_page_adds_renames_and_deactivates_in_either_language() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/products")).await;
    assert!(page.contains("e-office 专业版"));
    assert!(page.contains("实施服务"));
    let r = b
        .post(t.url("/settings/products"))
        .form(&[("code", "bi"), ("name_zh", "数据分析"), ("name_en", "Analytics"), ("position", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = b
        .post(t.url("/settings/products"))
        .form(&[("code", "bi"), ("name_zh", "<i>x</i>"), ("name_en", ""), ("position", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("请填写"), "the position's error in Chinese");
    let r = b
        .post(t.url("/settings/products"))
        .form(&[("code", "bi"), ("name_zh", "<i>x</i>"), ("name_en", ""), ("position", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("名称中不能包含 &lt; 或 &gt;"), "{page}");
    assert!(!page.contains("<i>x</i>"), "markup is never echoed raw");
    // In English.
    let en = t.browser_as("admin").await;
    en.post(t.url("/account/locale"))
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    let page = page_text(&en, &t.url("/settings/products")).await;
    assert!(page.contains("Implementation Services"), "{page}");
    assert!(page.contains("Analytics"));
}

// ---- province/city → region and routing ----------------------------------------------------

#[tokio::test]
async fn the_demo_maps_all_34_provinces_and_the_branch_cities() {
    let t = TestApp::with_demo().await;
    let (s, v) = get(&t, "north.rep", "/api/v1/region-routes?per_page=200").await;
    assert_eq!(s, 200, "{v}");
    let rows = v["items"].as_array().unwrap();
    let provinces = rows.iter().filter(|r| r["city_code"].is_null()).count();
    assert_eq!(provinces, 34);
    assert_eq!(rows.len(), 34 + 8, "and eight cities with a branch office");
    let north = region(&t, "华北大区").await;
    let south = region(&t, "华南大区").await;
    let shenzhen = region(&t, "深圳分公司").await;
    let of = |p: &str, c: Option<&str>| {
        rows.iter()
            .find(|r| r["province_code"] == p && r["city_code"].as_str() == c)
            .map(|r| r["region_id"].as_i64().unwrap())
    };
    assert_eq!(of("230000", None), Some(north), "黑龙江 goes with 华北");
    assert_eq!(of("440000", None), Some(south));
    assert_eq!(of("440000", Some("440300")), Some(shenzhen));
}

#[tokio::test]
async fn an_application_goes_to_the_places_region_and_its_rule_picks_the_account_manager() {
    let t = TestApp::with_demo().await;
    let (north, beijing, south) = (
        region(&t, "华北大区").await,
        region(&t, "北京分公司").await,
        region(&t, "华南大区").await,
    );
    let (am1, am2) = (
        t.person_id("north.am1").await,
        t.person_id("north.am2").await,
    );
    // The demo organisation has no automatic rule: mapped, but the director's queue.
    let r = route(&t, "130000", None).await;
    assert_eq!(
        r,
        Route {
            region_id: Some(north),
            owner_id: None,
            reason: RouteReason::RegionManual
        }
    );
    set_mode(&t, north, "round_robin").await;
    let a = route(&t, "130000", Some("130100")).await;
    let b = route(&t, "130000", None).await;
    assert_eq!(a.reason, RouteReason::RegionRule);
    assert_eq!((a.owner_id, b.owner_id), (Some(am1), Some(am2)), "in turn");
    // A city set on its own goes to its branch office, whose rule is the region's.
    let c = route(&t, "110000", Some("110100")).await;
    assert_eq!(c.region_id, Some(beijing));
    assert_eq!(c.owner_id, Some(am1));
    // A province without a row: the director's queue, no region.
    let (s, _) = send(&t, "admin", Method::DELETE, "/api/v1/region-routes/650000", json!({})).await;
    assert_eq!(s, 204);
    let r = route(&t, "650000", Some("650100")).await;
    assert_eq!(
        (r.region_id, r.owner_id, r.reason),
        (None, None, RouteReason::NoRegion)
    );
    // Removing a city's row sends the city back to its province's region.
    let (s, _) = send(&t, "admin", Method::DELETE, "/api/v1/region-routes/440300", json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(route(&t, "440000", Some("440300")).await.region_id, Some(south));
    let (s, _) = send(&t, "admin", Method::DELETE, "/api/v1/region-routes/440300", json!({})).await;
    assert_eq!(s, 404, "nothing left to remove");
    // An inactive region routes nowhere.
    let (s, v) = send(
        &t,
        "admin",
        Method::PATCH,
        &format!("/api/v1/regions/{south}"),
        json!({"name": "华南大区", "name_en": "South China", "kind": "region", "active": false}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(route(&t, "450000", None).await.reason, RouteReason::NoRegion);
    // Nor does a place nobody names.
    let tx = t.app.db.begin().await.unwrap();
    let today = salesdesk_app::records::today(&t.app);
    let r = routing::route(&tx, today, None, None).await.unwrap();
    assert_eq!(r.reason, RouteReason::NoRegion);
}

#[tokio::test]
async fn people_on_leave_or_disabled_are_passed_over_until_the_day_after_their_leave() {
    let t = TestApp::with_demo().await;
    let north = region(&t, "华北大区").await;
    let (am1, am2) = (
        t.person_id("north.am1").await,
        t.person_id("north.am2").await,
    );
    set_mode(&t, north, "round_robin").await;
    // am1 is away until tomorrow: every application goes to am2.
    let (s, v) = set_leave(&t, "north.am1", Some(day(1, &t))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["on_leave_until"], day(1, &t));
    for _ in 0..3 {
        let r = route(&t, "130000", None).await;
        assert_eq!((r.owner_id, r.reason), (Some(am2), RouteReason::RegionRule));
    }
    // Both away (am2's leave ends today, which still counts): nobody is available.
    set_leave(&t, "north.am2", Some(day(0, &t))).await;
    let r = route(&t, "130000", None).await;
    assert_eq!(
        (r.region_id, r.owner_id, r.reason),
        (Some(north), None, RouteReason::NobodyAvailable)
    );
    // A leave that ended yesterday is over; a disabled person is never picked.
    set_leave(&t, "north.am2", Some(day(-1, &t))).await;
    assert_eq!(route(&t, "130000", None).await.owner_id, Some(am2));
    let (s, _) = set_leave(&t, "north.am1", None).await;
    assert_eq!(s, 200, "null ends the leave");
    let id = t.person_id("north.am2").await;
    let (s, _) = send(&t, "admin", Method::PATCH, &format!("/api/v1/people/{id}"), json!({"active": false})).await;
    assert_eq!(s, 200);
    for _ in 0..2 {
        assert_eq!(route(&t, "130000", None).await.owner_id, Some(am1));
    }
    // The same rule gives new customers their owner (customers created without one).
    set_leave(&t, "north.am1", Some(day(3, &t))).await;
    let (s, v) = send(
        &t,
        "north.manager",
        Method::POST,
        "/api/v1/customers",
        json!({"name": "北京休假测试有限公司", "region_id": north}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(v["owner_id"].is_null(), "nobody available: left unassigned, {v}");
}

#[tokio::test]
async fn a_leave_is_set_where_people_are_edited_and_shown_in_the_people_list() {
    let t = TestApp::with_demo().await;
    let (s, v) = set_leave(&t, "north.am1", Some("2026-02-30".into())).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["on_leave_until"]);
    let (s, _) = set_leave(&t, "north.am1", Some("明天".into())).await;
    assert_eq!(s, 422);
    // Only who edits people sets it.
    let id = t.person_id("north.am1").await;
    let (s, _) = send(&t, "north.manager", Method::PATCH, &format!("/api/v1/people/{id}"), json!({"on_leave_until": day(2, &t)})).await;
    assert_eq!(s, 403);
    // Through the form.
    let b = t.browser_as("vp").await;
    let form = page_text(&b, &t.url(&format!("/people/{id}/edit"))).await;
    assert!(form.contains("name=\"on_leave_until\""));
    let p = salesdesk_app::people::get(&t.app, &salesdesk_app::Ctx::system(), id)
        .await
        .unwrap();
    let mut f: Vec<(String, String)> = vec![
        ("login".into(), p.login.clone()),
        ("display_name".into(), p.display_name.clone()),
        ("position".into(), "account_manager".into()),
        ("region_id".into(), p.region_id.unwrap().to_string()),
        ("manager_id".into(), p.manager_id.unwrap().to_string()),
        ("locale".into(), "zh-CN".into()),
        ("active".into(), "on".into()),
        ("on_leave_until".into(), day(2, &t)),
    ];
    let r = b.post(t.url(&format!("/people/{id}"))).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let list = page_text(&b, &t.url("/people?q=north.am1")).await;
    assert!(list.contains(&format!("休假至 {}", day(2, &t))), "{list}");
    f.pop();
    f.push(("on_leave_until".into(), "2026-13-01".into()));
    let r = b.post(t.url(&format!("/people/{id}"))).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let (_, v) = get(&t, "admin", &format!("/api/v1/people/{id}")).await;
    assert_eq!(v["on_leave_until"], day(2, &t), "nothing half-saved");
    assert!(audited(&t, "person.update").await >= 1);
}

#[tokio::test]
async fn the_administrator_maps_places_and_can_fill_in_the_default() {
    let t = TestApp::with_demo().await;
    let (east, hangzhou) = (region(&t, "华东大区").await, region(&t, "杭州分公司").await);
    // A city of 江苏 to the Hangzhou branch.
    let (s, v) = send(&t, "admin", Method::PUT, "/api/v1/region-routes/320500", json!({"region_id": hangzhou})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["province_code"], "320000");
    assert_eq!(v["city_code"], "320500");
    assert_eq!(route(&t, "320000", Some("320500")).await.region_id, Some(hangzhou));
    // Bad places and regions.
    let (s, _) = send(&t, "admin", Method::PUT, "/api/v1/region-routes/999999", json!({"region_id": east})).await;
    assert_eq!(s, 404);
    let (s, v) = send(&t, "admin", Method::PUT, "/api/v1/region-routes/320000", json!({"region_id": 999999})).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["region_id"]);
    let (s, _) = send(&t, "admin", Method::PUT, "/api/v1/region-routes/320000", json!({"region_id": "东"})).await;
    assert!(s == 400 || s == 422);
    // Remove three provinces; the default fills them in again, and keeps what is there.
    for p in ["110000", "440000", "650000"] {
        let (s, _) = send(&t, "admin", Method::DELETE, &format!("/api/v1/region-routes/{p}"), json!({})).await;
        assert_eq!(s, 204);
    }
    let (s, v) = send(&t, "admin", Method::PUT, "/api/v1/region-routes/370000", json!({"region_id": region(&t, "华北大区").await})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = send(&t, "admin", Method::POST, "/api/v1/region-routes/defaults", json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["mapped"], json!(["110000", "440000", "650000"]));
    assert_eq!(v["unmatched"], json!([]));
    assert_eq!(
        route(&t, "370000", None).await.region_id,
        Some(region(&t, "华北大区").await),
        "山东 stays where the administrator put it"
    );
    assert_eq!(audited(&t, "region_route.set").await, 2);
    assert_eq!(audited(&t, "region_route.remove").await, 3);
    // The page lists every province with its region, and the city rows.
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/routing")).await;
    assert!(page.contains("新疆维吾尔自治区"));
    assert!(page.contains("苏州市 → 杭州分公司"), "{page}");
    let r = b
        .post(t.url("/settings/routing"))
        .form(&[("place", "650000"), ("region_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = b
        .post(t.url("/settings/routing/remove"))
        .form(&[("place", "650000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(&b, &t.url("/settings/routing")).await;
    assert!(page.contains("未设置大区的省份"));
    assert!(page.contains("按默认方案补齐"));
}

#[tokio::test]
async fn on_a_fresh_database_the_default_maps_only_regions_that_match_an_area() {
    let t = TestApp::spawn().await;
    salesdesk_app::people::add_from_cli(
        &t.app,
        &salesdesk_app::people::PersonInput {
            login: "admin".into(),
            display_name: "管理员".into(),
            is_admin: true,
            active: true,
            locale: "zh-CN".into(),
            password: "first-pass-1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let admin = t.token_with("admin", "first-pass-1").await;
    let c = t.client();
    let (s, v) = api_get(&c, &t.url("/api/v1/region-routes"), &admin).await;
    assert_eq!((s, v["total"].as_u64()), (200, Some(0)), "nothing mapped by itself");
    for (name, en) in [("华东区", "East"), ("西北区", "Northwest")] {
        let (s, v) = api_send(&c, Method::POST, &t.url("/api/v1/regions"), &admin, json!({"name": name, "name_en": en, "kind": "region"})).await;
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = api_send(&c, Method::POST, &t.url("/api/v1/region-routes/defaults"), &admin, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["mapped"].as_array().unwrap().len(), 8, "the eight of 华东");
    assert_eq!(v["unmatched"].as_array().unwrap().len(), 26);
}

// ---- intake keys ---------------------------------------------------------------------------

#[tokio::test]
async fn an_intake_key_is_shown_once_counted_when_used_and_refused_once_revoked() {
    let t = TestApp::with_demo().await;
    let (s, v) = send(&t, "admin", Method::POST, "/api/v1/intake-keys", json!({"name": "官网"})).await;
    assert_eq!(s, 201, "{v}");
    let secret = v["secret"].as_str().unwrap().to_string();
    let id = v["key"]["id"].as_i64().unwrap();
    assert!(secret.starts_with("sdk_") && secret.len() == 68);
    assert_eq!(v["key"]["prefix"], secret[..8]);
    // Lists never carry the secret.
    let (s, list) = get(&t, "admin", "/api/v1/intake-keys").await;
    assert_eq!(s, 200);
    assert!(!list.to_string().contains(&secret));
    assert_eq!(list["items"][0]["use_count"], 0);

    let k = salesdesk_app::intake_keys::authenticate(&t.app, &secret).await.unwrap();
    assert_eq!(k.as_ref().map(|k| k.id), Some(id));
    let k = salesdesk_app::intake_keys::authenticate(&t.app, &format!(" {secret} ")).await.unwrap();
    assert_eq!(k.map(|k| k.use_count), Some(2), "each use counted");
    let (_, one) = get(&t, "admin", "/api/v1/intake-keys").await;
    assert_eq!(one["items"][0]["use_count"], 2);
    assert!(one["items"][0]["last_used_at"].is_string());
    // Near misses and garbage are refused without a fuss.
    for bad in [
        String::new(),
        secret[..67].to_string(),
        format!("{}x", &secret[..67]),
        "x".repeat(1_000_000),
        "Bearer ".to_string() + &secret,
    ] {
        let k = salesdesk_app::intake_keys::authenticate(&t.app, &bad).await.unwrap();
        assert!(k.is_none());
    }
    // Renamed, then revoked: refused from then on; a second revoke is a conflict.
    let (s, v) = send(&t, "admin", Method::PATCH, &format!("/api/v1/intake-keys/{id}"), json!({"name": "官网（旧）"})).await;
    assert_eq!((s, v["name"].as_str()), (200, Some("官网（旧）")));
    let (s, v) = send(&t, "admin", Method::POST, &format!("/api/v1/intake-keys/{id}/revoke"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["revoked_at"].is_string());
    let k = salesdesk_app::intake_keys::authenticate(&t.app, &secret).await.unwrap();
    assert!(k.is_none(), "a revoked key is refused");
    let (s, _) = send(&t, "admin", Method::POST, &format!("/api/v1/intake-keys/{id}/revoke"), json!({})).await;
    assert_eq!(s, 409);
    let (s, v) = send(&t, "admin", Method::POST, "/api/v1/intake-keys", json!({"name": ""})).await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), vec!["name"]);
    assert_eq!(audited(&t, "intake_key.issue").await, 1);
    assert_eq!(audited(&t, "intake_key.revoke").await, 1);
    // Only the hash is stored.
    let rows = salesdesk_store::intake_keys::get(t.app.db.read(), id).await.unwrap().unwrap();
    assert_ne!(rows.key_hash, secret);
    assert!(!rows.key_hash.contains(&secret[4..]));
}

#[tokio::test]
async fn the_intake_keys_page_shows_a_new_secret_on_that_response_only() {
    let t = TestApp::with_living_demo().await;
    let b = t.browser_as("admin").await;
    let page = page_text(&b, &t.url("/settings/intake-keys")).await;
    assert!(page.contains("演示官网"), "the demo's key is listed");
    let r = b
        .post(t.url("/settings/intake-keys"))
        .form(&[("name", "合作伙伴门户")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    let start = page.find("sdk_").expect("the secret is shown");
    let secret = &page[start..start + 68];
    assert!(salesdesk_app::intake_keys::authenticate(&t.app, secret).await.unwrap().is_some());
    let again = page_text(&b, &t.url("/settings/intake-keys")).await;
    assert!(!again.contains(secret), "never again");
    // The demo's published secret works on the demo database.
    let demo = salesdesk_app::demo::trial_setup::DEMO_INTAKE_SECRET;
    assert!(salesdesk_app::intake_keys::authenticate(&t.app, demo).await.unwrap().is_some());
    // Revoking from the page.
    let (_, list) = get(&t, "admin", "/api/v1/intake-keys").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let r = b
        .post(t.url(&format!("/settings/intake-keys/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(salesdesk_app::intake_keys::authenticate(&t.app, secret).await.unwrap().is_none());
    // A director cannot see or issue keys.
    let d = t.browser_as("director").await;
    let r = d.get(t.url("/settings/intake-keys")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_living_demo_has_automatic_rules_someone_on_leave_and_routes_to_them() {
    let t = TestApp::with_living_demo().await;
    let (east, am1) = (region(&t, "华东大区").await, t.person_id("east.am1").await);
    let (_, v) = get(&t, "admin", &format!("/api/v1/regions/{east}/assignment-rule")).await;
    assert_eq!(v["mode"], "round_robin");
    for _ in 0..2 {
        let r = route(&t, "330000", None).await;
        assert_eq!(r.owner_id, Some(am1), "east.am2 is on leave");
    }
    let r = route(&t, "510000", None).await;
    assert_eq!(r.reason, RouteReason::RegionManual, "西南 assigns by hand");
    let b = t.browser_as("admin").await;
    let people = page_text(&b, &t.url("/people?q=east.am2")).await;
    assert!(people.contains("休假至"));
}
