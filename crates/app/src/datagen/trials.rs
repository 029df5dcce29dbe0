//! `salesdesk gen --trials N`: trial applications (issue 12) over the customers already in the
//! database, in every state of the lifecycle, dated back from now on the company's business
//! calendar — as the intake and the lifecycle would have left them:
//!
//! - **new** ones, most within the first-contact limit (their reminder and escalation jobs
//!   queued, as the intake enqueues them) and some past it (`overdue_at` set, as the escalation
//!   job marks them);
//! - **contacted**, **running** (start/end dates, edition, licence note), **ended**,
//!   **converted** and **lost** (a reason from the list, sometimes a competitor), with a first
//!   contact within or past the limit;
//! - the pre-sales calls of each started trial from the plan in force: the past ones recorded
//!   (outcome, satisfaction) or missed, the later ones scheduled.
//!
//! One application per customer (customers that have one already are skipped), so the open
//! application per customer and product (`open_key`, unique) is never taken twice; references
//! are the intake's (`TA-<arrival date>-<id>`). The owner is the customer's; an unowned
//! customer's application is in the director's queue. Rows go in as multi-row INSERTs with one
//! `gen.trials` audit row for the run, like the customers of [`super::generate`].

use chrono::{DateTime, Duration, NaiveDate, Utc};
use salesdesk_domain::presales::CallOutcome;
use salesdesk_domain::trial::{LOST_REASONS, reference};
use salesdesk_store::bulk::{self, Row, TrialSource, Value};
use salesdesk_store::{audit, jobs};
use serde_json::json;

use super::{Progress, Rng, mobile, os, person_name, s};
use crate::{App, AppError, Ctx, Result};

