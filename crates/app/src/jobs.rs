//! The jobs runner (issue 17, point 1): durable background jobs shared by every `serve` process
//! on one database. Trials (issue 12: once-only escalations and reminders on deadlines),
//! reports and mail enqueue their jobs here; scheduled backups are the first user.
//!
//! - **Enqueue** ([`enqueue`]) inside the use case's own transaction: the job exists exactly when
//!   the write it belongs to committed. A [`NewJob::once`] key makes a second enqueue of the
//!   same once-only job insert nothing (the database's unique index decides, not a check).
//! - **Handlers** are registered by kind in a [`Registry`]; a runner claims only the kinds it
//!   knows, so an older binary in a rolling upgrade leaves a newer kind to a newer process.
//! - **Claim and lease** ([`Runner::run_due`]): a due job is claimed with a conditional UPDATE
//!   (PostgreSQL: `FOR UPDATE SKIP LOCKED`), held under this process's lease, renewed every
//!   third of [`AppConfig::job_lease`](crate::AppConfig) while the handler runs. A job whose
//!   lease ran out (its process died) is given back to the queue by any runner and retried.
//! - **Retries**: a failed attempt is retried after a backoff that doubles
//!   ([`backoff`]); after `max_attempts` the job stays `failed` with its last error, to be seen.
//!   A [`JobError::permanent`] failure is not retried.
//! - **Schedules**: a recurring job is a `job_schedules` row; its occurrence is taken by the one
//!   process whose conditional UPDATE moves `next_run_at` on, which enqueues the job (with a
//!   once-key of the occurrence as a second guard). An occurrence missed while every server was
//!   down runs once, late, at the next start; the ones in between are not made up.
//! - **Log**: one line per run, `job run` with `kind`, `job_id`, `attempt`, `duration_ms`,
//!   `outcome` (`done`, `retry`, `failed`, `lost`) and `error`.
//!
//! Handlers must be idempotent: a process that dies after the handler's work but before its
//! `done` is recorded leaves the job to be run again.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use salesdesk_store::jobs as store;
use salesdesk_store::{Conn, Page, Paged};
use serde_json::Value;

use crate::{App, Result};

pub use salesdesk_store::jobs::Job;

/// Attempts a job gets unless its enqueuer says otherwise.
pub const DEFAULT_ATTEMPTS: i32 = 5;
/// The wait before the second attempt; it doubles with each further one, up to [`MAX_BACKOFF`].
pub const RETRY_BASE: Duration = Duration::from_secs(30);
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a claim holds unless renewed.
pub const LEASE: Duration = Duration::from_secs(60);
/// How often an idle runner looks for due jobs and schedules: a job due now waits for this at
/// most (an idle look is three small statements).
pub const POLL: Duration = Duration::from_millis(500);
/// Jobs one runner runs in one tick before it looks at the schedules again. A tick that ran
/// any is followed by the next at once, not after [`POLL`]: a backlog drains at the runner's
/// speed, and jobs that came due meanwhile wait for no pause.
const PER_TICK: usize = 200;
/// Jobs claimed in one transaction and run side by side, at least (more with a larger write
/// pool: [`Runner::batch_size`]): a backlog of small jobs (reminders, escalations) is not held
/// to one claim round trip and one handler at a time.
const CLAIM_BATCH: usize = 16;

/// A job to enqueue: `NewJob::new("trial.escalate", json!({...})).at(deadline).once(key)`.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    /// `None`: now.
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: i32,
    pub once_key: Option<String>,
}

impl NewJob {
    pub fn new(kind: &str, payload: Value) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload,
            run_at: None,
            max_attempts: DEFAULT_ATTEMPTS,
            once_key: None,
        }
    }

    /// Not before `t`.
    pub fn at(mut self, t: DateTime<Utc>) -> NewJob {
        self.run_at = Some(t);
        self
    }

    /// Once only: no second job with this key is ever enqueued (e.g. `trial:42:escalate`).
    pub fn once(mut self, key: impl Into<String>) -> NewJob {
        self.once_key = Some(key.into());
        self
    }

    pub fn attempts(mut self, n: i32) -> NewJob {
        self.max_attempts = n.max(1);
        self
    }
}

