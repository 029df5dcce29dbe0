//! Contact records (联系记录, seed S4.2) and the follow-up list they drive.
//!
//! Whoever may see (and so work on) a customer may record a contact with it. Each record may set
//! a next contact date; the customer's latest record decides its place on the follow-up list, and
//! its time is the customer's "last contact".

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use salesdesk_domain::customer::ContactKind;
use salesdesk_domain::{DataScope, FieldError, FieldErrors, validate};
use salesdesk_store::contact_records::{self as store, NewRecord};
pub use salesdesk_store::contacts::ContactName;
use salesdesk_store::{Page, Paged, audit, contacts as cstore, customers as custore, users};
use serde::Serialize;
use serde_json::json;

use crate::customers::{Customer, visible};
use crate::{App, AppError, Ctx, Result};

/// A contact record as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: i64,
    pub customer_id: i64,
    pub kind: ContactKind,
    pub happened_at: DateTime<Utc>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub summary: String,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_contact_on: Option<NaiveDate>,
    /// The customer's contacts who took part, removed ones marked.
    pub contacts: Vec<ContactName>,
    pub created_at: DateTime<Utc>,
    /// When its author last corrected it, if ever.
    pub edited_at: Option<DateTime<Utc>>,
    /// Whether the reader may still correct it (its author, within the edit window).
    pub can_edit: bool,
    /// Whether the reader may delete it (a manager who sees the customer).
    pub can_delete: bool,
}

