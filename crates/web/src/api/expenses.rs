//! Business expenses and budgets (业务费用, issue 14 point 1): claims `GET/POST /expenses`, one
//! claim `GET /expenses/{id}` (receipts, versions, approval steps, budget checks), its moves
//! `POST /expenses/{id}/approve`, `/return`, `/resubmit`, its receipts
//! `POST /expenses/{id}/receipts` (multipart `file`) and
//! `GET /expenses/{id}/receipts/{receipt_id}`, the budget board `GET /budgets?period=` and one
//! budget `PUT /budgets`, and the settings `GET/PUT /settings/expenses`. Amounts are decimal
//! strings of yuan (`"1234.50"`); the rules are in `domain::expense` and `app::expenses`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use salesdesk_app::AppError;
use salesdesk_app::expenses::{self as uc, BudgetInput, ClaimInput, ListFilter, SettingsText};
use salesdesk_domain::expense::Action;
use salesdesk_domain::{FieldErrors, Money};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// A JSON string or number as the text it is (`120.5` → `"120.5"`), so that the rules — and
/// their messages — are the same as for a form; anything else is empty.
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

/// A receipt's description (the file: `GET /expenses/{id}/receipts/{receipt_id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseReceiptDto {
    pub id: i64,
    /// The claim's version it was added to.
    pub version: i32,
    pub file_name: String,
    /// `application/pdf`, `image/png` or `image/jpeg` (told by the file's bytes).
    pub content_type: String,
    pub size: i64,
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// A submitted version of a claim (every one is kept).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseVersionDto {
    pub version: i32,
    pub category: String,
    pub expense_date: chrono::NaiveDate,
    pub amount: String,
    pub description: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A step of a claim's approval, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseEventDto {
    pub version: i32,
    /// `submit`, `approve`, `return` or `resubmit`.
    pub action: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub comment: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A budget the claim counts against (its region's and the regions' above it, for the month,
/// quarter and year of its date, where set), and how it stands with the claim in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseBudgetCheckDto {
    pub region_id: i64,
    pub region_name: String,
    /// `2026`, `2026-Q4` or `2026-11`.
    pub period: String,
    pub budget: String,
    /// Approved and pending claims of the period, this claim included.
    pub committed: String,
    /// `committed` is above `budget`: a warning, the claim is not refused.
    pub over: bool,
}

/// An expense claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseDto {
    pub id: i64,
    /// `BX-000042`.
    pub number: String,
    pub claimant_id: i64,
    pub claimant_name: Option<String>,
    /// The claimant's region when claiming: the budget it counts against.
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    /// A code of the `expense_category` list (`GET /choices`).
    pub category: String,
    pub expense_date: chrono::NaiveDate,
    /// Yuan as a decimal string: `"1234.50"`.
    pub amount: String,
    pub description: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub deal_id: Option<i64>,
    pub contract_id: Option<i64>,
    /// `pending_manager`, `pending_director`, `approved` or `returned`.
    pub state: String,
    /// 1, 2, … one per submission; send it back with a decision or a resubmission.
    pub version: i32,
    /// Above the director's threshold when submitted: the director's approval is needed too.
    pub needs_director: bool,
    /// Who is asked now (pending claims).
    pub approver_id: Option<i64>,
    pub approver_name: Option<String>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub manager_by_name: Option<String>,
    pub manager_at: Option<chrono::DateTime<chrono::Utc>>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub returned_by_name: Option<String>,
    pub returned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub return_comment: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The caller may approve or return it now.
    pub can_decide: bool,
    /// The caller is the claimant and it is returned: they may revise and resubmit it.
    pub can_revise: bool,
    /// The caller may add a receipt (the claimant, until it is approved).
    pub can_attach: bool,
    /// On `GET /expenses/{id}` and after a change; empty in lists.
    pub receipts: Vec<ExpenseReceiptDto>,
    pub versions: Vec<ExpenseVersionDto>,
    pub events: Vec<ExpenseEventDto>,
    pub budget_checks: Vec<ExpenseBudgetCheckDto>,
}

