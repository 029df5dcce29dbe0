//! Issue 12, point 5 across real `salesdesk serve` processes: a trial's reminder and escalation
//! come due while two processes run (PostgreSQL; one on SQLite, whose one writer per file is
//! the supported set-up) and each notification is sent exactly once; a due escalation claimed
//! by a process that is then killed (SIGKILL) fires later on the other process, once — late,
//! not never. Times are moved in the database (a job made due, a dead claimer's lease run
//! out) instead of waited for.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use reqwest::Client;
use salesdesk_app::jobs::{Registry, Runner};
use salesdesk_app::{App, AppConfig, Clock, Db, trials};
use salesdesk_store::entity::{jobs as job_rows, notifications as notes};
use salesdesk_store::jobs as store;
use salesdesk_store::{Conn, Page};
use salesdesk_test_support::ServeProcesses;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_salesdesk");

fn postgres() -> bool {
    std::env::var("SALESDESK_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

/// The demo organisation served by two processes on PostgreSQL (one on SQLite), with the
/// intake limits raised so that one test address may apply many times.
async fn served() -> ServeProcesses {
    let p = ServeProcesses::with_demo(BIN, if postgres() { 2 } else { 1 }).await;
    let admin = p.client(0, "admin").await;
    let r = admin
        .put(p.url(0, "/api/v1/settings/trials"))
        .json(
            &json!({"first_contact_hours": 4, "remind_before_minutes": 60,
                      "fold_window_days": 30, "per_address_per_hour": 100000,
                      "per_key_per_minute": 100000}),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    // The north hands out new customers in turn (as in the full demo).
    let manager = salesdesk_store::users::find_by_login(p.app.db.read(), "north.manager")
        .await
        .expect("query")
        .expect("exists");
    let tx = p.app.db.begin().await.expect("begin");
    salesdesk_store::assignment::set_mode(
        &tx,
        manager.region_id.expect("north"),
        "round_robin",
        Some(manager.id),
    )
    .await
    .expect("rule");
    p.app.db.commit(tx).await.expect("commit");
    p
}

/// A new Beijing company applies through the public form of process `i`; routed to one of the
/// north region's account managers (whose manager is `north.manager`).
async fn apply(p: &ServeProcesses, i: usize, company: &str, mobile: &str) {
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = plain
        .post(p.url(i, "/apply"))
        .form(&[
            ("company", company),
            ("contact_name", "王磊"),
            ("mobile", mobile),
            ("province", "110000"),
            ("product", "eoffice-std"),
            ("message", "试用"),
            ("lang", "zh-CN"),
        ])
        .send()
        .await
        .expect("apply");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
}

/// The jobs of one kind, oldest first.
async fn jobs_of(p: &ServeProcesses, kind: &str) -> Vec<store::Job> {
    let mut all = store::list(
        p.app.db.read(),
        Some(kind),
        None,
        Page::new(None, Some(200)),
    )
    .await
    .expect("jobs")
    .items;
    all.reverse();
    all
}

fn trial_of(j: &store::Job) -> i64 {
    let v: Value = serde_json::from_str(&j.payload).expect("payload");
    v["trial_id"].as_i64().expect("trial_id")
}

/// The notifications about one trial: (kind, recipient) → how many.
async fn notes_about(p: &ServeProcesses, trial: i64) -> BTreeMap<(String, i64), usize> {
    let rows = notes::Entity::find()
        .filter(notes::Column::SubjectType.eq("trial"))
        .filter(notes::Column::SubjectId.eq(trial))
        .all(p.app.db.read())
        .await
        .expect("notifications");
    let mut m = BTreeMap::new();
    for n in rows {
        *m.entry((n.kind, n.user_id)).or_default() += 1;
    }
    m
}

async fn owner_of(p: &ServeProcesses, trial: i64) -> i64 {
    let t = salesdesk_store::trials::get(
        p.app.db.read(),
        trial,
        &salesdesk_store::customers::Visible::All,
    )
    .await
    .expect("trial")
    .expect("exists");
    t.owner_id
        .unwrap_or_else(|| panic!("routed to a person: {t:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reminders_and_escalations_due_under_two_serve_processes_notify_exactly_once_each() {
    let p = served().await;
    const N: usize = 8;
    for i in 0..N {
        apply(
            &p,
            i,
            &format!("北京两进程{i}号信息技术有限公司"),
            &format!("1391234560{i}"),
        )
        .await;
    }
    let reminds = jobs_of(&p, trials::REMIND).await;
    let escalations = jobs_of(&p, trials::ESCALATE).await;
    assert_eq!((reminds.len(), escalations.len()), (N, N));
    let ids: Vec<i64> = reminds.iter().chain(&escalations).map(|j| j.id).collect();
    // Both kinds come due at one moment, while every process's runner looks for work.
    p.make_jobs_due(&ids).await;
    let finished = p.jobs_finished(&ids).await;
    for j in &finished {
        // A claim counts an attempt: a job run twice shows two.
        assert_eq!((j.state.as_str(), j.attempts), ("done", 1), "{j:?}");
    }
    let manager = p.person_id("north.manager").await;
    for j in &escalations {
        let trial = trial_of(j);
        let owner = owner_of(&p, trial).await;
        let got = notes_about(&p, trial).await;
        for key in [
            ("trial_due_soon".to_string(), owner),
            ("trial_overdue".to_string(), manager),
            ("trial_overdue_owner".to_string(), owner),
        ] {
            assert_eq!(got.get(&key), Some(&1), "trial {trial}, {key:?}: {got:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_escalation_claimed_by_a_killed_process_fires_once_later_on_the_other() {
    let mut p = served().await;
    apply(&p, 0, "北京断电测试网络科技有限公司", "13912345699").await;
    let job = jobs_of(&p, trials::ESCALATE).await.remove(0);
    let trial = trial_of(&job);
    let dead_owner = if p.db.is_postgres() {
        // The trial's row is locked, so the handler that claims the job stops in the middle of
        // its transaction; the process holding it is then killed.
        let lock = p.app.db.begin().await.expect("begin");
        lock.execute_unprepared(&format!(
            "SELECT id FROM trial_applications WHERE id = {trial} FOR UPDATE"
        ))
        .await
        .expect("lock the trial");
        p.make_jobs_due(&[job.id]).await;
        let started = Instant::now();
        let owner = loop {
            let j = store::get(p.app.db.read(), job.id)
                .await
                .expect("job")
                .expect("exists");
            if j.state == store::RUNNING {
                break j.lease_owner.expect("a running job has an owner");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "never claimed: {j:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let victim = (0..2)
            .find(|i| owner.starts_with(&format!("pid {} ", p.pid(*i))))
            .expect("the owner is one of the two processes");
        p.kill(victim);
        lock.rollback().await.expect("unlock");
        owner
    } else {
        // One process per SQLite file: the claimer that dies is this test's own runner, which
        // claims the job (its clock past the job's moment) and never finishes it.
        let app = App::new(
            Db::connect(&p.db.url).await.expect("connect"),
            AppConfig {
                clock: Clock::manual(job.run_at + TimeDelta::minutes(1)),
                ..AppConfig::default()
            },
        );
        let mut only_escalations = Registry::new();
        only_escalations.register(trials::ESCALATE, |_app, _run| async { Ok(None) });
        let dying = Runner::new(app, only_escalations);
        let claimed = dying.claim().await.expect("claim").expect("due for it");
        assert_eq!(claimed.id, job.id);
        dying.owner().to_string()
    };
    let held = store::get(p.app.db.read(), job.id)
        .await
        .expect("job")
        .expect("exists");
    assert_eq!(held.state, store::RUNNING);
    assert_eq!(held.lease_owner.as_deref(), Some(&*dead_owner));
    assert!(
        notes_about(&p, trial)
            .await
            .keys()
            .all(|(k, _)| !k.starts_with("trial_overdue")),
        "nothing was sent by the claimer that died"
    );
    // Its lease runs out (moved, not waited for): a surviving process takes the job over.
    let tx = p.app.db.begin().await.expect("begin");
    job_rows::Entity::update_many()
        .col_expr(
            job_rows::Column::LeaseUntil,
            Expr::value(Utc::now() - TimeDelta::seconds(1)),
        )
        .filter(job_rows::Column::Id.eq(job.id))
        .exec(&tx)
        .await
        .expect("expire the lease");
    p.app.db.commit(tx).await.expect("commit");
    let done = p.jobs_finished(&[job.id]).await.remove(0);
    assert_eq!(
        (done.state.as_str(), done.attempts),
        ("done", 2),
        "run again after the dead claim, once: {done:?}"
    );
    let manager = p.person_id("north.manager").await;
    let owner = owner_of(&p, trial).await;
    let got = notes_about(&p, trial).await;
    assert_eq!(
        got.get(&("trial_overdue".into(), manager)),
        Some(&1),
        "{got:?}"
    );
    assert_eq!(
        got.get(&("trial_overdue_owner".into(), owner)),
        Some(&1),
        "{got:?}"
    );
    let t = salesdesk_store::trials::get(
        p.app.db.read(),
        trial,
        &salesdesk_store::customers::Visible::All,
    )
    .await
    .expect("trial")
    .expect("exists");
    assert!(t.overdue_at.is_some(), "marked overdue");
}

/// Issue 12, the intake's group commit: forty applications sent at once through two processes
/// (PostgreSQL; one on SQLite) — twenty from one new company and its one applicant, twenty from
/// twenty other companies — are written in shared transactions, yet make exactly one customer
/// and one open application (the other nineteen folded into it) for the first company, and one
/// customer and application for each other one: nothing lost, nothing doubled, every
/// applicant answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn applications_sent_at_once_are_each_written_once_and_one_applicants_repeats_fold() {
    use salesdesk_store::entity::{customers, trial_applications as trials_rows};
    let p = served().await;
    let n = if postgres() { 2 } else { 1 };
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let urls: Vec<String> = (0..n).map(|i| p.url(i, "/apply")).collect();
    let answers = salesdesk_test_support::all_at_once(40, |i| {
        let (company, mobile) = if i < 20 {
            (
                "北京同时申请科技有限公司".to_string(),
                "13911110000".to_string(),
            )
        } else {
            (
                format!("北京并发{i}号科技有限公司"),
                format!("1391111{i:04}"),
            )
        };
        plain
            .post(&urls[i % n])
            .form(&[
                ("company", company.as_str()),
                ("contact_name", "王磊"),
                ("mobile", mobile.as_str()),
                ("province", "110000"),
                ("product", "eoffice-std"),
                ("message", "试用"),
                ("lang", "zh-CN"),
            ])
            .send()
    })
    .await;
    for (i, (status, _)) in answers.iter().enumerate() {
        assert_eq!(*status, 303, "application {i} was not taken");
    }
    let read = p.app.db.read();
    let same = customers::Entity::find()
        .filter(customers::Column::Name.eq("北京同时申请科技有限公司"))
        .all(read)
        .await
        .expect("customers");
    assert_eq!(
        same.len(),
        1,
        "one customer for the company that applied twenty times"
    );
    let rows = trials_rows::Entity::find().all(read).await.expect("trials");
    let of_same: Vec<_> = rows
        .iter()
        .filter(|t| t.customer_id == same[0].id)
        .collect();
    assert_eq!(
        of_same.len(),
        1,
        "one open application, the repeats folded into it"
    );
    assert_eq!(of_same[0].applications, 20, "every repeat counted into it");
    for i in 20..40 {
        let name = format!("北京并发{i}号科技有限公司");
        let c = customers::Entity::find()
            .filter(customers::Column::Name.eq(name.as_str()))
            .all(read)
            .await
            .expect("customers");
        assert_eq!(c.len(), 1, "{name}: one customer");
        assert_eq!(
            rows.iter().filter(|t| t.customer_id == c[0].id).count(),
            1,
            "{name}: one application"
        );
    }
}
