//! Who may export customers, per position (issue 10, point 10): the administrator's setting,
//! kept under its own key in `settings`, and the question every export asks first. The rule
//! itself is [`salesdesk_domain::Actor::export_scope`].

use salesdesk_domain::{
    Capability, DataScope, ExportRight, ExportRights, FieldError, FieldErrors, Position,
};
use salesdesk_store::{audit, settings as store};

use crate::{App, AppError, Ctx, Result};

const KEY: &str = "export_rights";

/// The rights in force (cached like other hot reads). A stored value the code cannot read falls
/// back to the defaults rather than stopping exports; the next save replaces it.
pub async fn get(app: &App) -> Result<ExportRights> {
    app.cached(KEY.into(), async {
        Ok(match store::get(app.db.read(), KEY).await? {
            Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
            None => ExportRights::default(),
        })
    })
    .await
}

/// The rights as the administrator's form and the settings API show them (administrators only).
pub async fn for_admin(app: &App, ctx: &Ctx) -> Result<ExportRights> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let mut all = ExportRights::default();
    let stored = get(app).await?;
    for p in Position::ALL {
        all.0.insert(p, stored.of(p));
    }
    Ok(all)
}

/// Reads `(position code, right code)` pairs from a form or an API body; every position left
/// out keeps its default. Each wrong code is named by its field `export_rights.<position>`.
pub fn parse(pairs: &[(String, String)]) -> std::result::Result<ExportRights, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut rights = ExportRights::default();
    for (position, right) in pairs {
        let field = format!("export_rights.{}", position.trim());
        let Some(p) = Position::parse(position.trim()) else {
            errs.push(FieldError::new(field, "error.invalid_choice"));
            continue;
        };
        match ExportRight::parse(right.trim()) {
            Some(r) => {
                rights.0.insert(p, r);
            }
            None => errs.push(FieldError::new(field, "error.invalid_choice")),
        }
    }
    errs.into_result()?;
    Ok(rights)
}

/// The rights as the audit log shows them: one field per position, `export_rights.<position>`.
fn snapshot(r: &ExportRights) -> serde_json::Value {
    Position::ALL
        .into_iter()
        .map(|p| {
            (
                format!("{KEY}.{}", p.as_str()),
                serde_json::Value::from(r.of(p).as_str()),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Replaces the rights (administrators only), audited with the rights before and after.
pub async fn put(app: &App, ctx: &Ctx, pairs: &[(String, String)]) -> Result<ExportRights> {
    let before = for_admin(app, ctx).await?;
    let rights = parse(pairs)?;
    let tx = app.db.begin().await?;
    let value = serde_json::to_string(&rights).map_err(|e| AppError::Internal(e.to_string()))?;
    store::put(&tx, KEY, &value, ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "setting.update",
            "settings",
            None,
            Some(snapshot(&before)),
            Some(snapshot(&rights)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(rights)
}

/// What this actor may export: the data scope to read in, or the reason (an i18n key) why not.
pub async fn scope(app: &App, ctx: &Ctx) -> Result<std::result::Result<DataScope, &'static str>> {
    Ok(ctx.actor.export_scope(&get(app).await?))
}

/// As [`scope`], with a refusal as the error a page or the API shows: 403 naming the reason.
pub async fn require(app: &App, ctx: &Ctx) -> Result<DataScope> {
    scope(app, ctx).await?.map_err(|code| {
        AppError::ForbiddenFields(FieldErrors(vec![FieldError::new("export", code)]))
    })
}
