//! `salesdesk bench expenses`: server time of issue 14's expense pages on a database made by
//! `salesdesk gen --expenses N` (500,000 for the target), measured in-process through
//! the real router as `bench deals` does: the director's budget-vs-spend page for every region
//! and the year (JSON and HTML), a regional manager's, and the lists of claims. Prints a
//! Markdown table for BENCHMARKS.md ("Issue 14") with the targets beside them.

use salesdesk_app::App;
use salesdesk_app::auth::SessionKind;

use crate::bench::{Samples, hwm_mib, measure, session};

pub async fn run(
    app: App,
    web: salesdesk_web::WebConfig,
    n: usize,
    engine: &str,
    year: i32,
) -> Result<(), String> {
    let claims = salesdesk_store::bulk::max_id(app.db.read(), "expenses")
        .await
        .map_err(|e| e.to_string())?;
    if claims == 0 {
        return Err("no expense claims: run `salesdesk gen --expenses N` first".into());
    }
    println!("{engine}: up to {claims} expense claims (largest id), year {year}");
    let year_path = format!("/api/v1/budgets?period={year}");
    let page_path = format!("/budgets?period={year}");
    let month_path = format!("/api/v1/budgets?period={year}-11");
    let pages: [(&str, &str, &str, u32); 6] = [
        (
            "budget vs spend, every region, the year — director",
            "director",
            &year_path,
            50,
        ),
        (
            "budget page `/budgets`, the year — director",
            "director",
            &page_path,
            50,
        ),
        (
            "budget vs spend, one month — director",
            "director",
            &month_path,
            50,
        ),
        (
            "budget vs spend, the year — regional manager (east)",
            "east.manager",
            &year_path,
            50,
        ),
        (
            "claims waiting for me — regional manager (east)",
            "east.manager",
            "/api/v1/expenses?waiting=true",
            50,
        ),
        (
            "claims, first page — director",
            "director",
            "/api/v1/expenses",
            50,
        ),
    ];
    let router = salesdesk_web::router(app.clone(), web);
    println!("| {engine}: request ({n} each; target p99) | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut samples = Samples;
    for (what, login, path, target) in pages {
        let auth = if path.starts_with("/api/") {
            let t = session(&app, login, SessionKind::Api).await?;
            ("authorization", format!("Bearer {t}"))
        } else {
            let t = session(&app, login, SessionKind::Web).await?;
            ("cookie", format!("sd_session={t}"))
        };
        let path = path.to_string();
        samples.push(
            measure(
                &router,
                format!("{what} `{path}` (≤ {target})"),
                n,
                auth,
                |_| path.clone(),
            )
            .await?,
        );
    }
    println!("| peak RSS of the process (VmHWM) | {} | | | |", hwm_mib());
    Ok(())
}
