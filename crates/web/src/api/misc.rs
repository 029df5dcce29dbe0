//! `/me`, `/positions`, `/audit`, `/notifications`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::audit::{AuditFilter, Sessions};
use salesdesk_domain::{Capability, DataScope, Position};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::people::PersonDto;
use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};
use crate::i18n::{Lang, Tr};

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub person: PersonDto,
    /// Which sales records this person sees: `nothing`, `own`, `region`, `team` or `all`.
    #[schema(schema_with = super::codes::data_scope)]
    pub data_scope: String,
    /// Organisation-wide actions this person may take.
    #[schema(schema_with = super::codes::capabilities)]
    pub capabilities: Vec<String>,
    pub must_change_password: bool,
}

pub(super) fn capability_code(c: Capability) -> &'static str {
    match c {
        Capability::ViewDirectory => "view_directory",
        Capability::ManagePeople => "manage_people",
        Capability::ManageOrg => "manage_org",
        Capability::ResetPasswords => "reset_passwords",
        Capability::ViewAudit => "view_audit",
        Capability::ManageSettings => "manage_settings",
        Capability::ManageCustomers => "manage_customers",
        Capability::ManageLoginThrottles => "manage_login_throttles",
    }
}

/// The signed-in person, their data scope and capabilities.
#[utoipa::path(get, path = "/me", tag = "me", responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(State(s): State<AppState>, u: ApiUser) -> Result<Json<Me>, ApiError> {
    let p = salesdesk_app::people::get(&s.app, &u.ctx, u.ctx.actor.user_id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let scope = match u.ctx.actor.data_scope() {
        DataScope::Nothing => "nothing",
        DataScope::Own => "own",
        DataScope::Region(_) => "region",
        DataScope::Team => "team",
        DataScope::All => "all",
    };
    Ok(Json(Me {
        person: p.into(),
        data_scope: scope.into(),
        capabilities: Capability::ALL
            .into_iter()
            .filter(|c| u.ctx.actor.can(*c))
            .map(|c| capability_code(c).to_string())
            .collect(),
        must_change_password: u.ctx.must_change_password,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MePatch {
    /// `zh-CN` or `en`.
    #[schema(schema_with = super::codes::locale)]
    pub locale: String,
}

/// Change one's own interface language.
#[utoipa::path(patch, path = "/me", tag = "me", request_body = MePatch,
    responses((status = 204), (status = 422, body = Problem)))]
pub async fn update_me(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<MePatch>,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::auth::set_locale(&s.app, &u.ctx, &b.locale)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password. Other sessions end; this one stays.
#[utoipa::path(put, path = "/me/password", tag = "me", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = Problem)))]
pub async fn change_password(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::auth::change_password(
        &s.app,
        &u.ctx,
        &b.current_password,
        &b.new_password,
        &b.new_password,
    )
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositionDto {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Leads people (approves their requests and reports).
    pub is_manager: bool,
}

/// The positions of the sales department (fixed in code; names in both languages).
#[utoipa::path(get, path = "/positions", tag = "organisation", responses((status = 200, body = Vec<PositionDto>)))]
pub async fn positions(_u: ApiUser) -> Json<Vec<PositionDto>> {
    Json(
        Position::ALL
            .into_iter()
            .map(|p| PositionDto {
                code: p.as_str().into(),
                name_zh: Tr(Lang::Zh).t(p.label_key()).into(),
                name_en: Tr(Lang::En).t(p.label_key()).into(),
                is_manager: p.is_manager(),
            })
            .collect(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    /// What was done, e.g. `person.update`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The values in `before` and `after` are hidden (`***`) because the entry is about sales
    /// data outside the reader's scope; the changed fields are still named.
    pub masked: bool,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub actor_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    /// Prefix of the action, e.g. `person.`.
    pub action: Option<String>,
    /// From this instant (RFC 3339).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Before this instant (RFC 3339).
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Logins and logouts (`session.*`): `include` (default), `exclude` or `only`.
    #[param(inline)]
    pub sessions: Option<SessionsParam>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionsParam {
    Include,
    Exclude,
    Only,
}

/// The audit log, newest first (the VP and administrators).
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = PageOf<AuditDto>), (status = 403, body = Problem)))]
pub async fn audit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<PageOf<AuditDto>>, ApiError> {
    let filter = AuditFilter {
        actor_id: p.actor_id,
        entity_type: p.entity_type.clone(),
        entity_id: p.entity_id,
        action: p.action.clone(),
        from: p.from,
        until: p.until,
        sessions: match p.sessions {
            None | Some(SessionsParam::Include) => Sessions::Include,
            Some(SessionsParam::Exclude) => Sessions::Exclude,
            Some(SessionsParam::Only) => Sessions::Only,
        },
        ..AuditFilter::default()
    };
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = salesdesk_app::audit::list(&s.app, &u.ctx, &filter, page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, |a| AuditDto {
        id: a.id,
        at: a.at,
        actor_id: a.actor_id,
        actor_name: a.actor_name,
        action: a.action,
        entity_type: a.entity_type,
        entity_id: a.entity_id,
        before: a.before,
        after: a.after,
        ip: a.ip,
        request_id: a.request_id,
        masked: a.masked,
    })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    pub kind: String,
    /// The message in the reader's language.
    pub text: String,
    /// The page of what it is about (a path on this server).
    pub link: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read: bool,
    /// What it asked for has been done (e.g. the status request it announced was decided).
    pub done: bool,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// `true`: only unread notifications.
    pub unread: Option<bool>,
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

/// The signed-in person's notifications, newest first (`?unread=true`: only unread ones).
#[utoipa::path(get, path = "/notifications", tag = "me", params(NotificationParams),
    responses((status = 200, body = PageOf<NotificationDto>)))]
pub async fn notifications(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<NotificationParams>,
) -> Result<Json<PageOf<NotificationDto>>, ApiError> {
    let tr = Tr(u.lang);
    let page = salesdesk_app::Page::new(p.page, p.per_page);
    let r = salesdesk_app::notifications::list(&s.app, &u.ctx, p.unread == Some(true), page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(PageOf::from(r, |n| NotificationDto {
        text: crate::pages::notification_text(tr, &n.kind, &n.params),
        id: n.id,
        kind: n.kind,
        link: n.link,
        created_at: n.created_at,
        read: n.read,
        done: n.done,
    })))
}

/// Mark one notification as read.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "me",
    params(("id" = i64, Path, description = "notification id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn read_notification(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::notifications::mark_read(&s.app, &u.ctx, Some(id))
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark every notification as read.
#[utoipa::path(post, path = "/notifications/read-all", tag = "me", responses((status = 204)))]
pub async fn read_all_notifications(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<StatusCode, ApiError> {
    salesdesk_app::notifications::mark_read(&s.app, &u.ctx, None)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