/// What to generate.
#[derive(Debug, Clone)]
pub struct TrialGenOptions {
    pub trials: u64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrialGenReport {
    pub trials: u64,
    /// By state, in the order of [`STATES`].
    pub by_state: Vec<(&'static str, u64)>,
    /// New applications past their limit (marked overdue).
    pub overdue: u64,
    /// Applications whose first contact came after the limit.
    pub late_contacts: u64,
    pub calls: u64,
    pub jobs: u64,
}

/// The states and their shares (per thousand).
pub const STATES: [(u32, &str); 6] = [
    (140, "new"),
    (170, "contacted"),
    (170, "running"),
    (100, "ended"),
    (170, "converted"),
    (250, "lost"),
];

const TRIAL_COLUMNS: &[&str] = &[
    "id",
    "reference",
    "customer_id",
    "contact_id",
    "product_code",
    "state",
    "open_key",
    "company",
    "uscc",
    "contact_name",
    "mobile",
    "email",
    "province_code",
    "city_code",
    "users",
    "message",
    "applications",
    "channel",
    "intake_key_id",
    "client_ip",
    "matched_by",
    "suspicion",
    "owner_id",
    "region_id",
    "route_reason",
    "arrived_at",
    "last_applied_at",
    "first_contact_due_at",
    "first_contact_at",
    "reminded_at",
    "overdue_at",
    "trial_start",
    "trial_end",
    "edition",
    "licence_note",
    "lost_reason",
    "competitor",
    "outcome_note",
    "status_request_id",
    "created_at",
    "updated_at",
    "version",
];

const CALL_COLUMNS: &[&str] = &[
    "trial_id",
    "step",
    "due_on",
    "state",
    "outcome",
    "satisfaction",
    "note",
    "record_id",
    "done_at",
    "done_by",
    "created_at",
    "updated_at",
];

const MESSAGES: &[&str] = &[
    "希望试用一个月，评估后采购。",
    "想了解移动审批和考勤功能。",
    "公司准备上OA系统，请尽快联系。",
    "需要和现有的财务系统对接，请安排技术人员沟通。",
    "集团下属多家子公司，想先在总部试点。",
    "请发送报价和部署方案。",
];

const EDITIONS: &[&str] = &["标准版", "专业版", "集团版"];

/// Customers looked at per transaction.
const BATCH: u64 = 2_000;

/// A multiplier coprime with `n`: walking `k · step mod n` visits every customer id once, in
/// an order that spreads the applications over regions and owners.
fn stride(n: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let mut p = 1_000_003 % n.max(1);
    while p == 0 || gcd(p, n) != 1 {
        p += 1;
    }
    p
}

/// Generates up to `o.trials` applications (fewer when the customers without one run out).
pub async fn generate_trials(
    app: &App,
    o: &TrialGenOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<TrialGenReport> {
    let max_customer = bulk::max_id(app.db.read(), "customers").await?;
    if max_customer == 0 {
        return Err(AppError::field("trials", "error.gen_no_customers"));
    }
    let products: Vec<String> = crate::products::active(app)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    if products.is_empty() {
        return Err(AppError::field("trials", "error.gen_no_products"));
    }
    // Loaded (and a fresh database's built-in year seeded) before any transaction.
    let cal = crate::calendar::load(app).await?;
    let plan = crate::presales::plan(app).await?;
    let settings = crate::trials::settings(app).await?;
    let tz = app.config.time_zone;
    let now = app.config.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let limit = i64::from(settings.first_contact_hours) * 60;
    let remind_after = limit - i64::from(settings.remind_before_minutes);
    let local_date = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();

    let n = max_customer as u64;
    let step = stride(n);
    let mut next_id = bulk::max_id(app.db.read(), "trial_applications").await? + 1;
    let mut report = TrialGenReport {
        by_state: STATES.iter().map(|(_, s)| (*s, 0)).collect(),
        ..Default::default()
    };
    let mut k = 0u64;
    while report.trials < o.trials && k < n {
        let ids: Vec<i64> = (k..(k + BATCH).min(n))
            .map(|j| 1 + ((j as u128 * step as u128) % n as u128) as i64)
            .collect();
        k += ids.len() as u64;
        let mut sources = bulk::trial_sources(app.db.read(), &ids).await?;
        sources.truncate((o.trials - report.trials) as usize);
        let mut trials: Vec<Row> = Vec::with_capacity(sources.len());
        let mut calls: Vec<Row> = Vec::new();
        let mut new_jobs: Vec<jobs::NewJob> = Vec::new();
        for src in &sources {
            let id = next_id;
            next_id += 1;
            let mut r = Rng::for_item(o.seed, 7, id as u64);
            let g = one(&mut r, src, &products, now);
            let state_ix = STATES.iter().position(|(_, s)| *s == g.state).unwrap_or(0);
            report.by_state[state_ix].1 += 1;
            report.trials += 1;
            let due = cal.deadline(g.arrived, limit);
            let first_contact = g.contact_after.map(|m| cal.deadline(g.arrived, m).min(now));
            // As the escalation job marks it: uncontacted at the limit.
            let overdue_at = match first_contact {
                Some(fc) if fc > due => Some(due),
                None if due <= now => Some(due),
                _ => None,
            };
            if g.state == "new" && overdue_at.is_some() {
                report.overdue += 1;
            }
            if first_contact.is_some() && overdue_at.is_some() {
                report.late_contacts += 1;
            }
            let remind_at = (remind_after > 0 && g.state == "new")
                .then(|| cal.deadline(g.arrived, remind_after));
            let reminded_at = remind_at.filter(|t| *t <= now);
            if g.state == "new" && overdue_at.is_none() {
                if let Some(at) = remind_at.filter(|t| *t > now) {
                    new_jobs.push(job(crate::trials::REMIND, id, "remind", at));
                }
                new_jobs.push(job(crate::trials::ESCALATE, id, "escalate", due));
            }
            let start = g
                .start_after_days
                .map(|d| local_date(first_contact.unwrap_or(g.arrived)) + Duration::days(d));
            // A running trial ends after today; the others have ended (before today).
            let end = start.map(|s| {
                let planned = s + Duration::days(g.trial_days);
                if g.state == "running" {
                    planned.max(today + Duration::days(1))
                } else {
                    planned.min(today - Duration::days(1)).max(s)
                }
            });
            if let (Some(start), Some(end)) = (start, end) {
                for (step, on) in plan.dates(start, end, |d| cal.is_working_day(d)) {
                    calls.push(call(&mut r, id, step, on, today, &src.owner_id, now));
                }
            }
            let open = !matches!(g.state, "converted" | "lost");
            let reference = reference(local_date(g.arrived), id);
            let last_applied = g.arrived + Duration::days(g.folded.into());
            let updated = [Some(g.arrived), first_contact, overdue_at, reminded_at]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(g.arrived);
            let lost_reason = (g.state == "lost").then(|| *r.pick(&LOST_REASONS));
            trials.push(vec![
                Value::from(id),
                s(&reference),
                Value::from(src.id),
                Value::from(src.contact_id),
                s(&g.product),
                s(g.state),
                os(open.then(|| format!("{}:{}", src.id, g.product))),
                s(&src.name),
                os(src.uscc.clone()),
                s(&g.contact_name),
                s(&g.mobile),
                os(g.email.clone()),
                s(src.province_code.as_deref().unwrap_or("110000")),
                os(src.city_code.clone()),
                Value::from(Some(g.users)),
                os(r.chance(0.7).then(|| r.pick(MESSAGES).to_string())),
                Value::from(1 + g.folded),
                s(if r.chance(0.4) { "api" } else { "form" }),
                Value::from(Option::<i64>::None),
                os(None),
                s(g.matched_by),
                os(None),
                Value::from(src.owner_id),
                Value::from(src.region_id),
                s(if src.owner_id.is_some() {
                    "existing_owner"
                } else {
                    "director_queue"
                }),
                Value::from(g.arrived),
                Value::from(last_applied.min(now)),
                Value::from(due),
                Value::from(first_contact),
                Value::from(reminded_at),
                Value::from(overdue_at),
                Value::from(start),
                Value::from(end),
                os(start.map(|_| r.pick(EDITIONS).to_string())),
                os(start.map(|_| format!("试用实例 trial-{id}.example.cn"))),
                os(lost_reason.map(str::to_string)),
                os((lost_reason == Some("competitor"))
                    .then(|| ["泛微", "致远", "钉钉", "蓝凌"][r.below(4) as usize].to_string())),
                os((g.state == "converted").then(|| "试用满意，转入商务流程。".to_string())),
                Value::from(Option::<i64>::None),
                Value::from(g.arrived),
                Value::from(updated),
                Value::from(1i32),
            ]);
        }
        report.calls += calls.len() as u64;
        report.jobs += new_jobs.len() as u64;
        let tx = app.db.begin().await?;
        bulk::insert(&tx, "trial_applications", TRIAL_COLUMNS, trials).await?;
        bulk::insert(&tx, "presales_calls", CALL_COLUMNS, calls).await?;
        for j in new_jobs {
            jobs::enqueue(&tx, j, now).await?;
        }
        app.db.commit(tx).await?;
        progress(Progress {
            done: report.trials,
            total: o.trials,
        });
    }
    let tx = app.db.begin().await?;
    bulk::sync_id_sequence(&tx, "trial_applications").await?;
    audit::insert(
        &tx,
        Ctx::system().audit(
            "gen.trials",
            "trial",
            None,
            None,
            Some(json!({
                "seed": o.seed, "asked": o.trials, "trials": report.trials,
                "calls": report.calls, "jobs": report.jobs,
                "by_state": report.by_state.iter().map(|(s, n)| json!([s, n])).collect::<Vec<_>>(),
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    bulk::analyze_tables(app.db.read(), &["trial_applications", "presales_calls"]).await?;
    Ok(report)
}

/// A job as the intake enqueues it, with its once-key.
fn job(kind: &str, trial: i64, what: &str, at: DateTime<Utc>) -> jobs::NewJob {
    jobs::NewJob {
        kind: kind.into(),
        payload: json!({ "trial_id": trial }).to_string(),
        run_at: at,
        max_attempts: crate::jobs::DEFAULT_ATTEMPTS,
        once_key: Some(format!("trial:{trial}:{what}")),
    }
}

/// A pre-sales call on `on`: recorded (most) or missed when its day has passed, else scheduled.
fn call(
    r: &mut Rng,
    trial: i64,
    step: usize,
    on: NaiveDate,
    today: NaiveDate,
    owner: &Option<i64>,
    now: DateTime<Utc>,
) -> Row {
    let done = on < today && r.chance(0.85);
    let done_at = done.then(|| {
        on.and_hms_opt(3 + r.below(6) as u32, r.below(60) as u32, 0)
            .unwrap_or_default()
            .and_utc()
    });
    let outcome = done.then(|| r.pick(&CallOutcome::ALL).as_str().to_string());
    let reached = outcome.as_deref().is_some_and(|o| o != "no_answer");
    vec![
        Value::from(trial),
        Value::from(step as i32),
        Value::from(on),
        s(if done { "done" } else { "scheduled" }),
        os(outcome),
        Value::from(reached.then(|| 2 + r.below(4) as i32)),
        os(None),
        Value::from(Option::<i64>::None),
        Value::from(done_at),
        Value::from(if done { *owner } else { None }),
        Value::from(done_at.unwrap_or(now)),
        Value::from(done_at.unwrap_or(now)),
    ]
}

/// The drawn facts of one application.
struct Drawn {
    state: &'static str,
    arrived: DateTime<Utc>,
    /// Working minutes from arrival to the first contact (none: not contacted).
    contact_after: Option<i64>,
    /// Days from the first contact to the trial's start (none: never started).
    start_after_days: Option<i64>,
    trial_days: i64,
    product: String,
    contact_name: String,
    mobile: String,
    email: Option<String>,
    users: i64,
    folded: i32,
    matched_by: &'static str,
}

fn one(r: &mut Rng, src: &TrialSource, products: &[String], now: DateTime<Utc>) -> Drawn {
    let state = *r.weighted(&STATES);
    let days = |r: &mut Rng, lo: u64, hi: u64| {
        Duration::minutes((lo * 1440 + r.below((hi - lo) * 1440)) as i64)
    };
    let arrived = match state {
        // Mostly within the limit (the last few working hours), some days old and overdue.
        "new" if r.chance(0.7) => now - Duration::minutes(r.below(200) as i64 + 1),
        "new" => now - days(r, 1, 10),
        "contacted" => now - days(r, 1, 20),
        // Started within the last month, so still running.
        "running" => now - days(r, 4, 25),
        "ended" => now - days(r, 40, 120),
        "converted" => now - days(r, 40, 180),
        _ => now - days(r, 3, 180),
    };
    // The first contact: within the limit for most, later for about one in six.
    let contact_after = (state != "new").then(|| {
        if r.chance(0.83) {
            15 + r.below(220) as i64
        } else {
            250 + r.below(900) as i64
        }
    });
    let started = match state {
        "running" | "ended" | "converted" => true,
        "lost" => r.chance(0.5) && now - arrived > Duration::days(40),
        _ => false,
    };
    let start_after_days = started.then(|| r.below(3) as i64);
    let (contact_name, mobile_no, email) = match (&src.contact_name, &src.mobile) {
        (Some(n), Some(m)) if r.chance(0.8) => (n.clone(), m.clone(), src.email.clone()),
        _ => (person_name(r), mobile(r), None),
    };
    let matched_by = if src.uscc.is_some() && r.chance(0.5) {
        "uscc"
    } else if mobile_no.as_str() == src.mobile.as_deref().unwrap_or("") && r.chance(0.3) {
        "mobile"
    } else {
        "name"
    };
    Drawn {
        state,
        arrived,
        contact_after,
        start_after_days,
        trial_days: [14, 30, 30, 30, 60][r.below(5) as usize],
        product: r.pick(products).clone(),
        contact_name,
        mobile: mobile_no,
        email,
        users: 5 + r.below(500) as i64,
        folded: i32::from(r.chance(0.1)),
        matched_by,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_walk_visits_every_customer_once() {
        for n in [1u64, 2, 7, 1_000_003, 50_000, 1_000_000] {
            let step = super::stride(n);
            if n <= 50_000 {
                let mut seen = vec![false; n as usize];
                for k in 0..n {
                    let i = ((k as u128 * step as u128) % n as u128) as usize;
                    assert!(!seen[i], "n={n}: {i} twice");
                    seen[i] = true;
                }
            } else {
                assert_eq!(gcd(step, n), 1);
            }
        }
    }

    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
}
