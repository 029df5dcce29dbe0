//! Saved list filters: each person names the filters they use often on the customers, deals,
//! contracts and receivables lists, one set per list. Private to their owner: nobody else sees,
//! uses or deletes them.

use salesdesk_domain::{FieldError, FieldErrors, validate};
use salesdesk_store::audit;
use salesdesk_store::saved_filters as store;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

pub use salesdesk_store::saved_filters::SavedFilter;

/// How many filters one person may keep (over all lists).
pub const MAX_PER_PERSON: u64 = 50;

/// The lists a filter can be saved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Customers,
    Deals,
    Contracts,
    Receivables,
}

impl ListKind {
    pub const ALL: [ListKind; 4] = [
        ListKind::Customers,
        ListKind::Deals,
        ListKind::Contracts,
        ListKind::Receivables,
    ];

    /// The stored code, which is also the list page's path without its slash.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Customers => "customers",
            ListKind::Deals => "deals",
            ListKind::Contracts => "contracts",
            ListKind::Receivables => "receivables",
        }
    }

    pub fn parse(s: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// The actor's filters of one list.
pub async fn list(app: &App, ctx: &Ctx, kind: ListKind) -> Result<Vec<SavedFilter>> {
    if ctx.actor_id().is_none() {
        return Ok(vec![]);
    }
    // Read on every list page; a save or a delete commits, which empties the cache.
    let me = ctx.actor.user_id;
    let code = kind.as_str();
    app.cached(format!("saved_filters:{me}:{code}"), async {
        Ok(store::for_user(app.db.read(), me, code).await?)
    })
    .await
}

/// Saves a list's query string (as the list page or the API encoded it) under a name.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    kind: ListKind,
    name: &str,
    query: &str,
) -> Result<SavedFilter> {
    let me = ctx.actor_id().ok_or(AppError::Forbidden)?;
    let mut errs = FieldErrors::new();
    let name = errs.take(validate::required_text("name", name, 30));
    let query = query.trim().trim_start_matches('?');
    if query.len() > 2000 || query.chars().any(char::is_control) {
        errs.push(FieldError::new("query", "error.too_long"));
    }
    errs.into_result()?;
    let name = name.unwrap_or_default();
    let tx = app.db.begin().await?;
    // The person's row is locked so that two saves at once cannot both pass the limit; a name
    // is theirs once per list (`ux_saved_filters_name` holds it if two saves of one name race).
    salesdesk_store::users::lock(&tx, me).await?;
    if store::count_for_user(&tx, me).await? >= MAX_PER_PERSON {
        return Err(AppError::conflict("name", "error.too_many_filters"));
    }
    if store::for_user(&tx, me, kind.as_str())
        .await?
        .iter()
        .any(|f| f.name == name)
    {
        return Err(AppError::conflict("name", "error.filter_name_taken"));
    }
    let f = store::insert(&tx, me, kind.as_str(), &name, query).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "filter.create",
            "saved_filter",
            Some(f.id),
            None,
            Some(json!({"list": f.list, "name": f.name, "query": f.query})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(f)
}

/// Deletes one of the actor's own filters ("not found" for anyone else's).
pub async fn delete(app: &App, ctx: &Ctx, id: i64) -> Result<()> {
    let tx = app.db.begin().await?;
    let f = store::get_own(&tx, id, ctx.actor.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::delete(&tx, id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "filter.delete",
            "saved_filter",
            Some(id),
            Some(json!({"list": f.list, "name": f.name, "query": f.query})),
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}
