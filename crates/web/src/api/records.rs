//! Contact records (`/customers/{id}/records`), the follow-up list (`/followups`), owner history
//! and reassignment.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::AppError;
use salesdesk_app::customers::{self as customers_uc, OwnerChange};
use salesdesk_app::records::{self as uc, FollowUp, Record, RecordInput};
use salesdesk_app::saved_filters::ListKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::customers::CustomerDto;
use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDto {
    pub id: i64,
    pub customer_id: i64,
    /// `call`, `visit`, `email`, `meeting`, `demo`, `wechat` or `other`.
    #[schema(schema_with = super::codes::contact_kind)]
    pub kind: String,
    pub happened_at: chrono::DateTime<chrono::Utc>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub summary: String,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_contact_on: Option<chrono::NaiveDate>,
    /// The customer's contacts who took part.
    pub contact_ids: Vec<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When its author last corrected it; absent if never.
    pub edited_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the caller may still correct it (`PATCH`): its author, within the edit window
    /// (the `record_edit_hours` setting, 24 hours by default).
    pub can_edit: bool,
    /// Whether the caller may delete it (`DELETE`): a manager who sees the customer.
    pub can_delete: bool,
}

impl From<Record> for RecordDto {
    fn from(r: Record) -> Self {
        RecordDto {
            id: r.id,
            customer_id: r.customer_id,
            kind: r.kind.as_str().into(),
            happened_at: r.happened_at,
            author_id: r.author_id,
            author_name: r.author_name,
            summary: r.summary,
            outcome: r.outcome,
            next_step: r.next_step,
            next_contact_on: r.next_contact_on,
            contact_ids: r.contacts.into_iter().map(|c| c.id).collect(),
            created_at: r.created_at,
            edited_at: r.edited_at,
            can_edit: r.can_edit,
            can_delete: r.can_delete,
        }
    }
}

/// A new contact record.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RecordBody {
    /// `call`, `visit`, `email`, `meeting`, `demo`, `wechat` or `other`.
    #[serde(default)]
    pub kind: String,
    /// RFC 3339, or `YYYY-MM-DD HH:MM` in the company's time zone; absent means now. Not in
    /// the future.
    pub happened_at: Option<String>,
    #[serde(default)]
    pub summary: String,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    /// `YYYY-MM-DD`, not before the contact; puts the customer on the owner's follow-up list.
    pub next_contact_on: Option<String>,
    /// Contacts of this customer who took part.
    #[serde(default)]
    pub contact_ids: Vec<i64>,
}

/// A customer's contact records, latest first.
#[utoipa::path(get, path = "/customers/{id}/records", tag = "records",
    params(("id" = i64, Path, description = "customer id"), PageParams),
    responses((status = 200, body = PageOf<RecordDto>), (status = 404, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<PageOf<RecordDto>>, ApiError> {
    let r = uc::list(&s.app, &u.ctx, id, p.page())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, RecordDto::from)))
}

/// Record a contact (call, visit …) with a customer. Sets the customer's last contact and, with
/// `next_contact_on`, its next follow-up date.
#[utoipa::path(post, path = "/customers/{id}/records", tag = "records", request_body = RecordBody,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 201, body = RecordDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RecordBody>,
) -> Result<(StatusCode, Json<RecordDto>), ApiError> {
    let input = RecordInput {
        kind: b.kind,
        happened_at: b.happened_at.unwrap_or_default(),
        summary: b.summary,
        outcome: b.outcome.unwrap_or_default(),
        next_step: b.next_step.unwrap_or_default(),
        next_contact_on: b.next_contact_on.unwrap_or_default(),
        contact_ids: b.contact_ids,
    };
    let r = uc::create(&s.app, &u.ctx, id, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// A correction of a contact record: the fields sent replace the record's; those left out stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RecordPatch {
    /// `call`, `visit`, `email`, `meeting`, `demo`, `wechat` or `other`.
    pub kind: Option<String>,
    /// RFC 3339, or `YYYY-MM-DD HH:MM` in the company's time zone. Not in the future.
    pub happened_at: Option<String>,
    pub summary: Option<String>,
    /// Empty text clears it.
    pub outcome: Option<String>,
    /// Empty text clears it.
    pub next_step: Option<String>,
    /// `YYYY-MM-DD`, not before the contact; empty text clears it.
    pub next_contact_on: Option<String>,
    /// Contacts of this customer who took part (replaces the list).
    pub contact_ids: Option<Vec<i64>>,
}

/// One contact record.
#[utoipa::path(get, path = "/records/{id}", tag = "records",
    params(("id" = i64, Path, description = "record id")),
    responses((status = 200, body = RecordDto), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RecordDto>, ApiError> {
    let r = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into()))
}

