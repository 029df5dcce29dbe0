//! The demo's pre-sales calls (S5.2): every demo trial that has started gets the default plan's
//! calls; those due before today are recorded — most reached with a satisfaction score, some
//! not reached — except every fourth, left missed for the managers' list. A lost or converted
//! trial's calls still open are cancelled with the reason, as the trial lifecycle does. Runs after the
//! trials slice (it reads the trials that slice wrote); with no trials it writes nothing.

use chrono::{DateTime, TimeDelta, Utc};
use salesdesk_domain::presales::{CallOutcome, Plan};
use salesdesk_store::{Conn, contact_records, presales as store};

use crate::Result;

/// Schedules and records the demo trials' calls on `c` (the demo's transaction).
pub async fn seed(c: &impl Conn, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<u64> {
    let started = store::started_trials(c).await?;
    let plan = Plan::default();
    // The company calendar with its holidays and make-up days, as real trials' calls use.
    let cal = crate::calendar::builtin_calendar();
    let today = now.with_timezone(&tz).date_naive();
    let mut made = 0;
    let mut n = 0usize;
    for t in started {
        let (Some(start), Some(end)) = (t.trial_start, t.trial_end) else {
            continue;
        };
        let dates = plan.dates(start, end, |d| cal.is_working_day(d));
        made += store::schedule(c, t.id, &dates, now).await?;
        // A lost trial's calls are not made (cancelled with the reason, as the lifecycle does).
        if t.state == "lost" {
            store::cancel_open(c, t.id, "trial_lost", now).await?;
            continue;
        }
        for call in store::for_trial(c, t.id).await? {
            if call.due_on >= today || call.state != store::SCHEDULED {
                continue;
            }
            n += 1;
            if n.is_multiple_of(4) {
                continue; // missed
            }
            let outcome = match n % 5 {
                0 => CallOutcome::NoAnswer,
                1 => CallOutcome::Issues,
                2 => CallOutcome::Interested,
                _ => CallOutcome::Going,
            };
            let score = outcome.reached().then_some(3 + (n % 3) as i32);
            let at = call
                .due_on
                .and_hms_opt(10, 30, 0)
                .and_then(|x| x.and_local_timezone(tz).earliest())
                .map_or(now - TimeDelta::days(1), |x| x.with_timezone(&Utc));
            let rec = contact_records::insert(
                c,
                contact_records::NewRecord {
                    customer_id: t.customer_id,
                    author_id: t.owner_id,
                    kind: "call".into(),
                    happened_at: at,
                    summary: format!(
                        "售前回访第 {} 次：{}",
                        call.step + 1,
                        match outcome {
                            CallOutcome::Going => "试用顺利，已安排培训",
                            CallOutcome::Issues => "导入数据遇到问题，已转技术支持",
                            CallOutcome::Interested => "客户询问正式版报价",
                            CallOutcome::NoAnswer => "未接通，明天再打",
                        }
                    ),
                    outcome: Some(format!("presales:{}", outcome.as_str())),
                    next_step: None,
                    next_contact_on: None,
                    created_at: Some(at),
                },
                &t.contact_id.into_iter().collect::<Vec<_>>(),
            )
            .await?;
            store::record(
                c,
                call.id,
                store::Recorded {
                    outcome: outcome.as_str().into(),
                    satisfaction: score,
                    note: None,
                    record_id: rec.id,
                    by: t.owner_id,
                },
                at,
            )
            .await?;
        }
        // A converted trial's calls after the conversion are not made either.
        if t.state == "converted" {
            store::cancel_open(c, t.id, "trial_converted", now).await?;
        }
        contact_records::refresh_customer(c, t.customer_id).await?;
    }
    Ok(made)
}
