//! `/settings/customers`, `/choices` (customer types and sources) and
//! `/regions/{id}/assignment-rule`: what the administrator and the regional managers configure.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::assignment::{self, Rule};
use salesdesk_app::choices::{self, Choice, ChoiceInput, ChoicePatch};
use salesdesk_app::settings::{self, Settings, SettingsInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, Problem};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerSettingsDto {
    /// Items a complete customer record has besides its name: `short_name`, `uscc`, `website`,
    /// `email`, `phone`, `province`, `city`, `address`, `industry`, `size`, `type`, `source`,
    /// `background`, `region`, `owner`, `contact`.
    pub required_items: Vec<String>,
    /// Regular review: days without a status change or contact after which a customer of this
    /// status is due (`lead`, `basic`, `potential`, `signed`, `invalid`). A status left out, or
    /// `null`, is never due.
    #[schema(value_type = Object)]
    pub review_days: BTreeMap<String, Option<u32>>,
    /// The public pool (公海); off by default.
    pub pool_enabled: bool,
    /// With the pool on: days without a contact record after which a customer returns to it.
    pub pool_idle_days: u32,
    /// With the pool on: customers one person may claim from it per day.
    pub pool_claims_per_day: u32,
    /// Hours after writing a contact record during which its author may correct it (1–720);
    /// absent: 24.
    #[serde(default = "default_record_edit_hours")]
    #[schema(minimum = 1, maximum = 720, default = 24)]
    pub record_edit_hours: u32,
    /// Days an archived customer stays in the recycle bin, restorable, before it is deleted for
    /// good (1–3650); absent: 30.
    #[serde(default = "default_archive_retention_days")]
    #[schema(minimum = 1, maximum = 3650, default = 30)]
    pub archive_retention_days: u32,
}

fn default_record_edit_hours() -> u32 {
    Settings::default().record_edit_hours
}

fn default_archive_retention_days() -> u32 {
    Settings::default().archive_retention_days
}

impl From<Settings> for CustomerSettingsDto {
    fn from(s: Settings) -> Self {
        CustomerSettingsDto {
            required_items: s
                .required_items
                .iter()
                .map(|i| i.as_str().to_string())
                .collect(),
            review_days: s
                .review_days
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), Some(*v)))
                .collect(),
            pool_enabled: s.pool_enabled,
            pool_idle_days: s.pool_idle_days,
            pool_claims_per_day: s.pool_claims_per_day,
            record_edit_hours: s.record_edit_hours,
            archive_retention_days: s.archive_retention_days,
        }
    }
}

impl From<CustomerSettingsDto> for SettingsInput {
    fn from(b: CustomerSettingsDto) -> Self {
        SettingsInput {
            required_items: b.required_items,
            review_days: b
                .review_days
                .into_iter()
                .map(|(k, v)| (k, v.map(|d| d.to_string()).unwrap_or_default()))
                .collect(),
            pool_enabled: b.pool_enabled,
            pool_idle_days: b.pool_idle_days.to_string(),
            pool_claims_per_day: b.pool_claims_per_day.to_string(),
            record_edit_hours: b.record_edit_hours.to_string(),
            archive_retention_days: b.archive_retention_days.to_string(),
        }
    }
}

/// The customer settings (administrators only).
#[utoipa::path(get, path = "/settings/customers", tag = "settings",
    responses((status = 200, body = CustomerSettingsDto), (status = 403, body = Problem)))]
