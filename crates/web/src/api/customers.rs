//! `/customers`: the CRM core (seed S4), always within the caller's data scope.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use salesdesk_app::customers::{self as uc, Customer, CustomerInput, CustomerQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};
use crate::{AppState, version};

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDto {
    pub id: i64,
    /// Normalised full name (全称).
    pub name: String,
    pub short_name: Option<String>,
    /// Unified Social Credit Code (统一社会信用代码), checked per GB 32100-2015.
    pub uscc: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The province's Chinese name (GB/T 2260), or legacy text when `province_code` is absent.
    pub province: Option<String>,
    /// Six-digit GB/T 2260 code of the province.
    pub province_code: Option<String>,
    /// The prefecture-level city's Chinese name, or legacy text when `city_code` is absent.
    pub city: Option<String>,
    /// Six-digit GB/T 2260 code of the city (a municipality: `110100`, `120100`, `310100`,
    /// `500100`).
    pub city_code: Option<String>,
    pub address: Option<String>,
    /// The industry section's Chinese name (GB/T 4754-2017), or legacy text when
    /// `industry_code` is absent.
    pub industry: Option<String>,
    /// GB/T 4754-2017 section letter, `A`–`T`.
    pub industry_code: Option<String>,
    pub background: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// Code of the customer-type list (`GET /choices`).
    pub type_code: Option<String>,
    /// Code of the customer-source list (`GET /choices`).
    pub source_code: Option<String>,
    /// Size band: `s1_49`, `s50_199`, `s200_999` or `s1000`.
    #[schema(schema_with = super::codes::size_or_null)]
    pub size_code: Option<String>,
    /// `lead`, `basic`, `potential`, `signed` or `invalid`.
    #[schema(schema_with = super::codes::customer_status)]
    pub status: String,
    pub status_changed_at: chrono::DateTime<chrono::Utc>,
    pub last_contact_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Next contact date set by the latest contact record (the follow-up list).
    pub next_contact_on: Option<chrono::NaiveDate>,
    /// Set while the customer sits in the public pool (公海).
    pub pool_since: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Bumped by every change; send it back with a change (`If-Match: "<version>"` or
    /// `version`) and a change made meanwhile by someone else is refused with 409 `stale`.
    pub version: i32,
    /// Set on a record found to duplicate an older one (that one's id) when the duplicate-key
    /// rule came in: merge the two.
    pub duplicate_of: Option<i64>,
}

impl From<Customer> for CustomerDto {
    fn from(c: Customer) -> Self {
        CustomerDto {
            id: c.id,
            name: c.name,
            short_name: c.short_name,
            uscc: c.uscc,
            website: c.website,
            email: c.email,
            phone: c.phone,
            province: c.province,
            province_code: c.province_code,
            city: c.city,
            city_code: c.city_code,
            address: c.address,
            industry: c.industry,
            industry_code: c.industry_code,
            background: c.background,
            region_id: c.region_id,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            type_code: c.type_code,
            source_code: c.source_code,
            size_code: c.size.map(|z| z.as_str().into()),
            status: c.status.as_str().into(),
            status_changed_at: c.status_changed_at,
            last_contact_at: c.last_contact_at,
            next_contact_on: c.next_contact_on,
            pool_since: c.pool_since,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
            duplicate_of: c.duplicate_of,
        }
    }
}

impl From<&Customer> for CustomerDto {
    fn from(c: &Customer) -> Self {
        CustomerDto::from(c.clone())
    }
}

/// A customer's fields. On create, absent text fields are empty; on PATCH, absent fields keep
/// their value and an empty string clears one.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CustomerBody {
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub uscc: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// Digits with `+`, spaces, dashes, brackets; an extension after `转`, `分机`, `ext` or `x`
    /// is kept (`021-62345678 ext. 801`).
    pub phone: Option<String>,
    /// A province of GB/T 2260: its six-digit code or exact name (`440000`, `广东省`, `广东`,
    /// `Guangdong`). Anything else is 422 `error.province_unknown`, whose message lists them.
    pub province: Option<String>,
    /// A prefecture-level city of that province: code or exact name (`440300`, `深圳市`,
    /// `深圳`, `Shenzhen`); given alone, a name unique in the country also sets the province.
    /// Otherwise 422 `error.city_unknown`, naming the province's cities.
    pub city: Option<String>,
    pub address: Option<String>,
    /// A section of GB/T 4754-2017: its letter or exact name (`I`, `制造业`, `Manufacturing`).
    /// Otherwise 422 `error.industry_unknown`, naming the sections.
    pub industry: Option<String>,
    pub background: Option<String>,
    /// Code of an active entry of the customer-type list.
    pub type_code: Option<String>,
    /// Code of an active entry of the customer-source list.
    pub source_code: Option<String>,
    /// `s1_49`, `s50_199`, `s200_999` or `s1000`.
    pub size_code: Option<String>,
    /// Region; on PATCH only managers may change it (403 otherwise).
    pub region_id: Option<i64>,
    /// Account manager; staff may only name themselves, and on PATCH only managers may change
    /// it (403 otherwise).
    pub owner_id: Option<i64>,
    /// PATCH: the version read (or `If-Match`); a record changed since is refused with 409.
    pub version: Option<i32>,
    /// Create: `true` saves a customer that has likely duplicates (the caller checked they are
    /// other companies); without it such a create is refused with 409 `likely-duplicate`.
    /// Ignored by PATCH.
    pub distinct: Option<bool>,
}

