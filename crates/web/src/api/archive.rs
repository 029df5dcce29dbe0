//! Archiving customers and the recycle bin (issue 10, point 4): `POST /customers/{id}/archive`,
//! `GET /customers/archived`, `POST /customers/{id}/restore`. The rules are in `app::archive`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::archive as uc;

use super::customers::CustomerDto;
use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// Why a customer is archived.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ArchiveBody {
    /// Optional, at most 200 characters; shown in the recycle bin and kept in the audit log.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: String,
}

/// An archived customer in the recycle bin.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ArchivedDto {
    pub customer: CustomerDto,
    /// When it was archived (UTC).
    pub archived_at: chrono::DateTime<chrono::Utc>,
    /// Who archived it (a person id), and their name.
    pub archived_by: Option<i64>,
    pub archived_by_name: Option<String>,
    pub reason: Option<String>,
    /// From this time on it may be deleted for good (archived + the `archive_retention_days`
    /// setting); until then it can be restored.
    pub purge_after: chrono::DateTime<chrono::Utc>,
}

/// Archive a customer: it leaves every list, search, count, the pool and the follow-ups, keeps
/// its contacts and records, and can be restored by a manager until the retention runs out.
/// Managers of its scope and its own account manager may; 409 (`customer`) when it has a
/// pending status request or is archived already.
#[utoipa::path(post, path = "/customers/{id}/archive", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    request_body = ArchiveBody,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn archive(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ArchiveBody>,
) -> Result<StatusCode, ApiError> {
    uc::archive(&s.app, &u.ctx, id, &b.reason)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The recycle bin: archived customers of the caller's scope, most recently archived first
/// (managers only).
#[utoipa::path(get, path = "/customers/archived", tag = "customers", params(PageParams),
    responses((status = 200, body = PageOf<ArchivedDto>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn bin(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<PageOf<ArchivedDto>>, ApiError> {
    let r = uc::bin(&s.app, &u.ctx, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, |a| ArchivedDto {
        customer: CustomerDto::from(&a.customer),
        archived_at: a.archived_at,
        archived_by: a.archived_by,
        archived_by_name: a.archived_by_name,
        reason: a.reason,
        purge_after: a.purge_after,
    })))
}

/// Restore an archived customer of the caller's scope (managers only): it is back in every list
/// as it was. 409 (`customer`) when it is not archived (restored meanwhile); 404 once purged.
#[utoipa::path(post, path = "/customers/{id}/restore", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = CustomerDto), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn restore(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CustomerDto>, ApiError> {
    let c = uc::restore(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&c).into()))
}
