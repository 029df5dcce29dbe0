//! The login throttles page (administrators and the VP): which logins, addresses and known
//! devices are backing off, and a button to clear one.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::{Page, throttles as uc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login-throttles", get(list))
        .route("/login-throttles/{id}/clear", post(clear))
}

struct Row {
    id: i64,
    kind: String,
    key: String,
    failures: i32,
    last_attempt: String,
    blocked_until: String,
}

#[derive(Template)]
#[template(path = "login_throttles.html")]
struct ThrottlesPage {
    l: Layout,
    rows: Vec<Row>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    page: Option<u64>,
    ok: Option<String>,
}

/// `kind` as read by people: a login, an address, or whose device.
fn kind_label(tr: Tr, kind: &str) -> String {
    match kind {
        "account" => tr.t("login_throttle.kind_account").to_string(),
        "address" => tr.t("login_throttle.kind_address").to_string(),
        _ => tr.t("login_throttle.kind_device").to_string(),
    }
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let paged = match uc::list(&s.app, &u.ctx, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, "/login-throttles", "");
    render(&ThrottlesPage {
        l: Layout::for_user(&s, &u.ctx, "login_throttles", "page.login_throttles")
            .await
            .with_flash(q.ok.as_deref()),
        rows: paged
            .items
            .into_iter()
            .map(|r| Row {
                id: r.id,
                kind: kind_label(tr, &r.kind),
                key: match r.person {
                    Some((_, name)) => name,
                    None => r.key,
                },
                failures: r.failures,
                last_attempt: fmt_time(r.last_attempt_at),
                blocked_until: r
                    .blocked_until
                    .map(|t| {
                        t.with_timezone(&chrono_tz::Asia::Shanghai)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string()
                    })
                    .unwrap_or_else(|| tr.t("login_throttle.not_waiting").to_string()),
            })
            .collect(),
        pager,
    })
}

async fn clear(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    match uc::clear(&s.app, &u.ctx, id).await {
        Ok(()) => Redirect::to("/login-throttles?ok=throttle_cleared").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
