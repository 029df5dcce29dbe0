//! Payment plans, payments (回款) and receivables (issue 13 point 6):
//! `GET/PUT /contracts/{id}/plan`, `GET/POST /contracts/{id}/payments` (a payment, or a refund
//! with `kind: "refund"`), `GET /receivables` (ageing by customer, person, region or the
//! department), `GET /receivables/collections` (a person's open instalments due this week and
//! this month) and `GET /receivables/overdue` (the largest overdue amounts). Amounts are
//! decimal strings of yuan (`"1234567.89"`; a refund's is negative). The rules are in
//! `app::collections`; everything is scoped like the contract's customer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::AppError;
use salesdesk_app::collections::{self as uc};
use salesdesk_app::collections::{GroupBy, ReceivableFilter};
use salesdesk_domain::collection::{Ageing, Bucket, InstalmentInput, PaymentInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::PageParams;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// Open amounts by ageing bucket (days overdue counted in calendar days, Asia/Shanghai).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivableAgeingDto {
    pub not_due: String,
    pub d1_30: String,
    pub d31_60: String,
    pub d61_90: String,
    pub over_90: String,
    /// Everything overdue, and everything open.
    pub overdue: String,
    pub total: String,
}

impl ReceivableAgeingDto {
    fn of(a: &Ageing) -> Self {
        ReceivableAgeingDto {
            not_due: a.get(Bucket::NotDue).to_decimal(),
            d1_30: a.get(Bucket::Days1To30).to_decimal(),
            d31_60: a.get(Bucket::Days31To60).to_decimal(),
            d61_90: a.get(Bucket::Days61To90).to_decimal(),
            over_90: a.get(Bucket::Over90).to_decimal(),
            overdue: a.overdue().to_decimal(),
            total: a.total().to_decimal(),
        }
    }
}

/// An instalment of a payment plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstalmentDto {
    pub id: i64,
    pub due_date: chrono::NaiveDate,
    /// Tax-inclusive; what is paid on it and what is open.
    pub amount: String,
    pub paid: String,
    pub open: String,
    /// `not_due`, `d1_30`, `d31_60`, `d61_90`, `over_90`.
    pub bucket: String,
    pub days_overdue: i64,
}

/// A contract's payment plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPlanDto {
    pub contract_id: i64,
    /// The contract's tax-inclusive total, the plan's sum (equal once a plan exists), what is
    /// paid and what is open.
    pub total: String,
    pub planned: String,
    pub paid: String,
    pub open: String,
    pub ageing: ReceivableAgeingDto,
    pub instalments: Vec<InstalmentDto>,
    /// The caller may write the plan now (in force, nothing paid yet).
    pub can_edit_plan: bool,
    /// The caller may record payments and refunds.
    pub can_record: bool,
}

impl ContractPlanDto {
    fn of(p: uc::Plan) -> Self {
        ContractPlanDto {
            contract_id: p.contract_id,
            total: p.total.to_decimal(),
            planned: p.planned.to_decimal(),
            paid: p.paid.to_decimal(),
            open: p.open.to_decimal(),
            ageing: ReceivableAgeingDto::of(&p.ageing),
            instalments: p
                .instalments
                .into_iter()
                .map(|i| InstalmentDto {
                    id: i.id,
                    due_date: i.due_date,
                    amount: i.amount.to_decimal(),
                    paid: i.paid.to_decimal(),
                    open: i.open.to_decimal(),
                    bucket: i.bucket.as_str().into(),
                    days_overdue: i.days_overdue,
                })
                .collect(),
            can_edit_plan: p.can_edit_plan,
            can_record: p.can_record,
        }
    }
}

/// A payment received or a refund given.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    pub id: i64,
    pub contract_id: i64,
    /// `payment` or `refund`.
    pub kind: String,
    pub received_on: chrono::NaiveDate,
    /// Signed: a refund is negative.
    pub amount: String,
    pub reference: String,
    /// A refund's reason (a payment's note).
    pub reason: String,
    pub created_by_name: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl PaymentDto {
    fn of(p: uc::PaymentView) -> Self {
        PaymentDto {
            id: p.id,
            contract_id: p.contract_id,
            kind: p.kind,
            received_on: p.received_on,
            amount: p.amount.to_decimal(),
            reference: p.reference,
            reason: p.reason,
            created_by_name: p.created_by_name,
            created_at: p.created_at,
        }
    }
}

/// One instalment of a plan to write.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InstalmentBody {
    /// `2026-12-31`; not before the contract's signing date.
    #[serde(default)]
    pub due_date: String,
    /// Tax-inclusive yuan, more than zero, two decimals at most.
    #[serde(default)]
    pub amount: String,
}

