//! `salesdesk gen --expenses N`: business expense claims (issue 14 point 1) by the generated
//! salespeople and their managers, spread over the twelve months before the as-of day, as the
//! use cases would have left them. Claims older than a month are approved (nine in ten; the
//! rest returned with a comment or, above the threshold, approved by the director too); the
//! last month's are approved, waiting for the manager, or — above the threshold — waiting for
//! the director. Each claim has its version 1 and its approval steps. Every top-level region
//! gets a budget for each month, quarter and year covered, sized so that a few months run
//! over. Multi-row INSERTs; the kept totals fill through the database's own triggers. One
//! `gen.expenses` audit row.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use salesdesk_domain::Position;
use salesdesk_domain::expense::{self as rules, Period, PeriodKind};
use salesdesk_store::bulk::{self, Row, Value};
use salesdesk_store::{audit, expenses as store, regions, users};
use serde_json::json;

use super::{Progress, Rng, s};
use crate::{App, AppError, Ctx, Result};

/// What to generate.
#[derive(Debug, Clone)]
pub struct ExpenseGenOptions {
    pub expenses: u64,
    pub seed: u64,
    /// The last day claims may fall on.
    pub as_of: NaiveDate,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpenseGenReport {
    pub expenses: u64,
    pub events: u64,
    pub budgets: u64,
    /// By state: pending_manager, pending_director, approved, returned.
    pub by_state: Vec<(String, u64)>,
}

const COLUMNS: &[&str] = &[
    "id",
    "claimant_id",
    "region_id",
    "category",
    "expense_date",
    "month",
    "amount_fen",
    "description",
    "state",
    "version",
    "needs_director",
    "approver_id",
    "submitted_at",
    "manager_by",
    "manager_at",
    "approved_by",
    "approved_at",
    "returned_by",
    "returned_at",
    "return_comment",
    "created_at",
    "updated_at",
];

const VERSION_COLUMNS: &[&str] = &[
    "expense_id",
    "version",
    "category",
    "expense_date",
    "amount_fen",
    "description",
    "created_by",
    "created_at",
];

const EVENT_COLUMNS: &[&str] = &[
    "expense_id",
    "version",
    "action",
    "actor_id",
    "from_state",
    "to_state",
    "comment",
    "at",
];

const CATEGORIES: &[&str] = &[
    "travel",
    "travel",
    "travel",
    "entertainment",
    "entertainment",
    "gifts",
    "samples",
    "bidding",
    "other",
];

const WHAT: &[&str] = &[
    "拜访客户差旅",
    "客户工作餐",
    "项目启动会",
    "行业展会",
    "节日礼品",
    "演示样机寄送",
    "投标文件制作",
    "售前技术交流",
];

const RETURNED: &[&str] = &[
    "请补充发票。",
    "金额与发票不符，请核对。",
    "请注明拜访的客户。",
];

/// Claims per transaction.
const BATCH: u64 = 5_000;

/// Generates `o.expenses` claims.
pub async fn generate_expenses(
    app: &App,
    o: &ExpenseGenOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ExpenseGenReport> {
    let positions: Vec<&str> = Position::ALL.iter().map(|p| p.as_str()).collect();
    let people = users::active_with_positions(app.db.read(), &positions).await?;
    let director = people
        .iter()
        .find(|p| p.position.as_deref() == Some(Position::SalesDirector.as_str()))
        .map(|p| p.id);
    let claimants: Vec<&users::User> = people.iter().filter(|p| p.manager_id.is_some()).collect();
    if claimants.is_empty() {
        return Err(AppError::field("expenses", "error.gen_no_people"));
    }
    let threshold = crate::expenses::settings(app).await?.threshold_fen;
    let tz = app.config.time_zone;
    let mut next_id = bulk::max_id(app.db.read(), "expenses").await? + 1;
    let mut report = ExpenseGenReport {
        by_state: [
            "pending_manager",
            "pending_director",
            "approved",
            "returned",
        ]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect(),
        ..Default::default()
    };
    let first_day = o.as_of - Duration::days(364);
    let mut done = 0u64;
    while done < o.expenses {
        let n = BATCH.min(o.expenses - done);
        let (mut rows, mut versions, mut events): (Vec<Row>, Vec<Row>, Vec<Row>) =
            (Vec::new(), Vec::new(), Vec::new());
        for i in done..done + n {
            let mut r = Rng::for_item(o.seed, 21, i);
            let who = claimants[(i % claimants.len() as u64) as usize];
            let Some(manager) = who.manager_id else {
                continue;
            };
            let date = first_day + Duration::days(r.below(365) as i64);
            let category = *r.pick(CATEGORIES);
            // ¥50–¥3,000 mostly, one in twenty ¥5,000–¥20,000.
            let amount = if r.chance(0.05) {
                (5_000 + r.below(15_000) as i64) * 100
            } else {
                (50 + r.below(2_950) as i64) * 100 + r.below(100) as i64
            };
            let needs_director = amount > threshold && Some(manager) != director;
            let recent = (o.as_of - date).num_days() < 30;
            let state = match (recent, r.below(100)) {
                (false, 0..4) => "returned",
                (false, _) => "approved",
                (true, 0..40) if needs_director => "pending_director",
                (true, 0..40) => "pending_manager",
                (true, 40..45) => "returned",
                (true, _) => "approved",
            };
            let at = tz
                .from_local_datetime(
                    &date
                        .and_hms_opt(9 + r.below(10) as u32, 0, 0)
                        .unwrap_or_default(),
                )
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default();
            let decided = at + Duration::hours(4 + r.below(40) as i64);
            let id = next_id;
            next_id += 1;
            let approved = state == "approved";
            let final_by = if needs_director {
                director
            } else {
                Some(manager)
            };
            let manager_done = approved || state == "pending_director";
            let comment = (state == "returned").then(|| r.pick(RETURNED).to_string());
            let what = *r.pick(WHAT);
            rows.push(vec![
                Value::from(id),
                Value::from(who.id),
                Value::from(who.region_id),
                s(category),
                Value::from(date),
                Value::from(rules::month_key(date)),
                Value::from(amount),
                s(what),
                s(state),
                Value::from(1i32),
                Value::from(needs_director),
                Value::from(match state {
                    "pending_manager" => Some(manager),
                    "pending_director" => director,
                    _ => None,
                }),
                Value::from(at),
                Value::from(manager_done.then_some(manager)),
                Value::from(manager_done.then_some(decided)),
                Value::from(if approved { final_by } else { None }),
                Value::from(approved.then(|| decided + Duration::hours(2))),
                Value::from((state == "returned").then_some(manager)),
                Value::from((state == "returned").then_some(decided)),
                Value::from(comment.clone()),
                Value::from(at),
                Value::from(decided),
            ]);
            versions.push(vec![
                Value::from(id),
                Value::from(1i32),
                s(category),
                Value::from(date),
                Value::from(amount),
                s(what),
                Value::from(who.id),
                Value::from(at),
            ]);
            let mut ev = |action: &str,
                          actor: Option<i64>,
                          from: Option<&str>,
                          to: &str,
                          c: Option<String>,
                          t| {
                events.push(vec![
                    Value::from(id),
                    Value::from(1i32),
                    s(action),
                    Value::from(actor),
                    Value::from(from.map(str::to_string)),
                    s(to),
                    Value::from(c),
                    Value::from(t),
                ]);
            };
            ev("submit", Some(who.id), None, "pending_manager", None, at);
            match state {
                "approved" if needs_director => {
                    ev(
                        "approve",
                        Some(manager),
                        Some("pending_manager"),
                        "pending_director",
                        None,
                        decided,
                    );
                    ev(
                        "approve",
                        director,
                        Some("pending_director"),
                        "approved",
                        None,
                        decided + Duration::hours(2),
                    );
                }
                "approved" => ev(
                    "approve",
                    Some(manager),
                    Some("pending_manager"),
                    "approved",
                    None,
                    decided,
                ),
                "pending_director" => ev(
                    "approve",
                    Some(manager),
                    Some("pending_manager"),
                    "pending_director",
                    None,
                    decided,
                ),
                "returned" => ev(
                    "return",
                    Some(manager),
                    Some("pending_manager"),
                    "returned",
                    comment,
                    decided,
                ),
                _ => {}
            }
            if let Some(b) = report.by_state.iter_mut().find(|b| b.0 == state) {
                b.1 += 1;
            }
            report.expenses += 1;
        }
        report.events += events.len() as u64;
        let tx = app.db.begin().await?;
        bulk::insert(&tx, "expenses", COLUMNS, rows).await?;
        bulk::insert(&tx, "expense_versions", VERSION_COLUMNS, versions).await?;
        bulk::insert(&tx, "expense_events", EVENT_COLUMNS, events).await?;
        app.db.commit(tx).await?;
        done += n;
        progress(Progress {
            done,
            total: o.expenses,
        });
    }
    // Budgets: each top-level region, every month, quarter and year the claims touch, about
    // what a region spends in a month (so that some months run over).
    let tops: Vec<i64> = regions::list(app.db.read())
        .await?
        .into_iter()
        .filter(|r| r.parent_id.is_none())
        .map(|r| r.id)
        .collect();
    let per_region_month =
        (o.expenses as i64 * 1_600 * 100 / 12 / tops.len().max(1) as i64).max(100_000);
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    for (k, region) in tops.iter().enumerate() {
        let mut m = Period::containing(PeriodKind::Month, first_day).start;
        while m <= o.as_of {
            let mut r = Rng::for_item(
                o.seed,
                22,
                (k as u64) << 20 | m.month() as u64 | (m.year() as u64) << 4,
            );
            let month = per_region_month * (90 + r.below(25) as i64) / 100;
            store::set_budget(&tx, *region, "month", m, month, director, now).await?;
            report.budgets += 1;
            for kind in [PeriodKind::Quarter, PeriodKind::Year] {
                let p = Period::containing(kind, m);
                if p.start == m {
                    let months = if kind == PeriodKind::Year { 12 } else { 3 };
                    store::set_budget(
                        &tx,
                        *region,
                        kind.as_str(),
                        m,
                        per_region_month * months,
                        director,
                        now,
                    )
                    .await?;
                    report.budgets += 1;
                }
            }
            m = m
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(o.as_of + Duration::days(1));
        }
    }
    bulk::sync_id_sequence(&tx, "expenses").await?;
    audit::insert(
        &tx,
        Ctx::system().audit(
            "gen.expenses",
            "expense",
            None,
            None,
            Some(json!({
                "seed": o.seed, "asked": o.expenses, "expenses": report.expenses,
                "events": report.events, "budgets": report.budgets,
                "by_state": report.by_state.iter().map(|(s, n)| json!([s, n])).collect::<Vec<_>>(),
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    // PostgreSQL: the load's deltas folded once, so the first budget page reads the totals.
    let tx = app.db.begin().await?;
    store::fold_totals(&tx).await?;
    app.db.commit(tx).await?;
    bulk::analyze_tables(
        app.db.read(),
        &[
            "expenses",
            "expense_versions",
            "expense_events",
            "expense_totals",
            "expense_budgets",
        ],
    )
    .await?;
    Ok(report)
}
