//! Browsing the audit log (the VP and administrators). What a reader sees of each entry is
//! `Actor::audit_view` (domain): the values of sales entries only within a company-wide scope.

use chrono::{DateTime, Utc};
use salesdesk_domain::Capability;
use salesdesk_domain::audit::View;
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
    /// The values in `before` and `after` are hidden from this reader (sales data outside
    /// their scope); the field names are kept.
    pub masked: bool,
}

/// Shown instead of a hidden value.
pub const MASK: &str = "***";

/// `before` and `after` with every value replaced by [`MASK`]: the fields an action changed stay
/// named (a field whose value is the same on both sides is left out), their values do not.
fn mask(
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> (Option<serde_json::Value>, Option<serde_json::Value>) {
    use serde_json::{Map, Value};
    let fields = |v: &Option<Value>| v.as_ref().and_then(Value::as_object).cloned();
    let (b, a) = (fields(&before), fields(&after));
    let changed = |k: &String| match (&b, &a) {
        (Some(b), Some(a)) => b.get(k) != a.get(k),
        _ => true,
    };
    let hide = |side: Option<Map<String, Value>>, whole: Option<Value>| match (side, whole) {
        (Some(m), _) => Some(Value::Object(
            m.into_iter()
                .filter(|(k, _)| changed(k))
                .map(|(k, _)| (k, MASK.into()))
                .collect(),
        )),
        (None, Some(Value::Null) | None) => None,
        (None, Some(_)) => Some(serde_json::json!({ "value": MASK })),
    };
    (hide(b.clone(), before), hide(a.clone(), after))
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
    Ok(paged.map(|a| {
        let masked = ctx.actor.audit_view(&a.entity_type) == View::Masked;
        let (before, after) = (parse(a.before), parse(a.after));
        let (before, after) = if masked {
            mask(before, after)
        } else {
            (before, after)
        };
        AuditRow {
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
            before,
            after,
            ip: a.ip,
            request_id: a.request_id,
            masked,
        }
    }))
}