impl ExpenseDto {
    fn of(e: uc::Expense) -> ExpenseDto {
        ExpenseDto {
            id: e.id,
            number: uc::number(e.id),
            claimant_id: e.claimant_id,
            claimant_name: e.claimant_name,
            region_id: e.region_id,
            region_name: e.region_name,
            category: e.category,
            expense_date: e.expense_date,
            amount: e.amount.to_decimal(),
            description: e.description,
            customer_id: e.customer_id,
            customer_name: e.customer_name,
            deal_id: e.deal_id,
            contract_id: e.contract_id,
            state: e.state.as_str().into(),
            version: e.version,
            needs_director: e.needs_director,
            approver_id: e.approver_id,
            approver_name: e.approver_name,
            submitted_at: e.submitted_at,
            manager_by_name: e.manager_by_name,
            manager_at: e.manager_at,
            approved_by_name: e.approved_by_name,
            approved_at: e.approved_at,
            returned_by_name: e.returned_by_name,
            returned_at: e.returned_at,
            return_comment: e.return_comment,
            updated_at: e.updated_at,
            can_decide: e.can_decide,
            can_revise: e.can_revise,
            can_attach: e.can_attach,
            receipts: e
                .receipts
                .into_iter()
                .map(|r| ExpenseReceiptDto {
                    id: r.id,
                    version: r.version,
                    file_name: r.file_name,
                    content_type: r.content_type,
                    size: r.size,
                    added_at: r.added_at,
                })
                .collect(),
            versions: e
                .versions
                .into_iter()
                .map(|v| ExpenseVersionDto {
                    version: v.version,
                    category: v.category,
                    expense_date: v.expense_date,
                    amount: v.amount.to_decimal(),
                    description: v.description,
                    created_at: v.created_at,
                })
                .collect(),
            events: e
                .events
                .into_iter()
                .map(|x| ExpenseEventDto {
                    version: x.version,
                    action: x.action,
                    actor_id: x.actor_id,
                    actor_name: x.actor_name,
                    from_state: x.from_state,
                    to_state: x.to_state,
                    comment: x.comment,
                    at: x.at,
                })
                .collect(),
            budget_checks: e
                .budgets
                .into_iter()
                .map(|b| ExpenseBudgetCheckDto {
                    region_id: b.region_id,
                    region_name: b.region_name,
                    period: b.period,
                    budget: b.budget.to_decimal(),
                    committed: b.committed.to_decimal(),
                    over: b.over,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpenseParams {
    /// `pending_manager`, `pending_director`, `approved` or `returned`.
    pub state: Option<String>,
    pub claimant_id: Option<i64>,
    /// The region and its branch offices.
    pub region_id: Option<i64>,
    /// A code of the `expense_category` list.
    pub category: Option<String>,
    pub customer_id: Option<i64>,
    /// Spent on or after this day, `2026-11-01`.
    pub from: Option<chrono::NaiveDate>,
    /// Spent on or before this day.
    pub to: Option<chrono::NaiveDate>,
    /// Only the claims waiting for the caller's decision, the longest waiting first.
    pub waiting: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The claims the caller sees (their own, what waits for them, and their people's when they
/// lead people), the latest spent first.
#[utoipa::path(get, path = "/expenses", tag = "expenses", params(ExpenseParams),
    responses((status = 200, body = PageOf<ExpenseDto>), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ExpenseParams>,
) -> Result<Json<PageOf<ExpenseDto>>, ApiError> {
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let f = ListFilter {
        state: p.state,
        claimant_id: p.claimant_id,
        region_id: p.region_id,
        category: p.category,
        customer_id: p.customer_id,
        from: p.from,
        to: p.to,
        waiting: p.waiting.unwrap_or(false),
    };
    let r = uc::list(&s.app, &u.ctx, &f, page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, ExpenseDto::of)))
}

/// A claim's fields (a new claim, or a returned claim's revision).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ExpenseBody {
    /// A code of the active `expense_category` entries (`travel`, `entertainment`, …).
    #[serde(default)]
    pub category: String,
    /// `2026-11-27`: not after today, at most 366 days ago.
    #[serde(default)]
    pub expense_date: String,
    /// Yuan as text (or a number): more than zero, two decimals at most, at most ¥1,000,000.
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub amount: String,
    #[serde(default)]
    pub description: String,
    /// A customer the caller sees (implied by `deal_id` or `contract_id`).
    #[serde(default)]
    pub customer_id: Option<i64>,
    #[serde(default)]
    pub deal_id: Option<i64>,
    #[serde(default)]
    pub contract_id: Option<i64>,
    /// The caller's own id, when given: a claim on someone else's behalf is refused (422).
    #[serde(default)]
    pub claimant_id: Option<i64>,
    /// Resubmit: the returned version revised (409 when the claim changed since).
    #[serde(default)]
    pub version: Option<i32>,
}

impl ExpenseBody {
    fn input(&self) -> ClaimInput {
        ClaimInput {
            category: self.category.clone(),
            expense_date: self.expense_date.clone(),
            amount: self.amount.clone(),
            description: self.description.clone(),
            customer_id: self.customer_id,
            deal_id: self.deal_id,
            contract_id: self.contract_id,
            claimant_id: self.claimant_id,
        }
    }
}

/// Claim an expense for oneself (anyone holding a sales position): it waits for one's manager
/// (without one, the director; the director's own, the VP). Receipts are added with
/// `POST /expenses/{id}/receipts`. 422 names each bad field and nothing is saved; 409 on
/// `approver` when nobody is in post to approve it.
#[utoipa::path(post, path = "/expenses", tag = "expenses", request_body = ExpenseBody,
    responses((status = 201, body = ExpenseDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ExpenseBody>,
) -> Result<(StatusCode, Json<ExpenseDto>), ApiError> {
    let e = uc::create(&s.app, &u.ctx, &b.input(), &[])
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(ExpenseDto::of(e))))
}

/// One claim with its receipts, versions, approval steps and budget checks (404 outside the
/// caller's view).
#[utoipa::path(get, path = "/expenses/{id}", tag = "expenses",
    params(("id" = i64, Path, description = "claim id")),
    responses((status = 200, body = ExpenseDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ExpenseDto>, ApiError> {
    let e = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ExpenseDto::of(e)))
}

/// A decision's body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ExpenseDecisionBody {
    /// Return: why (required). Approve: optional.
    #[serde(default)]
    pub comment: String,
    /// The version the decider saw: 409 when the claim was resubmitted or decided since.
    #[serde(default)]
    pub version: Option<i32>,
}

async fn decide(
    s: &AppState,
    u: &ApiUser,
    id: i64,
    action: Action,
    b: &ExpenseDecisionBody,
) -> Result<Json<ExpenseDto>, ApiError> {
    let e = uc::decide(&s.app, &u.ctx, id, action, &b.comment, b.version)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ExpenseDto::of(e)))
}

