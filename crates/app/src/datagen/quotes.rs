//! `salesdesk gen --quotes N`: quotations (issue 13 point 2) on the deals already in the
//! database, as the use cases would have left them. Six deals in ten get quotations, walked by
//! id; three in ten of those have a first version rejected for a discount above the limit
//! (with the approver's comment) and a second one. The latest version's state follows the
//! deal: a won deal's was sent; an open deal's is a draft, pending approval (a discount above
//! the limit, waiting for the owner's manager), approved or sent. Lines are the deal's
//! products at a list price per unit of ¥200–¥1,200, 13 % tax (6 % now and then), amounts
//! computed by the domain's rounding rule; totals are the sums of the lines. Multi-row INSERTs,
//! one `gen.quotes` audit row.

use chrono::{DateTime, Duration, Utc};
use salesdesk_domain::Money;
use salesdesk_domain::quote::{self as rules, LineAmounts};
use salesdesk_store::bulk::{self, Row, Value};
use salesdesk_store::{audit, quotes as store};
use serde_json::json;

use super::{Progress, Rng, os, s};
use crate::{App, AppError, Ctx, Result};

/// What to generate.
#[derive(Debug, Clone)]
pub struct QuoteGenOptions {
    pub quotes: u64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteGenReport {
    pub quotes: u64,
    pub lines: u64,
    /// By state: draft, pending, approved, rejected, sent.
    pub by_state: Vec<(String, u64)>,
}

const QUOTE_COLUMNS: &[&str] = &[
    "id",
    "deal_id",
    "version",
    "state",
    "valid_until",
    "note",
    "list_fen",
    "net_fen",
    "tax_fen",
    "gross_fen",
    "max_discount_bp",
    "needs_approval",
    "approver_id",
    "submitted_by",
    "submitted_at",
    "decided_by",
    "decided_at",
    "decision_comment",
    "sent_by",
    "sent_at",
    "created_by",
    "created_at",
    "updated_at",
    "row_version",
];

const LINE_COLUMNS: &[&str] = &[
    "quote_id",
    "position",
    "product_code",
    "quantity",
    "list_price_fen",
    "discount_bp",
    "tax_bp",
    "list_fen",
    "net_fen",
    "tax_fen",
    "gross_fen",
];

const COMMENTS: &[&str] = &[
    "折扣过大，请控制在 15% 以内。",
    "请先说明竞争对手报价再申请。",
    "实施费用不能打折，请调整。",
];

/// Deals read per transaction.
const BATCH: u64 = 2_000;

struct Version<'a> {
    id: i64,
    deal: i64,
    version: i32,
    state: &'a str,
    discount: u32,
    owner: Option<i64>,
    approver: Option<i64>,
    at: DateTime<Utc>,
}