/// Enqueues a job on `c` — the caller's transaction, so that it commits with the write it
/// belongs to. `None` when its once-key was enqueued before (nothing was inserted).
pub async fn enqueue(app: &App, c: &impl Conn, job: NewJob) -> Result<Option<i64>> {
    let now = app.config.clock.now();
    Ok(store::enqueue(c, stored(job, now), now).await?)
}

/// Enqueues several jobs of one use case in one statement on `c` (see [`enqueue`]); those
/// whose once-key was enqueued before are not. Returns how many were inserted.
pub async fn enqueue_all(app: &App, c: &impl Conn, jobs: Vec<NewJob>) -> Result<u64> {
    let now = app.config.clock.now();
    Ok(store::enqueue_many(c, jobs.into_iter().map(|j| stored(j, now)).collect(), now).await?)
}

fn stored(job: NewJob, now: DateTime<Utc>) -> store::NewJob {
    store::NewJob {
        kind: job.kind,
        payload: job.payload.to_string(),
        run_at: job.run_at.unwrap_or(now),
        max_attempts: job.max_attempts,
        once_key: job.once_key,
    }
}

/// What a handler is given.
#[derive(Debug, Clone)]
pub struct JobRun {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    /// 1 for the first run.
    pub attempt: i32,
    pub max_attempts: i32,
}

/// Why a run failed. The message is kept in the job's `last_error` for the administrator.
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    /// Retrying cannot help (bad payload, nothing to work on): fail now.
    pub permanent: bool,
    /// What the run reports even though it failed (kept with a permanent failure).
    pub result: Option<Value>,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: false,
            result: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            permanent: true,
            ..JobError::retry(message)
        }
    }
}

impl From<crate::AppError> for JobError {
    fn from(e: crate::AppError) -> Self {
        JobError::retry(e.to_string())
    }
}

/// A handler's outcome: what it reports (stored as the job's `result`), or why it failed.
pub type Outcome = std::result::Result<Option<Value>, JobError>;
type BoxFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
type Handler = Arc<dyn Fn(App, JobRun) -> BoxFuture + Send + Sync>;

/// The handlers by kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<String, Handler>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.handlers.keys()).finish()
    }
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The handlers `serve` runs: `ping` (does nothing; tests and operators use it to see the
    /// runner work), `bench` ([`BENCH`]), `backup` ([`crate::backups`]), the trials' jobs and
    /// the collection reminders ([`crate::collection_reminders`]).
    pub fn standard() -> Registry {
        let mut r = Registry::new();
        r.register(PING, |_app, run| async move {
            Ok(Some(serde_json::json!({ "pong": run.id })))
        });
        r.register(BENCH, bench_job);
        r.register(crate::backups::KIND, crate::backups::run_job);
        crate::trials::register(&mut r);
        crate::collection_reminders::register(&mut r);
        r
    }

    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(App, JobRun) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        self.handlers
            .insert(kind.into(), Arc::new(move |app, run| Box::pin(f(app, run))));
    }

    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }
}

/// The kind of the job that does nothing but succeed.
pub const PING: &str = "ping";

/// The kind of `salesdesk bench jobs`' job: it writes one audit row naming itself
/// (`job.bench`, entity the job's id) — a small write like a reminder's — so that the benchmark
/// counts from the database how often each job ran. Harmless anywhere.
pub const BENCH: &str = "bench";

async fn bench_job(app: App, run: JobRun) -> Outcome {
    let tx = app.db.begin().await.map_err(crate::AppError::from)?;
    salesdesk_store::audit::insert(
        &tx,
        crate::Ctx::system().audit(
            "job.bench",
            "job",
            Some(run.id),
            None,
            Some(serde_json::json!({ "attempt": run.attempt })),
        ),
    )
    .await
    .map_err(crate::AppError::from)?;
    app.db.commit(tx).await.map_err(crate::AppError::from)?;
    Ok(None)
}

