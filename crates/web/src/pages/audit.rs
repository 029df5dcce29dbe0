//! The audit log page (the VP and administrators) and its CSV export for auditors. Entries read
//! with names instead of ids and labels instead of codes (`crate::readable`); logins and logouts
//! are a view of their own so that they do not flood the changes.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{NaiveDate, TimeZone};
use salesdesk_app::audit::{self as uc, AuditFilter, AuditRow, Names, Sessions};
use salesdesk_app::people::{self, PeopleQuery};
use salesdesk_app::{AppError, Ctx, Page};
use serde::{Deserialize, Serialize};

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::readable::{self, Values};
use crate::view::{Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/export.csv", get(export_csv))
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
    actions: Vec<Choice<'static>>,
    views: Vec<Choice<'static>>,
    from: String,
    until: String,
    rows: Vec<Row>,
    count_text: String,
    pager: Pager,
    export_link: String,
}

/// The page's filter, as typed; also what the export records about itself.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
struct AuditQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    /// `changes` (default: everything but logins and logouts), `logins`, or `all`.
    #[serde(skip_serializing_if = "Option::is_none")]
    view: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip)]
    page: Option<u64>,
}

/// Entity types that the audit log knows, for the filter.
const ENTITIES: [&str; 19] = [
    "person",
    "region",
    "customer",
    "contact",
    "import",
    "saved_filter",
    "choice",
    "settings",
    "assignment_rule",
    "session",
    "login_throttle",
    "notification",
    "audit_log",
    "product",
    "region_route",
    "intake_key",
    "deal",
    "deal_stage",
    "quote",
];

const VIEWS: [&str; 3] = ["changes", "logins", "all"];

/// Start of a day in Shanghai, as UTC.
fn day_start(d: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Every audited action the catalog names, by code.
fn known_actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = crate::i18n::keys_with_prefix("audit_action.")
        .map(|k| &k["audit_action.".len()..])
        .collect();
    v.sort_unstable();
    v
}

impl AuditQuery {
    fn view(&self) -> &str {
        self.view
            .as_deref()
            .filter(|v| VIEWS.contains(v))
            .unwrap_or("changes")
    }

    fn entity(&self) -> Option<String> {
        self.entity
            .clone()
            .filter(|e| ENTITIES.contains(&e.as_str()))
    }

    fn actor_id(&self) -> Option<i64> {
        self.actor.as_deref().and_then(|a| a.parse::<i64>().ok())
    }

    fn filter(&self) -> AuditFilter {
        let action = self
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        AuditFilter {
            actor_id: self.actor_id(),
            entity_type: self.entity(),
            entity_id: None,
            // A code from the list is one action; anything else typed is a prefix.
            exact_action: action
                .as_deref()
                .is_some_and(|a| known_actions().contains(&a)),
            action,
            from: self.from.as_deref().and_then(day_start),
            until: self
                .until
                .as_deref()
                .and_then(day_start)
                .map(|t| t + chrono::TimeDelta::days(1)),
            // An action asked for by name is shown whatever the view.
            sessions: match self.view() {
                _ if self.action.as_deref().is_some_and(|a| !a.trim().is_empty()) => {
                    Sessions::Include
                }
                "logins" => Sessions::Only,
                "all" => Sessions::Include,
                _ => Sessions::Exclude,
            },
            upto_id: None,
        }
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("view", self.view.clone()),
            ("actor", self.actor.clone()),
            ("entity", self.entity()),
            ("action", self.action.clone()),
            ("from", self.from.clone()),
            ("until", self.until.clone()),
        ])
    }
}

/// "客户 星河数据科技" (or "客户 #12" when the name is hidden or unknown) and its page.
fn entity_of(tr: Tr, names: &Names, r: &AuditRow) -> (String, Option<String>) {
    let kind = readable::entity_label(tr, &r.entity_type);
    let Some(id) = r.entity_id else {
        return (kind, None);
    };
    let english = tr.lang() == Lang::En;
    let text = match names.entity(&r.entity_type, id, english) {
        Some(n) => format!("{kind} {n}"),
        None => format!("{kind} #{id}"),
    };
    let link = match r.entity_type.as_str() {
        "person" => Some(format!("/people/{id}")),
        "region" => Some(format!("/regions/{id}/edit")),
        "customer" => Some(format!("/customers/{id}")),
        "deal" => Some(format!("/deals/{id}")),
        _ => None,
    };
    (text, link)
}

