//! `GET /trials/dashboard`: the trials figures (issue 12 point 9).

use axum::Json;
use axum::extract::State;
use salesdesk_app::AppError;
use salesdesk_app::trials_dashboard::{self as uc, Bar, Period};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiQuery, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct BarDto {
    /// A period (`2026-11`, or a week's Monday `2026-11-30`), a region id (`none`), a product
    /// code or a source (`form`, `api`).
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueDto {
    pub trial_id: i64,
    pub reference: String,
    pub company: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub due_at: chrono::DateTime<chrono::Utc>,
    /// Working minutes since the deadline.
    pub overdue_minutes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrialsDashboardDto {
    /// `month` or `week`.
    pub period: String,
    /// First day of the range and the day after it (company dates).
    pub from: chrono::NaiveDate,
    pub until: chrono::NaiveDate,
    pub total: u64,
    pub per_period: Vec<BarDto>,
    pub per_region: Vec<BarDto>,
    pub per_product: Vec<BarDto>,
    pub per_source: Vec<BarDto>,
    /// Contacted by the deadline.
    pub within_limit: u64,
    pub contacted: u64,
    /// `within_limit` over the applications contacted or past their deadline (0–1).
    pub within_limit_share: Option<f64>,
    /// Median working minutes from arrival to first contact.
    pub median_minutes_to_contact: Option<i64>,
    pub converted: u64,
    pub lost: u64,
    /// Converted over all the range's applications (0–1).
    pub conversion_rate: Option<f64>,
    /// The most overdue open applications not contacted (at most 20).
    pub overdue: Vec<OverdueDto>,
    /// Pre-sales calls due before today and not recorded, in the caller's scope.
    pub missed_calls: u64,
    pub satisfaction_avg: Option<f64>,
    pub satisfaction_n: u64,
    /// More than 50,000 applications: the first 50,000 were counted.
    pub truncated: bool,
}

/// `?period=month|week&periods=1..24`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// `month` (default) or `week`.
    pub period: Option<String>,
    /// How many periods back, the current one included (default 12, 1–24).
    pub periods: Option<u32>,
}

fn bars(v: Vec<Bar>) -> Vec<BarDto> {
    v.into_iter()
        .map(|b| BarDto {
            key: b.key,
            count: b.count,
        })
        .collect()
}

/// The trials figures over the caller's scope (a staff member: their own applications).
#[utoipa::path(get, path = "/trials/dashboard", tag = "trials", params(DashboardParams),
    responses((status = 200, body = TrialsDashboardDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<DashboardParams>,
) -> Result<Json<TrialsDashboardDto>, ApiError> {
    let period = match p.period.as_deref().filter(|v| !v.is_empty()) {
        None => Period::Month,
        Some(v) => Period::parse(v).ok_or_else(|| {
            ApiError::new(AppError::field("period", "error.invalid_choice"), u.lang)
        })?,
    };
    let d = uc::get(&s.app, &u.ctx, period, p.periods.unwrap_or(12))
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(TrialsDashboardDto {
        period: d.period.as_str().into(),
        from: d.from,
        until: d.until,
        total: d.total,
        per_period: bars(d.per_period),
        per_region: bars(d.per_region),
        per_product: bars(d.per_product),
        per_source: bars(d.per_source),
        within_limit: d.within_limit,
        contacted: d.contacted,
        within_limit_share: d.within_limit_share,
        median_minutes_to_contact: d.median_minutes_to_contact,
        converted: d.converted,
        lost: d.lost,
        conversion_rate: d.conversion_rate,
        overdue: d
            .overdue
            .into_iter()
            .map(|o| OverdueDto {
                trial_id: o.trial_id,
                reference: o.reference,
                company: o.company,
                owner_id: o.owner_id,
                owner_name: o.owner_name,
                due_at: o.due_at,
                overdue_minutes: o.overdue_minutes,
            })
            .collect(),
        missed_calls: d.missed_calls,
        satisfaction_avg: d.satisfaction_avg,
        satisfaction_n: d.satisfaction_n,
        truncated: d.truncated,
    }))
}
