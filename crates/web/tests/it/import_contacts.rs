//! Contacts in imports (in the customers file, or a file of contacts alone) and who may export,
//! per position (issue 10, point 10). Run on SQLite and, with the harness's variable, PostgreSQL.

use reqwest::Method;
use salesdesk_test_support::TestApp;
use serde_json::{Value, json};

use crate::import_export::{error_rows, run};
use crate::import_runs::{holder_stopped, paused_server, settled, start};
use crate::{api_get, api_send, page_text, status_json};

async fn upload_kind(t: &TestApp, token: &str, kind: &str, csv: &str) -> Value {
    let r = t
        .client()
        .post(t.url(&format!(
            "/api/v1/customers/imports?file_name={kind}.csv&kind={kind}"
        )))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let (s, v) = status_json(r).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn create(t: &TestApp, token: &str, body: Value) -> i64 {
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        token,
        body,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

/// The customers a person sees, by name: (id, owner id).
async fn listed(t: &TestApp, token: &str) -> Vec<(String, i64, Option<i64>)> {
    let (s, v) = api_get(&t.client(), &t.url("/api/v1/customers?per_page=200"), token).await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["id"].as_i64().unwrap(),
                c["owner_id"].as_i64(),
            )
        })
        .collect()
}

/// One text of each refused row's error (`message`, `field_label`).
fn error_texts<'a>(import: &'a Value, key: &str) -> Vec<&'a str> {
    import["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_str().unwrap())
        .collect()
}

/// A customer's contacts as (name, title, mobile, email, primary).
async fn contacts(t: &TestApp, token: &str, id: i64) -> Vec<(String, Value, Value, Value, bool)> {
    let (s, v) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers/{id}/contacts")),
        token,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["title"].clone(),
                c["mobile"].clone(),
                c["email"].clone(),
                c["is_primary"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn contacts_in_numbered_columns_arrive_with_their_customer_and_are_searchable() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let csv = "客户名称,联系人1姓名,联系人1职务,联系人1手机,联系人1邮箱,联系人2姓名,联系人2手机,联系人3姓名\n\
               北京星河数据科技有限公司,王磊,采购经理,+86 138-0013-8000,wang@example.com,李娜,13900139000,\n\
               北京远航软件有限公司,,,,,,,\n";
    let v = upload_kind(&t, &am1, "customers", csv).await;
    assert_eq!(
        v["mapping"],
        json!([
            "name",
            "contact1_name",
            "contact1_title",
            "contact1_mobile",
            "contact1_email",
            "contact2_name",
            "contact2_mobile",
            "contact3_name"
        ]),
        "the numbered headers are recognised"
    );
    let id = v["import"]["id"].as_i64().unwrap();
    let r = run(&t, &am1, id, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 2);

    let all = listed(&t, &am1).await;
    let star = all
        .iter()
        .find(|c| c.0 == "北京星河数据科技有限公司")
        .unwrap()
        .1;
    let other = all
        .iter()
        .find(|c| c.0 == "北京远航软件有限公司")
        .unwrap()
        .1;
    assert_eq!(
        contacts(&t, &am1, star).await,
        vec![
            (
                "王磊".to_string(),
                json!("采购经理"),
                json!("13800138000"),
                json!("wang@example.com"),
                true
            ),
            (
                "李娜".to_string(),
                Value::Null,
                json!("13900139000"),
                Value::Null,
                false
            ),
        ],
        "two contacts, the first primary, the mobile stored as its 11 digits"
    );
    assert!(contacts(&t, &am1, other).await.is_empty());

    // The list's search finds the customer by its contact's name and mobile.
    for q in ["李娜", "13900139000"] {
        let (_, v) = api_get(
            &t.client(),
            &t.url(&format!("/api/v1/customers?q={q}")),
            &am1,
        )
        .await;
        let names: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["北京星河数据科技有限公司"], "search {q}");
    }
}

