//! `salesdesk gen`: fills the database with generated customers (and, with `--trials`, trial
//! applications over them), with a progress line on stderr.

use std::io::Write;
use std::time::Instant;

use salesdesk_app::App;
use salesdesk_app::datagen::{
    self, ContractGenOptions, ContractGenReport, DealGenOptions, DealGenReport, GenOptions,
    GenReport, Progress, TrialGenOptions, TrialGenReport,
};

/// Seconds as `1h02m`, `3m05s` or `12s`.
fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// The progress line: at most two redraws a second, and the last one.
fn progress_line(started: Instant) -> impl FnMut(Progress) + Send {
    let mut last_draw = 0.0f64;
    move |p: Progress| {
        let secs = started.elapsed().as_secs_f64();
        if secs - last_draw < 0.5 && p.done < p.total {
            return;
        }
        last_draw = secs;
        let rate = p.done as f64 / secs.max(0.001);
        let eta = (p.total.saturating_sub(p.done)) as f64 / rate.max(1.0);
        let pct = if p.total == 0 {
            100.0
        } else {
            p.done as f64 * 100.0 / p.total as f64
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\rgen {pct:5.1}%  {} / {} rows  {:>8.0} rows/s  ETA {:<8}",
            p.done,
            p.total,
            rate,
            duration(eta)
        );
        let _ = err.flush();
    }
}

/// A use case's refusal as a sentence for the terminal.
fn refusal(e: salesdesk_app::AppError) -> String {
    match e {
        salesdesk_app::AppError::Validation(errs) => errs
            .0
            .iter()
            .map(|e| match e.code {
                "error.gen_not_empty" => {
                    "the database has customers already; gen fills only a database without any"
                        .to_string()
                }
                "error.gen_no_regions" => "the database has no active region".to_string(),
                "error.gen_no_customers" => {
                    "the database has no customers to hang trial applications on".to_string()
                }
                "error.gen_no_products" => "the database has no active product".to_string(),
                c => c.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    }
}

pub async fn run(app: &App, o: &GenOptions) -> Result<(GenReport, f64), String> {
    let started = Instant::now();
    let mut show = progress_line(started);
    let report = datagen::generate(app, o, &mut show)
        .await
        .map_err(refusal)?;
    eprintln!();
    Ok((report, started.elapsed().as_secs_f64()))
}

/// `gen --trials N`: trial applications over the customers in the database.
pub async fn run_trials(app: &App, o: &TrialGenOptions) -> Result<(TrialGenReport, f64), String> {
    let started = Instant::now();
    let mut show = progress_line(started);
    let report = datagen::generate_trials(app, o, &mut show)
        .await
        .map_err(refusal)?;
    eprintln!();
    Ok((report, started.elapsed().as_secs_f64()))
}

/// One line about generated trials, e.g. for the terminal.
pub fn trials_summary(r: &TrialGenReport, secs: f64) -> String {
    let states = r
        .by_state
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "generated {} trial applications ({states}; {} new past the limit, {} contacted late), {} pre-sales calls and {} jobs in {secs:.1} s",
        r.trials, r.overdue, r.late_contacts, r.calls, r.jobs
    )
}

/// Generates deals (issue 13) over the potential customers, with a progress line.
pub async fn run_deals(app: &App, o: &DealGenOptions) -> Result<(DealGenReport, f64), String> {
    let started = Instant::now();
    let mut show = progress_line(started);
    let report = datagen::generate_deals(app, o, &mut show)
        .await
        .map_err(refusal)?;
    eprintln!();
    Ok((report, started.elapsed().as_secs_f64()))
}

/// One line about generated deals.
pub fn deals_summary(r: &DealGenReport, secs: f64) -> String {
    let stages = r
        .by_stage
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("generated {} deals ({stages}) in {secs:.1} s", r.deals)
}

/// Generates quotations (issue 13 point 2) over the deals, with a progress line.
pub async fn run_quotes(
    app: &App,
    o: &salesdesk_app::datagen::QuoteGenOptions,
) -> Result<(salesdesk_app::datagen::QuoteGenReport, f64), String> {
    let started = Instant::now();
    let mut show = progress_line(started);
    let report = datagen::generate_quotes(app, o, &mut show)
        .await
        .map_err(refusal)?;
    eprintln!();
    Ok((report, started.elapsed().as_secs_f64()))
}

/// One line about generated quotations.
pub fn quotes_summary(r: &salesdesk_app::datagen::QuoteGenReport, secs: f64) -> String {
    let states = r
        .by_state
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "generated {} quotations ({states}) with {} lines in {secs:.1} s",
        r.quotes, r.lines
    )
}

/// Generates contracts (issue 13) over the signed customers, with a progress line.
pub async fn run_contracts(
    app: &App,
    o: &ContractGenOptions,
) -> Result<(ContractGenReport, f64), String> {
    let started = Instant::now();
    let mut show = progress_line(started);
    let report = datagen::generate_contracts(app, o, &mut show)
        .await
        .map_err(refusal)?;
    eprintln!();
    Ok((report, started.elapsed().as_secs_f64()))
}

/// One line about generated contracts.
pub fn contracts_summary(r: &ContractGenReport, secs: f64) -> String {
    let statuses = r
        .by_status
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "generated {} contracts ({statuses}) and {} invoices in {secs:.1} s",
        r.contracts, r.invoices
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(5.2), "5s");
        assert_eq!(super::duration(185.0), "3m05s");
        assert_eq!(super::duration(3720.0), "1h02m");
    }
}
