//! Trial applications (试用申请, seed S5, issue 12): the public intake, matching to a customer,
//! routing, the first-contact time limit with its once-only jobs, and the lifecycle
//! new → contacted → running → ended → converted / lost.
//!
//! - **Intake** ([`intake`]): no person acts; the audit row names the channel (`form`, `api`)
//!   and the client address. Rate limits per address (the form) and per intake key (the API) are
//!   counted in memory and summed over every process in the database (`app::meter`); the
//!   key's uses likewise. A filled honeypot is answered like a success and nothing is stored.
//! - **Speed** (issue 12: a thousand applications a second): the settings, products,
//!   calendar, key, routing table, rule modes and teams come from the read cache; matching,
//!   likely duplicates and routing are read before the transaction ([`plan`]), the region's
//!   turn taken in one statement of its own; the transaction then only writes (about ten
//!   statements for a new lead) and commits as customer records, which leaves the cache valid.
//!   Applications arriving together share that transaction ([`group`]: one commit for up to 64).
//! - **Matching**: the customers work's duplicate key and USCC, then the contacts' mobile and
//!   e-mail; otherwise a new lead (source `trial`) with the applicant as its primary contact.
//!   Likely duplicates of a new lead are recorded on the application, never blocking it.
//! - **Folding**: one open application per customer and product (`open_key`, unique); a
//!   further one within the fold window counts into it. A customer created by a parallel
//!   intake of the same company (the duplicate-key index refuses ours) is matched on a retry.
//! - **Routing**: an existing customer's owner; otherwise `routing::route` by province/city;
//!   no owner → the director's queue. The reason is stored.
//! - **Time limit**: `first_contact_due_at` = the business calendar's deadline from arrival;
//!   the reminder and the escalation are jobs enqueued in the intake's transaction with
//!   once-keys (`trial:<id>:remind`, `trial:<id>:escalate`); each handler's conditional UPDATE
//!   (`reminded_at IS NULL`, `overdue_at IS NULL`) makes its notification once only, even when
//!   a job is run twice after a crash. A job due while every server was down runs at the next
//!   start (late, not never).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use salesdesk_domain::trial::intake::{Intake, IntakeInput};
use salesdesk_domain::trial::{self as rules, TrialAction, TrialState};
use salesdesk_domain::{FieldError, FieldErrors, geo, validate};
use salesdesk_store::customers::{self as cstore, CustomerFields, Visible};
use salesdesk_store::trials::{self as store, NewTrial, StepFields, TrialFilter};
use salesdesk_store::{Conn, Page, Paged, audit, contact_records, contacts, owner_history, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::jobs::{JobError, JobRun, NewJob, Outcome, Registry};
use crate::{App, AppError, Ctx, Result};

pub(crate) use group::Group as IntakeGroup;

/// Job kinds.
pub const REMIND: &str = "trial.remind";
pub const ESCALATE: &str = "trial.escalate";

/// The administrator's settings of trial applications (stored under the `trials` key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrialSettings {
    /// The first contact is due within this many working hours of arrival (S5.1).
    pub first_contact_hours: u32,
    /// The owner is reminded this many working minutes before the limit.
    pub remind_before_minutes: u32,
    /// A further application of the same applicant within this many days folds into the open one.
    pub fold_window_days: u32,
    /// Applications one client address may send through the public form per hour.
    pub per_address_per_hour: u32,
    /// Applications one intake key may send per minute.
    pub per_key_per_minute: u32,
    /// Website origins (`https://www.example.com`) whose browser JavaScript may send
    /// applications and ask for deadlines (CORS); none by default.
    pub allowed_origins: Vec<String>,
}

impl Default for TrialSettings {
    fn default() -> Self {
        TrialSettings {
            first_contact_hours: 4,
            remind_before_minutes: 60,
            fold_window_days: 30,
            per_address_per_hour: 20,
            per_key_per_minute: 6000,
            allowed_origins: Vec::new(),
        }
    }
}

const SETTINGS_KEY: &str = "trials";

/// The current settings (cached like other hot reads).
pub async fn settings(app: &App) -> Result<TrialSettings> {
    app.cached("settings:trials".into(), async {
        Ok(
            match salesdesk_store::settings::get(app.db.read(), SETTINGS_KEY).await? {
                Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
                None => TrialSettings::default(),
            },
        )
    })
    .await
}

/// Changes the settings (administrators), audited.
pub async fn put_settings(app: &App, ctx: &Ctx, new: &TrialSettings) -> Result<TrialSettings> {
    if !ctx.actor.can(salesdesk_domain::Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let mut range = |field: &str, v: u32, lo: u32, hi: u32| {
        if !(lo..=hi).contains(&v) {
            errs.push(FieldError::with_arg(
                field,
                "error.trial_setting_range",
                format!("{lo}–{hi}"),
            ));
        }
    };
    range("first_contact_hours", new.first_contact_hours, 1, 200);
    range("remind_before_minutes", new.remind_before_minutes, 0, 6000);
    range("fold_window_days", new.fold_window_days, 0, 365);
    range("per_address_per_hour", new.per_address_per_hour, 1, 100_000);
    range("per_key_per_minute", new.per_key_per_minute, 1, 10_000_000);
    let mut new = new.clone();
    let mut origins = Vec::new();
    for o in new.allowed_origins.iter().filter(|o| !o.trim().is_empty()) {
        match rules::normalize_origin(o) {
            Some(n) if !origins.contains(&n) => origins.push(n),
            Some(_) => {}
            None => {
                errs.push(FieldError::with_arg(
                    "allowed_origins",
                    "error.origin_invalid",
                    o.trim().chars().take(100).collect::<String>(),
                ));
                break;
            }
        }
    }
    if origins.len() > rules::MAX_ORIGINS {
        errs.push(FieldError::with_arg(
            "allowed_origins",
            "error.origins_too_many",
            rules::MAX_ORIGINS,
        ));
    }
    new.allowed_origins = origins;
    let new = &new;
    errs.into_result()?;
    let before = settings(app).await?;
    crate::settings::save_section(app, ctx, SETTINGS_KEY, &before, new).await?;
    Ok(new.clone())
}

/// Whether browser JavaScript of the website `origin` may use the intake and the deadline API
/// (the administrator's `allowed_origins`).
pub async fn origin_allowed(app: &App, origin: &str) -> Result<bool> {
    let Some(o) = rules::normalize_origin(origin) else {
        return Ok(false);
    };
    Ok(settings(app).await?.allowed_origins.contains(&o))
}

/// The settings as an administrator typed them in the form (`/settings/trials`), one text per
/// field.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsText {
    #[serde(default)]
    pub first_contact_hours: String,
    #[serde(default)]
    pub remind_before_minutes: String,
    #[serde(default)]
    pub fold_window_days: String,
    #[serde(default)]
    pub per_address_per_hour: String,
    #[serde(default)]
    pub per_key_per_minute: String,
    /// One origin a line.
    #[serde(default)]
    pub allowed_origins: String,
}

