//! `/people`: the directory, and person management for administrators and the VP.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::people::{self as uc, PeopleQuery, Person, PersonInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Position code (`sales_vp`, `account_manager`, …); see `GET /positions`.
    #[schema(schema_with = super::codes::position_or_null)]
    pub position: Option<String>,
    pub is_admin: bool,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub active: bool,
    /// Interface language: `zh-CN` or `en`.
    #[schema(schema_with = super::codes::locale)]
    pub locale: String,
    /// The last day of the person's leave (`YYYY-MM-DD`), or null. Automatic assignment and
    /// trial routing skip them up to and including that day.
    pub on_leave_until: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        PersonDto {
            id: p.id,
            login: p.login,
            display_name: p.display_name,
            email: p.email,
            phone: p.phone,
            position: p.position.map(|x| x.as_str().to_string()),
            is_admin: p.is_admin,
            region_id: p.region_id,
            region_name: p.region_name,
            manager_id: p.manager_id,
            manager_name: p.manager_name,
            active: p.active,
            locale: p.locale,
            on_leave_until: p.on_leave_until,
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleParams {
    /// Substring of the name or login.
    pub q: Option<String>,
    /// Region or branch id (a region includes its branches).
    pub region_id: Option<i64>,
    /// Position code.
    pub position: Option<String>,
    /// Only active (`true`) or only disabled (`false`) people.
    pub active: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The people directory.
#[utoipa::path(get, path = "/people", tag = "people", params(PeopleParams),
    responses((status = 200, body = PageOf<PersonDto>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<PeopleParams>,
) -> Result<Json<PageOf<PersonDto>>, ApiError> {
    let q = PeopleQuery {
        q: p.q.clone(),
        region_id: p.region_id,
        position: p.position.clone(),
        active: p.active,
    };
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = uc::list(&s.app, &u.ctx, &q, page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::of(&r, |p| PersonDto::from(p.clone()))))
}

/// One person.
#[utoipa::path(get, path = "/people/{id}", tag = "people",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = PersonDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PersonDto>, ApiError> {
    let p = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(p.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPerson {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Position code; may be omitted only for an administrator.
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub region_id: Option<i64>,
    #[serde(default)]
    pub manager_id: Option<i64>,
    #[serde(default)]
    pub locale: Option<String>,
    /// First password; the person must change it at first login.
    pub password: String,
    /// The last day of a leave (`YYYY-MM-DD`).
    #[serde(default)]
    pub on_leave_until: Option<String>,
}

/// Create a person (administrators and the VP).
#[utoipa::path(post, path = "/people", tag = "people", request_body = NewPerson,
    responses((status = 201, body = PersonDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewPerson>,
) -> Result<(StatusCode, Json<PersonDto>), ApiError> {
    let input = PersonInput {
        login: b.login,
        display_name: b.display_name,
        email: b.email.unwrap_or_default(),
        phone: b.phone.unwrap_or_default(),
        position: b.position.unwrap_or_default(),
        is_admin: b.is_admin,
        region_id: b.region_id,
        manager_id: b.manager_id,
        active: true,
        locale: b.locale.unwrap_or_default(),
        password: b.password,
        on_leave_until: b.on_leave_until.unwrap_or_default(),
    };
    let p = uc::create(&s.app, &u.ctx, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// A change to a person: absent fields keep their value; `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PersonPatch {
    pub login: Option<String>,
    pub display_name: Option<String>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    pub is_admin: Option<bool>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub region_id: Option<Option<i64>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub manager_id: Option<Option<i64>>,
    /// `false` disables the person: they can no longer log in; their records stay.
    pub active: Option<bool>,
    pub locale: Option<String>,
    /// The last day of a leave (`YYYY-MM-DD`); `null` ends the leave.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub on_leave_until: Option<Option<String>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Change a person (administrators and the VP).
#[utoipa::path(patch, path = "/people/{id}", tag = "people", request_body = PersonPatch,
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = PersonDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PersonPatch>,
) -> Result<Json<PersonDto>, ApiError> {
    let err = |e| ApiError::new(e, u.lang);
    if !u.ctx.actor.can(salesdesk_domain::Capability::ManagePeople) {
        return Err(err(salesdesk_app::AppError::Forbidden));
    }
    let current = uc::get(&s.app, &u.ctx, id).await.map_err(err)?;
    let mut input = uc::input_of(&current);
    if let Some(v) = b.login {
        input.login = v;
    }
    if let Some(v) = b.display_name {
        input.display_name = v;
    }
    if let Some(v) = b.email {
        input.email = v.unwrap_or_default();
    }
    if let Some(v) = b.phone {
        input.phone = v.unwrap_or_default();
    }
    if let Some(v) = b.position {
        input.position = v.unwrap_or_default();
    }
    if let Some(v) = b.is_admin {
        input.is_admin = v;
    }
    if let Some(v) = b.region_id {
        input.region_id = v;
    }
    if let Some(v) = b.manager_id {
        input.manager_id = v;
    }
    if let Some(v) = b.active {
        input.active = v;
    }
    if let Some(v) = b.locale {
        input.locale = v;
    }
    if let Some(v) = b.on_leave_until {
        input.on_leave_until = v.unwrap_or_default();
    }
    let p = uc::update(&s.app, &u.ctx, id, &input).await.map_err(err)?;
    Ok(Json(p.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    /// The new password; the person must change it at next login.
    pub password: String,
}

/// Set a new password for a person (administrators). Their sessions end.
#[utoipa::path(post, path = "/people/{id}/password-reset", tag = "people", request_body = PasswordReset,
    params(("id" = i64, Path, description = "person id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::auth::reset_password(&s.app, &u.ctx, id, &b.password)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
