//! The login throttles an administrator (or the VP, who manages people) sees and clears:
//! which login strings, client addresses and known devices are backing off, with how many
//! failures and until when (issue 9, point 3).

use chrono::{DateTime, Utc};
use salesdesk_domain::Capability;
use salesdesk_store::{Page, Paged, login_throttles, users};
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// One counter as shown to its manager.
#[derive(Debug, Clone)]
pub struct ThrottleRow {
    pub id: i64,
    /// `account` (a login string, whether or not such a person exists), `address` or `device`.
    pub kind: String,
    /// The login string or the address; for a device, its id.
    pub key: String,
    /// For a device: whose it is (id, display name).
    pub person: Option<(i64, String)>,
    pub failures: i32,
    pub last_attempt_at: DateTime<Utc>,
    /// The next attempt waits until then; `None` when it may be made now.
    pub blocked_until: Option<DateTime<Utc>>,
}

fn may_manage(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ManageLoginThrottles) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The counters that matter now (failures not yet forgotten, or a wait not yet over), the most
/// recent attempt first.
pub async fn list(app: &App, ctx: &Ctx, page: Page) -> Result<Paged<ThrottleRow>> {
    may_manage(ctx)?;
    let cfg = &app.config.login;
    let t = app.config.clock.now();
    let forget = chrono::TimeDelta::from_std(cfg.forget_after.max(cfg.max))
        .unwrap_or(chrono::TimeDelta::days(365));
    let paged = login_throttles::list_current(app.db.read(), t - forget, t, page).await?;
    let mut ids: Vec<i64> = paged.items.iter().filter_map(|r| r.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::by_ids(app.db.read(), &ids).await?;
    Ok(paged.map(|r| ThrottleRow {
        person: r.user_id.and_then(|id| {
            people
                .iter()
                .find(|u| u.id == id)
                .map(|u| (u.id, u.display_name.clone()))
        }),
        blocked_until: r.blocked_until.filter(|u| *u > t),
        id: r.id,
        kind: r.kind,
        key: r.key,
        failures: r.failures,
        last_attempt_at: r.last_attempt_at,
    }))
}

/// Clears one counter: its failures are forgotten and the next attempt may be made at once.
/// Audited with what it held.
pub async fn clear(app: &App, ctx: &Ctx, id: i64) -> Result<()> {
    may_manage(ctx)?;
    let tx = app.db.begin().await?;
    let row = login_throttles::get_by_id(&tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    login_throttles::delete_by_id(&tx, id).await?;
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "login_throttle.clear",
            "login_throttle",
            Some(id),
            Some(json!({
                "kind": row.kind,
                "key": row.key,
                "failures": row.failures,
                "blocked_until": row.blocked_until,
            })),
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}
