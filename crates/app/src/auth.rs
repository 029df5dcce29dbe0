//! Login, sessions, logout and passwords.

use chrono::{DateTime, TimeDelta, Utc};
use salesdesk_domain::{Actor, Capability, FieldErrors, Position, validate};
use salesdesk_store::{login_failures, notifications, now, sessions, users};
use serde_json::json;

use crate::{App, AppError, Ctx, Result, password};

/// What kind of client a session is for: a browser (cookie, sliding expiry) or the API (bearer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// Where a login attempt comes from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// A successful login: the token to hand to the client (shown once, never stored) and who it is.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub ctx: Ctx,
}

fn td(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::hours(12))
}

/// A hash of a password nobody knows, verified when the login does not exist so that the answer
/// takes as long as for a real account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsZXNkZXNrZHVtbXk$MnqqR7JGB7I0oz9ns3Ij2ncDDg1obPnfdNUsV2YjRp4";

fn ctx_for(user: &users::User, session_id: Option<i64>, origin: &Origin) -> Ctx {
    Ctx {
        actor: Actor {
            user_id: user.id,
            position: user.position.as_deref().and_then(Position::parse),
            is_admin: user.is_admin,
            region_id: user.region_id,
        },
        display_name: user.display_name.clone(),
        login: user.login.clone(),
        locale: user.locale.clone(),
        session_id,
        must_change_password: user.must_change_password,
        ip: origin.ip.clone(),
        request_id: origin.request_id.clone(),
    }
}

