//! Quotations (issue 13 point 2): a deal's versions `GET/POST /deals/{id}/quotes`, one
//! quotation `GET/PUT /quotes/{id}`, its moves `POST /quotes/{id}/submit`, `/approve`,
//! `/reject`, `/send`, the caller's queue `GET /quote-approvals`, a customer's
//! `GET /customers/{id}/quotes`, and the settings `GET/PUT /settings/quotes`. Amounts are
//! decimal strings of yuan (`"1234567.89"`), percentages decimal strings (`"12.5"`); the rules
//! are in `domain::quote` and `app::quotes`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::quotes::{self as uc, SettingsText};
use salesdesk_domain::quote::{self as rules, Action, LineInput, QuoteInput};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// A percentage in basis points as the API writes it: `"12.5"`, `"13"`.
fn pct(bp: u32) -> String {
    rules::percent_text(bp).trim_end_matches('%').to_string()
}

/// A line of a quotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteLineDto {
    /// A code of the products list (`GET /products`).
    pub product_code: String,
    pub quantity: i64,
    /// The unit's list price, tax excluded, yuan as a decimal string.
    pub list_price: String,
    /// Percent, up to two decimals: `"12.5"`.
    pub discount: String,
    /// Percent: `"13"`, `"9"`, `"6"`, `"3"`, `"1"` or `"0"`.
    pub tax_rate: String,
    /// list price × quantity.
    pub list_amount: String,
    /// After the discount, tax excluded (rounded to the fen, halves up).
    pub net: String,
    /// net × tax rate (rounded to the fen, halves up).
    pub tax: String,
    /// net + tax.
    pub gross: String,
}

/// A quotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteDto {
    pub id: i64,
    pub deal_id: i64,
    pub deal_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// 1, 2, … per deal.
    pub version: i32,
    /// `draft`, `pending`, `approved`, `rejected` or `sent`.
    pub state: String,
    pub valid_until: chrono::NaiveDate,
    pub note: Option<String>,
    /// Σ lines' list amounts.
    pub list_amount: String,
    /// Σ lines' net amounts (tax excluded).
    pub net: String,
    pub tax: String,
    /// Σ lines' gross amounts (tax included).
    pub gross: String,
    /// The largest line discount, percent.
    pub max_discount: String,
    /// Above the discount limit: approval is needed before it is sent.
    pub needs_approval: bool,
    pub approver_id: Option<i64>,
    pub approver_name: Option<String>,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The rejection's (or approval's) comment.
    pub decision_comment: Option<String>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Send it back with an edit: 409 `stale` when the quotation changed since.
    pub version_token: i32,
    /// On `GET /quotes/{id}` and after a change; empty in lists.
    pub lines: Vec<QuoteLineDto>,
    pub can_edit: bool,
    pub can_submit: bool,
    pub can_decide: bool,
    pub can_send: bool,
}

impl From<uc::Quote> for QuoteDto {
    fn from(q: uc::Quote) -> QuoteDto {
        QuoteDto {
            id: q.id,
            deal_id: q.deal_id,
            deal_name: q.deal_name,
            customer_id: q.customer_id,
            customer_name: q.customer_name,
            owner_id: q.owner_id,
            owner_name: q.owner_name,
            version: q.version,
            state: q.state.as_str().to_string(),
            valid_until: q.valid_until,
            note: q.note,
            list_amount: q.totals.list.to_decimal(),
            net: q.totals.net.to_decimal(),
            tax: q.totals.tax.to_decimal(),
            gross: q.totals.gross.to_decimal(),
            max_discount: pct(q.max_discount_bp),
            needs_approval: q.needs_approval,
            approver_id: q.approver_id,
            approver_name: q.approver_name,
            submitted_at: q.submitted_at,
            decided_by_name: q.decided_by_name,
            decided_at: q.decided_at,
            decision_comment: q.decision_comment,
            sent_at: q.sent_at,
            created_at: q.created_at,
            updated_at: q.updated_at,
            version_token: q.row_version,
            lines: q
                .lines
                .into_iter()
                .map(|l| QuoteLineDto {
                    product_code: l.product_code,
                    quantity: l.quantity,
                    list_price: l.list_price.to_decimal(),
                    discount: pct(l.discount_bp),
                    tax_rate: pct(l.tax_bp),
                    list_amount: l.amounts.list.to_decimal(),
                    net: l.amounts.net.to_decimal(),
                    tax: l.amounts.tax.to_decimal(),
                    gross: l.amounts.gross.to_decimal(),
                })
                .collect(),
            can_edit: q.can_edit,
            can_submit: q.can_submit,
            can_decide: q.can_decide,
            can_send: q.can_send,
        }
    }
}