#[tokio::test]
async fn a_contact_that_breaks_the_contact_forms_rules_refuses_its_row_naming_the_column() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let long = "长".repeat(41);
    let csv = format!(
        "客户名称,联系人1姓名,联系人1手机,联系人2姓名,联系人2邮箱,联系人3职务\n\
         北京一号科技有限公司,王磊,1380013800,李娜,not-an-email,\n\
         北京二号科技有限公司,{long},,,,经理\n\
         北京三号科技有限公司,赵敏,13800138000,,,\n"
    );
    let v = upload_kind(&t, &am1, "customers", &csv).await;
    let id = v["import"]["id"].as_i64().unwrap();
    let r = run(&t, &am1, id, json!({})).await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(
        r["imported"], 0,
        "nothing is imported from a file with refused rows"
    );
    let mut errors = error_rows(&r);
    errors.sort();
    assert_eq!(
        errors,
        vec![
            (2, "contact1_mobile".into(), "error.mobile".into()),
            (2, "contact2_email".into(), "error.email".into()),
            (3, "contact1_name".into(), "error.max_chars".into()),
            (3, "contact3_name".into(), "error.required".into()),
        ]
    );
    let labels = error_texts(&r, "field_label");
    assert!(labels.contains(&"联系人1手机"), "{labels:?}");
    assert!(listed(&t, &am1).await.is_empty());

    // The valid row goes in alone when chosen, with its contact.
    let r = run(&t, &am1, id, json!({"valid_only": true})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 1);
    let all = listed(&t, &am1).await;
    assert_eq!(all.len(), 1);
    assert_eq!(contacts(&t, &am1, all[0].1).await[0].0, "赵敏");
}

