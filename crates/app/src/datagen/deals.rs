//! `salesdesk gen --deals N`: deals (issue 13) on the potential customers already in the
//! database, as the use cases would have left them — in every stage of the administrator's
//! list (open ones more often, early stages most), expected to sign over the twelve months
//! from now, some won in the past months (`won_at`, `won_month` in the company's zone), some
//! lost with a reason and sometimes the competitor. Each has one or two product lines from the
//! active products and its stage history (created in the first open stage, then moved).
//!
//! The owner and region are the customer's; customers without an owner are skipped. One or two
//! deals per potential customer, walked by id. Rows go in as multi-row INSERTs with one
//! `gen.deals` audit row for the run.

use chrono::{DateTime, Duration, Months, Utc};
use salesdesk_domain::deal::{LOST_REASONS, Month};
use salesdesk_store::bulk::{self, Row, Value};
use salesdesk_store::{audit, deals as store};
use serde_json::json;

use super::{Progress, Rng, os, s};
use crate::{App, AppError, Ctx, Result};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DealGenOptions {
    pub deals: u64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealGenReport {
    pub deals: u64,
    /// By stage code, in board order.
    pub by_stage: Vec<(String, u64)>,
}

const DEAL_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "name",
    "owner_id",
    "region_id",
    "amount_fen",
    "expected_sign_date",
    "expected_month",
    "stage_id",
    "state",
    "probability",
    "competitors",
    "lost_reason",
    "lost_to",
    "lost_note",
    "won_at",
    "won_month",
    "closed_at",
    "created_by",
    "created_at",
    "updated_at",
    "version",
];

const LINE_COLUMNS: &[&str] = &["deal_id", "product_code", "quantity", "position"];

const HISTORY_COLUMNS: &[&str] = &[
    "deal_id",
    "action",
    "from_stage_id",
    "to_stage_id",
    "probability",
    "amount_fen",
    "lost_reason",
    "lost_to",
    "note",
    "actor_id",
    "at",
];

/// Names of deals (what office software a customer negotiates over); the demo's too.
pub const NAMES: &[&str] = &[
    "OA 协同办公平台",
    "移动办公升级",
    "公文流转系统",
    "合同管理模块",
    "集团门户建设",
    "费用报销流程",
    "人事考勤集成",
    "知识文档中心",
    "分子公司推广",
    "信创适配改造",
];

const COMPETITORS: &[&str] = &["泛微", "致远", "蓝凌", "钉钉", "企业微信"];

/// Potential customers read per transaction.
const BATCH: u64 = 2_000;

