//! Retry-safe POSTs: the first request sent with an `Idempotency-Key` runs and its answer is
//! kept; a retry with the same key and the same request gets that answer again without running
//! anything; the same key with another request, or while the first still runs, is refused.
//!
//! Who runs is decided by the unique index on `(user, key)` (`store::idempotency_keys::claim`):
//! of two requests arriving together exactly one inserts the row. Keys live
//! [`KEY_LIFETIME`]; a key whose request never answered (its server stopped) is free again after
//! [`ABANDONED_AFTER`].

use chrono::TimeDelta;
use salesdesk_store::idempotency_keys as store;
use salesdesk_store::now;
use sha2::{Digest, Sha256};

use crate::{App, Result};

/// How long a key and its answer are kept (`auth::housekeeping` deletes older ones).
pub const KEY_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// After this long, a key still marked running belongs to a request that will never answer.
pub const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(10);

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// A key is 1 to 255 visible ASCII characters (`!` to `~`).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What identifies a request: SHA-256 (hex) of its method, target (path and query) and body.
pub fn fingerprint(method: &str, target: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(target.as_bytes());
    h.update(b"\n");
    h.update(body);
    crate::password::hex(&h.finalize())
}

/// A kept answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// The key is now this request's: run it, then [`finish`] (or [`release`]).
    Run,
    /// The same request ran before: send this answer again.
    Replay(Answer),
    /// The same request is still running.
    InProgress,
    /// The key belongs to another request.
    Mismatch,
}

/// Claims `key` for `user_id`'s request, or says why not.
pub async fn begin(app: &App, user_id: i64, key: &str, fingerprint: &str) -> Result<Begin> {
    // Twice at most: the second round follows the deletion of a stale key.
    for _ in 0..2 {
        let t = now();
        let tx = app.db.begin().await?;
        if store::claim(&tx, user_id, key, fingerprint, t).await? {
            app.db.commit(tx).await?;
            return Ok(Begin::Run);
        }
        let Some(row) = store::find(&tx, user_id, key).await? else {
            // Deleted between the insert and the read (housekeeping): claim again.
            app.db.commit(tx).await?;
            continue;
        };
        if store::delete_stale(&tx, user_id, key, t - KEY_LIFETIME, t - ABANDONED_AFTER).await? {
            app.db.commit(tx).await?;
            continue;
        }
        app.db.commit(tx).await?;
        if row.fingerprint != fingerprint {
            return Ok(Begin::Mismatch);
        }
        return Ok(match row.status {
            None => Begin::InProgress,
            Some(status) => Begin::Replay(Answer {
                status: u16::try_from(status).unwrap_or(500),
                content_type: row.content_type,
                body: row.body.unwrap_or_default(),
            }),
        });
    }
    Ok(Begin::InProgress)
}

/// Keeps the answer of the request that claimed `key`.
pub async fn finish(app: &App, user_id: i64, key: &str, answer: Answer) -> Result<()> {
    let tx = app.db.begin().await?;
    store::finish(
        &tx,
        user_id,
        key,
        i32::from(answer.status),
        answer.content_type,
        answer.body,
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// Frees `key` after its request failed without an answer worth repeating, so that a retry
/// runs it again (nothing was written: the failed use case rolled back).
pub async fn release(app: &App, user_id: i64, key: &str) -> Result<()> {
    let tx = app.db.begin().await?;
    store::release(&tx, user_id, key).await?;
    app.db.commit(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        assert!(valid_key("5f1c9a2e-8b7d-4c3a-9e21-0d6f4b8a1c37"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("has space"));
        assert!(!valid_key("键"));
        assert!(!valid_key("tab\there"));
    }

    #[test]
    fn the_fingerprint_changes_with_method_target_and_body() {
        let a = fingerprint("POST", "/customers", b"{}");
        assert_eq!(a, fingerprint("POST", "/customers", b"{}"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, fingerprint("POST", "/customers", b"{ }"));
        assert_ne!(a, fingerprint("POST", "/regions", b"{}"));
        assert_ne!(a, fingerprint("PUT", "/customers", b"{}"));
    }
}