/// Correct a contact record. Only its author may, and only within the edit window after
/// writing it (`record_edit_hours`, 24 by default): otherwise 403 with the reason
/// (`error.record_not_author`, `error.record_edit_window`). Audited with the record before and
/// after.
#[utoipa::path(patch, path = "/records/{id}", tag = "records", request_body = RecordPatch,
    params(("id" = i64, Path, description = "record id")),
    responses((status = 200, body = RecordDto), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RecordPatch>,
) -> Result<Json<RecordDto>, ApiError> {
    let err = |e| ApiError::new(e, u.lang);
    let now = uc::get(&s.app, &u.ctx, id).await.map_err(err)?;
    let or = |v: Option<String>, current: Option<String>| v.or(current).unwrap_or_default();
    let input = RecordInput {
        kind: b.kind.unwrap_or_else(|| now.kind.as_str().to_string()),
        happened_at: b
            .happened_at
            .unwrap_or_else(|| now.happened_at.to_rfc3339()),
        summary: b.summary.unwrap_or(now.summary),
        outcome: or(b.outcome, now.outcome),
        next_step: or(b.next_step, now.next_step),
        next_contact_on: or(
            b.next_contact_on,
            now.next_contact_on
                .map(|d| d.format("%Y-%m-%d").to_string()),
        ),
        contact_ids: b
            .contact_ids
            .unwrap_or_else(|| now.contacts.iter().map(|c| c.id).collect()),
    };
    let r = uc::correct(&s.app, &u.ctx, id, &input).await.map_err(err)?;
    Ok(Json(r.into()))
}

