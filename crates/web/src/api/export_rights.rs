//! `/settings/export-rights`: who may export customers, per position (administrators only).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use salesdesk_app::export_rights;
use salesdesk_domain::ExportRights;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, Problem};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportRightsDto {
    /// The right of each position (`sales_vp`, `sales_director`, `regional_manager`,
    /// `eoffice_manager`, `account_manager`, `sales_rep`, `consultant`, `eoffice_rep`,
    /// `sales_assistant`, `telesales`): `none` (no export), `own` (the customers they own) or
    /// `scope` (everything they see). A position left out of a PUT gets its default: `scope`
    /// for the four managers, `own` for everyone else.
    #[schema(value_type = Object, example = json!({"sales_vp": "scope", "telesales": "own"}))]
    pub rights: BTreeMap<String, String>,
}

impl From<ExportRights> for ExportRightsDto {
    fn from(r: ExportRights) -> Self {
        ExportRightsDto {
            rights: r
                .0
                .iter()
                .map(|(p, r)| (p.as_str().to_string(), r.as_str().to_string()))
                .collect(),
        }
    }
}

/// Who may export customers (administrators only).
#[utoipa::path(get, path = "/settings/export-rights", tag = "settings",
    responses((status = 200, body = ExportRightsDto), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_export_rights(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<ExportRightsDto>, ApiError> {
    let r = export_rights::for_admin(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}

/// Replace who may export customers (administrators only; audited).
#[utoipa::path(put, path = "/settings/export-rights", tag = "settings", request_body = ExportRightsDto,
    responses((status = 200, body = ExportRightsDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_export_rights(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ExportRightsDto>,
) -> Result<Json<ExportRightsDto>, ApiError> {
    let pairs: Vec<(String, String)> = b.rights.into_iter().collect();
    let r = export_rights::put(&s.app, &u.ctx, &pairs)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}
