//! Import runs in short transactions (issue 9, points 4 and 5): rows hidden until the run is
//! done, other writes let through, failed and interrupted runs cleaned up, leases.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;
use salesdesk_app::AppConfig;
use salesdesk_app::import::ChunkHook;
use salesdesk_store::entity::{audit_log, customers, imports, owner_history};
use salesdesk_test_support::TestApp;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};

use crate::{api_get, api_send, status_json};

/// A run paused after its first committed chunk: `paused` says it got there, one permit on
/// `go` lets it go on. Only the first run of the test pauses.
pub(crate) struct Pause {
    pub(crate) paused: mpsc::UnboundedReceiver<i64>,
    pub(crate) go: Arc<Semaphore>,
}

/// A server with the demo company whose imports write `chunk` customers per transaction and
/// pause after their first chunk; `lease` is the run's lease.
pub(crate) async fn paused_server(chunk: usize, lease: Duration) -> (TestApp, Pause) {
    let (tx, paused) = mpsc::unbounded_channel();
    let go = Arc::new(Semaphore::new(0));
    let once = Arc::new(AtomicBool::new(false));
    let hook = {
        let go = go.clone();
        ChunkHook(Arc::new(move |id, chunks| {
            let (tx, go, once) = (tx.clone(), go.clone(), once.clone());
            Box::pin(async move {
                if chunks == 1 && !once.swap(true, Ordering::SeqCst) {
                    let _ = tx.send(id);
                    go.acquire().await.expect("semaphore").forget();
                }
            })
        }))
    };
    let t = TestApp::spawn_with(AppConfig {
        import_chunk_rows: chunk,
        import_lease: lease,
        import_chunk_hook: Some(hook),
        ..AppConfig::default()
    })
    .await;
    salesdesk_app::demo::seed(&t.app).await.expect("demo seed");
    (t, Pause { paused, go })
}

async fn upload(t: &TestApp, token: &str, csv: &str) -> i64 {
    let r = t
        .client()
        .post(t.url("/api/v1/customers/imports?file_name=runs.csv"))
        .bearer_auth(token)
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let (s, v) = status_json(r).await;
    assert_eq!(s, 201, "{v}");
    v["import"]["id"].as_i64().unwrap()
}

pub(crate) async fn start(t: &TestApp, token: &str, id: i64) {
    let url = t.url(&format!("/api/v1/customers/imports/{id}/run"));
    let (s, v) = api_send(&t.client(), Method::POST, &url, token, json!({})).await;
    assert_eq!(s, 202, "{v}");
}

