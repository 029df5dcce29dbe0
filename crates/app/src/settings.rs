//! Settings the administrator changes at run time (seed S4.1, S4.5, 定期整理), stored in the
//! database so that every process on it agrees. A key never stored has its default.

use std::collections::BTreeMap;

use salesdesk_domain::customer::{CustomerStatus, ProfileItem};
use salesdesk_domain::{Capability, FieldError, FieldErrors};
use salesdesk_store::{audit, settings as store};
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Ctx, Result};

/// Every run-time setting, with its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Items a complete customer record has (besides its name).
    pub required_items: Vec<ProfileItem>,
    /// Regular review (定期整理): a customer is due for review when its status has not changed,
    /// or nobody recorded a contact, for this many days. Per status; a status absent here is
    /// never due (invalid customers, by default).
    pub review_days: BTreeMap<CustomerStatus, u32>,
    /// The public pool (公海). Off by default.
    pub pool_enabled: bool,
    /// With the pool on: an owned customer with no contact record for this many days returns to
    /// its region's pool.
    pub pool_idle_days: u32,
    /// With the pool on: how many customers one person may claim from the pool per day.
    pub pool_claims_per_day: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            required_items: ProfileItem::DEFAULT_REQUIRED.to_vec(),
            review_days: BTreeMap::from([
                (CustomerStatus::Lead, 14),
                (CustomerStatus::Basic, 30),
                (CustomerStatus::Potential, 14),
                (CustomerStatus::Signed, 90),
            ]),
            pool_enabled: false,
            pool_idle_days: 60,
            pool_claims_per_day: 10,
        }
    }
}

const KEY: &str = "customers";

/// The current settings (cached like other hot reads).
pub async fn get(app: &App) -> Result<Settings> {
    app.cached("settings".into(), async {
        Ok(match store::get(app.db.read(), KEY).await? {
            // A stored value the code can no longer read falls back to the defaults rather than
            // stopping the system; the next save replaces it.
            Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
            None => Settings::default(),
        })
    })
    .await
}

/// Replaces the settings (administrators only), checking every value.
pub async fn put(app: &App, ctx: &Ctx, new: &Settings) -> Result<Settings> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    for (status, days) in &new.review_days {
        if *days == 0 || *days > 3650 {
            errs.push(FieldError::new(
                format!("review_days.{}", status.as_str()),
                "error.days_range",
            ));
        }
    }
    if new.pool_idle_days == 0 || new.pool_idle_days > 3650 {
        errs.push(FieldError::new("pool_idle_days", "error.days_range"));
    }
    if new.pool_claims_per_day == 0 || new.pool_claims_per_day > 1000 {
        errs.push(FieldError::new("pool_claims_per_day", "error.count_range"));
    }
    errs.into_result()?;
    let mut clean = new.clone();
    clean.required_items = ProfileItem::ALL
        .into_iter()
        .filter(|i| new.required_items.contains(i))
        .collect();
    let before = get(app).await?;
    let tx = app.db.begin().await?;
    let value = serde_json::to_string(&clean).map_err(|e| AppError::Internal(e.to_string()))?;
    store::put(&tx, KEY, &value, ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "setting.update",
            "settings",
            None,
            serde_json::to_value(&before).ok(),
            serde_json::to_value(&clean).ok(),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(clean)
}
