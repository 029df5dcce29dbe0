//! `/regions`: regions and branch offices.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::org::{self as uc, Region, RegionInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDto {
    pub id: i64,
    /// Chinese name (华东大区).
    pub name: String,
    /// English name (East China).
    pub name_en: String,
    /// `region` or `branch`.
    #[schema(schema_with = super::codes::region_kind)]
    pub kind: String,
    /// For a branch: the region it belongs to.
    pub parent_id: Option<i64>,
    pub active: bool,
}

impl From<Region> for RegionDto {
    fn from(r: Region) -> Self {
        RegionDto {
            id: r.id,
            name: r.name,
            name_en: r.name_en,
            kind: r.kind.as_str().into(),
            parent_id: r.parent_id,
            active: r.active,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegionBody {
    pub name: String,
    pub name_en: String,
    /// `region` or `branch`.
    #[schema(schema_with = super::codes::region_kind)]
    pub kind: String,
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl From<RegionBody> for RegionInput {
    fn from(b: RegionBody) -> Self {
        RegionInput {
            name: b.name,
            name_en: b.name_en,
            kind: b.kind,
            parent_id: b.parent_id,
            active: b.active,
        }
    }
}

/// All regions and branches (a short list: not paginated beyond one page).
#[utoipa::path(get, path = "/regions", tag = "organisation",
    responses((status = 200, body = Vec<RegionDto>), (status = 401, body = Problem)))]
pub async fn list(State(s): State<AppState>, u: ApiUser) -> Result<Json<Vec<RegionDto>>, ApiError> {
    let r = uc::list(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.iter().cloned().map(RegionDto::from).collect()))
}

#[utoipa::path(get, path = "/regions/{id}", tag = "organisation",
    params(("id" = i64, Path, description = "region id")),
    responses((status = 200, body = RegionDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RegionDto>, ApiError> {
    let r = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}

/// Create a region or branch (administrators and the VP).
#[utoipa::path(post, path = "/regions", tag = "organisation", request_body = RegionBody,
    responses((status = 201, body = RegionDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<RegionBody>,
) -> Result<(StatusCode, Json<RegionDto>), ApiError> {
    let r = uc::create(&s.app, &u.ctx, &b.into())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Replace a region's fields (administrators and the VP).
#[utoipa::path(patch, path = "/regions/{id}", tag = "organisation", request_body = RegionBody,
    params(("id" = i64, Path, description = "region id")),
    responses((status = 200, body = RegionDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RegionBody>,
) -> Result<Json<RegionDto>, ApiError> {
    let r = uc::update(&s.app, &u.ctx, id, &b.into())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}