fn actor_of(tr: Tr, r: &AuditRow) -> String {
    r.actor_name
        .clone()
        .unwrap_or_else(|| tr.t("audit.system").to_string())
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let filter = q.filter();
    let loaded = async {
        let paged = uc::list(&s.app, &u.ctx, &filter, Page::new(q.page, None)).await?;
        let names = uc::names_for(&s.app, &paged.items).await?;
        let choices = salesdesk_app::choices::all(&s.app).await?;
        let everyone = people::list(
            &s.app,
            &u.ctx,
            &PeopleQuery::default(),
            Page::new(Some(1), Some(Page::MAX_SIZE)),
        )
        .await?;
        Ok::<_, AppError>((paged, names, choices, everyone))
    }
    .await;
    let (paged, names, choices, everyone) = match loaded {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let base = q.query_string();
    let pager = Pager::new(&paged, "/audit", &base);
    let count_text = tr.tn(
        "audit.count",
        paged.total,
        &[("n", &paged.total.to_string())],
    );
    let values = Values {
        tr,
        names: &names,
        choices: &choices,
    };
    let rows = paged
        .items
        .iter()
        .map(|r| {
            let (entity, link) = entity_of(tr, &names, r);
            Row {
                at: fmt_time(r.at),
                actor: actor_of(tr, r),
                link,
                entity,
                changes: values.changes(r.masked, r.before.as_ref(), r.after.as_ref()),
                action_label: readable::action_label(tr, &r.action),
                action: r.action.clone(),
            }
        })
        .collect();
    let actor_id = q.actor_id();
    let entity = q.entity();
    let chosen_action = q.action.clone().unwrap_or_default();
    let mut actions: Vec<Choice<'static>> = known_actions()
        .into_iter()
        .map(|a| Choice::new(a, readable::action_label(tr, a), chosen_action == a))
        .collect();
    actions.sort_by(|a, b| a.label.cmp(&b.label));
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
                    readable::entity_label(tr, e),
                    entity.as_deref() == Some(*e),
                )
            })
            .collect(),
        actions,
        views: VIEWS
            .iter()
            .map(|v| Choice::new(*v, tr.t(&format!("audit.view_{v}")), q.view() == *v))
            .collect(),
        from: q.from.clone().unwrap_or_default(),
        until: q.until.clone().unwrap_or_default(),
        rows,
        count_text,
        pager,
        export_link: if base.is_empty() {
            "/audit/export.csv".into()
        } else {
            format!("/audit/export.csv?{base}")
        },
    })
}

/// The CSV columns, as catalog keys.
const COLUMNS: [&str; 7] = [
    "field.time",
    "field.actor",
    "field.action",
    "field.entity",
    "audit.change",
    "audit.ip",
    "audit.request_id",
];

/// One page of entries as CSV lines.
fn csv_rows(
    tr: Tr,
    names: &Names,
    choices: &[salesdesk_app::choices::Choice],
    rows: &[AuditRow],
) -> Vec<u8> {
    let values = Values { tr, names, choices };
    let colon = readable::colon(tr);
    let mut out = Vec::new();
    for r in rows {
        let changes = values
            .changes(r.masked, r.before.as_ref(), r.after.as_ref())
            .into_iter()
            .map(|(f, b, a)| format!("{f}{colon}{b} → {a}"))
            .collect::<Vec<_>>()
            .join("\n");
        out.extend(salesdesk_app::export::csv_line(&[
            fmt_time(r.at),
            actor_of(tr, r),
            readable::action_label(tr, &r.action),
            entity_of(tr, names, r).0,
            changes,
            r.ip.clone().unwrap_or_default(),
            r.request_id.clone().unwrap_or_default(),
        ]));
    }
    out
}

/// The filtered log as CSV (UTF-8 with a BOM, so that Excel reads the Chinese), streamed a
/// keyset page at a time. The export is recorded in the log before the first row is read.
async fn export_response(
    s: &AppState,
    ctx: &Ctx,
    lang: Lang,
    q: &AuditQuery,
) -> Result<Response, AppError> {
    let tr = Tr(lang);
    let described = serde_json::to_value(AuditQuery {
        view: Some(q.view().to_string()),
        ..q.clone()
    })
    .unwrap_or_default();
    let ex = uc::export(&s.app, ctx, &q.filter(), described).await?;
    let choices = salesdesk_app::choices::all(&s.app).await?;
    let mut head = b"\xEF\xBB\xBF".to_vec();
    head.extend(salesdesk_app::export::csv_line(
        &COLUMNS.map(|k| tr.t(k).to_string()),
    ));
    let first = futures_util::stream::iter([Ok::<_, std::io::Error>(head)]);
    let rest = futures_util::stream::unfold(Some(ex), move |state| {
        let choices = choices.clone();
        async move {
            let mut ex = state?;
            match ex.next_rows().await {
                Ok(Some((rows, names))) => {
                    Some((Ok(csv_rows(tr, &names, &choices, &rows)), Some(ex)))
                }
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed midway");
                    Some((Err(std::io::Error::other("export failed")), None))
                }
            }
        }
    });
    use futures_util::StreamExt;
    let file = format!(
        "{}-{}.csv",
        tr.t("audit.export_file"),
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y%m%d-%H%M")
    );
    Ok(crate::view::download(
        Body::from_stream(first.chain(rest)),
        "text/csv; charset=utf-8",
        &file,
    ))
}

async fn export_csv(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Response {
    export_response(&s, &u.ctx, u.lang, &q)
        .await
        .unwrap_or_else(|e| page_error(e, u.lang))
}
