//! `/settings/export`: who may export customers, per position (issue 10, point 10). The
//! administrator picks one right per position; the rule is `Actor::export_scope`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::{AppError, export_rights};
use salesdesk_domain::{ExportRight, Position};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/export", get(show).post(save))
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

/// One position's line: its name and the rights to pick from.
struct Line {
    field: String,
    label: &'static str,
    rights: Vec<Choice<'static>>,
}

#[derive(Template)]
#[template(path = "settings_export.html")]
struct Page {
    l: Layout,
    lines: Vec<Line>,
    errors: FormErrors,
}

/// The form as `(position code, right code)`: the stored rights, or what was typed.
fn page(l: Layout, tr: Tr, chosen: &[(String, String)], errors: FormErrors) -> Response {
    let lines = Position::ALL
        .into_iter()
        .map(|p| {
            let now = chosen
                .iter()
                .find(|(k, _)| k == p.as_str())
                .map(|(_, v)| v.as_str());
            Line {
                field: format!("export_rights.{}", p.as_str()),
                label: tr.t(p.label_key()),
                rights: ExportRight::ALL
                    .into_iter()
                    .map(|r| Choice::new(r.as_str(), tr.t(&r.label_key()), now == Some(r.as_str())))
                    .collect(),
            }
        })
        .collect();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, render(&Page { l, lines, errors })).into_response()
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    let rights = match export_rights::for_admin(&s.app, &u.ctx).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let chosen: Vec<(String, String)> = rights
        .0
        .iter()
        .map(|(p, r)| (p.as_str().to_string(), r.as_str().to_string()))
        .collect();
    let l = Layout::for_user(&s, &u.ctx, "settings", "page.settings_export")
        .await
        .with_flash(q.ok.as_deref());
    page(l, Tr(u.lang), &chosen, FormErrors::default())
}

/// The form arrives as `export_rights.<position>=<right>` pairs.
async fn save(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let chosen: Vec<(String, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("export_rights.")
                .map(|p| (p.to_string(), v.clone()))
        })
        .collect();
    match export_rights::put(&s.app, &u.ctx, &chosen).await {
        Ok(_) => Redirect::to("/settings/export?ok=settings_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let l = Layout::for_user(&s, &u.ctx, "settings", "page.settings_export").await;
            page(l, Tr(u.lang), &chosen, FormErrors::from(&errs, Tr(u.lang)))
        }
        Err(e) => page_error(e, u.lang),
    }
}
