//! Customer import pages (upload → mapping and preview → run → progress and result); the
//! export is the customer list's (`list_tools`).
//! The run happens in a background task; the result page reloads itself (a few lines of
//! `static/app.js`, no inline script) until the run is over.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::export;
use salesdesk_app::import::{self, ImportView, RowError, Target};
use salesdesk_app::{App, AppError, Ctx};

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::{Layout, fmt_time, render};

/// Room for the multipart framing around a file of the largest accepted size.
pub const UPLOAD_BODY_LIMIT: usize = import::MAX_FILE_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/customers/import",
            get(upload_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/customers/imports/{id}", get(show))
        .route("/customers/imports/{id}/run", post(run))
        .route("/customers/imports/{id}/errors.csv", get(errors_csv))
}

#[derive(Template)]
#[template(path = "import_upload.html")]
struct UploadPage {
    l: Layout,
    error: Option<String>,
    limits_text: String,
    /// `customers` (the customers and contacts forms), `contracts` or `payments` (one form).
    kind: String,
    /// The contracts or payments form's introduction and hint.
    kind_intro: String,
    kind_hint: String,
}

async fn upload_form(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<KindQuery>,
) -> Response {
    if !import::may_import(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    upload_page(&s, &u, q.kind(), None, StatusCode::OK).await
}

/// The navigation entry and title of an import page of `kind`.
fn kind_page(kind: &str) -> (&'static str, &'static str) {
    match kind {
        import::sales::CONTRACTS => ("contracts", "page.cimport_contracts"),
        import::sales::PAYMENTS => ("contracts", "page.cimport_payments"),
        _ => ("customers", "page.import"),
    }
}

async fn upload_page(
    s: &AppState,
    u: &PageUser,
    kind: &str,
    error: Option<String>,
    st: StatusCode,
) -> Response {
    let (nav, title) = kind_page(kind);
    let page = UploadPage {
        l: Layout::for_user(s, &u.ctx, nav, title).await,
        kind: kind.to_string(),
        kind_intro: Tr(u.lang).t(&format!("cimport.intro.{kind}")).to_string(),
        kind_hint: Tr(u.lang).t(&format!("cimport.hint.{kind}")).to_string(),
        error,
        limits_text: Tr(u.lang).tf(
            "import.limits",
            &[
                ("mb", &(import::MAX_FILE_BYTES / (1024 * 1024)).to_string()),
                ("rows", &import::MAX_ROWS.to_string()),
            ],
        ),
    };
    (st, render(&page)).into_response()
}

/// The file of a multipart form: (name, bytes), or the message key of what was wrong.
pub(crate) async fn read_upload(mut m: Multipart) -> Result<(String, Vec<u8>), &'static str> {
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Err("error.import_no_file"),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("error.import_too_large");
            }
            Err(_) => return Err("problem.malformed"),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        return match field.bytes().await {
            Ok(b) if b.len() > import::MAX_FILE_BYTES => Err("error.import_too_large"),
            Ok(b) => Ok((name, b.to_vec())),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err("error.import_too_large"),
            Err(_) => Err("problem.malformed"),
        };
    }
}

fn first_message(e: &AppError, tr: Tr) -> Option<String> {
    match e {
        AppError::Validation(f) | AppError::Conflict(f) => {
            f.0.first().map(|x| tr.t(x.code).to_string())
        }
        _ => None,
    }
}

/// `?kind=contacts`: the file holds contacts alone, for customers on file; `?kind=contracts`
/// or `?kind=payments`: contracts, or payments received (`import::sales`).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct KindQuery {
    kind: Option<String>,
}

impl KindQuery {
    pub(crate) fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("customers")
    }
}