impl From<&TrialSettings> for SettingsText {
    fn from(s: &TrialSettings) -> Self {
        SettingsText {
            first_contact_hours: s.first_contact_hours.to_string(),
            remind_before_minutes: s.remind_before_minutes.to_string(),
            fold_window_days: s.fold_window_days.to_string(),
            per_address_per_hour: s.per_address_per_hour.to_string(),
            per_key_per_minute: s.per_key_per_minute.to_string(),
            allowed_origins: s.allowed_origins.join("\n"),
        }
    }
}

/// [`put_settings`] from the form's text: a field that is not a whole number gets the same
/// field error as one out of its range (the message names the range).
pub async fn put_settings_text(app: &App, ctx: &Ctx, t: &SettingsText) -> Result<TrialSettings> {
    let n = |v: &str| v.trim().parse::<u32>().unwrap_or(u32::MAX);
    put_settings(
        app,
        ctx,
        &TrialSettings {
            first_contact_hours: n(&t.first_contact_hours),
            remind_before_minutes: n(&t.remind_before_minutes),
            fold_window_days: n(&t.fold_window_days),
            per_address_per_hour: n(&t.per_address_per_hour),
            per_key_per_minute: n(&t.per_key_per_minute),
            allowed_origins: t.allowed_origins.lines().map(str::to_string).collect(),
        },
    )
    .await
}

// ---- What other capabilities provide: the business calendar, routing, products, keys. ----

/// The instant `minutes` working minutes after `from` on the company's business calendar.
async fn working_deadline(app: &App, from: DateTime<Utc>, minutes: i64) -> Result<DateTime<Utc>> {
    let cal = company_calendar(app).await?;
    Ok(cal.deadline(from, minutes))
}

/// The company's business calendar (`app::calendar`, cached).
async fn company_calendar(
    app: &App,
) -> Result<std::sync::Arc<salesdesk_domain::calendar::WorkCalendar>> {
    crate::calendar::load(app).await
}

/// Working minutes from `a` to `b` (0 when `b` is not after `a`).
pub async fn working_minutes_between(app: &App, a: DateTime<Utc>, b: DateTime<Utc>) -> Result<i64> {
    let cal = company_calendar(app).await?;
    Ok(cal.working_minutes_between(a, b))
}

/// The intake key a secret names, if it is issued and not revoked (`app::intake_keys::check`;
/// the use is counted).
pub async fn authenticate_key(app: &App, secret: &str) -> Result<Option<i64>> {
    crate::intake_keys::check(app, secret).await
}

// ---- Intake ----

/// Where an application came from.
#[derive(Debug, Clone)]
pub struct Source {
    /// `form` or `api`.
    pub channel: &'static str,
    /// The intake key that sent it (API).
    pub key_id: Option<i64>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// What the applicant is told.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub reference: String,
    /// True when it was counted into an open application of the same applicant.
    pub folded: bool,
    /// When the applicant will be contacted by, at the latest.
    pub contact_by: DateTime<Utc>,
}

/// Checks the rate limit of `bucket` (`max` hits per `window`, over every process:
/// `app::meter`); refused with the wait.
async fn limit(app: &App, bucket: &str, max: u32, window: TimeDelta) -> Result<()> {
    let now = app.config.clock.now();
    app.meters.windows.hit(app, bucket, max, window, now).await
}

/// An application arrives (the public form or an intake key). Validation errors name fields;
/// a filled honeypot gets a receipt and nothing is stored; too many applications from one
/// address or key are refused with a wait.
pub async fn intake(app: &App, src: &Source, input: &IntakeInput) -> Result<Receipt> {
    let s = settings(app).await?;
    let now = app.config.clock.now();
    if input.is_robot() {
        // Looks like any receipt; a robot learns nothing.
        let local = now.with_timezone(&app.config.time_zone).date_naive();
        let fake = (now.timestamp_subsec_nanos() % 9000 + 1000) as i64;
        return Ok(Receipt {
            reference: rules::reference(local, fake),
            folded: false,
            contact_by: now + TimeDelta::hours(i64::from(s.first_contact_hours)),
        });
    }
    match (src.channel, src.key_id, src.ip.as_deref()) {
        ("api", Some(k), _) => {
            limit(
                app,
                &format!("key:{k}"),
                s.per_key_per_minute,
                TimeDelta::minutes(1),
            )
            .await?
        }
        (_, _, Some(ip)) => {
            limit(
                app,
                &format!("addr:{ip}"),
                s.per_address_per_hour,
                TimeDelta::hours(1),
            )
            .await?
        }
        _ => {}
    }
    let checked = input.check()?;
    if !crate::products::active(app)
        .await?
        .iter()
        .any(|p| p.code == checked.product)
    {
        return Err(AppError::field("product", "error.invalid_choice"));
    }
    // A parallel intake of the same new company may win the customer's duplicate-key index:
    // then this one matches the customer it created.
    // The calendar is read before the transaction: its first load may write (the built-in year),
    // and on SQLite that write would wait for this very transaction.
    let hours = i64::from(s.first_contact_hours);
    let due = working_deadline(app, now, hours * 60).await?;
    let remind_minutes = hours * 60 - i64::from(s.remind_before_minutes);
    let remind_at = if s.remind_before_minutes > 0 && remind_minutes > 0 {
        Some(working_deadline(app, now, remind_minutes).await?)
    } else {
        None
    };
    let times = Times {
        now,
        due,
        remind_at,
    };
    let mut last = None;
    for _ in 0..4 {
        match intake_once(app, src, &checked, &s, &times).await {
            Err(AppError::Duplicate { .. }) => {
                last = Some(AppError::conflict("company", "error.retry"))
            }
            Err(AppError::Internal(e))
                if e.contains("database is locked")
                    || e.contains("deadlock")
                    || e == group::LOST =>
            {
                last = Some(AppError::Internal(e))
            }
            r => return r,
        }
    }
    Err(last.unwrap_or_else(|| AppError::Internal("intake retries exhausted".into())))
}

/// The customer an application belongs to: found, or to be created.
enum Match {
    Found {
        customer: Box<cstore::Customer>,
        contact_id: Option<i64>,
        by: &'static str,
    },
    New,
}

