//! `POST /sessions` (log in, get a bearer token) and `DELETE /sessions/current` (log out).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use salesdesk_app::auth::{self, SessionKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::people::PersonDto;
use crate::AppState;
use crate::auth::{ApiUser, ClientOrigin};
use crate::error::{ApiError, ApiJson, Problem};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub person: PersonDto,
}

/// Log in with login and password; returns a bearer token.
///
/// The answer also sets the known-device cookie `sd_device`: a later login that sends it back
/// for the same person is not held back by the login's or the address's back-off.
#[utoipa::path(post, path = "/sessions", tag = "sessions", security(()),
    request_body = LoginRequest,
    responses(
        (status = 201, body = SessionCreated),
        (status = 401, description = "wrong login or password", body = Problem),
        (status = 422, description = "missing field", body = Problem),
        (status = 429, description = "too many failed logins for this login, address or device: \
            wait `Retry-After` seconds (the same answer whether or not the login exists)",
            body = Problem, headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn create(
    State(s): State<AppState>,
    ClientOrigin(origin, lang): ClientOrigin,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let done = auth::login(&s.app, &req.login, &req.password, SessionKind::Api, &origin)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let device = done
        .device_token
        .as_deref()
        .and_then(|d| crate::auth::device_cookie(&s, d));
    let lang = crate::i18n::Lang::from_code(&done.ctx.locale);
    let person = salesdesk_app::people::get(&s.app, &done.ctx, done.ctx.actor.user_id)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let mut r = (
        StatusCode::CREATED,
        Json(SessionCreated {
            token: done.token,
            expires_at: done.expires_at,
            person: PersonDto::from(person),
        }),
    )
        .into_response();
    if let Some(v) = device {
        r.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(r)
}

/// Log out: the token stops working.
#[utoipa::path(delete, path = "/sessions/current", tag = "sessions",
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn delete_current(State(s): State<AppState>, u: ApiUser) -> Result<StatusCode, ApiError> {
    auth::logout(&s.app, &u.ctx, &u.token)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
