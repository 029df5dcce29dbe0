//! Archiving a customer, the recycle bin, restoring, and the purge after the retention
//! (issue 10, point 4): a customer is never silently destroyed.
//!
//! An archived customer keeps its row, contacts, records and history, and its duplicate key
//! (`store::customers::Visible` leaves it out of every read of a scope; the unique indexes still
//! count it). A manager of its scope sees it in the bin and restores it until
//! `archive_retention_days` after it was archived; then every process's housekeeping deletes it
//! with what hangs on it ([`purge`]), one audit row per customer.

use chrono::{DateTime, Utc};
use salesdesk_domain::{FieldErrors, validate};
use salesdesk_store::customers::{self as store, Visible};
use salesdesk_store::{Page, Paged, audit, status_requests, users};
use serde::Serialize;
use serde_json::json;

use crate::customers::{Customer, view_all, visible};
use crate::{App, AppError, Ctx, Result, settings};

/// The longest reason one may give for archiving.
pub const MAX_REASON: usize = 200;

/// Customers the purge deletes per housekeeping run at most (each in its own transaction).
pub const PURGE_BATCH: u64 = 100;

/// An archived customer as the recycle bin shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Archived {
    pub customer: Customer,
    pub archived_at: DateTime<Utc>,
    pub archived_by: Option<i64>,
    pub archived_by_name: Option<String>,
    pub reason: Option<String>,
    /// From this moment on the purge may delete it (archived + retention).
    pub purge_after: DateTime<Utc>,
}

/// When a customer archived now would be purged: what the confirmation page promises.
pub async fn restorable_until(app: &App) -> Result<DateTime<Utc>> {
    Ok(app.config.clock.now() + retention(app).await?)
}

async fn retention(app: &App) -> Result<chrono::TimeDelta> {
    let days = settings::get(app).await?.archive_retention_days;
    Ok(chrono::TimeDelta::days(i64::from(days)))
}

/// A customer the actor may archive, for the confirmation page: "not found" outside the scope,
/// "forbidden" when they may not.
pub async fn archivable(app: &App, ctx: &Ctx, id: i64) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    let c = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !ctx.actor.may_archive(c.owner_id) {
        return Err(AppError::Forbidden);
    }
    Ok(view_all(app, vec![c]).await?.remove(0))
}