async fn find_customer(c: &impl Conn, i: &Intake) -> Result<Match> {
    let key = salesdesk_domain::customer::match_key(&i.company);
    if let Some(d) = cstore::find_duplicate(c, &key, i.uscc.as_deref(), None).await?
        && d.archived_at.is_none()
    {
        let by = if i.uscc.is_some() && d.uscc == i.uscc {
            "uscc"
        } else {
            "name"
        };
        let people = contacts::for_customer(c, d.id).await?;
        let contact_id = people
            .iter()
            .find(|p| {
                p.mobile.as_deref() == Some(i.mobile.as_str())
                    || (i.email.is_some() && p.email == i.email)
            })
            .map(|p| p.id);
        return Ok(Match::Found {
            customer: Box::new(d),
            contact_id,
            by,
        });
    }
    for (customer_id, contact_id, by_mobile) in
        store::contacts_matching(c, &i.mobile, i.email.as_deref()).await?
    {
        if let Some(cust) = cstore::get(c, customer_id, &Visible::All).await? {
            return Ok(Match::Found {
                customer: Box::new(cust),
                contact_id: Some(contact_id),
                by: if by_mobile { "mobile" } else { "email" },
            });
        }
    }
    Ok(Match::New)
}

/// The moments an intake works with, computed before its transaction.
#[derive(Debug, Clone)]
struct Times {
    now: DateTime<Utc>,
    due: DateTime<Utc>,
    remind_at: Option<DateTime<Utc>>,
}

/// Where an application goes, decided before its transaction.
#[derive(Debug)]
struct Plan {
    /// The customer it belongs to; `None`: a new lead, to be created.
    customer: Option<Box<cstore::Customer>>,
    contact_id: Option<i64>,
    /// `uscc`, `name`, `mobile`, `email` or `new`.
    matched_by: &'static str,
    owner_id: Option<i64>,
    region_id: Option<i64>,
    reason: String,
    /// A found customer nobody owned becomes the routed person's.
    takes_owner: bool,
    /// A new lead: the keys it will hold, and its likely duplicates (JSON).
    likely_keys: Vec<salesdesk_domain::customer::likely::LikelyKey>,
    suspicion: Option<String>,
    /// The region's turn, to be taken by `write` (SQLite); `owner_id` is `None` until then.
    turn: Option<crate::assignment::Turn>,
}

/// Matching and routing: reads on the read pool, and the region's turn in its own statement
/// (`routing::route_intake`), so that the transaction that follows only writes — on SQLite the
/// one writer is held for the writes alone, on PostgreSQL no application waits for another's
/// transaction on the region's rule row. What was read may change before the write: a customer
/// created meanwhile by a parallel intake of the same company makes the duplicate-key index
/// refuse ours, and the retry matches it; the open application is decided by the write.
async fn plan(app: &App, i: &Intake, today: NaiveDate) -> Result<Plan> {
    let read = app.db.read();
    // On SQLite the region's turn is taken in the group's transaction (`write`): a transaction
    // of its own would queue for the one writer a second time per application.
    let leave_turn = app.db.engine() == salesdesk_store::Engine::Sqlite;
    let route = || {
        crate::routing::route_intake(
            app,
            today,
            Some(i.province_code.as_str()),
            i.city_code.as_deref(),
            leave_turn,
        )
    };
    match find_customer(read, i).await? {
        Match::Found {
            customer,
            contact_id,
            by,
        } => {
            if let Some(o) = customer.owner_id {
                let region_id = customer.region_id;
                return Ok(Plan {
                    customer: Some(customer),
                    contact_id,
                    matched_by: by,
                    owner_id: Some(o),
                    region_id,
                    reason: "existing_owner".into(),
                    takes_owner: false,
                    likely_keys: vec![],
                    suspicion: None,
                    turn: None,
                });
            }
            // An unowned customer (the pool, a region's unassigned) goes as a new one would, and
            // becomes the routed person's.
            let crate::routing::IntakeRoute {
                route: routed,
                turn,
            } = route().await?;
            let region_id = routed.region_id.or(customer.region_id);
            Ok(Plan {
                customer: Some(customer),
                contact_id,
                matched_by: by,
                owner_id: routed.owner_id,
                region_id,
                reason: routed.reason.as_str().to_string(),
                takes_owner: routed.owner_id.is_some() || turn.is_some(),
                likely_keys: vec![],
                suspicion: None,
                turn,
            })
        }
        Match::New => {
            let likely_keys = salesdesk_domain::customer::likely::keys_of(
                &salesdesk_domain::customer::likely::KeySource {
                    name: &i.company,
                    phone: None,
                    website: None,
                    email: None,
                    contacts: &[salesdesk_domain::customer::likely::ContactKeys {
                        phone: None,
                        mobile: Some(&i.mobile),
                        email: i.email.as_deref(),
                    }],
                },
            );
            let likely = crate::likely::find(read, &Visible::All, &likely_keys, None).await?;
            let suspicion = (!likely.is_empty()).then(|| {
                json!(likely
                    .iter()
                    .map(|l| json!({"name": l.name, "why": l.why.iter().map(|w| w.reason).collect::<Vec<_>>()}))
                    .collect::<Vec<_>>())
                .to_string()
            });
            let crate::routing::IntakeRoute {
                route: routed,
                turn,
            } = route().await?;
            Ok(Plan {
                customer: None,
                contact_id: None,
                matched_by: "new",
                owner_id: routed.owner_id,
                region_id: routed.region_id,
                reason: routed.reason.as_str().to_string(),
                takes_owner: false,
                likely_keys,
                suspicion,
                turn,
            })
        }
    }
}

async fn intake_once(
    app: &App,
    src: &Source,
    i: &Intake,
    s: &TrialSettings,
    times: &Times,
) -> Result<Receipt> {
    let now = times.now;
    let today = now.with_timezone(&app.config.time_zone).date_naive();
    let plan = plan(app, i, today).await?;
    let director = director(app).await?;
    let told = plan.owner_id.or(director);
    let reason = if plan.owner_id.is_none() && plan.reason == "existing_owner" {
        "director_queue".to_string()
    } else {
        plan.reason.clone()
    };
    group::submit(
        app,
        Ready {
            src: src.clone(),
            intake: i.clone(),
            fold_window_days: s.fold_window_days,
            times: times.clone(),
            today,
            plan,
            told,
            director,
            reason,
        },
    )
    .await
}

/// One application, matched and routed, waiting for its writes.
#[derive(Debug)]
struct Ready {
    src: Source,
    intake: Intake,
    fold_window_days: u32,
    times: Times,
    today: NaiveDate,
    plan: Plan,
    /// Who is notified: the owner, or the director's queue.
    told: Option<i64>,
    director: Option<i64>,
    reason: String,
}

