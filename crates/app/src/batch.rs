//! Creating many customers in one request (issue 11: `POST /api/v1/customers/batch`): all or
//! nothing, each with the checks of creating one ([`crate::customers::create_checked`]), written
//! in multi-row statements in one transaction.
//!
//! What differs from one create after another, and why:
//! - Refusals come back together, each naming the item (`items[17].name`), instead of the first
//!   one alone: a duplicate of an existing customer (with its owner's name) and a likely
//!   duplicate (with its name; send `distinct: true` when they are other companies) are field
//!   errors of the item, and nothing is written.
//! - Two items of one batch with the same duplicate key or USCC are refused (the second names
//!   the first); likely duplicates are looked for among existing customers only.
//! - Audit: one `customer.create` row per customer with its snapshot, as one create writes, so
//!   that a customer's history and the audit log's filters by record do not depend on how it was
//!   created; the request id ties the rows of one batch together.

use std::collections::HashMap;
use std::sync::Mutex;

use salesdesk_domain::customer::CustomerStatus;
use salesdesk_domain::{FieldError, FieldErrors};
use salesdesk_store::customers::{self as store, Visible};
use salesdesk_store::{choices, imports, regions, users};
use serde_json::json;

use crate::customers::{CustomerInput, InDb, Lookup};
use crate::{App, AppError, Ctx, Result};

/// Most customers in one batch.
pub const MAX_BATCH: usize = 1000;

/// Look-ups of one batch, each asked of the database once (1,000 items of one owner: one read).
struct Memo<'a, C> {
    db: InDb<'a, C>,
    users: Mutex<HashMap<i64, Option<users::User>>>,
    regions: Mutex<HashMap<i64, Option<regions::Region>>>,
    choices: Mutex<HashMap<(String, String), Option<choices::Choice>>>,
}

impl<C: salesdesk_store::Conn> Lookup for Memo<'_, C> {
    async fn user(&self, id: i64) -> Result<Option<users::User>> {
        if let Some(u) = self.users.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(u);
        }
        let u = self.db.user(id).await?;
        if let Ok(mut m) = self.users.lock() {
            m.insert(id, u.clone());
        }
        Ok(u)
    }
    async fn region(&self, id: i64) -> Result<Option<regions::Region>> {
        if let Some(r) = self.regions.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(r);
        }
        let r = self.db.region(id).await?;
        if let Ok(mut m) = self.regions.lock() {
            m.insert(id, r.clone());
        }
        Ok(r)
    }
    async fn choice(&self, list: &str, code: &str) -> Result<Option<choices::Choice>> {
        let key = (list.to_string(), code.to_string());
        if let Some(ch) = self.choices.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(ch);
        }
        let ch = self.db.choice(list, code).await?;
        if let Ok(mut m) = self.choices.lock() {
            m.insert(key, ch.clone());
        }
        Ok(ch)
    }
}

fn item_error(i: usize, field: &str, code: &'static str, arg: Option<String>) -> FieldError {
    FieldError {
        field: format!("items[{i}].{field}"),
        code,
        arg,
    }
}