/// The wait before attempt `attempt + 1` after attempt `attempt` failed: 30 s, 1 min, 2 min …
/// up to an hour.
pub fn backoff(base: Duration, attempt: i32) -> Duration {
    let doublings = attempt.clamp(1, 20) as u32 - 1;
    base.saturating_mul(1u32 << doublings).min(MAX_BACKOFF)
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::hours(1))
}

/// Counters of this process's runs, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    runs: AtomicU64,
    failures: AtomicU64,
}

impl Counters {
    /// Runs finished by this process (any outcome).
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Runs of this process that failed (retried or not).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

/// When a schedule recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every day at this time in the company's zone (`daily 02:00`).
    Daily(NaiveTime),
    /// Every so many seconds (`every 600`).
    Every(u32),
}

impl Cadence {
    pub fn parse(s: &str) -> Option<Cadence> {
        let (word, arg) = s.trim().split_once(' ')?;
        match word {
            "daily" => NaiveTime::parse_from_str(arg.trim(), "%H:%M")
                .ok()
                .map(Cadence::Daily),
            "every" => arg
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .map(Cadence::Every),
            _ => None,
        }
    }

    /// The next occurrence strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
        match *self {
            Cadence::Every(secs) => t + TimeDelta::seconds(secs.into()),
            Cadence::Daily(at) => {
                let local = t.with_timezone(&tz).date_naive();
                for day in 0..3 {
                    let date = local + TimeDelta::days(day);
                    if let Some(c) = date.and_time(at).and_local_timezone(tz).earliest() {
                        let c = c.with_timezone(&Utc);
                        if c > t {
                            return c;
                        }
                    }
                }
                t + TimeDelta::days(1)
            }
        }
    }

    /// How long one period is (what "overdue" is measured against).
    pub fn period(&self) -> TimeDelta {
        match *self {
            Cadence::Daily(_) => TimeDelta::days(1),
            Cadence::Every(secs) => TimeDelta::seconds(secs.into()),
        }
    }
}

impl std::fmt::Display for Cadence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cadence::Daily(t) => write!(f, "daily {}", t.format("%H:%M")),
            Cadence::Every(s) => write!(f, "every {s}"),
        }
    }
}

/// Who holds a claim: this process (pid, host, start) and a runner number, so that two runners
/// — or two test servers in one process — never share a lease.
fn new_owner() -> String {
    use std::sync::LazyLock;
    static PROCESS: LazyLock<String> = LazyLock::new(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown-host".into());
        format!(
            "pid {} on {host} started {}",
            std::process::id(),
            Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
        )
    });
    static RUNNERS: AtomicU64 = AtomicU64::new(0);
    format!(
        "{} runner {}",
        *PROCESS,
        RUNNERS.fetch_add(1, Ordering::Relaxed) + 1
    )
}

/// A claimed job whose handler has run, its outcome not yet recorded.
struct Executed {
    job: Job,
    outcome: Outcome,
    started: std::time::Instant,
    /// Keeps the lease until the outcome is recorded (a batch is recorded when all its
    /// handlers are done, so a quick job's lease must outlast a slow sibling).
    renewer: tokio::task::JoinHandle<()>,
}

/// One process's runner: claims due jobs of the kinds it knows and runs them.
#[derive(Debug, Clone)]
pub struct Runner {
    app: App,
    registry: Arc<Registry>,
    kinds: Vec<String>,
    owner: Arc<str>,
}

impl Runner {
    pub fn new(app: App, registry: Registry) -> Runner {
        Runner {
            kinds: registry.kinds(),
            app,
            registry: Arc::new(registry),
            owner: new_owner().into(),
        }
    }