/// The writes of one application, in `tx` — which may hold other applications' writes too
/// ([`group`]): the customer and contact when new, the application (or its fold into the open
/// one), its jobs, the notification and the audit rows.
async fn write(app: &App, tx: &impl Conn, r: &Ready) -> Result<Receipt> {
    let (src, i, plan, times, today) = (&r.src, &r.intake, &r.plan, &r.times, r.today);
    let (now, due) = (times.now, times.due);
    let (region_id, matched_by) = (plan.region_id, plan.matched_by);
    let (owner_id, told, reason) = match &plan.turn {
        None => (plan.owner_id, r.told, r.reason.clone()),
        Some(turn) => {
            let routed =
                crate::routing::decided(region_id, crate::assignment::take(tx, turn).await?);
            let owner = routed.owner_id;
            (
                owner,
                owner.or(r.director),
                routed.reason.as_str().to_string(),
            )
        }
    };
    let reason = &reason;
    let mut audits = Vec::with_capacity(2);
    let (customer_id, customer_name, contact_id) = match &plan.customer {
        Some(customer) => {
            if plan.takes_owner
                && let Some(o) = owner_id
            {
                cstore::set_owner(tx, customer.id, Some(o)).await?;
                owner_history::insert(tx, customer.id, None, Some(o), "trial", None).await?;
            }
            (customer.id, customer.name.clone(), plan.contact_id)
        }
        None => {
            let fields = CustomerFields {
                name: i.company.clone(),
                name_key: salesdesk_domain::customer::match_key(&i.company),
                search_key: crate::customers::search_text_of(
                    &i.company,
                    None,
                    [(i.contact_name.as_str(), Some(i.mobile.as_str()), None)],
                ),
                short_name: None,
                uscc: i.uscc.clone(),
                website: None,
                email: None,
                phone: None,
                province: Some(i.province.clone()),
                city: i.city.clone(),
                address: None,
                industry: None,
                background: None,
                province_code: Some(i.province_code.clone()),
                city_code: i.city_code.clone(),
                industry_code: None,
                region_id,
                owner_id,
                type_code: None,
                source_code: Some("trial".into()),
                size_code: None,
            };
            let created = cstore::insert(tx, fields, "lead", None).await?;
            let contact = contacts::insert(
                tx,
                created.id,
                contacts::ContactFields {
                    name: i.contact_name.clone(),
                    title: None,
                    role: None,
                    mobile: Some(i.mobile.clone()),
                    phone: None,
                    email: i.email.clone(),
                    wechat: None,
                    notes: None,
                    is_primary: true,
                },
            )
            .await?;
            // The keys `customers::refresh_search` would write for it, written at once.
            salesdesk_store::likely::insert(
                tx,
                crate::likely::stored(&plan.likely_keys)
                    .into_iter()
                    .map(|k| (created.id, k))
                    .collect(),
            )
            .await?;
            if let Some(o) = created.owner_id {
                owner_history::insert(tx, created.id, None, Some(o), "trial", None).await?;
            }
            audits.push(audit_of(
                src,
                "customer.create",
                "customer",
                created.id,
                json!({"name": created.name, "source": "trial"}),
            ));
            (created.id, created.name, Some(contact.id))
        }
    };
    let open_key = format!("{customer_id}:{}", i.product);
    let since = now - TimeDelta::days(i64::from(r.fold_window_days));
    for _ in 0..3 {
        let new = NewTrial {
            customer_id,
            contact_id,
            product_code: i.product.clone(),
            open_key: open_key.clone(),
            company: i.company.clone(),
            uscc: i.uscc.clone(),
            contact_name: i.contact_name.clone(),
            mobile: i.mobile.clone(),
            email: i.email.clone(),
            province_code: i.province_code.clone(),
            city_code: i.city_code.clone(),
            users: i.users,
            message: i.message.clone(),
            channel: src.channel.to_string(),
            intake_key_id: src.key_id,
            client_ip: src.ip.clone(),
            matched_by: matched_by.to_string(),
            suspicion: plan.suspicion.clone(),
            owner_id,
            region_id,
            route_reason: reason.to_string(),
            arrived_at: now,
            first_contact_due_at: due,
        };
        if let Some(id) = store::insert_open(tx, new).await? {
            let reference = rules::reference(today, id);
            store::set_reference(tx, id, &reference).await?;
            let mut jobs = Vec::with_capacity(2);
            if let Some(at) = times.remind_at {
                jobs.push(
                    NewJob::new(REMIND, json!({"trial_id": id}))
                        .at(at)
                        .once(format!("trial:{id}:remind")),
                );
            }
            jobs.push(
                NewJob::new(ESCALATE, json!({"trial_id": id}))
                    .at(due)
                    .once(format!("trial:{id}:escalate")),
            );
            crate::jobs::enqueue_all(app, tx, jobs).await?;
            if let Some(who) = told {
                salesdesk_store::notifications::insert_about(
                    tx,
                    who,
                    "trial_new",
                    json!({"company": customer_name, "reference": reference}),
                    Some(format!("/trials/{id}")),
                    Some(("trial", id)),
                )
                .await?;
            }
            audits.push(audit_of(
                src,
                "trial.create",
                "trial",
                id,
                json!({"reference": reference, "customer_id": customer_id, "product": i.product,
                       "owner_id": owner_id, "route_reason": reason, "matched_by": matched_by}),
            ));
            audit::insert_all(tx, audits).await?;
            return Ok(Receipt {
                reference,
                folded: false,
                contact_by: due,
            });
        }
        if let Some(t) = store::fold(tx, &open_key, since, now, i.message.clone()).await? {
            audits.push(audit_of(
                src,
                "trial.fold",
                "trial",
                t.id,
                json!({"applications": t.applications}),
            ));
            audit::insert_all(tx, audits).await?;
            return Ok(Receipt {
                reference: t.reference.clone().unwrap_or_default(),
                folded: true,
                contact_by: t.first_contact_due_at,
            });
        }
        store::release_stale(tx, &open_key, since).await?;
    }
    Err(AppError::Internal(
        "trial intake: no open application to fold into".into(),
    ))
}

/// Group commit of the intake on SQLite (issue 12: a thousand applications a second). Each application
/// is matched and routed on its own; its writes then wait here, and whoever holds the writer
/// turn writes every waiting application in ONE transaction — one commit (SQLite: one pass of
/// the one writer over the WAL; PostgreSQL: one flush) for up to [`MAX`] applications instead of
/// one each. The group's outcome is all or nothing: when any application in it fails (a
/// parallel intake's customer won the duplicate-key index, a deadlock), the group is rolled back
/// and each is written again in a transaction of its own, so that every error is its owner's
/// and nothing of another application is lost. Correctness never rests on the grouping: the
/// database's indexes and conditional writes hold the rules whichever transaction carries them.
mod group {
    use std::sync::atomic::{AtomicU64, Ordering};

    use tokio::sync::oneshot::{self, error::TryRecvError};

    use super::{Ready, Receipt, write};
    use crate::{App, AppError, Result};

    /// Applications written in one transaction at most.
    pub(super) const MAX: usize = 64;
    /// An application whose group was lost (its writer's task failed): `intake` retries it.
    pub(super) const LOST: &str = "trial intake: the write group was lost";

