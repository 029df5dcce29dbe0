//! The demo's trial applications (issue 12): two dozen applications on the demo's customers in
//! every state — new ones due later today, new ones overdue (marked, their managers told), a few
//! in the director's queue, contacted, running, ended, converted and lost — dated relative to
//! `now`. The open ones have their reminder and escalation jobs, as an intake would enqueue.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use salesdesk_domain::trial::{LOST_REASONS, reference};
use salesdesk_store::trials::{self as store, Trial};
use salesdesk_store::{Tx, jobs};
use serde_json::json;

use super::org::Org;
use crate::Result;

/// (state, hours before now it arrived, owned by the customer's owner)
const PLAN: [(&str, i64, bool); 24] = [
    ("new", 1, true),
    ("new", 2, true),
    ("new", 1, true),
    ("new", 3, true),
    ("new", 30, true),
    ("new", 52, true),
    ("new", 75, true),
    ("new", 2, false),
    ("new", 26, false),
    ("new", 5, false),
    ("contacted", 20, true),
    ("contacted", 44, true),
    ("contacted", 70, true),
    ("running", 24 * 6, true),
    ("running", 24 * 9, true),
    ("running", 24 * 12, true),
    ("running", 24 * 15, true),
    ("ended", 24 * 40, true),
    ("ended", 24 * 45, true),
    ("converted", 24 * 60, true),
    ("converted", 24 * 75, true),
    ("lost", 24 * 50, true),
    ("lost", 24 * 90, true),
    ("contacted", 8, true),
];

const PRODUCTS: [&str; 2] = ["eoffice-std", "eoffice-pro"];

pub async fn seed(tx: &Tx, org: &Org, now: DateTime<Utc>, tz: Tz) -> Result<()> {
    let _ = org;
    let cal = crate::calendar::builtin_calendar();
    // Enough customers to find some in every region; taken region by region in turn, so that
    // every region's manager and account managers see applications.
    let customers = store::demo_customers(tx, 400).await?;
    let owned = by_region_in_turn(customers.iter().filter(|c| c.2.is_some()).collect());
    let unowned = by_region_in_turn(customers.iter().filter(|c| c.2.is_none()).collect());
    let (mut oi, mut ui) = (0usize, 0usize);
    for (i, (state, hours_ago, with_owner)) in PLAN.iter().enumerate() {
        let c = if *with_owner || unowned.is_empty() {
            oi += 1;
            owned.get(oi - 1)
        } else {
            ui += 1;
            unowned.get(ui - 1)
        };
        let Some((cid, name, owner, region, province)) = c.map(|c| (*c).clone()) else {
            continue;
        };
        let arrived = now - Duration::hours(*hours_ago) - Duration::minutes(i as i64 * 7);
        let due = cal.deadline(arrived, 4 * 60);
        let open = !matches!(*state, "converted" | "lost");
        // First contact after 95 to 255 minutes of working time (one in five after the 4-hour
        // limit), so the figures show a spread and some late contacts, never in the future.
        let contacted =
            (*state != "new").then(|| cal.deadline(arrived, 95 + (i as i64 % 5) * 40).min(now));
        let overdue = (*state == "new" && due <= now).then_some(due);
        // Trials start on a working day (two days after arrival, or the next working day).
        let start = matches!(*state, "running" | "ended" | "converted" | "lost").then(|| {
            let mut d = (arrived + Duration::days(2))
                .with_timezone(&tz)
                .date_naive();
            for _ in 0..30 {
                if cal.is_working_day(d) {
                    break;
                }
                d += Duration::days(1);
            }
            d
        });
        let product = PRODUCTS[i % 2];
        let t = store::insert_row(
            tx,
            Trial {
                id: 0,
                reference: None,
                customer_id: cid,
                contact_id: None,
                product_code: product.into(),
                state: (*state).into(),
                open_key: open.then(|| format!("{cid}:{product}")),
                company: name.clone(),
                uscc: None,
                contact_name: "王磊".into(),
                mobile: format!("1391234{:04}", i),
                email: None,
                province_code: province.unwrap_or_else(|| "110000".into()),
                city_code: None,
                users: Some(20 + 10 * i as i64),
                message: Some("希望试用一个月，评估后采购。".into()),
                applications: 1 + i32::from(i % 5 == 0),
                channel: if i % 3 == 0 { "api" } else { "form" }.into(),
                intake_key_id: None,
                client_ip: None,
                matched_by: if i % 4 == 0 { "new" } else { "name" }.into(),
                suspicion: None,
                owner_id: owner,
                region_id: region,
                route_reason: if owner.is_some() {
                    "existing_owner"
                } else {
                    "director_queue"
                }
                .into(),
                arrived_at: arrived,
                last_applied_at: arrived,
                first_contact_due_at: due,
                first_contact_at: contacted,
                reminded_at: None,
                overdue_at: overdue,
                trial_start: start,
                trial_end: start.map(|d| d + Duration::days(30)),
                edition: start.map(|_| "专业版".to_string()),
                licence_note: start.map(|_| format!("实例 demo-{cid}")),
                lost_reason: (*state == "lost")
                    .then(|| LOST_REASONS[i % LOST_REASONS.len()].into()),
                competitor: None,
                outcome_note: None,
                status_request_id: None,
                created_at: arrived,
                updated_at: arrived,
                version: 1,
            },
        )
        .await?;
        let local = arrived.with_timezone(&tz).date_naive();
        store::set_reference(tx, t.id, &reference(local, t.id)).await?;
        if *state == "new" && overdue.is_none() {
            for (kind, at) in [
                (crate::trials::REMIND, cal.deadline(arrived, 3 * 60)),
                (crate::trials::ESCALATE, due),
            ] {
                let what = kind.rsplit('.').next().unwrap_or(kind);
                jobs::enqueue(
                    tx,
                    jobs::NewJob {
                        kind: kind.into(),
                        payload: json!({"trial_id": t.id}).to_string(),
                        run_at: at,
                        max_attempts: crate::jobs::DEFAULT_ATTEMPTS,
                        once_key: Some(format!("trial:{}:{what}", t.id)),
                    },
                    now,
                )
                .await?;
            }
        }
    }
    Ok(())
}

type DemoCustomer = (i64, String, Option<i64>, Option<i64>, Option<String>);

/// The customers reordered so that consecutive ones are in different regions: the first of
/// each region, then the second of each, and so on (regions in id order).
fn by_region_in_turn(customers: Vec<&DemoCustomer>) -> Vec<&DemoCustomer> {
    let mut by_region: std::collections::BTreeMap<Option<i64>, std::collections::VecDeque<_>> =
        std::collections::BTreeMap::new();
    for c in customers {
        by_region.entry(c.3).or_default().push_back(c);
    }
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for q in by_region.values_mut() {
            if let Some(c) = q.pop_front() {
                out.push(c);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}
