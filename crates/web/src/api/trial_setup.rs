//! What trial applications are routed by (issue 12): `/products`, `/region-routes` (province or
//! city → region) and `/intake-keys` (the company website's keys to the intake API).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::intake_keys::{self, IntakeKey};
use salesdesk_app::products::{self, Product, ProductInput, ProductPatch};
use salesdesk_app::routing::{self, Applied, Mapping};
use salesdesk_app::{AppError, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// One page of a list held in memory (the short set-up lists), in its order.
fn page_of<T, D>(all: &[T], page: Page, f: impl FnMut(&T) -> D) -> PageOf<D> {
    PageOf {
        items: all
            .iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(page.size).unwrap_or(usize::MAX))
            .map(f)
            .collect(),
        total: all.len() as u64,
        total_exact: true,
        page: page.number,
        per_page: page.size,
    }
}

// ---- products ------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDto {
    pub id: i64,
    /// What applications, deals and contracts store; never changes.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Display order (ascending).
    pub position: i32,
    /// Inactive products are kept for the records that name them but not offered any more.
    pub active: bool,
}

impl From<&Product> for ProductDto {
    fn from(p: &Product) -> Self {
        ProductDto {
            id: p.id,
            code: p.code.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            position: p.position,
            active: p.active,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductParams {
    /// Only active (`true`) or only inactive (`false`) products.
    pub active: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The products the company sells, in display order (anyone signed in).
#[utoipa::path(get, path = "/products", tag = "settings", params(ProductParams),
    responses((status = 200, body = PageOf<ProductDto>), (status = 401, body = Problem)))]
pub async fn list_products(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<ProductParams>,
) -> Result<Json<PageOf<ProductDto>>, ApiError> {
    let all = products::list(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let wanted: Vec<Product> = all
        .iter()
        .filter(|p| q.active.is_none_or(|a| p.active == a))
        .cloned()
        .collect();
    let page = PageParams {
        page: q.page,
        per_page: q.per_page,
    }
    .page();
    Ok(Json(page_of(&wanted, page, |p| ProductDto::from(p))))
}

/// One product (anyone signed in).
#[utoipa::path(get, path = "/products/{id}", tag = "settings",
    params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ProductDto), (status = 404, body = Problem)))]
