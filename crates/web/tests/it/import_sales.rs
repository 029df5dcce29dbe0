//! Contracts and payments imported from CSV/XLSX (issue 13 point 7): the customers import's
//! preview, mapping and error report, with each row checked by the rules of creating and
//! signing a contract or recording a payment; all or nothing unless the valid rows are chosen.
//! Run on SQLite and, with the harness's variable, PostgreSQL.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::collections::{demo, get, send};
use crate::import_export::{error_rows, run};
use crate::{page_text, status_json};

async fn upload(t: &TestApp, token: &str, kind: &str, name: &str, bytes: Vec<u8>) -> Value {
    let r = t
        .client()
        .post(t.url(&format!(
            "/api/v1/customers/imports?file_name={name}&kind={kind}"
        )))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let (s, v) = status_json(r).await;
    assert_eq!(s, 201, "{v}");
    v
}

/// Uploads `csv` as a file of `kind` and runs it with `body`; the import as it ended.
async fn import(t: &TestApp, token: &str, kind: &str, csv: &str, body: Value) -> Value {
    let v = upload(
        t,
        token,
        kind,
        &format!("{kind}.csv"),
        csv.as_bytes().to_vec(),
    )
    .await;
    run(t, token, v["import"]["id"].as_i64().unwrap(), body).await
}