/// Archives a customer of the actor's scope, with an optional reason. A customer with a pending
/// status request is refused (409 naming the request): its approver would otherwise decide on a
/// customer nobody sees. Archiving twice is a 409 too.
pub async fn archive(app: &App, ctx: &Ctx, id: i64, reason: &str) -> Result<()> {
    let reason = validate::optional_long_text("reason", reason, MAX_REASON)
        .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    // The row first: a status request made at the same moment locks it too, so one of the two
    // sees the other's result.
    store::lock(&tx, id).await?;
    let c = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if !ctx.actor.may_archive(c.owner_id) {
        return Err(AppError::Forbidden);
    }
    if status_requests::pending_for(&tx, id).await?.is_some() {
        return Err(AppError::conflict("customer", "error.archive_pending"));
    }
    let at = app.config.clock.now();
    if !store::archive(&tx, id, ctx.actor_id(), reason.clone(), at).await? {
        // Another archive (or a request) came first and committed after our read.
        return Err(AppError::conflict("customer", "error.already_archived"));
    }
    audit::insert(
        &tx,
        ctx.audit(
            "customer.archive",
            "customer",
            Some(id),
            Some(json!({"name": c.name, "archived": false})),
            Some(json!({"name": c.name, "archived": true, "reason": reason})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// One archived customer of the actor's scope (the restore confirmation). Managers only.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Archived> {
    let v = visible(app, ctx).await?;
    let c = store::get_any(app.db.read(), id, &v)
        .await?
        .filter(|c| c.archived_at.is_some())
        .ok_or(AppError::NotFound)?;
    if !ctx.actor.may_restore() {
        return Err(AppError::Forbidden);
    }
    Ok(shown(app, vec![c]).await?.remove(0))
}

/// The recycle bin: archived customers of the actor's scope, most recently archived first.
/// Managers only.
pub async fn bin(app: &App, ctx: &Ctx, page: Page) -> Result<Paged<Archived>> {
    if !ctx.actor.may_restore() {
        return Err(AppError::Forbidden);
    }
    let v = visible(app, ctx).await?;
    let paged = store::archived(app.db.read(), &v, page).await?;
    let (total, total_exact, page) = (paged.total, paged.total_exact, paged.page);
    Ok(Paged {
        items: shown(app, paged.items).await?,
        total,
        total_exact,
        page,
    })
}

async fn shown(app: &App, list: Vec<store::Customer>) -> Result<Vec<Archived>> {
    let keep = retention(app).await?;
    let mut ids: Vec<i64> = list.iter().filter_map(|c| c.archived_by).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::by_ids(app.db.read(), &ids).await?;
    let meta: Vec<_> = list
        .iter()
        .map(|c| {
            (
                c.archived_at.unwrap_or_default(),
                c.archived_by,
                c.archive_reason.clone(),
            )
        })
        .collect();
    let customers = view_all(app, list).await?;
    Ok(customers
        .into_iter()
        .zip(meta)
        .map(|(customer, (at, by, reason))| Archived {
            customer,
            archived_at: at,
            archived_by: by,
            archived_by_name: by
                .and_then(|b| people.iter().find(|u| u.id == b))
                .map(|u| u.display_name.clone()),
            reason,
            purge_after: at + keep,
        })
        .collect())
}

/// Brings an archived customer of the actor's scope back into every list, as it was. Managers
/// only; a customer no longer archived (restored meanwhile) is a 409, one already purged 404.
pub async fn restore(app: &App, ctx: &Ctx, id: i64) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let c = store::get_any(&tx, id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !ctx.actor.may_restore() {
        return Err(AppError::Forbidden);
    }
    if c.archived_at.is_none() || !store::restore(&tx, id).await? {
        return Err(AppError::conflict("customer", "error.not_archived"));
    }
    audit::insert(
        &tx,
        ctx.audit(
            "customer.restore",
            "customer",
            Some(id),
            Some(json!({"name": c.name, "archived": true, "reason": c.archive_reason})),
            Some(json!({"name": c.name, "archived": false})),
        ),
    )
    .await?;
    let after = store::get_any(&tx, id, &Visible::All)
        .await?
        .ok_or(AppError::NotFound)?;
    app.db.commit(tx).await?;
    Ok(view_all(app, vec![after]).await?.remove(0))
}

/// Deletes the customers archived longer than the retention, with their contacts, records,
/// requests and owner history, one transaction and one `customer.purge` audit row (naming it)
/// each. Run by every process's housekeeping: each delete is conditional (`store::purge`), so
/// two processes never purge one customer twice, and a restore that wins keeps it. Returns how
/// many went (at most [`PURGE_BATCH`] per run).
pub async fn purge(app: &App) -> Result<u64> {
    let now = app.config.clock.now();
    let cutoff = now - retention(app).await?;
    let due = store::archived_before(app.db.read(), cutoff, PURGE_BATCH).await?;
    let ctx = Ctx::system();
    let mut purged = 0;
    for c in due {
        let tx = app.db.begin().await?;
        if !store::purge(&tx, c.id, cutoff).await? {
            continue;
        }
        audit::insert(
            &tx,
            ctx.audit(
                "customer.purge",
                "customer",
                Some(c.id),
                Some(json!({
                    "name": c.name,
                    "uscc": c.uscc,
                    "owner_id": c.owner_id,
                    "region_id": c.region_id,
                    "archived_at": c.archived_at,
                    "archived_by": c.archived_by,
                    "reason": c.archive_reason,
                })),
                None,
            ),
        )
        .await?;
        app.db.commit(tx).await?;
        purged += 1;
    }
    Ok(purged)
}