pub async fn get_product(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProductDto>, ApiError> {
    let p = products::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&p).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProduct {
    /// 1–32 lower-case letters, digits, `_` and `-`; unique; never changes.
    pub code: String,
    /// Chinese name, at most 60 characters, unique.
    pub name_zh: String,
    /// English name, at most 120 characters, unique.
    pub name_en: String,
    /// Display position (default: after the last one).
    #[serde(default)]
    pub position: Option<i32>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Add a product (administrators only).
#[utoipa::path(post, path = "/products", tag = "settings", request_body = NewProduct,
    responses((status = 201, body = ProductDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_product(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewProduct>,
) -> Result<(StatusCode, Json<ProductDto>), ApiError> {
    let input = ProductInput {
        code: b.code,
        name_zh: b.name_zh,
        name_en: b.name_en,
        position: b.position,
        active: b.active,
    };
    let p = products::create(&s.app, &u.ctx, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json((&p).into())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProductChange {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub position: Option<i32>,
    /// `false` deactivates: no longer offered; records that name it keep it.
    pub active: Option<bool>,
}

/// Rename, reorder, deactivate or reactivate a product; absent fields keep their value
/// (administrators only). Products are never deleted.
#[utoipa::path(patch, path = "/products/{id}", tag = "settings", request_body = ProductChange,
    params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ProductDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_product(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProductChange>,
) -> Result<Json<ProductDto>, ApiError> {
    let p = ProductPatch {
        name_zh: b.name_zh,
        name_en: b.name_en,
        position: b.position,
        active: b.active,
    };
    let p = products::patch(&s.app, &u.ctx, id, &p)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&p).into()))
}

// ---- province/city → region ----------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionRouteDto {
    /// GB/T 2260 code of the provincial-level division (`440000`).
    pub province_code: String,
    /// A city whose applications go elsewhere than its province's (`440300`), or null for the
    /// province's own row.
    pub city_code: Option<String>,
    /// The region or branch office applications from there go to.
    pub region_id: i64,
    pub updated_by: Option<i64>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&Mapping> for RegionRouteDto {
    fn from(m: &Mapping) -> Self {
        RegionRouteDto {
            province_code: m.province_code.clone(),
            city_code: m.city_code.clone(),
            region_id: m.region_id,
            updated_by: m.updated_by,
            updated_at: m.updated_at,
        }
    }
}

/// The province/city → region table, by province then city (anyone signed in). A province
/// missing here sends its applications to the director's queue.
#[utoipa::path(get, path = "/region-routes", tag = "settings", params(PageParams),
    responses((status = 200, body = PageOf<RegionRouteDto>), (status = 401, body = Problem)))]
pub async fn list_routes(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<PageOf<RegionRouteDto>>, ApiError> {
    let all = routing::list(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(page_of(&all, p.page(), |m| RegionRouteDto::from(m))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegionRouteBody {
    /// The region or branch office (active) to send the place's applications to.
    pub region_id: i64,
}

/// The place of a path: a province code or a city code; anything else is not found.
fn place(code: &str, u: &ApiUser) -> Result<(String, String), ApiError> {
    routing::split_place(code).ok_or_else(|| ApiError::new(AppError::NotFound, u.lang))
}

/// Send a province (its code) or a city (its code: an override of its province) to a region
/// (administrators only). Replaces what was there.
#[utoipa::path(put, path = "/region-routes/{place}", tag = "settings", request_body = RegionRouteBody,
    params(("place" = String, Path, description = "GB/T 2260 code of a province (`440000`) or a city (`440300`)")),
    responses((status = 200, body = RegionRouteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_route(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<RegionRouteBody>,
) -> Result<Json<RegionRouteDto>, ApiError> {
    let (p, c) = place(&code, &u)?;
    let m = routing::set(&s.app, &u.ctx, &p, &c, b.region_id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&m).into()))
}

/// Remove a place's row (administrators only): a city then follows its province; a province's
/// applications go to the director's queue.
#[utoipa::path(delete, path = "/region-routes/{place}", tag = "settings",
    params(("place" = String, Path, description = "GB/T 2260 code of a province or a city")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_route(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let (p, c) = place(&code, &u)?;
    routing::remove(&s.app, &u.ctx, &p, &c)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedDto {
    /// Provinces mapped by this call.
    pub mapped: Vec<String>,
    /// Provinces left unmapped: no active region's name matches their area.
    pub unmatched: Vec<String>,
}

impl From<Applied> for AppliedDto {
    fn from(a: Applied) -> Self {
        AppliedDto {
            mapped: a.mapped,
            unmatched: a.unmatched,
        }
    }
}

/// Map every province that has no row by the default areas (华北 North, 华东 East, 华南 South,
/// 西南 Southwest, 华中 Central): each goes to the active region whose name starts with its
/// area's name. Rows already there are kept (administrators only).
#[utoipa::path(post, path = "/region-routes/defaults", tag = "settings",
    responses((status = 200, body = AppliedDto), (status = 403, body = Problem)))]
pub async fn apply_defaults(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<AppliedDto>, ApiError> {
    let a = routing::apply_defaults(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(a.into()))
}

// ---- intake keys ---------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeKeyDto {
    pub id: i64,
    pub name: String,
    /// The secret's first characters, to tell keys apart (never the secret).
    pub prefix: String,
    pub created_by: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_by: Option<i64>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Accepted applications and other uses of the key.
    pub use_count: i64,
}

impl From<&IntakeKey> for IntakeKeyDto {
    fn from(k: &IntakeKey) -> Self {
        IntakeKeyDto {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_by: k.created_by,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
            revoked_by: k.revoked_by,
            last_used_at: k.last_used_at,
            use_count: k.use_count,
        }
    }
}

/// Intake keys, newest first, live and revoked (administrators only).
#[utoipa::path(get, path = "/intake-keys", tag = "settings", params(PageParams),
    responses((status = 200, body = PageOf<IntakeKeyDto>), (status = 403, body = Problem)))]
pub async fn list_keys(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<PageOf<IntakeKeyDto>>, ApiError> {
    let r = intake_keys::list(&s.app, &u.ctx, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::of(&r, |k| IntakeKeyDto::from(k))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntakeKeyBody {
    /// What the key is for ("官网", "Partner portal"), at most 60 characters.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKeyDto {
    pub key: IntakeKeyDto,
    /// The secret, shown this once: only its hash is stored. Send it as
    /// `Authorization: Bearer <secret>` with each application.
    pub secret: String,
}

/// Issue a key (administrators only). The answer is the only time the secret is shown.
#[utoipa::path(post, path = "/intake-keys", tag = "settings", request_body = IntakeKeyBody,
    responses((status = 201, body = IssuedKeyDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_key(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<IntakeKeyBody>,
) -> Result<(StatusCode, Json<IssuedKeyDto>), ApiError> {
    let k = intake_keys::issue(&s.app, &u.ctx, &b.name)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKeyDto {
            key: (&k.key).into(),
            secret: k.secret,
        }),
    ))
}

/// Rename a key (administrators only).
#[utoipa::path(patch, path = "/intake-keys/{id}", tag = "settings", request_body = IntakeKeyBody,
    params(("id" = i64, Path, description = "key id")),
    responses((status = 200, body = IntakeKeyDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn rename_key(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<IntakeKeyBody>,
) -> Result<Json<IntakeKeyDto>, ApiError> {
    let k = intake_keys::rename(&s.app, &u.ctx, id, &b.name)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&k).into()))
}

/// Revoke a key: applications sent with it are refused from now on (administrators only;
/// 409 when it is revoked already).
#[utoipa::path(post, path = "/intake-keys/{id}/revoke", tag = "settings",
    params(("id" = i64, Path, description = "key id")),
    responses((status = 200, body = IntakeKeyDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke_key(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<IntakeKeyDto>, ApiError> {
    let k = intake_keys::revoke(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&k).into()))
}
