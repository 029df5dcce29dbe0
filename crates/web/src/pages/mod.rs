//! Server-rendered HTML pages. Each handler: extract → one use case → render. Forms post back
//! to the same URL and redirect after success (post/redirect/get); on a validation error the
//! form is shown again with what was typed and a message beside each field.

mod account;
mod archive;
pub use account::notification_text;
mod audit;
mod backups;
mod calendar_feed;
pub use calendar_feed::origin_of;
mod calendar;
mod collections;
mod contact_delete;
pub(crate) mod contracts;
mod corrections;
mod customer_list;
mod customers;
mod dashboard;
mod deals;
mod expenses;
mod export_rights;
mod geo;
mod import_likely;
mod import_template;
pub mod imports;
mod jobs;
pub(crate) mod list_tools;
mod people;
mod pool;
mod presales;
mod quotes;
mod records;
mod regions;
mod release;
mod settings;
mod throttles;
mod trial_settings;
mod trial_setup;
mod trials;
mod trials_dashboard;
mod workspace;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::AppError;
use salesdesk_app::auth::{self, SessionKind};
use salesdesk_domain::Position;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientOrigin, LANG_COOKIE, PageUser, SESSION_COOKIE, anonymous_lang};
use crate::error::{PageForm, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::{FormErrors, Layout, render, safe_next};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(customers::router())
        .merge(list_tools::routes::<customer_list::ListQuery>())
        .merge(records::router())
        .merge(corrections::router())
        .merge(pool::router())
        .merge(release::router())
        .merge(archive::router())
        .merge(contact_delete::router())
        .merge(imports::router())
        .merge(import_likely::router())
        .merge(import_template::router())
        .merge(people::router())
        .merge(regions::router())
        .merge(settings::router())
        .merge(backups::router())
        .merge(jobs::router())
        .merge(export_rights::router())
        .merge(calendar::router())
        .merge(audit::router())
        .merge(throttles::router())
        .merge(trial_setup::router())
        .merge(account::router())
        .merge(calendar_feed::router())
        .merge(presales::router())
        .merge(trials_dashboard::router())
        .merge(trials::router())
        .merge(trial_settings::router())
        .merge(deals::router())
        .merge(quotes::router())
        .merge(contracts::router())
        .merge(collections::router())
        .merge(expenses::router())
}

/// A choice in a `<select>`: the submitted value, the text shown, whether it is selected.
/// Borrowed where it can be: a page builds dozens of these per request.
#[derive(Debug, Clone)]
pub struct Choice<'a> {
    pub value: std::borrow::Cow<'a, str>,
    pub label: std::borrow::Cow<'a, str>,
    pub selected: bool,
}

impl<'a> Choice<'a> {
    pub fn new(
        value: impl Into<std::borrow::Cow<'a, str>>,
        label: impl Into<std::borrow::Cow<'a, str>>,
        selected: bool,
    ) -> Choice<'a> {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }

    /// A choice whose value is a record id.
    pub fn id(id: i64, label: impl Into<std::borrow::Cow<'a, str>>, selected: bool) -> Choice<'a> {
        Choice::new(id.to_string(), label, selected)
    }
}

/// Position choices with the given one selected.
pub fn position_choices(tr: Tr, selected: Option<&str>) -> Vec<Choice<'static>> {
    Position::ALL
        .into_iter()
        .map(|p| {
            Choice::new(
                p.as_str(),
                tr.t(p.label_key()),
                Some(p.as_str()) == selected,
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub status: u16,
    pub message: String,
}

pub async fn not_found(headers: axum::http::HeaderMap) -> Response {
    page_error(AppError::NotFound, anonymous_lang(&headers))
}

/// Gives an HTML error page (404, 403, 409 …, marked by `page_error`) the header and
/// navigation of the signed-in person, in their language, so that an error is not a dead end.
/// Requests without a live session, and every other response, pass through untouched.
pub async fn with_navigation(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let token = crate::auth::token(req.headers());
    let origin = {
        let (parts, body) = req.into_parts();
        let o = token.as_ref().map(|_| crate::auth::origin(&parts, &s));
        (axum::extract::Request::from_parts(parts, body), o)
    };
    let (req, origin) = origin;
    let response = next.run(req).await;
    let (Some(mark), Some(token), Some(origin)) = (
        response.extensions().get::<crate::error::ErrorPageMark>(),
        token,
        origin,
    ) else {
        return response;
    };
    let Ok(Some(ctx)) = auth::authenticate(&s.app, &token, &origin).await else {
        return response;
    };
    let l = Layout::for_user(&s, &ctx, "", mark.title).await;
    let page = ErrorPage {
        status: mark.status,
        message: mark.message(l.tr),
        l,
    };
    let mut fresh = (response.status(), render(&page)).into_response();
    for (k, v) in response.headers() {
        if k != header::CONTENT_LENGTH && k != header::CONTENT_TYPE {
            fresh.headers_mut().append(k.clone(), v.clone());
        }
    }
    fresh
}

async fn css() -> Response {
    asset(
        include_str!("../../static/app.css"),
        "text/css; charset=utf-8",
    )
}

async fn js() -> Response {
    asset(
        include_str!("../../static/app.js"),
        "text/javascript; charset=utf-8",
    )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

// ---- login / logout ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    /// The language chosen on this page (link or earlier choice), stored on the person at login.
    chosen_lang: Option<&'static str>,
    next: String,
    login: String,
    error: Option<String>,
    errors: FormErrors,
}

/// The query of a page that a post-redirect-get lands on: `ok` names the flash message to show.
#[derive(Debug, Default, Deserialize)]
struct FlashQ {
    ok: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

async fn login_page(
    headers: axum::http::HeaderMap,
    PageQuery(q): PageQuery<LoginQuery>,
) -> Response {
    let lang = q
        .lang
        .as_deref()
        .map(Lang::from_code)
        .unwrap_or_else(|| anonymous_lang(&headers));
    let chosen = q.lang.is_some() || crate::auth::cookie(&headers, LANG_COOKIE).is_some();
    let page = LoginPage {
        l: Layout::bare(lang, "page.login"),
        chosen_lang: chosen.then(|| lang.code()),
        next: safe_next(q.next.as_deref()),
        login: String::new(),
        error: None,
        errors: FormErrors::default(),
    };
    let mut r = render(&page);
    if q.lang.is_some()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    /// The interface language chosen on the login page (`zh-CN` / `en`), if one was.
    lang: Option<String>,
}

fn session_cookie(s: &AppState, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if s.web.secure_cookies { "; Secure" } else { "" };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("sd_session=; Path=/"))
}

async fn login_submit(
    axum::extract::State(s): axum::extract::State<AppState>,
    ClientOrigin(origin, lang): ClientOrigin,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let tr = Tr(lang);
    let chosen = f.lang.as_deref().filter(|l| !l.is_empty());
    match auth::login_choosing(
        &s.app,
        &f.login,
        &f.password,
        SessionKind::Web,
        &origin,
        chosen,
    )
    .await
    {
        Ok(done) => {
            let to = if done.ctx.must_change_password {
                "/account?must_change=1".to_string()
            } else {
                safe_next(f.next.as_deref())
            };
            let mut r = Redirect::to(&to).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&s, &done.token, None));
            if let Some(v) = done
                .device_token
                .as_deref()
                .and_then(|d| crate::auth::device_cookie(&s, d))
            {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let (status, error, errors) = match &e {
                AppError::Validation(errs) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    FormErrors::from(errs, tr),
                ),
                AppError::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    Some(tr.t("problem.bad_credentials").to_string()),
                    FormErrors::default(),
                ),
                AppError::Throttled {
                    until,
                    retry_after_secs,
                } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some(crate::error::throttled_message(
                        tr,
                        *until,
                        *retry_after_secs,
                    )),
                    FormErrors::default(),
                ),
                _ => return page_error(e, lang),
            };
            let page = LoginPage {
                l: Layout::bare(lang, "page.login"),
                chosen_lang: chosen.map(|l| Lang::from_code(l).code()),
                next: safe_next(f.next.as_deref()),
                login: f.login.chars().take(64).collect(),
                error,
                errors,
            };
            let mut r = (status, render(&page)).into_response();
            if let AppError::Throttled {
                retry_after_secs, ..
            } = &e
            {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            r
        }
    }
}

async fn logout(axum::extract::State(s): axum::extract::State<AppState>, u: PageUser) -> Response {
    if let Err(e) = auth::logout(&s.app, &u.ctx, &u.token).await {
        return page_error(e, u.lang);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&s, "", Some(0)));
    r
}