/// A payment plan to write.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ContractPlanBody {
    /// The instalments; their amounts sum exactly to the contract's tax-inclusive total.
    #[serde(default)]
    pub instalments: Vec<InstalmentBody>,
}

/// A contract's payment plan.
#[utoipa::path(get, path = "/contracts/{id}/plan", tag = "collections",
    params(("id" = i64, Path, description = "contract id")),
    responses((status = 200, body = ContractPlanDto), (status = 404, body = Problem)))]
pub async fn get_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContractPlanDto>, ApiError> {
    let p = uc::plan(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ContractPlanDto::of(p)))
}

/// Write a contract's payment plan (replacing one nothing is paid on). 409 when the contract is
/// not in force or something is paid; 422 when the instalments do not sum to the total
/// (`error.plan_short` / `error.plan_over`, naming the difference) or a row is wrong.
#[utoipa::path(put, path = "/contracts/{id}/plan", tag = "collections",
    params(("id" = i64, Path, description = "contract id")),
    request_body = ContractPlanBody,
    responses((status = 200, body = ContractPlanDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ContractPlanBody>,
) -> Result<Json<ContractPlanDto>, ApiError> {
    let rows: Vec<InstalmentInput> = b
        .instalments
        .into_iter()
        .map(|i| InstalmentInput {
            due_date: i.due_date,
            amount: i.amount,
        })
        .collect();
    let p = uc::set_plan(&s.app, &u.ctx, id, &rows)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ContractPlanDto::of(p)))
}

/// A contract's payments and refunds, newest first.
#[utoipa::path(get, path = "/contracts/{id}/payments", tag = "collections",
    params(("id" = i64, Path, description = "contract id")),
    responses((status = 200, body = Vec<PaymentDto>), (status = 404, body = Problem)))]
pub async fn list_payments(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PaymentDto>>, ApiError> {
    let p = uc::plan(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(p.payments.into_iter().map(PaymentDto::of).collect()))
}

/// A payment or refund to record.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PaymentBody {
    /// `payment` (default) or `refund`.
    #[serde(default)]
    pub kind: String,
    /// `2026-11-27`; not after today, not before the contract's signing date.
    #[serde(default)]
    pub received_on: String,
    /// Positive yuan, two decimals at most (for a refund: the amount given back).
    #[serde(default)]
    pub amount: String,
    /// A bank reference (optional, up to 100 characters).
    #[serde(default)]
    pub reference: String,
    /// Required for a refund.
    #[serde(default)]
    pub reason: String,
    /// A payment for these instalments only (default: the oldest due first).
    #[serde(default)]
    pub instalment_ids: Vec<i64>,
}

/// Record a payment received (allocated to the oldest due instalments first, or to those named)
/// or a refund. 422 for an amount above what is open (`error.payment_above_open`, naming it) or
/// above what was paid; 409 when the contract is not in force, has no plan, or someone paid the
/// same instalments first.
#[utoipa::path(post, path = "/contracts/{id}/payments", tag = "collections",
    params(("id" = i64, Path, description = "contract id")),
    request_body = PaymentBody,
    responses((status = 201, body = PaymentDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_payment(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PaymentBody>,
) -> Result<(StatusCode, Json<PaymentDto>), ApiError> {
    let refund = match b.kind.trim() {
        "" | "payment" => false,
        "refund" => true,
        _ => {
            return Err(ApiError::new(
                AppError::field("kind", "error.invalid_choice"),
                u.lang,
            ));
        }
    };
    let input = PaymentInput {
        received_on: b.received_on,
        amount: b.amount,
        reference: b.reference,
        reason: b.reason,
    };
    let p = uc::record(&s.app, &u.ctx, id, &input, &b.instalment_ids, refund)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(PaymentDto::of(p))))
}

/// Which receivables to report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceivablesParams {
    /// `customer` (default), `owner` (person), `region` or `department` (the total only).
    pub by: Option<String>,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// 1-based page of the groups (default 1).
    pub page: Option<u64>,
    /// Groups per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

impl ReceivablesParams {
    /// The grouping asked for (422 naming `by` for an unknown one).
    pub(crate) fn by(&self) -> Result<GroupBy, AppError> {
        uc::parse_group(self.by.as_deref().unwrap_or("").trim())
            .ok_or_else(|| AppError::field("by", "error.invalid_choice"))
    }

