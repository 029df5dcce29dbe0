//! The public pool (公海): `/pool`, `/customers/{id}/release`, `/customers/{id}/claim`.
//! Answers 422 (`pool`) while the administrator has the pool switched off.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::pool as uc;

use super::customers::CustomerDto;
use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// Customers waiting in the pool of the caller's region (every region's for the director and
/// VP), longest waiting first.
#[utoipa::path(get, path = "/pool", tag = "pool", params(PageParams),
    responses((status = 200, body = PageOf<CustomerDto>), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<PageOf<CustomerDto>>, ApiError> {
    let r = uc::list(&s.app, &u.ctx, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, |c| CustomerDto::from(&c))))
}

/// Why a customer goes back to the pool.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct ReleaseBody {
    /// Code of an active entry of the `release_reason` list (`GET /choices`), kept in the owner
    /// history: `no_need`, `unreachable`, `competitor`, `no_budget`, `out_of_scope`, `closed`,
    /// `other` by default. Required (422 `reason_code` when missing or unknown).
    #[serde(default)]
    pub reason_code: String,
}

/// Give a customer back to its region's pool (its owner, or a manager over them), with the
/// reason; 422 (`reason_code`) without a known reason.
#[utoipa::path(post, path = "/customers/{id}/release", tag = "pool",
    params(("id" = i64, Path, description = "customer id")),
    request_body = ReleaseBody,
    responses((status = 204), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn release(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReleaseBody>,
) -> Result<StatusCode, ApiError> {
    uc::release(&s.app, &u.ctx, id, &b.reason_code)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a customer from the pool of one's region (limited per person per day).
#[utoipa::path(post, path = "/customers/{id}/claim", tag = "pool",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = CustomerDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn claim(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CustomerDto>, ApiError> {
    let c = uc::claim(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&c).into()))
}
