//! Forms that guide and edits that are allowed (issue 10, points 6 and 9): mainland mobiles,
//! stated limits, the national place and industry lists, the status form's evidence per target,
//! tel:/mailto: links and vCard extensions, editing a contact on its page, correcting and
//! deleting contact records.

use chrono::TimeDelta;
use reqwest::Method;
use salesdesk_app::{AppConfig, Clock};
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, problem_fields, status_json};

async fn customer(t: &TestApp, token: &str, body: Value) -> i64 {
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

/// Writes data as it was before the rules of this work (legacy text, old mobiles).
async fn legacy_data(t: &TestApp, sql: &str) {
    use salesdesk_store::Conn;
    let tx = t.app.db.begin().await.unwrap();
    tx.execute_unprepared(sql).await.unwrap();
    t.app.db.commit(tx).await.unwrap();
}

/// Adds a contact to a customer through the API; its id.
async fn contact(t: &TestApp, token: &str, customer: i64, body: Value) -> i64 {
    let (s, k) = api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/customers/{customer}/contacts")),
        token,
        body,
    )
    .await;
    assert_eq!(s, 201, "{k}");
    k["id"].as_i64().unwrap()
}

/// The audit entries of one action on one entity, as the VP (who sees values) reads them.
async fn audit_of(t: &TestApp, entity: &str, id: i64, action: &str) -> Vec<Value> {
    let vp = t.token("vp").await;
    let url = format!("/api/v1/audit?entity_type={entity}&entity_id={id}&action={action}");
    let (_, v) = api_get(&t.client(), &t.url(&url), &vp).await;
    v["items"].as_array().cloned().unwrap_or_default()
}

/// Where a form post sent the browser (303 and its `Location`).
fn redirect(r: &reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "a form post that worked redirects");
    r.headers()["location"].to_str().unwrap().to_string()
}