    /// The lease holder's name of this runner.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    fn lease_until(&self) -> DateTime<Utc> {
        self.app.config.clock.now() + delta(self.app.config.job_lease)
    }

    /// One tick: enqueue the due schedules' occurrences, give expired leases back to the queue,
    /// then run due jobs until none is left (at most [`PER_TICK`]), claimed in batches sized to
    /// the write pool ([`Runner::batch_size`]), each batch run side by side. While a batch
    /// runs, the next is claimed and the last one's outcomes are recorded (one statement for
    /// its successes): on PostgreSQL each of those is a commit that waits for the disk, and
    /// the handlers need not wait for them. Returns how many ran.
    pub async fn tick(&self) -> Result<usize> {
        self.fire_schedules().await?;
        self.take_over_expired().await?;
        let size = self.batch_size();
        let mut ran = 0;
        let mut batch = self.claim_batch(size.min(PER_TICK)).await?;
        let mut unrecorded = Vec::new();
        while !batch.is_empty() {
            ran += batch.len();
            let more = size.min(PER_TICK.saturating_sub(ran));
            let (done, next, recorded) = tokio::join!(
                self.run_batch(batch),
                async {
                    if more == 0 {
                        Ok(vec![])
                    } else {
                        self.claim_batch(more).await
                    }
                },
                self.record(std::mem::take(&mut unrecorded)),
            );
            // On a failure, what ran is recorded before giving up; a batch claimed but not run
            // goes back to the queue when its leases run out.
            batch = match (recorded, next) {
                (Ok(()), Ok(next)) => next,
                (Err(e), _) | (Ok(()), Err(e)) => {
                    self.record(done).await?;
                    return Err(e);
                }
            };
            unrecorded = done;
        }
        self.record(unrecorded).await?;
        Ok(ran)
    }

    /// Jobs claimed at once: four per write connection, at least [`CLAIM_BATCH`] — enough to
    /// keep every connection busy while the next batch is claimed.
    fn batch_size(&self) -> usize {
        (4 * self.app.db.write_connections() as usize).max(CLAIM_BATCH)
    }

    /// Runs a claimed batch side by side; what each run did.
    async fn run_batch(&self, batch: Vec<Job>) -> Vec<Executed> {
        let mut set = tokio::task::JoinSet::new();
        for job in batch {
            let me = self.clone();
            set.spawn(async move { me.execute(job).await });
        }
        let mut done = Vec::new();
        while let Some(r) = set.join_next().await {
            // `execute` catches a handler's panic; a join error is the runtime shutting down,
            // and the job's lease then gives it back to the queue.
            if let Ok(d) = r {
                done.push(d);
            }
        }
        done
    }

    /// Claims up to `n` due jobs in one transaction.
    async fn claim_batch(&self, n: usize) -> Result<Vec<Job>> {
        let now = self.app.config.clock.now();
        let tx = self.app.db.begin().await?;
        let jobs = store::claim_batch(
            &tx,
            &self.owner,
            &self.kinds,
            now,
            self.lease_until(),
            n as u64,
        )
        .await?;
        self.commit(tx, !jobs.is_empty()).await?;
        Ok(jobs)
    }

    /// Enqueues the job of every due schedule occurrence this process wins.
    pub async fn fire_schedules(&self) -> Result<usize> {
        let now = self.app.config.clock.now();
        let due = store::due_schedules(self.app.db.read(), now).await?;
        let mut fired = 0;
        for s in due {
            let Some(cadence) = Cadence::parse(&s.cadence) else {
                tracing::warn!(schedule = %s.name, cadence = %s.cadence, "unreadable cadence: schedule skipped");
                continue;
            };
            let next = cadence.next_after(now, self.app.config.time_zone);
            let tx = self.app.db.begin().await?;
            if store::advance_schedule(&tx, &s.name, s.next_run_at, next, now).await? {
                let occurrence = s
                    .next_run_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                enqueue(
                    &self.app,
                    &tx,
                    NewJob::new(
                        &s.kind,
                        serde_json::json!({ "schedule": s.name, "occurrence": occurrence }),
                    )
                    .once(format!("schedule:{}:{occurrence}", s.name)),
                )
                .await?;
                fired += 1;
            }
            self.app.db.commit(tx).await?;
        }
        Ok(fired)
    }

    /// Gives the jobs whose lease ran out back to the queue (or fails them when their attempts
    /// are used up).
    pub async fn take_over_expired(&self) -> Result<(u64, u64)> {
        let now = self.app.config.clock.now();
        let tx = self.app.db.begin().await?;
        let r = store::take_over_expired(&tx, now, now).await?;
        self.commit(tx, r != (0, 0)).await?;
        if r != (0, 0) {
            tracing::warn!(
                requeued = r.0,
                failed = r.1,
                "jobs whose process stopped were taken over"
            );
        }
        Ok(r)
    }

    /// Claims one due job without running it (a test uses this to play a process that dies).
    pub async fn claim(&self) -> Result<Option<Job>> {
        let now = self.app.config.clock.now();
        let tx = self.app.db.begin().await?;
        let job = store::claim(&tx, &self.owner, &self.kinds, now, self.lease_until()).await?;
        self.commit(tx, job.is_some()).await?;
        Ok(job)
    }

    /// Commits; a transaction that changed nothing (the idle tick) does not mark this
    /// process's cached reads stale, one that changed jobs marks only those outside the
    /// directory (no cached read of the directory depends on jobs).
    async fn commit(&self, tx: salesdesk_store::Tx, changed: bool) -> Result<()> {
        if changed {
            self.app.db.commit_records(tx).await?;
        } else {
            tx.commit()
                .await
                .map_err(salesdesk_store::StoreError::from)?;
        }
        Ok(())
    }

    /// Claims and runs one due job. False when none was due.
    pub async fn run_one(&self) -> Result<bool> {
        let Some(job) = self.claim().await? else {
            return Ok(false);
        };
        self.run(job).await?;
        Ok(true)
    }

    async fn run(&self, job: Job) -> Result<()> {
        let done = self.execute(job).await;
        self.record(vec![done]).await
    }

    /// Runs a claimed job's handler. Its lease is renewed until the outcome is recorded.
    async fn execute(&self, job: Job) -> Executed {
        let started = std::time::Instant::now();
        let run = JobRun {
            id: job.id,
            kind: job.kind.clone(),
            payload: serde_json::from_str(&job.payload).unwrap_or(Value::Null),
            attempt: job.attempts,
            max_attempts: job.max_attempts,
        };
        let renewer = self.renew_while_running(job.id);
        let outcome = match self.registry.handlers.get(&job.kind) {
            Some(h) => {
                // A handler that panics fails its attempt instead of taking the runner down.
                let r = tokio::spawn(h(self.app.clone(), run)).await;
                r.unwrap_or_else(|e| Err(JobError::retry(format!("the handler panicked: {e}"))))
            }
            None => Err(JobError::permanent(format!(
                "no handler for kind {}",
                job.kind
            ))),
        };
        Executed {
            job,
            outcome,
            started,
            renewer,
        }
    }

    /// Records the outcomes of a batch in one transaction (one commit for the batch, not one
    /// per job), then stops their lease renewals and logs one line per run.
    async fn record(&self, done: Vec<Executed>) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let recorded = self.record_outcomes(&done).await;
        for d in &done {
            d.renewer.abort();
        }
        // Unrecorded: the leases run out, and the jobs are taken over and run again.
        let held = recorded?;
        let stats = self.app.job_counters();
        for (d, held) in done.iter().zip(held) {
            let job = &d.job;
            let label = match &d.outcome {
                Ok(_) => "done",
                Err(e) if !e.permanent && job.attempts < job.max_attempts => "retry",
                Err(_) => "failed",
            };
            let outcome_label = if held { label } else { "lost" };
            stats.runs.fetch_add(1, Ordering::Relaxed);
            if d.outcome.is_err() {
                stats.failures.fetch_add(1, Ordering::Relaxed);
            }
            let error = d.outcome.as_ref().err().map(|e| e.message.as_str());
            // One log line per job run (README, "Logs").
            let duration_ms = d.started.elapsed().as_millis() as u64;
            if d.outcome.is_ok() && held {
                tracing::info!(kind = %job.kind, job_id = job.id, attempt = job.attempts, duration_ms, outcome = outcome_label, "job run");
            } else {
                tracing::warn!(kind = %job.kind, job_id = job.id, attempt = job.attempts, duration_ms, outcome = outcome_label, error = error.unwrap_or("its lease was taken over"), "job run");
            }
        }
        Ok(())
    }

    /// Whether each job was still this runner's when its outcome was written. The successes of
    /// a batch are one statement; each failure (rare) is one more.
    async fn record_outcomes(&self, done: &[Executed]) -> Result<Vec<bool>> {
        let now = self.app.config.clock.now();
        let tx = self.app.db.begin().await?;
        let ok: Vec<(i64, Option<String>)> = done
            .iter()
            .filter_map(|d| match &d.outcome {
                Ok(result) => Some((d.job.id, result.as_ref().map(Value::to_string))),
                Err(_) => None,
            })
            .collect();
        let completed = store::complete_many(&tx, &ok, &self.owner, now).await?;
        let mut held = Vec::with_capacity(done.len());
        for d in done {
            let job = &d.job;
            held.push(match &d.outcome {
                Ok(_) => completed.binary_search(&job.id).is_ok(),
                Err(e) => {
                    let retry_at = (!e.permanent && job.attempts < job.max_attempts).then(|| {
                        now + delta(backoff(self.app.config.job_retry_base, job.attempts))
                    });
                    let result = e.result.as_ref().map(Value::to_string);
                    store::fail(&tx, job.id, &self.owner, &e.message, retry_at, result, now).await?
                }
            });
        }
        // The runner's bookkeeping: no cached read of the directory depends on it.
        self.app.db.commit_records(tx).await?;
        Ok(held)
    }

    /// Renews the lease every third of its length until aborted or lost.
    fn renew_while_running(&self, id: i64) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let every = me.app.config.job_lease / 3;
            loop {
                tokio::time::sleep(every).await;
                let renewed = async {
                    let tx = me.app.db.begin().await?;
                    let held = store::renew(&tx, id, &me.owner, me.lease_until()).await?;
                    me.app.db.commit(tx).await?;
                    Ok::<_, crate::AppError>(held)
                };
                match renewed.await {
                    Ok(true) => {}
                    Ok(false) => return,
                    // The next renewal may work; the lease outlasts two missed ones.
                    Err(e) => {
                        tracing::warn!(job_id = id, error = %e, "renewing a job's lease failed")
                    }
                }
            }
        })
    }

    /// Ticks every [`AppConfig::job_poll`](crate::AppConfig) until `stop` turns true; a job
    /// in progress is finished first (its lease covers a process killed meanwhile).
    pub async fn run_until(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            match self.tick().await {
                // More may be due (or have come due while these ran): no pause.
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "jobs runner tick failed"),
            }
            tokio::select! {
                _ = stop.changed() => {}
                () = tokio::time::sleep(self.app.config.job_poll) => {}
            }
        }
    }
}

