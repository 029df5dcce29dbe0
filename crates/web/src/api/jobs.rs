//! `GET /jobs`, `POST /jobs/{id}/retry` and `GET /job-schedules`: the background jobs by
//! state with their last error, "retry now" for a failed one, and the recurring schedules
//! (administrators only; issue 12 point 5).

use axum::Json;
use axum::extract::State;
use salesdesk_app::jobs::{self, Job};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::PageOf;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiPath, ApiQuery, Problem};

/// One background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDto {
    pub id: i64,
    /// What it does (`backup`, `ping`, …).
    pub kind: String,
    /// `queued`, `running`, `failed` or `done`.
    pub state: String,
    /// Attempts used, and how many it may use.
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it is (or was) due.
    pub run_at: chrono::DateTime<chrono::Utc>,
    /// The error of its last failed attempt (kept after a retry until the next run).
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Job> for JobDto {
    fn from(j: Job) -> Self {
        JobDto {
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            created_at: j.created_at,
            updated_at: j.updated_at,
            finished_at: j.finished_at,
        }
    }
}

/// `?state=&page=&per_page=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// `queued`, `running`, `failed` or `done`; all states when absent.
    pub state: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

/// Jobs in one state (or all), newest first. 422 for an unknown state.
#[utoipa::path(get, path = "/jobs", tag = "settings", params(JobParams),
    responses((status = 200, body = PageOf<JobDto>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<JobParams>,
) -> Result<Json<PageOf<JobDto>>, ApiError> {
    let page = salesdesk_app::Page::new(p.page, p.per_page);
    let r = jobs::admin_list(&s.app, &u.ctx, p.state.as_deref(), page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, JobDto::from)))
}

/// Retry a failed job now: it is queued again, due at once, with one more attempt. 409 when
/// the job is not failed (already retried, or never failed). Audited as `job.retry`.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "settings",
    params(("id" = i64, Path, description = "The job")),
    responses((status = 200, body = JobDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn retry(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDto>, ApiError> {
    let j = jobs::retry(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(j.into()))
}

/// A recurring schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleDto {
    pub name: String,
    /// The kind of job each occurrence enqueues.
    pub kind: String,
    /// `daily HH:MM` (company time) or `every <seconds>`.
    pub cadence: String,
    pub enabled: bool,
    pub last_run_at: Option<chrono::DateTime<chrono::Utc>>,
    pub next_run_at: chrono::DateTime<chrono::Utc>,
}

/// The recurring schedules with their last and next occurrence.
#[utoipa::path(get, path = "/job-schedules", tag = "settings",
    responses((status = 200, body = Vec<ScheduleDto>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn schedules(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<Vec<ScheduleDto>>, ApiError> {
    let v = jobs::admin_schedules(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(
        v.into_iter()
            .map(|sc| ScheduleDto {
                name: sc.name,
                kind: sc.kind,
                cadence: sc.cadence,
                enabled: sc.enabled,
                last_run_at: sc.last_run_at,
                next_run_at: sc.next_run_at,
            })
            .collect(),
    ))
}
