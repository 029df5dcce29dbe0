//! Intake keys (issue 12, point 1): the company website sends trial applications to the intake
//! API with a key the administrator issues, names and revokes. The secret is shown once, when
//! issued; only its SHA-256 is stored (as for sessions), so a copy of the database hands out no
//! working key. Each use is counted and its time kept (written within a second: `app::meter`);
//! a revoked key is refused at once by the process that revoked it, by others within the read
//! cache's TTL (one second by default), as a revoked session is.

use chrono::{DateTime, Utc};
use salesdesk_domain::{Capability, validate};
use salesdesk_store::intake_keys as store;
use salesdesk_store::{Page, Paged, audit};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result, password};

/// What every secret starts with, so that one found in a log or a repository is recognisable.
pub const SECRET_PREFIX: &str = "sdk_";

/// The longest key name (characters).
pub const MAX_NAME: usize = 60;

/// A key as lists and the API show it: never the secret, nor its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeKey {
    pub id: i64,
    pub name: String,
    /// The secret's first characters (`sdk_3f9a…`), to tell keys apart.
    pub prefix: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub use_count: i64,
}

impl IntakeKey {
    pub fn live(&self) -> bool {
        self.revoked_at.is_none()
    }
}

fn view(k: store::IntakeKey) -> IntakeKey {
    IntakeKey {
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        created_by: k.created_by,
        created_at: k.created_at,
        revoked_by: k.revoked_by,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
        use_count: k.use_count,
    }
}

/// A key just issued, with its secret: shown to the administrator once and never again.
#[derive(Clone, Serialize)]
pub struct Issued {
    pub key: IntakeKey,
    pub secret: String,
}

/// The secret never appears in logs.
impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn checked_name(name: &str) -> Result<String> {
    validate::required_text("name", name, MAX_NAME)
        .map_err(|e| AppError::Validation(salesdesk_domain::FieldErrors(vec![e])))
}

fn may_manage(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ManageSettings) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Issues a key named `name` (administrators; audited without the secret).
pub async fn issue(app: &App, ctx: &Ctx, name: &str) -> Result<Issued> {
    may_manage(ctx)?;
    let name = checked_name(name)?;
    let (token, _) = password::new_token()?;
    let secret = format!("{SECRET_PREFIX}{token}");
    let tx = app.db.begin().await?;
    let k = store::insert(
        &tx,
        store::NewKey {
            name,
            prefix: secret.chars().take(SECRET_PREFIX.len() + 4).collect(),
            key_hash: password::token_hash(&secret),
            created_by: ctx.actor_id(),
            created_at: app.config.clock.now(),
        },
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "intake_key.issue",
            "intake_key",
            Some(k.id),
            None,
            Some(json!({"name": k.name, "prefix": k.prefix})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(Issued {
        key: view(k),
        secret,
    })
}

/// Every key, newest first, live and revoked (administrators).
pub async fn list(app: &App, ctx: &Ctx, page: Page) -> Result<Paged<IntakeKey>> {
    may_manage(ctx)?;
    // This process's uses not yet written are shown too.
    app.meters.uses.flush(app).await?;
    Ok(store::list(app.db.read(), page).await?.map(view))
}

/// One key (administrators).
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<IntakeKey> {
    may_manage(ctx)?;
    app.meters.uses.flush(app).await?;
    store::get(app.db.read(), id)
        .await?
        .map(view)
        .ok_or(AppError::NotFound)
}

/// Renames a key (administrators; audited).
pub async fn rename(app: &App, ctx: &Ctx, id: i64, name: &str) -> Result<IntakeKey> {
    may_manage(ctx)?;
    let name = checked_name(name)?;
    let tx = app.db.begin().await?;
    let before = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    store::rename(&tx, id, &name).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "intake_key.rename",
            "intake_key",
            Some(id),
            Some(json!({"name": before.name})),
            Some(json!({"name": name})),
        ),
    )
    .await?;
    let after = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    app.db.commit(tx).await?;
    Ok(view(after))
}

/// Revokes a key (administrators; audited): from now on it is refused. Revoking a revoked key
/// is a conflict (`error.intake_key_revoked`), not a second audit row.
pub async fn revoke(app: &App, ctx: &Ctx, id: i64) -> Result<IntakeKey> {
    may_manage(ctx)?;
    let tx = app.db.begin().await?;
    let before = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    if !store::revoke(&tx, id, ctx.actor_id(), app.config.clock.now()).await? {
        return Err(AppError::conflict("id", "error.intake_key_revoked"));
    }
    audit::insert(
        &tx,
        ctx.audit(
            "intake_key.revoke",
            "intake_key",
            Some(id),
            Some(json!({"name": before.name, "prefix": before.prefix})),
            None,
        ),
    )
    .await?;
    let after = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    app.db.commit(tx).await?;
    Ok(view(after))
}

/// The live key this secret belongs to (`None`: unknown or revoked), its use counted: what the
/// intake and the deadline API ask on every request. The key comes from the read cache (a
/// revocation in this process is seen at once, in another within the cache's TTL, as for
/// sessions); the use is counted in this process's memory and written at most a second later
/// (`app::meter`).
pub async fn check(app: &App, secret: &str) -> Result<Option<i64>> {
    let secret = secret.trim();
    // Anything else is not ours: no lookup, and no hashing of a megabyte header.
    if !secret.starts_with(SECRET_PREFIX) || secret.len() != SECRET_PREFIX.len() + 64 {
        return Ok(None);
    }
    let hash = password::token_hash(secret);
    // Only live keys are cached: a flood of made-up secrets must not fill the cache.
    let key = format!("intake_key:{hash}");
    let generation = app.db.directory_generation();
    let live = match app.cache_get::<i64>(&key, generation) {
        Some(id) => Some(id),
        None => {
            let found = store::live_by_hash(app.db.read(), &hash)
                .await?
                .map(|k| k.id);
            if let Some(id) = found {
                app.cache_put(key, generation, id);
            }
            found
        }
    };
    if let Some(id) = live {
        app.meters
            .uses
            .count(app, id, app.config.clock.now())
            .await?;
    }
    Ok(live)
}

/// As [`check`], with the key's uses written at once: the key as its page shows it now.
pub async fn authenticate(app: &App, secret: &str) -> Result<Option<IntakeKey>> {
    let Some(id) = check(app, secret).await? else {
        return Ok(None);
    };
    app.meters.uses.flush(app).await?;
    Ok(store::get(app.db.read(), id).await?.map(view))
}
