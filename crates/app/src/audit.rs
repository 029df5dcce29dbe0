//! Browsing the audit log (the VP and administrators).

use chrono::{DateTime, Utc};
use salesdesk_domain::Capability;
use salesdesk_store::{Page, Paged, audit, users};
use serde::Serialize;

use crate::{App, AppError, Ctx, Result};

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

pub use audit::AuditFilter;

pub async fn list(
    app: &App,
    ctx: &Ctx,
    filter: &AuditFilter,
    page: Page,
) -> Result<Paged<AuditRow>> {
    if !ctx.actor.can(Capability::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    let clean = |s: &Option<String>| s.as_deref().map(salesdesk_domain::validate::search_text);
    let filter = AuditFilter {
        entity_type: clean(&filter.entity_type),
        action: clean(&filter.action),
        ..filter.clone()
    };
    let paged = audit::list(app.db.read(), &filter, page).await?;
    let mut ids: Vec<i64> = paged.items.iter().filter_map(|a| a.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let actors = users::by_ids(app.db.read(), &ids).await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(paged.map(|a| AuditRow {
        actor_name: a
            .actor_id
            .and_then(|id| actors.iter().find(|u| u.id == id))
            .map(|u| u.display_name.clone()),
        id: a.id,
        at: a.at,
        actor_id: a.actor_id,
        action: a.action,
        entity_type: a.entity_type,
        entity_id: a.entity_id,
        before: parse(a.before),
        after: parse(a.after),
        ip: a.ip,
        request_id: a.request_id,
    }))
}
