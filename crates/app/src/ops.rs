//! Figures about the running system, for `/metrics`: the database pools' connections and the
//! customer imports by status, the jobs queue by state and this process's job failures. Not a user action: no actor, no audit.

use salesdesk_store::maintenance::PoolStats;

use crate::{App, Result};

/// What `/metrics` reads from the application at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub pools: Vec<PoolStats>,
    /// `(status, count)` of the `imports` rows, by status.
    pub imports: Vec<(String, i64)>,
    /// `(state, count)` of the `jobs` rows: the queue's depth by state.
    pub jobs: Vec<(String, i64)>,
    /// Job runs this process finished, and how many of them failed (retried or not).
    pub job_runs: u64,
    pub job_failures: u64,
    /// The intake's group commit: transactions committed and applications written in them.
    pub intake_commits: u64,
    pub intake_written: u64,
}

pub async fn snapshot(app: &App) -> Result<Snapshot> {
    Ok(Snapshot {
        pools: app.db.pool_stats(),
        imports: salesdesk_store::imports::count_by_status(app.db.read()).await?,
        jobs: crate::jobs::depth(app).await?,
        job_runs: app.job_counters().runs(),
        job_failures: app.job_counters().failures(),
        intake_commits: app.intake_group.commits(),
        intake_written: app.intake_group.written(),
    })
}