/// Checks a login and password and opens a session.
///
/// Refuses, in this order: an address with too many recent failures ([`AppError::Throttled`]),
/// a locked account ([`AppError::Locked`]), and a wrong login or password or a disabled account
/// ([`AppError::BadCredentials`], which does not say which). Each failure is recorded; the
/// account is locked for `lockout_duration` after `lockout_threshold` failures in a row.
pub async fn login(
    app: &App,
    login: &str,
    password_input: &str,
    kind: SessionKind,
    origin: &Origin,
) -> Result<LoggedIn> {
    let mut errs = FieldErrors::new();
    if login.trim().is_empty() {
        errs.push(salesdesk_domain::FieldError::new("login", "error.required"));
    }
    if password_input.is_empty() {
        errs.push(salesdesk_domain::FieldError::new(
            "password",
            "error.required",
        ));
    }
    errs.into_result()?;
    if password_input.len() > 1024 {
        return Err(AppError::BadCredentials);
    }

    let cfg = &app.config;
    let t = now();
    let ip = origin
        .ip
        .as_deref()
        .map(validate::search_text)
        .unwrap_or_else(|| "unknown".into());
    let recent = login_failures::count_since(app.db.read(), &ip, t - td(cfg.ip_window)).await?;
    if recent >= cfg.ip_failure_limit {
        return Err(AppError::Throttled);
    }

    // A login is never longer than 32 safe characters; anything else cannot match, and control
    // characters must not reach the database (PostgreSQL refuses NUL in text).
    let login_key = validate::search_text(login).to_lowercase();
    let user = users::find_by_login(app.db.read(), &login_key).await?;
    let Some(user) = user.filter(|u| u.active) else {
        password::verify(password_input.to_string(), DUMMY_HASH.into()).await;
        let tx = app.db.begin().await?;
        login_failures::record(&tx, &ip, &login_key, t).await?;
        app.db.commit(tx).await?;
        return Err(AppError::BadCredentials);
    };
    if let Some(until) = user.locked_until.filter(|u| *u > t) {
        let tx = app.db.begin().await?;
        login_failures::record(&tx, &ip, &login_key, t).await?;
        app.db.commit(tx).await?;
        return Err(AppError::Locked(until));
    }

    if !password::verify(password_input.to_string(), user.password_hash.clone()).await {
        let tx = app.db.begin().await?;
        login_failures::record(&tx, &ip, &login_key, t).await?;
        let lock =
            (user.failed_logins + 1 >= cfg.lockout_threshold).then(|| t + td(cfg.lockout_duration));
        users::record_failure(&tx, &user, lock).await?;
        if let Some(until) = lock {
            let ctx = ctx_for(&user, None, origin);
            salesdesk_store::audit::insert(
                &tx,
                salesdesk_store::audit::NewAudit {
                    actor_id: None,
                    ..ctx.audit(
                        "person.locked",
                        "person",
                        Some(user.id),
                        None,
                        Some(json!({"locked_until": until})),
                    )
                },
            )
            .await?;
        }
        app.db.commit(tx).await?;
        return Err(AppError::BadCredentials);
    }

    let (token, hash) = password::new_token()?;
    let ttl = match kind {
        SessionKind::Web => cfg.session_idle,
        SessionKind::Api => cfg.api_token_ttl,
    };
    let expires_at = t + td(ttl);
    let tx = app.db.begin().await?;
    if user.failed_logins > 0 || user.locked_until.is_some() {
        users::clear_failures(&tx, user.id).await?;
    }
    let session = sessions::insert(
        &tx,
        sessions::NewSession {
            token_hash: hash,
            user_id: user.id,
            kind: kind.as_str(),
            expires_at,
            ip: origin.ip.clone(),
            user_agent: origin
                .user_agent
                .as_ref()
                .map(|s| s.chars().take(255).collect()),
        },
    )
    .await?;
    let ctx = ctx_for(&user, Some(session.id), origin);
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "session.create",
            "session",
            Some(session.id),
            None,
            Some(json!({"kind": kind.as_str()})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(LoggedIn {
        token,
        expires_at,
        ctx,
    })
}

/// Resolves a session token to the person acting. `None` when the token is unknown, expired, or
/// belongs to a disabled person. Browser sessions slide: their expiry is pushed forward when
/// they are used, at most once a minute (so a page view is not a write).
pub async fn authenticate(app: &App, token: &str, origin: &Origin) -> Result<Option<Ctx>> {
    if token.len() != 64 {
        return Ok(None);
    }
    let t = now();
    let hash = password::token_hash(token);
    let found = app
        .cached_arc(format!("session:{hash}"), async {
            Ok(sessions::find_live(app.db.read(), &hash, t).await?)
        })
        .await?;
    let Some((session, user)) = found.as_ref() else {
        return Ok(None);
    };
    if session.expires_at <= t {
        return Ok(None);
    }
    if !user.active {
        return Ok(None);
    }
    if session.kind == "web" && t - session.last_seen_at > TimeDelta::minutes(1) {
        let tx = app.db.begin().await?;
        sessions::touch(&tx, session.id, t, t + td(app.config.session_idle)).await?;
        app.db.commit(tx).await?;
    }
    Ok(Some(ctx_for(user, Some(session.id), origin)))
}

/// Ends the session of this token.
pub async fn logout(app: &App, ctx: &Ctx, token: &str) -> Result<()> {
    let tx = app.db.begin().await?;
    let n = sessions::delete_by_hash(&tx, &password::token_hash(token)).await?;
    if n > 0 {
        salesdesk_store::audit::insert(
            &tx,
            ctx.audit("session.delete", "session", ctx.session_id, None, None),
        )
        .await?;
    }
    app.db.commit(tx).await?;
    Ok(())
}

/// Changes one's own password after checking the current one. Other sessions of the person end;
/// the current one stays.
pub async fn change_password(
    app: &App,
    ctx: &Ctx,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<()> {
    let user = users::get(app.db.read(), ctx.actor.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut errs = FieldErrors::new();
    if current.is_empty() {
        errs.push(salesdesk_domain::FieldError::new(
            "current_password",
            "error.required",
        ));
    } else if !password::verify(current.to_string(), user.password_hash.clone()).await {
        errs.push(salesdesk_domain::FieldError::new(
            "current_password",
            "error.wrong_password",
        ));
    }
    errs.take(validate::new_password("new_password", new, &user.login));
    if new != confirm {
        errs.push(salesdesk_domain::FieldError::new(
            "confirm_password",
            "error.password_mismatch",
        ));
    }
    errs.into_result()?;
    let hash = password::hash(new.to_string()).await?;
    let tx = app.db.begin().await?;
    users::set_password(&tx, user.id, hash, false).await?;
    sessions::delete_for_user(&tx, user.id, ctx.session_id).await?;
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "person.password_change",
            "person",
            Some(user.id),
            None,
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// An administrator sets a new password for someone. The person must change it at the next
/// login, all their sessions end, and they are notified.
pub async fn reset_password(app: &App, ctx: &Ctx, user_id: i64, new: &str) -> Result<()> {
    if !ctx.actor.can(Capability::ResetPasswords) {
        return Err(AppError::Forbidden);
    }
    let user = users::get(app.db.read(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    validate::new_password("password", new, &user.login)
        .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    let hash = password::hash(new.to_string()).await?;
    let tx = app.db.begin().await?;
    users::set_password(&tx, user.id, hash, true).await?;
    sessions::delete_for_user(&tx, user.id, None).await?;
    notifications::insert(
        &tx,
        user.id,
        "password_reset",
        json!({"by": ctx.display_name}),
        Some("/account".into()),
    )
    .await?;
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit("person.password_reset", "person", Some(user.id), None, None),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// Sets the interface language of the acting person.
pub async fn set_locale(app: &App, ctx: &Ctx, locale: &str) -> Result<()> {
    if !crate::LOCALES.contains(&locale) {
        return Err(AppError::field("locale", "error.invalid_choice"));
    }
    let tx = app.db.begin().await?;
    users::set_locale(&tx, ctx.actor.user_id, locale).await?;
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "person.locale",
            "person",
            ctx.actor_id(),
            Some(json!({"locale": ctx.locale})),
            Some(json!({"locale": locale})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// Deletes expired sessions, old login failures and expired idempotency keys. Idempotent: any process may run it.
pub async fn housekeeping(app: &App) -> Result<(u64, u64)> {
    let t = now();
    let tx = app.db.begin().await?;
    let s = sessions::purge_expired(&tx, t).await?;
    let f = login_failures::purge_before(&tx, t - TimeDelta::days(1)).await?;
    salesdesk_store::idempotency_keys::purge_before(&tx, t - crate::idempotency::KEY_LIFETIME)
        .await?;
    app.db.commit(tx).await?;
    Ok((s, f))
}

/// The context of an active person acting from the command line (`salesdesk customers import
/// --as LOGIN`): their rights and scope, no session. "Not found" for an unknown or disabled login.
pub async fn cli_ctx(app: &App, login: &str) -> Result<Ctx> {
    let user = users::find_by_login(app.db.read(), &login.trim().to_lowercase())
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::NotFound)?;
    Ok(ctx_for(&user, None, &Origin::default()))
}
