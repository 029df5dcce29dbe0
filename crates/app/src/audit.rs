//! Browsing the audit log (the VP and administrators). What a reader sees of each entry is
//! `Actor::audit_view` (domain): the values of sales entries only within a company-wide scope.
//!
//! Entries hold ids (`owner_id: 12`, customer #1); [`names_for`] loads the names of every id a
//! page of entries mentions in one query per kind (people, regions, customers), never one per
//! row. [`Exporter`] reads the filtered log for a CSV download in keyset pages and records the
//! export itself (who, which filter, how many rows) before the first row is read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use salesdesk_domain::Capability;
use salesdesk_domain::audit::View;
use salesdesk_store::{Page, Paged, audit, customers as cstore, regions, users};
use serde::Serialize;

use crate::{App, AppError, Ctx, Result};

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The values in `before` and `after` are hidden from this reader (sales data outside
    /// their scope); the field names are kept.
    pub masked: bool,
}

/// Shown instead of a hidden value.
pub const MASK: &str = "***";

/// `before` and `after` with every value replaced by [`MASK`]: the fields an action changed stay
/// named (a field whose value is the same on both sides is left out), their values do not.
fn mask(
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> (Option<serde_json::Value>, Option<serde_json::Value>) {
    use serde_json::{Map, Value};
    let fields = |v: &Option<Value>| v.as_ref().and_then(Value::as_object).cloned();
    let (b, a) = (fields(&before), fields(&after));
    let changed = |k: &String| match (&b, &a) {
        (Some(b), Some(a)) => b.get(k) != a.get(k),
        _ => true,
    };
    let hide = |side: Option<Map<String, Value>>, whole: Option<Value>| match (side, whole) {
        (Some(m), _) => Some(Value::Object(
            m.into_iter()
                .filter(|(k, _)| changed(k))
                .map(|(k, _)| (k, MASK.into()))
                .collect(),
        )),
        (None, Some(Value::Null) | None) => None,
        (None, Some(_)) => Some(serde_json::json!({ "value": MASK })),
    };
    (hide(b.clone(), before), hide(a.clone(), after))
}

pub use audit::{AuditFilter, Sessions};

/// Snapshot fields whose value is a person's id.
pub const PERSON_FIELDS: &[&str] = &[
    "owner_id",
    "manager_id",
    "from_owner",
    "to_owner",
    "requested_by",
    "decided_by",
    "actor_id",
    "user_id",
    "archived_by",
    "told",
];
/// Snapshot fields whose value is a region's (or branch office's) id.
pub const REGION_FIELDS: &[&str] = &["region_id", "parent_id"];
/// Snapshot fields whose value is a customer's id.
pub const CUSTOMER_FIELDS: &[&str] = &["customer_id", "merged_id", "kept", "merged"];

/// The names of the people, regions and customers a set of entries mentions.
#[derive(Debug, Clone, Default)]
pub struct Names {
    people: HashMap<i64, String>,
    /// (Chinese, English)
    regions: HashMap<i64, (String, String)>,
    customers: HashMap<i64, String>,
}

impl Names {
    pub fn person(&self, id: i64) -> Option<&str> {
        self.people.get(&id).map(String::as_str)
    }

    /// The region's name in English with `english`, else in Chinese.
    pub fn region(&self, id: i64, english: bool) -> Option<&str> {
        self.regions
            .get(&id)
            .map(|(zh, en)| if english { en.as_str() } else { zh.as_str() })
    }

    pub fn customer(&self, id: i64) -> Option<&str> {
        self.customers.get(&id).map(String::as_str)
    }

    /// The name of the entity of an entry (a person, region or customer), if known.
    pub fn entity(&self, entity_type: &str, id: i64, english: bool) -> Option<&str> {
        match entity_type {
            "person" => self.person(id),
            "region" => self.region(id, english),
            "customer" => self.customer(id),
            _ => None,
        }
    }
}

/// Loads the names of everything the entries mention: actors, entities, and the ids in the
/// snapshots' fields — one query for people, one for customers, the cached region list. A
/// masked entry's values are hidden, and so is its customer's name.
pub async fn names_for(app: &App, rows: &[AuditRow]) -> Result<Names> {
    let (mut people, mut region_ids, mut customers) = (vec![], vec![], vec![]);
    for r in rows {
        people.extend(r.actor_id);
        match (r.entity_type.as_str(), r.entity_id) {
            ("person", Some(id)) => people.push(id),
            ("region", Some(id)) => region_ids.push(id),
            ("customer", Some(id)) if !r.masked => customers.push(id),
            _ => {}
        }
        if r.masked {
            continue;
        }
        for side in [&r.before, &r.after].into_iter().flatten() {
            let Some(o) = side.as_object() else { continue };
            for (k, v) in o {
                let person = PERSON_FIELDS.contains(&k.as_str());
                if let (true, Some(ids)) = (person, v.as_array()) {
                    people.extend(ids.iter().filter_map(serde_json::Value::as_i64));
                    continue;
                }
                let Some(id) = v.as_i64() else { continue };
                if person {
                    people.push(id);
                } else if REGION_FIELDS.contains(&k.as_str()) {
                    region_ids.push(id);
                } else if CUSTOMER_FIELDS.contains(&k.as_str()) {
                    customers.push(id);
                }
            }
        }
    }
    for v in [&mut people, &mut region_ids, &mut customers] {
        v.sort_unstable();
        v.dedup();
    }
    let mut names = Names {
        people: users::by_ids(app.db.read(), &people)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect(),
        customers: cstore::names(app.db.read(), &customers)
            .await?
            .into_iter()
            .collect(),
        regions: HashMap::new(),
    };
    if !region_ids.is_empty() {
        names.regions = regions::list(app.db.read())
            .await?
            .into_iter()
            .filter(|r| region_ids.binary_search(&r.id).is_ok())
            .map(|r| (r.id, (r.name, r.name_en)))
            .collect();
    }
    // A customer merged away or removed keeps the name its entry recorded.
    for r in rows
        .iter()
        .filter(|r| r.entity_type == "customer" && !r.masked)
    {
        if let Some(id) = r.entity_id
            && !names.customers.contains_key(&id)
            && let Some(name) = [&r.after, &r.before]
                .into_iter()
                .flatten()
                .find_map(|v| v.get("name").and_then(|n| n.as_str()))
        {
            names.customers.insert(id, name.to_string());
        }
    }
    Ok(names)
}

/// The entries as this reader may see them: masked where `audit_view` says so, with the
/// actors' names.
async fn rows_of(app: &App, ctx: &Ctx, entries: Vec<audit::AuditEntry>) -> Result<Vec<AuditRow>> {
    rows_seen(app, entries, |t| ctx.actor.audit_view(t)).await
}

/// The entries with the actors' names, each masked where `view` says so.
pub(crate) async fn rows_seen(
    app: &App,
    entries: Vec<audit::AuditEntry>,
    view: impl Fn(&str) -> View,
) -> Result<Vec<AuditRow>> {
    let mut ids: Vec<i64> = entries.iter().filter_map(|a| a.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let actors = users::by_ids(app.db.read(), &ids).await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(entries
        .into_iter()
        .map(|a| {
            let masked = view(&a.entity_type) == View::Masked;
            let (before, after) = (parse(a.before), parse(a.after));
            let (before, after) = if masked {
                mask(before, after)
            } else {
                (before, after)
            };
            AuditRow {
                actor_name: a
                    .actor_id
                    .and_then(|id| actors.iter().find(|u| u.id == id))
                    .map(|u| u.display_name.clone()),
                id: a.id,
                at: a.at,
                actor_id: a.actor_id,
                action: a.action,
                entity_type: a.entity_type,
                entity_id: a.entity_id,
                before,
                after,
                ip: a.ip,
                request_id: a.request_id,
                masked,
            }
        })
        .collect())
}

fn cleaned(filter: &AuditFilter) -> AuditFilter {
    let clean = |s: &Option<String>| s.as_deref().map(salesdesk_domain::validate::search_text);
    AuditFilter {
        entity_type: clean(&filter.entity_type),
        action: clean(&filter.action),
        ..filter.clone()
    }
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    filter: &AuditFilter,
    page: Page,
) -> Result<Paged<AuditRow>> {
    if !ctx.actor.can(Capability::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    let paged = audit::list(app.db.read(), &cleaned(filter), page).await?;
    let Paged {
        items,
        total,
        total_exact,
        page,
    } = paged;
    Ok(Paged {
        items: rows_of(app, ctx, items).await?,
        total,
        total_exact,
        page,
    })
}

/// Entries read per query by an export.
pub const EXPORT_BATCH: u64 = 1_000;

/// An export of the filtered log in progress: [`Exporter::next_rows`] gives a page at a time.
#[derive(Debug)]
pub struct Exporter {
    app: App,
    ctx: Ctx,
    filter: AuditFilter,
    after: Option<(DateTime<Utc>, i64)>,
    finished: bool,
    /// How many entries the export holds (recorded in its own audit entry).
    pub rows: u64,
}

/// Starts an export of the entries `filter` finds, as they are now (entries written later are
/// not in it), and records it in the log: who, which filter (`described`, as the reader gave
/// it) and how many rows.
pub async fn export(
    app: &App,
    ctx: &Ctx,
    filter: &AuditFilter,
    described: serde_json::Value,
) -> Result<Exporter> {
    if !ctx.actor.can(Capability::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    let mut filter = cleaned(filter);
    let tx = app.db.begin().await?;
    filter.upto_id = Some(audit::last_id(&tx).await?);
    let rows = audit::count(&tx, &filter).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "audit_log.export",
            "audit_log",
            None,
            None,
            Some(serde_json::json!({"filter": described, "rows": rows})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(Exporter {
        app: app.clone(),
        ctx: ctx.clone(),
        filter,
        after: None,
        finished: false,
        rows,
    })
}

impl Exporter {
    /// The next page of entries with the names they mention; `None` after the last.
    pub async fn next_rows(&mut self) -> Result<Option<(Vec<AuditRow>, Names)>> {
        if self.finished {
            return Ok(None);
        }
        let entries =
            audit::page_after(self.app.db.read(), &self.filter, self.after, EXPORT_BATCH).await?;
        if (entries.len() as u64) < EXPORT_BATCH {
            self.finished = true;
        }
        if entries.is_empty() {
            return Ok(None);
        }
        self.after = entries.last().map(|e| (e.at, e.id));
        let rows = rows_of(&self.app, &self.ctx, entries).await?;
        let names = names_for(&self.app, &rows).await?;
        Ok(Some((rows, names)))
    }
}
