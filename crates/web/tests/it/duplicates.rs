//! Likely duplicates by phone, web domain and e-mail domain, at creation through the API and the
//! page and on import (issue 10, point 5).

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_send, page_text};

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    api_send(&t.client(), Method::POST, &t.url(path), token, body).await
}

/// An existing customer of `north.am1`: its id and its owner's name.
async fn existing(t: &TestApp, body: Value) -> (i64, String) {
    let am1 = t.token("north.am1").await;
    let (s, c) = post(t, &am1, "/api/v1/customers", body).await;
    assert_eq!(s, 201, "{c}");
    (
        c["id"].as_i64().unwrap(),
        c["owner_name"].as_str().unwrap().to_string(),
    )
}

/// The reasons (code, message) of the first likely duplicate of a 409.
fn reasons(v: &Value) -> Vec<(String, String)> {
    v["likely_duplicates"][0]["reasons"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap_or_default().to_string(),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_same_phone_written_another_way_is_a_likely_duplicate_named_with_its_owner_only() {
    let t = TestApp::with_demo().await;
    let (_, owner) = existing(
        &t,
        json!({"name": "上海星河数据科技有限公司", "phone": "021-6234 5678"}),
    )
    .await;
    // Someone of another region, who cannot see that customer.
    let south = t.token("south.am1").await;
    let body = json!({"name": "浦江信息服务有限公司", "phone": "+86 21 6234 5678 转 801"});
    let (s, v) = post(&t, &south, "/api/v1/customers", body.clone()).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["type"], "urn:salesdesk:problem:likely-duplicate");
    let d = &v["likely_duplicates"][0];
    assert_eq!(d["name"], "上海星河数据科技有限公司");
    assert_eq!(d["owner_name"], owner.as_str());
    assert!(d["id"].is_null(), "not visible to south.am1: {v}");
    let r = reasons(&v);
    assert_eq!(r.len(), 1, "{v}");
    assert_eq!(r[0].0, "phone");
    assert!(r[0].1.starts_with("电话相同：+86 21 6234 5678"), "{v}");
    let (_, list) = crate::api_get(&t.client(), &t.url("/api/v1/customers"), &south).await;
    assert_eq!(list["total"], 0, "nothing saved");

    // Told it is another company, it is saved.
    let mut distinct = body;
    distinct["distinct"] = json!(true);
    let (s, v) = post(&t, &south, "/api/v1/customers", distinct).await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn a_contacts_mobile_matches_a_new_customers_phone_and_the_owner_sees_the_id() {
    let t = TestApp::with_demo().await;
    let (id, _) = existing(&t, json!({"name": "北京松石软件有限公司"})).await;
    let am1 = t.token("north.am1").await;
    let (s, k) = post(
        &t,
        &am1,
        &format!("/api/v1/customers/{id}/contacts"),
        json!({"name": "王磊", "mobile": "13800138000"}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let (s, v) = post(
        &t,
        &am1,
        "/api/v1/customers",
        json!({"name": "京西石材有限公司", "phone": "138 0013 8000"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["likely_duplicates"][0]["id"], id, "visible to its owner");
    assert_eq!(reasons(&v)[0].0, "phone");

    // Once the contact is gone, the number no longer points at that customer.
    let contact = k["id"].as_i64().unwrap();
    let r = t
        .client()
        .delete(t.url(&format!("/api/v1/contacts/{contact}")))
        .bearer_auth(&am1)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (s, v) = post(
        &t,
        &am1,
        "/api/v1/customers",
        json!({"name": "京西石材有限公司", "phone": "138 0013 8000"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn the_same_web_domain_is_a_likely_duplicate_and_follows_an_edit() {
    let t = TestApp::with_demo().await;
    let (id, _) = existing(
        &t,
        json!({"name": "杭州云栖网络有限公司", "website": "https://www.yunqi-net.cn/about"}),
    )
    .await;
    let am2 = t.token("north.am2").await;
    let body = json!({"name": "云栖科技有限公司", "website": "YUNQI-NET.cn"});
    let (s, v) = post(&t, &am2, "/api/v1/customers", body.clone()).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(
        reasons(&v),
        vec![("web".to_string(), "网站域名相同：yunqi-net.cn".to_string())]
    );
    // The existing customer moves to another site: the old domain is free.
    let am1 = t.token("north.am1").await;
    let (s, v) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url(&format!("/api/v1/customers/{id}")),
        &am1,
        json!({"website": "https://yunqi.com.cn"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(&t, &am2, "/api/v1/customers", body).await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn the_same_company_mail_domain_is_a_likely_duplicate_in_english_too() {
    let t = TestApp::with_demo().await;
    existing(
        &t,
        json!({"name": "深圳前海数科有限公司", "email": "info@qianhai-data.com"}),
    )
    .await;
    let am2 = t.token("north.am2").await;
    let (s, _) = api_send(
        &t.client(),
        Method::PATCH,
        &t.url("/api/v1/me"),
        &am2,
        json!({"locale": "en"}),
    )
    .await;
    assert!(s < 300);
    let (s, v) = post(
        &t,
        &am2,
        "/api/v1/customers",
        json!({"name": "前海咨询有限公司", "email": "sales@Qianhai-Data.com"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(
        reasons(&v),
        vec![(
            "mail".to_string(),
            "same e-mail domain qianhai-data.com".to_string()
        )]
    );
}

#[tokio::test]
async fn a_shared_free_mail_domain_is_not_a_likely_duplicate() {
    let t = TestApp::with_demo().await;
    existing(
        &t,
        json!({"name": "成都锦城商贸有限公司", "email": "jincheng@qq.com"}),
    )
    .await;
    let am2 = t.token("north.am2").await;
    let (s, v) = post(
        &t,
        &am2,
        "/api/v1/customers",
        json!({"name": "重庆山城物流有限公司", "email": "shancheng@qq.com"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn an_exact_duplicate_is_still_refused_as_a_duplicate_even_when_distinct() {
    let t = TestApp::with_demo().await;
    let (id, _) = existing(&t, json!({"name": "上海星河数据科技有限公司"})).await;
    let am1 = t.token("north.am1").await;
    for distinct in [false, true] {
        let (s, v) = post(
            &t,
            &am1,
            "/api/v1/customers",
            json!({"name": "上海星河数据科技有限公司", "distinct": distinct}),
        )
        .await;
        assert_eq!(s, 409, "{v}");
        assert_eq!(v["type"], "urn:salesdesk:problem:duplicate", "{v}");
        assert_eq!(v["existing_id"], id);
        assert!(v.get("likely_duplicates").is_none(), "{v}");
    }
}

/// The page shows why, names a customer the person cannot open without a link, and one click
/// saves it as another company.
#[tokio::test]
async fn the_new_customer_page_says_why_and_saves_another_company_with_one_click() {
    let t = TestApp::with_demo().await;
    existing(
        &t,
        json!({"name": "上海星河数据科技有限公司", "phone": "021-6234 5678"}),
    )
    .await;
    let b = t.browser_as("south.am1").await;
    let form = |distinct: &str| {
        vec![
            ("name".to_string(), "浦江信息服务有限公司".to_string()),
            ("phone".to_string(), "(021) 6234-5678".to_string()),
            ("distinct".to_string(), distinct.to_string()),
        ]
    };
    let r = b
        .post(t.url("/customers"))
        .form(&form(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "shown, not saved");
    let page = r.text().await.unwrap();
    assert!(page.contains("可能已有这家公司"), "{page}");
    assert!(page.contains("电话相同：(021) 6234-5678"), "{page}");
    assert!(page.contains("上海星河数据科技有限公司"), "{page}");
    assert!(
        !page.contains("\">上海星河数据科技有限公司</a>"),
        "no link to a customer south.am1 cannot open: {page}"
    );
    let r = b
        .post(t.url("/customers"))
        .form(&form("yes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let saved = page_text(&b, &t.url(r.headers()["location"].to_str().unwrap())).await;
    assert!(saved.contains("浦江信息服务有限公司"));
}

/// Starts an import of `csv` as `token` and waits until it is over; returns its id.
async fn import(t: &TestApp, token: &str, csv: &str) -> i64 {
    let r = t
        .client()
        .post(t.url("/api/v1/customers/imports?file_name=likely.csv"))
        .bearer_auth(token)
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let (s, v) = crate::status_json(r).await;
    assert_eq!(s, 201, "{v}");
    let id = v["import"]["id"].as_i64().unwrap();
    let url = t.url(&format!("/api/v1/customers/imports/{id}/run"));
    let (s, v) = api_send(&t.client(), Method::POST, &url, token, json!({})).await;
    assert_eq!(s, 202, "{v}");
    let url = t.url(&format!("/api/v1/customers/imports/{id}"));
    for _ in 0..400 {
        let (_, v) = crate::api_get(&t.client(), &url, token).await;
        if v["status"] != "running" {
            assert_eq!(v["status"], "done", "{v}");
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

#[tokio::test]
async fn an_import_keeps_likely_duplicates_and_lists_them_with_why_a_page_at_a_time() {
    let t = TestApp::with_demo().await;
    let (existing_id, owner) = existing(
        &t,
        json!({"name": "上海星河数据科技有限公司", "phone": "010-66661234"}),
    )
    .await;
    let am1 = t.token("north.am1").await;
    let csv = "客户名称,电话,网站,邮箱\n\
        北方重工有限公司,010-6666 1234,,\n\
        甲乙丙有限公司,,www.abc-tech.cn,\n\
        丁戊己有限公司,,,sales@abc-tech.cn\n\
        庚辛有限公司,,,x@163.com\n\
        壬癸有限公司,,,y@163.com\n\
        星河数据科技（上海）有限公司,,,\n";
    let id = import(&t, &am1, csv).await;
    let (_, list) = crate::api_get(&t.client(), &t.url("/api/v1/customers"), &am1).await;
    assert_eq!(list["total"], 7, "every row imported: {list}");

    let url = |page: u32| {
        t.url(&format!(
            "/api/v1/customers/imports/{id}/likely-duplicates?per_page=2&page={page}"
        ))
    };
    let (s, p1) = crate::api_get(&t.client(), &url(1), &am1).await;
    assert_eq!(s, 200, "{p1}");
    assert_eq!(
        p1["total"], 3,
        "rows 2, 4 and 7; free mail is no reason: {p1}"
    );
    let (_, p2) = crate::api_get(&t.client(), &url(2), &am1).await;
    let items: Vec<&Value> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .collect();
    let got: Vec<(u64, &str, Option<u64>)> = items
        .iter()
        .map(|i| {
            (
                i["row"].as_u64().unwrap(),
                i["reason"]["reason"].as_str().unwrap(),
                i["other_row"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(2, "phone", None), (4, "mail", Some(3)), (7, "name", None)]
    );
    assert_eq!(items[0]["other_id"], existing_id);
    assert_eq!(items[0]["other_owner_name"], owner.as_str());
    assert_eq!(items[0]["reason"]["message"], "电话相同：010-6666 1234");
    assert_eq!(items[1]["other_name"], "甲乙丙有限公司");

    // The result page says how many and links to the list, where both can be opened.
    let b = t.browser_as("north.am1").await;
    let show = page_text(&b, &t.url(&format!("/customers/imports/{id}"))).await;
    assert!(show.contains("可能重复的行：3"), "{show}");
    let page = page_text(&b, &t.url(&format!("/customers/imports/{id}/likely"))).await;
    assert!(
        page.contains(&format!(
            "/customers/{existing_id}\">上海星河数据科技有限公司"
        )),
        "{page}"
    );
    let new_id = items[0]["customer_id"].as_i64().unwrap();
    assert!(
        page.contains(&format!("/customers/{new_id}\">北方重工有限公司")),
        "{page}"
    );
    assert!(page.contains("（文件第 3 行）"), "{page}");
}

#[tokio::test]
async fn the_demos_customers_are_found_as_likely_duplicates_too() {
    let t = TestApp::with_living_demo().await;
    let am1 = t.token("north.am1").await;
    let list = crate::api_send(
        &t.client(),
        Method::GET,
        &t.url("/api/v1/customers?per_page=50"),
        &am1,
        Value::Null,
    )
    .await
    .1;
    let (id, phone) = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| {
            let id = c["id"].as_i64()?;
            Some(id).zip(c["phone"].as_str().map(str::to_string))
        })
        .expect("a demo customer with a phone");
    let body = json!({"name": "全新名称测试有限公司", "phone": phone});
    let (s, v) = post(&t, &am1, "/api/v1/customers", body).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["likely_duplicates"][0]["id"].as_i64(), Some(id), "{v}");
    assert_eq!(reasons(&v)[0].0, "phone", "{v}");
}
