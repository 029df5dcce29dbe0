//! `salesdesk gen`: fills the database with generated customers (and, with `--trials`,
//! `--deals`, `--quotes`, `--contracts`, what hangs on them: trial applications, deals,
//! quotations, contracts with invoices, payment plans and payments), with a progress line on
//! stderr.

use std::io::Write;
use std::time::Instant;

use salesdesk_app::App;
use salesdesk_app::datagen::{
    self, ContractGenOptions, ContractGenReport, DealGenOptions, GenOptions, GenReport, Progress,
    QuoteGenOptions, TrialGenOptions, TrialGenReport,
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

/// Runs one generator with a progress line: its report and the seconds it took.
macro_rules! timed {
    ($generator:path, $app:expr, $options:expr) => {{
        let started = Instant::now();
        let mut show = progress_line(started);
        let report = $generator($app, $options, &mut show)
            .await
            .map_err(refusal)?;
        eprintln!();
        (report, started.elapsed().as_secs_f64())
    }};
}

pub async fn run(app: &App, o: &GenOptions) -> Result<(GenReport, f64), String> {
    Ok(timed!(datagen::generate, app, o))
}

/// What `gen` adds over customers (each 0 to skip), in this order.
#[derive(Debug, Clone, Copy)]
pub struct Extras {
    pub trials: u64,
    pub deals: u64,
    pub quotes: u64,
    pub contracts: u64,
    pub expenses: u64,
    pub seed: u64,
    /// The last day generated expenses fall on.
    pub as_of: chrono::NaiveDate,
}

impl Extras {
    pub fn any(&self) -> bool {
        self.trials > 0
            || self.deals > 0
            || self.quotes > 0
            || self.contracts > 0
            || self.expenses > 0
    }
}

/// Generates the trials, deals, quotations and contracts (with their plans, invoices and
/// payments) asked for, each with a progress line, and prints one line about each.
pub async fn run_extras(app: &App, x: Extras) -> Result<(), String> {
    let seed = x.seed;
    if x.trials > 0 {
        let o = TrialGenOptions {
            trials: x.trials,
            seed,
        };
        let (r, secs) = timed!(datagen::generate_trials, app, &o);
        println!("{}", trials_summary(&r, secs));
    }
    if x.deals > 0 {
        let o = DealGenOptions {
            deals: x.deals,
            seed,
        };
        let (r, secs) = timed!(datagen::generate_deals, app, &o);
        println!(
            "generated {} deals ({}) in {secs:.1} s",
            r.deals,
            counts(&r.by_stage)
        );
    }
    if x.quotes > 0 {
        let o = QuoteGenOptions {
            quotes: x.quotes,
            seed,
        };
        let (r, secs) = timed!(datagen::generate_quotes, app, &o);
        println!(
            "generated {} quotations ({}) with {} lines in {secs:.1} s",
            r.quotes,
            counts(&r.by_state),
            r.lines
        );
    }
    if x.contracts > 0 {
        let o = ContractGenOptions {
            contracts: x.contracts,
            seed,
        };
        let (r, secs) = timed!(datagen::generate_contracts, app, &o);
        println!("{}", contracts_summary(&r, secs));
    }
    if x.expenses > 0 {
        let o = datagen::ExpenseGenOptions {
            expenses: x.expenses,
            seed,
            as_of: x.as_of,
        };
        let (r, secs) = timed!(datagen::generate_expenses, app, &o);
        println!(
            "generated {} expense claims ({}) with {} approval steps and {} budgets in {secs:.1} s",
            r.expenses,
            counts(&r.by_state),
            r.events,
            r.budgets
        );
    }
    Ok(())
}

/// `12 won, 30 lost`: how many of each.
fn counts<S: std::fmt::Display>(by: &[(S, u64)]) -> String {
    by.iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line about generated trials, e.g. for the terminal.
pub fn trials_summary(r: &TrialGenReport, secs: f64) -> String {
    format!(
        "generated {} trial applications ({}; {} new past the limit, {} contacted late), {} pre-sales calls and {} jobs in {secs:.1} s",
        r.trials,
        counts(&r.by_state),
        r.overdue,
        r.late_contacts,
        r.calls,
        r.jobs
    )
}

/// One line about generated contracts and what hangs on them.
pub fn contracts_summary(r: &ContractGenReport, secs: f64) -> String {
    format!(
        "generated {} contracts ({}), {} invoices, {} instalments and {} payments in {secs:.1} s",
        r.contracts,
        counts(&r.by_status),
        r.invoices,
        r.instalments,
        r.payments
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
