//! `GET /metrics` in the Prometheus text format (version 0.0.4), written by hand: requests by
//! matched route template (never the raw path, so ids do not make new series), method and
//! status; a latency histogram per route; the database pools' connections; import runs by
//! status; background jobs by state and this process's job runs and failures. Off unless
//! `metrics_token` is set (then 404); a missing or wrong bearer token is 401.
//!
//! [`record`] is the one middleware that counts; the counters live in this process only, so
//! each `serve` process is scraped on its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default, Clone)]
struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when written).
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The counters of this process.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    fn observe(&self, route: String, method: &'static str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        if let Ok(mut h) = self.latency.lock() {
            let e = h.entry(route.clone()).or_default();
            if let Some(i) = BUCKETS.iter().position(|&b| secs <= b) {
                e.counts[i] += 1;
            }
            e.sum += secs;
            e.count += 1;
        }
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((route, method, status)).or_default() += 1;
        }
    }
}

/// Counts every request by its matched route (`unmatched` for the fallback) and times it to
/// the response head (a streamed export's body is not included).
pub async fn record(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = method_label(req.method());
    let started = Instant::now();
    let (resp, tally) = salesdesk_app::statements::counted(next.run(req)).await;
    // Statements per request (issue 11): on the request's span, and as a debug event.
    let span = tracing::Span::current();
    span.record("statements", tally.statements);
    span.record("db_us", tally.db_time.as_micros() as u64);
    tracing::debug!(
        route = %route,
        statements = tally.statements,
        db_us = tally.db_time.as_micros() as u64,
        "statements of the request"
    );
    s.metrics
        .observe(route, method, resp.status().as_u16(), started.elapsed());
    resp
}

/// A fixed set of labels, so that odd methods cannot make new series.
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics`.
pub async fn handler(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = s.web.metrics_token.as_deref().filter(|t| !t.is_empty()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same(given.as_bytes(), expected.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
        )
            .into_response();
    }
    let snap = match salesdesk_app::ops::snapshot(&s.app).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "metrics: reading the database failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&s.metrics, &snap),
    )
        .into_response()
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render(m: &Metrics, snap: &salesdesk_app::ops::Snapshot) -> String {
    let mut o = String::with_capacity(4096);
    let _ = writeln!(
        o,
        "# HELP salesdesk_http_requests_total HTTP requests answered, by matched route, method and status.\n\
         # TYPE salesdesk_http_requests_total counter"
    );
    if let Ok(r) = m.requests.lock() {
        for ((route, method, status), n) in r.iter() {
            let _ = writeln!(
                o,
                "salesdesk_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
    }
    let _ = writeln!(
        o,
        "# HELP salesdesk_http_request_duration_seconds Time from request to response head, by matched route.\n\
         # TYPE salesdesk_http_request_duration_seconds histogram"
    );
    let hist: Vec<(String, Histogram)> = m
        .latency
        .lock()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for (route, h) in &hist {
        let route = label(route);
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(h.counts) {
            cumulative += n;
            let _ = writeln!(
                o,
                "salesdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            o,
            "salesdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
             salesdesk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
             salesdesk_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
            h.count, h.sum, h.count
        );
    }
    let _ = writeln!(
        o,
        "# HELP salesdesk_db_pool_connections Connections of each database pool, open and idle.\n\
         # TYPE salesdesk_db_pool_connections gauge"
    );
    for p in &snap.pools {
        let _ = writeln!(
            o,
            "salesdesk_db_pool_connections{{pool=\"{}\",state=\"open\"}} {}\n\
             salesdesk_db_pool_connections{{pool=\"{}\",state=\"idle\"}} {}",
            p.pool, p.open, p.pool, p.idle
        );
    }
    let _ = writeln!(
        o,
        "# HELP salesdesk_db_pool_max_connections Configured size of each database pool.\n\
         # TYPE salesdesk_db_pool_max_connections gauge"
    );
    for p in &snap.pools {
        let _ = writeln!(
            o,
            "salesdesk_db_pool_max_connections{{pool=\"{}\"}} {}",
            p.pool, p.max
        );
    }
    let _ = writeln!(
        o,
        "# HELP salesdesk_db_statements_total SQL statements this process has run.\n\
         # TYPE salesdesk_db_statements_total counter\n\
         salesdesk_db_statements_total {}",
        salesdesk_app::statements::total()
    );
    let _ = writeln!(
        o,
        "# HELP salesdesk_import_runs Customer imports in the database, by status.\n\
         # TYPE salesdesk_import_runs gauge"
    );
    for (status, n) in &snap.imports {
        let _ = writeln!(
            o,
            "salesdesk_import_runs{{status=\"{}\"}} {n}",
            label(status)
        );
    }
    let _ = writeln!(
        o,
        "# HELP salesdesk_jobs Background jobs in the database, by state (queue depth: queued).\n\
         # TYPE salesdesk_jobs gauge"
    );
    // Every state is written, so a queue that emptied shows 0 instead of vanishing.
    for state in ["queued", "running", "done", "failed"] {
        let n = snap
            .jobs
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(o, "salesdesk_jobs{{state=\"{state}\"}} {n}");
    }
    let _ = writeln!(
        o,
        "# HELP salesdesk_job_runs_total Job runs this process finished.\n\
         # TYPE salesdesk_job_runs_total counter\n\
         salesdesk_job_runs_total {}\n\
         # HELP salesdesk_job_failures_total Job runs of this process that failed (retried or not).\n\
         # TYPE salesdesk_job_failures_total counter\n\
         salesdesk_job_failures_total {}",
        snap.job_runs, snap.job_failures
    );
    let _ = writeln!(
        o,
        "# HELP salesdesk_intake_commits_total Write transactions of trial applications this process committed (several applications share one under load).\n\
         # TYPE salesdesk_intake_commits_total counter\n\
         salesdesk_intake_commits_total {}\n\
         # HELP salesdesk_intake_written_total Trial applications this process wrote.\n\
         # TYPE salesdesk_intake_written_total counter\n\
         salesdesk_intake_written_total {}",
        snap.intake_commits, snap.intake_written
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_and_end_with_the_count() {
        let m = Metrics::default();
        m.observe("/a/{id}".into(), "GET", 200, Duration::from_millis(3));
        m.observe("/a/{id}".into(), "GET", 404, Duration::from_millis(300));
        m.observe("/a/{id}".into(), "GET", 200, Duration::from_secs(20));
        let text = render(&m, &salesdesk_app::ops::Snapshot::default());
        assert!(text.contains(
            "salesdesk_http_requests_total{route=\"/a/{id}\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "salesdesk_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "salesdesk_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"0.5\"} 2"
        ));
        assert!(text.contains(
            "salesdesk_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"10\"} 2"
        ));
        assert!(text.contains(
            "salesdesk_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 3"
        ));
        assert!(
            text.contains("salesdesk_http_request_duration_seconds_count{route=\"/a/{id}\"} 3")
        );
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"x"));
    }
}
