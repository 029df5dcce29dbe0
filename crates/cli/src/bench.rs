//! `salesdesk bench customers`: server time of the customer pages on a generated database,
//! measured in-process through the real router (`tower::ServiceExt::oneshot`), so no HTTP client
//! shares the cores. Prints a Markdown table for BENCHMARKS.md.

use std::time::Instant;

use axum::body::Body;
use http::Request;
use salesdesk_app::App;
use salesdesk_app::auth::{self, Origin, SessionKind};
use tower::ServiceExt;

/// Who to measure as: (label, login).
const ROLES: [(&str, &str); 3] = [
    ("VP (all customers)", "vp"),
    ("regional manager (east)", "east.manager"),
    ("account manager", "east.am1"),
];

/// Two-character queries: generated brands (and 华为, which the generator also makes).
pub(crate) const SHORT: [&str; 6] = ["华为", "云帆", "金达", "海通", "瑞科", "星航"];
/// Two-character queries that are common (cities, held by about 3 % of customers each, mostly in
/// one region) and people's names (contacts).
const SHORT_COMMON: [&str; 6] = ["广州", "北京", "王磊", "张伟", "上海", "李娜"];
/// One-character queries, rare and common.
const ONE: [&str; 6] = ["鑫", "王", "磊", "欧", "华", "瑞"];
/// Four-character queries: brand + industry short form, as people type them.
pub(crate) const LONG: [&str; 6] = [
    "华为信息",
    "云帆软件",
    "金达物流",
    "海通医药",
    "瑞科电子",
    "星航贸易",
];

/// Prints each measurement as soon as it is taken (a slow one should not hide the others).
pub(crate) struct Samples;

impl Samples {
    pub(crate) fn push(&mut self, s: Sample) {
        use std::io::Write;
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            s.name,
            s.pct(0.50),
            s.pct(0.95),
            s.pct(0.99),
            s.pct(1.0)
        );
        let _ = std::io::stdout().flush();
    }
}

pub(crate) struct Sample {
    name: String,
    ms: Vec<f64>,
}

impl Sample {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    }
}

pub(crate) async fn session(app: &App, login: &str, kind: SessionKind) -> Result<String, String> {
    auth::login(
        app,
        login,
        salesdesk_app::demo::DEMO_PASSWORD,
        kind,
        &Origin {
            ip: Some("127.0.0.1".into()),
            user_agent: Some("salesdesk-bench".into()),
            ..Origin::default()
        },
    )
    .await
    .map(|l| l.token)
    .map_err(|e| format!("cannot sign in as {login} (a database from `salesdesk gen`?): {e}"))
}

/// Runs `n` GETs (path chosen per request) and records each one's time to the last body byte.
pub(crate) async fn measure(
    router: &axum::Router,
    name: String,
    n: usize,
    auth: (&str, String),
    path: impl Fn(usize) -> String,
) -> Result<Sample, String> {
    let mut ms = Vec::with_capacity(n);
    for i in 0..n + n / 10 {
        let uri = path(i);
        let req = Request::get(&uri)
            .header(auth.0, &auth.1)
            .body(Body::empty())
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let resp = router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        let took = t.elapsed().as_secs_f64() * 1000.0;
        if status != 200 {
            return Err(format!(
                "{uri}: {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ));
        }
        // The first tenth warms caches and is not counted.
        if i >= n / 10 {
            ms.push(took);
        }
    }
    Ok(Sample { name, ms })
}

/// Which build the figures come from. Only `--profile production` (opt-level 3) is comparable
/// with BENCHMARKS.md; `cargo run --release` builds at opt-level 1 to build quickly.
pub(crate) fn build_kind() -> &'static str {
    match salesdesk_web::OPT_LEVEL {
        "0" => "debug build",
        "3" => "production build (opt-level 3)",
        "1" => "quick release build (opt-level 1; benchmark with `--profile production`)",
        _ => "build of unknown optimisation",
    }
}

pub(crate) fn hwm_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{} MiB", kb / 1024))
        .unwrap_or_else(|| "?".into())
}

pub async fn customers(
    app: App,
    web: salesdesk_web::WebConfig,
    n: usize,
    engine: &str,
) -> Result<(), String> {
    let max_id = salesdesk_store::bulk::max_id(app.db.read(), "customers")
        .await
        .map_err(|e| e.to_string())?;
    if max_id == 0 {
        return Err("no customers: run `salesdesk gen` first".into());
    }
    let router = salesdesk_web::router(app.clone(), web);
    println!("| {engine}: request ({n} each) | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut samples = Samples;
    let cookie = |t: &str| ("cookie", format!("sd_session={t}"));
    for (label, login) in ROLES {
        let t = session(&app, login, SessionKind::Web).await?;
        for (what, status) in [("list, status filter", "potential"), ("list", "")] {
            let path = if status.is_empty() {
                "/customers".to_string()
            } else {
                format!("/customers?status={status}")
            };
            samples.push(
                measure(
                    &router,
                    format!("{what} page (50 rows) — {label}"),
                    n,
                    cookie(&t),
                    |_| path.clone(),
                )
                .await?,
            );
        }
    }
    let vp = session(&app, "vp", SessionKind::Web).await?;
    let manager = session(&app, "east.manager", SessionKind::Web).await?;
    // Spread over the whole id range, deterministically.
    let id = |i: usize| 1 + (i as i64).wrapping_mul(7_919) % max_id;
    samples.push(
        measure(
            &router,
            "customer 360 page `GET /customers/{id}` — VP".into(),
            n,
            cookie(&vp),
            |i| format!("/customers/{}", id(i)),
        )
        .await?,
    );
    let api = session(&app, "vp", SessionKind::Api).await?;
    samples.push(
        measure(
            &router,
            "customer JSON `GET /api/v1/customers/{id}` — VP".into(),
            n,
            ("authorization", format!("Bearer {api}")),
            |i| format!("/api/v1/customers/{}", id(i)),
        )
        .await?,
    );
    samples.push(
        measure(
            &router,
            "list JSON `GET /api/v1/customers?status=signed` — VP".into(),
            n,
            ("authorization", format!("Bearer {api}")),
            |_| "/api/v1/customers?status=signed".into(),
        )
        .await?,
    );

    for (label, t) in [("VP", &vp), ("regional manager", &manager)] {
        for (what, qs) in [
            ("1-char search", &ONE),
            ("2-char search", &SHORT),
            ("2-char common search", &SHORT_COMMON),
            ("4-char search", &LONG),
        ] {
            samples.push(
                measure(
                    &router,
                    format!("{what} page ({}, …) — {label}", qs[0]),
                    n,
                    cookie(t),
                    |i| format!("/customers?q={}", url_encode(qs[i % qs.len()])),
                )
                .await?,
            );
        }
    }
    println!("| peak RSS of the process (VmHWM) | {} | | | |", hwm_mib());
    Ok(())
}

pub(crate) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
