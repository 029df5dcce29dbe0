//! The notification centre: each person reads and clears their own notifications.

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
}

pub async fn list(app: &App, ctx: &Ctx, page: Page) -> Result<Paged<Notification>> {
    let p = notifications::list_for(app.db.read(), ctx.actor.user_id, page).await?;
    Ok(p.map(|n| Notification {
        id: n.id,
        kind: n.kind,
        params: serde_json::from_str(&n.params).unwrap_or(serde_json::Value::Null),
        link: n.link,
        created_at: n.created_at,
        read: n.read_at.is_some(),
    }))
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
