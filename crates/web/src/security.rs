//! The middleware stack every response passes: request ids, tracing, timeout, cross-site request
//! refusal, security headers, and the caching policy.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::WebConfig;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a per-process random prefix and a counter — unique across processes, cheap.
#[derive(Clone)]
struct Ids {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl MakeRequestId for Ids {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Wraps the router in the middleware stack (the last layer added is the outermost).
pub fn apply(router: Router, web: &WebConfig) -> Router {
    let mut prefix = [0u8; 4];
    getrandom_prefix(&mut prefix);
    let ids = Ids {
        prefix: format!(
            "{:02x}{:02x}{:02x}{:02x}",
            prefix[0], prefix[1], prefix[2], prefix[3]
        )
        .into(),
        next: Arc::new(AtomicU64::new(1)),
    };
    router
        // The website's browser intake is cross-site by design: it carries no cookie (its
        // intake key is a header) and `crate::cors` admits only the allowed origins.
        .layer(
            CsrfLayer::new()
                .with_insecure_bypass(|m, u| {
                    m == axum::http::Method::POST && u.path() == crate::cors::PATHS[0]
                })
                .with_rejection_response(crate::error::cross_site_refused),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            web.request_timeout,
        ))
        .layer(middleware::from_fn(cache_policy))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<axum::body::Body>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "http",
                    method = %req.method(),
                    path = %loggable_path(req.uri().path()),
                    request_id = %id,
                    // Filled by `metrics::record` when the response is ready.
                    statements = tracing::field::Empty,
                    db_us = tracing::field::Empty,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, ids))
}

/// The path as the log may show it: a calendar feed's secret (`/ical/<secret>.ics`) is a
/// credential and stays out of the log.
pub(crate) fn loggable_path(path: &str) -> &str {
    if path.starts_with("/ical/") {
        "/ical/…"
    } else {
        path
    }
}

/// Static assets may be cached by anyone for as long as their handler says.
const STATIC_PREFIX: &str = "/static/";
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const PRIVATE_NO_STORE: HeaderValue = HeaderValue::from_static("private, no-store");

/// Nothing but static assets is kept by a browser or a proxy (issue 9, point 11): pages, API
/// answers, exports, vCards and error pages carry customer data or depend on who asks, and a
/// shared computer's cache must not keep them. `no-store` for every such response, whatever a
/// handler set; `private` as well when the response belongs to one person (the request carried a
/// session cookie or a bearer token, or the response sets a cookie), so that no shared cache
/// that ignores `no-store` keeps it either.
async fn cache_policy(req: Request<Body>, next: Next) -> Response {
    let is_static = req.uri().path().starts_with(STATIC_PREFIX);
    let personal = crate::auth::token(req.headers()).is_some();
    let mut res = next.run(req).await;
    if is_static && res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let personal = personal || res.headers().contains_key(header::SET_COOKIE);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        if personal { PRIVATE_NO_STORE } else { NO_STORE },
    );
    res
}

fn getrandom_prefix(buf: &mut [u8; 4]) {
    // The process id and the start time are unique enough for a log correlation prefix.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let v = t ^ std::process::id().rotate_left(16);
    *buf = v.to_le_bytes();
}
