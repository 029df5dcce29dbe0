//! The customer-type and customer-source lists (seed S4.1), maintained by the administrator in
//! both languages. Entries are deactivated, never deleted: records keep their code.

use std::sync::Arc;

use salesdesk_domain::{Capability, FieldErrors, validate};
use salesdesk_store::audit;
use salesdesk_store::choices as store;
pub use salesdesk_store::choices::{Choice, LISTS};
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// Every entry of both lists, in display order (cached: forms and lists read it on every page).
pub async fn all(app: &App) -> Result<Arc<Vec<Choice>>> {
    app.cached_arc("choices".into(), async {
        Ok(store::all(app.db.read()).await?)
    })
    .await
}

/// The display name of a code in a language (`zh` unless `en`); the code itself if unknown.
pub fn label<'a>(all: &'a [Choice], list: &str, code: &'a str, lang: &str) -> &'a str {
    all.iter()
        .find(|c| c.list == list && c.code == code)
        .map(|c| {
            if lang == "en" {
                c.name_en.as_str()
            } else {
                c.name_zh.as_str()
            }
        })
        .unwrap_or(code)
}

/// What the administrator types for a new entry or a change.
#[derive(Debug, Clone, Default)]
pub struct ChoiceInput {
    pub list: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
}

fn snapshot(c: &Choice) -> serde_json::Value {
    json!({"list": c.list, "code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "active": c.active})
}

fn names(errs: &mut FieldErrors, i: &ChoiceInput) -> (String, String) {
    let zh = errs
        .take(validate::required_text("name_zh", &i.name_zh, 30))
        .unwrap_or_default();
    let en = errs
        .take(validate::required_text("name_en", &i.name_en, 60))
        .unwrap_or_default();
    (zh, en)
}

/// Adds an entry. The code is lower-case ASCII letters, digits and `_`, unique in its list.
pub async fn create(app: &App, ctx: &Ctx, i: &ChoiceInput) -> Result<Choice> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    if !store::LISTS.contains(&i.list.as_str()) {
        errs.push(salesdesk_domain::FieldError::new(
            "list",
            "error.invalid_choice",
        ));
    }
    let code = i.code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errs.push(salesdesk_domain::FieldError::new(
            "code",
            "error.code_format",
        ));
    }
    let (zh, en) = names(&mut errs, i);
    errs.into_result()?;
    let tx = app.db.begin().await?;
    if store::get(&tx, &i.list, code).await?.is_some() {
        return Err(AppError::conflict("code", "error.code_taken"));
    }
    // The check above and the unique index agree; a concurrent insert meets the index.
    let c = store::insert(&tx, &i.list, code, &zh, &en).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "choice.create",
            "choice",
            Some(c.id),
            None,
            Some(snapshot(&c)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(c)
}

/// A change to an entry: fields left `None` keep their value.
#[derive(Debug, Clone, Default)]
pub struct ChoicePatch {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub active: Option<bool>,
}

/// Renames an entry or (de)activates it.
pub async fn update(app: &App, ctx: &Ctx, id: i64, i: &ChoiceInput) -> Result<Choice> {
    let p = ChoicePatch {
        name_zh: Some(i.name_zh.clone()),
        name_en: Some(i.name_en.clone()),
        active: Some(i.active),
    };
    patch(app, ctx, id, &p).await
}

/// Changes some of an entry's names and its active flag (administrators only).
pub async fn patch(app: &App, ctx: &Ctx, id: i64, p: &ChoicePatch) -> Result<Choice> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let before = store::by_id(&tx, id).await?.ok_or(AppError::NotFound)?;
    let merged = ChoiceInput {
        list: before.list.clone(),
        code: before.code.clone(),
        name_zh: p.name_zh.clone().unwrap_or_else(|| before.name_zh.clone()),
        name_en: p.name_en.clone().unwrap_or_else(|| before.name_en.clone()),
        active: p.active.unwrap_or(before.active),
    };
    let mut errs = FieldErrors::new();
    let (zh, en) = names(&mut errs, &merged);
    errs.into_result()?;
    let after = store::update(&tx, id, &zh, &en, merged.active).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "choice.update",
            "choice",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(after)
}