/// Approve a pending claim (the approver asked, or the director or the VP standing in; never
/// one's own: 409 `error.expense_own`). The manager's approval above the threshold passes it to
/// the director (`pending_director`); the director's or the VP's ends it. Of two deciders at
/// once one gets 200, the other 409.
#[utoipa::path(post, path = "/expenses/{id}/approve", tag = "expenses",
    params(("id" = i64, Path, description = "claim id")),
    request_body = ExpenseDecisionBody,
    responses((status = 200, body = ExpenseDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ExpenseDecisionBody>,
) -> Result<Json<ExpenseDto>, ApiError> {
    decide(&s, &u, id, Action::Approve, &b).await
}

/// Return a pending claim to the claimant with a comment (required), to revise and resubmit.
#[utoipa::path(post, path = "/expenses/{id}/return", tag = "expenses",
    params(("id" = i64, Path, description = "claim id")),
    request_body = ExpenseDecisionBody,
    responses((status = 200, body = ExpenseDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn return_claim(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ExpenseDecisionBody>,
) -> Result<Json<ExpenseDto>, ApiError> {
    decide(&s, &u, id, Action::Return, &b).await
}

/// Resubmit a returned claim revised (the claimant): a new version (the earlier ones are kept)
/// that waits for the first approver again. 409 when it is not returned or changed since
/// `version`.
#[utoipa::path(post, path = "/expenses/{id}/resubmit", tag = "expenses",
    params(("id" = i64, Path, description = "claim id")),
    request_body = ExpenseBody,
    responses((status = 200, body = ExpenseDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn resubmit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ExpenseBody>,
) -> Result<Json<ExpenseDto>, ApiError> {
    let e = uc::resubmit(&s.app, &u.ctx, id, &b.input(), &[], b.version)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ExpenseDto::of(e)))
}

/// The multipart form of a receipt's upload (OpenAPI only).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart body for the OpenAPI document"
)]
pub struct ExpenseReceiptUpload {
    /// The receipt: PDF, PNG or JPEG (told by its first bytes, and the name's extension must
    /// agree), at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Add a receipt to one's own claim until it is approved (multipart `file`): PDF, PNG or JPEG
/// by its content, an extension that agrees with it, at most 10 MB and 20 receipts a claim;
/// 422 naming `file` otherwise, nothing kept. 201 with the claim and its receipts.
#[utoipa::path(post, path = "/expenses/{id}/receipts", tag = "expenses",
    params(("id" = i64, Path, description = "claim id")),
    request_body(content = ExpenseReceiptUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ExpenseDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<ExpenseDto>), ApiError> {
    let Ok(m) = m else {
        return Err(ApiError::new(
            AppError::field("file", "error.attachment_empty"),
            u.lang,
        ));
    };
    let (file_name, bytes) = crate::pages::contracts::read_file(m)
        .await
        .map_err(|e| ApiError::new(AppError::Validation(FieldErrors(vec![e])), u.lang))?;
    let e = uc::attach(&s.app, &u.ctx, id, uc::Upload { file_name, bytes })
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(ExpenseDto::of(e))))
}

