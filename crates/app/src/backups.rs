//! Scheduled backups (issue 17, point 1): a recurring job of the jobs runner that writes a
//! backup into the administrator's directory at a time of day (company zone), then applies the
//! retention rule (`domain::backup::keep`: 7 daily, 4 weekly, 12 monthly by default) to the
//! files this feature made — `salesdesk-scheduled-<UTC time>-<schema>.tar.gz` (`.pgdump`: PostgreSQL, earlier versions) and their
//! `.sha256` — and to nothing else in the directory. SQLite goes through `backup::backup_named`
//! (`VACUUM INTO`, archive, checksum); PostgreSQL through `pg_dump`, which must be installed on
//! the server (else the run fails saying so). With several processes the schedule's conditional
//! advance gives each occurrence to one of them, so one backup is made per occurrence.
//!
//! The backups page reads the latest `backup` jobs (their result holds file, size and checksum)
//! and lists the kept files; "back up now" enqueues the same job (audited).

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use salesdesk_domain::backup::{Retention, keep};
use salesdesk_domain::{Capability, FieldError, FieldErrors};
use salesdesk_store::{Page, Paged, audit, jobs as store_jobs, settings as store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::attachments::{Attachments, Usage};
use crate::backup::BackupError;
use crate::jobs::{Cadence, JobError, JobRun, NewJob, Outcome};
use crate::{App, AppError, Ctx, Result};

/// The job kind, and the name of its schedule.
pub const KIND: &str = "backup";
/// The file-name prefix of the backups this feature makes (and may delete).
pub const PREFIX: &str = "salesdesk-scheduled";
/// How late a backup may be, past its cadence, before the page warns.
pub const GRACE: TimeDelta = TimeDelta::hours(6);
const KEY: &str = "backups";

/// The administrator's backup settings (stored like the other settings, under `backups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSettings {
    pub enabled: bool,
    /// An absolute directory on the server (created if missing).
    pub directory: String,
    /// `HH:MM` in the company's zone.
    pub time_of_day: String,
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        let r = Retention::default();
        BackupSettings {
            enabled: false,
            directory: String::new(),
            time_of_day: "02:00".into(),
            keep_daily: r.daily,
            keep_weekly: r.weekly,
            keep_monthly: r.monthly,
        }
    }
}

impl BackupSettings {
    pub fn retention(&self) -> Retention {
        Retention {
            daily: self.keep_daily,
            weekly: self.keep_weekly,
            monthly: self.keep_monthly,
        }
    }

    pub fn cadence(&self) -> Cadence {
        chrono::NaiveTime::parse_from_str(&self.time_of_day, "%H:%M")
            .map(Cadence::Daily)
            .unwrap_or(Cadence::Daily(chrono::NaiveTime::MIN))
    }
}

/// The stored settings (defaults when never saved or unreadable).
pub async fn settings(app: &App) -> Result<BackupSettings> {
    Ok(match store::get(app.db.read(), KEY).await? {
        Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
        None => BackupSettings::default(),
    })
}

/// The settings as the administrator's form and API show them.
pub async fn for_admin(app: &App, ctx: &Ctx) -> Result<BackupSettings> {
    admin(ctx)?;
    settings(app).await
}

fn admin(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ManageSettings) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The settings as a form or an API body gives them (numbers as text, reported by field).
#[derive(Debug, Clone, Default)]
pub struct BackupSettingsInput {
    pub enabled: bool,
    pub directory: String,
    pub time_of_day: String,
    pub keep_daily: String,
    pub keep_weekly: String,
    pub keep_monthly: String,
}

impl BackupSettingsInput {
    pub fn of(s: &BackupSettings) -> BackupSettingsInput {
        BackupSettingsInput {
            enabled: s.enabled,
            directory: s.directory.clone(),
            time_of_day: s.time_of_day.clone(),
            keep_daily: s.keep_daily.to_string(),
            keep_weekly: s.keep_weekly.to_string(),
            keep_monthly: s.keep_monthly.to_string(),
        }
    }
}

/// The longest directory accepted, and the most backups of one period kept.
pub const MAX_DIRECTORY: usize = 500;
pub const MAX_KEEP: u32 = 1000;