/// Polls the import until it is neither running nor removing its rows.
pub(crate) async fn settled(t: &TestApp, token: &str, id: i64) -> Value {
    let url = t.url(&format!("/api/v1/customers/imports/{id}"));
    for _ in 0..400 {
        let (_, v) = api_get(&t.client(), &url, token).await;
        if v["status"] != "running" && v["status"] != "removing" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("import {id} did not finish");
}

/// Ids of the customers an import wrote, read past every scope.
async fn rows_of(t: &TestApp, import: i64) -> Vec<i64> {
    customers::Entity::find()
        .filter(customers::Column::ImportId.eq(import))
        .all(t.app.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

/// `(items' names, total)` of the customer list with this query string.
async fn listed(t: &TestApp, token: &str, query: &str) -> (Vec<String>, i64) {
    let (s, v) = api_get(
        &t.client(),
        &t.url(&format!("/api/v1/customers?per_page=200&{query}")),
        token,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let mut names: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    (names, v["total"].as_i64().unwrap())
}

const FILE: &str = "客户名称,客户经理\n\
                    杭州云帆信息技术有限公司,north.am1\n\
                    宁波海曙软件有限公司,north.am1\n\
                    温州瓯江数据有限公司,\n\
                    嘉兴南湖电子有限公司,north.am1\n\
                    绍兴越城网络有限公司,\n";

/// Everything a hidden customer could be seen through, as `(what, seen)`.
async fn seen_through(t: &TestApp, vp: &str, am: &str, id: i64) -> Vec<(&'static str, bool)> {
    let c = t.client();
    let by_id = api_get(&c, &t.url(&format!("/api/v1/customers/{id}")), vp)
        .await
        .0
        == 200;
    let history = api_get(
        &c,
        &t.url(&format!("/api/v1/customers/{id}/owner-history")),
        vp,
    )
    .await
    .0 == 200;
    let contacts = api_get(&c, &t.url(&format!("/api/v1/customers/{id}/contacts")), vp)
        .await
        .0
        == 200;
    let (_, audit) = api_get(
        &c,
        &t.url(&format!(
            "/api/v1/audit?entity_type=customer&entity_id={id}"
        )),
        vp,
    )
    .await;
    let audited = audit["items"].as_array().is_some_and(|a| !a.is_empty());
    let export = c
        .get(t.url("/api/v1/customers/export.csv"))
        .bearer_auth(vp)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    vec![
        ("by id", by_id),
        ("owner history", history),
        ("contacts", contacts),
        ("audit log", audited),
        (
            "list (VP)",
            listed(t, vp, "")
                .await
                .0
                .contains(&"杭州云帆信息技术有限公司".to_string()),
        ),
        (
            "list (account manager)",
            listed(t, am, "")
                .await
                .0
                .contains(&"杭州云帆信息技术有限公司".to_string()),
        ),
        (
            "search of 4 characters",
            listed(t, vp, "q=云帆信息").await.1 > 0,
        ),
        (
            "search of 2 characters",
            listed(t, vp, "q=云帆").await.1 > 0,
        ),
        ("export", export.contains("杭州云帆信息技术有限公司")),
    ]
}

/// The writer is not held for the run (on SQLite the one writer connection): while a run is
/// half written, another create commits; the rows written so far are seen nowhere — list,
/// search, count, by id, owner history, audit, export —, a create of the same name is refused
/// as a duplicate, and once the run is done they are seen everywhere.
#[tokio::test]
async fn an_import_lets_other_writes_through_and_shows_its_rows_only_when_done() {
    let (t, mut pause) = paused_server(2, Duration::from_secs(15)).await;
    let vp = t.token("vp").await;
    let am = t.token("north.am1").await;
    let (_, total_before) = listed(&t, &vp, "").await;
    let id = upload(&t, &am, FILE).await;
    start(&t, &am, id).await;
    assert_eq!(pause.paused.recv().await, Some(id));

    let hidden = rows_of(&t, id).await;
    assert_eq!(hidden.len(), 2, "the first chunk is committed");
    let first = *hidden.iter().min().unwrap();
    let seen = seen_through(&t, &vp, &am, first).await;
    assert!(
        seen.iter().all(|(_, s)| !s),
        "hidden rows were seen: {seen:?}"
    );
    assert_eq!(listed(&t, &vp, "").await.1, total_before, "the count");

    // Another write commits meanwhile (the old single transaction held SQLite's writer).
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let (s, v) = api_send(
        &quick,
        Method::POST,
        &t.url("/api/v1/customers"),
        &am,
        json!({"name": "苏州工业园区测试有限公司"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // A hidden row still counts for duplicates, without telling its id.
    let (s, v) = api_send(
        &quick,
        Method::POST,
        &t.url("/api/v1/customers"),
        &vp,
        json!({"name": "杭州云帆信息技术有限公司"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(v.get("existing_id").is_none(), "{v}");

    pause.go.add_permits(1);
    let done = settled(&t, &am, id).await;
    assert_eq!(
        (done["status"].as_str(), done["imported"].as_i64()),
        (Some("done"), Some(5)),
        "{done}"
    );
    let seen = seen_through(&t, &vp, &am, first).await;
    let missing: Vec<_> = seen.iter().filter(|(_, s)| !s).collect();
    assert!(missing.is_empty(), "not seen once done: {missing:?}");
    assert_eq!(listed(&t, &vp, "").await.1, total_before + 6);
}

/// A run that fails half-way (a row's USCC was taken by a create after the check) removes what
/// it wrote: no customer, owner history or audit row of it is left, and it can run again.
#[tokio::test]
async fn a_failing_import_leaves_no_customers_owner_history_or_audit_rows_behind() {
    let (t, mut pause) = paused_server(2, Duration::from_secs(15)).await;
    let am = t.token("north.am1").await;
    let am2 = t.token("north.am2").await;
    let (audits_before, history_before) = (
        audit_log::Entity::find()
            .count(t.app.db.read())
            .await
            .unwrap(),
        owner_history::Entity::find()
            .count(t.app.db.read())
            .await
            .unwrap(),
    );
    let file = "客户名称,统一社会信用代码,客户经理\n\
                杭州云帆信息技术有限公司,,north.am1\n\
                宁波海曙软件有限公司,,north.am1\n\
                温州瓯江数据有限公司,,north.am1\n\
                华为技术有限公司,914403001922038216,north.am1\n";
    let id = upload(&t, &am, file).await;
    start(&t, &am, id).await;
    assert_eq!(pause.paused.recv().await, Some(id));
    assert_eq!(rows_of(&t, id).await.len(), 2);
    // Someone else registers the fourth row's company (same USCC) before the run gets to it.
    let (s, v) = api_send(
        &t.client(),
        Method::POST,
        &t.url("/api/v1/customers"),
        &am2,
        json!({"name": "深圳华为", "uscc": "914403001922038216"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    pause.go.add_permits(1);

    let v = settled(&t, &am, id).await;
    assert_eq!(
        (
            v["status"].as_str(),
            v["message"].as_str(),
            v["imported"].as_i64()
        ),
        (Some("failed"), Some("error.duplicate_customer"), Some(0)),
        "{v}"
    );
    assert!(rows_of(&t, id).await.is_empty(), "customers left behind");
    let db = t.app.db.read();
    let import_audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("customer.import"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(import_audits, 0, "audit rows of the import left behind");
    // The one create above wrote one audit row and one owner-history row; the upload one audit.
    assert_eq!(
        audit_log::Entity::find().count(db).await.unwrap(),
        audits_before + 2
    );
    assert_eq!(
        owner_history::Entity::find().count(db).await.unwrap(),
        history_before + 1
    );
}

/// Sets an import's lease as a process that stopped would leave it: held by someone else, and
/// run out.
pub(crate) async fn holder_stopped(t: &TestApp, id: i64) {
    let tx = t.app.db.begin().await.unwrap();
    imports::Entity::update_many()
        .col_expr(
            imports::Column::LeaseHolder,
            Expr::value("pid 1 on a-stopped-host started 2026-01-01T00:00:00Z run 1"),
        )
        .col_expr(
            imports::Column::LeaseUntil,
            Expr::value(chrono::Utc::now() - chrono::TimeDelta::seconds(1)),
        )
        .filter(imports::Column::Id.eq(id))
        .exec(&tx)
        .await
        .unwrap();
    t.app.db.commit(tx).await.unwrap();
}

/// A run whose holder stopped renewing is seen as interrupted as soon as the lease has run out
/// (no 15 minutes): its rows are removed, the holder writes nothing more, and it runs again.
#[tokio::test]
async fn a_run_whose_holder_stopped_renewing_is_interrupted_at_once_and_can_run_again() {
    let (t, mut pause) = paused_server(2, Duration::from_secs(15)).await;
    let am = t.token("north.am1").await;
    let id = upload(&t, &am, FILE).await;
    start(&t, &am, id).await;
    assert_eq!(pause.paused.recv().await, Some(id));
    assert_eq!(rows_of(&t, id).await.len(), 2);
    holder_stopped(&t, id).await;

    let v = settled(&t, &am, id).await;
    assert_eq!(
        (
            v["status"].as_str(),
            v["message"].as_str(),
            v["imported"].as_i64()
        ),
        (Some("failed"), Some("error.import_interrupted"), Some(0)),
        "{v}"
    );
    assert!(
        rows_of(&t, id).await.is_empty(),
        "the interrupted run's rows are removed"
    );
    // The old holder, let go, finds its lease taken and writes nothing more.
    pause.go.add_permits(1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rows_of(&t, id).await.is_empty(), "the old holder wrote on");
    assert_eq!(settled(&t, &am, id).await["status"], "failed");

    start(&t, &am, id).await;
    let v = settled(&t, &am, id).await;
    assert_eq!(
        (v["status"].as_str(), v["imported"].as_i64()),
        (Some("done"), Some(5)),
        "{v}"
    );
    assert_eq!(rows_of(&t, id).await.len(), 5);
}

/// Another process that looks at a live run — past the length of its lease, which the run
/// keeps renewing — neither takes it over nor runs it a second time.
#[tokio::test]
async fn a_live_run_is_not_taken_over_by_another_process() {
    let lease = Duration::from_millis(600);
    let (t, mut pause) = paused_server(2, lease).await;
    let am = t.token("north.am1").await;
    let id = upload(&t, &am, FILE).await;
    start(&t, &am, id).await;
    assert_eq!(pause.paused.recv().await, Some(id));

    let (other, stop) = t.second_server().await;
    tokio::time::sleep(lease * 2).await;
    let other_app = salesdesk_app::App::new(
        salesdesk_store::Db::connect(&t.db.url).await.unwrap(),
        t.app.config.clone(),
    );
    assert_eq!(
        salesdesk_app::import::reap_interrupted(&other_app)
            .await
            .unwrap(),
        0
    );
    let c = t.client();
    let (_, v) = api_get(&c, &format!("{other}/api/v1/customers/imports/{id}"), &am).await;
    assert_eq!(v["status"], "running", "{v}");
    let (s, _) = api_send(
        &c,
        Method::POST,
        &format!("{other}/api/v1/customers/imports/{id}/run"),
        &am,
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "a running import is not run twice");
    assert_eq!(rows_of(&t, id).await.len(), 2);

    pause.go.add_permits(1);
    let v = settled(&t, &am, id).await;
    assert_eq!(
        (v["status"].as_str(), v["imported"].as_i64()),
        (Some("done"), Some(5)),
        "{v}"
    );
    let _ = stop.send(());
}
