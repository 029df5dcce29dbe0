//! Customer import (CSV in GBK, XLSX) and export (CSV with BOM, XLSX), over HTTP.

use std::io::Cursor;

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::{api_get, api_send, page_text, status_json};

async fn upload(t: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = t
        .client()
        .post(t.url(&format!("/api/v1/customers/imports?file_name={name}")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    status_json(r).await
}

/// Starts a run and waits until it is over; returns the import.
pub(crate) async fn run(t: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let c = t.client();
    let url = t.url(&format!("/api/v1/customers/imports/{id}/run"));
    let (s, v) = api_send(&c, Method::POST, &url, token, body).await;
    assert_eq!(s, 202, "{v}");
    for _ in 0..400 {
        let (_, v) = api_get(
            &c,
            &t.url(&format!("/api/v1/customers/imports/{id}")),
            token,
        )
        .await;
        if v["status"] != "running" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

async fn names(t: &TestApp, token: &str) -> Vec<String> {
    let (_, v) = api_get(&t.client(), &t.url("/api/v1/customers?per_page=200"), token).await;
    let mut n: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

pub(crate) fn error_rows(v: &Value) -> Vec<(u64, String, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_gbk_csv_with_chinese_headers_imports_nothing_until_the_valid_rows_are_chosen() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let (s, _) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &am1,
        json!({"name": "北京中关村软件有限公司"}),
    )
    .await;
    assert_eq!(s, 201);
    let csv = "客户名称,城市,电话,客户类型,客户来源,企业规模\r\n\
               \"  上海浦东(科技)有限公司 \",上海,021-12345678,企业,官网,50-199人\r\n\
               北京中关村软件有限公司,北京,,,,\r\n\
               广州天河贸易有限公司,广州,,channel partner,,\r\n\
               广州天河贸易有限公司,广州,,,,\r\n\
               ,深圳,,,,\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(csv);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the test file must really be GBK"
    );
    let (s, v) = upload(&t, &am1, "gbk-list.csv", gbk.into_owned()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["headers"][0], "客户名称", "GBK headers decoded");
    assert_eq!(
        v["mapping"],
        json!(["name", "city", "phone", "type", "source", "size"])
    );
    assert_eq!(v["rows"].as_array().unwrap().len(), 5);
    assert_eq!(v["import"]["total"], 5);
    let id = v["import"]["id"].as_i64().unwrap();

    // First run: three rows are refused, so nothing is imported.
    let r = run(&t, &am1, id, json!({})).await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(
        (r["valid"].as_i64(), r["rejected"].as_i64()),
        (Some(2), Some(3))
    );
    assert_eq!(r["imported"], 0);
    assert_eq!(
        error_rows(&r),
        vec![
            (3, "name".into(), "error.import_duplicate_in_db".into()),
            (5, "name".into(), "error.import_duplicate_in_file".into()),
            (6, "name".into(), "error.required".into()),
        ]
    );
    let msgs: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs[0].contains("张伟"),
        "the duplicate's owner is named: {msgs:?}"
    );
    assert!(msgs[1].contains('4'), "the earlier row is named: {msgs:?}");
    assert_eq!(names(&t, &am1).await, vec!["北京中关村软件有限公司"]);

    // The error report: CSV with BOM, the original row and the reason.
    let rep = t
        .client()
        .get(t.url(&format!("/api/v1/customers/imports/{id}/errors.csv")))
        .bearer_auth(&am1)
        .send()
        .await
        .unwrap();
    assert_eq!(rep.status(), 200);
    let body = rep.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&body[3..]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("行号,客户名称,城市"), "{text}");
    assert!(lines[2].starts_with("5,广州天河贸易有限公司,广州") && lines[2].contains("第 4 行"));

    // Second run: only the valid rows, in one go.
    let r = run(&t, &am1, id, json!({"valid_only": true})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 2);
    assert_eq!(
        names(&t, &am1).await,
        vec![
            "上海浦东（科技）有限公司",
            "北京中关村软件有限公司",
            "广州天河贸易有限公司"
        ],
        "names normalised as when typed into the form"
    );
    let (_, list) = api_get(&t.client(), &t.url("/api/v1/customers?q=浦东"), &am1).await;
    let c = &list["items"][0];
    assert_eq!(c["status"], "lead");
    assert_eq!(c["owner_name"], "张伟", "staff import for themselves");
    assert_eq!(c["type_code"], "enterprise", "type by its Chinese name");
    assert_eq!(c["source_code"], "website");
    assert_eq!(c["size_code"], "s50_199");
    assert_eq!(c["phone"], "021-12345678");
    // Every imported customer is audited.
    let vp = t.token("vp").await;
    let (_, audit) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=customer.import&entity_type=customer"),
        &vp,
    )
    .await;
    assert_eq!(audit["total"], 2, "{audit}");
    // Each audit row and owner-history entry belongs to the customer it describes.
    for a in audit["items"].as_array().unwrap() {
        let id = a["entity_id"].as_i64().unwrap();
        let (_, c) = api_get(&t.client(), &t.url(&format!("/api/v1/customers/{id}")), &vp).await;
        assert_eq!(a["after"]["name"], c["name"], "{a}");
        let (_, h) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/customers/{id}/owner-history")),
            &vp,
        )
        .await;
        assert_eq!(h[0]["reason"], "import", "{h}");
        assert_eq!(h[0]["to_name"], c["owner_name"], "{h}");
    }
    // A finished import cannot run again.
    let (s, _) = api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/customers/imports/{id}/run")),
        &am1,
        json!({"valid_only": true}),
    )
    .await;
    assert_eq!(s, 409);
    // Someone else's import is not found.
    let am2 = t.token("north.am2").await;
    let (s, _) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/imports/{id}")),
        &am2,
    )
    .await;
    assert_eq!(s, 404);
}

fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    use salesdesk_app::xlsx::{Book, Cell, Style};
    // Shared strings, as Excel and WPS write them; the phone of the first data row is a number.
    let mut book = Book::shared_strings();
    book.sheet("Sheet1", &[], &[]).unwrap();
    for (r, row) in rows.iter().enumerate() {
        let mut cells: Vec<Cell<'_>> = row.iter().map(|c| Cell::Text(c)).collect();
        if r == 1 {
            cells.resize(cells.len().max(3), Cell::Text(""));
            cells[2] = Cell::Number(13800138000.0, Style::Normal);
        }
        book.row(&cells).unwrap();
    }
    book.finish().unwrap()
}

#[tokio::test]
async fn an_xlsx_file_imports_with_owners_by_login_or_name_within_the_managers_scope() {
    let t = TestApp::with_demo().await;
    let mgr = t.token("north.manager").await;
    let file = xlsx(&[
        vec!["Name", "Account manager", "Phone", "Region"],
        vec!["Nanjing River Software Ltd", "north.am1", "", ""],
        vec!["杭州西湖电子有限公司", "张伟", "", ""],
        vec!["深圳南山科技有限公司", "south.am1", "", ""],
    ]);
    let (s, v) = upload(&t, &mgr, "north.xlsx", file).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["mapping"], json!(["name", "owner", "phone", "region"]));
    assert_eq!(
        v["rows"][0][2], "13800138000",
        "numbers read without a decimal point"
    );
    let id = v["import"]["id"].as_i64().unwrap();
    let r = run(&t, &mgr, id, json!({"valid_only": true})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 2);
    assert_eq!(
        error_rows(&r),
        vec![(4, "owner".into(), "error.owner_outside_scope".into())],
        "a manager imports only for people in their scope"
    );
    let am1 = t.token("north.am1").await;
    assert_eq!(
        names(&t, &am1).await,
        vec!["Nanjing River Software Ltd", "杭州西湖电子有限公司"]
    );
}

/// A run cut short by a stopped server (its row left `running`) is shown as interrupted, not
/// running for ever, and can be run again; it had imported nothing.
#[tokio::test]
async fn an_interrupted_run_is_reported_and_can_run_again() {
    use salesdesk_store::Conn;
    let t = TestApp::with_demo().await;
    let am = t.token("north.am1").await;
    let file = "客户名称,电话\n北京长城数据有限公司,010-88886666\n"
        .as_bytes()
        .to_vec();
    let (s, v) = upload(&t, &am, "one.csv", file).await;
    assert_eq!(s, 201, "{v}");
    let id = v["import"]["id"].as_i64().unwrap();
    // What a process that stopped mid-run leaves behind (a start time older than any run, or
    // none for a run claimed before starts were kept).
    let tx = t.app.db.begin().await.unwrap();
    tx.execute_unprepared(&format!(
        "UPDATE imports SET status = 'running', started_at = NULL WHERE id = {id}"
    ))
    .await
    .unwrap();
    t.app.db.commit(tx).await.unwrap();
    let url = t.url(&format!("/api/v1/customers/imports/{id}"));
    let (_, v) = api_get(&t.client(), &url, &am).await;
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(v["message"], "error.import_interrupted");
    assert_eq!(v["imported"], 0);
    let page = page_text(
        &t.browser_as("north.am1").await,
        &t.url(&format!("/customers/imports/{id}")),
    )
    .await;
    assert!(page.contains("导入因服务器重启而中断"), "{page}");
    assert!(
        !page.contains("有效 0 行"),
        "no counts of a check that did not finish: {page}"
    );
    let r = run(&t, &am, id, json!({})).await;
    assert_eq!(
        (r["status"].as_str(), r["imported"].as_i64()),
        (Some("done"), Some(1)),
        "{r}"
    );
    assert_eq!(names(&t, &am).await, vec!["北京长城数据有限公司"]);
}

