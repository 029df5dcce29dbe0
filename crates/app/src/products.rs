//! The products the company sells (issue 12, point 1): e-office and others, kept by the
//! administrator in both languages and offered by the trial application form (later by deals
//! and contracts). A product is deactivated, never deleted: applications and records keep
//! referring to its code. Code and names are unique, held by the database (m0031).

use std::sync::Arc;

use salesdesk_domain::product::{self, ProductCode};
use salesdesk_domain::{Capability, FieldErrors};
use salesdesk_store::audit;
use salesdesk_store::products as store;
pub use salesdesk_store::products::Product;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// Every product, active or not, in display order. Public (the application page lists the
/// active ones without a login) and cached: forms read it on every page.
pub async fn all(app: &App) -> Result<Arc<Vec<Product>>> {
    app.cached_arc("products".into(), async {
        Ok(store::all(app.db.read()).await?)
    })
    .await
}

/// The products an application or a deal may name now, in display order.
pub async fn active(app: &App) -> Result<Vec<Product>> {
    Ok(all(app).await?.iter().filter(|p| p.active).cloned().collect())
}

/// The list as the settings page and the API show it (anyone signed in may read it).
pub async fn list(app: &App, ctx: &Ctx) -> Result<Arc<Vec<Product>>> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    all(app).await
}

/// One product by id (anyone signed in).
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Product> {
    list(app, ctx)
        .await?
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// A product by its code, active or not (what a stored application names).
pub async fn by_code(app: &App, code: &str) -> Result<Option<Product>> {
    Ok(all(app).await?.iter().find(|p| p.code == code).cloned())
}

/// The name of a product code in a language (`en…` English, else Chinese); the code itself
/// when unknown.
pub fn label<'a>(all: &'a [Product], code: &'a str, lang: &str) -> &'a str {
    all.iter()
        .find(|p| p.code == code)
        .map(|p| {
            if lang.starts_with("en") {
                p.name_en.as_str()
            } else {
                p.name_zh.as_str()
            }
        })
        .unwrap_or(code)
}

/// What the administrator sends for a new product.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Display position; `None`: after the last one.
    pub position: Option<i32>,
    pub active: bool,
}

/// A change: fields left `None` keep their value. The code never changes.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

fn snapshot(p: &Product) -> serde_json::Value {
    json!({"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en,
           "position": p.position, "active": p.active})
}

/// A position as given: within ±1,000,000 (a sort key, not a count).
fn position(errs: &mut FieldErrors, p: Option<i32>) -> Option<i32> {
    match p {
        Some(n) if n.abs() > 1_000_000 => {
            errs.push(salesdesk_domain::FieldError::with_arg(
                "position",
                "error.product_position_range",
                1_000_000,
            ));
            None
        }
        p => p,
    }
}

/// Adds a product (administrators only; audited).
pub async fn create(app: &App, ctx: &Ctx, i: &ProductInput) -> Result<Product> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let code = errs.take(ProductCode::parse("code", &i.code));
    let names = match product::names(&i.name_zh, &i.name_en) {
        Ok(n) => Some(n),
        Err(e) => {
            errs.0.extend(e.0);
            None
        }
    };
    let pos = position(&mut errs, i.position);
    errs.into_result()?;
    let (Some(code), Some((zh, en))) = (code, names) else {
        return Err(AppError::Internal("checked fields missing".into()));
    };
    let tx = app.db.begin().await?;
    // The unique indexes hold these rules; a concurrent insert meets them with the same answer.
    if store::by_code(&tx, code.as_str()).await?.is_some() {
        return Err(AppError::conflict("code", "error.product_code_taken"));
    }
    let fields = store::ProductFields {
        name_zh: zh,
        name_en: en,
        position: pos,
        active: i.active,
    };
    let p = store::insert(&tx, code.as_str(), fields).await?;
    audit::insert(
        &tx,
        ctx.audit("product.create", "product", Some(p.id), None, Some(snapshot(&p))),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(p)
}

/// Renames, reorders, deactivates or reactivates a product (administrators only; audited).
pub async fn patch(app: &App, ctx: &Ctx, id: i64, p: &ProductPatch) -> Result<Product> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let before = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    let mut errs = FieldErrors::new();
    let names = match product::names(
        p.name_zh.as_deref().unwrap_or(&before.name_zh),
        p.name_en.as_deref().unwrap_or(&before.name_en),
    ) {
        Ok(n) => Some(n),
        Err(e) => {
            errs.0.extend(e.0);
            None
        }
    };
    let pos = position(&mut errs, p.position);
    errs.into_result()?;
    let Some((zh, en)) = names else {
        return Err(AppError::Internal("checked fields missing".into()));
    };
    let fields = store::ProductFields {
        name_zh: zh,
        name_en: en,
        position: pos,
        active: p.active.unwrap_or(before.active),
    };
    let after = store::update(&tx, id, fields).await?;
    let action = match (before.active, after.active) {
        (true, false) => "product.deactivate",
        (false, true) => "product.activate",
        _ => "product.update",
    };
    audit::insert(
        &tx,
        ctx.audit(
            action,
            "product",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(after)
}