/// A JSON string or number as the text it is (`2.5` → `"2.5"`), so that the rules — and their
/// messages — are the same as for a form; anything else is empty.
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

/// A line as sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct QuoteLineBody {
    #[serde(default)]
    pub product_code: String,
    /// A whole number 1–1,000,000 (a string or a number).
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub quantity: String,
    /// Yuan as text, tax excluded: `"1234.5"`, `"1,234.50"`; at most two decimals, not negative.
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub list_price: String,
    /// Percent 0–100, at most two decimals (default 0).
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub discount: String,
    /// Percent: 13, 9, 6, 3, 1 or 0 (default 13).
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub tax_rate: String,
}

/// The editable fields of a draft (all sent; lines replace the quotation's).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct QuoteBody {
    /// `2026-12-31`, not before today.
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub lines: Vec<QuoteLineBody>,
    /// The `version_token` read: 409 `stale` when the quotation changed since.
    #[serde(default)]
    pub version_token: Option<i32>,
}

impl QuoteBody {
    fn input(&self) -> QuoteInput {
        QuoteInput {
            valid_until: self.valid_until.clone(),
            note: self.note.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| LineInput {
                    product_code: l.product_code.clone(),
                    quantity: l.quantity.clone(),
                    list_price: l.list_price.clone(),
                    discount: l.discount.clone(),
                    tax_rate: l.tax_rate.clone(),
                })
                .collect(),
        }
    }
}

/// A deal's quotations, the newest version first.
#[utoipa::path(get, path = "/deals/{id}/quotes", tag = "quotes",
    params(("id" = i64, Path, description = "deal id")),
    responses((status = 200, body = Vec<QuoteDto>), (status = 404, body = Problem)))]
pub async fn for_deal(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<QuoteDto>>, ApiError> {
    let list = uc::for_deal(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(list.into_iter().map(QuoteDto::from).collect()))
}

/// Make the deal's next quotation version: a draft copying its latest one (the first: the
/// deal's products at ¥0.00 to fill in). Whoever works on the deal; 409 on a won or lost deal.
#[utoipa::path(post, path = "/deals/{id}/quotes", tag = "quotes",
    params(("id" = i64, Path, description = "deal id")),
    responses((status = 201, body = QuoteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<QuoteDto>), ApiError> {
    let q = uc::create_version(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(q.into())))
}

/// One quotation with its lines.
#[utoipa::path(get, path = "/quotes/{id}", tag = "quotes",
    params(("id" = i64, Path, description = "quotation id")),
    responses((status = 200, body = QuoteDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuoteDto>, ApiError> {
    let q = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(q.into()))
}

/// Edit a draft: validity, note, lines. 409 when it is no longer a draft (submitted, approved,
/// sent, rejected) or changed since `version_token`; 422 names each bad field
/// (`lines[0].discount` …) and nothing is saved.
#[utoipa::path(put, path = "/quotes/{id}", tag = "quotes",
    params(("id" = i64, Path, description = "quotation id")),
    request_body = QuoteBody,
    responses((status = 200, body = QuoteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuoteBody>,
) -> Result<Json<QuoteDto>, ApiError> {
    let q = uc::update(&s.app, &u.ctx, id, &b.input(), b.version_token)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(q.into()))
}

/// A move's body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct QuoteActionBody {
    /// Reject: why (required). Approve: optional.
    #[serde(default)]
    pub comment: String,
}

async fn act(
    s: &AppState,
    u: &ApiUser,
    id: i64,
    action: Action,
    b: &QuoteActionBody,
) -> Result<Json<QuoteDto>, ApiError> {
    let q = uc::act(&s.app, &u.ctx, id, action, &b.comment)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(q.into()))
}