/// What a form or an API call sends. Raw text: parsed here.
#[derive(Debug, Clone, Default)]
pub struct RecordInput {
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD HH:MM` in the company's time zone, or RFC 3339; empty
    /// means now.
    pub happened_at: String,
    pub summary: String,
    pub outcome: String,
    pub next_step: String,
    /// `YYYY-MM-DD`, empty for none.
    pub next_contact_on: String,
    pub contact_ids: Vec<i64>,
}

/// Reads a time typed in the company's time zone (or given with an offset).
pub fn parse_local_time(tz: chrono_tz::Tz, s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Today's date in the company's time zone.
pub fn today(app: &App) -> NaiveDate {
    crate::dashboard::today(app)
}

fn snapshot(r: &store::ContactRecord, contacts: &[i64]) -> serde_json::Value {
    json!({"customer_id": r.customer_id, "kind": r.kind, "happened_at": r.happened_at,
           "summary": r.summary, "outcome": r.outcome, "next_step": r.next_step,
           "next_contact_on": r.next_contact_on, "contact_ids": contacts})
}

/// A record's fields as checked: what `create` and `correct` store.
struct Checked {
    kind: ContactKind,
    happened_at: DateTime<Utc>,
    summary: String,
    outcome: Option<String>,
    next_step: Option<String>,
    next_contact_on: Option<NaiveDate>,
}

/// The longest summary, outcome and next step (characters), stated by the forms.
pub const MAX_SUMMARY: usize = 2000;
pub const MAX_OUTCOME: usize = 1000;
pub const MAX_NEXT_STEP: usize = 1000;

/// Checks what a form or an API call sends, every field at once; `None` when something is
/// wrong (then `errs` says what).
fn check(app: &App, i: &RecordInput, errs: &mut FieldErrors) -> Option<Checked> {
    let tz = app.config.time_zone;
    let kind = match ContactKind::parse(i.kind.trim()) {
        Some(k) => Some(k),
        None if i.kind.trim().is_empty() => {
            errs.push(FieldError::new("kind", "error.required"));
            None
        }
        None => {
            errs.push(FieldError::new("kind", "error.invalid_choice"));
            None
        }
    };
    let now = app.config.clock.now();
    let happened_at = if i.happened_at.trim().is_empty() {
        Some(now)
    } else {
        match parse_local_time(tz, &i.happened_at) {
            // A few minutes of clock skew are forgiven; a contact in the future is not one.
            Some(t) if t > now + chrono::Duration::minutes(5) => {
                errs.push(FieldError::new("happened_at", "error.in_future"));
                None
            }
            Some(t) if t.with_timezone(&tz).year() < 2000 => {
                errs.push(FieldError::new("happened_at", "error.datetime_format"));
                None
            }
            Some(t) => Some(t),
            None => {
                errs.push(FieldError::new("happened_at", "error.datetime_format"));
                None
            }
        }
    };
    let summary = errs.take(validate::required_long_text(
        "summary",
        &i.summary,
        MAX_SUMMARY,
    ));
    let outcome = errs
        .take(validate::optional_long_text(
            "outcome",
            &i.outcome,
            MAX_OUTCOME,
        ))
        .flatten();
    let next_step = errs
        .take(validate::optional_long_text(
            "next_step",
            &i.next_step,
            MAX_NEXT_STEP,
        ))
        .flatten();
    let next_contact_on = match i.next_contact_on.trim() {
        "" => None,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => {
                let contact_day = happened_at
                    .map(|t| t.with_timezone(&tz).date_naive())
                    .unwrap_or_else(|| today(app));
                if d < contact_day {
                    errs.push(FieldError::new(
                        "next_contact_on",
                        "error.next_before_contact",
                    ));
                    None
                } else if d > contact_day + chrono::Duration::days(3660) {
                    errs.push(FieldError::new("next_contact_on", "error.date_format"));
                    None
                } else {
                    Some(d)
                }
            }
            Err(_) => {
                errs.push(FieldError::new("next_contact_on", "error.date_format"));
                None
            }
        },
    };
    Some(Checked {
        kind: kind?,
        happened_at: happened_at?,
        summary: summary?,
        outcome,
        next_step,
        next_contact_on,
    })
}

/// The contacts a record names, sorted and once each; an id that is not one of the customer's
/// (present) contacts is an error.
fn contacts_named(people: &[cstore::Contact], ids: &[i64], errs: &mut FieldErrors) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.iter().any(|id| !people.iter().any(|p| p.id == *id)) {
        errs.push(FieldError::new("contact_ids", "error.unknown_contact"));
    }
    ids
}

/// Records a contact with a customer and moves its follow-up date.
pub async fn create(app: &App, ctx: &Ctx, customer_id: i64, i: &RecordInput) -> Result<Record> {
    let v = visible(app, ctx).await?;
    let mut errs = FieldErrors::new();
    let checked = check(app, i, &mut errs);
    let tx = app.db.begin().await?;
    // With the customer's row locked, the latest record (its last contact and follow-up date)
    // is computed by one writer at a time, and the linked contacts cannot go meanwhile.
    custore::lock(&tx, customer_id).await?;
    let customer = custore::get(&tx, customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = cstore::for_customer(&tx, customer_id).await?;
    let contact_ids = contacts_named(&people, &i.contact_ids, &mut errs);
    errs.into_result()?;
    let Some(Checked {
        kind,
        happened_at,
        summary,
        outcome,
        next_step,
        next_contact_on,
    }) = checked
    else {
        return Err(AppError::Internal("validated record lacks a field".into()));
    };
    let rec = store::insert(
        &tx,
        NewRecord {
            customer_id: customer.id,
            author_id: ctx.actor_id(),
            kind: kind.as_str().to_string(),
            happened_at,
            summary,
            outcome,
            next_step,
            next_contact_on,
            created_at: Some(app.config.clock.now()),
        },
        &contact_ids,
    )
    .await?;
    store::refresh_customer(&tx, customer.id).await?;
    // The first contact after a trial application arrived meets its time limit (issue 12).
    salesdesk_store::trials::contact_made(&tx, customer.id, rec.happened_at).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "record.create",
            "customer",
            Some(customer.id),
            None,
            Some(snapshot(&rec, &contact_ids)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    let names: Vec<ContactName> = people
        .into_iter()
        .filter(|p| contact_ids.contains(&p.id))
        .map(|p| ContactName {
            id: p.id,
            name: p.name,
            removed: false,
        })
        .collect();
    Ok(Record {
        id: rec.id,
        customer_id: rec.customer_id,
        kind,
        happened_at: rec.happened_at,
        author_id: rec.author_id,
        author_name: Some(ctx.display_name.clone()).filter(|_| ctx.actor_id().is_some()),
        summary: rec.summary,
        outcome: rec.outcome,
        next_step: rec.next_step,
        next_contact_on: rec.next_contact_on,
        contacts: names,
        created_at: rec.created_at,
        edited_at: rec.edited_at,
        can_edit: true,
        can_delete: ctx.actor.may_delete_record(),
    })
}

/// A customer's records, latest first ("not found" outside the actor's scope).
pub async fn list(app: &App, ctx: &Ctx, customer_id: i64, page: Page) -> Result<Paged<Record>> {
    let v = visible(app, ctx).await?;
    let r = app.db.read();
    custore::get(r, customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let paged = store::for_customer(r, customer_id, page).await?;
    let Paged {
        items,
        total,
        total_exact,
        page,
    } = paged;
    Ok(Paged {
        items: views(app, ctx, items).await?,
        total,
        total_exact,
        page,
    })
}

/// Stored records as shown to this reader: authors' and contacts' names, and what the reader
/// may still do with each.
async fn views(app: &App, ctx: &Ctx, items: Vec<store::ContactRecord>) -> Result<Vec<Record>> {
    let window = edit_window(app).await?;
    let now = app.config.clock.now();
    let r = app.db.read();
    let ids: Vec<i64> = items.iter().map(|x| x.id).collect();
    let links = store::links_of(r, &ids).await?;
    // Only the contacts these records name, not every contact of the customer.
    let mut linked: Vec<i64> = links.iter().map(|&(_, cid)| cid).collect();
    linked.sort_unstable();
    linked.dedup();
    let people = cstore::names(r, &linked).await?;
    let mut authors: Vec<i64> = items.iter().filter_map(|x| x.author_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let authors = users::by_ids(r, &authors).await?;
    Ok(items
        .into_iter()
        .map(|x| Record {
            kind: ContactKind::parse(&x.kind).unwrap_or(ContactKind::Other),
            author_name: x
                .author_id
                .and_then(|a| authors.iter().find(|u| u.id == a))
                .map(|u| u.display_name.clone()),
            contacts: links
                .iter()
                .filter(|(rid, _)| *rid == x.id)
                .filter_map(|(_, cid)| people.iter().find(|p| p.id == *cid))
                .cloned()
                .collect(),
            can_edit: ctx
                .actor
                .may_edit_record(x.author_id, now - x.created_at, window)
                .is_ok(),
            can_delete: ctx.actor.may_delete_record(),
            id: x.id,
            customer_id: x.customer_id,
            happened_at: x.happened_at,
            author_id: x.author_id,
            summary: x.summary,
            outcome: x.outcome,
            next_step: x.next_step,
            next_contact_on: x.next_contact_on,
            created_at: x.created_at,
            edited_at: x.edited_at,
        })
        .collect())
}

/// How long after writing a record its author may correct it (the `record_edit_hours` setting).
async fn edit_window(app: &App) -> Result<chrono::TimeDelta> {
    let hours = crate::settings::get(app).await?.record_edit_hours;
    Ok(chrono::TimeDelta::hours(i64::from(hours)))
}

/// One record as `list` shows it ("not found" outside the actor's scope).
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Record> {
    let v = visible(app, ctx).await?;
    let r = app.db.read();
    let rec = store::get(r, id).await?.ok_or(AppError::NotFound)?;
    custore::get(r, rec.customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views(app, ctx, vec![rec]).await?.remove(0))
}

/// Locks the customer of record `id` (its records change one writer at a time) and returns its
/// id; "not found" when the record is gone or its customer is outside the scope.
async fn lock_customer_of(
    tx: &salesdesk_store::Tx,
    v: &salesdesk_store::customers::Visible,
    id: i64,
) -> Result<i64> {
    let customer_id = store::get(tx, id)
        .await?
        .ok_or(AppError::NotFound)?
        .customer_id;
    custore::lock(tx, customer_id).await?;
    custore::get(tx, customer_id, v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(customer_id)
}

/// Corrects a record: its author only, within the edit window (`Actor::may_edit_record`),
/// checked like a new one; the customer's follow-up date follows. Audited `record.update` with
/// the record before and after.
pub async fn correct(app: &App, ctx: &Ctx, id: i64, i: &RecordInput) -> Result<Record> {
    let v = visible(app, ctx).await?;
    let window = edit_window(app).await?;
    let mut errs = FieldErrors::new();
    let checked = check(app, i, &mut errs);
    let tx = app.db.begin().await?;
    let customer_id = lock_customer_of(&tx, &v, id).await?;
    let before = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    let now = app.config.clock.now();
    if let Err(code) = ctx
        .actor
        .may_edit_record(before.author_id, now - before.created_at, window)
    {
        return Err(AppError::ForbiddenFields(FieldErrors(vec![
            FieldError::new("record", code),
        ])));
    }
    let people = cstore::for_customer(&tx, customer_id).await?;
    let old_links: Vec<i64> = store::links_of(&tx, &[id])
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    // A contact removed since the record was written may stay named; no other may be added.
    let mut added = i.contact_ids.clone();
    added.retain(|c| !old_links.contains(c));
    contacts_named(&people, &added, &mut errs);
    let mut contact_ids = i.contact_ids.clone();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    errs.into_result()?;
    let Some(c) = checked else {
        return Err(AppError::Internal("validated record lacks a field".into()));
    };
    let after = store::correct(
        &tx,
        id,
        ctx.actor.user_id,
        now - window,
        NewRecord {
            customer_id,
            author_id: before.author_id,
            kind: c.kind.as_str().to_string(),
            happened_at: c.happened_at,
            summary: c.summary,
            outcome: c.outcome,
            next_step: c.next_step,
            next_contact_on: c.next_contact_on,
            created_at: None,
        },
        &contact_ids,
        now,
    )
    .await?
    .ok_or_else(|| {
        AppError::ForbiddenFields(FieldErrors(vec![FieldError::new(
            "record",
            "error.record_edit_window",
        )]))
    })?;
    store::refresh_customer(&tx, customer_id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "record.update",
            "customer",
            Some(customer_id),
            Some(json!({"record_id": id, "record": snapshot(&before, &old_links)})),
            Some(json!({"record_id": id, "record": snapshot(&after, &contact_ids)})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// Deletes a record: a manager who sees its customer (`Actor::may_delete_record`); the
/// customer's last contact and follow-up date fall back to its latest remaining record.
/// Audited `record.delete` with the record as it was.
pub async fn delete(app: &App, ctx: &Ctx, id: i64) -> Result<()> {
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let customer_id = lock_customer_of(&tx, &v, id).await?;
    if !ctx.actor.may_delete_record() {
        return Err(AppError::Forbidden);
    }
    let before = store::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    let links: Vec<i64> = store::links_of(&tx, &[id])
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    if !store::delete(&tx, id).await? {
        return Err(AppError::NotFound);
    }
    store::refresh_customer(&tx, customer_id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "record.delete",
            "customer",
            Some(customer_id),
            Some(json!({"record_id": id, "record": snapshot(&before, &links)})),
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// Where a follow-up stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    Overdue,
    Today,
    Upcoming,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub customer: Customer,
    pub due_on: NaiveDate,
    pub due: Due,
    /// Days from today: negative when overdue.
    pub days: i64,
}

/// How far ahead the follow-up list looks.
pub const LOOKAHEAD_DAYS: i64 = 7;

/// The follow-up list (待跟进): customers whose next contact date is past, today, or within a
/// week, soonest first. `team` widens a manager's list from their own customers to everyone
/// they oversee; for staff it changes nothing.
pub async fn followups(app: &App, ctx: &Ctx, team: bool, page: Page) -> Result<Paged<FollowUp>> {
    let v = visible(app, ctx).await?;
    let today = today(app);
    let me = [ctx.actor.user_id];
    let owners = if team && !matches!(ctx.actor.data_scope(), DataScope::Own) {
        None
    } else {
        Some(&me[..])
    };
    let until = today + chrono::Duration::days(LOOKAHEAD_DAYS);
    let paged = store::due(app.db.read(), &v, owners, until, page).await?;
    let (total, total_exact, page) = (paged.total, paged.total_exact, paged.page);
    let customers = crate::customers::view_all(app, paged.items).await?;
    let items = customers
        .into_iter()
        .filter_map(|c| {
            let due_on = c.next_contact_on?;
            let days = (due_on - today).num_days();
            let due = match days {
                d if d < 0 => Due::Overdue,
                0 => Due::Today,
                _ => Due::Upcoming,
            };
            Some(FollowUp {
                customer: c,
                due_on,
                due,
                days,
            })
        })
        .collect();
    Ok(Paged {
        items,
        total,
        total_exact,
        page,
    })
}

/// How many of the actor's own customers are due today or overdue (the dashboard's figure).
pub async fn due_today_count(app: &App, ctx: &Ctx) -> Result<u64> {
    let v = visible(app, ctx).await?;
    let me = [ctx.actor.user_id];
    let p = store::due(
        app.db.read(),
        &v,
        Some(&me[..]),
        today(app),
        Page::new(Some(1), Some(1)),
    )
    .await?;
    Ok(p.total)
}
