//! Counters the public intake keeps per request — its rate limits per address and per intake
//! key, and each key's use count — counted in this process's memory and added to the database
//! now and then, not written by every request (issue 12, "Performance": three write
//! transactions per application, two of them on rows every application updates, were what
//! held intake to one application at a time).
//!
//! **Rate windows** ([`Windows::hit`]): a bucket (`key:7`, `addr:203.0.113.9`) counts hits in
//! fixed windows (a minute, an hour). The database keeps each window's total over every process
//! (`trial_intake_counters`, one upsert that adds this process's pending hits). A process knows
//! the total as of its last sync plus its own hits since; it syncs at a bucket's first hit, when
//! its unsynced hits pass an eighth of what is left of the limit, and at least every
//! [`SYNC_EVERY`]. So a small limit (the form's 20 an hour) is checked against the database at
//! nearly every hit, a large one (the website's key, thousands a minute) about once a second;
//! with up to eight processes the hits they have not yet synced cannot together exceed what
//! was left. A process that stops cleanly writes what it holds ([`flush`]); one that dies loses
//! at most a second's.
//!
//! **Key uses** ([`Uses`]): each key's uses and last use are added up here and written in one
//! UPDATE per key at most every [`SYNC_EVERY`], and before the keys are listed in this process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use crate::{App, AppError, Result};

/// The longest a process keeps hits or uses to itself.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// One bucket's window as this process sees it.
#[derive(Debug)]
struct Bucket {
    window_start: DateTime<Utc>,
    /// The window's total in the database at the last sync (this process's synced hits included).
    known: i64,
    /// This process's hits not yet added to the database.
    pending: i64,
    synced_at: Option<Instant>,
}

/// What one hit needs.
enum Step {
    Allow,
    Refuse,
    /// Add this many hits to the database, then decide on the total.
    Sync(i64),
}

/// The rate windows of this process.
#[derive(Debug, Default)]
pub struct Windows {
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept at most (a flood from many addresses); past it, those without unsent hits are
/// forgotten.
const MAX_BUCKETS: usize = 10_000;

impl Windows {
    /// Counts one hit on `bucket` at `now` against `max` hits per `window`: refused with the
    /// wait when the window holds more than `max` (this one included).
    pub(crate) async fn hit(
        &self,
        app: &App,
        bucket: &str,
        max: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let secs = window.num_seconds().max(1);
        let start =
            DateTime::from_timestamp(now.timestamp().div_euclid(secs) * secs, 0).unwrap_or(now);
        let max = i64::from(max);
        let step = self.step(bucket, start, max);
        let total = match step {
            Step::Allow => return Ok(()),
            Step::Refuse => max + 1,
            Step::Sync(n) => match sync(app, bucket, start, n).await {
                Ok(total) => {
                    self.synced(bucket, start, total);
                    total
                }
                Err(e) => {
                    // Counted next time instead.
                    self.unsynced(bucket, start, n);
                    return Err(e);
                }
            },
        };
        if total > max {
            let until = start + window;
            return Err(AppError::Throttled {
                until,
                retry_after_secs: salesdesk_domain::throttle::retry_after_secs(until, now),
            });
        }
        Ok(())
    }

    fn step(&self, bucket: &str, start: DateTime<Utc>, max: i64) -> Step {
        let Ok(mut all) = self.buckets.lock() else {
            return Step::Sync(1);
        };
        if all.len() >= MAX_BUCKETS {
            // Those with nothing to add: their next hit asks the database again.
            all.retain(|_, b| b.pending > 0);
        }
        let b = all.entry(bucket.to_string()).or_insert(Bucket {
            window_start: start,
            known: 0,
            pending: 0,
            synced_at: None,
        });
        if b.window_start != start {
            *b = Bucket {
                window_start: start,
                known: 0,
                pending: 0,
                synced_at: None,
            };
        }
        b.pending += 1;
        // A lower bound of the window's total: refusing needs no look at the database.
        if b.known + b.pending > max {
            return Step::Refuse;
        }
        let slack = (max - b.known) / 8;
        let due = b.synced_at.is_none_or(|t| t.elapsed() >= SYNC_EVERY);
        if due || b.pending > slack {
            let n = std::mem::take(&mut b.pending);
            // Another hit meanwhile waits for this sync's answer no longer than it takes.
            b.synced_at = Some(Instant::now());
            Step::Sync(n)
        } else {
            Step::Allow
        }
    }

    /// Adds every bucket's unsent hits to the database now.
    async fn flush(&self, app: &App) -> Result<()> {
        let pending: Vec<(String, DateTime<Utc>, i64)> = match self.buckets.lock() {
            Ok(mut all) => all
                .iter_mut()
                .filter(|(_, b)| b.pending > 0)
                .map(|(k, b)| (k.clone(), b.window_start, std::mem::take(&mut b.pending)))
                .collect(),
            Err(_) => return Ok(()),
        };
        for (bucket, start, n) in pending {
            let total = sync(app, &bucket, start, n).await?;
            self.synced(&bucket, start, total);
        }
        Ok(())
    }

    fn synced(&self, bucket: &str, start: DateTime<Utc>, total: i64) {
        if let Ok(mut all) = self.buckets.lock()
            && let Some(b) = all.get_mut(bucket)
            && b.window_start == start
        {
            b.known = b.known.max(total);
        }
    }

