//! The backups page (`/settings/backups`, administrators): the last backup and its file, size
//! and checksum; a warning when the last run failed or the last good backup is too old; the
//! schedule's settings; the kept files (paginated); "back up now".

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::backups::{self, BackupRun, BackupSettingsInput, Warning};
use salesdesk_app::{AppError, Page};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/backups", get(show).post(save))
        .route("/settings/backups/run", post(run_now))
}

struct RunRow {
    at: String,
    ok: bool,
    trigger: &'static str,
    file: String,
    size: String,
    sha256: String,
    error: String,
}

struct FileRow {
    name: String,
    at: String,
    size: String,
    sha256: String,
}

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    l: Layout,
    warning: Option<String>,
    next_run: String,
    pending: bool,
    last: Option<RunRow>,
    last_success: Option<RunRow>,
    files: Vec<FileRow>,
    files_error: Option<String>,
    attachments_dir: String,
    /// (files, size) or why the directory cannot be read.
    attachments: Result<(u64, String), String>,
    pager: Pager,
    form: BackupSettingsInput,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    page: Option<u64>,
    ok: Option<String>,
}

/// 1536 → "1.5 KiB".
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

fn run_row(r: BackupRun) -> RunRow {
    RunRow {
        at: fmt_time(r.at),
        ok: r.ok,
        trigger: if r.trigger == "manual" {
            "backups.trigger_manual"
        } else {
            "backups.trigger_schedule"
        },
        file: r.file.unwrap_or_default(),
        size: r.bytes.map(size).unwrap_or_default(),
        sha256: r.sha256.unwrap_or_default(),
        error: r.error.unwrap_or_default(),
    }
}

async fn page(
    s: &AppState,
    u: &PageUser,
    number: Option<u64>,
    ok: Option<&str>,
    form: Option<(BackupSettingsInput, FormErrors)>,
) -> Response {
    let tr = Tr(u.lang);
    let st = match backups::status(&s.app, &u.ctx, Page::new(number, Some(20))).await {
        Ok(v) => v,
        Err(e) => return page_error(e, u.lang),
    };
    let warning = st.warning.map(|w| match w {
        Warning::Failed(e) => tr.t("backups.warning_failed").replace("{error}", &e),
        Warning::Stale(t) => tr.t("backups.warning_stale").replace("{at}", &fmt_time(t)),
        Warning::Never => tr.t("backups.warning_never").to_string(),
    });
    let pager = Pager::new(&st.files, "/settings/backups", "");
    let (form, errors) =
        form.unwrap_or_else(|| (BackupSettingsInput::of(&st.settings), FormErrors::default()));
    let invalid = errors.any();
    let r = render(&BackupsPage {
        l: Layout::for_user(s, &u.ctx, "settings", "page.settings_backups")
            .await
            .with_flash(ok),
        warning,
        next_run: st.next_run_at.map(fmt_time).unwrap_or_default(),
        pending: st.pending,
        last: st.last.map(run_row),
        last_success: st.last_success.map(run_row),
        files: st
            .files
            .items
            .into_iter()
            .map(|f| FileRow {
                name: f.name,
                at: fmt_time(f.at),
                size: size(f.bytes),
                sha256: f.sha256.unwrap_or_default(),
            })
            .collect(),
        files_error: st.files_error,
        attachments_dir: st.attachments_dir.display().to_string(),
        attachments: st.attachments.map(|u| (u.files, size(u.bytes))),
        pager,
        form,
        errors,
    });
    if invalid {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Response {
    page(&s, &u, q.page, q.ok.as_deref(), None).await
}

#[derive(Debug, Default, Deserialize)]
struct SettingsForm {
    enabled: Option<String>,
    #[serde(default)]
    directory: String,
    #[serde(default)]
    time_of_day: String,
    #[serde(default)]
    keep_daily: String,
    #[serde(default)]
    keep_weekly: String,
    #[serde(default)]
    keep_monthly: String,
}

async fn save(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<SettingsForm>,
) -> Response {
    let input = BackupSettingsInput {
        enabled: f.enabled.is_some(),
        directory: f.directory,
        time_of_day: f.time_of_day,
        keep_daily: f.keep_daily,
        keep_weekly: f.keep_weekly,
        keep_monthly: f.keep_monthly,
    };
    match backups::put(&s.app, &u.ctx, &input).await {
        Ok(_) => Redirect::to("/settings/backups?ok=settings_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            page(&s, &u, None, None, Some((input, errors))).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn run_now(State(s): State<AppState>, u: PageUser) -> Response {
    match backups::run_now(&s.app, &u.ctx).await {
        Ok(_) => Redirect::to("/settings/backups?ok=backup_enqueued").into_response(),
        Err(AppError::Validation(errs)) => {
            let current = match backups::for_admin(&s.app, &u.ctx).await {
                Ok(v) => v,
                Err(e) => return page_error(e, u.lang),
            };
            let errors = FormErrors::from(&errs, Tr(u.lang));
            page(
                &s,
                &u,
                None,
                None,
                Some((BackupSettingsInput::of(&current), errors)),
            )
            .await
        }
        Err(e) => page_error(e, u.lang),
    }
}