/// Ask for approval of a draft whose discount is above the limit (its owner or a manager): it
/// goes to the customer's owner's manager. 409 when no approval is needed or it is not a draft.
#[utoipa::path(post, path = "/quotes/{id}/submit", tag = "quotes",
    params(("id" = i64, Path, description = "quotation id")),
    request_body = QuoteActionBody,
    responses((status = 200, body = QuoteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn submit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuoteActionBody>,
) -> Result<Json<QuoteDto>, ApiError> {
    act(&s, &u, id, Action::Submit, &b).await
}

/// Approve a pending quotation (the manager asked, the director or the VP). Of several at once,
/// one succeeds and the others get 409.
#[utoipa::path(post, path = "/quotes/{id}/approve", tag = "quotes",
    params(("id" = i64, Path, description = "quotation id")),
    request_body = QuoteActionBody,
    responses((status = 200, body = QuoteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuoteActionBody>,
) -> Result<Json<QuoteDto>, ApiError> {
    act(&s, &u, id, Action::Approve, &b).await
}

/// Reject a pending quotation with a comment (required); a new version is then made.
#[utoipa::path(post, path = "/quotes/{id}/reject", tag = "quotes",
    params(("id" = i64, Path, description = "quotation id")),
    request_body = QuoteActionBody,
    responses((status = 200, body = QuoteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuoteActionBody>,
) -> Result<Json<QuoteDto>, ApiError> {
    act(&s, &u, id, Action::Reject, &b).await
}

/// Mark a quotation sent to the customer: an approved one, or a draft within the discount
/// limit. Of several at once, one succeeds and the others get 409.
#[utoipa::path(post, path = "/quotes/{id}/send", tag = "quotes",
    params(("id" = i64, Path, description = "quotation id")),
    request_body = QuoteActionBody,
    responses((status = 200, body = QuoteDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn send(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuoteActionBody>,
) -> Result<Json<QuoteDto>, ApiError> {
    act(&s, &u, id, Action::Send, &b).await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotePageParams {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl QuotePageParams {
    fn page(&self) -> salesdesk_app::Page {
        PageParams {
            page: self.page,
            per_page: self.per_page,
        }
        .page()
    }
}

/// The quotations waiting for the caller's decision, the longest waiting first (managers;
/// empty for others).
#[utoipa::path(get, path = "/quote-approvals", tag = "quotes", params(QuotePageParams),
    responses((status = 200, body = PageOf<QuoteDto>)))]
pub async fn waiting(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<QuotePageParams>,
) -> Result<Json<PageOf<QuoteDto>>, ApiError> {
    let r = uc::waiting(&s.app, &u.ctx, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, QuoteDto::from)))
}

/// A customer's quotations (of all its deals), the most recently changed first.
#[utoipa::path(get, path = "/customers/{id}/quotes", tag = "quotes",
    params(("id" = i64, Path, description = "customer id"), QuotePageParams),
    responses((status = 200, body = PageOf<QuoteDto>), (status = 404, body = Problem)))]
pub async fn for_customer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<QuotePageParams>,
) -> Result<Json<PageOf<QuoteDto>>, ApiError> {
    let r = uc::for_customer(&s.app, &u.ctx, id, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, QuoteDto::from)))
}

/// The quotation settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuoteSettingsDto {
    /// The company's name on the printed quotation.
    #[serde(default)]
    pub company_name: String,
    /// Percent, at most two decimals: a line discount above it needs approval.
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub discount_limit: String,
    /// Days a new quotation is valid, 1–365.
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub validity_days: String,
}

fn settings_dto(x: &uc::QuoteSettings) -> QuoteSettingsDto {
    let t = SettingsText::from(x);
    QuoteSettingsDto {
        company_name: t.company_name,
        discount_limit: t.discount_limit,
        validity_days: t.validity_days,
    }
}

/// The quotation settings (the director, the VP, administrators).
#[utoipa::path(get, path = "/settings/quotes", tag = "quotes",
    responses((status = 200, body = QuoteSettingsDto), (status = 403, body = Problem)))]
pub async fn get_settings(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<QuoteSettingsDto>, ApiError> {
    if !uc::may_set(&u.ctx) {
        return Err(ApiError::new(salesdesk_app::AppError::Forbidden, u.lang));
    }
    let x = uc::settings(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(settings_dto(&x)))
}

/// Replace the quotation settings (the director, the VP, administrators); audited.
#[utoipa::path(put, path = "/settings/quotes", tag = "quotes", request_body = QuoteSettingsDto,
    responses((status = 200, body = QuoteSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<QuoteSettingsDto>,
) -> Result<Json<QuoteSettingsDto>, ApiError> {
    let t = SettingsText {
        company_name: b.company_name,
        discount_limit: b.discount_limit,
        validity_days: b.validity_days,
    };
    let x = uc::put_settings(&s.app, &u.ctx, &t)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(settings_dto(&x)))
}
