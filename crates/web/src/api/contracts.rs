//! Contracts (issue 13): `GET/POST /contracts`, `GET/PUT /contracts/{id}` (a draft's edit),
//! `POST /contracts/{id}/actions` (sign, approve, reject, start_delivery, complete, cancel),
//! `POST /contracts/{id}/invoices`, `GET /contracts/{id}/attachments/{attachment_id}` (the
//! file, with its type), a customer's `GET /customers/{id}/contracts`, revenue
//! `GET /contracts/revenue`, and the settings `GET/PUT /contract-settings`. Amounts are decimal
//! strings of yuan (`"1234567.89"`); percentages are decimal strings (`"13"`, `"6.5"`). The
//! rules are in `app::contracts`. Attachments are uploaded on the contract page or with
//! `POST /contracts/{id}/attachments` (multipart, the same checks).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use salesdesk_app::AppError;
use salesdesk_app::contracts::{self as uc, ContractQuery, RevenueQuery};
use salesdesk_domain::FieldErrors;
use salesdesk_domain::contract::{self as rules, Action, ContractInput, InvoiceInput, LineInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// A line of a contract.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractLineDto {
    /// A code of the products list (`GET /products`).
    pub product_code: String,
    /// 1–1,000,000 (default 1).
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Tax-inclusive unit price in yuan: `"1200.00"` (also `"1,200"`, `"3.5万"` on input).
    #[serde(default)]
    pub unit_price: String,
    /// Discount in percent, two decimals at most: `"5"`, `"7.5"` (default 0).
    #[serde(default)]
    pub discount: Option<String>,
    /// VAT rate in percent: `"13"`, `"6"`, `"0"` (default 13).
    #[serde(default)]
    pub tax_rate: Option<String>,
    /// Output only: the line's tax-inclusive and tax-exclusive amounts.
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub amount_excl: Option<String>,
}

/// An invoice.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractInvoiceDto {
    pub id: i64,
    pub contract_id: i64,
    pub number: String,
    /// `normal` (普票) or `special` (专票).
    pub kind: String,
    pub issue_date: chrono::NaiveDate,
    /// Tax-inclusive, as `ContractDto.total`.
    pub amount: String,
    /// Its tax-exclusive part (pro rata to the contract's totals).
    pub amount_excl: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl ContractInvoiceDto {
    fn of(i: uc::Invoice) -> ContractInvoiceDto {
        ContractInvoiceDto {
            id: i.id,
            contract_id: i.contract_id,
            number: i.number,
            kind: i.kind,
            issue_date: i.issue_date,
            amount: i.amount.to_decimal(),
            amount_excl: i.amount_excl.to_decimal(),
            created_at: i.created_at,
        }
    }
}

/// An attachment's description (the file: `GET /contracts/{id}/attachments/{attachment_id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractAttachmentDto {
    pub id: i64,
    pub file_name: String,
    /// `application/pdf`, `image/png` or `image/jpeg` (told by the file's bytes).
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

/// A contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDto {
    pub id: i64,
    /// `HT-000042`.
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub deal_id: Option<i64>,
    pub title: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region_id: Option<i64>,
    /// The partner it was sold through (the partners register comes later).
    pub partner_id: Option<i64>,
    pub signing_date: chrono::NaiveDate,
    /// `draft`, `pending_approval`, `signed`, `in_delivery`, `completed`, `cancelled`.
    pub status: String,
    /// Tax-inclusive total in yuan, two decimals: `"1234567.89"`.
    pub total: String,
    pub total_excl: String,
    pub tax: String,
    /// The sum of its invoices, and what is left to invoice.
    pub invoiced: String,
    pub open_to_invoice: String,
    pub signed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last rejection's or the cancellation's reason.
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Send it back with an edit: 409 `stale` when the contract changed since.
    pub version: i32,
    /// Above the director's threshold: signing waits for approval.
    pub needs_approval: bool,
    /// On `GET /contracts/{id}`; empty in lists.
    pub lines: Vec<ContractLineDto>,
    pub invoices: Vec<ContractInvoiceDto>,
    pub attachments: Vec<ContractAttachmentDto>,
    pub can_work: bool,
    pub can_approve: bool,
}