fn message_of(v: &Value, field: &str) -> String {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .map(|e| e["message"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no error on {field}: {v}"))
}

#[tokio::test]
async fn a_ten_digit_mobile_is_refused_beside_the_field_and_plus_86_is_kept_as_eleven_digits() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京手机校验有限公司"})).await;
    let url = t.url(&format!("/api/v1/customers/{id}/contacts"));
    let http = t.client();
    let (s, v) = api_send(
        &http,
        Method::POST,
        &url,
        &am1,
        json!({"name": "王磊", "mobile": "1380013800"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["mobile"]);
    assert!(message_of(&v, "mobile").contains("11 位"), "{v}");
    let (s, v) = api_send(
        &http,
        Method::POST,
        &url,
        &am1,
        json!({"name": "王磊", "mobile": "+86 138 0013 8000"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["mobile"], "13800138000");

    // The page's form says the same beside the field, and keeps what was typed.
    let browser = t.browser_as("north.am1").await;
    let r = browser
        .post(t.url(&format!("/customers/{id}/contacts")))
        .form(&[("name", "李娜"), ("mobile", "1391234567")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("手机号须为 11 位数字"), "{page}");
    assert!(page.contains(r#"value="1391234567""#));
    let r = browser
        .post(t.url(&format!("/customers/{id}/contacts")))
        .form(&[("name", "李娜"), ("mobile", "0086 139 1234 5678")])
        .send()
        .await
        .unwrap();
    assert!(redirect(&r).starts_with(&format!("/customers/{id}?")));
    let (_, list) = api_get(&http, &url, &am1).await;
    let mobiles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["mobile"].as_str())
        .collect();
    assert_eq!(mobiles, ["13800138000", "13912345678"]);
}

#[tokio::test]
async fn a_limit_is_stated_in_the_message_and_set_on_the_field() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &am1,
        json!({"name": "长".repeat(101), "short_name": "短".repeat(31)}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(message_of(&v, "name"), "最多 100 个字符。");
    assert_eq!(message_of(&v, "short_name"), "最多 30 个字符。");
    assert_eq!(v["errors"][0]["code"], "error.max_chars");

    let browser = t.browser_as("north.am1").await;
    let form = page_text(&browser, &t.url("/customers/new")).await;
    assert!(
        form.contains(r#"id="name" name="name" value="" maxlength="100""#),
        "{form}"
    );
    assert!(form.contains(r#"maxlength="5000""#));
    assert!(
        form.contains("最多 5000 个字符"),
        "a text area states its limit"
    );
    // The same in English for someone who reads English.
    browser
        .post(t.url("/account/locale"))
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    let r = browser
        .post(t.url("/customers"))
        .form(&[
            ("name", "北京限长测试有限公司"),
            ("address", &"路".repeat(201)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("At most 200 characters."), "{page}");
    let id = customer(&t, &am1, json!({"name": "北京限长记录有限公司"})).await;
    let show = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(show.contains(r#"maxlength="2000""#), "the record summary");
    assert!(show.contains("At most 2000 characters"));
}

#[tokio::test]
async fn province_city_and_industry_are_stored_as_national_codes_and_shown_in_both_languages() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let http = t.client();
    let id = customer(
        &t,
        &am1,
        json!({"name": "深圳国标测试有限公司", "province": "广东", "city": "深圳", "industry": "i"}),
    )
    .await;
    let (_, c) = api_get(&http, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert_eq!(
        (&c["province_code"], &c["city_code"], &c["industry_code"]),
        (&json!("440000"), &json!("440300"), &json!("I"))
    );
    assert_eq!(
        (&c["province"], &c["city"]),
        (&json!("广东省"), &json!("深圳市"))
    );

    // The form posts codes; a city of another province is refused naming the allowed ones.
    let browser = t.browser_as("north.am1").await;
    let r = browser
        .post(t.url(&format!("/customers/{id}")))
        .form(&[
            ("name", "深圳国标测试有限公司"),
            ("province", "330000"),
            ("city", "440300"),
            ("industry", "C"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("该城市不在所选省份中。可选：杭州市、宁波市"),
        "{page}"
    );
    let r = browser
        .post(t.url(&format!("/customers/{id}")))
        .form(&[
            ("name", "深圳国标测试有限公司"),
            ("province", "330000"),
            ("city", "330100"),
            ("industry", "C"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert!(redirect(&r).starts_with(&format!("/customers/{id}?")));
    let zh = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(zh.contains("浙江省 杭州市"), "{zh}");
    assert!(zh.contains("C 制造业"));
    // The form shows the cities grouped by province, the stored ones chosen.
    let form = page_text(&browser, &t.url(&format!("/customers/{id}/edit"))).await;
    assert!(form.contains(r#"<option value="330000" selected>浙江省</option>"#));
    assert!(form.contains(r#"<optgroup label="浙江省" data-province="330000"><option value="330100" selected>杭州市</option>"#));
    browser
        .post(t.url("/account/locale"))
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    let en = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(en.contains("Zhejiang Hangzhou"), "{en}");
    assert!(en.contains("C Manufacturing"));
    // The list filters by any name of the entry.
    let (_, l) = api_get(
        &http,
        &t.url("/api/v1/customers?province=Zhejiang&industry=C"),
        &am1,
    )
    .await;
    assert_eq!(l["total"], 1, "{l}");
}

#[tokio::test]
async fn a_value_typed_before_the_lists_stays_as_legacy_text_until_one_is_picked() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京旧值测试有限公司"})).await;
    legacy_data(
        &t,
        &format!("UPDATE customers SET province = '华北', industry = '软件' WHERE id = {id}"),
    )
    .await;
    let browser = t.browser_as("north.am1").await;
    let page = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(page.contains("华北（旧值，请从列表中选择）"), "{page}");
    // Saving the form unchanged keeps the legacy text; the API refuses new free text.
    let form = page_text(&browser, &t.url(&format!("/customers/{id}/edit"))).await;
    assert!(form.contains(r#"<option value="华北" selected>"#), "{form}");
    let r = browser
        .post(t.url(&format!("/customers/{id}")))
        .form(&[
            ("name", "北京旧值测试有限公司"),
            ("province", "华北"),
            ("industry", "软件"),
            ("short_name", "旧值"),
        ])
        .send()
        .await
        .unwrap();
    assert!(redirect(&r).starts_with(&format!("/customers/{id}?")));
    let http = t.client();
    let (_, c) = api_get(&http, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert_eq!(
        (&c["province"], &c["province_code"]),
        (&json!("华北"), &Value::Null)
    );
    assert_eq!(c["short_name"], "旧值");
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &t.url(&format!("/api/v1/customers/{id}")),
        &am1,
        json!({"province": "华南"}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        message_of(&v, "province").contains("北京市、天津市、河北省"),
        "{v}"
    );
}

#[tokio::test]
async fn an_import_refuses_free_text_places_and_industries_naming_the_allowed_values() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let csv = "客户名称,省份,城市,行业\r\n\
               上海导入甲有限公司,上海,上海,金融业\r\n\
               华南导入乙有限公司,华南,深圳,制造业\r\n\
               广州导入丙有限公司,广东,杭州,软件\r\n";
    let r = t
        .client()
        .post(t.url("/api/v1/customers/imports?file_name=places.csv"))
        .bearer_auth(&am1)
        .header("content-type", "application/octet-stream")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let (s, v) = status_json(r).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        v["mapping"],
        json!(["name", "province", "city", "industry"])
    );
    let id = v["import"]["id"].as_i64().unwrap();
    let http = t.client();
    let (s, _) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/imports/{id}/run")),
        &am1,
        json!({}),
    )
    .await;
    assert_eq!(s, 202);
    let mut done = Value::Null;
    for _ in 0..400 {
        let (_, v) = api_get(
            &http,
            &t.url(&format!("/api/v1/customers/imports/{id}")),
            &am1,
        )
        .await;
        if v["status"] != "running" {
            done = v;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "rejected", "{done}");
    let errors: Vec<(u64, &str, &str)> = done["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1), (3, "province"));
    assert!(errors[0].2.contains("可选：北京市、天津市"), "{errors:?}");
    assert!(errors[0].2.contains("澳门特别行政区"), "all 34 named");
    assert_eq!((errors[1].0, errors[1].1), (4, "city"));
    assert!(errors[1].2.contains("广州市、韶关市、深圳市"), "{errors:?}");
    assert_eq!((errors[2].0, errors[2].1), (4, "industry"));
    assert!(errors[2].2.contains("I 信息传输、软件和信息技术服务业"));
}

#[tokio::test]
async fn phones_and_emails_are_links_and_the_vcard_keeps_the_extension() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(
        &t,
        &am1,
        json!({"name": "上海分机测试有限公司", "phone": "021-62345678 转 801", "email": "info@example.cn"}),
    )
    .await;
    let http = t.client();
    let (s, k) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am1,
        json!({"name": "赵敏", "mobile": "13900001111", "phone": "021-62345678 ext 802",
               "email": "zhao@example.cn"}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    assert_eq!(k["phone"], "021-62345678 ext. 802");
    let browser = t.browser_as("north.am1").await;
    let page = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    for link in [
        r#"href="tel:+86-21-62345678;ext=801""#,
        r#"href="mailto:info@example.cn""#,
        r#"href="tel:+86-13900001111""#,
        r#"href="tel:+86-21-62345678;ext=802""#,
        r#"href="mailto:zhao@example.cn""#,
    ] {
        assert!(page.contains(link), "{link} in {page}");
    }
    let card = page_text(&browser, &t.url(&format!("/customers/{id}/contacts.vcf"))).await;
    assert!(
        card.contains("TEL;VALUE=uri;TYPE=work:tel:+86-21-62345678;ext=802\r\n"),
        "{card}"
    );
    assert!(card.contains("TEL;VALUE=uri;TYPE=cell:tel:+86-13900001111\r\n"));
}

#[tokio::test]
async fn a_contact_is_edited_on_its_own_page_and_a_stale_save_shows_what_changed() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京联系人编辑有限公司"})).await;
    let http = t.client();
    let kid = contact(&t, &am1, id, json!({"name": "钱进", "title": "采购"})).await;
    let browser = t.browser_as("north.am1").await;
    let show = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(show.contains(&format!(r#"href="/contacts/{kid}/edit""#)));
    let form = page_text(&browser, &t.url(&format!("/contacts/{kid}/edit"))).await;
    assert!(form.contains(r#"name="version" value="1""#), "{form}");
    assert!(form.contains(r#"value="采购""#));
    let r = browser
        .post(t.url(&format!("/contacts/{kid}/edit")))
        .form(&[
            ("name", "钱进"),
            ("title", "采购总监"),
            ("mobile", "13700001111"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert!(redirect(&r).starts_with(&format!("/customers/{id}?")));
    let (_, list) = api_get(
        &http,
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        &am1,
    )
    .await;
    let now = &list[0];
    assert_eq!(
        (&now["title"], &now["mobile"], &now["version"]),
        (&json!("采购总监"), &json!("13700001111"), &json!(2))
    );
    // A second save from the page read at version 1 is refused with what changed.
    let r = browser
        .post(t.url(&format!("/contacts/{kid}/edit")))
        .form(&[("name", "钱进"), ("title", "经理"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("采购总监"), "the value now: {page}");
    assert!(page.contains(r#"value="经理""#), "what was typed is kept");
    assert!(page.contains(r#"name="version" value="2""#));
    // A bad mobile comes back beside the field.
    let r = browser
        .post(t.url(&format!("/contacts/{kid}/edit")))
        .form(&[("name", "钱进"), ("mobile", "12345"), ("version", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The edit is audited with before and after.
    let audit = audit_of(&t, "contact", kid, "contact.update").await;
    let e = &audit[0];
    assert_eq!(
        (&e["before"]["title"], &e["after"]["title"]),
        (&json!("采购"), &json!("采购总监"))
    );
}

/// A demo company whose app clock is manual, so the edit window passes without waiting.
async fn demo_with_clock() -> (TestApp, Clock) {
    let clock = Clock::manual(salesdesk_store::now());
    let t = TestApp::spawn_with(AppConfig {
        clock: clock.clone(),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed(&t.app).await.expect("demo");
    (t, clock)
}

#[tokio::test]
async fn a_record_is_corrected_by_its_author_within_the_window_and_not_after() {
    let (t, clock) = demo_with_clock().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京记录修改有限公司"})).await;
    let http = t.client();
    let (s, r) = api_send(
        &http,
        Method::POST,
        &t.url(&format!("/api/v1/customers/{id}/records")),
        &am1,
        json!({"kind": "call", "summary": "电话沟通需求"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_i64().unwrap();
    let url = t.url(&format!("/api/v1/records/{rid}"));
    let (_, got) = api_get(&http, &url, &am1).await;
    assert_eq!(
        (&got["can_edit"], &got["can_delete"]),
        (&json!(true), &json!(false))
    );

    // The author corrects it within the window, on the page and through the API.
    clock.advance(TimeDelta::hours(23));
    let browser = t.browser_as("north.am1").await;
    let show = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(show.contains(&format!(r#"href="/records/{rid}/edit""#)));
    let r = browser
        .post(t.url(&format!("/records/{rid}/edit")))
        .form(&[
            ("kind", "visit"),
            ("summary", "上门沟通需求"),
            ("next_contact_on", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(redirect(&r).starts_with(&format!("/customers/{id}?")));
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &url,
        &am1,
        json!({"outcome": "确认预算"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (&v["kind"], &v["summary"], &v["outcome"]),
        (&json!("visit"), &json!("上门沟通需求"), &json!("确认预算"))
    );
    assert!(v["edited_at"].is_string());
    // Nobody else corrects it, not even the manager.
    let manager = t.token("north.manager").await;
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &url,
        &manager,
        json!({"summary": "改"}),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.record_not_author");

    // After the window (24 h by default) the author cannot either.
    clock.advance(TimeDelta::hours(1));
    let (s, v) = api_send(&http, Method::PATCH, &url, &am1, json!({"summary": "晚了"})).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["errors"][0]["code"], "error.record_edit_window");
    let show = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(!show.contains(&format!(r#"href="/records/{rid}/edit""#)));
    let r = browser
        .post(t.url(&format!("/records/{rid}/edit")))
        .form(&[("kind", "call"), ("summary", "晚了")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("已超过可修改时间"));

    // Both corrections are audited with the record before and after.
    let audit = audit_of(&t, "customer", id, "record.update").await;
    let items = &audit;
    assert_eq!(items.len(), 2, "{audit:?}");
    let first = items
        .iter()
        .find(|e| e["before"]["record"]["kind"] == "call")
        .unwrap();
    assert_eq!(first["before"]["record"]["summary"], "电话沟通需求");
    assert_eq!(first["after"]["record"]["summary"], "上门沟通需求");
    assert_eq!(first["after"]["record_id"], rid);
}

#[tokio::test]
async fn a_manager_deletes_a_record_after_a_confirmation_and_staff_may_not() {
    let (t, clock) = demo_with_clock().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京记录删除有限公司"})).await;
    let http = t.client();
    let mut ids = vec![];
    for (summary, next) in [("第一次电话", "2030-01-10"), ("第二次电话", "2030-02-20")] {
        let (s, r) = api_send(
            &http,
            Method::POST,
            &t.url(&format!("/api/v1/customers/{id}/records")),
            &am1,
            json!({"kind": "call", "summary": summary, "next_contact_on": next}),
        )
        .await;
        assert_eq!(s, 201, "{r}");
        ids.push(r["id"].as_i64().unwrap());
        clock.advance(TimeDelta::minutes(1));
    }
    let url = t.url(&format!("/api/v1/records/{}", ids[1]));
    // The author, a staff member, may not delete it; someone outside the scope does not see it.
    let (s, _) = api_send(&http, Method::DELETE, &url, &am1, json!(null)).await;
    assert_eq!(s, 403);
    let east = t.token("east.manager").await;
    let (s, _) = api_send(&http, Method::DELETE, &url, &east, json!(null)).await;
    assert_eq!(s, 404);

    // The region's manager is asked first on the page, then deletes.
    let browser = t.browser_as("north.manager").await;
    let show = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(show.contains(&format!(r#"href="/records/{}/delete""#, ids[1])));
    let ask = page_text(&browser, &t.url(&format!("/records/{}/delete", ids[1]))).await;
    assert!(
        ask.contains("永久删除") && ask.contains("第二次电话"),
        "{ask}"
    );
    let r = browser
        .post(t.url(&format!("/records/{}/delete", ids[1])))
        .send()
        .await
        .unwrap();
    assert!(redirect(&r).starts_with(&format!("/customers/{id}?")));
    let (s, _) = api_get(&http, &url, &am1).await;
    assert_eq!(s, 404);
    // The follow-up date falls back to the remaining record.
    let (_, c) = api_get(&http, &t.url(&format!("/api/v1/customers/{id}")), &am1).await;
    assert_eq!(c["next_contact_on"], "2030-01-10");
    // And through the API.
    let manager = t.token("north.manager").await;
    let (s, _) = api_send(
        &http,
        Method::DELETE,
        &t.url(&format!("/api/v1/records/{}", ids[0])),
        &manager,
        json!(null),
    )
    .await;
    assert_eq!(s, 204);
    let audit = audit_of(&t, "customer", id, "record.delete").await;
    let items = &audit;
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|e| e["after"].is_null()));
    assert!(
        items
            .iter()
            .any(|e| e["before"]["record"]["summary"] == "第二次电话")
    );
}

#[tokio::test]
async fn without_javascript_the_status_form_shows_the_evidence_of_the_target_asked_for() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京状态表单有限公司"})).await;
    let browser = t.browser_as("north.am1").await;
    // By default the first step up (basic): need, budget and timeline, each required.
    let page = page_text(&browser, &t.url(&format!("/customers/{id}"))).await;
    assert!(
        page.contains(r#"<fieldset class="evidence-set" data-target="basic">"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<fieldset class="evidence-set" data-target="invalid" hidden disabled>"#)
    );
    assert!(page.contains(r#"<textarea id="need" name="need" rows="2" required"#));
    // The "show" button sends the choice back by GET: the invalid reason, not the need.
    let page = page_text(
        &browser,
        &t.url(&format!("/customers/{id}?to_status=invalid")),
    )
    .await;
    assert!(page.contains(r#"<fieldset class="evidence-set" data-target="invalid">"#));
    assert!(
        page.contains(r#"<fieldset class="evidence-set" data-target="basic" hidden disabled>"#)
    );
    assert!(page.contains(r#"<option value="invalid" selected>"#));
    assert!(page.contains(r#"<select id="invalid_reason" name="invalid_reason" required"#));
    // A request without the evidence comes back with the target's fields shown and marked.
    let r = browser
        .post(t.url(&format!("/customers/{id}/status-requests")))
        .form(&[("to_status", "invalid")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<fieldset class="evidence-set" data-target="invalid">"#));
}

#[tokio::test]
async fn a_mobile_stored_before_the_rule_stays_when_another_field_is_edited() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let id = customer(&t, &am1, json!({"name": "北京旧手机号有限公司"})).await;
    let http = t.client();
    let kid = contact(&t, &am1, id, json!({"name": "孙丽"})).await;
    legacy_data(
        &t,
        &format!("UPDATE contacts SET mobile = '010-6552123' WHERE id = {kid}"),
    )
    .await;
    let url = t.url(&format!("/api/v1/contacts/{kid}"));
    let (s, v) = api_send(&http, Method::PATCH, &url, &am1, json!({"title": "财务"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (&v["title"], &v["mobile"]),
        (&json!("财务"), &json!("010-6552123"))
    );
    let (s, v) = api_send(
        &http,
        Method::PATCH,
        &url,
        &am1,
        json!({"mobile": "010-6552124"}),
    )
    .await;
    assert_eq!(s, 422, "a new one follows the rule: {v}");
}
