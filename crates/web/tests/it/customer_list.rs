//! The customer list: filters, sort, completeness, saved filters, reassigning from the list.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields};

async fn create(t: &TestApp, token: &str, body: Value) -> i64 {
    let (s, c) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        token,
        body,
    )
    .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn filters_sorting_and_completeness_narrow_the_list() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let full = create(
        &t,
        &am1,
        json!({"name": "北京甲骨科技有限公司", "type_code": "enterprise", "source_code": "exhibition",
               "size_code": "s200_999", "province": "北京", "city": "北京", "industry": "制造业",
               "phone": "010-88886666"}),
    )
    .await;
    api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/customers/{full}/contacts")),
        &am1,
        json!({"name": "李娜"}),
    )
    .await;
    create(
        &t,
        &am1,
        json!({"name": "天津乙方教育咨询有限公司", "type_code": "education", "source_code": "website",
               "province": "天津", "industry": "教育"}),
    )
    .await;
    create(&t, &am1, json!({"name": "河北丙丁软件有限公司"})).await;
    let c = t.client();
    let get = |q: &str| {
        let url = t.url(&format!("/api/v1/customers?{q}"));
        let c = c.clone();
        let am1 = am1.clone();
        async move { api_get(&c, &url, &am1).await }
    };

    let (_, l) = get("type_code=enterprise").await;
    assert_eq!(names(&l), ["北京甲骨科技有限公司"]);
    let (_, l) = get("source_code=website&province=天津").await;
    assert_eq!(names(&l), ["天津乙方教育咨询有限公司"]);
    let (_, l) = get("size_code=s200_999&industry=制造业").await;
    assert_eq!(l["total"], 1);
    let (_, l) = get("sort=name&dir=asc").await;
    let mut sorted = names(&l);
    assert_eq!(sorted.len(), 3);
    let got = sorted.clone();
    sorted.sort();
    assert_eq!(got, sorted, "ascending by name");
    // Completeness: the default required items (phone, place, industry, size, type, source and
    // a contact person) are all present only on the first.
    let (_, l) = get("incomplete=true&sort=name&dir=asc").await;
    assert_eq!(l["total"], 2);
    assert!(!names(&l).contains(&"北京甲骨科技有限公司".to_string()));
    // Nobody has been contacted yet; after a call the first leaves the "idle" list.
    let (_, l) = get("no_contact_days=7").await;
    assert_eq!(l["total"], 3);
    api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{full}/records")),
        &am1,
        json!({"kind": "call", "summary": "电话沟通"}),
    )
    .await;
    let (_, l) = get("no_contact_days=7").await;
    assert_eq!(l["total"], 2);

    // A value that cannot be one is named.
    let (s, p) = get("sort=price&size_code=huge").await;
    assert_eq!(s, 422);
    let mut f = problem_fields(&p);
    f.sort();
    assert_eq!(f, ["size_code", "sort"]);

    // The page shows completeness and exactly what is missing.
    let b = t.browser_as("north.am1").await;
    let list = page_text(&b, &t.url("/customers?incomplete=1")).await;
    assert!(
        list.contains("共 2 个客户"),
        "the page filters the same way"
    );
    let card = page_text(&b, &t.url(&format!("/customers/{full}"))).await;
    assert!(card.contains("100%"), "complete record");
    // The export holds what the filtered list shows.
    let csv = page_text(&b, &t.url("/customers/export.csv?type_code=enterprise")).await;
    assert!(csv.contains("北京甲骨科技有限公司"));
    assert!(!csv.contains("天津乙方教育咨询有限公司") && !csv.contains("河北丙丁软件有限公司"));
    let csv = page_text(&b, &t.url("/customers/export.csv?incomplete=1")).await;
    assert!(!csv.contains("北京甲骨科技有限公司") && csv.contains("河北丙丁软件有限公司"));
    let ids = l["items"].as_array().unwrap();
    let bare = ids
        .iter()
        .find(|x| x["name"] == "河北丙丁软件有限公司")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let card = page_text(&b, &t.url(&format!("/customers/{bare}"))).await;
    assert!(card.contains("0%"));
    assert!(card.contains("缺少") && card.contains("客户来源") && card.contains("联系人"));
}

