//! Pre-sales follow-up calls (seed S5.2, 售前回访; issue 12 point 7).
//!
//! - **The plan** is an administrator's setting (`presales_plan` in `settings`):
//!   `domain::presales::Plan`, steps from the trial's start or end in calendar or working days
//!   (default: trial day 2, day 7, 3 working days after the end).
//! - **Scheduling**: when a trial starts, [`schedule_for_trial`] — called by the trials
//!   lifecycle inside its own transaction — makes one `presales_calls` row per step, dated by the
//!   business calendar. The unique `(trial_id, step)` makes a second call of it a no-op.
//! - **The owner's list**: scheduled calls of the trials they own appear on their follow-up
//!   list beside the customers due ([`due_for`]), and on `/presales`.
//! - **Recording** ([`record`]): outcome and a 1–5 satisfaction score (when the customer was
//!   reached); it writes a contact record on the customer, refreshes its last contact, and is a
//!   conditional update on `state = 'scheduled'` (recorded once); audited `presales.record`.
//! - **Missed** calls (scheduled, due before today) are listed for managers over their scope
//!   ([`View::Missed`]) and counted on the trials dashboard.
//!
//! A call is visible like its trial's customer; it may be recorded by whoever may work on the
//! trial (`domain::trial::may_work`: its owner and the managers above).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use salesdesk_domain::presales::{CallOutcome, Plan, Satisfaction, StepInput};
use salesdesk_domain::trial as rules;
use salesdesk_domain::{Capability, DataScope, FieldError, FieldErrors, validate};
use salesdesk_store::customers::Visible;
use salesdesk_store::presales::{self as store, Call, CallFilter, Recorded};
use salesdesk_store::{Conn, Page, Paged, audit, contact_records, settings as settings_store};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

const PLAN_KEY: &str = "presales_plan";
/// Longest note on a recorded call.
pub const MAX_NOTE: usize = 2000;

/// The plan in force (the default when never saved, or unreadable).
pub async fn plan(app: &App) -> Result<Plan> {
    Ok(match settings_store::get(app.db.read(), PLAN_KEY).await? {
        Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
        None => Plan::default(),
    })
}

fn admin(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ManageSettings) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The plan, for the administrator's form and API.
pub async fn plan_for_admin(app: &App, ctx: &Ctx) -> Result<Plan> {
    admin(ctx)?;
    plan(app).await
}

/// Replaces the plan (administrators; audited as `setting.update`). Trials already running
/// keep the calls they were given.
pub async fn put_plan(app: &App, ctx: &Ctx, steps: &[StepInput]) -> Result<Plan> {
    admin(ctx)?;
    let new = Plan::parse(steps)?;
    let before = plan(app).await?;
    let tx = app.db.begin().await?;
    settings_store::put(
        &tx,
        PLAN_KEY,
        &serde_json::to_string(&new).map_err(|e| AppError::Internal(e.to_string()))?,
        ctx.actor_id(),
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "setting.update",
            "settings",
            None,
            Some(json!({ PLAN_KEY: before })),
            Some(json!({ PLAN_KEY: new })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(new)
}

/// The company's business calendar (working days, holidays, 调休), from `app::calendar`.
pub(crate) async fn business_calendar(
    app: &App,
) -> Result<std::sync::Arc<salesdesk_domain::calendar::WorkCalendar>> {
    crate::calendar::load(app).await
}

/// Makes the trial's pre-sales calls from the plan in force, on `c` — the trial lifecycle's
/// own transaction, so that the calls exist exactly when the trial's start committed. A trial
/// that has its calls already gets none twice. Returns how many were made.
///
/// Call `calendar::load` before opening that transaction: on a fresh database it seeds the
/// built-in year, a write that would wait for the transaction's own connection on SQLite.
pub async fn schedule_for_trial(
    app: &App,
    c: &impl Conn,
    trial_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<u64> {
    let plan = plan(app).await?;
    let cal = business_calendar(app).await?;
    let dates = plan.dates(start, end, |d| cal.is_working_day(d));
    Ok(store::schedule(c, trial_id, &dates, app.config.clock.now()).await?)
}

/// Where a call stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Scheduled, due before today: missed.
    Missed,
    Today,
    Upcoming,
    Done,
    /// Not made: the trial was lost or converted first (`cancel_reason` says which).
    Cancelled,
}

/// A call as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    pub id: i64,
    pub trial_id: i64,
    pub trial_reference: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// 1-based: the first call of the plan is 1.
    pub number: i32,
    pub due_on: NaiveDate,
    pub due: Due,
    /// Days from today (negative: missed by).
    pub days: i64,
    pub state: String,
    pub outcome: Option<String>,
    pub satisfaction: Option<i32>,
    pub note: Option<String>,
    pub record_id: Option<i64>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by_name: Option<String>,
    /// Why a cancelled call is not made: `trial_lost` or `trial_converted`.
    pub cancel_reason: Option<String>,
    /// The reader may record it now.
    pub can_record: bool,
}

async fn views(app: &App, ctx: &Ctx, calls: Vec<Call>) -> Result<Vec<CallView>> {
    let today = crate::records::today(app);
    let names = crate::people::display_names(app).await?;
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        let Some(t) =
            salesdesk_store::trials::get(app.db.read(), call.trial_id, &Visible::All).await?
        else {
            continue;
        };
        let customer_name =
            salesdesk_store::customers::get_any(app.db.read(), t.customer_id, &Visible::All)
                .await?
                .map(|c| c.name)
                .unwrap_or_else(|| t.company.clone());
        let days = (call.due_on - today).num_days();
        let done = call.state == store::DONE;
        let cancelled = call.state == store::CANCELLED;
        let due = match (done, days) {
            _ if cancelled => Due::Cancelled,
            (true, _) => Due::Done,
            (false, d) if d < 0 => Due::Missed,
            (false, 0) => Due::Today,
            _ => Due::Upcoming,
        };
        out.push(CallView {
            id: call.id,
            trial_id: t.id,
            trial_reference: t.reference.clone().unwrap_or_default(),
            customer_id: t.customer_id,
            customer_name,
            owner_id: t.owner_id,
            owner_name: t.owner_id.and_then(|o| names.get(&o).cloned()),
            number: call.step + 1,
            due_on: call.due_on,
            due,
            days,
            can_record: !done && !cancelled && rules::may_work(&ctx.actor, t.owner_id),
            state: call.state,
            outcome: call.outcome,
            satisfaction: call.satisfaction,
            note: call.note,
            record_id: call.record_id,
            done_at: call.done_at,
            done_by_name: call.done_by.and_then(|u| names.get(&u).cloned()),
            cancel_reason: call.cancel_reason,
        });
    }
    Ok(out)
}

