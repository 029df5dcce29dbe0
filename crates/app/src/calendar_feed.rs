//! A person's private calendar feed (issue 12 point 8): an iCalendar URL `/ical/<secret>.ics`
//! that Outlook, Apple or Google Calendar subscribes to without signing in.
//!
//! - The secret is 32 random bytes (64 hex digits); only its SHA-256 is stored
//!   (`calendar_feeds`, m0033), like a session token, so a copy of the database hands out no
//!   live feed. It is shown once, when issued; issuing again replaces it (the old URL stops at
//!   once) and revoking deletes it. Both are audited.
//! - What the feed holds: the person's follow-ups — the customers they own whose next contact
//!   date falls from 90 days back to a year ahead, as on their follow-up list — as all-day
//!   events; the first-contact deadlines of the trial applications they hold and have not
//!   contacted yet (timed events at the deadline); their scheduled pre-sales calls (all day).
//!   At most [`MAX_ITEMS`] items in all, so the feed's size is bounded.
//! - A disabled person's feed answers as an unknown one.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use salesdesk_store::customers::Visible;
use salesdesk_store::{audit, calendar_feeds as store, users};
use serde_json::json;

use crate::password::{new_token, token_hash};
use crate::{App, Ctx, Result};

/// How far back the feed reaches (days).
pub const DAYS_BACK: i64 = 90;
/// How far ahead (days).
pub const DAYS_AHEAD: i64 = 366;
/// At most this many items in one feed.
pub const MAX_ITEMS: u64 = 2000;

/// One thing on the person's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A customer's planned next contact (all day).
    FollowUp {
        customer_id: i64,
        customer: String,
        on: NaiveDate,
    },
    /// A trial application's first-contact deadline (an instant) while not yet contacted.
    TrialDeadline {
        trial_id: i64,
        reference: String,
        company: String,
        at: DateTime<Utc>,
    },
    /// A scheduled pre-sales call (all day).
    PresalesCall {
        call_id: i64,
        /// 1-based.
        number: i32,
        trial_id: i64,
        reference: String,
        company: String,
        on: NaiveDate,
    },
}

/// What the feed shows for one person.
#[derive(Debug, Clone)]
pub struct Feed {
    pub user_id: i64,
    pub display_name: String,
    /// The person's language (`zh-CN`, `en`), for the texts.
    pub locale: String,
    pub generated_at: DateTime<Utc>,
    pub items: Vec<Item>,
}

/// When the person's current feed URL was issued, if they have one.
pub async fn issued_at(app: &App, ctx: &Ctx) -> Result<Option<DateTime<Utc>>> {
    Ok(store::of_user(app.db.read(), ctx.actor.user_id)
        .await?
        .map(|f| f.created_at))
}

/// Issues (or re-issues) the person's feed secret and returns it — the only time it is known.
/// An earlier URL stops working. Audited as `calendar_feed.issue` (without the secret).
pub async fn issue(app: &App, ctx: &Ctx) -> Result<String> {
    let (secret, hash) = new_token()?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let replaced = store::of_user(&tx, ctx.actor.user_id).await?.is_some();
    store::issue(&tx, ctx.actor.user_id, &hash, now).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "calendar_feed.issue",
            "user",
            Some(ctx.actor.user_id),
            None,
            Some(json!({ "replaced": replaced })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(secret)
}

/// Revokes the person's feed: its URL answers 404 from now on. Audited when there was one.
pub async fn revoke(app: &App, ctx: &Ctx) -> Result<bool> {
    let tx = app.db.begin().await?;
    let had = store::revoke(&tx, ctx.actor.user_id).await?;
    if had {
        audit::insert(
            &tx,
            ctx.audit(
                "calendar_feed.revoke",
                "user",
                Some(ctx.actor.user_id),
                None,
                None,
            ),
        )
        .await?;
    }
    app.db.commit(tx).await?;
    Ok(had)
}

/// The feed of the secret in a URL; `None` for an unknown, revoked or malformed secret and for
/// a disabled person (the caller answers 404 to all alike).
pub async fn feed(app: &App, secret: &str) -> Result<Option<Feed>> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(f) = store::by_hash(app.db.read(), &token_hash(secret)).await? else {
        return Ok(None);
    };
    let Some(user) = users::get(app.db.read(), f.user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let now = app.config.clock.now();
    let today = crate::records::today(app);
    let from = today - TimeDelta::days(DAYS_BACK);
    let until = today + TimeDelta::days(DAYS_AHEAD);
    let unfinished = salesdesk_store::imports::unfinished_ids(app.db.read()).await?;
    let own = Visible::Some {
        owners: vec![user.id],
        regions: vec![],
    }
    .hiding(unfinished);
    let rows = store::followups(app.db.read(), &own, user.id, from, until, MAX_ITEMS).await?;
    let mut items: Vec<Item> = rows
        .into_iter()
        .map(|r| Item::FollowUp {
            customer_id: r.customer_id,
            customer: r.name,
            on: r.on,
        })
        .collect();
    let left = MAX_ITEMS.saturating_sub(items.len() as u64);
    let deadlines = store::trial_deadlines(
        app.db.read(),
        user.id,
        now - TimeDelta::days(DAYS_BACK),
        now + TimeDelta::days(DAYS_AHEAD),
        left,
    )
    .await?;
    items.extend(deadlines.into_iter().map(|d| Item::TrialDeadline {
        trial_id: d.trial_id,
        reference: d.reference.unwrap_or_default(),
        company: d.company,
        at: d.due_at,
    }));
    let left = MAX_ITEMS.saturating_sub(items.len() as u64);
    let calls = store::presales_calls(app.db.read(), user.id, from, until, left).await?;
    items.extend(calls.into_iter().map(|c| Item::PresalesCall {
        call_id: c.call_id,
        number: c.step + 1,
        trial_id: c.trial_id,
        reference: c.reference.unwrap_or_default(),
        company: c.company,
        on: c.on,
    }));
    Ok(Some(Feed {
        user_id: user.id,
        display_name: user.display_name,
        locale: user.locale,
        generated_at: now,
        items,
    }))
}