/// Creates `items` as new leads, all or none; returns their ids in the order given. Unless
/// `distinct`, an item that is a likely duplicate of an existing customer refuses the batch.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    items: &[CustomerInput],
    distinct: bool,
) -> Result<Vec<i64>> {
    if items.is_empty() {
        return Err(AppError::field("items", "error.required"));
    }
    if items.len() > MAX_BATCH {
        return Err(AppError::Validation(FieldErrors(vec![FieldError {
            field: "items".into(),
            code: "error.too_many",
            arg: Some(MAX_BATCH.to_string()),
        }])));
    }
    let scope = crate::customers::scope_of(app, ctx, ctx.actor.data_scope()).await?;
    if scope == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let memo = Memo {
        db: InDb(&tx),
        users: Mutex::default(),
        regions: Mutex::default(),
        choices: Mutex::default(),
    };

    // 1. Each item by the rules of one create; duplicates inside the batch.
    let mut errs = Vec::new();
    let mut fields = Vec::with_capacity(items.len());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_uscc: HashMap<String, usize> = HashMap::new();
    for (i, input) in items.iter().enumerate() {
        match crate::customers::parse(&memo, ctx, &scope, input, None).await {
            Ok(f) => {
                if let Some(&first) = by_key.get(&f.name_key) {
                    errs.push(item_error(
                        i,
                        "name",
                        "error.duplicate_in_batch",
                        Some(first.to_string()),
                    ));
                } else if let Some(&first) = f.uscc.as_ref().and_then(|u| by_uscc.get(u)) {
                    errs.push(item_error(
                        i,
                        "uscc",
                        "error.duplicate_in_batch",
                        Some(first.to_string()),
                    ));
                } else {
                    by_key.insert(f.name_key.clone(), i);
                    if let Some(u) = &f.uscc {
                        by_uscc.insert(u.clone(), i);
                    }
                }
                fields.push(f);
            }
            Err(AppError::Validation(fe)) => {
                errs.extend(fe.0.into_iter().map(|e| FieldError {
                    field: format!("items[{i}].{}", e.field),
                    ..e
                }));
            }
            Err(e) => return Err(e),
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(FieldErrors(errs)));
    }

    // 2. Duplicates of existing customers (any scope; the owner's name is told, as when
    // creating one), then likely duplicates.
    let name_keys: Vec<String> = fields.iter().map(|f| f.name_key.clone()).collect();
    let usccs: Vec<String> = fields.iter().filter_map(|f| f.uscc.clone()).collect();
    let existing = store::duplicates_of(&tx, &name_keys, &usccs).await?;
    if !existing.is_empty() {
        let mut owner_of_key = HashMap::new();
        let mut owner_of_uscc = HashMap::new();
        for (k, u, o) in existing {
            if let Some(u) = u {
                owner_of_uscc.insert(u, o);
            }
            owner_of_key.insert(k, o);
        }
        let names = crate::people::display_names(app).await?;
        for (i, f) in fields.iter().enumerate() {
            let hit = match f.uscc.as_ref().and_then(|u| owner_of_uscc.get(u)) {
                Some(o) => Some(("uscc", *o)),
                None => owner_of_key.get(&f.name_key).map(|o| ("name", *o)),
            };
            if let Some((field, owner)) = hit {
                errs.push(match owner.and_then(|o| names.get(&o).cloned()) {
                    Some(name) => item_error(i, field, "error.duplicate_owned_by", Some(name)),
                    None => item_error(i, field, "error.duplicate_customer", None),
                });
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Conflict(FieldErrors(errs)));
        }
    }
    let keys: Vec<_> = fields.iter().map(crate::likely::keys_of_fields).collect();
    if !distinct {
        let v = crate::customers::visible(app, ctx).await?;
        let found = crate::likely::first_of_each(&tx, &v, &keys).await?;
        for (i, hit) in found.into_iter().enumerate() {
            if let Some((name, _)) = hit {
                errs.push(item_error(
                    i,
                    "name",
                    "error.likely_duplicate_of",
                    Some(name),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Conflict(FieldErrors(errs)));
        }
    }

    // 3. The region's rule (S4.5) for items without an owner, in the order given.
    let today = crate::records::today(app);
    let mut assigned = vec![false; fields.len()];
    for (f, a) in fields.iter_mut().zip(assigned.iter_mut()) {
        if let (None, Some(region)) = (f.owner_id, f.region_id)
            && let Some(o) = crate::assignment::pick_owner(&tx, region, today).await?
        {
            f.owner_id = Some(o);
            *a = true;
        }
    }

    // 4. The rows, their keys, owner history, notifications and audit rows.
    let made = match store::insert_many(
        &tx,
        fields,
        CustomerStatus::Lead.as_str(),
        ctx.actor_id(),
        None,
    )
    .await
    {
        Ok(m) => m,
        // A concurrent create took a key between the check and the write.
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::conflict("items", "error.duplicate_customer"));
        }
        Err(e) => return Err(e.into()),
    };
    let key_rows = made
        .iter()
        .zip(&keys)
        .flat_map(|(c, k)| {
            crate::likely::stored(k)
                .into_iter()
                .map(move |key| (c.id, key))
        })
        .collect();
    salesdesk_store::likely::insert(&tx, key_rows).await?;
    for (reason, wanted) in [("create", false), ("assign", true)] {
        let rows: Vec<(i64, i64)> = made
            .iter()
            .zip(&assigned)
            .filter(|(_, a)| **a == wanted)
            .filter_map(|(c, _)| c.owner_id.map(|o| (c.id, o)))
            .collect();
        imports::insert_owner_history(&tx, &rows, reason, ctx.actor_id()).await?;
    }
    let mut given: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, _) in made.iter().zip(&assigned).filter(|(_, a)| **a) {
        if let Some(o) = c.owner_id.filter(|o| *o != ctx.actor.user_id) {
            given.entry(o).or_default().push(c.id);
        }
    }
    for (owner, ids) in given {
        let link = (ids.len() == 1).then(|| format!("/customers/{}", ids[0]));
        salesdesk_store::notifications::insert(
            &tx,
            owner,
            "customers_assigned",
            json!({"count": ids.len(), "by": ctx.display_name}),
            link,
        )
        .await?;
    }
    let audits = made
        .iter()
        .map(|c| {
            ctx.audit(
                "customer.create",
                "customer",
                Some(c.id),
                None,
                Some(crate::customers::snapshot(c)),
            )
        })
        .collect();
    imports::insert_audits(&tx, audits).await?;
    app.db.commit_records(tx).await?;
    Ok(made.into_iter().map(|c| c.id).collect())
}
