//! The audit log page (the VP and administrators).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{NaiveDate, TimeZone};
use salesdesk_app::Page;
use salesdesk_app::audit::{self as uc, AuditFilter};
use salesdesk_app::people::{self, PeopleQuery};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

struct Row {
    at: String,
    actor: String,
    action: String,
    action_label: String,
    entity: String,
    link: Option<String>,
    changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    actors: Vec<Choice<'static>>,
    entities: Vec<Choice<'static>>,
    action: String,
    from: String,
    until: String,
    rows: Vec<Row>,
    count_text: String,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    actor: Option<String>,
    entity: Option<String>,
    action: Option<String>,
    from: Option<String>,
    until: Option<String>,
    page: Option<u64>,
}

/// Entity types that the audit log knows, for the filter.
const ENTITIES: [&str; 6] = [
    "person",
    "region",
    "customer",
    "contact",
    "session",
    "notification",
];

/// Start of a day in Shanghai, as UTC.
fn day_start(d: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The display name of an audited action (`person.update` → 修改人员), or the code itself.
fn action_label(tr: Tr, action: &str) -> String {
    let key = format!("audit_action.{action}");
    if crate::i18n::has(&key) {
        tr.t(&key).to_string()
    } else {
        action.to_string()
    }
}

/// The display name of a snapshot field (`display_name` → 姓名), or the field name itself.
fn field_label(tr: Tr, field: &str) -> String {
    let key = format!("field.{field}");
    if crate::i18n::has(&key) {
        tr.t(&key).to_string()
    } else {
        field.to_string()
    }
}

/// The fields that differ between the before and after snapshots. Masked snapshots hold only
/// the changed fields already, each value hidden.
fn changes(
    tr: Tr,
    masked: bool,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<(String, String, String)> {
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| masked || b.get(*k) != a.get(*k))
        .map(|k| (field_label(tr, k), show(b.get(k)), show(a.get(k))))
        .collect()
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let actor_id = q.actor.as_deref().and_then(|a| a.parse::<i64>().ok());
    let entity = q.entity.clone().filter(|e| ENTITIES.contains(&e.as_str()));
    let filter = AuditFilter {
        actor_id,
        entity_type: entity.clone(),
        entity_id: None,
        action: q
            .action
            .clone()
            .filter(|a| !a.trim().is_empty())
            .map(|a| a.trim().to_string()),
        from: q.from.as_deref().and_then(day_start),
        until: q
            .until
            .as_deref()
            .and_then(day_start)
            .map(|t| t + chrono::TimeDelta::days(1)),
    };
    let paged = match uc::list(&s.app, &u.ctx, &filter, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let everyone = match people::list(
        &s.app,
        &u.ctx,
        &PeopleQuery::default(),
        Page::new(Some(1), Some(Page::MAX_SIZE)),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let base = query_string(&[
        ("actor", q.actor.clone()),
        ("entity", entity.clone()),
        ("action", q.action.clone()),
        ("from", q.from.clone()),
        ("until", q.until.clone()),
    ]);
    let pager = Pager::new(&paged, "/audit", &base);
    let count_text = tr.tn(
        "audit.count",
        paged.total,
        &[("n", &paged.total.to_string())],
    );
    let rows = paged
        .items
        .into_iter()
        .map(|r| Row {
            at: fmt_time(r.at),
            actor: r
                .actor_name
                .clone()
                .unwrap_or_else(|| tr.t("audit.system").to_string()),
            link: match (r.entity_type.as_str(), r.entity_id) {
                ("person", Some(id)) => Some(format!("/people/{id}")),
                ("region", Some(id)) => Some(format!("/regions/{id}/edit")),
                ("customer", Some(id)) => Some(format!("/customers/{id}")),
                _ => None,
            },
            entity: format!(
                "{} {}",
                tr.t(&format!(
                    "audit.entity_{}",
                    if ENTITIES.contains(&r.entity_type.as_str()) {
                        r.entity_type.as_str()
                    } else {
                        "other"
                    }
                )),
                r.entity_id.map(|i| format!("#{i}")).unwrap_or_default()
            ),
            changes: changes(tr, r.masked, r.before.as_ref(), r.after.as_ref()),
            action_label: action_label(tr, &r.action),
            action: r.action,
        })
        .collect();
    render(&AuditPage {
        l: Layout::for_user(&s, &u.ctx, "audit", "page.audit").await,
        actors: everyone
            .items
            .iter()
            .map(|p| {
                Choice::id(
                    p.id,
                    format!("{} ({})", p.display_name, p.login),
                    Some(p.id) == actor_id,
                )
            })
            .collect(),
        entities: ENTITIES
            .iter()
            .map(|e| {
                Choice::new(
                    *e,
                    tr.t(&format!("audit.entity_{e}")),
                    entity.as_deref() == Some(*e),
                )
            })
            .collect(),
        action: q.action.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        until: q.until.unwrap_or_default(),
        rows,
        count_text,
        pager,
    })
}
