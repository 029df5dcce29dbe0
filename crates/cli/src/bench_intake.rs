//! `salesdesk bench intake`: trial applications (issue 12) sent to `POST /api/v1/intake/trials`
//! over loopback HTTP by concurrent clients, against a `salesdesk serve` process the benchmark
//! starts on `127.0.0.1:0` — each one matched against the customers, routed, given its
//! first-contact deadline on the business calendar, its jobs enqueued and audited, as in
//! production. Reports applications per second and the latency percentiles.
//!
//! The applicants: most are new companies (a new lead each, routed by province), one in twenty
//! is an existing customer of the database (matched by name and routed to its owner, or folded
//! into its open application), one in twenty applies a second time (folded).
//!
//! **Rate limit.** An intake key may send `trials.per_key_per_minute` applications a minute
//! (the administrator's setting, default 6,000). The benchmark issues its own key and, for its
//! run, raises that setting to 10,000,000 (through the audited settings use case), putting the
//! previous value back at the end: the limit is still counted and checked on every application
//! (its cost is in the figures); it just does not refuse the benchmark. The per-address limit
//! applies to the public form, not to the keyed API.
//!
//! **Routing.** So that the run routes as a company would (issue 12: "matching, routing and
//! the deadline included"), provinces not mapped yet are mapped by the default areas
//! (`routing::apply_defaults`, audited, kept), and each region whose rule is manual takes the
//! round robin for the run (audited, put back afterwards): a new applicant's region then takes
//! its turn. The report counts the run's applications by routing reason.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use salesdesk_app::{App, Ctx};

use crate::bench_http::{Client, metric, pct, start_server};
use crate::bench_import::cn;

/// Options of the benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// The dataset `gen` makes when the database has no customers yet.
    pub dataset: salesdesk_app::datagen::GenOptions,
    pub clients: usize,
    /// Seconds measured (after a tenth as warm-up, uncounted).
    pub seconds: u64,
}

/// Provinces the new applicants come from (all mapped to demo regions).
const PROVINCES: [&str; 8] = [
    "110000", "310000", "440000", "510000", "330000", "320000", "420000", "370000",
];
const PRODUCT: &str = "eoffice-std";

/// An existing customer to apply as: its name and province code.
type Known = (String, String);

/// Up to `n` existing customers spread over the id range.
async fn known_customers(app: &App, max_id: i64, n: i64) -> Result<Vec<Known>, String> {
    let mut out = Vec::new();
    for k in 0..n {
        let id = 1 + (k * 7_919).rem_euclid(max_id.max(1));
        if let Some(c) = salesdesk_store::customers::get(
            app.db.read(),
            id,
            &salesdesk_store::customers::Visible::All,
        )
        .await
        .map_err(|e| e.to_string())?
        {
            out.push((c.name, c.province_code.unwrap_or_else(|| "110000".into())));
        }
    }
    Ok(out)
}

/// The JSON body of applicant `i` of client `client` (run `nonce`).
fn body(nonce: u64, client: usize, i: usize, known: &[Known]) -> String {
    let (company, province) = match i % 20 {
        0 if !known.is_empty() => known[(client * 7_919 + i) % known.len()].clone(),
        // The same applicant as ten applications ago: folds into its open application.
        1 if i > 10 => (
            company(nonce, client, i - 10),
            PROVINCES[(i - 10) % 8].into(),
        ),
        _ => (company(nonce, client, i), PROVINCES[i % 8].into()),
    };
    let serial = (nonce as usize % 1000) * 100_000 + client * 10_000 + i % 10_000;
    format!(
        "{{\"company\":\"{company}\",\"contact_name\":\"王磊\",\"mobile\":\"139{:08}\",\
          \"province\":\"{province}\",\"product\":\"{PRODUCT}\",\"users\":{},\
          \"message\":\"压测申请，请忽略。\"}}",
        serial % 100_000_000,
        10 + i % 90
    )
}

fn company(nonce: u64, client: usize, i: usize) -> String {
    format!(
        "压测{}号{}客户端{}科技有限公司",
        cn(nonce as usize % 10_000),
        cn(client),
        cn(i)
    )
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    ms: Vec<f64>,
    folded: u64,
    refused: Vec<String>,
}