pub async fn get_customer_settings(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<CustomerSettingsDto>, ApiError> {
    let v = settings::for_admin(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(v.into()))
}

/// Replace the customer settings (administrators only; the whole object).
#[utoipa::path(put, path = "/settings/customers", tag = "settings", request_body = CustomerSettingsDto,
    responses((status = 200, body = CustomerSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_customer_settings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<CustomerSettingsDto>,
) -> Result<Json<CustomerSettingsDto>, ApiError> {
    let v = settings::put_input(&s.app, &u.ctx, &b.into())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(v.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceDto {
    pub id: i64,
    /// `type` (customer type), `source` (customer source) or `release_reason` (why a customer
    /// went back to the pool).
    #[schema(schema_with = super::codes::choice_list)]
    pub list: String,
    /// What customer records store; never changes.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Inactive entries are kept for the records that use them but not offered any more.
    pub active: bool,
}

impl From<&Choice> for ChoiceDto {
    fn from(c: &Choice) -> Self {
        ChoiceDto {
            id: c.id,
            list: c.list.clone(),
            code: c.code.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            active: c.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceList {
    /// Both lists, each in display order.
    pub items: Vec<ChoiceDto>,
}

/// Customer types and sources, active or not (anyone signed in: forms need them).
#[utoipa::path(get, path = "/choices", tag = "settings",
    responses((status = 200, body = ChoiceList), (status = 401, body = Problem)))]
pub async fn list_choices(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<ChoiceList>, ApiError> {
    let all = choices::all(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ChoiceList {
        items: all.iter().map(ChoiceDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewChoice {
    /// `type`, `source` or `release_reason`.
    #[schema(schema_with = super::codes::choice_list)]
    pub list: String,
    /// Lower-case letters, digits and `_`, at most 32; unique in its list.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// Add an entry to a list (administrators only).
#[utoipa::path(post, path = "/choices", tag = "settings", request_body = NewChoice,
    responses((status = 201, body = ChoiceDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_choice(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewChoice>,
) -> Result<(StatusCode, Json<ChoiceDto>), ApiError> {
    let input = ChoiceInput {
        list: b.list,
        code: b.code,
        name_zh: b.name_zh,
        name_en: b.name_en,
        active: true,
    };
    let c = choices::create(&s.app, &u.ctx, &input)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json((&c).into())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChoiceChange {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub active: Option<bool>,
}

/// Rename an entry or (de)activate it; absent fields keep their value (administrators only).
#[utoipa::path(patch, path = "/choices/{id}", tag = "settings", request_body = ChoiceChange,
    params(("id" = i64, Path, description = "entry id")),
    responses((status = 200, body = ChoiceDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_choice(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ChoiceChange>,
) -> Result<Json<ChoiceDto>, ApiError> {
    let p = ChoicePatch {
        name_zh: b.name_zh,
        name_en: b.name_en,
        active: b.active,
    };
    let c = choices::patch(&s.app, &u.ctx, id, &p)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json((&c).into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentRuleDto {
    pub region_id: i64,
    /// `manual` (nobody is chosen automatically), `round_robin` or `least_load`.
    #[schema(schema_with = super::codes::assignment_mode)]
    pub mode: String,
    /// Who received the region's last automatically assigned customer.
    pub last_user_id: Option<i64>,
    pub updated_by: Option<i64>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the caller may change the rule.
    pub can_change: bool,
}

fn rule_dto(r: Rule, u: &ApiUser) -> AssignmentRuleDto {
    AssignmentRuleDto {
        can_change: assignment::may_set(&u.ctx.actor, r.region_id),
        region_id: r.region_id,
        mode: r.mode.into(),
        last_user_id: r.last_user_id,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignmentRuleBody {
    /// `manual`, `round_robin` or `least_load`.
    #[schema(schema_with = super::codes::assignment_mode)]
    pub mode: String,
}

/// How a region's new customers get an owner (anyone signed in may read it; a branch office
/// follows its region's rule and has none of its own: 404).
#[utoipa::path(get, path = "/regions/{id}/assignment-rule", tag = "organisation",
    params(("id" = i64, Path, description = "region id")),
    responses((status = 200, body = AssignmentRuleDto), (status = 404, body = Problem)))]
pub async fn get_rule(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AssignmentRuleDto>, ApiError> {
    let r = assignment::get_rule(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(rule_dto(r, &u)))
}

/// Set a region's rule (its regional manager, administrators, the VP).
#[utoipa::path(put, path = "/regions/{id}/assignment-rule", tag = "organisation", request_body = AssignmentRuleBody,
    params(("id" = i64, Path, description = "region id")),
    responses((status = 200, body = AssignmentRuleDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_rule(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AssignmentRuleBody>,
) -> Result<Json<AssignmentRuleDto>, ApiError> {
    let r = assignment::set_rule(&s.app, &u.ctx, id, &b.mode)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(rule_dto(r, &u)))
}