#[tokio::test]
async fn files_that_are_no_spreadsheet_are_refused_with_a_message_that_says_why() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let code = |v: &Value| v["errors"][0]["code"].as_str().unwrap_or("").to_string();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec();
    let (s, v) = upload(&t, &am1, "photo.csv", png.clone()).await;
    assert_eq!((s, code(&v)), (422, "error.import_not_spreadsheet".into()));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("CSV"));
    // Bytes that are neither UTF-8 nor GBK.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i * 7919 % 251) as u8 | 0x80)
        .collect();
    let (s, v) = upload(&t, &am1, "garbage.csv", garbage).await;
    assert_eq!(s, 422);
    assert!(
        ["error.import_encoding", "error.import_not_spreadsheet"].contains(&code(&v).as_str()),
        "{v}"
    );
    let (s, v) = upload(&t, &am1, "empty.csv", vec![]).await;
    assert_eq!((s, code(&v)), (422, "error.import_empty".into()));
    let (s, v) = upload(&t, &am1, "header.csv", "客户名称,城市\r\n".into()).await;
    assert_eq!((s, code(&v)), (422, "error.import_no_rows".into()));
    // A zip that is not a workbook, and a workbook cut short.
    let (s, v) = upload(&t, &am1, "x.xlsx", b"PK\x03\x04garbage".to_vec()).await;
    assert_eq!((s, code(&v)), (422, "error.import_not_spreadsheet".into()));
    let mut cut = xlsx(&[vec!["客户名称"], vec!["甲公司"]]);
    cut.truncate(cut.len() / 2);
    let (s, _) = upload(&t, &am1, "cut.xlsx", cut).await;
    assert_eq!(s, 422);
    // Too many columns.
    let wide = format!(
        "{}\r\n{}\r\n",
        vec!["客户名称"; 101].join(","),
        vec!["x"; 101].join(",")
    );
    let (s, v) = upload(&t, &am1, "wide.csv", wide.into()).await;
    assert_eq!((s, code(&v)), (422, "error.import_too_many_columns".into()));
    // Over 20 MB.
    let (s, v) = upload(&t, &am1, "big.csv", vec![b'a'; 21 * 1024 * 1024]).await;
    assert_eq!(s, 413, "{v}");
    assert!(v["title"].as_str().unwrap().contains("20 MB"));

    // The upload form says the same on the page.
    let browser = t.browser_as("north.am1").await;
    let boundary = "XyZ123boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(&png);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = browser
        .post(t.url("/customers/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("这不是 CSV 或 Excel（.xlsx）文件。")
    );
    // Nothing was kept, and the server is still there.
    assert!(names(&t, &am1).await.is_empty());
    let ok = t.client().get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn the_upload_form_leads_to_a_preview_and_a_result_page() {
    let t = TestApp::with_demo().await;
    let browser = t.browser_as("north.am1").await;
    let boundary = "b0undary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"客户.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend("\u{feff}客户名称,备注\r\n成都锦江文化有限公司,老客户介绍\r\n".as_bytes());
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = browser
        .post(t.url("/customers/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = page_text(&browser, &t.url(&to)).await;
    assert!(
        page.contains("成都锦江文化有限公司"),
        "preview shows the rows"
    );
    assert!(page.contains("name=\"col1\""), "the mapping can be changed");
    let r = browser
        .post(t.url(&format!("{to}/run")))
        .form(&[("col0", "name"), ("col1", "background")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let mut page = String::new();
    for _ in 0..200 {
        page = page_text(&browser, &t.url(&to)).await;
        if !page.contains("data-poll") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(page.contains("已导入 1 个客户"), "{page}");
}

#[tokio::test]
async fn exports_hold_exactly_the_customers_a_staff_member_sees_with_chinese_headers() {
    let t = TestApp::with_demo().await;
    let c = t.client();
    let new = |login: &'static str, name: &'static str| {
        let t = &t;
        let c = c.clone();
        async move {
            let token = t.token(login).await;
            let (s, _) = api_send(
                &c,
                Method::POST,
                &t.url("/api/v1/customers"),
                &token,
                // One phone for all: other companies, as `distinct` says (issue 10, point 5).
                json!({"name": name, "phone": "010-62345678", "type_code": "enterprise", "distinct": true}),
            )
            .await;
            assert_eq!(s, 201);
        }
    };
    new("north.am1", "北京甲科技有限公司").await;
    new("north.am1", "=HYPERLINK(\"x\")").await;
    new("north.am2", "北京乙科技有限公司").await;
    new("south.manager", "广州丙贸易有限公司").await;

    let browser = t.browser_as("north.am1").await;
    let r = browser
        .get(t.url("/customers/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let body = r.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let mut rd = csv::ReaderBuilder::new().from_reader(&body[3..]);
    let headers: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &headers[..5],
        ["ID", "客户名称", "简称", "统一社会信用代码", "客户状态"]
    );
    let rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let mut csv_names: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    csv_names.sort();
    assert_eq!(
        csv_names,
        ["'=HYPERLINK(\"x\")", "北京甲科技有限公司"],
        "own customers only; no formula"
    );
    // Every export is audited: who, which filter, how many rows (issue 10, point 10).
    let exports: Vec<(Option<i64>, String)> = salesdesk_store::audit::list(
        t.app.db.read(),
        &salesdesk_store::audit::AuditFilter {
            action: Some("customer.export".into()),
            ..Default::default()
        },
        salesdesk_store::Page::new(Some(1), Some(10)),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|a| (a.actor_id, a.after.unwrap_or_default()))
    .collect();
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert_eq!(exports[0].0, Some(t.person_id("north.am1").await));
    assert!(exports[0].1.contains("\"rows\":2"), "{exports:?}");
    let first = rows.iter().find(|r| r[1] == "北京甲科技有限公司").unwrap();
    assert_eq!(first[4], "线索");
    assert_eq!(first[5], "企业");
    assert_eq!(first[8], "张伟");
    assert!(
        first[20].len() == 16 && first[20].starts_with("20"),
        "date as YYYY-MM-DD HH:MM: {}",
        first[20]
    );

    // The same through the API, as XLSX, read back with calamine.
    let token = t.token("north.am1").await;
    let r = c
        .get(t.url("/api/v1/customers/export.xlsx?status=lead"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    // Times are Excel dates (shown as the CSV writes them); everything else is text.
    let grid: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::DateTime(d) => d
                        .as_datetime()
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(grid[0][1], "客户名称");
    let mut xlsx_rows = grid[1..].to_vec();
    xlsx_rows.sort();
    // CSV guards formula-like cells with an apostrophe; XLSX stores them as plain text.
    let mut csv_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    c.strip_prefix("'=")
                        .map(|x| format!("={x}"))
                        .unwrap_or(c.clone())
                })
                .collect()
        })
        .collect();
    csv_rows.sort();
    assert_eq!(xlsx_rows, csv_rows, "XLSX holds the same rows as CSV");

    // The filter of the list applies: a status with no customers exports only the header.
    let r = browser
        .get(t.url("/customers/export.csv?status=signed"))
        .send()
        .await
        .unwrap();
    let body = r.bytes().await.unwrap();
    assert_eq!(std::str::from_utf8(&body[3..]).unwrap().lines().count(), 1);
}

/// The import template (issue 10, point 10): both forms carry the import's columns and an example
/// row that imports as it is; the Excel one lists the allowed values on a second sheet and the
/// export's XLSX writes its dates as dates.
#[tokio::test]
async fn the_import_template_imports_as_it_is_and_lists_the_allowed_values() {
    use calamine::{Data, Reader, Xlsx};
    let t = TestApp::with_demo().await;
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url("/customers/import")).await;
    assert!(page.contains("/customers/import/template.xlsx"), "{page}");

    let csv = b
        .get(t.url("/customers/import/template.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.starts_with("\u{feff}客户名称,"), "{text}");
    assert!(text.contains("上海星河数据科技有限公司"), "{text}");

    let xlsx = b
        .get(t.url("/customers/import/template.xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(book.sheet_names(), ["客户", "可选值", "填写说明"]);
    let allowed = book.worksheet_range("可选值").unwrap();
    let cells: Vec<String> = allowed.cells().map(|(_, _, v)| v.to_string()).collect();
    for want in [
        "广东省",
        "深圳市",
        "I 信息传输、软件和信息技术服务业",
        "企业",
        "官网",
    ] {
        assert!(cells.iter().any(|c| c == want), "{want} missing");
    }

    let am1 = t.token("north.am1").await;
    let (s, v) = upload(&t, &am1, "template.csv", csv).await;
    assert_eq!(s, 201, "{v}");
    let id = v["import"]["id"].as_i64().unwrap();
    let r = run(&t, &am1, id, json!({"valid_only": false})).await;
    assert_eq!(r["status"], "done", "the example row imports as it is: {r}");
    assert_eq!(r["imported"], 1);
    assert_eq!(names(&t, &am1).await, vec!["上海星河数据科技有限公司"]);

    // The export writes times and dates as dates.
    let export = b
        .get(t.url("/customers/export.xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(export)).unwrap();
    let sheet = book.worksheet_range("客户").unwrap();
    let created = sheet.get((1, 20)).expect("a created-at cell");
    assert!(
        matches!(created, Data::DateTime(_)),
        "created-at is a date: {created:?}"
    );
}