impl ContractDto {
    fn of(c: uc::Contract) -> ContractDto {
        ContractDto {
            id: c.id,
            number: c.number,
            customer_id: c.customer_id,
            customer_name: c.customer_name,
            deal_id: c.deal_id,
            title: c.title,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            region_id: c.region_id,
            partner_id: c.partner_id,
            signing_date: c.signing_date,
            status: c.status.as_str().into(),
            total: c.total.to_decimal(),
            total_excl: c.total_excl.to_decimal(),
            tax: c.tax.to_decimal(),
            invoiced: c.invoiced.to_decimal(),
            open_to_invoice: c.open_to_invoice.to_decimal(),
            signed_at: c.signed_at,
            approved_at: c.approved_at,
            reason: c.reason,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
            needs_approval: c.needs_approval,
            lines: c
                .lines
                .into_iter()
                .map(|l| ContractLineDto {
                    product_code: l.product_code,
                    quantity: Some(l.quantity),
                    unit_price: l.unit_price.to_decimal(),
                    discount: Some(rules::percent_text(l.discount_bp)),
                    tax_rate: Some(rules::percent_text(l.tax_bp)),
                    amount: Some(l.amount.to_decimal()),
                    amount_excl: Some(l.amount_excl.to_decimal()),
                })
                .collect(),
            invoices: c.invoices.into_iter().map(ContractInvoiceDto::of).collect(),
            attachments: c
                .attachments
                .into_iter()
                .map(|a| ContractAttachmentDto {
                    id: a.id,
                    file_name: a.file_name,
                    content_type: a.content_type,
                    size: a.size,
                    uploaded_at: a.uploaded_at,
                })
                .collect(),
            can_work: c.can_work,
            can_approve: c.can_approve,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractParams {
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    /// `draft`, `pending_approval` (the director's queue), `signed`, `in_delivery`,
    /// `completed`, `cancelled`.
    pub status: Option<String>,
    /// Signing month, `2026-11`.
    pub month: Option<String>,
    pub customer_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl ContractParams {
    pub(crate) fn query(&self) -> ContractQuery {
        ContractQuery {
            owner_id: self.owner_id,
            region_id: self.region_id,
            status: self.status.clone(),
            month: self.month.clone(),
            customer_id: self.customer_id,
        }
    }
}

/// Contracts the caller sees (like their customers), the most recently changed first.
#[utoipa::path(get, path = "/contracts", tag = "contracts", params(ContractParams),
    responses((status = 200, body = PageOf<ContractDto>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ContractParams>,
) -> Result<Json<PageOf<ContractDto>>, ApiError> {
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = uc::list(&s.app, &u.ctx, &p.query(), page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, ContractDto::of)))
}

/// A new contract, or a draft's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ContractBody {
    /// Create only: a customer the caller sees, not archived, not invalid.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// Create only: one of the customer's deals (usually won).
    #[serde(default)]
    pub deal_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    /// `2026-11-27`; not after today.
    #[serde(default)]
    pub signing_date: String,
    #[serde(default)]
    pub lines: Vec<ContractLineDto>,
    /// Edit: the version read.
    #[serde(default)]
    pub version: Option<i32>,
}

impl ContractBody {
    fn input(&self) -> ContractInput {
        ContractInput {
            title: self.title.clone(),
            signing_date: self.signing_date.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| LineInput {
                    product: l.product_code.clone(),
                    quantity: l.quantity.map(|q| q.to_string()).unwrap_or_default(),
                    unit_price: l.unit_price.clone(),
                    discount: l.discount.clone().unwrap_or_default(),
                    tax_rate: l.tax_rate.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Create a draft contract (its customer's owner or a manager). 404 for a customer the caller
/// does not see; 409 for an archived or invalid one; 422 names each bad field (`title`,
/// `signing_date`, `lines[0].unit_price` …).
#[utoipa::path(post, path = "/contracts", tag = "contracts", request_body = ContractBody,
    responses((status = 201, body = ContractDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ContractBody>,
) -> Result<(StatusCode, Json<ContractDto>), ApiError> {
    let Some(customer_id) = b.customer_id else {
        return Err(ApiError::new(
            AppError::field("customer_id", "error.required"),
            u.lang,
        ));
    };
    let c = uc::create(&s.app, &u.ctx, customer_id, b.deal_id, &b.input())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(ContractDto::of(c))))
}

/// One contract, with its lines, invoices and attachments.
#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts",
    params(("id" = i64, Path, description = "contract id")),
    responses((status = 200, body = ContractDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContractDto>, ApiError> {
    let c = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ContractDto::of(c)))
}

/// Edit a draft (every field is sent; lines replace the contract's). 409 when it is not a draft
/// or changed since `version`.
#[utoipa::path(put, path = "/contracts/{id}", tag = "contracts",
    params(("id" = i64, Path, description = "contract id")),
    request_body = ContractBody,
    responses((status = 200, body = ContractDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ContractBody>,
) -> Result<Json<ContractDto>, ApiError> {
    let c = uc::update_draft(&s.app, &u.ctx, id, &b.input(), b.version)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ContractDto::of(c)))
}

/// A status action.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ContractActionBody {
    /// `sign` (a draft: signed, or pending approval above the threshold), `approve` and
    /// `reject` (the director or the VP, a pending contract), `start_delivery`, `complete`,
    /// `cancel`.
    #[serde(default)]
    pub action: String,
    /// Required for `reject` and `cancel`.
    #[serde(default)]
    pub reason: String,
}

/// Move a contract's status. 409 when the move does not fit its status — or when someone else
/// moved it first (`error.contract_changed`: of two people acting at once, one wins).
#[utoipa::path(post, path = "/contracts/{id}/actions", tag = "contracts",
    params(("id" = i64, Path, description = "contract id")),
    request_body = ContractActionBody,
    responses((status = 200, body = ContractDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ContractActionBody>,
) -> Result<Json<ContractDto>, ApiError> {
    let Some(action) = Action::parse(b.action.trim()) else {
        return Err(ApiError::new(
            AppError::field("action", "error.invalid_choice"),
            u.lang,
        ));
    };
    let c = uc::act(&s.app, &u.ctx, id, action, &b.reason)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ContractDto::of(c)))
}

/// An invoice to record.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ContractInvoiceBody {
    /// 8–20 letters and digits (spaces and dashes are dropped); unique for the company.
    #[serde(default)]
    pub number: String,
    /// `normal` (普票) or `special` (专票).
    #[serde(default)]
    pub kind: String,
    /// `2026-11-27`; not after today, not before the contract's signing date.
    #[serde(default)]
    pub issue_date: String,
    /// Tax-inclusive yuan; more than zero, at most what is left to invoice.
    #[serde(default)]
    pub amount: String,
}

/// Record an invoice against a contract in force (signed, in delivery, completed). 409 for a
/// taken number or a contract not in force; 422 for an amount above what is left.
#[utoipa::path(post, path = "/contracts/{id}/invoices", tag = "contracts",
    params(("id" = i64, Path, description = "contract id")),
    request_body = ContractInvoiceBody,
    responses((status = 201, body = ContractInvoiceDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_invoice(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ContractInvoiceBody>,
) -> Result<(StatusCode, Json<ContractInvoiceDto>), ApiError> {
    let input = InvoiceInput {
        number: b.number,
        kind: b.kind,
        issue_date: b.issue_date,
        amount: b.amount,
    };
    let i = uc::add_invoice(&s.app, &u.ctx, id, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(ContractInvoiceDto::of(i))))
}

/// The multipart form of an attachment's upload (OpenAPI only).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart body for the OpenAPI document"
)]
pub struct ContractAttachmentUpload {
    /// The scanned contract: PDF, PNG or JPEG (told by its first bytes), at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attach a file to a contract (multipart `file`): the page's checks — PDF, PNG or JPEG by its
/// content whatever its name says, at most 10 MB; 422 naming `file` otherwise, nothing kept.
#[utoipa::path(post, path = "/contracts/{id}/attachments", tag = "contracts",
    params(("id" = i64, Path, description = "contract id")),
    request_body(content = ContractAttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ContractAttachmentDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<ContractAttachmentDto>), ApiError> {
    let Ok(m) = m else {
        return Err(ApiError::new(
            AppError::field("file", "error.attachment_empty"),
            u.lang,
        ));
    };
    let (name, bytes) = crate::pages::contracts::read_file(m)
        .await
        .map_err(|e| ApiError::new(AppError::Validation(FieldErrors(vec![e])), u.lang))?;
    let a = uc::attach(&s.app, &u.ctx, id, &name, &bytes)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(ContractAttachmentDto {
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            uploaded_at: a.uploaded_at,
        }),
    ))
}