#[tokio::test]
async fn a_contacts_file_finds_customers_by_uscc_or_name_and_names_those_it_cannot_find() {
    let t = TestApp::with_demo().await;
    let am1 = t.token("north.am1").await;
    let am2 = t.token("north.am2").await;
    let by_uscc = create(
        &t,
        &am1,
        json!({"name": "北京甲科技有限公司", "uscc": "914403001922038216"}),
    )
    .await;
    let by_name = create(&t, &am1, json!({"name": "北京乙科技有限公司"})).await;
    // A customer that already has a primary contact keeps it.
    let (s, _) = api_send(
        &t.client(),
        Method::POST,
        &t.url(&format!("/api/v1/customers/{by_name}/contacts")),
        &am1,
        json!({"name": "老联系人"}),
    )
    .await;
    assert_eq!(s, 201);
    // Someone else's customer is not found for am1 (never revealed).
    create(&t, &am2, json!({"name": "北京丙科技有限公司"})).await;

    let csv = "客户名称,统一社会信用代码,联系人姓名,职务,手机,联系人邮箱\n\
               ,914403001922038216,王磊,采购经理,13800138000,wang@example.com\n\
               北京甲科技有限公司,,李娜,,13900139000,\n\
               北京乙科技有限公司 ,,赵敏,总经理,,\n\
               北京丙科技有限公司,,孙浩,,,\n\
               北京丁科技有限公司,,周婷,,,\n\
               北京乙科技有限公司,,,,,\n";
    let v = upload_kind(&t, &am1, "contacts", csv).await;
    assert_eq!(v["import"]["kind"], "contacts");
    assert_eq!(
        v["mapping"],
        json!([
            "name",
            "uscc",
            "contact1_name",
            "contact1_title",
            "contact1_mobile",
            "contact1_email"
        ])
    );
    let id = v["import"]["id"].as_i64().unwrap();
    let r = run(&t, &am1, id, json!({})).await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(
        (r["valid"].as_i64(), r["rejected"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        error_rows(&r),
        vec![
            (5, "name".into(), "error.import_customer_not_found".into()),
            (6, "name".into(), "error.import_customer_not_found".into()),
            (7, "contact1_name".into(), "error.import_no_contact".into()),
        ]
    );
    let messages = error_texts(&r, "message");
    assert!(
        messages[0].contains("北京丙科技有限公司") && messages[1].contains("北京丁科技有限公司"),
        "the unmatched customer is named: {messages:?}"
    );
    assert_eq!(contacts(&t, &am1, by_uscc).await, vec![], "nothing written");

    let r = run(&t, &am1, id, json!({"valid_only": true})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 3);
    let people: Vec<(String, bool)> = contacts(&t, &am1, by_uscc)
        .await
        .into_iter()
        .map(|c| (c.0, c.4))
        .collect();
    assert_eq!(
        people,
        [("王磊".to_string(), true), ("李娜".to_string(), false)],
        "matched by USCC and by name; the first becomes primary"
    );
    let people: Vec<(String, bool)> = contacts(&t, &am1, by_name)
        .await
        .into_iter()
        .map(|c| (c.0, c.4))
        .collect();
    assert_eq!(
        people,
        [("老联系人".to_string(), true), ("赵敏".to_string(), false)],
        "the existing primary contact stays primary"
    );
    // Searchable by the new contact once the import is done.
    let (_, v) = api_get(&t.client(), &t.url("/api/v1/customers?q=赵敏"), &am1).await;
    assert_eq!(v["items"][0]["id"].as_i64(), Some(by_name));
    // Audited per contact.
    let admin = t.token("vp").await;
    let (_, log) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=contact.import&entity_type=contact&per_page=50"),
        &admin,
    )
    .await;
    assert_eq!(log["items"].as_array().map(Vec::len), Some(3), "{log}");
}

#[tokio::test]
async fn the_templates_show_the_contact_columns_and_the_pages_offer_the_contacts_file() {
    let t = TestApp::with_demo().await;
    let b = t.browser_as("north.am1").await;
    let page = page_text(&b, &t.url("/customers/import")).await;
    assert!(
        page.contains("action=\"/customers/import?kind=contacts\""),
        "{page}"
    );
    let csv = page_text(&b, &t.url("/customers/import/template.csv")).await;
    let header = csv.lines().next().unwrap();
    for col in [
        "联系人1姓名",
        "联系人1职务",
        "联系人1手机",
        "联系人1邮箱",
        "联系人3邮箱",
    ] {
        assert!(header.contains(col), "{header}");
    }
    let contacts_csv = page_text(&b, &t.url("/customers/import/template.csv?kind=contacts")).await;
    assert!(
        contacts_csv.starts_with("\u{feff}客户名称,统一社会信用代码,联系人1姓名"),
        "{contacts_csv}"
    );
    let xlsx = b
        .get(t.url("/customers/import/template.xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let table = salesdesk_app::import::read_table(&xlsx).unwrap();
    assert!(
        table.headers.iter().any(|h| h == "联系人2手机"),
        "{:?}",
        table.headers
    );

    // The contacts template imports as it is once its customer is on file.
    let am1 = t.token("north.am1").await;
    create(&t, &am1, json!({"name": "上海星河数据科技有限公司"})).await;
    let v = upload_kind(&t, &am1, "contacts", &contacts_csv).await;
    let id = v["import"]["id"].as_i64().unwrap();
    let r = run(&t, &am1, id, json!({})).await;
    assert_eq!(r["status"], "done", "{r}");
    assert_eq!(r["imported"], 2);
}

/// Every login of the demo organisation, with its position's default export right.
const ROLES: &[(&str, &str)] = &[
    ("vp", "scope"),
    ("director", "scope"),
    ("north.manager", "scope"),
    ("eoffice.manager", "scope"),
    ("north.am1", "own"),
    ("north.rep", "own"),
    ("north.consultant", "own"),
    ("eoffice.rep1", "own"),
    ("north.assistant", "own"),
    ("north.telesales", "own"),
];

/// What one person's CSV export holds: the names, or the refusal's status and code.
async fn exported(t: &TestApp, token: &str) -> Result<Vec<String>, (u16, String)> {
    let r = t
        .client()
        .get(t.url("/api/v1/customers/export.csv"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status != 200 {
        let (_, v) = status_json(r).await;
        return Err((status, v["errors"][0]["code"].as_str().unwrap_or("").into()));
    }
    let body = r.bytes().await.unwrap();
    let mut rd = csv::ReaderBuilder::new().from_reader(&body[3..]);
    let mut names: Vec<String> = rd.records().map(|r| r.unwrap()[1].to_string()).collect();
    names.sort();
    Ok(names)
}

/// What a right should give this person: everything they see, or what they own.
async fn expected(
    t: &TestApp,
    login: &str,
    token: &str,
    right: &str,
) -> Result<Vec<String>, (u16, String)> {
    let me = t.person_id(login).await;
    let mut names: Vec<String> = listed(t, token)
        .await
        .into_iter()
        .filter(|c| right == "scope" || c.2 == Some(me))
        .map(|c| c.0)
        .collect();
    names.sort();
    match right {
        "none" => Err((403, "error.export_not_allowed".into())),
        _ => Ok(names),
    }
}

#[tokio::test]
async fn by_default_managers_export_their_scope_and_everyone_else_only_their_own_customers() {
    let t = TestApp::with_demo().await;
    for (login, name) in [
        ("north.am1", "北京一科技有限公司"),
        ("north.am2", "北京二科技有限公司"),
        ("north.assistant", "北京三科技有限公司"),
        ("north.telesales", "北京四科技有限公司"),
        ("east.am1", "上海五科技有限公司"),
    ] {
        let token = t.token(login).await;
        create(&t, &token, json!({"name": name})).await;
    }
    for (login, right) in ROLES {
        let token = t.token(login).await;
        let want = expected(&t, login, &token, right).await;
        assert_eq!(exported(&t, &token).await, want, "{login} ({right})");
    }
    // Staff export what they own; the assistant sees the region's customers but exports only
    // their own.
    let am1 = t.token("north.am1").await;
    assert_eq!(
        exported(&t, &am1).await,
        Ok(vec!["北京一科技有限公司".into()])
    );
    let assistant = t.token("north.assistant").await;
    let seen = listed(&t, &assistant).await.len();
    let out = exported(&t, &assistant).await.unwrap().len();
    assert!(seen > out, "sees {seen}, exports {out}");
    // The administrator holds no sales data.
    let admin = t.token("admin").await;
    assert_eq!(
        exported(&t, &admin).await,
        Err((403, "error.export_no_sales_data".into()))
    );
}

#[tokio::test]
async fn the_administrator_changes_who_may_export_and_every_role_follows_it() {
    let t = TestApp::with_demo().await;
    for (login, name) in [
        ("north.am1", "北京一科技有限公司"),
        ("north.am2", "北京二科技有限公司"),
        ("north.telesales", "北京四科技有限公司"),
    ] {
        let token = t.token(login).await;
        create(&t, &token, json!({"name": name})).await;
    }
    let manager = t.token("north.manager").await;
    let me = t.person_id("north.manager").await;
    create(
        &t,
        &manager,
        json!({"name": "北京经理科技有限公司", "owner_id": me}),
    )
    .await;
    let admin = t.token("admin").await;
    let c = t.client();
    let url = t.url("/api/v1/settings/export-rights");
    // Not for anyone but the administrator.
    let vp = t.token("vp").await;
    let (s, _) = api_get(&c, &url, &vp).await;
    assert_eq!(s, 403);
    let (s, v) = api_get(&c, &url, &admin).await;
    assert_eq!(s, 200);
    assert_eq!(v["rights"]["telesales"], "own");
    assert_eq!(v["rights"]["regional_manager"], "scope");
    // A wrong code is named.
    let (s, v) = api_send(
        &c,
        Method::PUT,
        &url,
        &admin,
        json!({"rights": {"telesales": "all"}}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["field"], "export_rights.telesales");

    // Flip every position: managers to their own, staff to nothing, the assistant to scope.
    let changed: Vec<(&str, &str)> = ROLES
        .iter()
        .map(|(login, right)| {
            let new = match (*login, *right) {
                ("north.assistant", _) => "scope",
                (_, "scope") => "own",
                _ => "none",
            };
            (*login, new)
        })
        .collect();
    let rights = json!({
        "sales_vp": "own", "sales_director": "own", "regional_manager": "own",
        "eoffice_manager": "own", "account_manager": "none", "sales_rep": "none",
        "consultant": "none", "eoffice_rep": "none", "sales_assistant": "scope",
        "telesales": "none"
    });
    let (s, v) = api_send(&c, Method::PUT, &url, &admin, json!({ "rights": rights })).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rights"], rights);
    for (login, right) in &changed {
        let token = t.token(login).await;
        let want = expected(&t, login, &token, right).await;
        assert_eq!(exported(&t, &token).await, want, "{login} ({right})");
    }
    assert_eq!(
        exported(&t, &manager).await,
        Ok(vec!["北京经理科技有限公司".into()])
    );

    // The change is audited, position by position.
    let (_, log) = api_get(
        &c,
        &t.url("/api/v1/audit?action=setting.update&per_page=10"),
        &vp,
    )
    .await;
    let entry = &log["items"][0];
    assert_eq!(entry["after"]["export_rights.telesales"], "none", "{log}");
    assert_eq!(entry["before"]["export_rights.telesales"], "own", "{log}");

    // The page says why, and shows no export link; the export page itself refuses with the reason.
    let b = t.browser_as("north.telesales").await;
    let list = page_text(&b, &t.url("/customers")).await;
    assert!(!list.contains("/customers/export.csv"), "no link");
    assert!(list.contains("你的岗位不能导出客户"), "{list}");
    let r = b.get(t.url("/customers/export.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("你的岗位不能导出客户"));
    let m = t.browser_as("north.manager").await;
    let list = page_text(&m, &t.url("/customers")).await;
    assert!(list.contains("/customers/export.csv"));
    assert!(list.contains("导出只包含你本人负责的客户"), "{list}");

    // The settings page shows the choice and saves it.
    let a = t.browser_as("admin").await;
    let page = page_text(&a, &t.url("/settings/export")).await;
    assert!(
        page.contains("name=\"export_rights.telesales\" value=\"none\" checked"),
        "{page}"
    );
    let r = a
        .post(t.url("/settings/export"))
        .form(&[("export_rights.telesales", "own")])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let telesales = t.token("north.telesales").await;
    assert_eq!(
        exported(&t, &telesales).await,
        Ok(vec!["北京四科技有限公司".into()])
    );
}

/// Contacts of a contacts file being imported stay hidden until the run is done; an interrupted
/// run removes the ones it wrote, with their audit rows, and can run again.
#[tokio::test]
async fn a_contacts_import_shows_nothing_until_done_and_an_interrupted_one_leaves_nothing() {
    use salesdesk_store::entity::{audit_log, contacts as rows};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (t, mut pause) = paused_server(1, std::time::Duration::from_secs(15)).await;
    let am1 = t.token("north.am1").await;
    let first = create(&t, &am1, json!({"name": "杭州甲科技有限公司"})).await;
    create(&t, &am1, json!({"name": "杭州乙科技有限公司"})).await;
    let csv = "客户名称,联系人姓名,手机\n\
               杭州甲科技有限公司,王磊,13800138000\n\
               杭州乙科技有限公司,李娜,13900139000\n";
    let v = upload_kind(&t, &am1, "contacts", csv).await;
    let id = v["import"]["id"].as_i64().unwrap();
    let written = || async {
        rows::Entity::find()
            .filter(rows::Column::ImportId.eq(id))
            .count(t.app.db.read())
            .await
            .unwrap()
    };
    start(&t, &am1, id).await;
    assert_eq!(pause.paused.recv().await, Some(id));
    assert_eq!(written().await, 1, "the first chunk is written");
    assert!(
        contacts(&t, &am1, first).await.is_empty(),
        "but not shown while the import runs"
    );
    holder_stopped(&t, id).await;
    let v = settled(&t, &am1, id).await;
    assert_eq!(
        (v["status"].as_str(), v["message"].as_str()),
        (Some("failed"), Some("error.import_interrupted")),
        "{v}"
    );
    assert_eq!(
        written().await,
        0,
        "the interrupted run's contacts are removed"
    );
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("contact.import"))
        .count(t.app.db.read())
        .await
        .unwrap();
    assert_eq!(audits, 0, "and their audit rows");
    // The old holder, let go, finds its lease taken (`import_runs` shows it writes no more).
    pause.go.add_permits(1);

    start(&t, &am1, id).await;
    let v = settled(&t, &am1, id).await;
    assert_eq!(
        (v["status"].as_str(), v["imported"].as_i64()),
        (Some("done"), Some(2))
    );
    assert_eq!(contacts(&t, &am1, first).await[0].0, "王磊");
}
