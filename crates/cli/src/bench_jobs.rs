//! `salesdesk bench jobs`: how fast the `serve` processes on one database drain a backlog of due
//! jobs, and that each job runs exactly once (issue 12: 10,000 due jobs by two processes within
//! 10 s). The benchmark starts `--processes` servers on `127.0.0.1:0` and waits until they
//! listen, then enqueues `--jobs` due jobs of the harmless `bench` kind in one transaction
//! (the clock starts at its commit) and watches the database until none is queued or running.
//!
//! Each `bench` job writes one audit row naming itself (`job.bench`), so "exactly once" is
//! counted from what the handlers did, not from the runner's own bookkeeping: as many rows as
//! jobs, about as many distinct jobs, every job `done`.

use std::time::{Duration, Instant};

use salesdesk_app::App;
use salesdesk_store::{audit, bulk, jobs};

use crate::bench_http::start_server;

#[derive(Debug, Clone)]
pub struct Options {
    pub jobs: u64,
    pub processes: usize,
    /// Give up after this long.
    pub timeout: Duration,
}

pub async fn run(app: App, database_url: &str, engine: &str, o: Options) -> Result<(), String> {
    let e = |e: salesdesk_store::StoreError| e.to_string();
    let mut servers = Vec::new();
    for _ in 0..o.processes {
        servers.push(start_server(database_url, "")?);
    }
    let first_id = bulk::max_id(app.db.read(), "jobs").await.map_err(e)? + 1;
    let now = chrono::Utc::now();
    let new: Vec<jobs::NewJob> = (0..o.jobs)
        .map(|i| jobs::NewJob {
            kind: salesdesk_app::jobs::BENCH.into(),
            payload: format!("{{\"n\":{i}}}"),
            run_at: now,
            max_attempts: 1,
            once_key: None,
        })
        .collect();
    let tx = app.db.begin().await.map_err(|e| e.to_string())?;
    jobs::enqueue_many(&tx, new, now).await.map_err(e)?;
    app.db.commit(tx).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let last_id = bulk::max_id(app.db.read(), "jobs").await.map_err(e)?;
    let mut first_done = None;
    // Every 50 ms; until the first is done, both counts, then only the queued and running ones
    // (found by the state index, fewer and fewer), so that watching costs the database little
    // of the CPU the servers share with it (at 20 ms, two counts over the run's jobs were a
    // visible share of PostgreSQL's CPU).
    let pending = loop {
        let pending = if first_done.is_none() {
            let (done, pending) =
                jobs::progress_of_kind(app.db.read(), salesdesk_app::jobs::BENCH, first_id)
                    .await
                    .map_err(e)?;
            if done > 0 {
                first_done = Some(started.elapsed());
            }
            pending
        } else {
            jobs::pending_of_kind(app.db.read(), salesdesk_app::jobs::BENCH)
                .await
                .map_err(e)?
        };
        if pending == 0 || started.elapsed() > o.timeout {
            break pending;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let secs = started.elapsed().as_secs_f64();
    let (done, _) = jobs::progress_of_kind(app.db.read(), salesdesk_app::jobs::BENCH, first_id)
        .await
        .map_err(e)?;
    drop(servers);
    let (runs, distinct) = audit::count_per_entity(app.db.read(), "job.bench", first_id, last_id)
        .await
        .map_err(e)?;
    let once = done == o.jobs && runs == o.jobs && distinct == o.jobs;
    let build = crate::bench::build_kind();
    println!(
        "{engine}, {build}; {} due `bench` jobs enqueued at once",
        o.jobs
    );
    println!();
    println!(
        "| engine | serve processes | jobs | all done after | jobs/s | first done after | runs counted / distinct jobs | each ran once |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {engine} | {} | {} | {secs:.2} s | {:.0} | {:.2} s | {runs} / {distinct} | {} |",
        o.processes,
        o.jobs,
        done as f64 / secs,
        first_done.unwrap_or_default().as_secs_f64(),
        if once { "yes" } else { "**no**" },
    );
    if pending > 0 {
        return Err(format!(
            "{pending} jobs still queued or running after {:.0} s",
            o.timeout.as_secs_f64()
        ));
    }
    if !once {
        return Err(format!(
            "{done} of {} jobs done, {runs} runs of {distinct} distinct jobs: not once each",
            o.jobs
        ));
    }
    Ok(())
}