async fn client_loop(
    addr: SocketAddr,
    secret: String,
    nonce: u64,
    client: usize,
    known: std::sync::Arc<Vec<Known>>,
    measure_from: Instant,
    until: Instant,
) -> Result<Tally, String> {
    let mut c = Client::new(addr);
    let headers = format!("X-Intake-Key: {secret}\r\nContent-Type: application/json\r\n");
    let mut t = Tally::default();
    let mut i = 0;
    while Instant::now() < until {
        let b = body(nonce, client, i, &known);
        i += 1;
        let started = Instant::now();
        let a = c
            .send("POST", "/api/v1/intake/trials", &headers, b.as_bytes())
            .await?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if a.status != 201 {
            if t.refused.len() < 3 {
                t.refused.push(format!(
                    "{}: {}",
                    a.status,
                    String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
                ));
            }
            continue;
        }
        // Counted when it ends after the warm-up (so a run shorter than one slow request
        // still reports it).
        if Instant::now() >= measure_from {
            t.ms.push(ms);
            if a.body.windows(13).any(|w| w == b"\"folded\":true") {
                t.folded += 1;
            }
        }
    }
    Ok(t)
}

pub async fn run(app: App, database_url: &str, engine: &str, o: Options) -> Result<(), String> {
    let mut max_id = salesdesk_store::bulk::max_id(app.db.read(), "customers")
        .await
        .map_err(|e| e.to_string())?;
    if max_id == 0 {
        eprintln!(
            "no customers yet: generating {} customers, {} contacts, {} contact records",
            o.dataset.customers, o.dataset.contacts, o.dataset.records
        );
        crate::generate::run(&app, &o.dataset).await?;
        max_id = salesdesk_store::bulk::max_id(app.db.read(), "customers")
            .await
            .map_err(|e| e.to_string())?;
    }
    let known = std::sync::Arc::new(known_customers(&app, max_id, 500).await?);
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let admin = Ctx::system();
    let issued = salesdesk_app::intake_keys::issue(&app, &admin, &format!("bench intake {nonce}"))
        .await
        .map_err(|e| format!("cannot issue an intake key: {e}"))?;
    let before = salesdesk_app::trials::settings(&app)
        .await
        .map_err(|e| e.to_string())?;
    let raised = salesdesk_app::trials::TrialSettings {
        per_key_per_minute: 10_000_000,
        ..before.clone()
    };
    salesdesk_app::trials::put_settings(&app, &admin, &raised)
        .await
        .map_err(|e| format!("cannot raise the intake key limit: {e}"))?;
    let manual = route_by_region(&app, &admin).await?;
    let last_trial = salesdesk_store::bulk::max_id(app.db.read(), "trial_applications")
        .await
        .map_err(|e| e.to_string())?;
    let result = measure(
        database_url,
        engine,
        &o,
        max_id,
        known,
        nonce,
        &issued.secret,
    )
    .await;
    // The database is left as it was found (apart from the applications, the key and the
    // provinces mapped).
    let restored = salesdesk_app::trials::put_settings(&app, &admin, &before).await;
    let revoked = salesdesk_app::intake_keys::revoke(&app, &admin, issued.key.id).await;
    let mut rules_back = Ok(());
    for region in manual {
        if let Err(e) = salesdesk_app::assignment::set_rule(
            &app,
            &admin,
            region,
            salesdesk_app::assignment::MANUAL,
        )
        .await
        {
            rules_back = Err(format!(
                "cannot put region {region}'s rule back to manual: {e}"
            ));
        }
    }
    result?;
    rules_back?;
    let reasons = salesdesk_store::trials::route_reasons_after(app.db.read(), last_trial)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Routed (applications of the run, warm-up included, folds counted once): {}.",
        reasons
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    restored.map_err(|e| format!("cannot restore the intake key limit: {e}"))?;
    revoked.map_err(|e| format!("cannot revoke the benchmark's key: {e}"))?;
    Ok(())
}

