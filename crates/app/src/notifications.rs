//! The notification centre: each person reads and clears their own notifications. Opening one
//! marks it read ([`open`]); a notification that asks for an action (a status request to decide)
//! is marked done by the use case that does it, in its transaction (`store::notifications::mark_done`).

use salesdesk_store::{Page, Paged, notifications};
use serde::Serialize;

use crate::{App, AppError, Ctx, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub params: serde_json::Value,
    pub link: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read: bool,
    /// What it asked for has been done (the request it announced was decided).
    pub done: bool,
}

impl From<notifications::Notification> for Notification {
    fn from(n: notifications::Notification) -> Notification {
        Notification {
            id: n.id,
            kind: n.kind,
            params: serde_json::from_str(&n.params).unwrap_or(serde_json::Value::Null),
            // Only a local path is ever a link (the rows are ours, but a link leaving the site
            // from a notification would be an open redirect through `open`).
            link: n
                .link
                .filter(|h| h.starts_with('/') && !h.starts_with("//")),
            created_at: n.created_at,
            read: n.read_at.is_some(),
            done: n.done_at.is_some(),
        }
    }
}

/// The signed-in person's notifications, newest first; only unread ones with `unread_only`.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    unread_only: bool,
    page: Page,
) -> Result<Paged<Notification>> {
    let p = notifications::list_for(app.db.read(), ctx.actor.user_id, unread_only, page).await?;
    Ok(p.map(Notification::from))
}

/// Opens one of the person's notifications: marks it read (when `mark` and it is unread; the
/// page passes `false` for a request another site started) and returns it, for its link.
/// Someone else's is "not found".
pub async fn open(app: &App, ctx: &Ctx, id: i64, mark: bool) -> Result<Notification> {
    let n = notifications::get_for(app.db.read(), ctx.actor.user_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if mark && n.read_at.is_none() {
        mark_read(app, ctx, Some(id)).await?;
    }
    Ok(Notification {
        read: n.read_at.is_some() || mark,
        ..Notification::from(n)
    })
}

pub async fn unread_count(app: &App, ctx: &Ctx) -> Result<u64> {
    let user = ctx.actor.user_id;
    app.cached(format!("unread:{user}"), async {
        Ok(notifications::unread_count(app.db.read(), user).await?)
    })
    .await
}

/// Marks one notification (or all, with `None`) as read. Someone else's notification is
/// "not found".
pub async fn mark_read(app: &App, ctx: &Ctx, id: Option<i64>) -> Result<u64> {
    let tx = app.db.begin().await?;
    if let Some(id) = id
        && !notifications::belongs_to(&tx, ctx.actor.user_id, id).await?
    {
        return Err(AppError::NotFound);
    }
    let n = notifications::mark_read(&tx, ctx.actor.user_id, id).await?;
    if n > 0 {
        salesdesk_store::audit::insert(
            &tx,
            ctx.audit(
                "notifications.read",
                "notification",
                id,
                None,
                Some(serde_json::json!({"count": n})),
            ),
        )
        .await?;
    }
    app.db.commit(tx).await?;
    Ok(n)
}