/// A receipt's file, with its content type and `Content-Disposition: attachment`.
#[utoipa::path(get, path = "/expenses/{id}/receipts/{receipt_id}", tag = "expenses",
    params(("id" = i64, Path, description = "claim id"), ("receipt_id" = i64, Path, description = "receipt id")),
    responses((status = 200, description = "The file, in the type it was checked to be when added (its first bytes)",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "application/octet-stream"))),
        (status = 404, body = Problem)))]
pub async fn receipt(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, rid)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (name, content_type, bytes) = uc::receipt(&s.app, &u.ctx, id, rid)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(crate::view::stored_file(bytes, &content_type, &name))
}

// ---- Budgets ----

/// One region's row of the budget board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetRowDto {
    pub region_id: i64,
    pub region_name: String,
    /// A branch office's region (its spend is in its region's row too).
    pub parent_id: Option<i64>,
    /// The period's budget; `null` when not set.
    pub budget: Option<String>,
    /// Approved and pending claims of the period, the region's and its branches'.
    pub approved: String,
    pub pending: String,
    /// Budget less approved and pending (negative when over); `null` without a budget.
    pub left: Option<String>,
    /// Approved and pending as whole percent of the budget; `null` without one (or zero).
    pub percent_used: Option<i64>,
    /// Approved and pending are above the budget.
    pub over: bool,
    /// Approved per month of the period's year, January first.
    pub months: Vec<String>,
    /// Each month's budget, where set.
    pub month_budgets: Vec<Option<String>>,
    /// Approved sales cost of the year (the cost categories).
    pub cost: String,
}

/// The budget board of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetBoardDto {
    /// `2026`, `2026-Q4` or `2026-11`.
    pub period: String,
    pub year: i32,
    pub rows: Vec<BudgetRowDto>,
    /// Sums of the top-level regions' rows (branches are inside their region).
    pub total_budget: String,
    pub total_approved: String,
    pub total_pending: String,
    /// The caller may set budgets (`PUT /budgets`).
    pub may_set: bool,
    /// The categories counting as sales cost.
    pub cost_categories: Vec<String>,
}