#[tokio::test]
async fn saved_filters_belong_to_their_owner() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("north.am1").await;
    let r = b
        .post(t.url("/customers/filters"))
        .form(&[
            ("name", "展会线索"),
            ("query", "status=lead&source_code=exhibition&x=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("status=lead") && to.contains("source_code=exhibition"));
    assert!(
        !to.contains("x=1"),
        "only what the list understands is kept: {to}"
    );
    let page = page_text(&b, &t.url("/customers")).await;
    assert!(page.contains("展会线索"));
    // An empty name is refused beside the field.
    let r = b
        .post(t.url("/customers/filters"))
        .form(&[("name", " "), ("query", "status=lead")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Nobody else sees or deletes it.
    let other = t.browser_as("north.am2").await;
    assert!(
        !page_text(&other, &t.url("/customers"))
            .await
            .contains("展会线索")
    );
    let id: i64 = page
        .split("/customers/filters/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .expect("delete link");
    let r = other
        .post(t.url(&format!("/customers/filters/{id}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = b
        .post(t.url(&format!("/customers/filters/{id}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        !page_text(&b, &t.url("/customers"))
            .await
            .contains("展会线索")
    );
}

#[tokio::test]
async fn a_manager_reassigns_checked_customers_from_the_list() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let a = create(&t, &am1, json!({"name": "北京一号软件有限公司"})).await;
    let b_id = create(&t, &am1, json!({"name": "北京二号软件有限公司"})).await;
    let am2 = t.person_id("north.am2").await;
    let mgr = t.browser_as("north.manager").await;
    let page = page_text(&mgr, &t.url("/customers")).await;
    assert!(page.contains("name=\"ids\""), "managers get checkboxes");
    let staff = page_text(&t.browser_as("north.am1").await, &t.url("/customers")).await;
    assert!(!staff.contains("name=\"ids\""), "staff do not");
    let r = mgr
        .post(t.url("/customers/reassign"))
        .form(&[
            ("ids", a.to_string()),
            ("ids", b_id.to_string()),
            ("owner_id", am2.to_string()),
            ("back", "?status=lead".to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/customers?status=lead&ok=reassigned"
    );
    let (_, l) = api_get(
        &t.client(),
        &t.url("/api/v1/customers"),
        &t.token("north.am2").await,
    )
    .await;
    assert_eq!(l["total"], 2);
}

/// Moves a customer's creation and status change `days` into the past, as if it had waited.
async fn age(t: &TestApp, id: i64, days: i64) {
    use salesdesk_store::Conn;
    let at = (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    let tx = t.app.db.begin().await.unwrap();
    tx.execute_unprepared(&format!(
        "UPDATE customers SET created_at = '{at}', status_changed_at = '{at}' WHERE id = {id}"
    ))
    .await
    .unwrap();
    t.app.db.commit(tx).await.unwrap();
}

#[tokio::test]
async fn the_review_list_holds_customers_left_alone_too_long_for_their_status() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    // Leads are due after 14 days by default.
    let stale = create(&t, &am1, json!({"name": "北京久未联系软件有限公司"})).await;
    let fresh = create(&t, &am1, json!({"name": "北京新近线索软件有限公司"})).await;
    let called = create(&t, &am1, json!({"name": "北京刚刚通话软件有限公司"})).await;
    age(&t, stale, 20).await;
    age(&t, fresh, 3).await;
    age(&t, called, 20).await;
    let c = t.client();
    // A recent call does not save a lead whose status has sat for 20 days: it still needs
    // moving on, so it stays due; the 3-day-old lead is not due.
    api_send(
        &c,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{called}/records")),
        &am1,
        json!({"kind": "call", "summary": "电话"}),
    )
    .await;
    let (_, l) = api_get(&c, &t.url("/api/v1/customers?review=true&sort=name"), &am1).await;
    let mut got = names(&l);
    got.sort();
    assert_eq!(
        got,
        ["北京久未联系软件有限公司", "北京刚刚通话软件有限公司"]
    );
    // The manager sees the same customers on the review list; another region's does not.
    let (_, m) = api_get(
        &c,
        &t.url("/api/v1/customers?review=true"),
        &t.token("north.manager").await,
    )
    .await;
    assert_eq!(m["total"], 2);
    let (_, s) = api_get(
        &c,
        &t.url("/api/v1/customers?review=true"),
        &t.token("south.manager").await,
    )
    .await;
    assert_eq!(s["total"], 0);
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url("/customers?review=1")).await;
    assert!(
        page.contains("北京久未联系软件有限公司") && !page.contains("北京新近线索软件有限公司")
    );
}

#[tokio::test]
async fn saved_filters_over_the_api_are_private() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let c = t.client();
    let (s, f) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/saved-filters"),
        &am1,
        json!({"name": "待整理", "query": "review=true"}),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let (s, p) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/saved-filters"),
        &am1,
        json!({"name": ""}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&p), ["name"]);
    let (_, mine) = api_get(&c, &t.url("/api/v1/saved-filters"), &am1).await;
    assert_eq!(mine[0]["name"], "待整理");
    let am2 = t.token("north.am2").await;
    let (_, theirs) = api_get(&c, &t.url("/api/v1/saved-filters"), &am2).await;
    assert_eq!(theirs, json!([]));
    let path = format!("/api/v1/saved-filters/{}", f["id"]);
    let (s, _) = api_send(&c, Method::DELETE, &t.url(&path), &am2, json!(null)).await;
    assert_eq!(s, 404);
    let (s, _) = api_send(&c, Method::DELETE, &t.url(&path), &am1, json!(null)).await;
    assert_eq!(s, 204);
}

/// Sorting by last or next contact puts customers without one in the same place on SQLite and
/// PostgreSQL: never contacted counts as longest ago, and no planned contact comes after every
/// planned one — in the list's indexed order and in the order a short search sorts its matches.
#[tokio::test]
async fn customers_without_a_contact_sort_alike_on_both_engines() {
    use chrono::{Duration, Utc};
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let local = |d: chrono::DateTime<Utc>| {
        d.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let (older, newer, never) = (
        "北京星河旧友科技有限公司",
        "北京星河新知科技有限公司",
        "北京星河未联科技有限公司",
    );
    for (name, contacted, next) in [
        (
            older,
            Some(Utc::now() - Duration::days(10)),
            Some(today + Duration::days(3)),
        ),
        (
            newer,
            Some(Utc::now() - Duration::hours(1)),
            Some(today + Duration::days(1)),
        ),
        (never, None, None),
    ] {
        let id = create(&t, &am, json!({"name": name})).await;
        if let Some(at) = contacted {
            let (s, v) = api_send(
                &c,
                Method::POST,
                &t.url(&format!("/api/v1/customers/{id}/records")),
                &am,
                json!({"kind": "call", "happened_at": local(at), "summary": "电话沟通",
                       "next_contact_on": next.map(|d| d.to_string())}),
            )
            .await;
            assert_eq!(s, 201, "{v}");
        }
    }
    for q in ["", "&q=星河"] {
        let order = |sort: &str, dir: &str| {
            let url = t.url(&format!("/api/v1/customers?sort={sort}&dir={dir}{q}"));
            let (c, am) = (c.clone(), am.clone());
            async move {
                let (s, l) = api_get(&c, &url, &am).await;
                assert_eq!(s, 200, "{l}");
                names(&l)
            }
        };
        assert_eq!(
            order("last_contact", "asc").await,
            [never, older, newer],
            "{q}"
        );
        assert_eq!(
            order("last_contact", "desc").await,
            [newer, older, never],
            "{q}"
        );
        assert_eq!(
            order("next_contact", "asc").await,
            [newer, older, never],
            "{q}"
        );
        assert_eq!(
            order("next_contact", "desc").await,
            [older, newer, never],
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_listed_customer_shows_every_field_as_the_customer_itself_does() {
    // The list decodes its rows by position (issue 11): each field must land where it belongs.
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = create(
        &t,
        &am1,
        json!({"name": "北京全字段测试科技有限公司", "short_name": "全字段", "uscc": "914403001922038216",
               "website": "example.com", "email": "info@example.com", "phone": "010-88886666",
               "province": "北京", "city": "北京", "address": "海淀区中关村大街1号",
               "industry": "制造业", "background": "背景", "type_code": "enterprise",
               "source_code": "exhibition", "size_code": "s200_999"}),
    )
    .await;
    let c = t.client();
    let (s, one) = api_get(&c, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert_eq!(s, 200, "{one}");
    for q in ["", "status=lead", "q=全字段测试", "q=全字"] {
        let (s, l) = api_get(&c, &t.url(&format!("/api/v1/customers?{q}")), &am1).await;
        assert_eq!(s, 200, "{l}");
        let listed = l["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap_or_else(|| panic!("{q}: not listed: {l}"));
        assert_eq!(listed, &one, "{q}");
    }
}
