//! Who is asking: session tokens from the cookie or a bearer header, resolved to a [`Ctx`].

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use salesdesk_app::auth::{self, Origin};
use salesdesk_app::{AppError, Ctx};

use crate::AppState;
use crate::error::ApiError;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "sd_session";
pub const LANG_COOKIE: &str = "sd_lang";
/// The known-device cookie: set at every login, it lets the right password through while the
/// login or the address is backing off (`app::auth::login`).
pub const DEVICE_COOKIE: &str = "sd_device";

/// The `Set-Cookie` value of a new known-device token: long-lived, HTTP only, never sent
/// cross-site.
pub fn device_cookie(state: &AppState, token: &str) -> Option<axum::http::HeaderValue> {
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.app.config.login.device_ttl.as_secs();
    axum::http::HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session token of a request: `Authorization: Bearer …`, else the session cookie.
pub fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    {
        return Some(t.trim().to_string());
    }
    cookie(headers, SESSION_COOKIE).map(str::to_string)
}

/// Where the request comes from, for throttling and the audit log.
pub fn origin(parts: &Parts, state: &AppState) -> Origin {
    let forwarded = state
        .web
        .trust_proxy
        .then(|| parts.headers.get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string());
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    Origin {
        ip: forwarded.or(peer),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        request_id: parts
            .headers
            .get(crate::security::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        device_token: cookie(&parts.headers, DEVICE_COOKIE).map(|v| auth::Secret(v.to_string())),
        session_token: token(&parts.headers).map(auth::Secret),
    }
}

/// The language of an anonymous request: the language cookie, else Simplified Chinese.
pub fn anonymous_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .map(Lang::from_code)
        .unwrap_or_default()
}

/// A signed-in person on an HTML page. Without a session the browser is sent to the login page
/// (and back afterwards); a person who must change their password is sent to do that first.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub ctx: Ctx,
    pub token: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let to_login = || {
            let next = path
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            Redirect::to(&format!("/login?next={}", crate::view::url_encode(&next))).into_response()
        };
        let Some(token) = token(&parts.headers) else {
            return Err(to_login());
        };
        let origin = origin(parts, state);
        match auth::authenticate(&state.app, &token, &origin).await {
            Ok(Some(ctx)) => {
                let p = path.path();
                if ctx.must_change_password
                    && !matches!(p, "/account" | "/account/password" | "/logout")
                    && !p.starts_with("/static/")
                {
                    return Err(Redirect::to("/account?must_change=1").into_response());
                }
                let lang = Lang::from_code(&ctx.locale);
                Ok(PageUser { ctx, token, lang })
            }
            Ok(None) => Err(to_login()),
            Err(e) => Err(crate::error::page_error(e, anonymous_lang(&parts.headers))),
        }
    }
}

/// A signed-in API client (bearer token or session cookie). Without one: 401 problem+json.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub ctx: Ctx,
    pub token: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let lang = anonymous_lang(&parts.headers);
        let Some(token) = token(&parts.headers) else {
            return Err(ApiError::new(AppError::Unauthenticated, lang));
        };
        let origin = origin(parts, state);
        match auth::authenticate(&state.app, &token, &origin).await {
            Ok(Some(ctx)) => {
                let lang = Lang::from_code(&ctx.locale);
                Ok(ApiUser { ctx, token, lang })
            }
            Ok(None) => Err(ApiError::new(AppError::Unauthenticated, lang)),
            Err(e) => Err(ApiError::new(e, lang)),
        }
    }
}

/// The origin of a request, for handlers that have no signed-in user yet (login).
#[derive(Debug, Clone)]
pub struct ClientOrigin(pub Origin, pub Lang);

impl FromRequestParts<AppState> for ClientOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientOrigin(
            origin(parts, state),
            anonymous_lang(&parts.headers),
        ))
    }
}
