//! `/customers/imports` and `/customers/export.{csv,xlsx}`: customer import and export.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use salesdesk_app::AppError;
use salesdesk_app::export::Format;
use salesdesk_app::import::{self, ImportView, Target};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};
use crate::i18n::Tr;
use crate::pages::imports::{error_report, field_label, row_message};
use crate::pages::list_tools::export_file;

#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDto {
    /// Spreadsheet row number (the header is row 1).
    pub row: u32,
    /// Import field (`name`, `uscc`, `owner`, …).
    pub field: String,
    pub field_label: String,
    /// i18n key of the reason (stable).
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportDto {
    pub id: i64,
    /// `customers`, `contacts` (contacts alone, for customers on file), `contracts` or
    /// `payments` (payments received).
    pub kind: String,
    pub file_name: String,
    /// `uploaded`, `running`, `rejected` (rows refused, nothing imported), `done`, `removing` (a
    /// failed or interrupted run's rows are being removed), `failed`.
    #[schema(schema_with = super::codes::import_status)]
    pub status: String,
    pub valid_only: bool,
    /// Data rows in the file.
    pub total: i64,
    /// Rows checked so far.
    pub done: i64,
    pub valid: i64,
    pub rejected: i64,
    pub imported: i64,
    /// Why a run failed (i18n key).
    pub message: Option<String>,
    pub errors: Vec<RowErrorDto>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn dto(i: ImportView, tr: Tr) -> ImportDto {
    ImportDto {
        errors: i
            .errors
            .iter()
            .map(|e| RowErrorDto {
                row: e.row,
                field: e.field.clone(),
                field_label: field_label(tr, &e.field),
                code: e.code.clone(),
                message: row_message(tr, e),
            })
            .collect(),
        id: i.id,
        kind: i.kind,
        file_name: i.file_name,
        status: i.status,
        valid_only: i.valid_only,
        total: i.total,
        done: i.done,
        valid: i.valid,
        rejected: i.rejected,
        imported: i.imported,
        message: i.message,
        created_at: i.created_at,
        finished_at: i.finished_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewDto {
    pub import: ImportDto,
    pub headers: Vec<String>,
    /// Per column, the field it fills (`null`: not imported). Guessed from the headers until a
    /// run chose another.
    pub mapping: Vec<Option<String>>,
    /// The first rows as text.
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The file's name (shown on pages and in the report's name).
    pub file_name: Option<String>,
    /// `customers` (default: customers, with optional contact columns `contact1_name` …
    /// `contact3_email`), `contacts` (contacts alone, each row naming a customer on file by
    /// `uscc` or `name`), `contracts` (one contract per row: `name` or `uscc`,
    /// `contract_number`, `contract_title`, `signing_date`, `contract_amount`, optional
    /// `tax_rate`, `contract_status`, `owner`, `product`, `plan`) or `payments` (one payment
    /// received per row: `contract_number`, `received_on`, `payment_amount`, optional
    /// `payment_reference`). Any other kind is refused (422).
    pub kind: Option<String>,
}

/// Upload a CSV (UTF-8 or GBK) or XLSX file as the raw request body (at most 20 MB, 200,000
/// rows, 100 columns). Nothing is imported yet: the answer holds the guessed column mapping and
/// the first rows.
#[utoipa::path(post, path = "/customers/imports", tag = "customers", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = PreviewDto), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Body,
) -> Result<(StatusCode, Json<PreviewDto>), Response> {
    let err = |e| axum::response::IntoResponse::into_response(ApiError::new(e, u.lang));
    let bytes = match axum::body::to_bytes(body, import::MAX_FILE_BYTES).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            return Err(crate::error::problem_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                Tr(u.lang).t("error.import_too_large").to_string(),
                None,
            ));
        }
    };
    let name = p.file_name.unwrap_or_default();
    let kind = p.kind.as_deref().unwrap_or("customers");
    let i = import::upload_kind(&s.app, &u.ctx, &name, bytes, kind)
        .await
        .map_err(err)?;
    let pv = import::preview(&s.app, &u.ctx, i.id).await.map_err(err)?;
    Ok((StatusCode::CREATED, Json(preview_dto(pv, Tr(u.lang)))))
}

fn preview_dto(p: import::Preview, tr: Tr) -> PreviewDto {
    PreviewDto {
        import: dto(p.import, tr),
        headers: p.headers,
        mapping: p
            .mapping
            .iter()
            .map(|t| t.map(|t| t.as_str().to_string()))
            .collect(),
        rows: p.rows,
    }
}

/// An import's state: progress while running, counts and refused rows when over.
#[utoipa::path(get, path = "/customers/imports/{id}", tag = "customers",
    params(("id" = i64, Path, description = "import id")),
    responses((status = 200, body = ImportDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ImportDto>, ApiError> {
    let i = import::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(dto(i, Tr(u.lang))))
}

/// A row of an import that was imported but is probably a duplicate (issue 10, point 5).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLikelyDto {
    /// Spreadsheet row number (the header is row 1).
    pub row: u32,
    /// The customer the row became.
    pub customer_id: i64,
    pub customer_name: String,
    /// The customer it probably is; given only when the caller may open it.
    pub other_id: Option<i64>,
    pub other_name: String,
    /// That customer's account manager.
    pub other_owner_name: Option<String>,
    /// That customer's row when it came from the same file (absent: it was there before).
    pub other_row: Option<u32>,
    /// What they share (`name`, `phone`, `web`, `mail`), the row's value, and the reason in the
    /// caller's language.
    pub reason: crate::error::LikelyReason,
}