/// An attachment's file, with its content type and `Content-Disposition: attachment`.
#[utoipa::path(get, path = "/contracts/{id}/attachments/{attachment_id}", tag = "contracts",
    params(("id" = i64, Path, description = "contract id"), ("attachment_id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "The file, in the type it was checked to be when attached (its first bytes)",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "application/octet-stream"))),
        (status = 404, body = Problem)))]
pub async fn attachment(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (name, content_type, bytes) = uc::attachment(&s.app, &u.ctx, id, aid)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(crate::view::stored_file(bytes, &content_type, &name))
}

/// A customer's contracts, newest first.
#[utoipa::path(get, path = "/customers/{id}/contracts", tag = "contracts",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = Vec<ContractDto>), (status = 404, body = Problem)))]
pub async fn for_customer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ContractDto>>, ApiError> {
    let c = uc::for_customer(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(c.into_iter().map(ContractDto::of).collect()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevenueParams {
    /// First month, `2026-01` (default: this month).
    pub from: Option<String>,
    /// Last month, `2026-12` (default: this month).
    pub to: Option<String>,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
}

/// Sales revenue for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractRevenueDto {
    /// The rule the administrator picked: `on_signing`, `on_invoice`, `on_payment` (zero until
    /// payments are recorded).
    pub rule: String,
    pub from: String,
    pub to: String,
    /// Tax-exclusive revenue (销售收入), as `ContractDto.total`.
    pub amount_excl: String,
    /// The same, tax-inclusive.
    pub amount: String,
    /// Contracts (on signing) or invoices (on invoice) counted.
    pub count: i64,
}

/// Revenue over the months `from..=to` for the customers the caller sees (or one owner or
/// region of them), by the administrator's rule.
#[utoipa::path(get, path = "/contracts/revenue", tag = "contracts", params(RevenueParams),
    responses((status = 200, body = ContractRevenueDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn revenue(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<RevenueParams>,
) -> Result<Json<ContractRevenueDto>, ApiError> {
    let q = RevenueQuery {
        from: p.from,
        to: p.to,
        owner_id: p.owner_id,
        region_id: p.region_id,
    };
    let r = uc::revenue(&s.app, &u.ctx, &q)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ContractRevenueDto {
        rule: r.rule.as_str().into(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        amount_excl: r.amount_excl.to_decimal(),
        amount: r.amount.to_decimal(),
        count: r.count,
    }))
}

/// The contracts' settings.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ContractSettingsDto {
    /// Contracts above this tax-inclusive total (yuan) need the director's approval; the
    /// director or the VP changes it.
    #[serde(default)]
    pub threshold: Option<String>,
    /// `on_signing`, `on_invoice` or `on_payment`; the administrator changes it.
    #[serde(default)]
    pub revenue_rule: Option<String>,
    /// Days before an instalment's due date its owner is reminded (0–90, default 3); the
    /// director or the VP changes it.
    #[serde(default)]
    pub remind_before_days: Option<i64>,
    /// Days after an unpaid instalment's due date the owner and the regional manager are
    /// reminded (0–90, default 1); the director or the VP changes it.
    #[serde(default)]
    pub remind_after_days: Option<i64>,
}

fn settings_dto(c: uc::ContractSettings) -> ContractSettingsDto {
    ContractSettingsDto {
        threshold: Some(c.threshold().to_decimal()),
        revenue_rule: Some(c.revenue_rule.as_str().into()),
        remind_before_days: Some(c.remind_before_days.into()),
        remind_after_days: Some(c.remind_after_days.into()),
    }
}

/// The approval threshold and the revenue rule (anyone signed in may read them).
#[utoipa::path(get, path = "/contract-settings", tag = "contracts",
    responses((status = 200, body = ContractSettingsDto)))]
pub async fn get_settings(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<ContractSettingsDto>, ApiError> {
    let c = uc::settings(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(settings_dto(c)))
}

/// Change the threshold and the reminder days (the director, the VP) and/or the revenue rule
/// (the administrator); a field left out is kept. 403 for a field the caller may not change.
#[utoipa::path(put, path = "/contract-settings", tag = "contracts", request_body = ContractSettingsDto,
    responses((status = 200, body = ContractSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ContractSettingsDto>,
) -> Result<Json<ContractSettingsDto>, ApiError> {
    let before = b.remind_before_days.map(|d| d.to_string());
    let after = b.remind_after_days.map(|d| d.to_string());
    let change = uc::SettingsChange {
        threshold: b.threshold.as_deref(),
        revenue_rule: b.revenue_rule.as_deref(),
        remind_before_days: before.as_deref(),
        remind_after_days: after.as_deref(),
    };
    let c = uc::put_settings(&s.app, &u.ctx, change)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(settings_dto(c)))
}