impl CustomerBody {
    fn apply(self, mut i: CustomerInput) -> CustomerInput {
        let set = |t: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *t = v;
            }
        };
        set(&mut i.name, self.name);
        set(&mut i.short_name, self.short_name);
        set(&mut i.uscc, self.uscc);
        set(&mut i.website, self.website);
        set(&mut i.email, self.email);
        set(&mut i.phone, self.phone);
        set(&mut i.province, self.province);
        set(&mut i.city, self.city);
        set(&mut i.address, self.address);
        set(&mut i.industry, self.industry);
        set(&mut i.background, self.background);
        set(&mut i.type_code, self.type_code);
        set(&mut i.source_code, self.source_code);
        set(&mut i.size_code, self.size_code);
        if self.region_id.is_some() {
            i.region_id = self.region_id;
        }
        if self.owner_id.is_some() {
            i.owner_id = self.owner_id;
        }
        i
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerParams {
    /// Substring of the name or short name (Chinese works: `华为`).
    pub q: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Region or branch (a region includes its branches).
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Code of the customer-type list.
    pub type_code: Option<String>,
    /// Code of the customer-source list.
    pub source_code: Option<String>,
    /// `s1_49`, `s50_199`, `s200_999` or `s1000`.
    pub size_code: Option<String>,
    /// Exact industry.
    pub industry: Option<String>,
    /// Exact province.
    pub province: Option<String>,
    /// Only records lacking a required item.
    pub incomplete: Option<bool>,
    /// Only customers nobody contacted for this many days (never contacted included).
    pub no_contact_days: Option<u32>,
    /// Only customers contacted within this many days.
    pub contacted_days: Option<u32>,
    /// Only customers due for regular review (定期整理): status unchanged or no contact for the
    /// days the settings give their status.
    pub review: Option<bool>,
    /// Only customers created on or after this day (the company's calendar, e.g. `2026-11-23`).
    pub created_from: Option<chrono::NaiveDate>,
    /// `overdue` (next contact planned before today) or `today` (planned for today).
    pub followup: Option<String>,
    /// Only customers without an owner (those in the public pool).
    pub no_owner: Option<bool>,
    /// Only customers with a status request by this person waiting for a decision.
    pub requested_by: Option<i64>,
    /// `updated` (default), `name`, `created`, `last_contact`, `next_contact`, `status_changed`.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl CustomerParams {
    /// The list filter these parameters describe (shared by the list and the exports).
    pub fn query(&self) -> CustomerQuery {
        CustomerQuery {
            q: self.q.clone(),
            status: self.status.clone(),
            region_id: self.region_id,
            owner_id: self.owner_id,
            type_code: self.type_code.clone(),
            source_code: self.source_code.clone(),
            size_code: self.size_code.clone(),
            industry: self.industry.clone(),
            province: self.province.clone(),
            incomplete: self.incomplete,
            no_contact_days: self.no_contact_days,
            contacted_days: self.contacted_days,
            review: self.review,
            created_from: self.created_from,
            followup: self.followup.clone(),
            no_owner: self.no_owner,
            requested_by: self.requested_by,
            sort: self.sort.clone(),
            dir: self.dir.clone(),
        }
    }
}

/// Customers in the caller's scope, filtered and sorted (most recently changed first by default).
#[utoipa::path(get, path = "/customers", tag = "customers", params(CustomerParams),
    responses((status = 200, body = PageOf<CustomerDto>), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<CustomerParams>,
) -> Result<super::SizedJson<PageOf<CustomerDto>>, ApiError> {
    let q = p.query();
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = uc::list(&s.app, &u.ctx, &q, page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    // The page is this request's own: its strings move into the answer instead of being copied.
    let r = std::sync::Arc::try_unwrap(r).unwrap_or_else(|shared| (*shared).clone());
    let rows = r.items.len();
    Ok(super::SizedJson(
        PageOf::from(r, CustomerDto::from),
        super::JSON_BYTES_PER_ROW * rows,
    ))
}

/// One customer (404 outside the caller's scope); its version is also the `ETag`.
#[utoipa::path(get, path = "/customers/{id}", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = CustomerDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let c = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((version::etag(c.version), Json(CustomerDto::from(&c))))
}

