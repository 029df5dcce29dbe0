//! `salesdesk bench bare`: a bare axum handler that answers every `GET` with the bytes of a file
//! as `application/json` — no middleware, no session, no database. Under the same load generator
//! as a real endpoint it measures the floor of HTTP alone for an answer of that size (issue 11:
//! "a bare handler returning the same JSON bytes"). Runs until interrupted.

use std::path::Path;

use axum::http::header;
use axum::response::IntoResponse;

/// Serves `file` on `addr` until Ctrl-C.
pub async fn run(addr: &str, file: &Path) -> Result<(), String> {
    let body = axum::body::Bytes::from(
        std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?,
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("{addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "bench bare: {} bytes on http://{local}/ (any GET path); stop with Ctrl-C",
        body.len()
    );
    let app = axum::Router::new().fallback(axum::routing::get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
    }));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
