//! Collection reminders (issue 13 point 6): before and after each instalment's due date, an
//! in-app notification to the contract's owner — the one after also to the regional manager —
//! through the jobs runner.
//!
//! - **Scheduled with the plan** ([`schedule`]): writing a plan enqueues, in its transaction,
//!   two once-only jobs per open instalment (`instalment:{id}:before`, `…:after`), at 09:00
//!   company time on the days the contracts' settings say (default 3 days before, 1 after).
//!   A "before" whose due date has passed is not scheduled; a time already past runs now.
//! - **Re-checked when run** ([`run`]): a replaced plan deletes its instalments (new ones get
//!   new ids and their own jobs), so a stale job finds its instalment gone or its due date
//!   changed and sends nothing; so does one whose instalment was paid in full meanwhile, whose
//!   contract left force, a "before" that runs after the due date (a runner that was down) or
//!   an "after" that runs before it is overdue.
//! - **Once** per instalment and kind, held by the database: the job's once-key keeps a second
//!   job from being enqueued, and the run sets `reminded_before_at` / `reminded_after_at` by a
//!   conditional UPDATE in the transaction that inserts the notification, so a job run twice
//!   (a lease taken over, a retry after a lost commit) or by two processes notifies once.
//! - New reminder days apply to plans written from then on.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use salesdesk_domain::Money;
use salesdesk_domain::contract as crules;
use salesdesk_domain::org::Position;
use salesdesk_store::collections::{self as store, IN_FORCE};
use salesdesk_store::contracts as kstore;
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::{Conn, audit, notifications, regions, users};
use serde_json::json;

use crate::contracts::{ContractSettings, today};
use crate::jobs::{JobError, JobRun, NewJob, Outcome, Registry};
use crate::{App, AppError, Ctx, Result};

/// The job's kind; its payload names the instalment, the reminder (`before`/`after`) and the
/// due date it was scheduled for.
pub const KIND: &str = "collection.remind";

/// The company-local time of day reminders are sent.
pub const SEND_AT: NaiveTime = NaiveTime::from_hms_opt(9, 0, 0).expect("09:00");

/// Which of an instalment's two reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Before,
    After,
}

impl When {
    pub fn as_str(self) -> &'static str {
        match self {
            When::Before => "before",
            When::After => "after",
        }
    }

    pub fn parse(s: &str) -> Option<When> {
        match s {
            "before" => Some(When::Before),
            "after" => Some(When::After),
            _ => None,
        }
    }

    /// The day this reminder of an instalment due on `due` is sent.
    pub fn day(self, due: NaiveDate, s: &ContractSettings) -> NaiveDate {
        match self {
            When::Before => due - TimeDelta::days(s.remind_before_days.into()),
            When::After => due + TimeDelta::days(s.remind_after_days.into()),
        }
    }

    /// The notification's kind (an i18n key under `notification.`).
    fn notification(self) -> &'static str {
        match self {
            When::Before => "instalment_due_soon",
            When::After => "instalment_overdue",
        }
    }
}

/// The once-key of an instalment's reminder.
pub fn once_key(instalment_id: i64, when: When) -> String {
    format!("instalment:{instalment_id}:{}", when.as_str())
}

/// Enqueues on `c` (the plan's transaction) the reminders of the contract's open instalments.
/// Returns how many were enqueued.
pub async fn schedule(app: &App, c: &impl Conn, contract_id: i64) -> Result<u64> {
    let s = crate::contracts::settings(app).await?;
    let now = app.config.clock.now();
    let today = today(app);
    let tz = app.config.time_zone;
    let mut jobs = Vec::new();
    for i in store::instalments(c, contract_id).await? {
        if i.paid_fen >= i.amount_fen {
            continue;
        }
        for when in [When::Before, When::After] {
            if when == When::Before && i.due_date < today {
                continue;
            }
            let at = when
                .day(i.due_date, &s)
                .and_time(SEND_AT)
                .and_local_timezone(tz)
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(now)
                .max(now);
            jobs.push(
                NewJob::new(
                    KIND,
                    json!({"instalment_id": i.id, "contract_id": contract_id,
                           "when": when.as_str(), "due_date": i.due_date}),
                )
                .at(at)
                .once(once_key(i.id, when)),
            );
        }
    }
    crate::jobs::enqueue_all(app, c, jobs).await
}

/// Registers the reminder's handler (`serve`'s registry).
pub fn register(r: &mut Registry) {
    r.register(KIND, run);
}