async fn upload(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<KindQuery>,
    m: Multipart,
) -> Response {
    let tr = Tr(u.lang);
    let (name, bytes) = match read_upload(m).await {
        Ok(f) => f,
        Err(key) => {
            let st = if key == "error.import_too_large" {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return upload_page(&s, &u, q.kind(), Some(tr.t(key).to_string()), st).await;
        }
    };
    match import::upload_kind(&s.app, &u.ctx, &name, bytes, q.kind()).await {
        Ok(i) => Redirect::to(&format!("/customers/imports/{}", i.id)).into_response(),
        Err(e) => match first_message(&e, tr) {
            Some(msg) => {
                upload_page(
                    &s,
                    &u,
                    q.kind(),
                    Some(msg),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => page_error(e, u.lang),
        },
    }
}

struct Column<'a> {
    index: usize,
    header: String,
    choices: Vec<Choice<'a>>,
}

struct ErrorLine {
    row: u32,
    field: String,
    message: String,
}

#[derive(Template)]
#[template(path = "import_show.html")]
struct ShowPage<'a> {
    l: Layout,
    i: ImportView,
    /// A file of customers, or of contacts alone.
    kind_text: String,
    status_text: String,
    /// The mapping form: shown while the import can (still) run.
    columns: Vec<Column<'a>>,
    preview: Vec<Vec<String>>,
    running: bool,
    can_run: bool,
    progress_text: String,
    outcome_text: String,
    errors: Vec<ErrorLine>,
    more_errors_text: String,
    rows_text: String,
    run_valid_text: String,
    failed_text: Option<String>,
    error: Option<String>,
    created: String,
    /// "Rows that are probably duplicates: 3", linking to them (issue 10, point 5).
    likely_text: Option<String>,
}

/// The message of one refused row's field, in the reader's language.
pub fn row_message(tr: Tr, e: &RowError) -> String {
    let arg = e.arg.as_deref().unwrap_or("");
    match e.code.as_str() {
        "error.import_duplicate_in_file" => {
            tr.tf("error.import_duplicate_in_file", &[("row", arg)])
        }
        "error.import_duplicate_in_db" if arg.is_empty() => {
            tr.t("problem.duplicate_unowned").to_string()
        }
        "error.import_duplicate_in_db" => tr.tf("problem.duplicate_owned_by", &[("owner", arg)]),
        code => tr.field(code, e.arg.as_deref()),
    }
}

/// The label of an import field (or of a field name `parse` reports).
pub fn field_label(tr: Tr, field: &str) -> String {
    match Target::parse(field) {
        Some(t) => tr.t(&t.label_key()).to_string(),
        None => field.to_string(),
    }
}

async fn show(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    show_page(&s, &u, id, None).await
}

async fn show_page(s: &AppState, u: &PageUser, id: i64, error: Option<String>) -> Response {
    let tr = Tr(u.lang);
    let i = match import::get(&s.app, &u.ctx, id).await {
        Ok(i) => i,
        Err(e) => return page_error(e, u.lang),
    };
    let can_run = matches!(i.status.as_str(), "uploaded" | "rejected" | "failed");
    let (columns, preview) = if can_run {
        match import::preview(&s.app, &u.ctx, id).await {
            Ok(p) => {
                let cols = p
                    .headers
                    .iter()
                    .zip(p.mapping.iter())
                    .enumerate()
                    .map(|(index, (h, m))| {
                        let mut choices =
                            vec![Choice::new("", tr.t("import.skip_column"), m.is_none())];
                        choices.extend(Target::of_kind(&i.kind).iter().map(|t| {
                            Choice::new(t.as_str(), tr.t(&t.label_key()), *m == Some(*t))
                        }));
                        Column {
                            index,
                            header: h.clone(),
                            choices,
                        }
                    })
                    .collect();
                (cols, p.rows)
            }
            Err(e) => return page_error(e, u.lang),
        }
    } else {
        (vec![], vec![])
    };
    let likely_text = match likely_count(s, u, &i).await {
        Ok(c) => c.map(|c| tr.tf("import.likely_count", &[("n", &c.to_string())])),
        Err(e) => return page_error(e, u.lang),
    };
    let n = |v: i64| v.to_string();
    let errors: Vec<ErrorLine> = i
        .errors
        .iter()
        .take(200)
        .map(|e| ErrorLine {
            row: e.row,
            field: field_label(tr, &e.field),
            message: row_message(tr, e),
        })
        .collect();
    let (nav, title) = kind_page(&i.kind);
    let page = ShowPage {
        l: Layout::for_user(s, &u.ctx, nav, title).await,
        kind_text: tr.t(&format!("import.kind.{}", i.kind)).to_string(),
        status_text: tr.t(&format!("import.status.{}", i.status)).to_string(),
        // A failed run's rows being removed is followed the same way.
        running: matches!(i.status.as_str(), "running" | "removing"),
        progress_text: tr.tf(
            "import.progress",
            &[("done", &n(i.done)), ("total", &n(i.total))],
        ),
        outcome_text: tr.tf(
            "import.outcome",
            &[
                ("total", &n(i.total)),
                ("valid", &n(i.valid)),
                ("rejected", &n(i.rejected)),
                ("imported", &n(i.imported)),
            ],
        ),
        more_errors_text: {
            let more = i.errors.len().saturating_sub(errors.len()) as u64;
            tr.tn("import.more_errors", more, &[("n", &more.to_string())])
        },
        rows_text: tr.tn(
            "import.rows_in_file",
            i.total.max(0) as u64,
            &[("n", &n(i.total))],
        ),
        run_valid_text: tr.tn(
            "import.run_valid_only",
            i.valid.max(0) as u64,
            &[("n", &n(i.valid))],
        ),
        failed_text: (i.status == "failed").then(|| {
            tr.t(i.message.as_deref().unwrap_or("error.import_failed"))
                .to_string()
        }),
        errors,
        columns,
        preview,
        can_run,
        error,
        created: fmt_time(i.created_at),
        likely_text,
        i,
    };
    render(&page)
}

/// How many rows of a finished import are flagged as likely duplicates (none: `None`).
async fn likely_count(
    s: &AppState,
    u: &PageUser,
    i: &salesdesk_app::import::ImportView,
) -> salesdesk_app::Result<Option<u64>> {
    if i.status != "done" {
        return Ok(None);
    }
    let p = salesdesk_app::likely::of_import(
        &s.app,
        &u.ctx,
        i.id,
        salesdesk_app::Page::new(Some(1), Some(1)),
    )
    .await?;
    Ok((p.total > 0).then_some(p.total))
}

async fn run(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Response {
    let tr = Tr(u.lang);
    // Columns come as col0, col1, … with a field code or "".
    let mut mapping = Vec::new();
    while let Some(v) = f.get(&format!("col{}", mapping.len())) {
        mapping.push(Target::parse(v));
        if mapping.len() > import::MAX_COLUMNS {
            break;
        }
    }
    let mapping = (!mapping.is_empty()).then_some(mapping);
    let valid_only = f.get("valid_only").is_some_and(|v| v == "1");
    match import::start(&s.app, &u.ctx, id, mapping, valid_only).await {
        Ok(()) => Redirect::to(&format!("/customers/imports/{id}")).into_response(),
        Err(e) => match first_message(&e, tr) {
            Some(msg) => show_page(&s, &u, id, Some(msg)).await,
            None => page_error(e, u.lang),
        },
    }
}

/// The refused rows as CSV (UTF-8 with BOM): the row number, the original cells, the reasons.
pub async fn error_report(
    app: &App,
    ctx: &Ctx,
    lang: Lang,
    id: i64,
) -> Result<(Vec<u8>, String), AppError> {
    let tr = Tr(lang);
    let r = import::report(app, ctx, id).await?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut head = vec![tr.t("import.report_row").to_string()];
    head.extend(r.headers.iter().cloned());
    head.push(tr.t("import.report_reason").to_string());
    out.extend(export::csv_line(&head));
    for (row, cells, errs) in &r.rows {
        let mut line = vec![row.to_string()];
        line.extend(cells.iter().cloned());
        line.resize(r.headers.len() + 1, String::new());
        let reasons: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", field_label(tr, &e.field), row_message(tr, e)))
            .collect();
        line.push(reasons.join("; "));
        out.extend(export::csv_line(&line));
    }
    let stem = r
        .file_name
        .rsplit_once('.')
        .map(|(a, _)| a.to_string())
        .unwrap_or(r.file_name.clone());
    Ok((out, format!("{stem}-{}.csv", tr.t("import.report_suffix"))))
}

async fn errors_csv(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match error_report(&s.app, &u.ctx, u.lang, id).await {
        Ok((body, file)) => crate::view::download(body, "text/csv; charset=utf-8", &file),
        Err(e) => page_error(e, u.lang),
    }
}