/// Generates up to `o.quotes` quotations (fewer when the deals run out).
pub async fn generate_quotes(
    app: &App,
    o: &QuoteGenOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<QuoteGenReport> {
    let limit = crate::quotes::settings(app).await?.discount_limit_bp;
    let managers: std::collections::HashMap<i64, Option<i64>> =
        store::managers(app.db.read()).await?.into_iter().collect();
    let now = app.config.clock.now();
    let mut next_id = bulk::max_id(app.db.read(), "quotes").await? + 1;
    let mut report = QuoteGenReport {
        by_state: ["draft", "pending", "approved", "rejected", "sent"]
            .iter()
            .map(|s| (s.to_string(), 0))
            .collect(),
        ..Default::default()
    };
    let mut after = 0i64;
    let mut any_deal = false;
    while report.quotes < o.quotes {
        let deals = store::deals_after(app.db.read(), after, BATCH).await?;
        let Some(last) = deals.last() else { break };
        after = last.0;
        any_deal = true;
        let ids: Vec<i64> = deals.iter().map(|d| d.0).collect();
        let all_lines = store::deal_lines_of(app.db.read(), &ids).await?;
        let mut quotes: Vec<Row> = Vec::new();
        let mut lines: Vec<Row> = Vec::new();
        for (deal, owner, deal_state, created) in deals {
            let mut r = Rng::for_item(o.seed, 14, deal as u64);
            if !r.chance(0.6) || report.quotes >= o.quotes {
                continue;
            }
            let deal_lines: Vec<&(i64, String, i64)> =
                all_lines.iter().filter(|l| l.0 == deal).collect();
            if deal_lines.is_empty() {
                continue;
            }
            let approver = owner.and_then(|o| managers.get(&o).copied().flatten());
            let mut versions = Vec::new();
            let start = created + Duration::days(1 + r.below(10) as i64);
            if r.chance(0.3) && report.quotes + 1 < o.quotes {
                versions.push(("rejected", limit + 500 + r.below(1500) as u32));
            }
            let last = match deal_state.as_str() {
                "won" | "lost" => ("sent", r.below(u64::from(limit) + 1) as u32),
                _ => match r.below(100) {
                    0..30 => ("draft", r.below(u64::from(limit) + 1) as u32),
                    30..45 => ("pending", limit + 100 + r.below(1500) as u32),
                    45..55 => ("approved", limit + 100 + r.below(1000) as u32),
                    _ => ("sent", r.below(u64::from(limit) + 1) as u32),
                },
            };
            versions.push(last);
            let prices: Vec<i64> = deal_lines
                .iter()
                .map(|_| (200 + r.below(1000) as i64) * 100)
                .collect();
            let tax = if r.chance(0.15) {
                600
            } else {
                rules::DEFAULT_TAX_RATE
            };
            for (i, (state, discount)) in versions.into_iter().enumerate() {
                let v = Version {
                    id: next_id,
                    deal,
                    version: i as i32 + 1,
                    state,
                    discount: discount.min(rules::FULL),
                    owner,
                    approver,
                    at: (start + Duration::days(3 * i as i64)).min(now),
                };
                next_id += 1;
                let mut amounts: Vec<LineAmounts> = Vec::new();
                for (k, (l, price)) in deal_lines.iter().zip(&prices).enumerate() {
                    let a = rules::line_amounts(Money::from_fen(*price), l.2, v.discount, tax)
                        .unwrap_or_default();
                    lines.push(vec![
                        Value::from(v.id),
                        Value::from(k as i32),
                        s(&l.1),
                        Value::from(l.2),
                        Value::from(*price),
                        Value::from(v.discount as i32),
                        Value::from(tax as i32),
                        Value::from(a.list.fen()),
                        Value::from(a.net.fen()),
                        Value::from(a.tax.fen()),
                        Value::from(a.gross.fen()),
                    ]);
                    amounts.push(a);
                    report.lines += 1;
                }
                let t = rules::totals(&amounts).unwrap_or_default();
                quotes.push(quote_row(&v, t, limit, &mut r));
                if let Some(b) = report.by_state.iter_mut().find(|b| b.0 == v.state) {
                    b.1 += 1;
                }
                report.quotes += 1;
            }
        }
        let tx = app.db.begin().await?;
        bulk::insert(&tx, "quotes", QUOTE_COLUMNS, quotes).await?;
        bulk::insert(&tx, "quote_lines", LINE_COLUMNS, lines).await?;
        app.db.commit(tx).await?;
        progress(Progress {
            done: report.quotes,
            total: o.quotes,
        });
    }
    if !any_deal {
        return Err(AppError::field("quotes", "error.gen_no_deals"));
    }
    let tx = app.db.begin().await?;
    bulk::sync_id_sequence(&tx, "quotes").await?;
    audit::insert(
        &tx,
        Ctx::system().audit(
            "gen.quotes",
            "quote",
            None,
            None,
            Some(json!({
                "seed": o.seed, "asked": o.quotes, "quotes": report.quotes, "lines": report.lines,
                "by_state": report.by_state.iter().map(|(s, n)| json!([s, n])).collect::<Vec<_>>(),
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    bulk::analyze_tables(app.db.read(), &["quotes", "quote_lines"]).await?;
    Ok(report)
}

fn quote_row(v: &Version<'_>, t: LineAmounts, limit: u32, r: &mut Rng) -> Row {
    let submitted = matches!(v.state, "pending" | "approved" | "rejected");
    let decided = matches!(v.state, "approved" | "rejected");
    let sent = v.state == "sent";
    let at = v.at;
    vec![
        Value::from(v.id),
        Value::from(v.deal),
        Value::from(v.version),
        s(v.state),
        Value::from((at + Duration::days(30)).date_naive()),
        os(None),
        Value::from(t.list.fen()),
        Value::from(t.net.fen()),
        Value::from(t.tax.fen()),
        Value::from(t.gross.fen()),
        Value::from(v.discount as i32),
        Value::from(rules::needs_approval(v.discount, limit)),
        Value::from(if submitted { v.approver } else { None }),
        Value::from(if submitted { v.owner } else { None }),
        Value::from(submitted.then(|| at + Duration::hours(2))),
        Value::from(if decided { v.approver } else { None }),
        Value::from(decided.then(|| at + Duration::hours(20))),
        os((v.state == "rejected").then(|| r.pick(COMMENTS).to_string())),
        Value::from(if sent { v.owner } else { None }),
        Value::from(sent.then(|| at + Duration::hours(24))),
        Value::from(v.owner),
        Value::from(at),
        Value::from(at + Duration::hours(24)),
        Value::from(2i32),
    ]
}
