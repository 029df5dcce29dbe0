//! The public pool (公海, seed S4.5 option): customers released by their owner, or left without
//! contact for the set number of days, wait in their region's pool until an account manager of
//! that region claims them (a set number per day). Off unless the administrator turns it on.

use chrono::{TimeZone, Utc};
use salesdesk_domain::{DataScope, FieldError};
use salesdesk_store::customers::{self as store, CustomerFilter, Visible};
use salesdesk_store::{Page, Paged, audit, owner_history, regions};
use serde_json::json;

use crate::customers::{Customer, view_all, visible};
use crate::{App, AppError, Ctx, Result, settings};

/// The regions whose pool this person works: their region (a branch counts as its region)
/// with all its branches. Empty for someone without a region.
async fn pool_regions(app: &App, ctx: &Ctx) -> Result<Vec<i64>> {
    let Some(home) = ctx.actor.region_id else {
        return Ok(vec![]);
    };
    let r = app.db.read();
    let top = regions::get(r, home)
        .await?
        .map_or(home, |reg| regions::top_of(&reg));
    Ok(regions::with_branches(r, top).await?)
}

async fn enabled(app: &App) -> Result<settings::Settings> {
    let s = settings::get(app).await?;
    if !s.pool_enabled {
        return Err(AppError::field("pool", "error.pool_off"));
    }
    Ok(s)
}

/// Which pool customers the actor sees: their region's, or every region's for the managers
/// above the regions. Forbidden without a data scope.
pub(crate) async fn scope(app: &App, ctx: &Ctx) -> Result<Visible> {
    Ok(match ctx.actor.data_scope() {
        DataScope::All => Visible::All,
        DataScope::Nothing => return Err(AppError::Forbidden),
        _ => Visible::Some {
            owners: vec![],
            regions: pool_regions(app, ctx).await?,
        },
    })
}

/// The pool of the actor's region, longest waiting first. Managers above the regions (director,
/// VP) see every region's pool.
pub async fn list(app: &App, ctx: &Ctx, page: Page) -> Result<Paged<Customer>> {
    enabled(app).await?;
    let v = scope(app, ctx).await?;
    let f = CustomerFilter {
        in_pool: Some(true),
        sort: store::Sort::Updated,
        descending: false,
        ..Default::default()
    };
    let paged = store::list(app.db.read(), &v, &f, page).await?;
    let (total, total_exact, page) = (paged.total, paged.total_exact, paged.page);
    Ok(Paged {
        items: view_all(app, paged.items).await?,
        total,
        total_exact,
        page,
    })
}

/// The owner (or a manager over them) gives a customer back to the region's pool, saying why:
/// `reason_code` is an active entry of the `release_reason` list, kept in the owner history.
pub async fn release(app: &App, ctx: &Ctx, id: i64, reason_code: &str) -> Result<()> {
    enabled(app).await?;
    let reason_code = reason_code.trim();
    if reason_code.is_empty() {
        return Err(AppError::field(
            "reason_code",
            "error.release_reason_required",
        ));
    }
    let lists = crate::choices::all(app).await?;
    if !lists
        .iter()
        .any(|c| c.list == "release_reason" && c.code == reason_code && c.active)
    {
        return Err(AppError::field(
            "reason_code",
            "error.release_reason_unknown",
        ));
    }
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let c = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let Some(owner) = c.owner_id else {
        return Err(AppError::conflict("pool", "error.already_in_pool"));
    };
    if c.region_id.is_none() {
        return Err(AppError::field("region_id", "error.pool_needs_region"));
    }
    let now = Utc::now();
    if !store::to_pool(&tx, id, owner, now).await? {
        return Err(AppError::conflict("pool", "error.already_in_pool"));
    }
    owner_history::insert_with_note(
        &tx,
        id,
        Some(owner),
        None,
        "release",
        ctx.actor_id(),
        Some(reason_code.to_string()),
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "customer.release",
            "customer",
            Some(id),
            Some(json!({"owner_id": owner})),
            Some(json!({"owner_id": null, "pool": true, "reason": reason_code})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// An account manager of the region takes a customer from the pool, within the daily limit.
pub async fn claim(app: &App, ctx: &Ctx, id: i64) -> Result<Customer> {
    let s = enabled(app).await?;
    if ctx.actor.position.is_none() {
        return Err(AppError::Forbidden);
    }
    let home = pool_regions(app, ctx).await?;
    let tz = app.config.time_zone;
    let now = Utc::now();
    let midnight = tz
        .from_local_datetime(
            &now.with_timezone(&tz)
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        )
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let tx = app.db.begin().await?;
    let pool = Visible::Some {
        owners: vec![],
        regions: home,
    };
    let c = store::get(&tx, id, &pool)
        .await?
        .ok_or(AppError::NotFound)?;
    // Visible to the claimer only while in the pool; out of it, someone claimed it first.
    if c.pool_since.is_none() {
        return Err(AppError::conflict("pool", "error.already_claimed"));
    }
    let me = ctx.actor.user_id;
    // One claimer's requests queue on their own row, so that two claims sent at once cannot
    // both pass the daily limit counted below.
    salesdesk_store::users::lock(&tx, me).await?;
    if owner_history::claims_since(&tx, me, midnight).await? >= u64::from(s.pool_claims_per_day) {
        return Err(AppError::Conflict(salesdesk_domain::FieldErrors(vec![
            FieldError::new("pool", "error.claim_limit"),
        ])));
    }
    if !store::claim(&tx, id, me, now).await? {
        return Err(AppError::conflict("pool", "error.already_claimed"));
    }
    owner_history::insert(&tx, id, None, Some(me), "claim", ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "customer.claim",
            "customer",
            Some(id),
            Some(json!({"owner_id": null, "pool": true})),
            Some(json!({"owner_id": me})),
        ),
    )
    .await?;
    let after = store::get(&tx, id, &Visible::All)
        .await?
        .ok_or(AppError::NotFound)?;
    app.db.commit(tx).await?;
    Ok(view_all(app, vec![after]).await?.remove(0))
}

/// Returns idle customers to their region's pool (run by every process's housekeeping; each move
/// is conditional, so two processes never move one customer twice). At most 500 per run.
/// Signed and invalid customers stay with their owner. Returns how many moved.
pub async fn sweep(app: &App) -> Result<u64> {
    let s = settings::get(app).await?;
    if !s.pool_enabled {
        return Ok(0);
    }
    let now = Utc::now();
    let cutoff = now - chrono::Duration::days(i64::from(s.pool_idle_days));
    let ctx = Ctx::system();
    let tx = app.db.begin().await?;
    let idle = store::idle_owned(&tx, cutoff, 500).await?;
    let mut moved = 0;
    for c in idle {
        let (Some(owner), Some(_)) = (c.owner_id, c.region_id) else {
            continue;
        };
        if !store::to_pool(&tx, c.id, owner, now).await? {
            continue;
        }
        owner_history::insert(&tx, c.id, Some(owner), None, "pool", None).await?;
        audit::insert(
            &tx,
            ctx.audit(
                "customer.to_pool",
                "customer",
                Some(c.id),
                Some(json!({"owner_id": owner})),
                Some(json!({"owner_id": null, "pool": true, "idle_days": s.pool_idle_days})),
            ),
        )
        .await?;
        moved += 1;
    }
    app.db.commit(tx).await?;
    Ok(moved)
}