    pub(crate) fn filter(&self) -> ReceivableFilter {
        ReceivableFilter {
            owner: self.owner_id,
            region: self.region_id,
            customer: self.customer_id,
        }
    }
}

/// One group of a receivables report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivableLineDto {
    /// The customer's, person's or region's id (none: unowned / no region).
    pub id: Option<i64>,
    pub name: String,
    pub ageing: ReceivableAgeingDto,
}

/// A receivables ageing report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivablesDto {
    pub by: String,
    /// The company date the buckets are counted from.
    pub today: chrono::NaiveDate,
    /// The whole scope (with the filters).
    pub total: ReceivableAgeingDto,
    /// The groups, the largest open amount first.
    pub lines: Vec<ReceivableLineDto>,
    pub page: u64,
    pub per_page: u64,
    /// Another page follows.
    pub more: bool,
}

/// Receivables ageing over the caller's scope (like the customers it sees).
#[utoipa::path(get, path = "/receivables", tag = "collections",
    params(ReceivablesParams),
    responses((status = 200, body = ReceivablesDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn receivables(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<ReceivablesParams>,
) -> Result<Json<ReceivablesDto>, ApiError> {
    let by = q.by().map_err(|e| ApiError::new(e, u.lang))?;
    let f = q.filter();
    let page = PageParams {
        page: q.page,
        per_page: q.per_page,
    }
    .page();
    let r = uc::receivables(&s.app, &u.ctx, by, &f, page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ReceivablesDto {
        by: uc::group_str(r.by).into(),
        today: r.today,
        total: ReceivableAgeingDto::of(&r.total),
        lines: r
            .lines
            .into_iter()
            .map(|l| ReceivableLineDto {
                id: l.key,
                name: l.name,
                ageing: ReceivableAgeingDto::of(&l.ageing),
            })
            .collect(),
        page: r.page.number,
        per_page: r.page.size,
        more: r.more,
    }))
}

/// An open instalment in a collections list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivableDueDto {
    pub instalment_id: i64,
    pub contract_id: i64,
    /// `HT-000042`.
    pub contract_number: String,
    pub title: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_name: Option<String>,
    pub due_date: chrono::NaiveDate,
    pub open: String,
    pub days_overdue: i64,
}

impl ReceivableDueDto {
    fn of(d: uc::DueLine) -> Self {
        ReceivableDueDto {
            instalment_id: d.instalment_id,
            contract_id: d.contract_id,
            contract_number: d.contract_number,
            title: d.title,
            customer_id: d.customer_id,
            customer_name: d.customer_name,
            owner_name: d.owner_name,
            due_date: d.due_date,
            open: d.open.to_decimal(),
            days_overdue: d.days_overdue,
        }
    }
}

/// A person's collections.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivableCollectionsDto {
    pub today: chrono::NaiveDate,
    pub week_end: chrono::NaiveDate,
    pub month_end: chrono::NaiveDate,
    /// Open and due by the end of this week (overdue ones included), earliest first.
    pub week: Vec<ReceivableDueDto>,
    /// Open and due by the end of this month.
    pub month: Vec<ReceivableDueDto>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollectionsParams {
    /// The person (default: the caller).
    pub owner_id: Option<i64>,
}

/// A person's collections for this week and this month (at most 200 lines each).
#[utoipa::path(get, path = "/receivables/collections", tag = "collections",
    params(CollectionsParams),
    responses((status = 200, body = ReceivableCollectionsDto), (status = 403, body = Problem)))]
pub async fn collections(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<CollectionsParams>,
) -> Result<Json<ReceivableCollectionsDto>, ApiError> {
    let c = uc::collections(&s.app, &u.ctx, q.owner_id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ReceivableCollectionsDto {
        today: c.today,
        week_end: c.week_end,
        month_end: c.month_end,
        week: c.week.into_iter().map(ReceivableDueDto::of).collect(),
        month: c.month.into_iter().map(ReceivableDueDto::of).collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueParams {
    /// How many (default 20, at most 200).
    pub limit: Option<u64>,
}

/// The largest overdue amounts over the caller's scope (the director's view).
#[utoipa::path(get, path = "/receivables/overdue", tag = "collections",
    params(OverdueParams),
    responses((status = 200, body = Vec<ReceivableDueDto>), (status = 403, body = Problem)))]
pub async fn overdue(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<OverdueParams>,
) -> Result<Json<Vec<ReceivableDueDto>>, ApiError> {
    let rows = uc::largest_overdue(&s.app, &u.ctx, q.limit.unwrap_or(20).max(1))
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(rows.into_iter().map(ReceivableDueDto::of).collect()))
}