impl BudgetBoardDto {
    fn of(b: uc::BudgetBoard) -> BudgetBoardDto {
        let opt = |m: Option<Money>| m.map(Money::to_decimal);
        BudgetBoardDto {
            period: b.period,
            year: b.year,
            rows: b
                .rows
                .into_iter()
                .map(|r| BudgetRowDto {
                    region_id: r.region_id,
                    region_name: r.region_name,
                    parent_id: r.parent_id,
                    budget: opt(r.budget),
                    approved: r.approved.to_decimal(),
                    pending: r.pending.to_decimal(),
                    left: opt(r.left),
                    percent_used: r.percent_used,
                    over: r.over,
                    months: r.months.into_iter().map(Money::to_decimal).collect(),
                    month_budgets: r.month_budgets.into_iter().map(opt).collect(),
                    cost: r.cost.to_decimal(),
                })
                .collect(),
            total_budget: b.total_budget.to_decimal(),
            total_approved: b.total_approved.to_decimal(),
            total_pending: b.total_pending.to_decimal(),
            may_set: b.may_set,
            cost_categories: b.cost_categories,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetParams {
    /// `2026`, `2026-Q4` or `2026-11` (default: this month).
    pub period: Option<String>,
}

/// The budget board: each region's budget of the period against its approved and pending
/// claims (the director and the VP every region; a regional manager their region and its
/// branches; anyone else 403).
#[utoipa::path(get, path = "/budgets", tag = "expenses", params(BudgetParams),
    responses((status = 200, body = BudgetBoardDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn board(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<BudgetParams>,
) -> Result<Json<BudgetBoardDto>, ApiError> {
    let b = uc::board(&s.app, &u.ctx, p.period.as_deref())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(BudgetBoardDto::of(b)))
}

/// A region's budget for a period.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BudgetBody {
    #[serde(default)]
    pub region_id: Option<i64>,
    /// `2026`, `2026-Q4` or `2026-11`; not a period that has ended.
    #[serde(default)]
    pub period: String,
    /// Yuan as text (or a number), zero or more.
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub amount: String,
}

/// Set a region's budget for a period that has not ended (the director and the VP); audited
/// with the amount it replaces. Answers the board of that period.
#[utoipa::path(put, path = "/budgets", tag = "expenses", request_body = BudgetBody,
    responses((status = 200, body = BudgetBoardDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_budget(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<BudgetBody>,
) -> Result<Json<BudgetBoardDto>, ApiError> {
    let i = BudgetInput {
        region_id: b.region_id,
        period: b.period,
        amount: b.amount,
    };
    let board = uc::set_budget(&s.app, &u.ctx, &i)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(BudgetBoardDto::of(board)))
}

// ---- Settings ----

/// The expense settings.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ExpenseSettingsDto {
    /// Yuan: a claim strictly above it needs the director's approval too.
    #[serde(default, deserialize_with = "scalar")]
    #[schema(value_type = String)]
    pub threshold: String,
    /// Codes of the `expense_category` list whose approved claims count as sales cost.
    #[serde(default)]
    pub cost_categories: Vec<String>,
}

fn settings_dto(x: uc::ExpenseSettings) -> ExpenseSettingsDto {
    ExpenseSettingsDto {
        threshold: Money::from_fen(x.threshold_fen).to_decimal(),
        cost_categories: x.cost_categories,
    }
}

/// The director's threshold and the sales-cost categories (the director and the VP).
#[utoipa::path(get, path = "/settings/expenses", tag = "expenses",
    responses((status = 200, body = ExpenseSettingsDto), (status = 403, body = Problem)))]
pub async fn get_settings(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<ExpenseSettingsDto>, ApiError> {
    if !uc::may_set(&u.ctx) {
        return Err(ApiError::new(AppError::Forbidden, u.lang));
    }
    let x = uc::settings(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(settings_dto(x)))
}

/// Replace the expense settings (the director and the VP); audited.
#[utoipa::path(put, path = "/settings/expenses", tag = "expenses", request_body = ExpenseSettingsDto,
    responses((status = 200, body = ExpenseSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ExpenseSettingsDto>,
) -> Result<Json<ExpenseSettingsDto>, ApiError> {
    let t = SettingsText {
        threshold: b.threshold,
        cost_categories: b.cost_categories,
    };
    let x = uc::put_settings(&s.app, &u.ctx, &t)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(settings_dto(x)))
}