    fn unsynced(&self, bucket: &str, start: DateTime<Utc>, n: i64) {
        if let Ok(mut all) = self.buckets.lock()
            && let Some(b) = all.get_mut(bucket)
            && b.window_start == start
        {
            b.pending += n;
            b.synced_at = None;
        }
    }
}

/// Adds `n` hits to the bucket's window in the database; the window's total after it.
async fn sync(app: &App, bucket: &str, start: DateTime<Utc>, n: i64) -> Result<i64> {
    use salesdesk_store::trials as store;
    let tx = app.db.begin().await?;
    let total = store::hit(&tx, bucket, start, n).await?;
    if total == n {
        // A new window: forget windows a day old (cheap by index; the table stays small).
        store::prune_counters(&tx, start - TimeDelta::days(1)).await?;
    }
    // No cached read depends on the counters: the caches stay valid.
    tx.commit()
        .await
        .map_err(salesdesk_store::StoreError::from)?;
    Ok(total)
}

/// Per key: uses not yet written and the last one's time; and when they were last written.
type PendingUses = (HashMap<i64, (i64, DateTime<Utc>)>, Instant);

/// Uses of intake keys not yet written: per key, how many and the last.
#[derive(Debug)]
pub struct Uses {
    pending: Mutex<PendingUses>,
}

impl Default for Uses {
    fn default() -> Self {
        Uses {
            pending: Mutex::new((HashMap::new(), Instant::now())),
        }
    }
}

impl Uses {
    /// Counts one use of key `id` at `at`; writes what is pending when the last write is
    /// [`SYNC_EVERY`] old.
    pub(crate) async fn count(&self, app: &App, id: i64, at: DateTime<Utc>) -> Result<()> {
        let due = match self.pending.lock() {
            Ok(mut p) => {
                let e = p.0.entry(id).or_insert((0, at));
                e.0 += 1;
                e.1 = e.1.max(at);
                p.1.elapsed() >= SYNC_EVERY
            }
            Err(_) => false,
        };
        if due { self.flush(app).await } else { Ok(()) }
    }

    /// Writes every pending use now (one UPDATE per key).
    pub(crate) async fn flush(&self, app: &App) -> Result<()> {
        let taken: Vec<(i64, (i64, DateTime<Utc>))> = match self.pending.lock() {
            Ok(mut p) => {
                p.1 = Instant::now();
                p.0.drain().collect()
            }
            Err(_) => return Ok(()),
        };
        if taken.is_empty() {
            return Ok(());
        }
        let written = async {
            let tx = app.db.begin().await?;
            for (id, (n, at)) in &taken {
                salesdesk_store::intake_keys::add_uses(&tx, *id, *n, *at).await?;
            }
            // Use counts are read fresh by the keys' pages: no cache to mark stale.
            tx.commit()
                .await
                .map_err(salesdesk_store::StoreError::from)?;
            Ok::<_, AppError>(())
        }
        .await;
        if written.is_err()
            && let Ok(mut p) = self.pending.lock()
        {
            // Kept for the next write.
            for (id, (n, at)) in taken {
                let e = p.0.entry(id).or_insert((0, at));
                e.0 += n;
                e.1 = e.1.max(at);
            }
        }
        written
    }
}

/// Writes what this process counted and has not written yet — keys' uses, rate windows' hits:
/// `serve` calls it when it stops, so that a clean shutdown loses none of them.
pub async fn flush(app: &App) -> Result<()> {
    app.meters.uses.flush(app).await?;
    app.meters.windows.flush(app).await
}

/// The intake's counters of one process.
#[derive(Debug, Default)]
pub struct Meters {
    pub(crate) windows: Windows,
    pub(crate) uses: Uses,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syncs(w: &Windows, bucket: &str, start: DateTime<Utc>, max: i64, hits: usize) -> Vec<i64> {
        let mut out = Vec::new();
        for _ in 0..hits {
            match w.step(bucket, start, max) {
                Step::Sync(n) => {
                    out.push(n);
                    // As if the database held this process's hits only.
                    let total = w.buckets.lock().unwrap()[bucket].known + n;
                    w.synced(bucket, start, total);
                }
                Step::Allow => {}
                Step::Refuse => out.push(-1),
            }
        }
        out
    }

    #[test]
    fn a_small_limit_is_checked_against_the_database_at_every_hit_and_refused_past_it() {
        let w = Windows::default();
        let t = Utc::now();
        // The form's limit of 3: every hit is added at once; the fourth is refused unasked.
        assert_eq!(syncs(&w, "addr:a", t, 3, 5), vec![1, 1, 1, -1, -1]);
    }

    #[test]
    fn a_large_limit_adds_hits_in_batches_that_shrink_as_the_limit_nears() {
        let w = Windows::default();
        let t = Utc::now();
        let s = syncs(&w, "key:1", t, 800, 800);
        // The first hit asks; then an eighth of what is left, less and less.
        assert_eq!(s[0], 1);
        assert_eq!(s[1], 100);
        assert!(s.windows(2).skip(1).all(|p| p[1] <= p[0]), "{s:?}");
        assert_eq!(
            s.iter().sum::<i64>(),
            800,
            "every hit counted, none refused"
        );
        assert_eq!(syncs(&w, "key:1", t, 800, 1), vec![-1]);
    }

    #[test]
    fn a_new_window_starts_from_zero_and_asks_the_database_first() {
        let w = Windows::default();
        let t = Utc::now();
        assert_eq!(syncs(&w, "addr:b", t, 1, 2), vec![1, -1]);
        let next = t + TimeDelta::hours(1);
        assert_eq!(syncs(&w, "addr:b", next, 1, 1), vec![1]);
    }
}