/// Which calls a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// The reader's own scheduled calls (trials they own), soonest first.
    #[default]
    Mine,
    /// Every scheduled call in the reader's scope.
    Scope,
    /// Scheduled calls due before today in the reader's scope: the managers' view.
    Missed,
    /// Recorded calls in the reader's scope, latest first.
    Done,
}

impl View {
    pub const ALL: [View; 4] = [View::Mine, View::Scope, View::Missed, View::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Scope => "scope",
            View::Missed => "missed",
            View::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

async fn visible(app: &App, ctx: &Ctx) -> Result<Visible> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

fn filter_of(ctx: &Ctx, view: View, today: NaiveDate) -> CallFilter {
    let own = matches!(ctx.actor.data_scope(), DataScope::Own);
    match view {
        View::Mine => CallFilter {
            owner: Some(ctx.actor.user_id),
            state: Some(store::SCHEDULED),
            ..CallFilter::default()
        },
        View::Scope => CallFilter {
            owner: own.then_some(ctx.actor.user_id),
            state: Some(store::SCHEDULED),
            ..CallFilter::default()
        },
        View::Missed => CallFilter {
            owner: own.then_some(ctx.actor.user_id),
            state: Some(store::SCHEDULED),
            due_before: Some(today),
            ..CallFilter::default()
        },
        View::Done => CallFilter {
            owner: own.then_some(ctx.actor.user_id),
            state: Some(store::DONE),
            ..CallFilter::default()
        },
    }
}

/// A page of calls (visible like their customers). People without a sales position (the
/// administrator) see none: forbidden.
pub async fn list(app: &App, ctx: &Ctx, view: View, page: Page) -> Result<Paged<CallView>> {
    let v = visible(app, ctx).await?;
    let f = filter_of(ctx, view, crate::records::today(app));
    let paged = store::list(app.db.read(), &f, &v, page).await?;
    let items = views(app, ctx, paged.items).await?;
    Ok(Paged {
        items,
        total: paged.total,
        total_exact: paged.total_exact,
        page: paged.page,
    })
}

/// The reader's own calls due within the follow-up list's week (missed ones included), for the
/// follow-up list; empty for people without a sales scope.
pub async fn due_for(app: &App, ctx: &Ctx) -> Result<Vec<CallView>> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Ok(vec![]);
    }
    let today = crate::records::today(app);
    let f = CallFilter {
        owner: Some(ctx.actor.user_id),
        state: Some(store::SCHEDULED),
        due_until: Some(today + TimeDelta::days(crate::records::LOOKAHEAD_DAYS)),
        ..CallFilter::default()
    };
    let paged = store::list(app.db.read(), &f, &v, Page::new(Some(1), Some(50))).await?;
    views(app, ctx, paged.items).await
}

/// How many scheduled calls in the reader's scope are missed (due before today).
pub async fn missed_count(app: &App, ctx: &Ctx) -> Result<u64> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Ok(0);
    }
    let f = filter_of(ctx, View::Missed, crate::records::today(app));
    Ok(store::count(app.db.read(), &f, &v).await?)
}

