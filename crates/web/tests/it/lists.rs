//! The lists of deals, contracts and receivables (issue 13 point 7): saved filters belong to a
//! list and to their owner, a name once per person and list (held by the database under
//! parallel saves); the exports hold what the list shows within the export right's scope (a
//! regional manager's only their region), with exact amounts, and are audited.

use std::io::Cursor;

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::collections::{contract, demo, plan3};
use crate::deals::{customer, deal_body};
use crate::{api_get, api_send, page_text, problem_fields};

/// A CSV export's rows after the BOM, header first.
async fn csv_rows(r: reqwest::Response) -> Vec<Vec<String>> {
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&body[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The export actions audited so far: (action, the record's "after").
async fn audited(t: &TestApp, action: &str) -> Vec<String> {
    salesdesk_store::audit::list(
        t.app.db.read(),
        &salesdesk_store::audit::AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        },
        salesdesk_store::Page::new(Some(1), Some(50)),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|a| a.after.unwrap_or_default())
    .collect()
}

#[tokio::test]
async fn a_regional_managers_contract_and_receivable_exports_hold_only_their_region_with_exact_amounts()
 {
    let t = demo().await;
    let (_, north) = contract(&t, "north.am1", "华北导出甲软件有限公司", true).await;
    let (_, south) = contract(&t, "south.manager", "华南导出乙贸易有限公司", true).await;
    for (login, id) in [("north.am1", north), ("south.manager", south)] {
        let token = t.token(login).await;
        let (s, v) = api_send(
            &t.client(),
            Method::PUT,
            &t.url(&format!("/api/v1/contracts/{id}/plan")),
            &token,
            plan3(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }

    // The north manager's page export: their region's contract only, amounts as exact text.
    let north_manager = t.browser_as("north.manager").await;
    let rows = csv_rows(
        north_manager
            .get(t.url("/contracts/export.csv?status=signed"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        &rows[0][..6],
        [
            "合同编号",
            "合同名称",
            "客户名称",
            "合同状态",
            "合同金额（含税）",
            "不含税金额"
        ]
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], format!("HT-{north:06}"));
    assert_eq!(rows[1][2], "华北导出甲软件有限公司");
    assert_eq!(rows[1][3], "已签订");
    assert_eq!(rows[1][4], "92000.00");
    assert_eq!(rows[1][8], "2026-11-27");
    // The list's filter holds: no drafts among the signed.
    let rows = csv_rows(
        north_manager
            .get(t.url("/contracts/export.csv?status=draft"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(rows.len(), 1, "the header only: {rows:?}");

    // Receivables by customer: the open amount by bucket (2026-11-27's instalment is 3 days
    // overdue on Monday 2026-11-30), north only.
    let rows = csv_rows(
        north_manager
            .get(t.url("/receivables/export.csv?by=customer"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(rows[0][0], "客户");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1],
        [
            "华北导出甲软件有限公司",
            "62000.00",
            "30000.00",
            "0.00",
            "0.00",
            "0.00",
            "92000.00"
        ]
    );

    // The director's XLSX through the API: both regions, amounts as numbers.
    let director = t.token("director").await;
    let r = t
        .client()
        .get(t.url("/api/v1/contracts/export.xlsx"))
        .bearer_auth(&director)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let totals: Vec<calamine::Data> = range.rows().skip(1).map(|r| r[4].clone()).collect();
    assert_eq!(
        totals,
        [
            calamine::Data::Float(92000.0),
            calamine::Data::Float(92000.0)
        ]
    );

    // Every export is audited with its filter and its number of rows.
    let contracts = audited(&t, "contract.export").await;
    assert_eq!(contracts.len(), 3, "{contracts:?}");
    assert!(
        contracts
            .iter()
            .any(|a| a.contains("\"rows\":1") && a.contains("signed"))
    );
    assert!(contracts.iter().any(|a| a.contains("\"rows\":2")));
    assert_eq!(audited(&t, "receivable.export").await.len(), 1);
}

#[tokio::test]
async fn a_deal_export_follows_the_lists_filter_and_a_bad_filter_is_a_field_error() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "商机导出软件有限公司", "potential").await;
    let (s, d) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/deals"),
        &am,
        deal_body(k, "123.4万", "2026-12-20"),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let r = t
        .client()
        .get(t.url("/api/v1/deals/export.csv?state=open"))
        .bearer_auth(&am)
        .send()
        .await
        .unwrap();
    let rows = csv_rows(r).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][1], "OA 协同办公平台");
    assert_eq!(rows[1][5], "1234000.00");
    assert_eq!(rows[1][7], "123400.00");
    let r = t
        .client()
        .get(t.url("/api/v1/deals/export.csv?state=won"))
        .bearer_auth(&am)
        .send()
        .await
        .unwrap();
    assert_eq!(csv_rows(r).await.len(), 1);
    let (s, v) = api_get(
        &t.client(),
        &t.url("/api/v1/deals/export.csv?month=13"),
        &am,
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["month"]);
    let (s, v) = api_get(
        &t.client(),
        &t.url("/api/v1/receivables/export.csv?by=planet"),
        &am,
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["by"]);
    // The administrator holds no sales position: no export, and the reason is named.
    let admin = t.token("admin").await;
    let (s, v) = api_get(&t.client(), &t.url("/api/v1/deals/export.csv"), &admin).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(problem_fields(&v), ["export"]);
}

#[tokio::test]
async fn saved_filters_belong_to_one_list_and_a_name_is_taken_once_per_list() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("north.am1").await;
    // Saved on the contracts list: only what the list understands is kept, canonically.
    let r = b
        .post(t.url("/contracts/filters"))
        .form(&[
            ("name", "已签合同"),
            ("query", "junk=1&status=signed&page=3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/contracts?status=signed&ok=filter_saved"
    );
    let page = page_text(&b, &t.url("/contracts")).await;
    assert!(page.contains("href=\"/contracts?status=signed\""), "{page}");
    assert!(page.contains("已签合同"));
    assert!(page.contains("href=\"/contracts/export.csv\""));
    let customers = page_text(&b, &t.url("/customers")).await;
    assert!(!customers.contains("已签合同"), "another list's filter");

    // The same name on another list is fine; twice on one list is refused, in the form.
    for list in ["deals", "receivables", "customers"] {
        let r = b
            .post(t.url(&format!("/{list}/filters")))
            .form(&[("name", "已签合同"), ("query", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{list}");
    }
    let r = b
        .post(t.url("/contracts/filters"))
        .form(&[("name", "已签合同"), ("query", "status=draft")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.contains("field-error"), "{text}");

    // Over the API: per list, private, and a list that does not exist is a field error.
    let am = t.token("north.am1").await;
    let c = t.client();
    let (s, v) = api_get(&c, &t.url("/api/v1/saved-filters?list=contracts"), &am).await;
    assert_eq!(s, 200);
    let names: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["list"].as_str().unwrap(), f["query"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("contracts", "status=signed")]);
    let (s, v) = api_get(&c, &t.url("/api/v1/saved-filters?list=planets"), &am).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["list"]);
    let other = t.token("north.am2").await;
    let (_, v) = api_get(&c, &t.url("/api/v1/saved-filters?list=contracts"), &other).await;
    assert_eq!(v, json!([]));
    // Left out, the list is the customers' (as before lists had filters).
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/saved-filters"),
        &am,
        json!({"name": "本周", "query": "status=lead"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["list"], "customers");
    // Deleting one goes back to its own list.
    let id = names_id(&c, &t, &am, "contracts").await;
    let r = b
        .post(t.url(&format!("/contracts/filters/{id}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/contracts?ok=filter_deleted");
}

async fn names_id(c: &reqwest::Client, t: &TestApp, token: &str, list: &str) -> i64 {
    let (_, v) = api_get(
        c,
        &t.url(&format!("/api/v1/saved-filters?list={list}")),
        token,
    )
    .await;
    v[0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn parallel_saves_of_one_name_keep_one_filter_per_list() {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let c = t.client();
    let mut tasks = vec![];
    for i in 0..12 {
        let c = c.clone();
        let url = t.url("/api/v1/saved-filters");
        let am = am.clone();
        let list = ["deals", "contracts", "receivables"][i % 3];
        tasks.push(tokio::spawn(async move {
            let body: Value =
                json!({"list": list, "name": "同名", "query": format!("owner_id={i}")});
            let (s, _) = api_send(&c, Method::POST, &url, &am, body).await;
            (list, s)
        }));
    }
    let mut created = std::collections::BTreeMap::new();
    for task in tasks {
        let (list, s) = task.await.unwrap();
        assert!(s == 201 || s == 409, "{list}: {s}");
        if s == 201 {
            *created.entry(list).or_insert(0) += 1;
        }
    }
    assert_eq!(
        created.into_iter().collect::<Vec<_>>(),
        [("contracts", 1), ("deals", 1), ("receivables", 1)]
    );
}

#[tokio::test]
async fn a_contract_waiting_for_the_director_is_on_the_approvals_page_and_counted_in_the_navigation()
 {
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "审批合同软件有限公司", "potential").await;
    let (s, c) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/contracts"),
        &am,
        json!({"customer_id": k, "title": "大额采购合同", "signing_date": "2026-11-27",
               "lines": [{"product_code": "eoffice-std", "quantity": 1, "unit_price": "60万"}]}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let director = t.browser_as("director").await;
    let before = page_text(&director, &t.url("/approvals")).await;
    assert!(!before.contains("contracts-waiting"));
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/contracts/{id}/actions")),
        &am,
        json!({"action": "sign"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "pending_approval");
    let page = page_text(&director, &t.url("/approvals")).await;
    assert!(
        page.contains(&format!("href=\"/contracts/{id}\"")),
        "{page}"
    );
    assert!(page.contains("审批合同软件有限公司"));
    assert!(
        page.contains(
            "href=\"/approvals\" aria-current=\"page\">待我审批 <span class=\"badge\">1</span>"
        ),
        "the navigation counts it: {page}"
    );
    // The account manager approves nothing: no contract on their page.
    let mine = page_text(&t.browser_as("north.am1").await, &t.url("/approvals")).await;
    assert!(!mine.contains("contracts-waiting"));
}