/// Reads the settings; every field in error is named.
pub fn parse(i: &BackupSettingsInput) -> std::result::Result<BackupSettings, FieldErrors> {
    let mut errs = FieldErrors::new();
    let directory = i.directory.trim().to_string();
    if directory.chars().count() > MAX_DIRECTORY {
        errs.push(FieldError::too_long("directory", MAX_DIRECTORY));
    } else if directory.is_empty() {
        if i.enabled {
            errs.push(FieldError::new("directory", "error.backup_directory"));
        }
    } else if !Path::new(&directory).is_absolute() || directory.contains('\0') {
        errs.push(FieldError::new("directory", "error.backup_directory"));
    }
    let time = i.time_of_day.trim();
    let time_of_day = match chrono::NaiveTime::parse_from_str(time, "%H:%M") {
        Ok(t) => t.format("%H:%M").to_string(),
        Err(_) => {
            errs.push(FieldError::new("time_of_day", "error.time_of_day"));
            String::new()
        }
    };
    let mut count = |field: &str, text: &str| -> u32 {
        match text.trim().parse::<u32>() {
            Ok(n) if n <= MAX_KEEP => n,
            _ => {
                errs.push(FieldError::new(field, "error.count_range"));
                0
            }
        }
    };
    let keep_daily = count("keep_daily", &i.keep_daily);
    let keep_weekly = count("keep_weekly", &i.keep_weekly);
    let keep_monthly = count("keep_monthly", &i.keep_monthly);
    errs.into_result()?;
    Ok(BackupSettings {
        enabled: i.enabled,
        directory,
        time_of_day,
        keep_daily,
        keep_weekly,
        keep_monthly,
    })
}

