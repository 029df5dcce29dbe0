//! CORS for the company website's browser intake (issue 12, point 6): JavaScript on a website
//! the administrator allowed (`allowed_origins` of the trial settings, `/settings/trials`) may
//! POST `/api/v1/intake/trials` and GET `/api/v1/calendar/deadline` and `/working-time` from
//! its own origin. The preflight `OPTIONS` is answered here (204 with the allowed method and
//! headers); a request from any other origin is refused with 403 before it reaches a handler,
//! so a page elsewhere cannot use a key it found. Requests without `Origin` (servers,
//! integrations) and same-origin ones pass as before. Credentials are never allowed: the
//! website authenticates with its intake key, not with cookies.

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, HOST, ORIGIN, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use salesdesk_app::AppError;

use crate::AppState;
use crate::auth::anonymous_lang;
use crate::error::ApiError;

/// The paths a website's browser may call; everything else is same-origin only.
pub const PATHS: [&str; 3] = [
    "/api/v1/intake/trials",
    "/api/v1/calendar/deadline",
    "/api/v1/calendar/working-time",
];

fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    matches!((rest, host), (Some(r), Some(h)) if r.eq_ignore_ascii_case(h))
}

pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !PATHS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let Some(origin) = req
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    let host = req.headers().get(HOST).and_then(|v| v.to_str().ok());
    if same_origin(&origin, host) {
        return next.run(req).await;
    }
    let lang = anonymous_lang(req.headers());
    match salesdesk_app::trials::origin_allowed(&s.app, &origin).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(%origin, path = %req.uri().path(), "cross-origin request refused");
            return ApiError::new(AppError::Forbidden, lang).into_response();
        }
        Err(e) => return ApiError::new(e, lang).into_response(),
    }
    let preflight = req.method() == Method::OPTIONS;
    let mut r = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin) {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(VARY, HeaderValue::from_static("Origin"));
    if preflight {
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, x-intake-key, accept-language"),
        );
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    r
}