/// Jobs for the administrator's view: one kind or all, one state or all, newest first.
pub async fn list(
    app: &App,
    kind: Option<&str>,
    state: Option<&str>,
    page: Page,
) -> Result<Paged<Job>> {
    Ok(store::list(app.db.read(), kind, state, page).await?)
}

/// How many jobs are in each state, for `/metrics`.
pub async fn depth(app: &App) -> Result<Vec<(String, i64)>> {
    Ok(store::count_by_state(app.db.read()).await?)
}

/// The jobs states an administrator filters by.
pub const STATES: [&str; 4] = [store::QUEUED, store::RUNNING, store::FAILED, store::DONE];

fn admin(ctx: &crate::Ctx) -> Result<()> {
    if ctx.actor.can(salesdesk_domain::Capability::ManageSettings) {
        Ok(())
    } else {
        Err(crate::AppError::Forbidden)
    }
}

/// The administrator's jobs list (`/settings/jobs`, `GET /api/v1/jobs`): one state or all,
/// newest first, paginated. An unknown state is a field error, not an empty list.
pub async fn admin_list(
    app: &App,
    ctx: &crate::Ctx,
    state: Option<&str>,
    page: Page,
) -> Result<Paged<Job>> {
    admin(ctx)?;
    let state = state.filter(|s| !s.is_empty());
    if let Some(s) = state
        && !STATES.contains(&s)
    {
        return Err(crate::AppError::field("state", "error.job_state"));
    }
    Ok(store::list(app.db.read(), None, state, page).await?)
}

