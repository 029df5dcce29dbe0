//! `salesdesk bench calendar`: the business calendar's arithmetic (issue 12: "a deadline across
//! a year of holidays is computed in microseconds"). In process, no database: the shipped 2026
//! data with default working hours; starts spread over the whole year at odd minutes; each
//! length timed over many calls, best of five rounds.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use salesdesk_domain::calendar::{WorkCalendar, WorkingHours, from_local};

fn calendar() -> Result<WorkCalendar, String> {
    let spec = salesdesk_app::calendar::builtin(2026).ok_or("no built-in 2026 calendar")?;
    let days = spec.days().map_err(|e| e.to_string())?;
    Ok(WorkCalendar::new(WorkingHours::default(), [2026], days))
}

/// Starts over 2026: every 37 h 13 min from 1 January 00:07, company time.
fn starts(n: usize) -> Vec<DateTime<Utc>> {
    let first = from_local(
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 7, 0))
            .unwrap_or_default(),
    );
    (0..n)
        .map(|i| first + TimeDelta::minutes(((i * (37 * 60 + 13)) % (365 * 24 * 60)) as i64))
        .collect()
}

/// Nanoseconds per call of `f` over `starts`, best of five rounds of `calls` calls.
fn time(calls: usize, starts: &[DateTime<Utc>], f: impl Fn(DateTime<Utc>) -> i64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let mut sink = 0i64;
        for i in 0..calls {
            sink = sink.wrapping_add(f(black_box(starts[i % starts.len()])));
        }
        black_box(sink);
        best = best.min(t.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

pub fn run(calls: usize) -> Result<(), String> {
    let cal = calendar()?;
    let starts = starts(997);
    println!(
        "business calendar: 2026 built-in data ({} exceptional dates), 09:00-18:00 with lunch; {} starts over the year; best of 5 rounds of {calls} calls",
        cal.days().len(),
        starts.len()
    );
    println!("| operation | per call |");
    println!("|---|---|");
    let fmt = |ns: f64| {
        if ns >= 1000.0 {
            format!("{:.2} µs", ns / 1000.0)
        } else {
            format!("{ns:.0} ns")
        }
    };
    for hours in [4i64, 40, 200, 2000] {
        let ns = time(calls, &starts, |t| {
            cal.deadline(t, hours * 60).timestamp()
        });
        println!("| `deadline`, {hours} working hours | {} |", fmt(ns));
    }
    let ns = time(calls, &starts, |t| {
        cal.working_minutes_between(t, t + TimeDelta::days(365))
    });
    println!("| `working_minutes_between`, a 365-day span | {} |", fmt(ns));
    let ns = time(calls, &starts, |t| cal.next_opening(t).timestamp());
    println!("| `next_opening` | {} |", fmt(ns));
    // The answers agree with each other (a benchmark of wrong code is worthless).
    for &t in &starts {
        let d = cal.deadline(t, 2000 * 60);
        if cal.working_minutes_between(t, d) != 2000 * 60 {
            return Err(format!("deadline and working time disagree from {t}"));
        }
    }
    Ok(())
}
