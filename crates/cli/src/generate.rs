//! `salesdesk gen`: fills the database with generated customers, with a progress line on stderr.

use std::io::Write;
use std::time::Instant;

use salesdesk_app::App;
use salesdesk_app::datagen::{self, GenOptions, GenReport, Progress};

/// Seconds as `1h02m`, `3m05s` or `12s`.
fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

pub async fn run(app: &App, o: &GenOptions) -> Result<(GenReport, f64), String> {
    let started = Instant::now();
    let mut last_draw = 0.0f64;
    let mut show = |p: Progress| {
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
    };
    let report = datagen::generate(app, o, &mut show)
        .await
        .map_err(|e| match e {
            salesdesk_app::AppError::Validation(errs) => errs
                .0
                .iter()
                .map(|e| match e.code {
                    "error.gen_not_empty" => {
                        "the database has customers already; gen fills only a database without any"
                            .to_string()
                    }
                    "error.gen_no_regions" => "the database has no active region".to_string(),
                    c => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            e => e.to_string(),
        })?;
    eprintln!();
    Ok((report, started.elapsed().as_secs_f64()))
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
