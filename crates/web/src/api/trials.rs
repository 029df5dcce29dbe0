//! Trial applications (issue 12): the website's intake `POST /intake/trials` (an intake key, no
//! person), and for signed-in people `GET /trials`, `GET /trials/{id}`, its history, the
//! lifecycle steps `POST /trials/{id}/steps`, `POST /trials/{id}/reassign`, and the
//! administrator's `GET/PUT /settings/trials`. The rules are in `app::trials`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use salesdesk_app::trials::{self as uc, StepInput, TrialQuery, TrialSettings, View};
use salesdesk_domain::trial::intake::IntakeInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::{ApiUser, ClientOrigin};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// An application as the company website sends it. Every field is plain text (markup is
/// refused), at most: company 100, contact name 50, message 2000 characters.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IntakeBody {
    /// The company's full name (required).
    #[serde(default)]
    pub company: String,
    /// Unified social credit code (统一社会信用代码), optional; checked when given.
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub contact_name: String,
    /// A mainland mobile number (required).
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub email: String,
    /// GB/T 2260 code or exact name of the province (required), e.g. `330000` or `浙江省`.
    #[serde(default)]
    pub province: String,
    /// Code or exact name of a city of that province.
    #[serde(default)]
    pub city: String,
    /// The code of an active product of the administrator's list.
    #[serde(default)]
    pub product: String,
    /// Number of users, 1–1,000,000.
    #[serde(default)]
    pub users: Option<i64>,
    #[serde(default)]
    pub message: String,
    /// Leave empty: a honeypot. An application with it filled is answered as usual and dropped.
    #[serde(default)]
    pub website: String,
}

impl IntakeBody {
    fn input(self) -> IntakeInput {
        IntakeInput {
            company: self.company,
            uscc: self.uscc,
            contact_name: self.contact_name,
            mobile: self.mobile,
            email: self.email,
            province: self.province,
            city: self.city,
            product: self.product,
            users: self.users.map(|n| n.to_string()).unwrap_or_default(),
            message: self.message,
            website: self.website,
        }
    }
}

/// What the applicant is told.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptDto {
    /// `TA-20261130-0042`: quote it when calling.
    pub reference: String,
    /// True when it was counted into the applicant's open application (same company and
    /// product within the fold window) rather than a new one.
    pub folded: bool,
    /// The applicant will be contacted by then at the latest (the working-hours time limit).
    pub contact_by: chrono::DateTime<chrono::Utc>,
}

/// The intake key a request carries: `Authorization: Bearer <key>` or `X-Intake-Key: <key>`.
pub(crate) fn intake_key(headers: &HeaderMap) -> Option<String> {
    if let Some(k) = headers.get("x-intake-key").and_then(|v| v.to_str().ok()) {
        return Some(k.trim().to_string());
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| k.trim().to_string())
}

