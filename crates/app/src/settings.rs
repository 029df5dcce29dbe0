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
    /// For how many hours after writing a contact record its author may correct it (1–720).
    /// Absent from settings stored before it existed: the default, 24.
    #[serde(default = "default_record_edit_hours")]
    pub record_edit_hours: u32,
    /// For how many days an archived customer stays in the recycle bin, restorable, before the
    /// housekeeping deletes it for good (1–3650). Absent from settings stored before it existed:
    /// the default, 30.
    #[serde(default = "default_archive_retention_days")]
    pub archive_retention_days: u32,
}

fn default_record_edit_hours() -> u32 {
    24
}

fn default_archive_retention_days() -> u32 {
    30
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
            record_edit_hours: default_record_edit_hours(),
            archive_retention_days: default_archive_retention_days(),
        }
    }
}

const KEY: &str = "customers";

/// The longest edit window for contact records: 30 days.
pub const MAX_RECORD_EDIT_HOURS: u32 = 720;

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

/// The settings as the administrator's form and the settings API show them (administrators only;
/// everyone else's use cases read [`get`] internally).
pub async fn for_admin(app: &App, ctx: &Ctx) -> Result<Settings> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    get(app).await
}

/// The settings as a form or an API body gives them: codes and numbers as text, so that a value
/// that is not a number is reported beside its field like any other mistake.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    /// Codes of [`ProfileItem`].
    pub required_items: Vec<String>,
    /// (status code, days); an empty text means "never due". Statuses left out are never due.
    pub review_days: Vec<(String, String)>,
    pub pool_enabled: bool,
    pub pool_idle_days: String,
    pub pool_claims_per_day: String,
    pub record_edit_hours: String,
    pub archive_retention_days: String,
}

impl SettingsInput {
    /// The input that shows the given settings (to fill a form).
    pub fn of(s: &Settings) -> SettingsInput {
        SettingsInput {
            required_items: s
                .required_items
                .iter()
                .map(|i| i.as_str().to_string())
                .collect(),
            review_days: CustomerStatus::ALL
                .into_iter()
                .map(|st| {
                    let days = s.review_days.get(&st).map(|d| d.to_string());
                    (st.as_str().to_string(), days.unwrap_or_default())
                })
                .collect(),
            pool_enabled: s.pool_enabled,
            pool_idle_days: s.pool_idle_days.to_string(),
            pool_claims_per_day: s.pool_claims_per_day.to_string(),
            record_edit_hours: s.record_edit_hours.to_string(),
            archive_retention_days: s.archive_retention_days.to_string(),
        }
    }
}

/// Reads a form's or an API body's settings; every field in error is named.
pub fn parse(i: &SettingsInput) -> std::result::Result<Settings, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut required_items = vec![];
    for code in &i.required_items {
        match ProfileItem::parse(code.trim()) {
            Some(item) => required_items.push(item),
            None => errs.push(FieldError::new("required_items", "error.invalid_choice")),
        }
    }
    let mut review_days = BTreeMap::new();
    for (code, days) in &i.review_days {
        let Some(status) = CustomerStatus::parse(code.trim()) else {
            errs.push(FieldError::new(
                format!("review_days.{}", code.trim()),
                "error.invalid_choice",
            ));
            continue;
        };
        let days = days.trim();
        if days.is_empty() {
            continue;
        }
        match days.parse::<u32>() {
            Ok(d) => {
                review_days.insert(status, d);
            }
            Err(_) => errs.push(FieldError::new(
                format!("review_days.{}", status.as_str()),
                "error.days_range",
            )),
        }
    }
    let mut number = |field: &str, text: &str, code: &'static str| -> u32 {
        text.trim().parse::<u32>().unwrap_or_else(|_| {
            errs.push(FieldError::new(field, code));
            0
        })
    };
    let pool_idle_days = number("pool_idle_days", &i.pool_idle_days, "error.days_range");
    let pool_claims_per_day = number(
        "pool_claims_per_day",
        &i.pool_claims_per_day,
        "error.count_range",
    );
    let record_edit_hours = number(
        "record_edit_hours",
        &i.record_edit_hours,
        "error.hours_range",
    );
    let archive_retention_days = number(
        "archive_retention_days",
        &i.archive_retention_days,
        "error.days_range",
    );
    errs.into_result()?;
    Ok(Settings {
        required_items,
        review_days,
        pool_enabled: i.pool_enabled,
        pool_idle_days,
        pool_claims_per_day,
        record_edit_hours,
        archive_retention_days,
    })
}

/// Parses and saves the settings (administrators only): [`parse`] then [`put`].
pub async fn put_input(app: &App, ctx: &Ctx, input: &SettingsInput) -> Result<Settings> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    put(app, ctx, &parse(input)?).await
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
    if !(1..=MAX_RECORD_EDIT_HOURS).contains(&new.record_edit_hours) {
        errs.push(FieldError::new("record_edit_hours", "error.hours_range"));
    }
    if new.archive_retention_days == 0 || new.archive_retention_days > 3650 {
        errs.push(FieldError::new(
            "archive_retention_days",
            "error.days_range",
        ));
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

/// Stores one capability's settings section under `key` (as JSON) and audits the change as
/// `settings.{key}` with what it replaces, in one transaction (the quotation, trial and expense
/// settings).
pub(crate) async fn save_section<T: Serialize>(
    app: &App,
    ctx: &Ctx,
    key: &str,
    before: &T,
    new: &T,
) -> Result<()> {
    let value = serde_json::to_string(new).map_err(|e| AppError::Internal(e.to_string()))?;
    let tx = app.db.begin().await?;
    store::put(&tx, key, &value, ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            &format!("settings.{key}"),
            "settings",
            None,
            Some(serde_json::json!(before)),
            Some(serde_json::json!(new)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}
