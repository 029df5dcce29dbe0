//! `GET|POST|DELETE /me/calendar-feed`: the caller's private iCalendar URL (issue 12 point 8).
//! The URL is given only by the POST that issues it; only a hash is kept.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use salesdesk_app::calendar_feed;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};

/// The caller's calendar feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedDto {
    /// Whether a feed URL is live.
    pub active: bool,
    /// When the live URL was issued.
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The URL (`…/ical/<secret>.ics`): only in the answer of the POST that issued it.
    pub url: Option<String>,
}

/// Whether the caller has a live feed URL, and since when.
#[utoipa::path(get, path = "/me/calendar-feed", tag = "me",
    responses((status = 200, body = CalendarFeedDto), (status = 401, body = Problem)))]
pub async fn get(State(s): State<AppState>, u: ApiUser) -> Result<Json<CalendarFeedDto>, ApiError> {
    let at = calendar_feed::issued_at(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(CalendarFeedDto {
        active: at.is_some(),
        issued_at: at,
        url: None,
    }))
}

/// Issue a new feed URL (an earlier one stops working). The answer holds the URL, the only
/// time it is given. Audited as `calendar_feed.issue`.
#[utoipa::path(post, path = "/me/calendar-feed", tag = "me",
    responses((status = 201, body = CalendarFeedDto), (status = 401, body = Problem)))]
pub async fn issue(
    State(s): State<AppState>,
    u: ApiUser,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<CalendarFeedDto>), ApiError> {
    let secret = calendar_feed::issue(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let at = calendar_feed::issued_at(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let origin = crate::pages::origin_of(&s, &headers);
    Ok((
        StatusCode::CREATED,
        Json(CalendarFeedDto {
            active: true,
            issued_at: at,
            url: Some(format!("{origin}/ical/{secret}.ics")),
        }),
    ))
}

/// Revoke the feed URL: it answers 404 from now on. Audited as `calendar_feed.revoke`.
#[utoipa::path(delete, path = "/me/calendar-feed", tag = "me",
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn revoke(State(s): State<AppState>, u: ApiUser) -> Result<StatusCode, ApiError> {
    calendar_feed::revoke(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