    type Waiting = (Ready, oneshot::Sender<Result<Receipt>>);

    /// The applications waiting to be written, and the writer's turn.
    #[derive(Debug, Default)]
    pub(crate) struct Group {
        waiting: std::sync::Mutex<Vec<Waiting>>,
        turn: tokio::sync::Mutex<()>,
        commits: AtomicU64,
        written: AtomicU64,
    }

    impl Group {
        /// Transactions of applications this process committed (`/metrics`).
        pub(crate) fn commits(&self) -> u64 {
            self.commits.load(Ordering::Relaxed)
        }

        /// Applications this process wrote (`/metrics`): over `commits`, the mean group.
        pub(crate) fn written(&self) -> u64 {
            self.written.load(Ordering::Relaxed)
        }

        fn count(&self, applications: usize) {
            self.commits.fetch_add(1, Ordering::Relaxed);
            self.written
                .fetch_add(applications as u64, Ordering::Relaxed);
        }
    }

    pub(super) async fn submit(app: &App, r: Ready) -> Result<Receipt> {
        if app.db.engine() != salesdesk_store::Engine::Sqlite {
            // PostgreSQL runs several write transactions at once (a pool of them) and flushes
            // concurrent commits together by itself; one group at a time measured slower there
            // (BENCHMARKS.md, issue 12, session 13), so each application commits on its own.
            return alone(app, &r).await;
        }
        let (tx, mut rx) = oneshot::channel();
        let g = &app.intake_group;
        g.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((r, tx));
        loop {
            let turn = g.turn.lock().await;
            match rx.try_recv() {
                Ok(done) => return done,
                Err(TryRecvError::Closed) => return Err(AppError::Internal(LOST.into())),
                Err(TryRecvError::Empty) => {}
            }
            let batch: Vec<Waiting> = {
                let mut w = g.waiting.lock().unwrap_or_else(|e| e.into_inner());
                let n = w.len().min(MAX);
                w.drain(..n).collect()
            };
            if batch.is_empty() {
                return Err(AppError::Internal(LOST.into()));
            }
            // In a task of its own: a request dropped while it writes (the client went away)
            // does not abandon the others' applications half-way.
            let app = app.clone();
            let _ = tokio::spawn(async move { write_group(&app, batch).await }).await;
            drop(turn);
        }
    }

    async fn write_group(app: &App, batch: Vec<Waiting>) {
        if batch.len() > 1
            && let Ok(receipts) = together(app, &batch).await
        {
            for ((_, reply), receipt) in batch.into_iter().zip(receipts) {
                let _ = reply.send(Ok(receipt));
            }
            return;
        }
        for (r, reply) in batch {
            let _ = reply.send(alone(app, &r).await);
        }
    }

    async fn together(app: &App, batch: &[Waiting]) -> Result<Vec<Receipt>> {
        let tx = app.db.begin().await?;
        let mut receipts = Vec::with_capacity(batch.len());
        for (r, _) in batch {
            match write(app, &tx, r).await {
                Ok(receipt) => receipts.push(receipt),
                Err(e) => {
                    let _ = tx.rollback().await;
                    return Err(e);
                }
            }
        }
        // Customer records only (customers, contacts, applications, jobs, notifications,
        // audit): the cached directory — settings, products, calendar, keys — stays valid.
        app.db.commit_records(tx).await?;
        app.intake_group.count(receipts.len());
        Ok(receipts)
    }

    async fn alone(app: &App, r: &Ready) -> Result<Receipt> {
        let tx = app.db.begin().await?;
        let receipt = write(app, &tx, r).await?;
        app.db.commit_records(tx).await?;
        app.intake_group.count(1);
        Ok(receipt)
    }
}

fn audit_of(
    src: &Source,
    action: &str,
    entity: &str,
    id: i64,
    after: serde_json::Value,
) -> audit::NewAudit {
    let mut after = after;
    after["channel"] = json!(src.channel);
    if let Some(k) = src.key_id {
        after["intake_key_id"] = json!(k);
    }
    audit::NewAudit {
        actor_id: None,
        action: action.into(),
        entity_type: entity.into(),
        entity_id: Some(id),
        before: None,
        after: Some(after),
        ip: src.ip.clone(),
        request_id: src.request_id.clone(),
    }
}

/// The sales director (the queue's holder), if there is one (cached with the directory).
async fn director(app: &App) -> Result<Option<i64>> {
    app.cached("people:director".into(), async {
        Ok(
            users::active_with_positions(app.db.read(), &["sales_director"])
                .await?
                .first()
                .map(|u| u.id),
        )
    })
    .await
}

/// What the confirmation page shows an applicant: only what they sent.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub reference: String,
    pub company: String,
    pub product_code: String,
    pub arrived_at: DateTime<Utc>,
    pub contact_by: DateTime<Utc>,
}

pub async fn confirmation(app: &App, reference: &str) -> Result<Confirmation> {
    if reference.len() > 40 {
        return Err(AppError::NotFound);
    }
    let t = store::by_reference(app.db.read(), reference)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Confirmation {
        reference: t.reference.unwrap_or_default(),
        company: t.company,
        product_code: t.product_code,
        arrived_at: t.arrived_at,
        contact_by: t.first_contact_due_at,
    })
}

// ---- Reading ----

/// An application as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    pub id: i64,
    pub reference: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub contact_id: Option<i64>,
    pub product_code: String,
    pub state: String,
    pub company: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub province_code: String,
    pub city_code: Option<String>,
    pub users: Option<i64>,
    pub message: Option<String>,
    /// Applications folded into this one (1: only the first).
    pub applications: i32,
    pub channel: String,
    /// `uscc`, `name`, `mobile`, `email` or `new`.
    pub matched_by: String,
    /// Likely duplicates of a new lead: [{name, why: [reason]}].
    pub suspicion: Option<serde_json::Value>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region_id: Option<i64>,
    pub route_reason: String,
    pub arrived_at: DateTime<Utc>,
    pub last_applied_at: DateTime<Utc>,
    pub first_contact_due_at: DateTime<Utc>,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub overdue_at: Option<DateTime<Utc>>,
    /// `open`, `overdue`, `met`, `met_late`.
    pub due_state: String,
    /// Working minutes left to the limit (negative: overdue by), while not contacted.
    pub due_in_minutes: Option<i64>,
    pub trial_start: Option<NaiveDate>,
    pub trial_end: Option<NaiveDate>,
    pub edition: Option<String>,
    pub licence_note: Option<String>,
    pub lost_reason: Option<String>,
    pub competitor: Option<String>,
    pub outcome_note: Option<String>,
    pub status_request_id: Option<i64>,
    pub version: i32,
    /// The steps the reader may take now.
    pub actions: Vec<String>,
    pub can_reassign: bool,
}

