//! Race tests: rules over several rows, attacked with parallel requests through two real
//! `salesdesk serve` processes over one database (PostgreSQL when SALESDESK_TEST_POSTGRES_URL
//! is set, SQLite otherwise). Each race is run a few rounds, so that a rule held only by a
//! read-then-write check in the application fails here.

use reqwest::Client;
use salesdesk_test_support::{ServeProcesses, all_at_once};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_salesdesk");
const ROUNDS: usize = 3;

/// Two processes on PostgreSQL, the set-up the README gives for several servers. SQLite is
/// served by one process (its one writer connection is what serialises writes; a second process
/// on the same file is not a supported set-up), which the same parallel requests attack.
async fn two() -> ServeProcesses {
    let postgres = std::env::var("SALESDESK_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty());
    ServeProcesses::with_demo(BIN, if postgres { 2 } else { 1 }).await
}

async fn post(c: &Client, url: String, body: Value) -> (u16, Value) {
    let r = c.post(url).json(&body).send().await.expect("request");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn get(c: &Client, url: String) -> Value {
    c.get(url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

fn count(answers: &[(u16, Value)], status: u16) -> usize {
    answers.iter().filter(|(s, _)| *s == status).count()
}

/// Every answer that is not `ok` is a 409, with the body shown on failure.
fn others_are_409(answers: &[(u16, Value)], ok: u16) {
    for (s, v) in answers {
        assert!(*s == ok || *s == 409, "unexpected answer {s}: {v}");
    }
}

/// Exactly one answer is `ok`; every other is a 409 whose field error has `code`.
fn one_winner(answers: &[(u16, Value)], ok: u16, code: &str, round: usize) {
    others_are_409(answers, ok);
    assert_eq!(count(answers, ok), 1, "round {round}: {answers:?}");
    for (s, v) in answers {
        if *s == 409 {
            assert_eq!(v["errors"][0]["code"], code, "round {round}: {v}");
        }
    }
}

async fn new_customer(p: &ServeProcesses, c: &Client, name: &str) -> i64 {
    let (s, v) = post(c, p.url(0, "/api/v1/customers"), json!({"name": name})).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().expect("id")
}

fn basic_request() -> Value {
    json!({"to_status": "basic", "need": "协同办公", "budget": "80 万元", "timeline": "明年一季度"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_status_requests_through_two_processes_leave_exactly_one_pending() {
    let p = two().await;
    let am = p.clients("north.am1").await;
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am[0], &format!("并发申请{round}号科技有限公司")).await;
        let path = format!("/api/v1/customers/{id}/status-requests");
        let answers = all_at_once(20, |i| {
            am[i % 2]
                .post(p.url(i, &path))
                .json(&basic_request())
                .send()
        })
        .await;
        one_winner(&answers, 201, "error.request_pending", round);
        let history = get(&am[0], p.url(0, &path)).await;
        let pending = history
            .as_array()
            .expect("list")
            .iter()
            .filter(|r| r["state"] == "pending")
            .count();
        assert_eq!(pending, 1, "round {round}: {history}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_conflicting_requests_approved_at_once_leave_one_approved_and_the_status_it_asked_for()
{
    let p = two().await;
    let am = p.clients("north.am1").await;
    let deciders = [
        p.client(0, "north.manager").await,
        p.client(1, "director").await,
    ];
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am[0], &format!("并发审批{round}号软件有限公司")).await;
        let path = format!("/api/v1/customers/{id}/status-requests");
        // lead → basic and lead → invalid, asked for at the same moment.
        let bodies = [
            basic_request(),
            json!({"to_status": "invalid", "invalid_reason": "no_need"}),
        ];
        let asked = all_at_once(2, |i| am[i].post(p.url(i, &path)).json(&bodies[i]).send()).await;
        others_are_409(&asked, 201);
        let created: Vec<(i64, String)> = asked
            .iter()
            .filter(|(s, _)| *s == 201)
            .map(|(_, v)| {
                (
                    v["id"].as_i64().expect("id"),
                    v["to_status"].as_str().expect("to").to_string(),
                )
            })
            .collect();
        assert!(!created.is_empty(), "{asked:?}");
        // Every request approved by two managers through both processes at once.
        let decisions = all_at_once(created.len() * 2, |i| {
            let (rid, _) = &created[i / 2];
            deciders[i % 2]
                .post(p.url(i, &format!("/api/v1/status-requests/{rid}/decision")))
                .json(&json!({"approve": true, "comment": "同意"}))
                .send()
        })
        .await;
        others_are_409(&decisions, 200);
        let approved: Vec<&Value> = decisions
            .iter()
            .filter(|(s, _)| *s == 200)
            .map(|(_, v)| v)
            .collect();
        assert_eq!(approved.len(), 1, "round {round}: {decisions:?}");
        let customer = get(&am[0], p.url(0, &format!("/api/v1/customers/{id}"))).await;
        assert_eq!(
            customer["status"], approved[0]["to_status"],
            "round {round}: the status is the approved request's"
        );
        let history = get(&am[0], p.url(0, &path)).await;
        let approved_rows = history
            .as_array()
            .expect("list")
            .iter()
            .filter(|r| r["state"] == "approved")
            .count();
        assert_eq!(approved_rows, 1, "round {round}: {history}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_creates_of_one_company_make_exactly_one_customer() {
    let p = two().await;
    let am1 = p.clients("north.am1").await;
    let am2 = p.clients("north.am2").await;
    for round in 0..ROUNDS {
        let name = format!("北京并发{round}号信息技术有限公司");
        let answers = all_at_once(20, |i| {
            let c = if i % 4 < 2 { &am1[i % 2] } else { &am2[i % 2] };
            c.post(p.url(i, "/api/v1/customers"))
                .json(&json!({"name": name}))
                .send()
        })
        .await;
        one_winner(&answers, 201, "error.duplicate_customer", round);
        // A refusal that lost the race reads exactly like the application's own check.
        for (_, v) in answers.iter().filter(|(s, _)| *s == 409) {
            assert_eq!(v["type"], "urn:salesdesk:problem:duplicate", "{v}");
            assert_eq!(v["errors"][0]["field"], "name", "{v}");
        }
        let vp = p.client(0, "vp").await;
        let found = get(
            &vp,
            p.url(0, &format!("/api/v1/customers?q=北京并发{round}号")),
        )
        .await;
        assert_eq!(found["total"], 1, "round {round}: {found}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_with_the_same_version_have_one_winner_and_the_others_get_409() {
    let p = two().await;
    let am = p.clients("north.am1").await;
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am[0], &format!("并发编辑{round}号网络有限公司")).await;
        let path = format!("/api/v1/customers/{id}");
        let read = get(&am[0], p.url(0, &path)).await;
        let version = read["version"].as_i64().expect("version");
        let answers = all_at_once(10, |i| {
            am[i % 2]
                .patch(p.url(i, &path))
                .header("If-Match", format!("\"{version}\""))
                .json(&json!({"phone": format!("010-6000{i:04}")}))
                .send()
        })
        .await;
        others_are_409(&answers, 200);
        assert_eq!(count(&answers, 200), 1, "round {round}: {answers:?}");
        let winner = &answers.iter().find(|(s, _)| *s == 200).expect("winner").1;
        let now = get(&am[0], p.url(0, &path)).await;
        assert_eq!(now["phone"], winner["phone"], "round {round}");
        assert_eq!(now["version"], version + 1, "round {round}");
        // The losers are told what changed since the version they read, and to what.
        let (_, loser) = answers.iter().find(|(s, _)| *s == 409).expect("a loser");
        assert_eq!(loser["type"], "urn:salesdesk:problem:stale", "{loser}");
        assert_eq!(loser["current_version"], version + 1, "{loser}");
        assert_eq!(loser["changed"][0]["field"], "phone", "{loser}");
        assert_eq!(loser["changed"][0]["value"], now["phone"], "{loser}");
    }
}

async fn turn_pool_on(p: &ServeProcesses, claims_per_day: u32) {
    use salesdesk_app::settings::{self, Settings};
    let s = Settings {
        pool_enabled: true,
        pool_claims_per_day: claims_per_day,
        ..Settings::default()
    };
    settings::put(&p.app, &salesdesk_app::Ctx::system(), &s)
        .await
        .expect("settings");
}

async fn released(p: &ServeProcesses, owner: &Client, name: &str) -> i64 {
    let id = new_customer(p, owner, name).await;
    let r = owner
        .post(p.url(0, &format!("/api/v1/customers/{id}/release")))
        .json(&serde_json::json!({"reason_code": "no_need"}))
        .send()
        .await
        .expect("release");
    assert_eq!(r.status(), 204);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pool_customer_claimed_by_two_at_once_goes_to_one_and_the_other_gets_409() {
    let p = two().await;
    turn_pool_on(&p, 10).await;
    let am1 = p.client(0, "north.am1").await;
    let claimers = [
        p.client(0, "north.am2").await,
        p.client(1, "north.rep").await,
    ];
    for round in 0..ROUNDS {
        let id = released(&p, &am1, &format!("公海争抢{round}号有限公司")).await;
        let path = format!("/api/v1/customers/{id}/claim");
        let answers = all_at_once(2, |i| claimers[i].post(p.url(i, &path)).send()).await;
        others_are_409(&answers, 200);
        assert_eq!(count(&answers, 200), 1, "round {round}: {answers:?}");
        let (_, lost) = answers.iter().find(|(s, _)| *s == 409).expect("a loser");
        assert_eq!(lost["errors"][0]["code"], "error.already_claimed", "{lost}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_claims_of_one_person_stay_within_the_daily_limit() {
    let p = two().await;
    turn_pool_on(&p, 1).await;
    let am1 = p.client(0, "north.am1").await;
    let mut pool = vec![];
    for i in 0..(ROUNDS * 2) {
        pool.push(released(&p, &am1, &format!("公海限额{i}号有限公司")).await);
    }
    // One claim a day: of two claims sent at once by one person, one is refused, whatever the
    // timing. Each round is another person, with the day's claim still free.
    for (round, login) in ["north.rep", "north.consultant", "north.telesales"]
        .into_iter()
        .enumerate()
    {
        let who = p.clients(login).await;
        let pair = [pool[round * 2], pool[round * 2 + 1]];
        let answers = all_at_once(2, |i| {
            who[i]
                .post(p.url(i, &format!("/api/v1/customers/{}/claim", pair[i])))
                .send()
        })
        .await;
        others_are_409(&answers, 200);
        assert_eq!(count(&answers, 200), 1, "{login}: {answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_primary_contacts_leave_one_primary() {
    let p = two().await;
    let am = p.clients("north.am1").await;
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am[0], &format!("并发联系人{round}号有限公司")).await;
        let path = format!("/api/v1/customers/{id}/contacts");
        let answers = all_at_once(10, |i| {
            am[i % 2]
                .post(p.url(i, &path))
                .json(&json!({"name": format!("联系人{i}"), "is_primary": true}))
                .send()
        })
        .await;
        others_are_409(&answers, 201);
        let list = get(&am[0], p.url(0, &path)).await;
        let primaries = list
            .as_array()
            .expect("list")
            .iter()
            .filter(|c| c["is_primary"] == true)
            .count();
        assert_eq!(primaries, 1, "round {round}: {list}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_people_put_under_each_other_at_once_never_make_a_loop() {
    let p = two().await;
    let admins = [p.client(0, "admin").await, p.client(1, "vp").await];
    let pairs = [
        ("north.am1", "north.am2"),
        ("east.am1", "east.am2"),
        ("south.am1", "south.am2"),
    ];
    for (a, b) in pairs.into_iter().take(ROUNDS) {
        let (ia, ib) = (p.person_id(a).await, p.person_id(b).await);
        // a under b, and b under a, at the same moment.
        let moves = [(ia, ib), (ib, ia)];
        let answers = all_at_once(2, |i| {
            let (who, under) = moves[i];
            admins[i]
                .patch(p.url(i, &format!("/api/v1/people/{who}")))
                .json(&json!({"manager_id": under}))
                .send()
        })
        .await;
        assert_eq!(count(&answers, 200), 1, "{a}/{b}: {answers:?}");
        let (s, refused) = answers
            .iter()
            .find(|(s, _)| *s != 200)
            .expect("one refused");
        assert_eq!(*s, 422, "{refused}");
        assert_eq!(
            refused["errors"][0]["code"], "error.manager_cycle",
            "{refused}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_saves_of_one_filter_name_keep_one() {
    let p = two().await;
    let am = p.clients("north.am1").await;
    for round in 0..ROUNDS {
        let name = format!("我的线索{round}");
        let answers = all_at_once(10, |i| {
            am[i % 2]
                .post(p.url(i, "/api/v1/saved-filters"))
                .json(&json!({"name": name, "query": format!("status=lead&page={i}")}))
                .send()
        })
        .await;
        one_winner(&answers, 201, "error.filter_name_taken", round);
    }
}

/// How many audit rows of `action` a customer has (read by the VP).
async fn audited(p: &ServeProcesses, vp: &Client, id: i64, action: &str) -> u64 {
    let log = get(
        vp,
        p.url(
            0,
            &format!("/api/v1/audit?entity_type=customer&entity_id={id}&action={action}"),
        ),
    )
    .await;
    log["total"].as_u64().expect("total")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_archives_and_restores_of_one_customer_leave_one_state_and_one_audit_row_per_change()
 {
    let p = two().await;
    let am = p.clients("north.am1").await;
    let managers = [
        p.client(0, "north.manager").await,
        p.client(1, "director").await,
    ];
    let vp = p.client(0, "vp").await;
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am[0], &format!("并发归档{round}号科技有限公司")).await;
        let archive = format!("/api/v1/customers/{id}/archive");
        let restore = format!("/api/v1/customers/{id}/restore");
        // Ten archives at once: one wins; the others find it gone (404) or archived (409).
        let answers = all_at_once(10, |i| {
            managers[i % 2]
                .post(p.url(i, &archive))
                .json(&json!({"reason": "并发"}))
                .send()
        })
        .await;
        assert_eq!(count(&answers, 204), 1, "round {round}: {answers:?}");
        for (s, v) in &answers {
            assert!(matches!(s, 204 | 404 | 409), "round {round}: {s} {v}");
        }
        assert_eq!(audited(&p, &vp, id, "customer.archive").await, 1);
        // Ten restores at once: one wins, the others are told it is not archived.
        let answers = all_at_once(10, |i| managers[i % 2].post(p.url(i, &restore)).send()).await;
        one_winner(&answers, 200, "error.not_archived", round);
        assert_eq!(audited(&p, &vp, id, "customer.restore").await, 1);
        // Archives and restores mixed: whatever wins, the state follows the winners, they
        // alternate, and each effective change has its one audit row.
        let answers = all_at_once(10, |i| {
            let path = if i % 2 == 0 { &archive } else { &restore };
            managers[(i / 2) % 2]
                .post(p.url(i, path))
                .json(&json!({}))
                .send()
        })
        .await;
        let archived_won = answers
            .iter()
            .enumerate()
            .filter(|(i, (s, _))| i % 2 == 0 && *s == 204)
            .count() as u64;
        let restored_won = answers
            .iter()
            .enumerate()
            .filter(|(i, (s, _))| i % 2 == 1 && *s == 200)
            .count() as u64;
        assert!(
            archived_won == restored_won || archived_won == restored_won + 1,
            "round {round}: {answers:?}"
        );
        assert_eq!(
            audited(&p, &vp, id, "customer.archive").await,
            1 + archived_won
        );
        assert_eq!(
            audited(&p, &vp, id, "customer.restore").await,
            1 + restored_won
        );
        let seen = managers[0]
            .get(p.url(0, &format!("/api/v1/customers/{id}")))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
        let archived_now = archived_won > restored_won;
        assert_eq!(seen, if archived_now { 404 } else { 200 }, "round {round}");
    }
}

/// Issue 12: N parallel applications of one new company through the public form of two
/// processes make one customer and one application that counts all N (the unique `open_key`
/// and the customers' duplicate-key index decide, not a check before the write).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_applications_of_one_applicant_through_two_processes_make_one_application() {
    let p = two().await;
    let admin = p.client(0, "admin").await;
    let (s, v) = put(
        &admin,
        p.url(0, "/api/v1/settings/trials"),
        json!({"first_contact_hours": 4, "remind_before_minutes": 60, "fold_window_days": 30,
               "per_address_per_hour": 100000, "per_key_per_minute": 100000}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let director = p.client(0, "director").await;
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    const N: usize = 12;
    for round in 0..ROUNDS {
        let company = format!("上海并发申请{round}号网络科技有限公司");
        // A mobile of its own per round: the same mobile would match (and fold into) the last
        // round's applicant, as it should.
        let mobile = format!("1370013700{round}");
        let answers = all_at_once(N, |i| {
            plain
                .post(p.url(i, "/apply"))
                .form(&[
                    ("company", company.as_str()),
                    ("contact_name", "李娜"),
                    ("mobile", mobile.as_str()),
                    ("province", "310000"),
                    ("product", "eoffice-std"),
                    ("message", "并发"),
                    ("lang", "zh-CN"),
                ])
                .send()
        })
        .await;
        for (s, v) in &answers {
            assert_eq!(*s, 303, "round {round}: {v}");
        }
        let list = get(
            &director,
            p.url(0, "/api/v1/trials?view=scope&per_page=200"),
        )
        .await;
        let mine: Vec<&Value> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|t| t["company"] == company.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "round {round}: {list}");
        assert_eq!(mine[0]["applications"], N as i64, "round {round}");
        let found = get(
            &director,
            p.url(0, &format!("/api/v1/customers?q=上海并发申请{round}号")),
        )
        .await;
        assert_eq!(found["total"], 1, "round {round}: {found}");
    }
}

async fn put(c: &Client, url: String, body: Value) -> (u16, Value) {
    let r = c.put(url).json(&body).send().await.expect("request");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Issue 12 (S5.2): N parallel starts of one trial through two processes make one start and
/// one set of pre-sales calls — the conditional step and the unique `(trial_id, step)` of the
/// calls decide, not a check before the write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_starts_of_one_trial_through_two_processes_make_one_set_of_presales_calls() {
    let p = two().await;
    let director = p.clients("director").await;
    let plan = salesdesk_app::presales::plan(&p.app).await.expect("plan");
    assert!(!plan.steps.is_empty(), "the default plan has calls");
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    const N: usize = 12;
    for round in 0..ROUNDS {
        let company = format!("上海并发试用{round}号软件有限公司");
        let mobile = format!("1360013600{round}");
        let r = plain
            .post(p.url(round, "/apply"))
            .form(&[
                ("company", company.as_str()),
                ("contact_name", "赵强"),
                ("mobile", mobile.as_str()),
                ("province", "310000"),
                ("product", "eoffice-std"),
                ("lang", "zh-CN"),
            ])
            .send()
            .await
            .expect("apply");
        assert_eq!(r.status(), 303, "round {round}");
        let list = get(
            &director[0],
            p.url(0, "/api/v1/trials?view=scope&per_page=200"),
        )
        .await;
        let id = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|t| t["company"] == company.as_str())
            .and_then(|t| t["id"].as_i64())
            .expect("the application");
        let path = format!("/api/v1/trials/{id}/steps");
        let (s, v) = post(
            &director[0],
            p.url(0, &path),
            json!({"action": "contact", "note": "电话沟通"}),
        )
        .await;
        assert_eq!(s, 200, "round {round}: {v}");
        let answers = all_at_once(N, |i| {
            director[i % 2]
                .post(p.url(i, &path))
                .json(&json!({"action": "start", "trial_start": "2026-12-01",
                              "trial_end": "2026-12-31", "edition": "标准版"}))
                .send()
        })
        .await;
        one_winner(&answers, 200, "error.trial_wrong_state", round);
        let calls = salesdesk_store::presales::for_trial(p.app.db.read(), id)
            .await
            .expect("calls");
        assert_eq!(calls.len(), plan.steps.len(), "round {round}: {calls:?}");
        let mut steps: Vec<i32> = calls.iter().map(|c| c.step).collect();
        steps.dedup();
        assert_eq!(steps.len(), plan.steps.len(), "one call per step");
    }
}

/// The id of the deal stage `code` in the answer of `GET /deal-stages`.
fn stage_id(stages: &Value, code: &str) -> i64 {
    stages
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["code"] == code)
        .and_then(|s| s["id"].as_i64())
        .expect("stage")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_managers_moving_the_same_deal_at_once_have_one_winner_and_the_other_a_conflict() {
    let p = two().await;
    let am = p.client(0, "north.am1").await;
    let managers = [
        p.client(0, "north.manager").await,
        p.client(1, "director").await,
    ];
    let stages = get(&am, p.url(0, "/api/v1/deal-stages")).await;
    let targets = [
        stage_id(&stages, "solution"),
        stage_id(&stages, "quotation"),
    ];
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am, &format!("并发商机{round}号有限公司")).await;
        // Potential behind the scenes: the status workflow has its own races above.
        assert!(
            salesdesk_store::customers::set_status(
                p.app.db.read(),
                id,
                "lead",
                "potential",
                chrono::Utc::now()
            )
            .await
            .expect("status")
        );
        let (s, deal) = post(
            &am,
            p.url(0, "/api/v1/deals"),
            json!({"customer_id": id, "name": "并发商机", "amount": "100000",
                   "expected_sign_date": "2026-12-31"}),
        )
        .await;
        assert_eq!(s, 201, "{deal}");
        let did = deal["id"].as_i64().expect("id");
        let path = format!("/api/v1/deals/{did}/move");
        let answers = all_at_once(2, |i| {
            managers[i]
                .post(p.url(i, &path))
                .json(&json!({"stage_id": targets[i], "version": 1}))
                .send()
        })
        .await;
        others_are_409(&answers, 200);
        assert_eq!(count(&answers, 200), 1, "round {round}: {answers:?}");
        let (_, winner) = answers.iter().find(|(s, _)| *s == 200).expect("winner");
        let (_, loser) = answers.iter().find(|(s, _)| *s == 409).expect("loser");
        assert_eq!(loser["type"], "urn:salesdesk:problem:stale", "{loser}");
        assert_eq!(loser["current_version"], 2, "{loser}");
        let now = get(&am, p.url(0, &format!("/api/v1/deals/{did}"))).await;
        assert_eq!(now["stage_id"], winner["stage_id"], "round {round}");
        assert_eq!(now["version"], 2, "round {round}");
        let history = get(&am, p.url(0, &format!("/api/v1/deals/{did}/history"))).await;
        assert_eq!(
            history.as_array().expect("history").len(),
            2,
            "round {round}: one create, one move: {history}"
        );
    }
}

/// A draft quotation of `north.am1` with a 20 % discount (above the 10 % limit, so it needs
/// `north.manager`'s approval): its id.
async fn draft_quote(p: &ServeProcesses, am: &Client, round: usize) -> i64 {
    let id = new_customer(p, am, &format!("并发报价{round}号有限公司")).await;
    assert!(
        salesdesk_store::customers::set_status(
            p.app.db.read(),
            id,
            "lead",
            "potential",
            chrono::Utc::now()
        )
        .await
        .expect("status")
    );
    let (s, deal) = post(
        am,
        p.url(0, "/api/v1/deals"),
        json!({"customer_id": id, "name": "并发报价", "amount": "100000",
               "expected_sign_date": "2026-12-31",
               "lines": [{"product_code": "eoffice-std", "quantity": 10}]}),
    )
    .await;
    assert_eq!(s, 201, "{deal}");
    let did = deal["id"].as_i64().expect("id");
    let (s, q) = post(
        am,
        p.url(0, &format!("/api/v1/deals/{did}/quotes")),
        json!({}),
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().expect("id");
    let r = am
        .put(p.url(0, &format!("/api/v1/quotes/{qid}")))
        .json(
            &json!({"valid_until": "2099-12-31", "lines": [{"product_code": "eoffice-std",
               "quantity": 10, "list_price": "1000", "discount": "20", "tax_rate": "13"}]}),
        )
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    qid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_approvals_and_sends_of_one_quotation_through_two_processes_happen_once_each() {
    const N: usize = 8;
    let p = two().await;
    let am = p.client(0, "north.am1").await;
    let vp = p.client(0, "vp").await;
    // Deciders on both processes: the manager asked, and the director.
    // (The one who submits never decides, so only the owner submits.)
    let mut deciders = vec![];
    let mut submitters = vec![];
    let mut senders = vec![];
    for i in 0..N {
        let login = if i % 2 == 0 {
            "north.manager"
        } else {
            "director"
        };
        deciders.push(p.client(i, login).await);
        submitters.push(p.client(i, "north.am1").await);
        let login = if i % 2 == 0 {
            "north.am1"
        } else {
            "north.manager"
        };
        senders.push(p.client(i, login).await);
    }
    for round in 0..ROUNDS {
        let qid = draft_quote(&p, &am, round).await;
        // Submitted by several at once: one pending approval, asked once.
        let path = format!("/api/v1/quotes/{qid}/submit");
        let answers = all_at_once(N, |i| {
            submitters[i].post(p.url(i, &path)).json(&json!({})).send()
        })
        .await;
        one_winner(&answers, 200, "error.quote_not_draft", round);
        // Half approve, half reject, all at once: exactly one decision.
        let approve = format!("/api/v1/quotes/{qid}/approve");
        let reject = format!("/api/v1/quotes/{qid}/reject");
        let answers = all_at_once(N, |i| {
            let path = if i % 4 == 3 { &reject } else { &approve };
            deciders[i]
                .post(p.url(i, path))
                .json(&json!({"comment": "并发审批"}))
                .send()
        })
        .await;
        one_winner(&answers, 200, "error.quote_not_pending", round);
        let (_, won) = answers.iter().find(|(s, _)| *s == 200).expect("winner");
        let state = won["state"].as_str().expect("state").to_string();
        assert!(state == "approved" || state == "rejected", "{won}");
        let now = get(&am, p.url(0, &format!("/api/v1/quotes/{qid}"))).await;
        assert_eq!(now["state"], state.as_str(), "round {round}");
        let log = |action: &'static str| {
            let vp = vp.clone();
            let url = p.url(
                0,
                &format!("/api/v1/audit?entity_type=quote&entity_id={qid}&action={action}"),
            );
            async move { get(&vp, url).await["total"].as_u64().expect("total") }
        };
        assert_eq!(
            log("quote.submit").await,
            1,
            "round {round}: one submission audited"
        );
        assert_eq!(
            log("quote.approve").await + log("quote.reject").await,
            1,
            "round {round}: one decision audited"
        );
        if state != "approved" {
            continue;
        }
        // Sent once, whoever presses first.
        let send = format!("/api/v1/quotes/{qid}/send");
        let answers = all_at_once(N, |i| {
            senders[i].post(p.url(i, &send)).json(&json!({})).send()
        })
        .await;
        one_winner(&answers, 200, "error.quote_sent", round);
        assert_eq!(
            log("quote.send").await,
            1,
            "round {round}: one send audited"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_approvals_and_rejections_of_one_pending_contract_have_exactly_one_winner() {
    let p = two().await;
    let am = p.client(0, "north.am1").await;
    let deciders = [p.client(0, "director").await, p.client(1, "vp").await];
    let (s, v) = put(
        &deciders[0],
        p.url(0, "/api/v1/contract-settings"),
        json!({"threshold": "1000"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am, &format!("并发合同{round}号软件有限公司")).await;
        let (s, k) = post(
            &am,
            p.url(0, "/api/v1/contracts"),
            json!({"customer_id": id, "title": "并发审批合同", "signing_date": "2026-01-05",
                   "lines": [{"product_code": "eoffice-std", "quantity": 10, "unit_price": "5000"}]}),
        )
        .await;
        assert_eq!(s, 201, "{k}");
        let kid = k["id"].as_i64().expect("id");
        let (s, v) = post(
            &am,
            p.url(0, &format!("/api/v1/contracts/{kid}/actions")),
            json!({"action": "sign"}),
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (200, Some("pending_approval")),
            "{v}"
        );
        // Half approve, half send it back, from both processes at once.
        let path = format!("/api/v1/contracts/{kid}/actions");
        let answers = all_at_once(20, |i| {
            let body = if i % 2 == 0 {
                json!({"action": "approve"})
            } else {
                json!({"action": "reject", "reason": "并发驳回"})
            };
            deciders[i % 2].post(p.url(i, &path)).json(&body).send()
        })
        .await;
        others_are_409(&answers, 200);
        assert_eq!(count(&answers, 200), 1, "round {round}: {answers:?}");
        for (s, v) in &answers {
            if *s == 409 {
                let code = v["errors"][0]["code"].as_str().unwrap_or_default();
                assert!(
                    code == "error.contract_changed" || code == "error.contract_not_pending",
                    "round {round}: {v}"
                );
            }
        }
        let (_, winner) = answers.iter().find(|(s, _)| *s == 200).expect("winner");
        let now = get(&am, p.url(0, &format!("/api/v1/contracts/{kid}"))).await;
        assert_eq!(now["status"], winner["status"], "round {round}");
        // The customer became signed exactly when the approval won, with one history row.
        let customer = get(&am, p.url(0, &format!("/api/v1/customers/{id}"))).await;
        let history = get(
            &am,
            p.url(0, &format!("/api/v1/customers/{id}/status-requests")),
        )
        .await;
        let signed_rows = history
            .as_array()
            .expect("history")
            .iter()
            .filter(|r| r["to_status"] == "signed")
            .count();
        if winner["status"] == "signed" {
            assert_eq!(customer["status"], "signed", "round {round}");
            assert_eq!(signed_rows, 1, "round {round}: {history}");
        } else {
            assert_eq!(winner["status"], "draft", "round {round}");
            assert_eq!(customer["status"], "lead", "round {round}");
            assert_eq!(signed_rows, 0, "round {round}: {history}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_payments_of_the_last_open_amount_of_one_instalment_have_exactly_one_winner() {
    let p = two().await;
    let am = [
        p.client(0, "north.am1").await,
        p.client(1, "north.am1").await,
    ];
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am[0], &format!("并发回款{round}号软件有限公司")).await;
        let (s, k) = post(
            &am[0],
            p.url(0, "/api/v1/contracts"),
            json!({"customer_id": id, "title": "并发回款合同", "signing_date": "2026-01-05",
                   "lines": [{"product_code": "eoffice-std", "quantity": 10, "unit_price": "5000"}]}),
        )
        .await;
        assert_eq!(s, 201, "{k}");
        let kid = k["id"].as_i64().expect("id");
        let (s, v) = post(
            &am[0],
            p.url(0, &format!("/api/v1/contracts/{kid}/actions")),
            json!({"action": "sign"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let (s, plan) = put(
            &am[0],
            p.url(0, &format!("/api/v1/contracts/{kid}/plan")),
            json!({"instalments": [{"due_date": "2026-02-01", "amount": "30000"},
                                   {"due_date": "2026-03-01", "amount": "20000"}]}),
        )
        .await;
        assert_eq!(s, 200, "{plan}");
        let first = plan["instalments"][0]["id"].as_i64().expect("instalment");
        let path = format!("/api/v1/contracts/{kid}/payments");
        let (s, v) = post(
            &am[0],
            p.url(0, &path),
            json!({"received_on": "2026-01-10", "amount": "29000"}),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        // ¥1,000.00 is left open on the first instalment: twenty people pay it at once, from
        // both processes.
        let answers = all_at_once(20, |i| {
            am[i % 2]
                .post(p.url(i, &path))
                .json(&json!({"received_on": "2026-01-20", "amount": "1000",
                              "instalment_ids": [first]}))
                .send()
        })
        .await;
        assert_eq!(count(&answers, 201), 1, "round {round}: {answers:?}");
        for (s, v) in &answers {
            if *s != 201 {
                assert!(*s == 422 || *s == 409, "round {round}: {s} {v}");
                assert_eq!(
                    v["errors"][0]["code"], "error.payment_above_open",
                    "round {round}: {v}"
                );
            }
        }
        let now = get(&am[0], p.url(0, &format!("/api/v1/contracts/{kid}/plan"))).await;
        assert_eq!(
            now["instalments"][0]["paid"], "30000.00",
            "round {round}: {now}"
        );
        assert_eq!(
            now["instalments"][1]["paid"], "0.00",
            "round {round}: {now}"
        );
        assert_eq!(now["paid"], "30000.00", "nothing over-paid: {now}");
        let payments = get(&am[0], p.url(0, &path)).await;
        assert_eq!(
            payments.as_array().expect("payments").len(),
            2,
            "round {round}"
        );
    }
}

/// m0052: a deal's copy of its customer's owner and region is taken by the database when the
/// deal is inserted. Deals created for customers while those customers are transferred, through
/// both processes at once, must each end with their customer's owner and region — a copy read
/// before a transfer committed, and not updated by it, would leave a deal in the old owner's
/// board and out of the new one's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deals_created_while_their_customers_are_transferred_keep_the_customers_scope() {
    use sea_orm::{ConnectionTrait, Statement};
    let p = two().await;
    let am = p.clients("north.am1").await;
    let managers = p.clients("north.manager").await;
    let directors = p.clients("director").await;
    let owners = [
        p.person_id("north.am1").await,
        p.person_id("north.am2").await,
        p.person_id("north.rep").await,
    ];
    const CUSTOMERS: usize = 4;
    let mut created = 0;
    for round in 0..ROUNDS {
        let mut ids = Vec::new();
        for k in 0..CUSTOMERS {
            let id = new_customer(&p, &am[0], &format!("并发转移{round}轮{k}号数据有限公司")).await;
            assert!(
                salesdesk_store::customers::set_status(
                    p.app.db.read(),
                    id,
                    "lead",
                    "potential",
                    salesdesk_store::now(),
                )
                .await
                .unwrap()
            );
            ids.push(id);
        }
        // 24 requests at once: two in three create a deal, one in three gives the customer to
        // another owner.
        let answers = all_at_once(24, |i| {
            let customer = ids[i % CUSTOMERS];
            if i % 3 == 2 {
                directors[i % 2]
                    .post(p.url(i, "/api/v1/customers/reassign"))
                    .json(&json!({"ids": [customer], "owner_id": owners[(i / 3) % 3]}))
                    .send()
            } else {
                managers[i % 2]
                    .post(p.url(i, "/api/v1/deals"))
                    .json(&json!({
                        "customer_id": customer,
                        "name": format!("并发商机{i}"),
                        "amount": "10万",
                        "expected_sign_date": "2027-03-31",
                    }))
                    .send()
            }
        })
        .await;
        for (i, (s, v)) in answers.iter().enumerate() {
            let ok = if i % 3 == 2 { 200 } else { 201 };
            assert_eq!(*s, ok, "round {round}, request {i}: {v}");
        }
        created += answers.len() * 2 / 3;
    }
    let db = p.app.db.read();
    let count = |sql: &str| {
        let st = Statement::from_string(db.get_database_backend(), sql);
        async move {
            db.query_one_raw(st)
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT count(*) AS n FROM deals").await,
        created as i64
    );
    let stale = count(
        "SELECT count(*) AS n FROM deals d JOIN customers c ON c.id = d.customer_id \
         WHERE d.cust_owner_id IS DISTINCT FROM c.owner_id \
            OR d.cust_region_id IS DISTINCT FROM c.region_id \
            OR d.cust_archived <> (c.archived_at IS NOT NULL)",
    )
    .await;
    assert_eq!(stale, 0, "every deal's copy is its customer's");
}

/// Rows of the board's totals (m0053) that a recount from the deals does not give, and the
/// recount's rows the totals lack: (kept − counted, counted − kept).
async fn board_totals_off(p: &ServeProcesses) -> (i64, i64) {
    use sea_orm::ConnectionTrait;
    let c = p.app.db.read();
    let key = "stage_id, COALESCE(owner_id, 0), COALESCE(region_id, 0), \
               COALESCE(cust_owner_id, 0), COALESCE(cust_region_id, 0), cust_archived";
    let kept = "SELECT stage_id, owner_id, region_id, cust_owner_id, cust_region_id, \
                cust_archived, CAST(SUM(deals) AS BIGINT), CAST(SUM(amount_fen) AS BIGINT), \
                CAST(SUM(weighted) AS BIGINT) FROM (SELECT * FROM deal_board_totals \
                UNION ALL SELECT * FROM deal_board_deltas) AS t GROUP BY 1, 2, 3, 4, 5, 6 \
                HAVING SUM(deals) <> 0 OR SUM(amount_fen) <> 0 OR SUM(weighted) <> 0";
    let counted = format!(
        "SELECT {key}, count(*), CAST(SUM(amount_fen) AS BIGINT), \
         CAST(SUM(amount_fen * probability) AS BIGINT) FROM deals GROUP BY 1, 2, 3, 4, 5, 6"
    );
    let mut out = [0i64; 2];
    for (k, (a, b)) in [
        (kept.to_string(), counted.clone()),
        (counted, kept.to_string()),
    ]
    .into_iter()
    .enumerate()
    {
        let q = format!("SELECT count(*) AS n FROM ({a} EXCEPT {b}) AS x");
        let row = c
            .query_one_raw(sea_orm::Statement::from_string(c.get_database_backend(), q))
            .await
            .expect("count")
            .expect("row");
        out[k] = row.try_get::<i64>("", "n").expect("n");
    }
    (out[0], out[1])
}

/// The board's totals are kept by the database (m0053): parallel transfers of customers with
/// deals in opposite directions — two customers per request, whose deals lie in different
/// stages, so that two transfers touch the same totals in opposite order — and deal moves,
/// through two processes, leave the totals equal to a recount from the deals, and none of them
/// is rolled back for a deadlock (a deadlock would answer 409 `error.collision`, nothing
/// written).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_transfers_and_moves_through_two_processes_keep_the_board_totals() {
    let p = two().await;
    let am = [
        p.client(0, "north.am1").await,
        p.client(1, "north.am2").await,
    ];
    let people = [
        p.person_id("north.am1").await,
        p.person_id("north.am2").await,
    ];
    let managers = [
        p.client(0, "north.manager").await,
        p.client(1, "north.manager").await,
    ];
    let director = [p.client(0, "director").await, p.client(1, "director").await];
    let stages = get(&am[0], p.url(0, "/api/v1/deal-stages")).await;
    let (solution, quotation) = (
        stage_id(&stages, "solution"),
        stage_id(&stages, "quotation"),
    );
    // Four customers per person; of each pair, the first's deals are in `solution`, the
    // second's in `quotation`, and person 1's pairs are the other way round.
    let mut owned: [Vec<i64>; 2] = [vec![], vec![]];
    let mut deals = vec![];
    for who in 0..2 {
        for k in 0..4 {
            let id = new_customer(&p, &am[who], &format!("并发看板{who}-{k}号有限公司")).await;
            assert!(
                salesdesk_store::customers::set_status(
                    p.app.db.read(),
                    id,
                    "lead",
                    "potential",
                    chrono::Utc::now()
                )
                .await
                .expect("status")
            );
            let target = if (k + who) % 2 == 0 {
                solution
            } else {
                quotation
            };
            for n in 0..2 {
                let (s, deal) = post(
                    &am[who],
                    p.url(0, "/api/v1/deals"),
                    json!({"customer_id": id, "name": format!("看板商机{n}"),
                           "amount": format!("{}", 10_000 * (k + 1) + n),
                           "expected_sign_date": "2027-01-31"}),
                )
                .await;
                assert_eq!(s, 201, "{deal}");
                let did = deal["id"].as_i64().expect("id");
                let (s, moved) = post(
                    &director[0],
                    p.url(0, &format!("/api/v1/deals/{did}/move")),
                    json!({"stage_id": target}),
                )
                .await;
                assert_eq!(s, 200, "{moved}");
                deals.push(did);
            }
            owned[who].push(id);
        }
    }
    assert_eq!(board_totals_off(&p).await, (0, 0), "after the set-up");
    let mut collisions = 0;
    for round in 0..ROUNDS {
        // Round 0: person 0's customers go to person 1 and the other way; round 1 back; …
        let from = |who: usize| if round % 2 == 0 { who } else { 1 - who };
        let answers = all_at_once(8, |i| {
            if i < 4 {
                let who = i % 2;
                let pair = &owned[who][(i / 2) * 2..(i / 2) * 2 + 2];
                managers[i % 2]
                    .post(p.url(i % 2, "/api/v1/customers/reassign"))
                    .json(&json!({"ids": pair, "owner_id": people[1 - from(who)]}))
                    .send()
            } else {
                let did = deals[(i * 3 + round) % deals.len()];
                let to = if (i + round) % 2 == 0 {
                    solution
                } else {
                    quotation
                };
                director[i % 2]
                    .post(p.url(i % 2, &format!("/api/v1/deals/{did}/move")))
                    .json(&json!({"stage_id": to}))
                    .send()
            }
        })
        .await;
        for (s, v) in &answers {
            assert!(*s == 200 || *s == 409, "round {round}: {s} {v}");
            if *s == 409 && v["errors"][0]["code"] == "error.collision" {
                collisions += 1;
            }
        }
        assert_eq!(
            board_totals_off(&p).await,
            (0, 0),
            "round {round}: the totals equal a recount: {answers:?}"
        );
        // Whatever collided is sent again, alone: it goes through.
        for who in 0..2 {
            for half in 0..2 {
                let pair = &owned[who][half * 2..half * 2 + 2];
                let (s, v) = post(
                    &managers[0],
                    p.url(0, "/api/v1/customers/reassign"),
                    json!({"ids": pair, "owner_id": people[1 - from(who)]}),
                )
                .await;
                assert_eq!(s, 200, "round {round}: {v}");
            }
        }
        assert_eq!(board_totals_off(&p).await, (0, 0), "round {round}, resent");
    }
    // The totals take no lock a writer waits for (m0053's deltas): none of these collided.
    // (With an upsert of the shared totals, 3 rounds gave 3 deadlocks.)
    assert_eq!(
        collisions, 0,
        "no transfer or move was rolled back for a deadlock"
    );
}

/// m0054: each instalment carries copies of its contract (in force, customer, owner, region,
/// the customer's scope) that the receivables read instead of joining the contracts. Plans
/// written while the customer is transferred and the contract cancelled, through both
/// processes at once, leave every instalment's copies equal to its contract's, and what each
/// customer owes (m0055) and the open amounts per day (m0056) equal a recount.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plans_written_during_transfers_and_a_cancellation_keep_the_instalments_copies() {
    use sea_orm::{ConnectionTrait, Statement};
    let p = two().await;
    let am = p.client(0, "north.am1").await;
    let managers = p.clients("north.manager").await;
    let directors = p.clients("director").await;
    let owners = [
        p.person_id("north.am1").await,
        p.person_id("north.am2").await,
        p.person_id("north.rep").await,
    ];
    let mut cancelled = vec![];
    for round in 0..ROUNDS {
        let id = new_customer(&p, &am, &format!("并发回款副本{round}号软件有限公司")).await;
        // Two signed contracts, each with a plan before the race, so that the cancelled one
        // owes instalments whichever of the plans and the cancellation takes its lock first,
        // and the other is still owed.
        let mut both = vec![];
        for _ in 0..2 {
            let (s, k) = post(
                &am,
                p.url(0, "/api/v1/contracts"),
                json!({"customer_id": id, "title": "并发回款副本合同", "signing_date": "2026-01-05",
                       "lines": [{"product_code": "eoffice-std", "quantity": 10,
                                  "unit_price": "5000"}]}),
            )
            .await;
            assert_eq!(s, 201, "{k}");
            let kid = k["id"].as_i64().expect("id");
            let (s, v) = post(
                &am,
                p.url(0, &format!("/api/v1/contracts/{kid}/actions")),
                json!({"action": "sign"}),
            )
            .await;
            assert_eq!(s, 200, "{v}");
            let (s, v) = put(
                &managers[0],
                p.url(0, &format!("/api/v1/contracts/{kid}/plan")),
                json!({"instalments": [{"due_date": "2026-02-01", "amount": "20000"},
                                       {"due_date": "2026-03-01", "amount": "30000"}]}),
            )
            .await;
            assert_eq!(s, 200, "{v}");
            both.push(kid);
        }
        let (kid, other) = (both[0], both[1]);
        cancelled.push(kid);
        // 12 at once: plans (one in three, of either contract), transfers of the customer, one
        // cancellation. A transfer rewrites both contracts' instalments while a plan replaces
        // the second's: what the customer owes (m0055) must not make them wait on each other.
        let answers = all_at_once(12, |i| {
            if i % 3 == 0 {
                let split = 10_000 + 1_000 * i;
                let on = if i % 2 == 0 { kid } else { other };
                managers[i % 2]
                    .put(p.url(i, &format!("/api/v1/contracts/{on}/plan")))
                    .json(&json!({"instalments": [
                        {"due_date": "2026-02-01", "amount": format!("{split}")},
                        {"due_date": "2026-03-01", "amount": format!("{}", 50_000 - split)}]}))
                    .send()
            } else if i == 2 {
                directors[i % 2]
                    .post(p.url(i, &format!("/api/v1/contracts/{kid}/actions")))
                    .json(&json!({"action": "cancel", "reason": "并发取消"}))
                    .send()
            } else {
                directors[i % 2]
                    .post(p.url(i, "/api/v1/customers/reassign"))
                    .json(&json!({"ids": [id], "owner_id": owners[i % 3]}))
                    .send()
            }
        })
        .await;
        for (i, (s, v)) in answers.iter().enumerate() {
            if i % 3 == 0 && i % 2 == 0 {
                // A plan after the cancellation is refused (the contract is no longer signed).
                assert!(*s == 200 || *s == 409, "round {round}, plan {i}: {s} {v}");
            } else {
                assert_eq!(*s, 200, "round {round}, request {i}: {v}");
            }
        }
    }
    let db = p.app.db.read();
    let n = |sql: &str| {
        let st = Statement::from_string(db.get_database_backend(), sql);
        async move {
            db.query_one_raw(st)
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    let ids = cancelled
        .iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let of_cancelled = n(&format!(
        "SELECT count(*) AS n FROM instalments WHERE contract_id IN ({ids})"
    ))
    .await;
    assert!(
        of_cancelled >= 2 * ROUNDS as i64,
        "each cancelled contract keeps its plan"
    );
    assert_eq!(
        n(&format!(
            "SELECT count(*) AS n FROM instalments WHERE contract_id IN ({ids}) AND NOT k_live"
        ))
        .await,
        of_cancelled,
        "the plan of a cancelled contract is no longer owed"
    );
    let stale = n(
        "SELECT count(*) AS n FROM instalments x JOIN contracts k ON k.id = x.contract_id \
         WHERE x.k_live <> (k.status IN ('signed', 'in_delivery', 'completed')) \
            OR x.k_customer_id IS DISTINCT FROM k.customer_id \
            OR x.k_owner_id IS DISTINCT FROM k.owner_id \
            OR x.k_region_id IS DISTINCT FROM k.region_id \
            OR x.cust_owner_id IS DISTINCT FROM k.cust_owner_id \
            OR x.cust_region_id IS DISTINCT FROM k.cust_region_id \
            OR x.cust_archived <> k.cust_archived",
    )
    .await;
    assert_eq!(stale, 0, "every instalment's copies are its contract's");
    // m0055 and m0056: the amounts kept per key (totals and waiting deltas) equal a recount. Each
    // statement selects its key as k1 … k4 and the amount as n.
    let keyed = |sql: String| {
        let st = Statement::from_string(db.get_database_backend(), sql);
        async move {
            db.query_all_raw(st)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    ["k1", "k2", "k3", "k4", "n"]
                        .map(|col| r.try_get::<i64>("", col).unwrap())
                        .to_vec()
                })
                .collect::<Vec<_>>()
        }
    };
    let archived = "CAST(CASE WHEN cust_archived THEN 1 ELSE 0 END AS BIGINT)";
    let day = "CAST(REPLACE(CAST(due_date AS TEXT), '-', '') AS BIGINT)";
    // (what is kept, its key from the totals, its key from an instalment)
    let kept_amounts = [
        (
            "customer_receivables",
            ["customer_id", "cust_owner_id", "cust_region_id", archived].map(String::from),
            [
                "COALESCE(k_customer_id, 0)",
                "COALESCE(cust_owner_id, 0)",
                "COALESCE(cust_region_id, 0)",
                archived,
            ]
            .map(String::from),
        ),
        (
            "receivable_days",
            ["cust_region_id", archived, "k_region_id", day].map(String::from),
            [
                "COALESCE(cust_region_id, 0)",
                archived,
                "COALESCE(k_region_id, 0)",
                day,
            ]
            .map(String::from),
        ),
    ];
    for (totals, key, of_instalment) in kept_amounts {
        let deltas = match totals {
            "customer_receivables" => "customer_receivable_deltas",
            _ => "receivable_day_deltas",
        };
        let named = |key: &[String; 4]| {
            key.iter()
                .zip(["k1", "k2", "k3", "k4"])
                .map(|(e, n)| format!("{e} AS {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let kept = keyed(format!(
            "SELECT {}, CAST(SUM(open_fen) AS BIGINT) AS n FROM (SELECT * FROM {totals} \
               UNION ALL SELECT * FROM {deltas}) AS t \
             GROUP BY 1, 2, 3, 4 HAVING SUM(open_fen) <> 0 ORDER BY 1, 2, 3, 4",
            named(&key)
        ))
        .await;
        let counted = keyed(format!(
            "SELECT {}, CAST(SUM(amount_fen - paid_fen) AS BIGINT) AS n \
             FROM instalments WHERE k_live AND paid_fen < amount_fen \
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            named(&of_instalment)
        ))
        .await;
        assert_eq!(kept, counted, "{totals}: the instalments' open amounts");
        assert!(!counted.is_empty(), "the contracts in force are owed");
    }
}

/// (kept totals that differ from a recount, recount rows that differ from the kept totals) of
/// the expense spend (m0057).
async fn expense_totals_off(p: &ServeProcesses) -> (usize, usize) {
    let c = p.app.db.read();
    let kept = salesdesk_store::expenses::totals(c, 0, 999_912)
        .await
        .expect("totals");
    let counted = salesdesk_store::expenses::recount(c)
        .await
        .expect("recount");
    let a = kept.iter().filter(|t| !counted.contains(t)).count();
    let b = counted.iter().filter(|t| !kept.contains(t)).count();
    (a, b)
}

async fn claim(p: &ServeProcesses, c: &Client, i: usize, amount: &str) -> i64 {
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let (s, v) = post(
        c,
        p.url(i, "/api/v1/expenses"),
        json!({"category": "travel", "expense_date": today.to_string(), "amount": amount,
               "description": format!("并发报销 {i}")}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().expect("id")
}

/// A claim decided by several at once — its manager and the director, approving and returning,
/// through two processes — is decided once: one 200, every other answer a 409, one decision in
/// its history and in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_approvals_and_returns_of_one_expense_claim_decide_it_once() {
    const N: usize = 8;
    let p = two().await;
    let am = p.client(0, "east.am1").await;
    let vp = p.client(0, "vp").await;
    let mut deciders = vec![];
    for i in 0..N {
        let login = if i % 2 == 0 {
            "east.manager"
        } else {
            "director"
        };
        deciders.push(p.client(i, login).await);
    }
    for round in 0..ROUNDS {
        let id = claim(&p, &am, round, "1280.00").await;
        let approve = format!("/api/v1/expenses/{id}/approve");
        let ret = format!("/api/v1/expenses/{id}/return");
        let answers = all_at_once(N, |i| {
            let path = if i % 4 == 3 { &ret } else { &approve };
            deciders[i]
                .post(p.url(i, path))
                .json(&json!({"comment": "并发审批"}))
                .send()
        })
        .await;
        others_are_409(&answers, 200);
        assert_eq!(count(&answers, 200), 1, "round {round}: {answers:?}");
        let now = get(&am, p.url(0, &format!("/api/v1/expenses/{id}"))).await;
        let decisions = now["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["action"] != "submit")
            .count();
        assert_eq!(decisions, 1, "round {round}: {now}");
        let audited = |action: &'static str| {
            let vp = vp.clone();
            let url = p.url(
                0,
                &format!("/api/v1/audit?entity_type=expense&entity_id={id}&action={action}"),
            );
            async move { get(&vp, url).await["total"].as_u64().expect("total") }
        };
        assert_eq!(
            audited("expense.approve").await + audited("expense.return").await,
            1,
            "round {round}: one decision audited"
        );
    }
    assert_eq!(expense_totals_off(&p).await, (0, 0));
}

/// Claims, approvals, returns and resubmissions by many people at once through two processes
/// leave the spend the database keeps per region and month (m0057) equal to a recount from the
/// claims; parallel settings of one budget leave one budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_claims_and_decisions_keep_the_expense_totals_and_one_budget_per_period() {
    const N: usize = 8;
    let p = two().await;
    let regions = ["east", "north", "south", "central"];
    let mut claimants = vec![];
    let mut managers = vec![];
    for i in 0..N {
        let r = regions[i % regions.len()];
        claimants.push(
            p.client(i, &format!("{r}.am{}", 1 + i / regions.len() % 2))
                .await,
        );
        managers.push(p.client(i, &format!("{r}.manager")).await);
    }
    for round in 0..ROUNDS {
        // Everyone claims at once.
        let answers = all_at_once(N, |i| {
            let today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .date_naive();
            claimants[i]
                .post(p.url(i, "/api/v1/expenses"))
                .json(
                    &json!({"category": if i % 2 == 0 { "travel" } else { "gifts" },
                              "expense_date": today.to_string(),
                              "amount": format!("{}.50", 100 + 37 * i + round),
                              "description": "并发"}),
                )
                .send()
        })
        .await;
        assert_eq!(count(&answers, 201), N, "round {round}: {answers:?}");
        let ids: Vec<i64> = answers
            .iter()
            .map(|(_, v)| v["id"].as_i64().expect("id"))
            .collect();
        // Managers approve or return, all at once.
        let answers = all_at_once(N, |i| {
            let action = if i % 3 == 0 { "return" } else { "approve" };
            managers[i]
                .post(p.url(i, &format!("/api/v1/expenses/{}/{action}", ids[i])))
                .json(&json!({"comment": "请补充发票"}))
                .send()
        })
        .await;
        assert_eq!(count(&answers, 200), N, "round {round}: {answers:?}");
        // The returned ones are resubmitted with another amount, at once.
        let answers = all_at_once(N, |i| {
            let today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .date_naive();
            claimants[i]
                .post(p.url(i, &format!("/api/v1/expenses/{}/resubmit", ids[i])))
                .json(
                    &json!({"category": "travel", "expense_date": today.to_string(),
                              "amount": "88.00", "description": "已补充发票"}),
                )
                .send()
        })
        .await;
        let resubmitted = (0..N).filter(|i| i % 3 == 0).count();
        assert_eq!(
            count(&answers, 200),
            resubmitted,
            "round {round}: {answers:?}"
        );
        others_are_409(&answers, 200);
        assert_eq!(expense_totals_off(&p).await, (0, 0), "round {round}");
    }
    // One budget, set by the director and the VP at once with different amounts.
    let setters: Vec<Client> = {
        let mut v = vec![];
        for i in 0..N {
            v.push(
                p.client(i, if i % 2 == 0 { "director" } else { "vp" })
                    .await,
            );
        }
        v
    };
    let east = get(&setters[0], p.url(0, "/api/v1/budgets")).await;
    let region_id = east["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["parent_id"].is_null())
        .expect("a region")["region_id"]
        .as_i64()
        .expect("region_id");
    // A month nobody has set a budget for yet: all of them insert at once.
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let period = format!("{year}-06");
    let budgets = || async {
        use sea_orm::ConnectionTrait;
        let c = p.app.db.read();
        let row = c
            .query_one_raw(sea_orm::Statement::from_string(
                c.get_database_backend(),
                format!(
                    "SELECT count(*) AS n FROM expense_budgets WHERE region_id = {region_id} \
                     AND period_kind = 'month'"
                ),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    };
    let before = budgets().await;
    let answers = all_at_once(N, |i| {
        setters[i]
            .put(p.url(i, "/api/v1/budgets"))
            .json(&json!({"region_id": region_id, "period": period,
                          "amount": format!("{}.00", 10_000 + i)}))
            .send()
    })
    .await;
    assert_eq!(count(&answers, 200), N, "{answers:?}");

    let board = get(
        &setters[0],
        p.url(0, &format!("/api/v1/budgets?period={period}")),
    )
    .await;
    let kept = board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["region_id"] == region_id)
        .expect("row")["budget"]
        .as_str()
        .expect("budget")
        .to_string();
    assert!(
        (0..N).any(|i| kept == format!("{}.00", 10_000 + i)),
        "one of the amounts sent: {kept}"
    );
    assert_eq!(budgets().await, before + 1, "one budget of the month");
}
