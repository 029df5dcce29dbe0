//! The demo's business expenses and budgets (issue 14 point 1). Every region's two account
//! managers, sales rep and manager have claims over the last three months, walked in a fixed
//! order so each state shows: older claims approved (above the threshold by the manager and
//! then the director), recent ones waiting for the manager (with the notification), one above
//! the threshold waiting for the director, one returned with a comment, and one returned,
//! revised and approved as version 2. Some name one of the claimant's customers, some carry a
//! scanned receipt. Each top-level region has a budget for every month, quarter and year the
//! claims fall in, up to the end of this year; the east region's are set below its spend, so
//! its budget page shows the over-budget warning. Deterministic (no randomness).

use std::path::Path;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use salesdesk_domain::expense::{self as rules, Period, PeriodKind};
use salesdesk_store::Tx;
use salesdesk_store::bulk::Value;
use salesdesk_store::expenses::{self as store, Expense};
use serde_json::json;

use super::org::Org;
use crate::Result;
use crate::attachments::Attachments;

/// A small scanned receipt (a one-page PDF).
const RECEIPT: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 595]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

const CATEGORIES: [&str; 6] = [
    "travel",
    "entertainment",
    "travel",
    "gifts",
    "samples",
    "bidding",
];

const WHAT: [&str; 6] = [
    "拜访客户往返高铁及住宿",
    "客户项目组工作餐",
    "参加行业展会差旅",
    "节日客户礼品",
    "试用演示设备寄送",
    "投标文件制作及保证金手续费",
];

/// What a demo claim becomes: (days ago, amount in yuan, plan).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    Approved,
    WaitingManager,
    WaitingDirector,
    Returned,
    RevisedApproved,
}

const CLAIMS: [(u64, i64, Plan); 7] = [
    (78, 1_260, Plan::Approved),
    (61, 6_800, Plan::Approved),
    (44, 2_150, Plan::Approved),
    (23, 3_480, Plan::RevisedApproved),
    (9, 880, Plan::Returned),
    (4, 7_450, Plan::WaitingDirector),
    (2, 1_980, Plan::WaitingManager),
];

pub async fn seed(
    tx: &Tx,
    org: &Org,
    now: DateTime<Utc>,
    tz: Tz,
    files: &Path,
    director: Option<i64>,
) -> Result<()> {
    let today = now.with_timezone(&tz).date_naive();
    let receipt_key = Attachments::new(files).store(RECEIPT).ok();
    salesdesk_store::settings::put(
        tx,
        "expenses",
        &json!({"threshold_fen": rules::DEFAULT_THRESHOLD.fen(),
                "cost_categories": ["travel", "entertainment", "gifts", "bidding", "samples"]})
        .to_string(),
        None,
    )
    .await?;
    let mut n = 0i64;
    for (ri, region) in org
        .regions
        .iter()
        .filter(|r| r.parent_id.is_none())
        .enumerate()
    {
        let slug = org
            .people
            .iter()
            .find(|p| p.region_id == Some(region.id) && p.login.ends_with(".manager"))
            .map(|p| p.login.trim_end_matches(".manager").to_string());
        let Some(slug) = slug else { continue };
        for who in ["am1", "am2", "rep", "manager"] {
            let Some(person) = org.person(&format!("{slug}.{who}")) else {
                continue;
            };
            let Some(manager) = person.manager_id else {
                continue;
            };
            let customers = salesdesk_store::customers::ids_owned_by(tx, person.id, 3).await?;
            for (k, (ago, yuan, plan)) in CLAIMS.iter().enumerate() {
                n += 1;
                // The manager's own claims: the older ones only (their manager is the director).
                if who == "manager" && k % 2 == 1 {
                    continue;
                }
                let date = today
                    .checked_sub_days(Days::new(ago + (n as u64 % 3)))
                    .unwrap_or(today);
                // Each region spends a little differently.
                let amount = (yuan * (9 + ri as i64 % 4) / 10 + n % 7 * 37 + ri as i64 * 113) * 100
                    + (n * 29 % 100);
                let customer = customers.get(k % 4).copied();
                let at = local(tz, date, 9 + (n % 8) as u32);
                add(
                    tx,
                    Claim {
                        person: person.id,
                        name: &person.display_name,
                        region: person.region_id,
                        manager,
                        director,
                        date,
                        amount,
                        k,
                        plan: *plan,
                        customer,
                        at,
                        now,
                        receipt: receipt_key.as_deref().filter(|_| k % 2 == 0),
                    },
                )
                .await?;
            }
        }
        // Budgets: every month, quarter and year from the oldest claim's to the end of this
        // year. The east region's are set below what its people spend, so its budget page
        // warns whatever the day the demo is loaded; the others' are comfortable.
        let east = slug == "east";
        let first = Period::containing(PeriodKind::Month, today - Duration::days(90)).start;
        let last = Period::containing(PeriodKind::Year, today).end();
        let mut m = first;
        while m <= last {
            for kind in PeriodKind::ALL {
                let p = Period::containing(kind, m);
                if p.start != m && kind != PeriodKind::Month {
                    // A quarter or year the walk starts inside of is set once, from its start.
                    if m != first {
                        continue;
                    }
                }
                let per_month = if east { 3_000 } else { 80_000 };
                let months = match kind {
                    PeriodKind::Month => 1,
                    PeriodKind::Quarter => 3,
                    PeriodKind::Year => 12,
                };
                store::set_budget(
                    tx,
                    region.id,
                    kind.as_str(),
                    p.start,
                    per_month * months * 100,
                    director,
                    now,
                )
                .await?;
            }
            m = m
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(last + Duration::days(1));
        }
    }
    Ok(())
}