async fn views(
    app: &App,
    ctx: &Ctx,
    rows: Vec<store::Trial>,
    exact_due: bool,
) -> Result<Vec<Trial>> {
    let now = app.config.clock.now();
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let owner_name = match t.owner_id {
            Some(o) => crate::people::display_names(app).await?.get(&o).cloned(),
            None => None,
        };
        let customer_name = cstore::get_any(app.db.read(), t.customer_id, &Visible::All)
            .await?
            .map(|c| c.name)
            .unwrap_or_else(|| t.company.clone());
        let due = rules::due_state(t.first_contact_due_at, t.first_contact_at, now);
        let due_state = match due {
            rules::DueState::Open => "open",
            rules::DueState::Overdue => "overdue",
            rules::DueState::Met { late: false } => "met",
            rules::DueState::Met { late: true } => "met_late",
        };
        let due_in_minutes = match (due, exact_due) {
            (rules::DueState::Open, true) => {
                Some(working_minutes_between(app, now, t.first_contact_due_at).await?)
            }
            (rules::DueState::Overdue, true) => {
                Some(-working_minutes_between(app, t.first_contact_due_at, now).await?)
            }
            _ => None,
        };
        let state = TrialState::parse(&t.state).unwrap_or(TrialState::New);
        let actions = if rules::may_work(&ctx.actor, t.owner_id) {
            rules::actions_from(state)
                .into_iter()
                .map(|a| a.as_str().to_string())
                .collect()
        } else {
            vec![]
        };
        out.push(Trial {
            id: t.id,
            reference: t.reference.unwrap_or_default(),
            customer_id: t.customer_id,
            customer_name,
            contact_id: t.contact_id,
            product_code: t.product_code,
            state: t.state,
            company: t.company,
            uscc: t.uscc,
            contact_name: t.contact_name,
            mobile: t.mobile,
            email: t.email,
            province_code: t.province_code,
            city_code: t.city_code,
            users: t.users,
            message: t.message,
            applications: t.applications,
            channel: t.channel,
            matched_by: t.matched_by,
            suspicion: t.suspicion.and_then(|s| serde_json::from_str(&s).ok()),
            owner_id: t.owner_id,
            owner_name,
            region_id: t.region_id,
            route_reason: t.route_reason,
            arrived_at: t.arrived_at,
            last_applied_at: t.last_applied_at,
            first_contact_due_at: t.first_contact_due_at,
            first_contact_at: t.first_contact_at,
            reminded_at: t.reminded_at,
            overdue_at: t.overdue_at,
            due_state: due_state.into(),
            due_in_minutes,
            trial_start: t.trial_start,
            trial_end: t.trial_end,
            edition: t.edition,
            licence_note: t.licence_note,
            lost_reason: t.lost_reason,
            competitor: t.competitor,
            outcome_note: t.outcome_note,
            status_request_id: t.status_request_id,
            version: t.version,
            actions,
            can_reassign: rules::may_reassign(&ctx.actor) && state.is_open(),
        });
    }
    Ok(out)
}

/// Which list: the reader's own, their whole scope, the director's queue, the overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    #[default]
    Mine,
    Scope,
    Queue,
    Overdue,
}

impl View {
    pub const ALL: [View; 4] = [View::Mine, View::Scope, View::Queue, View::Overdue];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Scope => "scope",
            View::Queue => "queue",
            View::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A list's query.
#[derive(Debug, Clone, Default)]
pub struct TrialQuery {
    pub view: View,
    pub state: Option<String>,
    pub product: Option<String>,
    pub region_id: Option<i64>,
}

/// A page of applications the reader sees (visible like their customers), newest first.
pub async fn list(app: &App, ctx: &Ctx, q: &TrialQuery, page: Page) -> Result<Paged<Trial>> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    let mut f = TrialFilter::default();
    match q.view {
        View::Mine => f.owner = Some(ctx.actor.user_id),
        View::Scope => {}
        View::Queue => f.unowned = true,
        View::Overdue => f.overdue_at = Some(app.config.clock.now()),
    }
    if let Some(s) = q.state.as_deref().filter(|s| !s.is_empty()) {
        match TrialState::parse(s) {
            Some(st) => f.states = vec![st.as_str().to_string()],
            None => return Err(AppError::field("state", "error.invalid_choice")),
        }
    }
    f.product = q.product.clone().filter(|p| !p.is_empty());
    f.region = q.region_id;
    let paged = store::list(app.db.read(), &f, &v, page).await?;
    let items = views(app, ctx, paged.items, true).await?;
    Ok(Paged {
        items,
        total: paged.total,
        total_exact: paged.total_exact,
        page: paged.page,
    })
}

/// One application ("not found" outside the reader's scope), with the working time to its limit.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Trial> {
    let v = crate::customers::visible(app, ctx).await?;
    let t = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views(app, ctx, vec![t], true).await?.remove(0))
}

/// The reader's open applications (the navigation's count).
pub async fn open_count(app: &App, ctx: &Ctx) -> Result<u64> {
    if ctx.actor.position.is_none() {
        return Ok(0);
    }
    Ok(store::open_count_for(app.db.read(), ctx.actor.user_id).await?)
}

/// An application's history: its audit rows, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_name: Option<String>,
    pub detail: Option<serde_json::Value>,
}

pub async fn history(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<HistoryEntry>> {
    get(app, ctx, id).await?;
    let actions = [
        "trial.create",
        "trial.fold",
        "trial.contact",
        "trial.start",
        "trial.end",
        "trial.convert",
        "trial.lose",
        "trial.reassign",
        "trial.overdue",
    ];
    let (rows, _) = audit::for_entity(app.db.read(), "trial", id, &actions, 200).await?;
    let mut out = Vec::new();
    for r in rows {
        let actor_name = match r.actor_id {
            Some(a) => crate::people::display_names(app).await?.get(&a).cloned(),
            None => None,
        };
        out.push(HistoryEntry {
            at: r.at,
            action: r.action,
            actor_name,
            detail: r.after.and_then(|a| serde_json::from_str(&a).ok()),
        });
    }
    out.sort_by_key(|h| h.at);
    Ok(out)
}

// ---- Lifecycle ----

/// What a step sends (raw text; the fields a step does not use are ignored).
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// The version the person read.
    pub version: Option<i32>,
    /// What was said (the contact record's summary); a default sentence when empty.
    pub note: String,
    pub trial_start: String,
    pub trial_end: String,
    pub edition: String,
    pub licence_note: String,
    pub lost_reason: String,
    pub competitor: String,
    /// Convert: the status to request for the customer (default `signed`) and its evidence.
    pub request: crate::status::RequestInput,
}

const MAX_NOTE: usize = 2000;

fn date(field: &str, s: &str, errs: &mut FieldErrors) -> Option<NaiveDate> {
    match s.trim() {
        "" => {
            errs.push(FieldError::new(field, "error.required"));
            None
        }
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(FieldError::new(field, "error.date_format"));
                None
            }
        },
    }
}

