//! Figures about the running system, for `/metrics`: the database pools' connections and the
//! customer imports by status. Not a user action: no actor, no audit.

use salesdesk_store::maintenance::PoolStats;

use crate::{App, Result};

/// What `/metrics` reads from the application at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub pools: Vec<PoolStats>,
    /// `(status, count)` of the `imports` rows, by status.
    pub imports: Vec<(String, i64)>,
}

pub async fn snapshot(app: &App) -> Result<Snapshot> {
    Ok(Snapshot {
        pools: app.db.pool_stats(),
        imports: salesdesk_store::imports::count_by_status(app.db.read()).await?,
    })
}
