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

/// Records a contact with a customer and moves its follow-up date.
pub async fn create(app: &App, ctx: &Ctx, customer_id: i64, i: &RecordInput) -> Result<Record> {
    let v = visible(app, ctx).await?;
    let tz = app.config.time_zone;
    let mut errs = FieldErrors::new();
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
    let now = Utc::now();
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
    let summary = errs.take(validate::required_long_text("summary", &i.summary, 2000));
    let outcome = errs
        .take(validate::optional_long_text("outcome", &i.outcome, 1000))
        .flatten();
    let next_step = errs
        .take(validate::optional_long_text(
            "next_step",
            &i.next_step,
            1000,
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
    let tx = app.db.begin().await?;
    // With the customer's row locked, the latest record (its last contact and follow-up date)
    // is computed by one writer at a time, and the linked contacts cannot go meanwhile.
    custore::lock(&tx, customer_id).await?;
    let customer = custore::get(&tx, customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = cstore::for_customer(&tx, customer_id).await?;
    let mut contact_ids = i.contact_ids.clone();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    if contact_ids
        .iter()
        .any(|id| !people.iter().any(|p| p.id == *id))
    {
        errs.push(FieldError::new("contact_ids", "error.unknown_contact"));
    }
    errs.into_result()?;
    let (Some(kind), Some(happened_at), Some(summary)) = (kind, happened_at, summary) else {
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
        },
        &contact_ids,
    )
    .await?;
    store::refresh_customer(&tx, customer.id).await?;
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
    let ids: Vec<i64> = paged.items.iter().map(|x| x.id).collect();
    let links = store::links_of(r, &ids).await?;
    // Only the contacts these records name, not every contact of the customer.
    let mut linked: Vec<i64> = links.iter().map(|&(_, cid)| cid).collect();
    linked.sort_unstable();
    linked.dedup();
    let people = cstore::names(r, &linked).await?;
    let mut authors: Vec<i64> = paged.items.iter().filter_map(|x| x.author_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let authors = users::by_ids(r, &authors).await?;
    Ok(paged.map(|x| Record {
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
        id: x.id,
        customer_id: x.customer_id,
        happened_at: x.happened_at,
        author_id: x.author_id,
        summary: x.summary,
        outcome: x.outcome,
        next_step: x.next_step,
        next_contact_on: x.next_contact_on,
    }))
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