/// Takes a lifecycle step. Each step writes a contact record on the customer (the first one
/// meets the time limit), is audited, and holds by a conditional UPDATE on the state read.
pub async fn step(app: &App, ctx: &Ctx, id: i64, action: &str, input: &StepInput) -> Result<Trial> {
    let Some(action) = TrialAction::parse(action) else {
        return Err(AppError::field("action", "error.invalid_choice"));
    };
    let v = crate::customers::visible(app, ctx).await?;
    let now = app.config.clock.now();
    let mut errs = FieldErrors::new();
    let note = errs
        .take(validate::optional_long_text("note", &input.note, MAX_NOTE))
        .flatten();
    let mut f = StepFields::default();
    match action {
        TrialAction::Contact => {}
        TrialAction::Start => {
            f.trial_start = date("trial_start", &input.trial_start, &mut errs);
            f.trial_end = date("trial_end", &input.trial_end, &mut errs);
            if let (Some(a), Some(b)) = (f.trial_start, f.trial_end)
                && b < a
            {
                errs.push(FieldError::new("trial_end", "error.trial_end_before_start"));
            }
            f.edition = errs
                .take(validate::optional_text("edition", &input.edition, 100))
                .flatten();
            f.licence_note = errs
                .take(validate::optional_long_text(
                    "licence_note",
                    &input.licence_note,
                    MAX_NOTE,
                ))
                .flatten();
        }
        TrialAction::End => {}
        TrialAction::Convert => f.close = true,
        TrialAction::Lose => {
            f.close = true;
            match input.lost_reason.trim() {
                "" => errs.push(FieldError::new("lost_reason", "error.required")),
                r if rules::LOST_REASONS.contains(&r) => f.lost_reason = Some(r.to_string()),
                _ => errs.push(FieldError::new("lost_reason", "error.invalid_choice")),
            }
            f.competitor = errs
                .take(validate::optional_text(
                    "competitor",
                    &input.competitor,
                    100,
                ))
                .flatten();
        }
    }
    f.outcome_note = note
        .clone()
        .filter(|_| matches!(action, TrialAction::Convert | TrialAction::Lose));
    errs.into_result()?;
    if action == TrialAction::Start {
        // The pre-sales calls need the business calendar; loading it may seed the built-in
        // year, a write that must not wait for this transaction's connection.
        crate::calendar::load(app).await?;
    }
    let tx = app.db.begin().await?;
    let t = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if !rules::may_work(&ctx.actor, t.owner_id) {
        return Err(AppError::Forbidden);
    }
    if let Some(ver) = input.version
        && ver != t.version
    {
        return Err(AppError::Stale {
            version: t.version,
            changed: vec![("state".into(), json!(t.state))],
        });
    }
    let from = TrialState::parse(&t.state).unwrap_or(TrialState::New);
    let to = rules::check_step(from, action)
        .map_err(|_| AppError::conflict("state", "error.trial_wrong_state"))?;
    if t.first_contact_at.is_none() {
        f.first_contact_at = Some(now);
    }
    if action == TrialAction::Convert {
        let mut req = input.request.clone();
        let customer = cstore::get(&tx, t.customer_id, &v)
            .await?
            .ok_or(AppError::NotFound)?;
        let from_status = salesdesk_domain::customer::CustomerStatus::parse(&customer.status)
            .unwrap_or(salesdesk_domain::customer::CustomerStatus::Lead);
        if req.to_status.trim().is_empty() {
            req.to_status = rules::conversion_target(from_status)
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
        }
        if !req.to_status.is_empty() && customer.status != req.to_status.trim() {
            let r = crate::status::request_on(app, ctx, &tx, &v, t.customer_id, &req).await?;
            f.status_request_id = Some(r.id);
        }
    }
    if !store::step(&tx, id, from.as_str(), to.as_str(), f.clone(), now).await? {
        return Err(AppError::conflict("state", "error.trial_wrong_state"));
    }
    // A started trial gets its pre-sales calls (S5.2), in this transaction; a lost or
    // converted one has its calls still scheduled cancelled with the reason — they are not
    // made, and leave the follow-up list and the missed-calls view.
    if let (TrialAction::Start, Some(start), Some(end)) = (action, f.trial_start, f.trial_end) {
        crate::presales::schedule_for_trial(app, &tx, id, start, end).await?;
    }
    let calls_cancelled = match action {
        TrialAction::Lose => {
            salesdesk_store::presales::cancel_open(&tx, id, "trial_lost", now).await?
        }
        TrialAction::Convert => {
            salesdesk_store::presales::cancel_open(&tx, id, "trial_converted", now).await?
        }
        _ => 0,
    };
    let summary = note.unwrap_or_else(|| step_summary(action, &t, &f));
    let rec = contact_records::insert(
        &tx,
        contact_records::NewRecord {
            customer_id: t.customer_id,
            author_id: ctx.actor_id(),
            kind: if action == TrialAction::Contact {
                "call"
            } else {
                "other"
            }
            .into(),
            happened_at: now,
            summary,
            outcome: Some(format!("trial:{}", to.as_str())),
            next_step: None,
            next_contact_on: None,
            created_at: Some(now),
        },
        &t.contact_id.into_iter().collect::<Vec<_>>(),
    )
    .await?;
    contact_records::refresh_customer(&tx, t.customer_id).await?;
    store::contact_made(&tx, t.customer_id, rec.happened_at).await?;
    salesdesk_store::notifications::mark_done(&tx, "trial", id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            &format!("trial.{}", action.as_str()),
            "trial",
            Some(id),
            Some(json!({"state": from.as_str()})),
            Some(json!({
                "state": to.as_str(),
                "trial_start": f.trial_start, "trial_end": f.trial_end, "edition": f.edition,
                "lost_reason": f.lost_reason, "competitor": f.competitor,
                "status_request_id": f.status_request_id, "record_id": rec.id,
                "calls_cancelled": calls_cancelled,
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// The contact record's text when the person wrote none (stored in the zh of the company; the
/// step is also in the record's outcome code).
fn step_summary(action: TrialAction, t: &store::Trial, f: &StepFields) -> String {
    let r = t.reference.as_deref().unwrap_or("");
    match action {
        TrialAction::Contact => format!("试用申请 {r}：已首次联系 / first contact"),
        TrialAction::Start => format!(
            "试用申请 {r}：开始试用 {} – {} / trial started",
            f.trial_start.map(|d| d.to_string()).unwrap_or_default(),
            f.trial_end.map(|d| d.to_string()).unwrap_or_default()
        ),
        TrialAction::End => format!("试用申请 {r}：试用结束 / trial ended"),
        TrialAction::Convert => format!("试用申请 {r}：转化成交 / converted"),
        TrialAction::Lose => format!(
            "试用申请 {r}：未成交（{}）/ lost",
            f.lost_reason.as_deref().unwrap_or("")
        ),
    }
}

/// Gives an open application and its customer to another person (a manager, S4.5).
pub async fn reassign(
    app: &App,
    ctx: &Ctx,
    id: i64,
    to_owner: i64,
    version: Option<i32>,
) -> Result<Trial> {
    if !rules::may_reassign(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let v = crate::customers::visible(app, ctx).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let t = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if !TrialState::parse(&t.state).is_some_and(TrialState::is_open) {
        return Err(AppError::conflict("state", "error.trial_wrong_state"));
    }
    let to = match users::get(&tx, to_owner).await? {
        Some(u)
            if u.active && u.position.is_some() && crate::customers::may_see_owner(&v, u.id) =>
        {
            u
        }
        Some(u) if u.active && u.position.is_some() => {
            return Err(AppError::field("owner_id", "error.owner_outside_scope"));
        }
        _ => return Err(AppError::field("owner_id", "error.unknown_person")),
    };
    if t.owner_id == Some(to.id) {
        drop(tx);
        return get(app, ctx, id).await;
    }
    let expected = version.unwrap_or(t.version);
    if !store::reassign(&tx, id, expected, to.id, to.region_id.or(t.region_id), now).await? {
        return Err(AppError::Stale {
            version: t.version,
            changed: vec![("owner_id".into(), json!(t.owner_id))],
        });
    }
    cstore::lock(&tx, t.customer_id).await?;
    if let Some(c) = cstore::get(&tx, t.customer_id, &v).await?
        && c.owner_id != Some(to.id)
    {
        cstore::set_owner(&tx, c.id, Some(to.id)).await?;
        owner_history::insert(
            &tx,
            c.id,
            c.owner_id,
            Some(to.id),
            "reassign",
            ctx.actor_id(),
        )
        .await?;
    }
    if to.id != ctx.actor.user_id {
        salesdesk_store::notifications::insert_about(
            &tx,
            to.id,
            "trial_assigned",
            json!({"by": ctx.display_name, "company": t.company, "reference": t.reference}),
            Some(format!("/trials/{id}")),
            Some(("trial", id)),
        )
        .await?;
    }
    audit::insert(
        &tx,
        ctx.audit(
            "trial.reassign",
            "trial",
            Some(id),
            Some(json!({"owner_id": t.owner_id})),
            Some(json!({"owner_id": to.id})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

// ---- Jobs ----

/// Registers the reminder and the escalation (`serve`'s registry).
pub fn register(r: &mut Registry) {
    r.register(REMIND, run_remind);
    r.register(ESCALATE, run_escalate);
}

fn trial_id(run: &JobRun) -> std::result::Result<i64, JobError> {
    run.payload["trial_id"]
        .as_i64()
        .ok_or_else(|| JobError::permanent("payload has no trial_id"))
}

/// Before the limit: tells the owner (the director for the queue), once.
async fn run_remind(app: App, run: JobRun) -> Outcome {
    let id = trial_id(&run)?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await.map_err(AppError::from)?;
    let Some(t) = store::get(&tx, id, &Visible::All)
        .await
        .map_err(AppError::from)?
    else {
        return Ok(Some(json!({"skipped": "gone"})));
    };
    if !store::mark_reminded(&tx, id, now)
        .await
        .map_err(AppError::from)?
    {
        return Ok(Some(json!({"skipped": "contacted or reminded"})));
    }
    let who = match t.owner_id {
        Some(o) => Some(o),
        None => director(&app).await?,
    };
    if let Some(w) = who {
        salesdesk_store::notifications::insert_about(
            &tx,
            w,
            "trial_due_soon",
            json!({"company": t.company, "reference": t.reference, "due": t.first_contact_due_at}),
            Some(format!("/trials/{id}")),
            Some(("trial", id)),
        )
        .await
        .map_err(AppError::from)?;
    }
    app.db.commit(tx).await.map_err(AppError::from)?;
    Ok(Some(json!({"reminded": who})))
}

/// At the limit without contact: marks it overdue and tells the owner's manager (the director
/// for the queue or an owner without one), once.
async fn run_escalate(app: App, run: JobRun) -> Outcome {
    let id = trial_id(&run)?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await.map_err(AppError::from)?;
    let Some(t) = store::get(&tx, id, &Visible::All)
        .await
        .map_err(AppError::from)?
    else {
        return Ok(Some(json!({"skipped": "gone"})));
    };
    if !store::mark_overdue(&tx, id, now)
        .await
        .map_err(AppError::from)?
    {
        return Ok(Some(json!({"skipped": "contacted or marked"})));
    }
    let manager = match t.owner_id {
        Some(o) => users::get(&tx, o)
            .await
            .map_err(AppError::from)?
            .and_then(|u| u.manager_id),
        None => None,
    };
    let manager = match manager {
        Some(m) => Some(m),
        None => director(&app).await?,
    };
    let owner_name = match t.owner_id {
        Some(o) => users::get(&tx, o)
            .await
            .map_err(AppError::from)?
            .map(|u| u.display_name),
        None => None,
    };
    if let Some(m) = manager {
        salesdesk_store::notifications::insert_about(
            &tx,
            m,
            "trial_overdue",
            json!({"company": t.company, "reference": t.reference, "owner": owner_name}),
            Some(format!("/trials/{id}")),
            Some(("trial", id)),
        )
        .await
        .map_err(AppError::from)?;
    }
    if let Some(o) = t.owner_id
        && Some(o) != manager
    {
        salesdesk_store::notifications::insert_about(
            &tx,
            o,
            "trial_overdue_owner",
            json!({"company": t.company, "reference": t.reference}),
            Some(format!("/trials/{id}")),
            Some(("trial", id)),
        )
        .await
        .map_err(AppError::from)?;
    }
    audit::insert(
        &tx,
        audit::NewAudit {
            actor_id: None,
            action: "trial.overdue".into(),
            entity_type: "trial".into(),
            entity_id: Some(id),
            before: None,
            after: Some(json!({"due": t.first_contact_due_at, "manager_id": manager})),
            ip: None,
            request_id: None,
        },
    )
    .await
    .map_err(AppError::from)?;
    app.db.commit(tx).await.map_err(AppError::from)?;
    Ok(Some(json!({"escalated_to": manager})))
}

/// A place's name in the reader's language (the list shows province and city).
pub fn place_name(province_code: &str, city_code: Option<&str>, lang: &str) -> String {
    let p = geo::province(province_code)
        .map(|p| p.name(lang))
        .unwrap_or(province_code);
    match city_code.and_then(geo::city_by_code) {
        Some(c) => format!("{p} {}", c.name(lang)),
        None => p.to_string(),
    }
}
