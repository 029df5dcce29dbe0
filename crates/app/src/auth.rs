//! Login, sessions, logout and passwords.

use chrono::{DateTime, TimeDelta, Utc};
use salesdesk_domain::{Actor, Capability, FieldErrors, Position, validate};
use salesdesk_store::{login_devices, login_throttles, notifications, now, sessions, users};
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

/// Where a login attempt comes from: the client's address and, for throttling, the proofs of
/// a known browser it carries.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// The known-device cookie, if the browser has one.
    pub device_token: Option<Secret>,
    /// The session token the request carries, if any (someone already signed in).
    pub session_token: Option<Secret>,
}

/// A token that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A successful login: the token to hand to the client (shown once, never stored) and who it is.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub ctx: Ctx,
    /// A new known-device token to give the browser (`None` when it came from a known device).
    pub device_token: Option<String>,
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
/// Throttling (issue 9, point 3) never locks anyone out; it slows guessing down:
/// * An attempt from a known device of this person (cookie from an earlier login) or from
///   someone already signed in as them counts only on that device's own counter; any other
///   attempt counts on the counter of the login string, whether such a person exists or not,
///   and on the counter of the client address.
/// * Each counter allows a few free failures; after that the next attempt must wait a delay
///   that doubles with each failure, up to a cap ([`salesdesk_domain::throttle::Backoff`]).
///   A refused attempt is [`AppError::Throttled`] with when to retry; its password is not checked.
/// * An attempt counts when it starts (a conditional update per counter, so parallel attempts
///   each take their own turn) and is taken back when the password is right: a success forgets
///   the login's and the device's counter and takes itself off the address's.
///
/// A wrong login, a wrong password and a disabled account are all [`AppError::BadCredentials`],
/// after the same work (an unknown login is checked against a dummy hash), so the answer never
/// tells which logins exist.
pub async fn login(
    app: &App,
    login: &str,
    password_input: &str,
    kind: SessionKind,
    origin: &Origin,
) -> Result<LoggedIn> {
    login_choosing(app, login, password_input, kind, origin, None).await
}