/// The recurring schedules with their last and next occurrence (administrators).
pub async fn admin_schedules(app: &App, ctx: &crate::Ctx) -> Result<Vec<store::Schedule>> {
    admin(ctx)?;
    Ok(store::schedules(app.db.read()).await?)
}

/// "Retry now" of a failed job (administrators; audited as `job.retry`): queued again at once
/// with one more attempt. A job that is not failed (any more) is a conflict — another
/// administrator retried it first, or it never failed; an unknown id is not found.
pub async fn retry(app: &App, ctx: &crate::Ctx, id: i64) -> Result<Job> {
    admin(ctx)?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let Some(before) = store::get(&tx, id).await? else {
        return Err(crate::AppError::NotFound);
    };
    if !store::retry_failed(&tx, id, now).await? {
        return Err(crate::AppError::conflict("state", "error.job_not_failed"));
    }
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "job.retry",
            "job",
            Some(id),
            Some(serde_json::json!({
                "kind": before.kind,
                "state": before.state,
                "attempts": before.attempts,
                "last_error": before.last_error,
            })),
            Some(serde_json::json!({ "state": store::QUEUED, "run_at": now })),
        ),
    )
    .await?;
    let after = store::get(&tx, id)
        .await?
        .ok_or(crate::AppError::NotFound)?;
    app.db.commit(tx).await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_its_base_and_stops_at_an_hour() {
        let b = Duration::from_secs(30);
        assert_eq!(backoff(b, 1), Duration::from_secs(30));
        assert_eq!(backoff(b, 2), Duration::from_secs(60));
        assert_eq!(backoff(b, 4), Duration::from_secs(240));
        assert_eq!(backoff(b, 30), MAX_BACKOFF);
    }

    #[test]
    fn a_daily_cadence_falls_on_its_local_time_the_same_day_or_the_next() {
        let tz = chrono_tz::Asia::Shanghai;
        let c = Cadence::parse("daily 02:00").unwrap();
        assert_eq!(c.to_string(), "daily 02:00");
        // 17:59 UTC is 01:59 in Shanghai: the occurrence is one minute later.
        let t: DateTime<Utc> = "2026-11-29T17:59:00Z".parse().unwrap();
        assert_eq!(
            c.next_after(t, tz).to_rfc3339(),
            "2026-11-29T18:00:00+00:00"
        );
        // Exactly at 02:00 the next one is tomorrow's.
        let t: DateTime<Utc> = "2026-11-29T18:00:00Z".parse().unwrap();
        assert_eq!(
            c.next_after(t, tz).to_rfc3339(),
            "2026-11-30T18:00:00+00:00"
        );
        assert_eq!(Cadence::parse("every 600"), Some(Cadence::Every(600)));
        assert_eq!(Cadence::parse("every 0"), None);
        assert_eq!(Cadence::parse("hourly"), None);
    }
}