fn skipped(why: &str) -> Outcome {
    Ok(Some(json!({ "skipped": why })))
}

/// Sends one reminder if it is still due: see the module's description.
pub async fn run(app: App, run: JobRun) -> Outcome {
    let id = run.payload["instalment_id"]
        .as_i64()
        .ok_or_else(|| JobError::permanent("payload has no instalment_id"))?;
    let when = run.payload["when"]
        .as_str()
        .and_then(When::parse)
        .ok_or_else(|| JobError::permanent("payload has no when"))?;
    let due: Option<NaiveDate> = run.payload["due_date"]
        .as_str()
        .and_then(|d| d.parse().ok());
    let now = app.config.clock.now();
    let today = today(&app);
    let tx = app.db.begin().await.map_err(AppError::from)?;
    let Some(i) = store::instalment(&tx, id).await.map_err(AppError::from)? else {
        return skipped("plan replaced");
    };
    if due != Some(i.due_date) {
        return skipped("due date changed");
    }
    if i.paid_fen >= i.amount_fen {
        return skipped("paid");
    }
    if when == When::Before && today > i.due_date {
        return skipped("past its due date");
    }
    if when == When::After && today <= i.due_date {
        return skipped("not overdue");
    }
    let Some(k) = kstore::get(&tx, i.contract_id, &Visible::All)
        .await
        .map_err(AppError::from)?
    else {
        return skipped("contract gone");
    };
    if !IN_FORCE.contains(&k.status.as_str()) {
        return skipped("contract not in force");
    }
    let Some(owner) = k.owner_id else {
        return skipped("no owner");
    };
    if !store::mark_reminded(&tx, id, when == When::After, now)
        .await
        .map_err(AppError::from)?
    {
        return skipped("reminded before");
    }
    let customer = cstore::names(&tx, &[k.customer_id])
        .await
        .map_err(AppError::from)?
        .into_iter()
        .next()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let open = Money::from_fen(i.amount_fen - i.paid_fen);
    let mut params = json!({
        "contract": crules::number(k.id),
        "title": k.title,
        "customer": customer,
        "open": open.to_string(),
        "due": i.due_date.to_string(),
        "days": (today - i.due_date).num_days().abs(),
    });
    let link = Some(format!("/contracts/{}", k.id));
    notifications::insert_about(
        &tx,
        owner,
        when.notification(),
        params.clone(),
        link.clone(),
        Some(("contract", k.id)),
    )
    .await
    .map_err(AppError::from)?;
    let mut told = vec![owner];
    if when == When::After {
        let owner_user = users::get(&tx, owner).await.map_err(AppError::from)?;
        params["owner"] = json!(owner_user.as_ref().map(|u| u.display_name.clone()));
        for m in regional_managers(&tx, k.region_id, owner_user.and_then(|u| u.manager_id))
            .await
            .map_err(AppError::from)?
        {
            if m == owner {
                continue;
            }
            notifications::insert_about(
                &tx,
                m,
                "instalment_overdue_manager",
                params.clone(),
                link.clone(),
                Some(("contract", k.id)),
            )
            .await
            .map_err(AppError::from)?;
            told.push(m);
        }
    }
    audit::insert(
        &tx,
        Ctx::system().audit(
            "contract.reminder",
            "contract",
            Some(k.id),
            None,
            Some(
                json!({"instalment_id": id, "when": when.as_str(), "due_date": i.due_date,
                        "open_amount": open.to_decimal(), "told": told}),
            ),
        ),
    )
    .await
    .map_err(AppError::from)?;
    app.db.commit(tx).await.map_err(AppError::from)?;
    Ok(Some(json!({ "told": told })))
}

/// The regional managers of the contract's region (a branch's: its region's); the owner's
/// manager when there is none.
async fn regional_managers(
    c: &impl Conn,
    region_id: Option<i64>,
    owner_manager: Option<i64>,
) -> salesdesk_store::Result<Vec<i64>> {
    let top = match region_id {
        Some(r) => regions::get(c, r).await?.map(|r| regions::top_of(&r)),
        None => None,
    };
    let mut ids: Vec<i64> = match top {
        Some(top) => users::active_with_positions(c, &[Position::RegionalManager.as_str()])
            .await?
            .into_iter()
            .filter(|u| u.region_id == Some(top))
            .map(|u| u.id)
            .collect(),
        None => vec![],
    };
    if ids.is_empty() {
        ids.extend(owner_manager);
    }
    Ok(ids)
}