/// `hour`:00 local time on `date`, as UTC.
fn local(tz: Tz, date: NaiveDate, hour: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    let naive = date.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc))
}

struct Claim<'a> {
    person: i64,
    name: &'a str,
    region: Option<i64>,
    manager: i64,
    director: Option<i64>,
    date: NaiveDate,
    amount: i64,
    k: usize,
    plan: Plan,
    customer: Option<i64>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    receipt: Option<&'a str>,
}

async fn add(tx: &Tx, c: Claim<'_>) -> Result<()> {
    let needs_director = c.amount > rules::DEFAULT_THRESHOLD.fen();
    let decided = c.at + Duration::hours(20);
    let manager_is_director = Some(c.manager) == c.director;
    let (state, approver, version) = match c.plan {
        Plan::Approved | Plan::RevisedApproved => (
            "approved",
            None,
            1 + i32::from(c.plan == Plan::RevisedApproved),
        ),
        Plan::WaitingManager => ("pending_manager", Some(c.manager), 1),
        Plan::WaitingDirector if !manager_is_director => ("pending_director", c.director, 1),
        Plan::WaitingDirector => ("pending_manager", Some(c.manager), 1),
        Plan::Returned => ("returned", None, 1),
    };
    let director_step = needs_director && !manager_is_director;
    let approved = state == "approved";
    let final_by = if director_step {
        c.director
    } else {
        Some(c.manager)
    };
    let e = store::insert_row(
        tx,
        Expense {
            id: 0,
            claimant_id: c.person,
            region_id: c.region,
            category: CATEGORIES[c.k % CATEGORIES.len()].into(),
            expense_date: c.date,
            month: rules::month_key(c.date),
            amount_fen: c.amount,
            description: WHAT[c.k % WHAT.len()].into(),
            customer_id: c.customer,
            deal_id: None,
            contract_id: None,
            state: state.into(),
            version,
            needs_director,
            approver_id: approver,
            submitted_at: c.at,
            manager_by: (approved || state == "pending_director").then_some(c.manager),
            manager_at: (approved || state == "pending_director").then_some(decided),
            approved_by: if approved { final_by } else { None },
            approved_at: approved.then_some(decided + Duration::hours(3)),
            returned_by: (c.plan == Plan::Returned || c.plan == Plan::RevisedApproved)
                .then_some(c.manager),
            returned_at: (c.plan == Plan::Returned || c.plan == Plan::RevisedApproved)
                .then_some(decided),
            return_comment: (c.plan == Plan::Returned || c.plan == Plan::RevisedApproved)
                .then(|| "请补充住宿发票，并注明拜访的客户。".to_string()),
            created_at: c.at,
            updated_at: c.now.min(decided + Duration::hours(3)),
        },
    )
    .await?;
    let ev = |version: i32,
              action: &'static str,
              actor: i64,
              from: Option<&'static str>,
              to: &'static str,
              comment: Option<&str>,
              at: DateTime<Utc>| {
        (
            version,
            action,
            actor,
            from,
            to,
            comment.map(str::to_string),
            at,
        )
    };
    let mut events = vec![ev(
        1,
        "submit",
        c.person,
        None,
        "pending_manager",
        None,
        c.at,
    )];
    match c.plan {
        Plan::Approved => {
            if director_step {
                events.push(ev(
                    1,
                    "approve",
                    c.manager,
                    Some("pending_manager"),
                    "pending_director",
                    None,
                    decided,
                ));
                if let Some(d) = c.director {
                    events.push(ev(
                        1,
                        "approve",
                        d,
                        Some("pending_director"),
                        "approved",
                        None,
                        decided + Duration::hours(3),
                    ));
                }
            } else {
                events.push(ev(
                    1,
                    "approve",
                    c.manager,
                    Some("pending_manager"),
                    "approved",
                    None,
                    decided,
                ));
            }
        }
        Plan::RevisedApproved => {
            // Version 1 asked a little more, without the hotel invoice.
            let mut v1 = store::fields_of(&e);
            v1.amount_fen += 36_000;
            store::insert_version(tx, e.id, 1, &v1, Some(c.person), c.at).await?;
            events.push(ev(
                1,
                "return",
                c.manager,
                Some("pending_manager"),
                "returned",
                Some("请补充住宿发票，并注明拜访的客户。"),
                decided,
            ));
            events.push(ev(
                2,
                "resubmit",
                c.person,
                Some("returned"),
                "pending_manager",
                None,
                decided + Duration::hours(1),
            ));
            events.push(ev(
                2,
                "approve",
                c.manager,
                Some("pending_manager"),
                "approved",
                None,
                decided + Duration::hours(3),
            ));
        }
        Plan::Returned => {
            events.push(ev(
                1,
                "return",
                c.manager,
                Some("pending_manager"),
                "returned",
                Some("请补充住宿发票，并注明拜访的客户。"),
                decided,
            ));
        }
        Plan::WaitingDirector if state == "pending_director" => {
            events.push(ev(
                1,
                "approve",
                c.manager,
                Some("pending_manager"),
                "pending_director",
                None,
                decided,
            ));
        }
        Plan::WaitingDirector | Plan::WaitingManager => {}
    }
    for (version, action, actor, from, to, comment, at) in events {
        store::insert_event(
            tx,
            e.id,
            version,
            action,
            Some(actor),
            from,
            to,
            comment,
            at,
        )
        .await?;
    }
    if let Some(a) = approver {
        let who = c.name;
        // Dated when it was submitted (not the load's clock), so two loads match.
        salesdesk_store::bulk::insert(
            tx,
            "notifications",
            &[
                "user_id",
                "kind",
                "params",
                "link",
                "created_at",
                "subject_type",
                "subject_id",
            ],
            vec![vec![
                Value::from(a),
                Value::from("expense_submitted"),
                Value::from(
                    json!({"who": who,
                           "amount": salesdesk_domain::Money::from_fen(c.amount).display()})
                    .to_string(),
                ),
                Value::from(format!("/expenses/{}", e.id)),
                Value::from(c.at),
                Value::from("expense"),
                Value::from(e.id),
            ]],
        )
        .await?;
    }
    if let Some(key) = c.receipt {
        store::insert_receipt(
            tx,
            store::NewReceipt {
                expense_id: e.id,
                version: 1,
                file_name: "发票.pdf".into(),
                content_type: "application/pdf".into(),
                size: RECEIPT.len() as i64,
                sha256: key.into(),
                added_by: Some(c.person),
                at: c.at,
            },
        )
        .await?;
    }
    Ok(())
}
