//! `GET /login-throttles` and `DELETE /login-throttles/{id}`: the login back-off counters that
//! matter now, and clearing one (administrators and the VP, who manage people).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiPath, ApiQuery, Problem};

/// One login back-off counter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThrottleDto {
    pub id: i64,
    /// `account` (a login as typed, whether or not such a person exists), `address` (a client
    /// address) or `device` (a known device of `person_id`).
    pub kind: String,
    /// The login or the address; for a device, its id.
    pub key: String,
    /// For a device: whose it is.
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    /// Failed logins in a row (forgotten after a quiet while, or a success).
    pub failures: i32,
    pub last_attempt_at: chrono::DateTime<chrono::Utc>,
    /// The next attempt must wait until then; absent when it may be made now.
    pub blocked_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Login throttles with failures not yet forgotten, the most recent attempt first.
#[utoipa::path(get, path = "/login-throttles", tag = "sessions", params(PageParams),
    responses((status = 200, body = PageOf<ThrottleDto>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<PageOf<ThrottleDto>>, ApiError> {
    let r = salesdesk_app::throttles::list(&s.app, &u.ctx, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, |t| ThrottleDto {
        id: t.id,
        kind: t.kind,
        key: t.key,
        person_id: t.person.as_ref().map(|p| p.0),
        person_name: t.person.map(|p| p.1),
        failures: t.failures,
        last_attempt_at: t.last_attempt_at,
        blocked_until: t.blocked_until,
    })))
}

/// Clear a login throttle: its failures are forgotten and the next attempt may be made at once.
/// Audited as `login_throttle.clear`.
#[utoipa::path(delete, path = "/login-throttles/{id}", tag = "sessions",
    params(("id" = i64, Path, description = "throttle id")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn clear(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::throttles::clear(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
