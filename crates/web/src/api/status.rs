//! Status change requests: `/customers/{id}/status-requests`, `/status-requests`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::status::{self as uc, RequestInput, StatusRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusRequestDto {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    #[schema(schema_with = super::codes::customer_status)]
    pub from_status: String,
    #[schema(schema_with = super::codes::customer_status)]
    pub to_status: String,
    pub need: Option<String>,
    pub budget: Option<String>,
    pub timeline: Option<String>,
    pub negotiation: Option<String>,
    #[schema(schema_with = super::codes::invalid_reason_or_null)]
    pub invalid_reason: Option<String>,
    pub note: Option<String>,
    pub requested_by: i64,
    pub requested_by_name: String,
    /// `pending`, `approved` or `rejected`.
    #[schema(schema_with = super::codes::request_state)]
    pub state: String,
    pub decided_by_name: Option<String>,
    pub decision_comment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the caller may approve or reject it now.
    pub can_decide: bool,
}

impl From<StatusRequest> for StatusRequestDto {
    fn from(r: StatusRequest) -> Self {
        StatusRequestDto {
            id: r.id,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            from_status: r.from_status.as_str().into(),
            to_status: r.to_status.as_str().into(),
            need: r.need,
            budget: r.budget,
            timeline: r.timeline,
            negotiation: r.negotiation,
            invalid_reason: r.invalid_reason.map(|x| x.as_str().to_string()),
            note: r.note,
            requested_by: r.requested_by,
            requested_by_name: r.requested_by_name,
            state: r.state,
            decided_by_name: r.decided_by_name,
            decision_comment: r.decision_comment,
            created_at: r.created_at,
            decided_at: r.decided_at,
            can_decide: r.can_decide,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewStatusRequest {
    /// The status asked for: `basic`, `potential`, `signed`, `invalid` or `lead`.
    #[schema(schema_with = super::codes::customer_status)]
    pub to_status: String,
    /// Required for `basic`: the customer's need.
    #[serde(default)]
    pub need: String,
    /// Required for `basic`: the budget.
    #[serde(default)]
    pub budget: String,
    /// Required for `basic`: when they plan to buy.
    #[serde(default)]
    pub timeline: String,
    /// Required for `potential`: where the commercial negotiation stands.
    #[serde(default)]
    pub negotiation: String,
    /// Required for `invalid`: `no_need`, `no_budget`, `unreachable`, `duplicate`, `competitor`,
    /// `closed` or `other`.
    #[serde(default)]
    pub invalid_reason: String,
    #[serde(default)]
    pub note: String,
}

/// Ask for a customer's status to change, with the evidence the rulebook requires. The status
/// changes only when a manager approves.
#[utoipa::path(post, path = "/customers/{id}/status-requests", tag = "customers", request_body = NewStatusRequest,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 201, body = StatusRequestDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewStatusRequest>,
) -> Result<(StatusCode, Json<StatusRequestDto>), ApiError> {
    let input = RequestInput {
        to_status: b.to_status,
        need: b.need,
        budget: b.budget,
        timeline: b.timeline,
        negotiation: b.negotiation,
        invalid_reason: b.invalid_reason,
        note: b.note,
    };
    let r = uc::request(&s.app, &u.ctx, id, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// A customer's status requests, newest first: its status history with evidence and decisions.
#[utoipa::path(get, path = "/customers/{id}/status-requests", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = Vec<StatusRequestDto>), (status = 404, body = Problem)))]
pub async fn history(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<StatusRequestDto>>, ApiError> {
    let list = uc::history(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The caller's approval queue: pending requests they may decide, oldest first.
#[utoipa::path(get, path = "/status-requests", tag = "customers",
    responses((status = 200, body = Vec<StatusRequestDto>)))]
pub async fn queue(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<Vec<StatusRequestDto>>, ApiError> {
    let list = uc::queue(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    pub approve: bool,
    /// Required when rejecting.
    #[serde(default)]
    pub comment: String,
}

/// Approve or reject a pending request (the requester's manager, their region's manager, the
/// director or the VP).
#[utoipa::path(post, path = "/status-requests/{id}/decision", tag = "customers", request_body = Decision,
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = StatusRequestDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<Decision>,
) -> Result<Json<StatusRequestDto>, ApiError> {
    let r = uc::decide(&s.app, &u.ctx, id, b.approve, &b.comment)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}
