//! `Idempotency-Key` for every POST under `/api/v1`, in one layer rather than in each handler
//! (rules in `salesdesk_app::idempotency`, the contract in docs/API-DESIGN.md).
//!
//! A keyed request of a signed-in caller runs in a task of its own: if the client goes away or
//! the request timeout answers 408 first, the request still finishes and its answer is kept,
//! so a retry with the same key learns what happened instead of running it twice. Requests
//! without a key, or without a valid session, pass through untouched (the handler answers them,
//! 401 included).

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use salesdesk_app::idempotency::{self as idem, Answer, Begin};
use tracing::Instrument;

use crate::AppState;
use crate::error::{ApiError, FieldProblem, Problem};
use crate::i18n::Tr;

/// Set on an answer that is a kept one, sent again.
pub const REPLAYED: &str = "idempotent-replayed";

/// Larger answers are not kept (none of the API's POSTs comes near).
const MAX_KEPT_BODY: usize = 8 * 1024 * 1024;

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(crate::api::doc::IDEMPOTENCY_HEADER) else {
        return next.run(req).await;
    };
    let lang = crate::auth::anonymous_lang(req.headers());
    let key = match raw.to_str() {
        Ok(k) if idem::valid_key(k) => k.to_string(),
        _ => return bad_key(Tr(lang)),
    };
    let Some(token) = crate::auth::token(req.headers()) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let origin = crate::auth::origin(&parts, &s);
    let ctx = match salesdesk_app::auth::authenticate(&s.app, &token, &origin).await {
        Ok(Some(ctx)) => ctx,
        // The handler's own extractor answers 401 (or the error) the usual way.
        Ok(None) | Err(_) => return next.run(Request::from_parts(parts, body)).await,
    };
    let lang = crate::i18n::Lang::from_code(&ctx.locale);
    let limit = s.web.body_limit.max(salesdesk_app::import::MAX_FILE_BYTES);
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return crate::error::problem_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            Tr(lang).t("problem.too_large").to_string(),
            None,
        );
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let fingerprint = idem::fingerprint(parts.method.as_str(), target, &bytes);
    let user = ctx.actor.user_id;
    match idem::begin(&s.app, user, &key, &fingerprint).await {
        Err(e) => ApiError::new(e, lang).into_response(),
        Ok(Begin::Replay(a)) => replay(a),
        Ok(Begin::InProgress) => crate::error::problem_response(
            StatusCode::CONFLICT,
            "idempotency-in-progress",
            Tr(lang).t("problem.idempotency_in_progress").to_string(),
            None,
        ),
        Ok(Begin::Mismatch) => mismatch(Tr(lang)),
        Ok(Begin::Run) => {
            let req = Request::from_parts(parts, Body::from(bytes));
            let app = s.app.clone();
            let run = async move {
                let r = next.run(req).await;
                keep(&app, user, &key, r).await
            };
            // Its own task: dropping this future (timeout, client gone) does not stop it.
            match tokio::spawn(run.in_current_span()).await {
                Ok(r) => r,
                Err(e) => {
                    // The handler panicked; its transaction rolled back. Free the key.
                    tracing::error!(error = %e, "idempotent request failed");
                    ApiError::new(
                        salesdesk_app::AppError::Internal("handler panicked".into()),
                        lang,
                    )
                    .into_response()
                }
            }
        }
    }
}

/// Keeps the handler's answer (or frees the key after a server error) and passes it on.
async fn keep(app: &salesdesk_app::App, user: i64, key: &str, r: Response) -> Response {
    let (parts, body) = r.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_KEPT_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "answer of an idempotent request not readable");
            free(app, user, key).await;
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    if parts.status.is_server_error() {
        free(app, user, key).await;
    } else {
        let answer = Answer {
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: bytes.to_vec(),
        };
        if let Err(e) = idem::finish(app, user, key, answer).await {
            // The write happened; the key stays "running" until abandoned, so a retry is
            // refused (409) rather than run twice.
            tracing::error!(error = %e, "answer of an idempotent request not kept");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn free(app: &salesdesk_app::App, user: i64, key: &str) {
    if let Err(e) = idem::release(app, user, key).await {
        tracing::error!(error = %e, "idempotency key not released");
    }
}

fn replay(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, Bytes::from(a.body)).into_response();
    if let Some(ct) = a.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    r.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    r
}

/// A key that is not 1–255 visible ASCII characters: 400, like any malformed request.
fn bad_key(tr: Tr) -> Response {
    let body = Problem {
        kind: "urn:salesdesk:problem:malformed".into(),
        title: tr.t("problem.malformed").to_string(),
        status: 400,
        detail: None,
        errors: vec![FieldProblem {
            field: crate::api::doc::IDEMPOTENCY_HEADER.into(),
            code: "error.idempotency_key".into(),
            message: tr.t("error.idempotency_key").to_string(),
        }],
        existing_id: None,
        existing_archived: false,
        current_version: None,
        changed: vec![],
        likely_duplicates: vec![],
    };
    crate::error::problem_json(StatusCode::BAD_REQUEST, body)
}

/// The key was used for another request: 422.
fn mismatch(tr: Tr) -> Response {
    crate::error::problem_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-mismatch",
        tr.t("problem.idempotency_mismatch").to_string(),
        None,
    )
}