/// [`login`] from a login page where the person chose an interface language (`zh-CN` or
/// `en`): the choice is stored on them in the login's transaction (audited as
/// `person.locale`), so every later page and session speaks it. An unknown code is ignored:
/// the login page's choice is a preference, not a field to refuse a login over.
pub async fn login_choosing(
    app: &App,
    login: &str,
    password_input: &str,
    kind: SessionKind,
    origin: &Origin,
    locale: Option<&str>,
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
    let t = cfg.clock.now();
    let ip = origin
        .ip
        .as_deref()
        .map(validate::search_text)
        .unwrap_or_else(|| "unknown".into());
    // A login is never longer than 32 safe characters; anything else cannot match, and control
    // characters must not reach the database (PostgreSQL refuses NUL in text).
    let login_key = validate::search_text(login).to_lowercase();
    let user = users::find_by_login(app.db.read(), &login_key)
        .await?
        .filter(|u| u.active);
    let trust = trust_of(app, user.as_ref(), origin, t).await?;
    let counters = match &trust {
        Some(Trust::Device(d)) => vec![Counter {
            kind: login_throttles::DEVICE,
            key: d.id.to_string(),
            user_id: Some(d.user_id),
            policy: cfg.login.account(),
        }],
        Some(Trust::Session) => vec![],
        None => vec![
            Counter {
                kind: login_throttles::ACCOUNT,
                key: login_key.clone(),
                user_id: None,
                policy: cfg.login.account(),
            },
            Counter {
                kind: login_throttles::ADDRESS,
                key: ip.clone(),
                user_id: None,
                policy: cfg.login.address(),
            },
        ],
    };
    let claims = claim_attempt(app, &counters, t).await?;

    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let right = password::verify(password_input.to_string(), hash).await;
    let Some(user) = user.filter(|_| right) else {
        let started: Vec<&Claim> = claims.iter().filter(|c| c.starts_backoff).collect();
        if !started.is_empty() {
            let tx = app.db.begin().await?;
            for c in started {
                salesdesk_store::audit::insert(
                    &tx,
                    salesdesk_store::audit::NewAudit {
                        actor_id: None,
                        action: "login_throttle.start".into(),
                        entity_type: "login_throttle".into(),
                        entity_id: Some(c.id),
                        before: None,
                        after: Some(json!({
                            "kind": c.kind,
                            "key": c.key,
                            "failures": c.failures,
                            "blocked_until": c.until,
                        })),
                        ip: origin.ip.clone(),
                        request_id: origin.request_id.clone(),
                    },
                )
                .await?;
            }
            app.db.commit(tx).await?;
        }
        return Err(AppError::BadCredentials);
    };

    let (token, hash) = password::new_token()?;
    let ttl = match kind {
        SessionKind::Web => cfg.session_idle,
        SessionKind::Api => cfg.api_token_ttl,
    };
    let expires_at = now() + td(ttl);
    let tx = app.db.begin().await?;
    for c in &claims {
        if c.kind == login_throttles::ADDRESS {
            login_throttles::take_back(&tx, c.id, c.failures, c.before_until).await?;
        } else {
            login_throttles::delete_by_id(&tx, c.id).await?;
        }
    }
    let device_token = match &trust {
        Some(Trust::Device(d)) => {
            login_devices::touch(&tx, d.id, t).await?;
            None
        }
        _ => {
            let (device_token, device_hash) = password::new_token()?;
            login_devices::insert(&tx, user.id, device_hash, t, origin.user_agent.clone()).await?;
            Some(device_token)
        }
    };
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
    let mut ctx = ctx_for(&user, Some(session.id), origin);
    if let Some(locale) = locale.filter(|l| crate::LOCALES.contains(l) && *l != user.locale) {
        users::set_locale(&tx, user.id, locale).await?;
        salesdesk_store::audit::insert(
            &tx,
            ctx.audit(
                "person.locale",
                "person",
                Some(user.id),
                Some(json!({"locale": user.locale})),
                Some(json!({"locale": locale})),
            ),
        )
        .await?;
        ctx.locale = locale.to_string();
    }
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "session.create",
            "session",
            Some(session.id),
            None,
            Some(json!({
                "kind": kind.as_str(),
                "known_device": device_token.is_none(),
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(LoggedIn {
        token,
        expires_at,
        ctx,
        device_token,
    })
}

/// Why an attempt is trusted to be the person themselves.
enum Trust {
    /// It carries the cookie of a device they logged in from before.
    Device(login_devices::Device),
    /// It comes with a live session of theirs.
    Session,
}

/// Whether the attempt carries a known device of `user`, or a live session of theirs. The
/// lookups run whether or not the login exists, so their cost tells nothing either.
async fn trust_of(
    app: &App,
    user: Option<&users::User>,
    origin: &Origin,
    t: DateTime<Utc>,
) -> Result<Option<Trust>> {
    let user_id = user.map(|u| u.id);
    if let Some(Secret(token)) = origin.device_token.as_ref().filter(|s| s.0.len() == 64) {
        let since = t - td(app.config.login.device_ttl);
        let device =
            login_devices::find_live(app.db.read(), &password::token_hash(token), since).await?;
        if let Some(d) = device.filter(|d| Some(d.user_id) == user_id) {
            return Ok(Some(Trust::Device(d)));
        }
    }
    if let Some(Secret(token)) = origin.session_token.as_ref().filter(|s| s.0.len() == 64) {
        let live = sessions::find_live(app.db.read(), &password::token_hash(token), now()).await?;
        if live.is_some_and(|(_, u)| Some(u.id) == user_id) {
            return Ok(Some(Trust::Session));
        }
    }
    Ok(None)
}

/// A back-off counter an attempt must count on.
struct Counter {
    kind: &'static str,
    key: String,
    user_id: Option<i64>,
    policy: salesdesk_domain::throttle::Backoff,
}

/// An attempt counted on a counter, to be taken back if the password is right.
struct Claim {
    id: i64,
    kind: &'static str,
    key: String,
    /// The count after this attempt.
    failures: i32,
    /// The wait the counter had before (restored on success).
    before_until: Option<DateTime<Utc>>,
    /// The wait this attempt set for the next one, if it fails.
    until: Option<DateTime<Utc>>,
    /// This attempt is the first to make the next one wait.
    starts_backoff: bool,
}

/// Counts the attempt on every counter in one transaction, or on none: refused with
/// [`AppError::Throttled`] if any counter is waiting.
async fn claim_attempt(app: &App, counters: &[Counter], t: DateTime<Utc>) -> Result<Vec<Claim>> {
    if counters.is_empty() {
        return Ok(vec![]);
    }
    let tx = app.db.begin().await?;
    let mut claims = Vec::with_capacity(counters.len());
    for c in counters {
        match claim_one(&tx, c, t).await? {
            Ok(claim) => claims.push(claim),
            Err(until) => {
                tx.rollback()
                    .await
                    .map_err(salesdesk_store::StoreError::from)?;
                return Err(AppError::Throttled {
                    until,
                    retry_after_secs: salesdesk_domain::throttle::retry_after_secs(until, t),
                });
            }
        }
    }
    app.db.commit(tx).await?;
    Ok(claims)
}

/// Counts one attempt on one counter: `Err(until)` while it is waiting. Compare-and-set on the
/// count, retried when another attempt came first (each retry sees that attempt's count).
async fn claim_one(
    tx: &salesdesk_store::Tx,
    c: &Counter,
    t: DateTime<Utc>,
) -> Result<std::result::Result<Claim, DateTime<Utc>>> {
    for _ in 0..64 {
        let Some(row) = login_throttles::get(tx, c.kind, &c.key).await? else {
            login_throttles::ensure(tx, c.kind, &c.key, c.user_id, t).await?;
            continue;
        };
        if let Some(until) = row.blocked_until.filter(|u| *u > t) {
            return Ok(Err(until));
        }
        let before = c
            .policy
            .current(row.failures.max(0) as u32, row.last_attempt_at, t);
        let failures = before.saturating_add(1);
        let until = c.policy.blocked_until(failures, t);
        let count = i32::try_from(failures).unwrap_or(i32::MAX);
        if login_throttles::claim(tx, &row, count, t, until).await? {
            return Ok(Ok(Claim {
                id: row.id,
                kind: c.kind,
                key: row.key,
                failures: count,
                before_until: row.blocked_until,
                until,
                starts_backoff: until.is_some() && c.policy.delay(before).is_zero(),
            }));
        }
    }
    // Sixty-four other attempts counted while this one tried: it is a burst; let it wait.
    Ok(Err(t + TimeDelta::seconds(1)))
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
    login_devices::delete_for_user(&tx, user.id).await?;
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
    login_devices::delete_for_user(&tx, user.id).await?;
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

/// Deletes expired sessions, forgotten login counters, long-unused devices and expired
/// idempotency keys: returns the number of sessions and of throttle and device rows deleted.
/// Idempotent: any process may run it.
pub async fn housekeeping(app: &App) -> Result<(u64, u64)> {
    let cfg = &app.config.login;
    let t = app.config.clock.now();
    let forget = td(cfg.forget_after.max(cfg.max));
    let tx = app.db.begin().await?;
    let s = sessions::purge_expired(&tx, now()).await?;
    let f = login_throttles::purge(&tx, t - forget, t).await?;
    let d = login_devices::purge_unused(&tx, t - td(cfg.device_ttl)).await?;
    salesdesk_store::idempotency_keys::purge_before(&tx, now() - crate::idempotency::KEY_LIFETIME)
        .await?;
    app.db.commit(tx).await?;
    Ok((s, f + d))
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

#[cfg(test)]
mod tests {
    use argon2::password_hash::phc::PasswordHash;

    /// An unknown login is checked against this hash so that it takes as long as a known one:
    /// if it did not parse, or used cheaper parameters, the check would return at once.
    #[test]
    fn the_dummy_hash_parses_with_the_parameters_of_real_hashes() {
        let dummy = PasswordHash::new(super::DUMMY_HASH).expect("dummy hash parses");
        let real_text = crate::password::hash_blocking("salesdesk-demo").unwrap();
        let real = PasswordHash::new(&real_text).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
    }
}