/// Maps the unmapped provinces by the default areas and gives every top-level region whose rule
/// is manual the round robin; returns those regions, to be put back.
async fn route_by_region(app: &App, admin: &Ctx) -> Result<Vec<i64>, String> {
    let applied = salesdesk_app::routing::apply_defaults(app, admin)
        .await
        .map_err(|e| format!("cannot map the provinces: {e}"))?;
    if !applied.mapped.is_empty() {
        eprintln!(
            "mapped {} provinces to regions by the default areas (kept)",
            applied.mapped.len()
        );
    }
    let regions = salesdesk_store::regions::list(app.db.read())
        .await
        .map_err(|e| e.to_string())?;
    let mut manual = Vec::new();
    for r in regions.iter().filter(|r| r.parent_id.is_none() && r.active) {
        let rule = salesdesk_app::assignment::get_rule(app, admin, r.id)
            .await
            .map_err(|e| e.to_string())?;
        if rule.mode == salesdesk_app::assignment::MANUAL {
            salesdesk_app::assignment::set_rule(app, admin, r.id, "round_robin")
                .await
                .map_err(|e| format!("cannot set region {}'s rule: {e}", r.id))?;
            manual.push(r.id);
        }
    }
    Ok(manual)
}

async fn measure(
    database_url: &str,
    engine: &str,
    o: &Options,
    max_id: i64,
    known: std::sync::Arc<Vec<Known>>,
    nonce: u64,
    secret: &str,
) -> Result<(), String> {
    const TOKEN: &str = "bench-intake-metrics";
    let (_server, addr) = start_server(database_url, TOKEN)?;
    let counters = async || {
        let mut v = [0u64; 3];
        for (i, name) in [
            "salesdesk_intake_commits_total",
            "salesdesk_intake_written_total",
            "salesdesk_db_statements_total",
        ]
        .into_iter()
        .enumerate()
        {
            v[i] = metric(addr, TOKEN, name).await.unwrap_or(0);
        }
        v
    };
    let before = counters().await;
    let warm = Duration::from_secs(o.seconds).div_f64(10.0);
    let measure_from = Instant::now() + warm;
    let until = measure_from + Duration::from_secs(o.seconds);
    let mut tasks = Vec::new();
    for client in 0..o.clients {
        tasks.push(tokio::spawn(client_loop(
            addr,
            secret.to_string(),
            nonce,
            client,
            known.clone(),
            measure_from,
            until,
        )));
    }
    let mut all = Vec::new();
    let (mut folded, mut refused) = (0, Vec::new());
    for t in tasks {
        let t = t.await.map_err(|e| e.to_string())??;
        all.extend(t.ms);
        folded += t.folded;
        refused.extend(t.refused);
    }
    let secs = measure_from
        .elapsed()
        .as_secs_f64()
        .min(o.seconds as f64 + 60.0);
    let after = counters().await;
    let (commits, written, statements) = (
        after[0] - before[0],
        after[1] - before[1],
        after[2] - before[2],
    );
    if !refused.is_empty() {
        return Err(format!("applications refused: {}", refused.join("; ")));
    }
    all.sort_by(f64::total_cmp);
    let build = crate::bench::build_kind();
    println!(
        "{engine}, {max_id} customers (highest id), {build}; {} clients for {} s after {:.1} s of warm-up",
        o.clients,
        o.seconds,
        warm.as_secs_f64()
    );
    println!();
    println!(
        "| trial intake `POST /api/v1/intake/trials` | applications | applications/s | p50 ms | p95 ms | p99 ms | max ms | folded |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {engine}, {} clients | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {folded} |",
        o.clients,
        all.len(),
        all.len() as f64 / secs,
        pct(&all, 0.5),
        pct(&all, 0.95),
        pct(&all, 0.99),
        pct(&all, 1.0),
    );
    println!();
    println!(
        "Warm-up included: {written} applications written in {commits} transactions (mean group {:.1}), {:.1} database statements per application.",
        written as f64 / commits.max(1) as f64,
        statements as f64 / written.max(1) as f64,
    );
    Ok(())
}
