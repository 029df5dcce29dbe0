//! The jobs page (`/settings/jobs`, administrators; issue 12 point 5, issue 17): the background
//! jobs by state, newest first, with kind, attempts, run-at and last error; "retry now" on a
//! failed one; the recurring schedules with their last and next run.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::{Page, jobs};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PagePath, PageQuery, page_error};
use crate::view::{Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/jobs", get(show))
        .route("/settings/jobs/{id}/retry", post(retry))
}

struct JobRow {
    id: i64,
    kind: String,
    state: &'static str,
    failed: bool,
    attempts: String,
    run_at: String,
    updated_at: String,
    error: String,
}

struct ScheduleRow {
    name: String,
    kind: String,
    cadence: String,
    enabled: bool,
    last_run: String,
    next_run: String,
}

struct StateTab {
    value: &'static str,
    label: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    l: Layout,
    tabs: Vec<StateTab>,
    rows: Vec<JobRow>,
    schedules: Vec<ScheduleRow>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    state: Option<String>,
    page: Option<u64>,
    ok: Option<String>,
}

/// The i18n key of a state's name.
fn state_key(s: &str) -> &'static str {
    match s {
        "queued" => "jobs.state_queued",
        "running" => "jobs.state_running",
        "failed" => "jobs.state_failed",
        _ => "jobs.state_done",
    }
}

/// An error longer than a table cell can take is cut (the API gives it whole).
fn short(e: Option<String>) -> String {
    let e = e.unwrap_or_default();
    match e.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &e[..i]),
        None => e,
    }
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Response {
    let state = q.state.as_deref().filter(|v| !v.is_empty());
    let paged = match jobs::admin_list(&s.app, &u.ctx, state, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let schedules = match jobs::admin_schedules(&s.app, &u.ctx).await {
        Ok(v) => v,
        Err(e) => return page_error(e, u.lang),
    };
    let base = state.map(|v| format!("state={v}")).unwrap_or_default();
    let pager = Pager::new(&paged, "/settings/jobs", &base);
    let mut tabs = vec![StateTab {
        value: "",
        label: "jobs.state_all",
        current: state.is_none(),
    }];
    tabs.extend(jobs::STATES.iter().map(|&v| StateTab {
        value: v,
        label: state_key(v),
        current: state == Some(v),
    }));
    render(&JobsPage {
        l: Layout::for_user(&s, &u.ctx, "settings", "page.settings_jobs")
            .await
            .with_flash(q.ok.as_deref()),
        tabs,
        rows: paged
            .items
            .into_iter()
            .map(|j| JobRow {
                id: j.id,
                failed: j.state == "failed",
                state: state_key(&j.state),
                kind: j.kind,
                attempts: format!("{} / {}", j.attempts, j.max_attempts),
                run_at: fmt_time(j.run_at),
                updated_at: fmt_time(j.finished_at.unwrap_or(j.updated_at)),
                error: short(j.last_error),
            })
            .collect(),
        schedules: schedules
            .into_iter()
            .map(|sc| ScheduleRow {
                name: sc.name,
                kind: sc.kind,
                cadence: sc.cadence,
                enabled: sc.enabled,
                last_run: sc.last_run_at.map(fmt_time).unwrap_or_default(),
                next_run: fmt_time(sc.next_run_at),
            })
            .collect(),
        pager,
    })
}

async fn retry(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    match jobs::retry(&s.app, &u.ctx, id).await {
        Ok(_) => Redirect::to("/settings/jobs?state=queued&ok=job_retried").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