/// A new customer of `login`; its id.
async fn customer(t: &TestApp, login: &str, name: &str) -> i64 {
    let token = t.token(login).await;
    let (s, v) = send(
        t,
        &token,
        Method::POST,
        "/api/v1/customers",
        json!({"name": name}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

/// A customer's contracts as the API lists them.
async fn contracts_of(t: &TestApp, token: &str, customer_id: i64) -> Vec<Value> {
    let (s, v) = get(
        t,
        token,
        &format!("/api/v1/contracts?customer_id={customer_id}&per_page=100"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let mut items = v["items"].as_array().unwrap().clone();
    items.sort_by_key(|c| c["number"].as_str().unwrap_or_default().to_string());
    items
}

async fn customer_status(t: &TestApp, token: &str, id: i64) -> String {
    let (s, v) = get(t, token, &format!("/api/v1/customers/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v["status"].as_str().unwrap().to_string()
}

/// The plan's instalments as (due date, amount, paid).
async fn plan(t: &TestApp, token: &str, contract_id: i64) -> Vec<(String, String, String)> {
    let (s, v) = get(t, token, &format!("/api/v1/contracts/{contract_id}/plan")).await;
    assert_eq!(s, 200, "{v}");
    v["instalments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["due_date"].as_str().unwrap().to_string(),
                i["amount"].as_str().unwrap().to_string(),
                i["paid"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Each refused row's message, by row.
fn messages(v: &Value) -> Vec<(u64, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const CONTRACTS_CSV: &str = "客户名称,合同编号,合同名称,签约日期,合同金额,税率,状态,回款计划\n\
    导入合同甲科技有限公司,XH-001,数据平台年度服务,2026-11-02,\"120,000.00\",6%,已签约,2026-11-30 60000; 2026-12-31 6万\n\
    导入合同甲科技有限公司,XH-002,运维服务,2026-11-03,1.5万,,草稿,\n";

#[tokio::test]
async fn contracts_import_signs_them_moves_the_customer_and_payments_fill_the_plan() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "导入合同甲科技有限公司").await;
    let before = customer_status(&t, &am, k).await;
    assert_ne!(before, "signed");

    let v = upload(
        &t,
        &am,
        "contracts",
        "contracts.csv",
        CONTRACTS_CSV.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(
        v["mapping"],
        json!([
            "name",
            "contract_number",
            "contract_title",
            "signing_date",
            "contract_amount",
            "tax_rate",
            "contract_status",
            "plan"
        ]),
        "the headers are recognised as the contract's fields"
    );
    let r = run(&t, &am, v["import"]["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(
        (r["kind"].as_str(), r["imported"].as_i64()),
        (Some("contracts"), Some(2))
    );

    let ks = contracts_of(&t, &am, k).await;
    assert_eq!(ks.len(), 2);
    assert_eq!(ks[0]["number"], "XH-001");
    assert_eq!(ks[0]["status"], "signed");
    assert_eq!(ks[0]["total"], "120000.00");
    assert_eq!(ks[0]["signing_date"], "2026-11-02");
    assert_eq!(ks[1]["number"], "XH-002");
    assert_eq!(ks[1]["status"], "draft");
    assert_eq!(ks[1]["total"], "15000.00");
    assert_eq!(
        customer_status(&t, &am, k).await,
        "signed",
        "a signed contract moves its customer to signed"
    );
    let signed_id = ks[0]["id"].as_i64().unwrap();
    assert_eq!(
        plan(&t, &am, signed_id).await,
        vec![
            ("2026-11-30".into(), "60000.00".into(), "0.00".into()),
            ("2026-12-31".into(), "60000.00".into(), "0.00".into()),
        ]
    );
    // The customer's move is the audited system transition signing makes.
    let (moves, _) = salesdesk_store::audit::for_entity(
        t.app.db.read(),
        "customer",
        k,
        &["customer.status_change"],
        10,
    )
    .await
    .unwrap();
    assert_eq!(moves.len(), 1, "{moves:?}");

    // A payment by the company's number and one by the system's number, allocated oldest
    // due first.
    let system_number = format!("HT-{signed_id:06}");
    let csv = format!(
        "合同编号,回款日期,回款金额,付款方式\nXH-001,2026-11-28,\"70,000\",银行转账\n{system_number},2026-11-29,5000,\n"
    );
    let r = import(&t, &am, "payments", &csv, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 2);
    assert_eq!(
        plan(&t, &am, signed_id).await,
        vec![
            ("2026-11-30".into(), "60000.00".into(), "60000.00".into()),
            ("2026-12-31".into(), "60000.00".into(), "15000.00".into()),
        ]
    );
}

#[tokio::test]
async fn a_bad_contract_row_names_its_row_and_value_and_nothing_is_imported() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "导入合同乙科技有限公司").await;
    customer(&t, "east.am1", "华东看不见的有限公司").await;
    let r = import(
        &t,
        &am,
        "contracts",
        CONTRACTS_CSV.replace("导入合同甲", "导入合同乙").as_str(),
        json!({}),
    )
    .await;
    assert_eq!(r["status"], "done", "{r}");

    let csv = "客户名称,合同编号,合同名称,签约日期,合同金额,负责人,状态,回款计划\n\
        不存在的公司,N-1,甲,2026-11-02,100,,,\n\
        导入合同乙科技有限公司,XH-001,乙,2026-11-02,100,,,\n\
        导入合同乙科技有限公司,N-3,丙,2026-11-02,100,,作废,\n\
        导入合同乙科技有限公司,N-4,丁,2026-11-02,12.345,,,\n\
        导入合同乙科技有限公司,N-5,戊,2027-01-01,100,,,\n\
        导入合同乙科技有限公司,N-6,己,2026-11-02,100,,,\n\
        导入合同乙科技有限公司,N-6,庚,2026-11-02,100,,,\n\
        导入合同乙科技有限公司,N-8,辛,2026-11-02,100,,,2026-12-01 99\n\
        导入合同乙科技有限公司,N-9,壬,2026-11-02,100,nobody,,\n\
        华东看不见的有限公司,N-10,癸,2026-11-02,100,,,\n\
        导入合同乙科技有限公司,N-11,好的一行,2026-11-02,100,,,\n";
    let r = import(&t, &am, "contracts", csv, json!({})).await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(
        (
            r["imported"].as_i64(),
            r["rejected"].as_i64(),
            r["valid"].as_i64()
        ),
        (Some(0), Some(9), Some(2))
    );
    let rows = error_rows(&r);
    let expect = [
        (2, "name", "error.import_customer_not_found"),
        (3, "contract_number", "error.cimport_number_in_db"),
        (4, "contract_status", "error.cimport_status"),
        (5, "contract_amount", "error.money_decimals"),
        (6, "signing_date", "error.contract_date_future"),
        (8, "contract_number", "error.import_duplicate_in_file"),
        (9, "plan", "error.plan_short"),
        (10, "owner", "error.cimport_unknown_owner"),
        (11, "name", "error.import_customer_not_found"),
    ];
    for (row, field, code) in expect {
        let hit = rows.iter().find(|(n, _, _)| *n == row);
        assert!(
            hit.is_some_and(|(_, f, c)| f == field && c == code),
            "row {row}: {rows:?}"
        );
    }
    let texts = messages(&r);
    let text = |row: u64| {
        texts
            .iter()
            .filter(|(n, _)| *n == row)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(text(2).contains("不存在的公司"), "{}", text(2));
    assert!(text(3).contains("XH-001"), "{}", text(3));
    assert!(
        text(4).contains("作废") && text(4).contains("signed"),
        "{}",
        text(4)
    );
    assert!(
        text(8).contains('7'),
        "the first row with the number: {}",
        text(8)
    );
    assert!(text(10).contains("nobody"), "{}", text(10));
    assert!(
        text(11).contains("华东看不见的有限公司"),
        "an invisible customer is not found: {}",
        text(11)
    );
    assert_eq!(
        contracts_of(&t, &am, k).await.len(),
        2,
        "nothing of the file was written"
    );

    // The error report: the row, its cells and the reason.
    let b = t.browser_as("north.am1").await;
    let id = r["id"].as_i64().unwrap();
    let report = page_text(&b, &t.url(&format!("/customers/imports/{id}/errors.csv"))).await;
    assert!(
        report.contains("不存在的公司") && report.contains("作废"),
        "{report}"
    );

    // Only the valid rows, when chosen: the two good ones.
    let r = run(&t, &am, id, json!({"valid_only": true})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 2);
    assert_eq!(contracts_of(&t, &am, k).await.len(), 4);
}

#[tokio::test]
async fn bad_payment_rows_name_the_row_and_value_and_valid_rows_may_be_imported() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "导入合同甲科技有限公司").await;
    let r = import(&t, &am, "contracts", CONTRACTS_CSV, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    let csv = "合同编号,回款日期,回款金额,备注\n\
        XH-001,2026-11-29,\"130,000\",超额\n\
        XH-001,2026-10-01,100,早于签约\n\
        XH-404,2026-11-29,100,\n\
        XH-002,2026-11-29,100,草稿合同\n\
        XH-001,2026-11-29,abc,\n\
        XH-001,2026-11-29,1000,好的一行\n";
    let r = import(&t, &am, "payments", csv, json!({})).await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(r["imported"], 0);
    let rows = error_rows(&r);
    for (row, field, code) in [
        (2, "payment_amount", "error.payment_above_open"),
        (3, "received_on", "error.payment_before_contract"),
        (4, "contract_number", "error.cimport_contract_not_found"),
        (5, "contract_number", "error.payment_contract_not_signed"),
    ] {
        assert!(
            rows.iter()
                .any(|(n, f, c)| *n == row && f == field && c == code),
            "row {row}: {rows:?}"
        );
    }
    assert!(
        rows.iter()
            .any(|(n, f, _)| *n == 6 && f == "payment_amount"),
        "{rows:?}"
    );
    assert!(!rows.iter().any(|(n, _, _)| *n == 7), "{rows:?}");
    let texts = messages(&r);
    let of = |row: u64| texts.iter().find(|(n, _)| *n == row).unwrap().1.clone();
    assert!(
        of(2).contains("120,000.00"),
        "names what is open: {}",
        of(2)
    );
    assert!(
        of(3).contains("2026-11-02"),
        "names the signing date: {}",
        of(3)
    );
    assert!(of(4).contains("XH-404"), "{}", of(4));
    let id = ksigned(&t, &am, k).await;
    assert_eq!(plan(&t, &am, id).await[0].2, "0.00", "nothing was recorded");

    let r = run(
        &t,
        &am,
        r["id"].as_i64().unwrap(),
        json!({"valid_only": true}),
    )
    .await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 1);
    assert_eq!(plan(&t, &am, id).await[0].2, "1000.00");
}

async fn ksigned(t: &TestApp, token: &str, customer_id: i64) -> i64 {
    contracts_of(t, token, customer_id)
        .await
        .into_iter()
        .find(|c| c["status"] == "signed")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn who_may_import_is_who_may_create_the_contract_and_record_its_payments() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "导入合同甲科技有限公司").await;
    // The regional assistant sees the region's customers but may not make their contracts.
    let assistant = t.token("north.assistant").await;
    let r = import(&t, &assistant, "contracts", CONTRACTS_CSV, json!({})).await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert!(
        error_rows(&r)
            .iter()
            .all(|(_, f, c)| f == "owner" && c == "error.cimport_not_yours"),
        "{r}"
    );
    // Nor an account manager a contract owned by a colleague.
    let csv = "客户名称,合同编号,合同名称,签约日期,合同金额,负责人\n导入合同甲科技有限公司,P-1,甲,2026-11-02,100,north.am2\n";
    let r = import(&t, &am, "contracts", csv, json!({})).await;
    assert_eq!(
        error_rows(&r),
        vec![(2, "owner".into(), "error.cimport_not_yours".into())]
    );
    // The regional manager may: owned by the customer's owner.
    let manager = t.token("north.manager").await;
    let r = import(&t, &manager, "contracts", CONTRACTS_CSV, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    let ks = contracts_of(&t, &am, k).await;
    assert_eq!(ks.len(), 2);
    assert!(
        ks.iter()
            .all(|c| c["owner_name"] == ks[0]["owner_name"] && !c["owner_name"].is_null())
    );
    // Payments: the assistant may not record them; the owner may.
    let csv = "合同编号,回款日期,回款金额\nXH-001,2026-11-28,100\n";
    let r = import(&t, &assistant, "payments", csv, json!({})).await;
    assert_eq!(
        error_rows(&r),
        vec![(
            2,
            "contract_number".into(),
            "error.cimport_payment_not_yours".into()
        )]
    );
    let r = import(&t, &am, "payments", csv, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    // A kind that does not exist is refused.
    let r = t
        .client()
        .post(t.url("/api/v1/customers/imports?file_name=x.csv&kind=invoices"))
        .bearer_auth(&am)
        .header("content-type", "application/octet-stream")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
}

#[tokio::test]
async fn above_the_threshold_an_import_waits_for_approval_unless_the_director_imports() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "导入合同丙科技有限公司").await;
    let csv = "客户名称,合同编号,合同名称,签约日期,合同金额\n导入合同丙科技有限公司,BIG-1,大单,2026-11-02,80万\n";
    let r = import(&t, &am, "contracts", csv, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(
        contracts_of(&t, &am, k).await[0]["status"],
        "pending_approval"
    );
    assert_ne!(customer_status(&t, &am, k).await, "signed");
    let director = t.token("director").await;
    let csv = csv.replace("BIG-1", "BIG-2");
    let r = import(&t, &director, "contracts", &csv, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    let ks = contracts_of(&t, &am, k).await;
    assert_eq!(
        ks.iter().find(|c| c["number"] == "BIG-2").unwrap()["status"],
        "signed"
    );
    assert_eq!(customer_status(&t, &am, k).await, "signed");
}

#[tokio::test]
async fn gbk_csv_and_xlsx_files_import_and_the_pages_offer_both_kinds() {
    let t = demo().await;
    let am = t.token("north.am1").await;
    let k = customer(&t, "north.am1", "导入合同甲科技有限公司").await;
    let (gbk, _, _) = encoding_rs::GBK.encode(CONTRACTS_CSV);
    let v = upload(&t, &am, "contracts", "gbk.csv", gbk.to_vec()).await;
    let r = run(&t, &am, v["import"]["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(contracts_of(&t, &am, k).await.len(), 2);

    let text = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let xlsx = salesdesk_app::export::workbook(&[salesdesk_app::export::Sheet {
        name: "回款".into(),
        rows: vec![
            text(&[
                "Contract number",
                "Date received",
                "Amount received",
                "Method",
            ]),
            text(&["XH-001", "2026-11-27", "1.2万", "wire"]),
        ],
    }])
    .unwrap();
    let v = upload(&t, &am, "payments", "payments.xlsx", xlsx).await;
    assert_eq!(
        v["mapping"],
        json!([
            "contract_number",
            "received_on",
            "payment_amount",
            "payment_reference"
        ])
    );
    let r = run(&t, &am, v["import"]["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    let id = ksigned(&t, &am, k).await;
    assert_eq!(plan(&t, &am, id).await[0].2, "12000.00");

    // The pages: linked from the contracts list and the receivables page, a form per kind,
    // templates in both formats, and the history names the kind.
    let b = t.browser_as("north.am1").await;
    let list = page_text(&b, &t.url("/contracts")).await;
    assert!(list.contains("/customers/import?kind=contracts"), "{list}");
    let recv = page_text(&b, &t.url("/receivables")).await;
    assert!(recv.contains("/customers/import?kind=payments"), "{recv}");
    let form = page_text(&b, &t.url("/customers/import?kind=contracts")).await;
    assert!(
        form.contains("导入合同") && form.contains("template.xlsx?kind=contracts"),
        "{form}"
    );
    let tpl = page_text(&b, &t.url("/customers/import/template.csv?kind=payments")).await;
    assert!(
        tpl.contains("合同编号") && tpl.contains("回款金额"),
        "{tpl}"
    );
    let r = b
        .get(t.url("/customers/import/template.xlsx?kind=contracts"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap();
    let table = salesdesk_app::import::read_table(&bytes).unwrap();
    assert!(
        table.headers.iter().any(|h| h == "合同编号"),
        "{:?}",
        table.headers
    );
    let shown = page_text(&b, &t.url(&format!("/customers/imports/{}", r_id(&v)))).await;
    assert!(shown.contains("回款导入"), "{shown}");
    let contract = page_text(&b, &t.url(&format!("/contracts/{id}"))).await;
    assert!(
        contract.contains("XH-001") && contract.contains("导入的合同总额"),
        "{contract}"
    );
}

fn r_id(v: &Value) -> i64 {
    v["import"]["id"].as_i64().unwrap()
}