/// Submit a trial application from the company website, authenticated by an intake key the
/// administrator issued (`Authorization: Bearer <key>` or `X-Intake-Key`). The applicant is
/// matched to an existing customer or becomes a new lead, routed, and given a reference; 401
/// for a missing, unknown or revoked key; 422 naming each bad field; 429 with `Retry-After`
/// when the key sent too many.
#[utoipa::path(post, path = "/intake/trials", tag = "trials", security(("intake_key" = [])),
    request_body = IntakeBody,
    responses(
        (status = 201, body = ReceiptDto),
        (status = 401, description = "no valid intake key", body = Problem),
        (status = 422, body = Problem),
        (status = 429, description = "too many applications from this key: wait `Retry-After` seconds",
            body = Problem, headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn intake(
    State(s): State<AppState>,
    ClientOrigin(origin, lang): ClientOrigin,
    headers: HeaderMap,
    ApiJson(b): ApiJson<IntakeBody>,
) -> Result<(StatusCode, Json<ReceiptDto>), ApiError> {
    let key = match intake_key(&headers) {
        Some(k) if !k.is_empty() => uc::authenticate_key(&s.app, &k)
            .await
            .map_err(|e| ApiError::new(e, lang))?,
        _ => None,
    };
    let Some(key_id) = key else {
        return Err(ApiError::new(
            salesdesk_app::AppError::Unauthenticated,
            lang,
        ));
    };
    let src = uc::Source {
        channel: "api",
        key_id: Some(key_id),
        ip: origin.ip.clone(),
        request_id: origin.request_id.clone(),
    };
    let r = uc::intake(&s.app, &src, &b.input())
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok((
        StatusCode::CREATED,
        Json(ReceiptDto {
            reference: r.reference,
            folded: r.folded,
            contact_by: r.contact_by,
        }),
    ))
}

/// A trial application.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrialDto {
    pub id: i64,
    pub reference: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub contact_id: Option<i64>,
    pub product_code: String,
    /// `new`, `contacted`, `running`, `ended`, `converted`, `lost`.
    pub state: String,
    pub company: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub province_code: String,
    pub city_code: Option<String>,
    pub users: Option<i64>,
    pub message: Option<String>,
    /// How many applications were folded into this one (1: just the first).
    pub applications: i32,
    /// `form` (the public page) or `api`.
    pub channel: String,
    /// How the customer was found: `uscc`, `name`, `mobile`, `email`, or `new` (a new lead).
    pub matched_by: String,
    /// Likely duplicates of a new lead, recorded for a manager to look at.
    #[schema(value_type = Option<Object>)]
    pub suspicion: Option<serde_json::Value>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region_id: Option<i64>,
    /// Why it went to its owner: `existing_owner`, the routing's reason, or `director_queue`.
    pub route_reason: String,
    pub arrived_at: chrono::DateTime<chrono::Utc>,
    pub last_applied_at: chrono::DateTime<chrono::Utc>,
    /// The first contact is due by then (working hours on the business calendar).
    pub first_contact_due_at: chrono::DateTime<chrono::Utc>,
    pub first_contact_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reminded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the escalation marked it overdue.
    pub overdue_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `open`, `overdue`, `met`, `met_late`.
    pub due_state: String,
    /// On `GET /trials/{id}`: working minutes left to the limit (negative: overdue by).
    pub due_in_minutes: Option<i64>,
    pub trial_start: Option<chrono::NaiveDate>,
    pub trial_end: Option<chrono::NaiveDate>,
    pub edition: Option<String>,
    pub licence_note: Option<String>,
    pub lost_reason: Option<String>,
    pub competitor: Option<String>,
    pub outcome_note: Option<String>,
    /// The customer's status request a conversion created.
    pub status_request_id: Option<i64>,
    pub version: i32,
    /// The steps the caller may take now (`contact`, `start`, `end`, `convert`, `lose`).
    pub actions: Vec<String>,
    pub can_reassign: bool,
}

impl From<uc::Trial> for TrialDto {
    fn from(t: uc::Trial) -> Self {
        TrialDto {
            id: t.id,
            reference: t.reference,
            customer_id: t.customer_id,
            customer_name: t.customer_name,
            contact_id: t.contact_id,
            product_code: t.product_code,
            state: t.state,
            company: t.company,
            uscc: t.uscc,
            contact_name: t.contact_name,
            mobile: t.mobile,
            email: t.email,
            province_code: t.province_code,
            city_code: t.city_code,
            users: t.users,
            message: t.message,
            applications: t.applications,
            channel: t.channel,
            matched_by: t.matched_by,
            suspicion: t.suspicion,
            owner_id: t.owner_id,
            owner_name: t.owner_name,
            region_id: t.region_id,
            route_reason: t.route_reason,
            arrived_at: t.arrived_at,
            last_applied_at: t.last_applied_at,
            first_contact_due_at: t.first_contact_due_at,
            first_contact_at: t.first_contact_at,
            reminded_at: t.reminded_at,
            overdue_at: t.overdue_at,
            due_state: t.due_state,
            due_in_minutes: t.due_in_minutes,
            trial_start: t.trial_start,
            trial_end: t.trial_end,
            edition: t.edition,
            licence_note: t.licence_note,
            lost_reason: t.lost_reason,
            competitor: t.competitor,
            outcome_note: t.outcome_note,
            status_request_id: t.status_request_id,
            version: t.version,
            actions: t.actions,
            can_reassign: t.can_reassign,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrialParams {
    /// `mine` (default), `scope` (everything the caller sees), `queue` (the director's queue:
    /// nobody owns them), `overdue` (not contacted within the limit).
    pub view: Option<String>,
    /// One state.
    pub state: Option<String>,
    /// A product code.
    pub product: Option<String>,
    pub region_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Trial applications the caller sees (like their customers), newest first.
#[utoipa::path(get, path = "/trials", tag = "trials", params(TrialParams),
    responses((status = 200, body = PageOf<TrialDto>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<TrialParams>,
) -> Result<Json<PageOf<TrialDto>>, ApiError> {
    let view = match p.view.as_deref() {
        None | Some("") => View::Mine,
        Some(v) => View::parse(v).ok_or_else(|| {
            ApiError::new(
                salesdesk_app::AppError::field("view", "error.invalid_choice"),
                u.lang,
            )
        })?,
    };
    let q = TrialQuery {
        view,
        state: p.state,
        product: p.product,
        region_id: p.region_id,
    };
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = uc::list(&s.app, &u.ctx, &q, page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, TrialDto::from)))
}

/// One trial application, with the working time left to its first-contact limit.
#[utoipa::path(get, path = "/trials/{id}", tag = "trials",
    params(("id" = i64, Path, description = "trial application id")),
    responses((status = 200, body = TrialDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TrialDto>, ApiError> {
    let t = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(t.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrialHistoryDto {
    pub at: chrono::DateTime<chrono::Utc>,
    /// `trial.create`, `trial.fold`, `trial.contact`, `trial.start`, `trial.end`,
    /// `trial.convert`, `trial.lose`, `trial.reassign`, `trial.overdue`.
    pub action: String,
    pub actor_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

/// A trial application's history, oldest first.
#[utoipa::path(get, path = "/trials/{id}/history", tag = "trials",
    params(("id" = i64, Path, description = "trial application id")),
    responses((status = 200, body = Vec<TrialHistoryDto>), (status = 404, body = Problem)))]
pub async fn history(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TrialHistoryDto>>, ApiError> {
    let h = uc::history(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(
        h.into_iter()
            .map(|h| TrialHistoryDto {
                at: h.at,
                action: h.action,
                actor_name: h.actor_name,
                detail: h.detail,
            })
            .collect(),
    ))
}

/// A lifecycle step. Fields a step does not use are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBody {
    /// `contact`, `start`, `end`, `convert` or `lose`.
    pub action: String,
    /// The version read; 409 `stale` when it moved on.
    pub version: Option<i32>,
    /// What was said: the contact record's summary (a default sentence when empty).
    #[serde(default)]
    pub note: String,
    /// `start`: `2026-12-01` (required).
    #[serde(default)]
    pub trial_start: String,
    /// `start`: `2026-12-31` (required, not before the start).
    #[serde(default)]
    pub trial_end: String,
    #[serde(default)]
    pub edition: String,
    /// `start`: licence key or instance notes.
    #[serde(default)]
    pub licence_note: String,
    /// `lose`: `price`, `competitor`, `no_budget`, `no_need`, `no_response`, `other`.
    #[serde(default)]
    pub lost_reason: String,
    #[serde(default)]
    pub competitor: String,
    /// `convert`: the customer status to request (default `signed`), with its evidence as
    /// `POST /customers/{id}/status-requests` needs it.
    #[serde(default)]
    pub to_status: String,
    #[serde(default)]
    pub need: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub timeline: String,
    #[serde(default)]
    pub negotiation: String,
}

/// Take a lifecycle step (new → contacted → running → ended → converted / lost): its owner or
/// a manager over them. Each step writes a contact record on the customer; the first one meets
/// the time limit. `convert` creates the customer's status request for approval. 409 when the
/// application is no longer in a state the step starts from.
#[utoipa::path(post, path = "/trials/{id}/steps", tag = "trials",
    params(("id" = i64, Path, description = "trial application id")),
    request_body = StepBody,
    responses((status = 200, body = TrialDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn step(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StepBody>,
) -> Result<Json<TrialDto>, ApiError> {
    let input = StepInput {
        version: b.version,
        note: b.note,
        trial_start: b.trial_start,
        trial_end: b.trial_end,
        edition: b.edition,
        licence_note: b.licence_note,
        lost_reason: b.lost_reason,
        competitor: b.competitor,
        request: salesdesk_app::status::RequestInput {
            to_status: b.to_status,
            need: b.need,
            budget: b.budget,
            timeline: b.timeline,
            negotiation: b.negotiation,
            invalid_reason: String::new(),
            note: String::new(),
        },
    };
    let t = uc::step(&s.app, &u.ctx, id, &b.action, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(t.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TrialReassignBody {
    pub owner_id: i64,
    pub version: Option<i32>,
}

/// Give an open application, and its customer, to another person (managers, within their scope).
#[utoipa::path(post, path = "/trials/{id}/reassign", tag = "trials",
    params(("id" = i64, Path, description = "trial application id")),
    request_body = TrialReassignBody,
    responses((status = 200, body = TrialDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reassign(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TrialReassignBody>,
) -> Result<Json<TrialDto>, ApiError> {
    let t = uc::reassign(&s.app, &u.ctx, id, b.owner_id, b.version)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(t.into()))
}

/// The settings of trial applications.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrialSettingsDto {
    /// First contact due within this many working hours (1–200; default 4).
    pub first_contact_hours: u32,
    /// Remind the owner this many working minutes before the limit (0 = no reminder; default 60).
    pub remind_before_minutes: u32,
    /// A further application of the same company and product within this many days is folded
    /// into the open one (0–365; default 30).
    pub fold_window_days: u32,
    /// Public-form applications per client address per hour (default 20).
    pub per_address_per_hour: u32,
    /// API applications per intake key per minute (default 6000).
    pub per_key_per_minute: u32,
    /// Website origins whose browser JavaScript may POST `/intake/trials` and read the
    /// calendar's deadline (CORS), e.g. `https://www.example.com`; at most 20. Left out of a
    /// PUT: unchanged.
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
}

impl From<TrialSettings> for TrialSettingsDto {
    fn from(s: TrialSettings) -> Self {
        TrialSettingsDto {
            first_contact_hours: s.first_contact_hours,
            remind_before_minutes: s.remind_before_minutes,
            fold_window_days: s.fold_window_days,
            per_address_per_hour: s.per_address_per_hour,
            per_key_per_minute: s.per_key_per_minute,
            allowed_origins: Some(s.allowed_origins),
        }
    }
}

/// The settings of trial applications (administrators).
#[utoipa::path(get, path = "/settings/trials", tag = "trials",
    responses((status = 200, body = TrialSettingsDto), (status = 403, body = Problem)))]
pub async fn get_settings(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<TrialSettingsDto>, ApiError> {
    if !u
        .ctx
        .actor
        .can(salesdesk_domain::Capability::ManageSettings)
    {
        return Err(ApiError::new(salesdesk_app::AppError::Forbidden, u.lang));
    }
    let r = uc::settings(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}

/// Change the settings of trial applications (administrators); 422 names a value out of range.
#[utoipa::path(put, path = "/settings/trials", tag = "trials",
    request_body = TrialSettingsDto,
    responses((status = 200, body = TrialSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<TrialSettingsDto>,
) -> Result<Json<TrialSettingsDto>, ApiError> {
    let allowed_origins = match b.allowed_origins {
        Some(o) => o,
        None => {
            uc::settings(&s.app)
                .await
                .map_err(|e| ApiError::new(e, u.lang))?
                .allowed_origins
        }
    };
    let new = TrialSettings {
        first_contact_hours: b.first_contact_hours,
        remind_before_minutes: b.remind_before_minutes,
        fold_window_days: b.fold_window_days,
        per_address_per_hour: b.per_address_per_hour,
        per_key_per_minute: b.per_key_per_minute,
        allowed_origins,
    };
    let r = uc::put_settings(&s.app, &u.ctx, &new)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}