/// Generates up to `o.deals` deals (fewer when the owned potential customers run out).
pub async fn generate_deals(
    app: &App,
    o: &DealGenOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<DealGenReport> {
    let stages = crate::deals::stages(app).await?;
    let open: Vec<_> = stages
        .iter()
        .filter(|s| s.active && s.kind == "open")
        .collect();
    let won = stages.iter().find(|s| s.kind == "won");
    let lost = stages.iter().find(|s| s.kind == "lost");
    let (Some(first), Some(won), Some(lost)) = (open.first(), won, lost) else {
        return Err(AppError::field("deals", "error.deal_no_open_stage"));
    };
    let products: Vec<String> = crate::products::active(app)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let tz = app.config.time_zone;
    let now = app.config.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let mut next_id = bulk::max_id(app.db.read(), "deals").await? + 1;
    let mut report = DealGenReport {
        by_stage: stages.iter().map(|s| (s.code.clone(), 0)).collect(),
        ..Default::default()
    };
    let mut after = 0i64;
    let mut any_customer = false;
    while report.deals < o.deals {
        let customers = store::potential_customers(app.db.read(), after, BATCH).await?;
        let Some(last) = customers.last() else { break };
        after = last.0;
        any_customer = true;
        let mut deals: Vec<Row> = Vec::new();
        let mut lines: Vec<Row> = Vec::new();
        let mut history: Vec<Row> = Vec::new();
        for (cid, owner, region) in customers {
            let Some(owner) = owner else { continue };
            let mut r = Rng::for_item(o.seed, 13, cid as u64);
            let count = if r.chance(0.3) { 2 } else { 1 };
            for _ in 0..count {
                if report.deals >= o.deals {
                    break;
                }
                let id = next_id;
                next_id += 1;
                // 70 % open (earlier stages likelier), 18 % won, 12 % lost.
                let x = r.below(100);
                let stage = if x < 70 {
                    let i = (r.below(100) * r.below(100) / 100) as usize * open.len() / 100;
                    open[i.min(open.len() - 1)]
                } else if x < 88 {
                    won
                } else {
                    lost
                };
                let amount_fen = (20_000 + r.below(2_000_000) as i64) * 100;
                let created = now - Duration::days(5 + r.below(300) as i64);
                let (expected, won_at, closed_at) = match stage.kind.as_str() {
                    "won" => {
                        let at = now - Duration::minutes(60 + r.below(300 * 24 * 60) as i64);
                        let at = at.max(created);
                        (at.with_timezone(&tz).date_naive(), Some(at), Some(at))
                    }
                    "lost" => {
                        let at = (now - Duration::days(r.below(200) as i64)).max(created);
                        (at.with_timezone(&tz).date_naive(), None, Some(at))
                    }
                    _ => (
                        today
                            .checked_add_months(Months::new(r.below(12) as u32))
                            .unwrap_or(today)
                            + Duration::days(r.below(28) as i64),
                        None,
                        None,
                    ),
                };
                let lost_reason = (stage.kind == "lost").then(|| r.pick(&LOST_REASONS).to_string());
                let lost_to = lost_reason
                    .as_ref()
                    .filter(|_| r.chance(0.6))
                    .map(|_| r.pick(COMPETITORS).to_string());
                let updated: DateTime<Utc> = closed_at.unwrap_or(created + Duration::days(2));
                deals.push(vec![
                    Value::from(id),
                    Value::from(cid),
                    s(r.pick::<&str>(NAMES)),
                    Value::from(Some(owner)),
                    Value::from(region),
                    Value::from(amount_fen),
                    Value::from(expected),
                    Value::from(Month::of(expected).key()),
                    Value::from(stage.id),
                    s(&stage.kind),
                    Value::from(stage.probability),
                    os(r.chance(0.5).then(|| r.pick(COMPETITORS).to_string())),
                    os(lost_reason.clone()),
                    os(lost_to.clone()),
                    os(None),
                    Value::from(won_at),
                    Value::from(won_at.map(|w| Month::of_instant(w, &tz).key())),
                    Value::from(closed_at),
                    Value::from(Some(owner)),
                    Value::from(created),
                    Value::from(updated),
                    Value::from(if stage.id == first.id { 1i32 } else { 2i32 }),
                ]);
                if !products.is_empty() {
                    let n = if r.chance(0.3) && products.len() > 1 {
                        2
                    } else {
                        1
                    };
                    let start = r.below(products.len() as u64) as usize;
                    for k in 0..n {
                        lines.push(vec![
                            Value::from(id),
                            s(&products[(start + k) % products.len()]),
                            Value::from(5 + r.below(500) as i64),
                            Value::from(k as i32),
                        ]);
                    }
                }
                history.push(vec![
                    Value::from(id),
                    s("create"),
                    Value::from(Option::<i64>::None),
                    Value::from(first.id),
                    Value::from(first.probability),
                    Value::from(amount_fen),
                    os(None),
                    os(None),
                    os(None),
                    Value::from(Some(owner)),
                    Value::from(created),
                ]);
                if stage.id != first.id {
                    let action = match stage.kind.as_str() {
                        "won" => "won",
                        "lost" => "lost",
                        _ => "move",
                    };
                    history.push(vec![
                        Value::from(id),
                        s(action),
                        Value::from(Some(first.id)),
                        Value::from(stage.id),
                        Value::from(stage.probability),
                        Value::from(amount_fen),
                        os(lost_reason),
                        os(lost_to),
                        os(None),
                        Value::from(Some(owner)),
                        Value::from(updated),
                    ]);
                }
                if let Some(b) = report.by_stage.iter_mut().find(|b| b.0 == stage.code) {
                    b.1 += 1;
                }
                report.deals += 1;
            }
        }
        let tx = app.db.begin().await?;
        bulk::insert(&tx, "deals", DEAL_COLUMNS, deals).await?;
        bulk::insert(&tx, "deal_lines", LINE_COLUMNS, lines).await?;
        bulk::insert(&tx, "deal_stage_history", HISTORY_COLUMNS, history).await?;
        app.db.commit(tx).await?;
        progress(Progress {
            done: report.deals,
            total: o.deals,
        });
    }
    if !any_customer {
        return Err(AppError::field("deals", "error.gen_no_potential"));
    }
    let tx = app.db.begin().await?;
    bulk::sync_id_sequence(&tx, "deals").await?;
    audit::insert(
        &tx,
        Ctx::system().audit(
            "gen.deals",
            "deal",
            None,
            None,
            Some(json!({
                "seed": o.seed, "asked": o.deals, "deals": report.deals,
                "by_stage": report.by_stage.iter().map(|(s, n)| json!([s, n])).collect::<Vec<_>>(),
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    // PostgreSQL appended the board's totals as deltas (m0053): folded now, not by the first
    // person to open the board.
    let tx = app.db.begin().await?;
    salesdesk_store::deals::fold_board_deltas(&tx).await?;
    app.db.commit(tx).await?;
    bulk::analyze_tables(
        app.db.read(),
        &[
            "deals",
            "deal_lines",
            "deal_stage_history",
            "deal_board_totals",
        ],
    )
    .await?;
    Ok(report)
}
