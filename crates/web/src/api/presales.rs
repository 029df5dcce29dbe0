//! Pre-sales follow-up calls (S5.2): `GET /presales/calls`, `GET /presales/calls/{id}`,
//! `POST /presales/calls/{id}/record`, a trial's calls (`GET /trials/{id}/presales-calls`), and
//! the administrator's plan (`GET|PUT /settings/presales-plan`).

use axum::Json;
use axum::extract::State;
use salesdesk_app::presales::{self as uc, CallView, RecordInput, View};
use salesdesk_app::{AppError, Page};
use salesdesk_domain::presales::{Plan, StepInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::PageOf;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// One pre-sales call.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDto {
    pub id: i64,
    pub trial_id: i64,
    pub trial_reference: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// Which call of the plan, from 1.
    pub number: i32,
    pub due_on: chrono::NaiveDate,
    /// `missed` (scheduled, due before today), `today`, `upcoming`, `done` or `cancelled`.
    pub due: String,
    /// Days from today; negative when missed.
    pub days: i64,
    /// `scheduled`, `done` or `cancelled` (the trial was lost or converted first).
    pub state: String,
    /// `going`, `issues`, `interested` or `no_answer`.
    pub outcome: Option<String>,
    /// 1–5, when the customer was reached.
    pub satisfaction: Option<i32>,
    pub note: Option<String>,
    /// The contact record the call wrote on the customer.
    pub record_id: Option<i64>,
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
    pub done_by_name: Option<String>,
    /// Why a cancelled call is not made: `trial_lost` or `trial_converted`.
    pub cancel_reason: Option<String>,
    /// The caller may record it now.
    pub can_record: bool,
}

impl From<CallView> for CallDto {
    fn from(c: CallView) -> Self {
        CallDto {
            id: c.id,
            trial_id: c.trial_id,
            trial_reference: c.trial_reference,
            customer_id: c.customer_id,
            customer_name: c.customer_name,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            number: c.number,
            due_on: c.due_on,
            due: serde_json::to_value(c.due)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            days: c.days,
            state: c.state,
            outcome: c.outcome,
            satisfaction: c.satisfaction,
            note: c.note,
            record_id: c.record_id,
            done_at: c.done_at,
            done_by_name: c.done_by_name,
            cancel_reason: c.cancel_reason,
            can_record: c.can_record,
        }
    }
}

/// `?view=&page=&per_page=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallParams {
    /// `mine` (default: the caller's scheduled calls), `scope` (every scheduled call the caller
    /// sees), `missed` (scheduled, due before today, in the caller's scope), `done` (recorded).
    pub view: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Pre-sales calls, visible like their trial's customer. Scheduled ones soonest first,
/// recorded ones latest first. 403 for a caller without a sales scope.
#[utoipa::path(get, path = "/presales/calls", tag = "trials", params(CallParams),
    responses((status = 200, body = PageOf<CallDto>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<CallParams>,
) -> Result<Json<PageOf<CallDto>>, ApiError> {
    let view = match p.view.as_deref().filter(|v| !v.is_empty()) {
        None => View::Mine,
        Some(v) => View::parse(v).ok_or_else(|| {
            ApiError::new(AppError::field("view", "error.invalid_choice"), u.lang)
        })?,
    };
    let r = uc::list(&s.app, &u.ctx, view, Page::new(p.page, p.per_page))
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, CallDto::from)))
}

/// One call.
#[utoipa::path(get, path = "/presales/calls/{id}", tag = "trials",
    params(("id" = i64, Path, description = "The call")),
    responses((status = 200, body = CallDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CallDto>, ApiError> {
    let c = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(c.into()))
}

/// What recording a call sends.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CallRecordBody {
    /// `going`, `issues`, `interested` or `no_answer`.
    #[serde(default)]
    pub outcome: String,
    /// 1–5; required unless `no_answer`.
    pub satisfaction: Option<u8>,
    /// Written as the contact record's summary (at most 2000 characters); a sentence is made
    /// when absent.
    #[serde(default)]
    pub note: String,
}

/// Record a call: outcome, satisfaction, a contact record on the customer. 409 when it was
/// recorded already; 403 for someone who sees it but may not work on the trial. Audited as
/// `presales.record`.
#[utoipa::path(post, path = "/presales/calls/{id}/record", tag = "trials",
    params(("id" = i64, Path, description = "The call")), request_body = CallRecordBody,
    responses((status = 200, body = CallDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CallRecordBody>,
) -> Result<Json<CallDto>, ApiError> {
    let input = RecordInput {
        outcome: b.outcome,
        satisfaction: b.satisfaction.map(|v| v.to_string()).unwrap_or_default(),
        note: b.note,
    };
    let c = uc::record(&s.app, &u.ctx, id, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(c.into()))
}

/// A trial's pre-sales calls, in plan order.
#[utoipa::path(get, path = "/trials/{id}/presales-calls", tag = "trials",
    params(("id" = i64, Path, description = "The trial application")),
    responses((status = 200, body = Vec<CallDto>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn for_trial(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CallDto>>, ApiError> {
    let v = uc::for_trial(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(v.into_iter().map(CallDto::from).collect()))
}

/// One step of the plan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StepDto {
    /// `start` (trial day N, the start date being day 1) or `end` (N days after the end).
    pub from: String,
    /// 1–365.
    pub days: u32,
    /// Counted in working days of the business calendar (else calendar days, a day off moving
    /// to the next working day).
    pub working: bool,
}

/// The pre-sales call plan: at most 8 steps, none twice.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanDto {
    pub steps: Vec<StepDto>,
}

impl From<Plan> for PlanDto {
    fn from(p: Plan) -> Self {
        PlanDto {
            steps: p
                .steps
                .into_iter()
                .map(|s| StepDto {
                    from: s.from.as_str().into(),
                    days: s.days,
                    working: s.working,
                })
                .collect(),
        }
    }
}

/// The pre-sales call plan (administrators).
#[utoipa::path(get, path = "/settings/presales-plan", tag = "settings",
    responses((status = 200, body = PlanDto), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn get_plan(State(s): State<AppState>, u: ApiUser) -> Result<Json<PlanDto>, ApiError> {
    let p = uc::plan_for_admin(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(p.into()))
}

/// Replace the plan (the whole object). Trials already running keep their calls. Audited as
/// `setting.update`. Field errors name `steps[i].from`, `steps[i].days` or `steps`.
#[utoipa::path(put, path = "/settings/presales-plan", tag = "settings", request_body = PlanDto,
    responses((status = 200, body = PlanDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<PlanDto>,
) -> Result<Json<PlanDto>, ApiError> {
    let steps: Vec<StepInput> = b
        .steps
        .into_iter()
        .map(|s| StepInput {
            from: s.from,
            days: s.days.to_string(),
            working: s.working,
        })
        .collect();
    let p = uc::put_plan(&s.app, &u.ctx, &steps)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(p.into()))
}
