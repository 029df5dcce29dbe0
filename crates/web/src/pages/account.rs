//! The person's own account (password, language) and notification centre.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::{AppError, Page, auth, notifications};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, render, role_label};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/password", post(change_password))
        .route("/account/locale", post(set_locale))
        .route("/notifications", get(list_notifications))
        .route("/notifications/read", post(read_all))
        .route("/notifications/{id}/read", post(read_one))
        .route("/notifications/{id}", get(open_one))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    name: String,
    login: String,
    role: String,
    must_change: bool,
    errors: FormErrors,
    /// When the person's calendar feed URL was issued (empty: none).
    feed_issued: String,
    /// The feed URL just issued: shown this once.
    feed_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AccountQuery {
    ok: Option<String>,
}

async fn account_page(
    s: &AppState,
    u: &PageUser,
    errors: FormErrors,
    ok: Option<&str>,
) -> Response {
    account_page_with_feed(s, u, errors, ok, None).await
}

/// The account page; with `feed_url`, the calendar feed URL just issued is shown.
pub(super) async fn account_page_with_feed(
    s: &AppState,
    u: &PageUser,
    errors: FormErrors,
    ok: Option<&str>,
    feed_url: Option<String>,
) -> Response {
    let tr = Tr(u.lang);
    let feed_issued = match salesdesk_app::calendar_feed::issued_at(&s.app, &u.ctx).await {
        Ok(t) => t.map(fmt_time).unwrap_or_default(),
        Err(e) => return page_error(e, u.lang),
    };
    let page = AccountPage {
        l: Layout::for_user(s, &u.ctx, "account", "page.account")
            .await
            .with_flash(ok),
        name: u.ctx.display_name.clone(),
        login: u.ctx.login.clone(),
        role: role_label(tr, &u.ctx),
        must_change: u.ctx.must_change_password,
        errors,
        feed_issued,
        feed_url,
    };
    let status = if page.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, render(&page)).into_response()
}

async fn account(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AccountQuery>,
) -> Response {
    account_page(&s, &u, FormErrors::default(), q.ok.as_deref()).await
}

#[derive(Debug, Default, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<PasswordForm>,
) -> Response {
    match auth::change_password(
        &s.app,
        &u.ctx,
        &f.current_password,
        &f.new_password,
        &f.confirm_password,
    )
    .await
    {
        Ok(()) => Redirect::to("/account?ok=password_changed").into_response(),
        Err(AppError::Validation(errs)) => {
            account_page(&s, &u, FormErrors::from(&errs, Tr(u.lang)), None).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct LocaleForm {
    #[serde(default)]
    locale: String,
}

async fn set_locale(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<LocaleForm>,
) -> Response {
    match auth::set_locale(&s.app, &u.ctx, &f.locale).await {
        Ok(()) => Redirect::to("/account?ok=locale_saved").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

struct NoteRow {
    id: i64,
    at: String,
    text: String,
    has_link: bool,
    read: bool,
    done: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    rows: Vec<NoteRow>,
    has_unread: bool,
    unread_only: bool,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct PageParam {
    page: Option<u64>,
    /// `1`: only the unread ones.
    unread: Option<String>,
}

/// The text of a notification in the reader's language, with its parameters filled in.
pub fn notification_text(tr: Tr, kind: &str, params: &serde_json::Value) -> String {
    let args: Vec<(String, String)> = params
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let text = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    // Status codes read as their names ("basic" → 基础客户).
                    let text = match salesdesk_domain::customer::CustomerStatus::parse(&text) {
                        Some(st) if k == "to" => tr.t(&st.label_key()).to_string(),
                        _ => text,
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let key = format!("notification.{kind}");
    if crate::i18n::has(&key) {
        let count = args
            .iter()
            .find(|(k, _)| *k == "count")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        tr.tn(&key, count, &args)
    } else {
        kind.to_string()
    }
}

async fn list_notifications(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<PageParam>,
) -> Response {
    let tr = Tr(u.lang);
    let unread_only = q
        .unread
        .as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0");
    let paged =
        match notifications::list(&s.app, &u.ctx, unread_only, Page::new(q.page, None)).await {
            Ok(p) => p,
            Err(e) => return page_error(e, u.lang),
        };
    let pager = Pager::new(
        &paged,
        "/notifications",
        if unread_only { "unread=1" } else { "" },
    );
    let l = Layout::for_user(&s, &u.ctx, "notifications", "page.notifications").await;
    let has_unread = l.user.as_ref().is_some_and(|n| n.unread > 0);
    render(&NotificationsPage {
        rows: paged
            .items
            .into_iter()
            .map(|n| NoteRow {
                id: n.id,
                at: fmt_time(n.created_at),
                text: notification_text(tr, &n.kind, &n.params),
                has_link: n.link.is_some(),
                read: n.read,
                done: n.done,
            })
            .collect(),
        has_unread,
        unread_only,
        pager,
        l,
    })
}

/// Opens a notification: marks it read and goes to what it is about (the list, when it links
/// nowhere). A GET, so that it is an ordinary link (new tab, middle click, no JavaScript); it is
/// safe to repeat, and a request another site started (`Sec-Fetch-Site: cross-site`, which the
/// CSRF layer does not stop for a GET) still redirects but marks nothing.
async fn open_one(
    State(s): State<AppState>,
    u: PageUser,
    headers: axum::http::HeaderMap,
    PagePath(id): PagePath<i64>,
) -> Response {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    match notifications::open(&s.app, &u.ctx, id, !cross_site).await {
        Ok(n) => Redirect::to(n.link.as_deref().unwrap_or("/notifications")).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

async fn read_all(State(s): State<AppState>, u: PageUser) -> Response {
    match notifications::mark_read(&s.app, &u.ctx, None).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

async fn read_one(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    match notifications::mark_read(&s.app, &u.ctx, Some(id)).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