/// One call ("not found" outside the reader's scope).
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<CallView> {
    let v = visible(app, ctx).await?;
    let call = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    views(app, ctx, vec![call])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A trial's calls (for the trial's page), in plan order.
pub async fn for_trial(app: &App, ctx: &Ctx, trial_id: i64) -> Result<Vec<CallView>> {
    let v = visible(app, ctx).await?;
    salesdesk_store::trials::get(app.db.read(), trial_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let calls = store::for_trial(app.db.read(), trial_id).await?;
    views(app, ctx, calls).await
}

/// What recording a call sends (raw text).
#[derive(Debug, Clone, Default)]
pub struct RecordInput {
    pub outcome: String,
    /// 1–5; required when the customer was reached, ignored when not.
    pub satisfaction: String,
    pub note: String,
}

/// Records a call: its outcome and satisfaction, a contact record on the customer (kind
/// `call`, outcome `presales:<outcome>`), the customer's last contact refreshed — one
/// transaction, audited as `presales.record`. A call recorded already is a conflict.
pub async fn record(app: &App, ctx: &Ctx, id: i64, input: &RecordInput) -> Result<CallView> {
    let mut errs = FieldErrors::new();
    let outcome = match input.outcome.trim() {
        "" => {
            errs.push(FieldError::new("outcome", "error.required"));
            None
        }
        s => match CallOutcome::parse(s) {
            Some(o) => Some(o),
            None => {
                errs.push(FieldError::new("outcome", "error.invalid_choice"));
                None
            }
        },
    };
    let satisfaction = match (outcome, input.satisfaction.trim()) {
        (Some(o), _) if !o.reached() => None,
        (_, "") => {
            errs.push(FieldError::new(
                "satisfaction",
                "error.presales_satisfaction",
            ));
            None
        }
        (_, s) => match Satisfaction::parse(s) {
            Some(v) => Some(v),
            None => {
                errs.push(FieldError::new(
                    "satisfaction",
                    "error.presales_satisfaction",
                ));
                None
            }
        },
    };
    let note = errs
        .take(validate::optional_long_text("note", &input.note, MAX_NOTE))
        .flatten();
    errs.into_result()?;
    let outcome = outcome.ok_or_else(|| AppError::Internal("outcome checked above".into()))?;
    let v = visible(app, ctx).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let call = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let trial = salesdesk_store::trials::get(&tx, call.trial_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::may_work(&ctx.actor, trial.owner_id) {
        return Err(AppError::Forbidden);
    }
    if call.state != store::SCHEDULED {
        return Err(AppError::conflict("state", "error.presales_recorded"));
    }
    let reference = trial.reference.as_deref().unwrap_or("");
    let score = satisfaction
        .map(|s| format!("，满意度 {}/5", s.get()))
        .unwrap_or_default();
    let summary = match &note {
        Some(n) => n.clone(),
        None => format!(
            "售前回访 {reference} 第 {} 次：{}{score} / pre-sales call",
            call.step + 1,
            outcome_zh(outcome)
        ),
    };
    let rec = contact_records::insert(
        &tx,
        contact_records::NewRecord {
            customer_id: trial.customer_id,
            author_id: ctx.actor_id(),
            kind: "call".into(),
            happened_at: now,
            summary,
            outcome: Some(format!("presales:{}", outcome.as_str())),
            next_step: None,
            next_contact_on: None,
            created_at: Some(now),
        },
        &trial.contact_id.into_iter().collect::<Vec<_>>(),
    )
    .await?;
    contact_records::refresh_customer(&tx, trial.customer_id).await?;
    let recorded = store::record(
        &tx,
        id,
        Recorded {
            outcome: outcome.as_str().into(),
            satisfaction: satisfaction.map(|s| i32::from(s.get())),
            note: note.clone(),
            record_id: rec.id,
            by: ctx.actor_id(),
        },
        now,
    )
    .await?;
    if !recorded {
        return Err(AppError::conflict("state", "error.presales_recorded"));
    }
    audit::insert(
        &tx,
        ctx.audit(
            "presales.record",
            "presales_call",
            Some(id),
            Some(json!({"state": store::SCHEDULED, "due_on": call.due_on})),
            Some(json!({
                "state": store::DONE, "trial_id": trial.id, "outcome": outcome.as_str(),
                "satisfaction": satisfaction.map(Satisfaction::get), "record_id": rec.id,
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// The outcome's name in the company's language, for the contact record written with it.
fn outcome_zh(o: CallOutcome) -> &'static str {
    match o {
        CallOutcome::Going => "试用顺利",
        CallOutcome::Issues => "有问题待解决",
        CallOutcome::Interested => "有购买意向",
        CallOutcome::NoAnswer => "未接通",
    }
}