/// The rows of an import that are likely duplicates of an existing customer or of an earlier row
/// of the same file (the same name with the place moved, phone, web domain or e-mail domain):
/// imported, and listed here by row, a page at a time.
#[utoipa::path(get, path = "/customers/imports/{id}/likely-duplicates", tag = "customers",
    params(("id" = i64, Path, description = "import id"), super::PageParams),
    responses((status = 200, body = super::PageOf<ImportLikelyDto>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn likely_duplicates(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<super::PageParams>,
) -> Result<Json<super::PageOf<ImportLikelyDto>>, ApiError> {
    let tr = Tr(u.lang);
    let r = salesdesk_app::likely::of_import(&s.app, &u.ctx, id, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(super::PageOf::from(r, |l| ImportLikelyDto {
        reason: crate::error::LikelyReason {
            reason: l.why.reason.to_string(),
            message: crate::error::likely_reason(tr, &l.why),
            value: l.why.value,
        },
        row: l.row,
        customer_id: l.customer_id,
        customer_name: l.customer_name,
        other_id: l.other_id,
        other_name: l.other_name,
        other_owner_name: l.other_owner_name,
        other_row: l.other_row,
    })))
}

/// Headers, mapping and first rows of an uploaded file.
#[utoipa::path(get, path = "/customers/imports/{id}/preview", tag = "customers",
    params(("id" = i64, Path, description = "import id")),
    responses((status = 200, body = PreviewDto), (status = 404, body = Problem)))]
pub async fn preview(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PreviewDto>, ApiError> {
    let p = import::preview(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(preview_dto(p, Tr(u.lang))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RunBody {
    /// Per column, a field code (`name`, `short_name`, `uscc`, `website`, `email`, `phone`,
    /// `province`, `city`, `address`, `industry`, `size`, `type`, `source`, `background`,
    /// `owner`, `region`, and per contact 1 to 3 `contact1_name`, `contact1_title`,
    /// `contact1_mobile`, `contact1_email` …; for a contracts file `name`, `uscc`,
    /// `contract_number`, `contract_title`, `signing_date`, `contract_amount`, `tax_rate`,
    /// `contract_status`, `owner`, `product`, `plan`; for a payments file `contract_number`,
    /// `received_on`, `payment_amount`, `payment_reference`) or null to skip it; a field of
    /// another kind is refused (422). Absent: the guessed (or last) mapping.
    pub mapping: Option<Vec<Option<String>>>,
    /// Import the valid rows even though some were refused.
    #[serde(default)]
    pub valid_only: bool,
}

/// Check every row and, if none is refused (or `valid_only`), import them. Contracts and
/// payments are written in one transaction, each row by the rules of creating and signing a
/// contract or recording a payment (a row the importer may not create is refused, naming it).
/// Runs in the background: answers 202 at once; poll `GET /customers/imports/{id}`.
#[utoipa::path(post, path = "/customers/imports/{id}/run", tag = "customers", request_body = RunBody,
    params(("id" = i64, Path, description = "import id")),
    responses((status = 202, body = ImportDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn run(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RunBody>,
) -> Result<(StatusCode, Json<ImportDto>), ApiError> {
    let err = |e| ApiError::new(e, u.lang);
    let mapping = match b.mapping {
        Some(m) => {
            let mut out = Vec::with_capacity(m.len());
            for t in m {
                match t.as_deref().filter(|t| !t.is_empty()) {
                    None => out.push(None),
                    Some(code) => match Target::parse(code) {
                        Some(t) => out.push(Some(t)),
                        None => {
                            return Err(err(AppError::field("mapping", "error.invalid_choice")));
                        }
                    },
                }
            }
            Some(out)
        }
        None => None,
    };
    import::start(&s.app, &u.ctx, id, mapping, b.valid_only)
        .await
        .map_err(err)?;
    let i = import::get(&s.app, &u.ctx, id).await.map_err(err)?;
    Ok((StatusCode::ACCEPTED, Json(dto(i, Tr(u.lang)))))
}

/// The refused rows as CSV (UTF-8 with BOM): row number, the original cells, the reasons.
#[utoipa::path(get, path = "/customers/imports/{id}/errors.csv", tag = "customers",
    params(("id" = i64, Path, description = "import id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub async fn errors_csv(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (body, file) = error_report(&s.app, &u.ctx, u.lang, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(crate::view::download(
        body,
        "text/csv; charset=utf-8",
        &file,
    ))
}

/// The customers the list shows with these filters, as CSV (UTF-8 with BOM), streamed. Who may
/// export what is the administrator's setting per position (`/settings/export-rights`): a
/// refused export is 403 with the reason in `errors` (field `export`); staff export only their
/// own customers by default.
#[utoipa::path(get, path = "/customers/export.csv", tag = "customers", params(super::customers::CustomerParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export_csv(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<super::customers::CustomerParams>,
) -> Result<Response, ApiError> {
    export_file(&s.app, &u.ctx, u.lang, &p, Format::Csv)
        .await
        .map_err(|e| ApiError::new(e, u.lang))
}

/// The customers the list shows with these filters, as an Excel workbook (the same rights as
/// the CSV export).
#[utoipa::path(get, path = "/customers/export.xlsx", tag = "customers", params(super::customers::CustomerParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export_xlsx(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<super::customers::CustomerParams>,
) -> Result<Response, ApiError> {
    export_file(&s.app, &u.ctx, u.lang, &p, Format::Xlsx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))
}
