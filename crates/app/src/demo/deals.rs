//! The demo's deals (issue 13): one or two deals on each of the demo's potential customers,
//! spread over every stage and over the months around `now` — open deals expected to sign this
//! month and the next five, a few won in recent months, a few lost with their reason — so
//! that the board, the list and the forecast show a living pipeline. Deterministic: the plan
//! below is walked in order, amounts and dates come from each deal's number.

use chrono::{DateTime, Duration, Months, Utc};
use chrono_tz::Tz;
use salesdesk_domain::deal::{LOST_REASONS, Month};
use salesdesk_store::Tx;
use salesdesk_store::deals::{self as store, Deal, NewChange};

use crate::Result;

use crate::datagen::deals::NAMES;

const COMPETITORS: [&str; 4] = ["泛微", "致远", "蓝凌", "钉钉"];

/// Stage codes by deal number: mostly open, early stages more often, some won and lost.
const STAGE_PLAN: [&str; 12] = [
    "requirement",
    "solution",
    "requirement",
    "quotation",
    "solution",
    "negotiation",
    "won",
    "requirement",
    "quotation",
    "lost",
    "negotiation",
    "won",
];

/// Product codes of the demo's products list (`trial_setup`).
const PRODUCTS: [&str; 2] = ["eoffice-std", "eoffice-pro"];

pub async fn seed(tx: &Tx, now: DateTime<Utc>, tz: Tz) -> Result<()> {
    let stages = store::stages(tx).await?;
    let customers = store::potential_customers(tx, 0, 80).await?;
    let today = now.with_timezone(&tz).date_naive();
    let mut n = 0usize;
    for (ci, (cid, owner, region)) in customers.iter().enumerate() {
        let Some(owner) = owner else { continue };
        // Every third customer has a second deal.
        let deals = if ci % 3 == 0 { 2 } else { 1 };
        for _ in 0..deals {
            let code = STAGE_PLAN[n % STAGE_PLAN.len()];
            let Some(stage) = stages.iter().find(|s| s.code == code) else {
                continue;
            };
            // ¥50,000 to ¥1,200,000 in round hundreds, from the deal's number.
            let amount_fen = (50_000 + ((n * 7919) % 11_500) as i64 * 100) * 100;
            let state = stage.kind.clone();
            let created = now - Duration::days(20 + (n % 40) as i64) - Duration::hours(n as i64);
            let (expected, won_at, closed_at) = match state.as_str() {
                "won" => {
                    let at = now - Duration::days(3 + (n % 80) as i64);
                    (at.with_timezone(&tz).date_naive(), Some(at), Some(at))
                }
                "lost" => {
                    let at = now - Duration::days(5 + (n % 50) as i64);
                    (today + Duration::days(10), None, Some(at))
                }
                _ => (
                    today
                        .checked_add_months(Months::new((n % 6) as u32))
                        .unwrap_or(today)
                        + Duration::days((n % 20) as i64),
                    None,
                    None,
                ),
            };
            let d = store::insert_row(
                tx,
                Deal {
                    id: 0,
                    customer_id: *cid,
                    name: NAMES[n % NAMES.len()].to_string(),
                    owner_id: Some(*owner),
                    region_id: *region,
                    amount_fen,
                    expected_sign_date: expected,
                    expected_month: Month::of(expected).key(),
                    stage_id: stage.id,
                    state: state.clone(),
                    probability: stage.probability,
                    competitors: n
                        .is_multiple_of(2)
                        .then(|| COMPETITORS[n % COMPETITORS.len()].to_string()),
                    lost_reason: (state == "lost")
                        .then(|| LOST_REASONS[n % LOST_REASONS.len()].to_string()),
                    lost_to: (state == "lost")
                        .then(|| COMPETITORS[(n + 1) % COMPETITORS.len()].to_string()),
                    lost_note: None,
                    won_at,
                    won_month: won_at.map(|w| Month::of_instant(w, &tz).key()),
                    closed_at,
                    created_by: Some(*owner),
                    created_at: created,
                    updated_at: closed_at.unwrap_or(created + Duration::days(5)),
                    version: 2,
                },
            )
            .await?;
            store::set_lines(
                tx,
                d.id,
                &[(PRODUCTS[n % 2].to_string(), 20 + (n as i64 % 10) * 30)],
            )
            .await?;
            let first = stages
                .iter()
                .find(|s| s.kind == "open")
                .map_or(stage.id, |s| s.id);
            store::insert_change(
                tx,
                NewChange {
                    deal_id: d.id,
                    action: "create",
                    from_stage_id: None,
                    to_stage_id: first,
                    probability: 10,
                    amount_fen,
                    lost_reason: None,
                    lost_to: None,
                    note: None,
                    actor_id: Some(*owner),
                    at: created,
                },
            )
            .await?;
            if first != stage.id {
                let action = match state.as_str() {
                    "won" => "won",
                    "lost" => "lost",
                    _ => "move",
                };
                store::insert_change(
                    tx,
                    NewChange {
                        deal_id: d.id,
                        action,
                        from_stage_id: Some(first),
                        to_stage_id: stage.id,
                        probability: stage.probability,
                        amount_fen,
                        lost_reason: d.lost_reason.clone(),
                        lost_to: d.lost_to.clone(),
                        note: None,
                        actor_id: Some(*owner),
                        at: d.updated_at,
                    },
                )
                .await?;
            }
            n += 1;
        }
    }
    Ok(())
}
