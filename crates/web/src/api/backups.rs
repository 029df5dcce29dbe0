//! `GET /backups`, `POST /backups/run` and `GET|PUT /settings/backups`: scheduled backups, their
//! last outcome and kept files, and "back up now" (administrators only).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::backups::{self, BackupRun, BackupSettings, BackupSettingsInput, Warning};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};

/// The scheduled backups' settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BackupSettingsDto {
    /// Scheduled backups on or off.
    pub enabled: bool,
    /// An absolute directory on the server, created if missing; required when enabled.
    pub directory: String,
    /// `HH:MM`, company time (Asia/Shanghai).
    #[schema(example = "02:00")]
    pub time_of_day: String,
    /// Backups kept: the newest of each of the last so many days, ISO weeks and months (0–1000).
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
}

impl From<BackupSettings> for BackupSettingsDto {
    fn from(s: BackupSettings) -> Self {
        BackupSettingsDto {
            enabled: s.enabled,
            directory: s.directory,
            time_of_day: s.time_of_day,
            keep_daily: s.keep_daily,
            keep_weekly: s.keep_weekly,
            keep_monthly: s.keep_monthly,
        }
    }
}

/// One backup run.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupRunDto {
    pub job_id: i64,
    /// When it finished, or when its last attempt failed.
    pub at: chrono::DateTime<chrono::Utc>,
    /// `ok` or `failed`.
    pub outcome: String,
    /// `schedule` or `manual`.
    pub trigger: String,
    pub file: Option<String>,
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    pub error: Option<String>,
}

fn run_dto(r: BackupRun) -> BackupRunDto {
    BackupRunDto {
        job_id: r.job_id,
        at: r.at,
        outcome: if r.ok { "ok" } else { "failed" }.into(),
        trigger: r.trigger,
        file: r.file,
        bytes: r.bytes,
        sha256: r.sha256,
        error: r.error,
    }
}

/// A kept backup file (made by the schedule or "back up now").
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupFileDto {
    pub name: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub bytes: u64,
    pub sha256: Option<String>,
}

/// Why the backups need attention.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupWarningDto {
    /// `failed` (the last run failed), `stale` (the last good backup is older than a day plus
    /// six hours) or `never` (on, but none made yet).
    pub kind: String,
    pub error: Option<String>,
    /// For `stale`: when the last good backup was made.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupStatusDto {
    pub settings: BackupSettingsDto,
    /// The next scheduled backup (absent when off).
    pub next_run_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last: Option<BackupRunDto>,
    pub last_success: Option<BackupRunDto>,
    /// A backup is queued or running.
    pub pending: bool,
    pub warning: Option<BackupWarningDto>,
    /// The kept files, newest first.
    pub files: PageOf<BackupFileDto>,
    /// Why the directory could not be read.
    pub files_error: Option<String>,
    pub attachments: AttachmentsDto,
}

/// The attachments directory, which every SQLite backup includes.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentsDto {
    pub directory: String,
    /// Files in it now (absent when it cannot be read).
    pub files: Option<u64>,
    pub bytes: Option<u64>,
    /// Why it cannot be read.
    pub error: Option<String>,
}

/// The scheduled backups: settings, last run, warning, kept files (paginated).
#[utoipa::path(get, path = "/backups", tag = "settings", params(PageParams),
    responses((status = 200, body = BackupStatusDto), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn status(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<BackupStatusDto>, ApiError> {
    let st = backups::status(&s.app, &u.ctx, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(BackupStatusDto {
        settings: st.settings.into(),
        next_run_at: st.next_run_at,
        last: st.last.map(run_dto),
        last_success: st.last_success.map(run_dto),
        pending: st.pending,
        warning: st.warning.map(|w| match w {
            Warning::Failed(e) => BackupWarningDto {
                kind: "failed".into(),
                error: Some(e),
                since: None,
            },
            Warning::Stale(t) => BackupWarningDto {
                kind: "stale".into(),
                error: None,
                since: Some(t),
            },
            Warning::Never => BackupWarningDto {
                kind: "never".into(),
                error: None,
                since: None,
            },
        }),
        files: PageOf::from(st.files, |f| BackupFileDto {
            name: f.name,
            at: f.at,
            bytes: f.bytes,
            sha256: f.sha256,
        }),
        files_error: st.files_error,
        attachments: AttachmentsDto {
            directory: st.attachments_dir.display().to_string(),
            files: st.attachments.as_ref().ok().map(|u| u.files),
            bytes: st.attachments.as_ref().ok().map(|u| u.bytes),
            error: st.attachments.err(),
        },
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnqueuedDto {
    /// The backup job; `GET /backups` shows its outcome once it ran.
    pub job_id: i64,
}

/// Back up now: enqueues a backup job, run by the next free runner within seconds. Audited as
/// `backup.run`. 422 while no directory is set.
#[utoipa::path(post, path = "/backups/run", tag = "settings",
    responses((status = 202, body = EnqueuedDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn run(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<(StatusCode, Json<EnqueuedDto>), ApiError> {
    let job_id = backups::run_now(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::ACCEPTED, Json(EnqueuedDto { job_id })))
}

/// The scheduled backups' settings (administrators only).
#[utoipa::path(get, path = "/settings/backups", tag = "settings",
    responses((status = 200, body = BackupSettingsDto), (status = 403, body = Problem)))]
pub async fn get_settings(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<BackupSettingsDto>, ApiError> {
    let v = backups::for_admin(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(v.into()))
}

/// Replace the scheduled backups' settings (the whole object); the schedule follows at once.
/// Audited as `setting.update`.
#[utoipa::path(put, path = "/settings/backups", tag = "settings", request_body = BackupSettingsDto,
    responses((status = 200, body = BackupSettingsDto), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn put_settings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<BackupSettingsDto>,
) -> Result<Json<BackupSettingsDto>, ApiError> {
    let input = BackupSettingsInput {
        enabled: b.enabled,
        directory: b.directory,
        time_of_day: b.time_of_day,
        keep_daily: b.keep_daily.to_string(),
        keep_weekly: b.keep_weekly.to_string(),
        keep_monthly: b.keep_monthly.to_string(),
    };
    let v = backups::put(&s.app, &u.ctx, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(v.into()))
}
