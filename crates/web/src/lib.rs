//! The HTTP layer: server-rendered pages, the `/api/v1` JSON API, i18n, security headers.
//!
//! [`serve`] is the one entry point, used by `salesdesk serve` and by the tests alike: it takes
//! an already bound listener, so tests bind `127.0.0.1:0` and talk HTTP to a real server.

pub mod api;
pub mod auth;
mod cors;
pub mod error;
pub mod i18n;
mod idempotency;
pub mod metrics;
pub mod pages;
pub mod readable;
mod redirect;
mod security;
mod server;
pub mod version;
pub mod view;

/// The opt-level this crate was built at (`0` debug, `1` `--release`, `3` `--profile
/// production`): the benches print it beside their figures.
pub const OPT_LEVEL: &str = env!("SALESDESK_WEB_OPT_LEVEL");

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use salesdesk_app::App;
use tokio::net::TcpListener;

/// Settings of the HTTP layer (part of the binary's `Config`).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when serving behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// Largest request body accepted; larger ones get 413.
    pub body_limit: usize,
    /// Longest time a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// A connection must deliver a request's complete headers within this long of being
    /// opened (or of its first byte after an idle pause); otherwise it is closed.
    pub header_read_timeout: Duration,
    /// A keep-alive connection without a request for this long is closed.
    pub idle_timeout: Duration,
    /// Connections served at once (kept below the open-file limit); more are answered 503.
    pub max_connections: usize,
    /// Connections one client address (an IPv6 /64) may hold at once; more are answered 429.
    /// 0 = no cap per address (behind a reverse proxy every client has the proxy's address).
    pub max_connections_per_peer: usize,
    /// Bearer token that `GET /metrics` requires; `None` (or empty) turns `/metrics` off (404).
    pub metrics_token: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            trust_proxy: false,
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 4096,
            max_connections_per_peer: 512,
            metrics_token: None,
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub web: Arc<WebConfig>,
    /// The OpenAPI document, rendered once at start.
    pub openapi: Arc<String>,
    /// Request counters and latency histograms of this process (`/metrics`).
    pub metrics: Arc<metrics::Metrics>,
}

/// Builds the whole router: pages, API, health checks, static assets, and the middleware stack.
pub fn router(app: App, web: WebConfig) -> Router {
    let (api_router, openapi) = api::router();
    let openapi_json = openapi.to_pretty_json().unwrap_or_else(|_| "{}".into());
    let state = AppState {
        app,
        web: Arc::new(web.clone()),
        openapi: Arc::new(openapi_json),
        metrics: Arc::default(),
    };
    let router = Router::new()
        .merge(pages::router())
        .nest(
            "/api/v1",
            api_router.layer(axum::middleware::from_fn_with_state(
                state.clone(),
                idempotency::layer,
            )),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::handler))
        .fallback(pages::not_found)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::with_navigation,
        ))
        .layer(axum::middleware::from_fn_with_state(state, metrics::record))
        .layer(DefaultBodyLimit::max(web.body_limit));
    security::apply(router, &web)
}

/// The OpenAPI document as JSON (for `salesdesk openapi` and the docs).
pub fn openapi_json() -> String {
    api::router().1.to_pretty_json().unwrap_or_default()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight. Connections are
/// bounded in time and number (see the `server` module); handlers see the peer address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: App,
    web: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(app, web.clone());
    server::run(listener, router, &web, shutdown).await
}

pub use server::raise_open_file_limit;