/// Create a customer as a new lead. A duplicate (same matching name or USCC) is refused with 409
/// `duplicate` saying who owns it; `existing_id` is given only when the caller may see that
/// customer. A likely duplicate — the same name with the place moved, the same phone (the
/// customer's or a contact's), web domain or e-mail domain (not a free mail provider's) as
/// existing customers — is refused with 409 `likely-duplicate` listing them in
/// `likely_duplicates` (id only when visible, name, owner, reasons), unless the body says
/// `"distinct": true`.
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = CustomerBody,
    responses((status = 201, body = CustomerDto), (status = 403, body = Problem), (status = 409, body = Problem, description = "`duplicate` (exact) or `likely-duplicate` (send again with `distinct: true`)"), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<CustomerBody>,
) -> Result<(StatusCode, Json<CustomerDto>), ApiError> {
    let distinct = b.distinct.unwrap_or(false);
    let input = b.apply(CustomerInput::default());
    let c = uc::create_checked(&s.app, &u.ctx, &input, distinct)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json((&c).into())))
}

/// Largest body of `POST /customers/batch`: 1,000 customers with long texts (a background may
/// hold 5,000 characters) do not fit the 1 MiB every other request is held to.
pub const BATCH_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Customers to create together.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchBody {
    /// 1 to 1,000 customers, each as `POST /customers` takes it (an item's own `distinct` is
    /// not read: the batch's is).
    pub items: Vec<CustomerBody>,
    /// The likely duplicates found are other companies: create the items anyway.
    pub distinct: Option<bool>,
}

/// The customers created, as leads.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCreated {
    /// Their ids, in the order of the items.
    pub ids: Vec<i64>,
}

/// Create up to 1,000 customers as new leads, all or none, each with the checks of `POST
/// /customers`. Every refusal names its item: 422 for a field (`items[17].name`), for two items
/// with the same name or USCC (`error.duplicate_in_batch`, the earlier item's index) or for more
/// than 1,000 items (`items`, `error.too_many`); 409 `conflict` for an item that duplicates an
/// existing customer (`error.duplicate_owned_by` with the owner's name, or
/// `error.duplicate_customer`) or is a likely duplicate of one (`error.likely_duplicate_of`
/// with its name; send again with `"distinct": true` when they are other companies); 413 for a
/// body over 16 MiB. Written in multi-row statements in one transaction, with one
/// `customer.create` audit row per customer. Retry-safe with `Idempotency-Key`.
#[utoipa::path(post, path = "/customers/batch", tag = "customers", request_body = BatchBody,
    responses((status = 201, body = BatchCreated), (status = 403, body = Problem), (status = 409, body = Problem, description = "an item duplicates an existing customer, or is likely one"), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create_batch(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<BatchBody>,
) -> Result<(StatusCode, Json<BatchCreated>), ApiError> {
    let distinct = b.distinct.unwrap_or(false);
    let items: Vec<CustomerInput> = b
        .items
        .into_iter()
        .map(|i| i.apply(CustomerInput::default()))
        .collect();
    let ids = salesdesk_app::batch::create(&s.app, &u.ctx, &items, distinct)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(BatchCreated { ids })))
}

/// Change a customer's record (not its status: that goes through an approved request). Send the
/// version read (`If-Match: "<version>"` or `version`): if the record changed since, nothing is
/// written and 409 `stale` lists the fields that differ with their values now. Region and owner
/// are changed by managers only (403 naming the field).
#[utoipa::path(patch, path = "/customers/{id}", tag = "customers", request_body = CustomerBody,
    params(("id" = i64, Path, description = "customer id"),
        ("If-Match" = Option<String>, Header, description = "the version read, quoted: \"3\"")),
    responses((status = 200, body = CustomerDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CustomerBody>,
) -> Result<impl IntoResponse, ApiError> {
    let err = |e| ApiError::new(e, u.lang);
    let expected = version::expected(&headers, b.version).map_err(err)?;
    let current = uc::get(&s.app, &u.ctx, id).await.map_err(err)?;
    // Without a version from the client, the one read here to fill in the absent fields: a
    // change made between this read and the write is never overwritten unseen.
    let expected = expected.unwrap_or(current.version);
    let input = b.apply(uc::input_of(&current));
    let c = uc::update(&s.app, &u.ctx, id, &input, Some(expected))
        .await
        .map_err(err)?;
    Ok((version::etag(c.version), Json(CustomerDto::from(&c))))
}
