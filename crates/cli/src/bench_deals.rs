//! `salesdesk bench deals`: server time of issue 13's reports on a database made by `salesdesk
//! gen --deals N --contracts N` (which also makes the plans and payments), measured in-process
//! through the real router as `bench customers` does. Prints a Markdown table for
//! BENCHMARKS.md ("Issue 13"): the company-wide receivables ageing (VP), one region's (its
//! regional manager), the pipeline board of a regional manager and the department's forecast
//! (VP), with the targets beside them.

use salesdesk_app::App;
use salesdesk_app::auth::SessionKind;

use crate::bench::{Samples, hwm_mib, measure, session};

/// (what, login, path, target p99 in ms).
const PAGES: [(&str, &str, &str, u32); 8] = [
    (
        "receivables ageing, company total — VP",
        "vp",
        "/api/v1/receivables?by=department",
        100,
    ),
    (
        "receivables ageing by region — VP",
        "vp",
        "/api/v1/receivables?by=region",
        100,
    ),
    (
        "receivables ageing by customer (first 50) — VP",
        "vp",
        "/api/v1/receivables",
        100,
    ),
    (
        "receivables ageing, region total — regional manager (east)",
        "east.manager",
        "/api/v1/receivables?by=department",
        30,
    ),
    (
        "receivables ageing by customer (first 50) — regional manager (east)",
        "east.manager",
        "/api/v1/receivables",
        30,
    ),
    (
        "pipeline board JSON — regional manager (east)",
        "east.manager",
        "/api/v1/deals/board",
        30,
    ),
    (
        "pipeline board page `/deals/board` — regional manager (east)",
        "east.manager",
        "/deals/board",
        30,
    ),
    (
        "forecast JSON, 6 months — VP (department)",
        "vp",
        "/api/v1/deals/forecast",
        100,
    ),
];

pub async fn run(
    app: App,
    web: salesdesk_web::WebConfig,
    n: usize,
    engine: &str,
) -> Result<(), String> {
    let db = app.db.read();
    let count = |t: &'static str| async move {
        salesdesk_store::bulk::max_id(db, t)
            .await
            .map_err(|e| e.to_string())
    };
    let (deals, contracts, payments) = (
        count("deals").await?,
        count("contracts").await?,
        count("payments").await?,
    );
    if contracts == 0 || deals == 0 {
        return Err(
            "no deals or contracts: run `salesdesk gen --deals N --contracts N` first".into(),
        );
    }
    println!(
        "{engine}: up to {deals} deals, {contracts} contracts, {payments} payments (largest ids)"
    );
    let router = salesdesk_web::router(app.clone(), web);
    println!("| {engine}: request ({n} each; target p99) | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut samples = Samples;
    for (what, login, path, target) in PAGES {
        let auth = if path.starts_with("/api/") {
            let t = session(&app, login, SessionKind::Api).await?;
            ("authorization", format!("Bearer {t}"))
        } else {
            let t = session(&app, login, SessionKind::Web).await?;
            ("cookie", format!("sd_session={t}"))
        };
        samples.push(
            measure(
                &router,
                format!("{what} `{path}` (≤ {target})"),
                n,
                auth,
                |_| path.to_string(),
            )
            .await?,
        );
    }
    println!("| peak RSS of the process (VmHWM) | {} | | | |", hwm_mib());
    Ok(())
}
