//! Contacts: `/customers/{id}/contacts`, `/contacts/{id}`, and vCard downloads.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use salesdesk_app::contacts::{self as uc, Contact, ContactInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub title: Option<String>,
    /// `decision_maker`, `influencer`, `user`, `technical`, `purchasing` or `other`.
    #[schema(schema_with = super::codes::contact_role_or_null)]
    pub role: Option<String>,
    /// A mainland mobile number: 11 digits starting with 1 (stored without `+86`).
    pub mobile: Option<String>,
    /// Any phone, with an extension kept as `… ext. 801`.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub notes: Option<String>,
    pub is_primary: bool,
    /// Bumped by every change; send it back with a change (`If-Match` or `version`).
    pub version: i32,
}

impl From<Contact> for ContactDto {
    fn from(c: Contact) -> Self {
        ContactDto {
            id: c.id,
            customer_id: c.customer_id,
            name: c.name,
            title: c.title,
            role: c.role,
            mobile: c.mobile,
            phone: c.phone,
            email: c.email,
            wechat: c.wechat,
            notes: c.notes,
            is_primary: c.is_primary,
            version: c.version,
        }
    }
}

/// A contact's fields; on PATCH absent fields keep their value and `""` clears one.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ContactBody {
    pub name: Option<String>,
    pub title: Option<String>,
    pub role: Option<String>,
    /// A mainland mobile number: 11 digits starting with 1, optionally after `+86` or `0086`
    /// (stored as the 11 digits). Anything else is 422 `error.mobile`.
    pub mobile: Option<String>,
    /// Digits with `+`, spaces, dashes, brackets, and optionally an extension after `转`,
    /// `分机`, `ext` or `x` (1–6 digits), stored as `021-62345678 ext. 801`.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub notes: Option<String>,
    /// Make this the customer's primary contact (the first contact always is).
    pub is_primary: Option<bool>,
    /// PATCH: the version read (or `If-Match`); a contact changed since is refused with 409.
    pub version: Option<i32>,
}

impl ContactBody {
    fn apply(self, mut i: ContactInput) -> ContactInput {
        for (t, v) in [
            (&mut i.name, self.name),
            (&mut i.title, self.title),
            (&mut i.role, self.role),
            (&mut i.mobile, self.mobile),
            (&mut i.phone, self.phone),
            (&mut i.email, self.email),
            (&mut i.wechat, self.wechat),
            (&mut i.notes, self.notes),
        ] {
            if let Some(v) = v {
                *t = v;
            }
        }
        if let Some(p) = self.is_primary {
            i.is_primary = p;
        }
        i
    }
}

/// A customer's contacts, the primary one first.
#[utoipa::path(get, path = "/customers/{id}/contacts", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = Vec<ContactDto>), (status = 404, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ContactDto>>, ApiError> {
    let l = uc::list(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(l.into_iter().map(Into::into).collect()))
}

/// Add a contact to a customer.
#[utoipa::path(post, path = "/customers/{id}/contacts", tag = "customers", request_body = ContactBody,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 201, body = ContactDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ContactBody>,
) -> Result<(StatusCode, Json<ContactDto>), ApiError> {
    let c = uc::create(&s.app, &u.ctx, id, &b.apply(ContactInput::default()))
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Change a contact. Send the version read (`If-Match: "<version>"` or `version`): if the
/// contact changed since, nothing is written and 409 `stale` lists what differs.
#[utoipa::path(patch, path = "/contacts/{id}", tag = "customers", request_body = ContactBody,
    params(("id" = i64, Path, description = "contact id"),
        ("If-Match" = Option<String>, Header, description = "the version read, quoted: \"3\"")),
    responses((status = 200, body = ContactDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ContactBody>,
) -> Result<Json<ContactDto>, ApiError> {
    let err = |e| ApiError::new(e, u.lang);
    let expected = crate::version::expected(&headers, b.version).map_err(err)?;
    // Find the contact through its customer's list, so that scope is checked the same way.
    let all = salesdesk_app::contacts::find(&s.app, &u.ctx, id)
        .await
        .map_err(err)?;
    let expected = expected.unwrap_or(all.version);
    let c = uc::update(
        &s.app,
        &u.ctx,
        id,
        &b.apply(uc::input_of(&all)),
        Some(expected),
    )
    .await
    .map_err(err)?;
    Ok(Json(c.into()))
}

/// Remove a contact.
#[utoipa::path(delete, path = "/contacts/{id}", tag = "customers",
    params(("id" = i64, Path, description = "contact id")),
    responses((status = 204), (status = 404, body = Problem)))]
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

/// All contacts of a customer as one vCard 4.0 file (RFC 6350), for a phone's address book.
#[utoipa::path(get, path = "/customers/{id}/contacts.vcf", tag = "customers",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, content_type = "text/vcard", body = String), (status = 404, body = Problem)))]
pub async fn vcard(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (body, file) = uc::vcard(&s.app, &u.ctx, id, None)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(crate::view::download(
        body,
        "text/vcard; charset=utf-8",
        &file,
    ))
}