/// Saves the settings and sets the schedule to match, in one transaction (administrators only;
/// audited as `setting.update`).
pub async fn put(app: &App, ctx: &Ctx, input: &BackupSettingsInput) -> Result<BackupSettings> {
    admin(ctx)?;
    let new = parse(input)?;
    let before = settings(app).await?;
    let now = app.config.clock.now();
    let cadence = new.cadence();
    let tx = app.db.begin().await?;
    let value = serde_json::to_string(&new).map_err(|e| AppError::Internal(e.to_string()))?;
    store::put(&tx, KEY, &value, ctx.actor_id()).await?;
    store_jobs::put_schedule(
        &tx,
        KIND,
        KIND,
        &cadence.to_string(),
        new.enabled,
        cadence.next_after(now, app.config.time_zone),
        now,
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "setting.update",
            "settings",
            None,
            Some(json!({ KEY: before })),
            Some(json!({ KEY: new })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(new)
}

/// "Back up now": enqueues a backup job (administrators only; audited as `backup.run`). Refused
/// while no directory is set. Returns the job's id.
pub async fn run_now(app: &App, ctx: &Ctx) -> Result<i64> {
    admin(ctx)?;
    if settings(app).await?.directory.is_empty() {
        return Err(AppError::field("directory", "error.backup_directory"));
    }
    let tx = app.db.begin().await?;
    let id = crate::jobs::enqueue(
        app,
        &tx,
        NewJob::new(KIND, json!({ "trigger": "manual", "by": ctx.actor_id() })).attempts(1),
    )
    .await?
    .ok_or_else(|| AppError::Internal("a job without a once-key was not inserted".into()))?;
    audit::insert(
        &tx,
        ctx.audit(
            "backup.run",
            "job",
            Some(id),
            None,
            Some(json!({ "kind": KIND })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(id)
}

/// The job: one backup into the configured directory, then retention.
pub async fn run_job(app: App, run: JobRun) -> Outcome {
    let s = settings(&app).await?;
    if s.directory.is_empty() {
        return Err(JobError::permanent("no backup directory is set"));
    }
    let dir = PathBuf::from(&s.directory);
    std::fs::create_dir_all(&dir)
        .map_err(|e| JobError::retry(format!("cannot create {}: {e}", dir.display())))?;
    let now = app.config.clock.now();
    let written = crate::backup::backup_named(
        &app.db,
        app.db.url(),
        &app.config.attachments_dir,
        Some(&dir),
        PREFIX,
        now,
    )
    .await
    .map_err(|e| match e {
        // Not installed, no schema, a name taken: trying again the same way cannot help.
        BackupError::Refused(m) => JobError::permanent(m),
        other => JobError::retry(other.to_string()),
    })?;
    let deleted = apply_retention(&dir, s.retention(), app.config.time_zone)
        .map_err(|e| JobError::retry(format!("retention in {}: {e}", dir.display())))?;
    let file = written
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Some(json!({
        "file": file,
        "bytes": written.bytes,
        "sha256": written.sha256,
        "schema": written.schema,
        "attachments": written.attachments.files,
        "deleted": deleted,
        "trigger": run.payload.get("trigger").cloned().unwrap_or(Value::from("schedule")),
    })))
}

/// A backup file this feature made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub name: String,
    pub at: DateTime<Utc>,
    pub bytes: u64,
    /// From the `.sha256` beside it, when there is one.
    pub sha256: Option<String>,
}

/// The time in a name this feature gives, or `None` for any other file.
pub fn scheduled_time(name: &str) -> Option<DateTime<Utc>> {
    let rest = name.strip_prefix(PREFIX)?.strip_prefix('-')?;
    let (time, rest) = rest.split_at_checked(16)?;
    let schema = rest.strip_prefix("-m")?;
    let digits = schema
        .strip_suffix(".tar.gz")
        .or_else(|| schema.strip_suffix(".pgdump"))?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(time, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// The backups this feature made in `dir`, newest first.
pub fn files(dir: &Path) -> std::io::Result<Vec<BackupFile>> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(at) = scheduled_time(&name) else {
            continue;
        };
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        let sha256 = std::fs::read_to_string(dir.join(format!("{name}.sha256")))
            .ok()
            .and_then(|t| t.split_whitespace().next().map(str::to_string));
        out.push(BackupFile {
            name,
            at,
            bytes: meta.len(),
            sha256,
        });
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.name.cmp(&a.name)));
    Ok(out)
}

/// Deletes the backups (and their `.sha256`) this feature made in `dir` that the retention
/// rule does not keep; returns their names.
pub fn apply_retention(
    dir: &Path,
    r: Retention,
    tz: chrono_tz::Tz,
) -> std::io::Result<Vec<String>> {
    let all = files(dir)?;
    let local: Vec<_> = all
        .iter()
        .map(|f| f.at.with_timezone(&tz).naive_local())
        .collect();
    let mut deleted = vec![];
    for (f, kept) in all.iter().zip(keep(&local, r)) {
        if kept {
            continue;
        }
        std::fs::remove_file(dir.join(&f.name))?;
        match std::fs::remove_file(dir.join(format!("{}.sha256", f.name))) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        deleted.push(f.name.clone());
    }
    Ok(deleted)
}

/// One backup run as the page shows it.
#[derive(Debug, Clone)]
pub struct BackupRun {
    pub job_id: i64,
    /// When it finished (or last failed).
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub file: Option<String>,
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    pub error: Option<String>,
    /// `schedule` or `manual`.
    pub trigger: String,
}

impl BackupRun {
    fn of(j: &store_jobs::Job) -> BackupRun {
        let result: Value = j
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or(Value::Null);
        let payload: Value = serde_json::from_str(&j.payload).unwrap_or(Value::Null);
        BackupRun {
            job_id: j.id,
            at: j.finished_at.unwrap_or(j.updated_at),
            ok: j.state == store_jobs::DONE,
            file: result["file"].as_str().map(str::to_string),
            bytes: result["bytes"].as_u64(),
            sha256: result["sha256"].as_str().map(str::to_string),
            error: (j.state != store_jobs::DONE)
                .then(|| j.last_error.clone())
                .flatten(),
            trigger: payload["trigger"]
                .as_str()
                .map_or_else(|| "schedule".into(), str::to_string),
        }
    }
}

/// Why the page warns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The latest backup run failed (the error).
    Failed(String),
    /// The latest good backup is older than the cadence plus [`GRACE`].
    Stale(DateTime<Utc>),
    /// Scheduled backups are on but none has been made yet.
    Never,
}

/// What the backups page and `GET /api/v1/backups` show.
#[derive(Debug, Clone)]
pub struct BackupStatus {
    pub settings: BackupSettings,
    pub next_run_at: Option<DateTime<Utc>>,
    /// The latest finished or failing run.
    pub last: Option<BackupRun>,
    pub last_success: Option<BackupRun>,
    /// A backup job is queued or running.
    pub pending: bool,
    pub warning: Option<Warning>,
    /// The kept files, newest first.
    pub files: Paged<BackupFile>,
    /// The directory could not be read (the reason).
    pub files_error: Option<String>,
    /// The attachments directory and what it holds now (every backup includes it);
    /// `Err` with the reason when it cannot be read.
    pub attachments_dir: PathBuf,
    pub attachments: std::result::Result<Usage, String>,
}

/// The backups' state (administrators only).
pub async fn status(app: &App, ctx: &Ctx, page: Page) -> Result<BackupStatus> {
    admin(ctx)?;
    let db = app.db.read();
    let s = settings(app).await?;
    let schedule = store_jobs::schedule(db, KIND).await?;
    // The latest run that ended or failed an attempt.
    let latest = store_jobs::list(db, Some(KIND), None, Page::new(Some(1), Some(20))).await?;
    let last = latest
        .items
        .iter()
        .find(|j| {
            j.state != store_jobs::RUNNING
                && (j.state != store_jobs::QUEUED || j.last_error.is_some())
        })
        .map(BackupRun::of);
    let last_success = store_jobs::last_finished(db, KIND, Some(store_jobs::DONE))
        .await?
        .map(|j| BackupRun::of(&j));
    let pending = store_jobs::pending_of_kind(db, KIND).await? > 0;
    let now = app.config.clock.now();
    let warning = if !s.enabled {
        None
    } else if let Some(l) = last.as_ref().filter(|l| !l.ok) {
        Some(Warning::Failed(l.error.clone().unwrap_or_default()))
    } else {
        match &last_success {
            Some(ok) if now - ok.at > s.cadence().period() + GRACE => Some(Warning::Stale(ok.at)),
            Some(_) => None,
            None => Some(Warning::Never),
        }
    };
    let (all, files_error) = if s.directory.is_empty() {
        (vec![], None)
    } else {
        match files(Path::new(&s.directory)) {
            Ok(f) => (f, None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (vec![], None),
            Err(e) => (vec![], Some(e.to_string())),
        }
    };
    let total = all.len() as u64;
    let items = all
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.size as usize)
        .collect();
    let attachments_dir = app.config.attachments_dir.clone();
    let root = attachments_dir.clone();
    let attachments = tokio::task::spawn_blocking(move || Attachments::new(root).usage())
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    Ok(BackupStatus {
        attachments_dir,
        attachments,
        next_run_at: schedule.filter(|x| x.enabled).map(|x| x.next_run_at),
        settings: s,
        last,
        last_success,
        pending,
        warning,
        files: Paged {
            items,
            total,
            total_exact: true,
            page,
        },
        files_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_this_feature_gives_are_its_files() {
        assert!(scheduled_time("salesdesk-scheduled-20261129T180000Z-m0028.tar.gz").is_some());
        assert!(scheduled_time("salesdesk-scheduled-20261129T180000Z-m0028.pgdump").is_some());
        // A backup the command line wrote, its checksum, anything else: never touched.
        assert!(scheduled_time("salesdesk-20261129T180000Z-m0028.tar.gz").is_none());
        assert!(
            scheduled_time("salesdesk-scheduled-20261129T180000Z-m0028.tar.gz.sha256").is_none()
        );
        assert!(scheduled_time("salesdesk-scheduled-20261329T180000Z-m0028.tar.gz").is_none());
        assert!(scheduled_time("salesdesk-scheduled-20261129T180000Z-mx.tar.gz").is_none());
        assert!(scheduled_time("notes.txt").is_none());
    }

    #[test]
    fn settings_name_each_wrong_field() {
        let bad = BackupSettingsInput {
            enabled: true,
            directory: "relative/dir".into(),
            time_of_day: "25:00".into(),
            keep_daily: "x".into(),
            keep_weekly: "4".into(),
            keep_monthly: "5000".into(),
        };
        let errs = parse(&bad).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["directory", "time_of_day", "keep_daily", "keep_monthly"]
        );
        let ok = parse(&BackupSettingsInput {
            enabled: true,
            directory: "/var/backups/salesdesk".into(),
            time_of_day: "3:05".into(),
            ..BackupSettingsInput::of(&BackupSettings::default())
        })
        .unwrap();
        assert_eq!(ok.time_of_day, "03:05");
    }
}