/// Delete a contact record: a manager (VP, director, regional or e-office sales manager) who
/// sees its customer; anyone else who sees it gets 403. The customer's last contact and
/// follow-up date fall back to its latest remaining record. Audited with the record as it was.
#[utoipa::path(delete, path = "/records/{id}", tag = "records",
    params(("id" = i64, Path, description = "record id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    uc::delete(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpDto {
    pub customer: CustomerDto,
    pub due_on: chrono::NaiveDate,
    /// `overdue`, `today` or `upcoming` (within a week).
    #[schema(schema_with = super::codes::due)]
    pub due: String,
    /// Days from today; negative when overdue.
    pub days: i64,
}

impl From<FollowUp> for FollowUpDto {
    fn from(f: FollowUp) -> Self {
        FollowUpDto {
            customer: (&f.customer).into(),
            due_on: f.due_on,
            due: serde_json::to_value(f.due)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            days: f.days,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpParams {
    /// For managers: everyone's customers they oversee, not only their own.
    pub team: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The caller's follow-up list (待跟进): customers whose next contact date is past, today or
/// within 7 days, soonest first.
#[utoipa::path(get, path = "/followups", tag = "records", params(FollowUpParams),
    responses((status = 200, body = PageOf<FollowUpDto>)))]
pub async fn followups(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<FollowUpParams>,
) -> Result<Json<PageOf<FollowUpDto>>, ApiError> {
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = uc::followups(&s.app, &u.ctx, p.team.unwrap_or(false), page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, FollowUpDto::from)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerChangeDto {
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    /// `create`, `assign`, `reassign`, `release`, `claim`, `pool`, `import` or `merge`.
    pub reason: String,
    pub by_name: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `release`: the reason's code (list `release_reason`, see `GET /choices`); `merge`: the
    /// name of the record merged into this one.
    pub note: Option<String>,
}

impl From<OwnerChange> for OwnerChangeDto {
    fn from(o: OwnerChange) -> Self {
        OwnerChangeDto {
            from_name: o.from_name,
            to_name: o.to_name,
            reason: o.reason,
            by_name: o.by_name,
            at: o.at,
            note: o.note,
        }
    }
}

/// Who owned the customer, latest change first.
#[utoipa::path(get, path = "/customers/{id}/owner-history", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = Vec<OwnerChangeDto>), (status = 404, body = Problem)))]
pub async fn owner_history(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<OwnerChangeDto>>, ApiError> {
    let r = customers_uc::owner_history(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReassignBody {
    /// Customers to move (at most 1000), all within the caller's scope.
    pub ids: Vec<i64>,
    /// The new account manager, within the caller's scope.
    pub owner_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReassignResult {
    /// How many customers changed owner (those already with that owner are left alone).
    pub moved: u64,
}

/// Give one or many customers to another account manager (managers only; all or nothing).
#[utoipa::path(post, path = "/customers/reassign", tag = "customers", request_body = ReassignBody,
    responses((status = 200, body = ReassignResult), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reassign(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ReassignBody>,
) -> Result<Json<ReassignResult>, ApiError> {
    let moved = customers_uc::reassign(&s.app, &u.ctx, &b.ids, b.owner_id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ReassignResult { moved }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBody {
    /// The other record of the same company; it disappears into this one.
    pub duplicate_id: i64,
}

/// Merge a duplicate record into this customer (managers). This record keeps its values and
/// takes the duplicate's where it has none; contacts, contact records, status history and owner
/// history all move over; the duplicate is deleted.
#[utoipa::path(post, path = "/customers/{id}/merge", tag = "customers", request_body = MergeBody,
    params(("id" = i64, Path, description = "the customer to keep")),
    responses((status = 200, body = CustomerDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MergeBody>,
) -> Result<Json<CustomerDto>, ApiError> {
    let c = customers_uc::merge(&s.app, &u.ctx, id, b.duplicate_id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&c).into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedFilterDto {
    pub id: i64,
    /// The list it belongs to: `customers`, `deals`, `contracts` or `receivables`.
    #[schema(schema_with = super::codes::saved_filter_list)]
    pub list: String,
    pub name: String,
    /// The list's query string (`status=lead&source_code=exhibition`), to append to the list's
    /// address (`GET /customers?`, `/deals?`, `/contracts?`, `/receivables?`).
    pub query: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<salesdesk_app::saved_filters::SavedFilter> for SavedFilterDto {
    fn from(f: salesdesk_app::saved_filters::SavedFilter) -> Self {
        SavedFilterDto {
            id: f.id,
            list: f.list,
            name: f.name,
            query: f.query,
            created_at: f.created_at,
        }
    }
}

/// The list a saved filter belongs to, as given (`customers` when left out; 422 naming `list`
/// for another word).
fn list_kind(list: Option<&str>) -> Result<ListKind, AppError> {
    match list.map(str::trim) {
        None | Some("") => Ok(ListKind::Customers),
        Some(l) => {
            ListKind::parse(l).ok_or_else(|| AppError::field("list", "error.invalid_choice"))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SavedFilterBody {
    /// `customers` (default), `deals`, `contracts` or `receivables`.
    #[serde(default)]
    #[schema(schema_with = super::codes::saved_filter_list_or_null)]
    pub list: Option<String>,
    /// At most 30 characters; unique per person and list.
    pub name: String,
    /// The list's query string, without `?`.
    #[serde(default)]
    pub query: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SavedFilterParams {
    /// `customers` (default), `deals`, `contracts` or `receivables`.
    pub list: Option<String>,
}

/// The caller's saved filters of one list (private to them; at most 50 over all lists).
#[utoipa::path(get, path = "/saved-filters", tag = "customers", params(SavedFilterParams),
    responses((status = 200, body = Vec<SavedFilterDto>), (status = 422, body = Problem)))]
pub async fn saved_filters(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<SavedFilterParams>,
) -> Result<Json<Vec<SavedFilterDto>>, ApiError> {
    let r = async {
        let kind = list_kind(p.list.as_deref())?;
        salesdesk_app::saved_filters::list(&s.app, &u.ctx, kind).await
    }
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(r.into_iter().map(Into::into).collect()))
}

/// Save a list's filter under a name.
#[utoipa::path(post, path = "/saved-filters", tag = "customers", request_body = SavedFilterBody,
    responses((status = 201, body = SavedFilterDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_filter(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<SavedFilterBody>,
) -> Result<(StatusCode, Json<SavedFilterDto>), ApiError> {
    let f = async {
        let kind = list_kind(b.list.as_deref())?;
        salesdesk_app::saved_filters::create(&s.app, &u.ctx, kind, &b.name, &b.query).await
    }
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// Delete one of the caller's saved filters (404 for anyone else's).
#[utoipa::path(delete, path = "/saved-filters/{id}", tag = "customers",
    params(("id" = i64, Path, description = "saved filter id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_filter(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::saved_filters::delete(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
