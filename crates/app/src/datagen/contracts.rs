//! `salesdesk gen --contracts N`: contracts (issue 13) on the signed customers already in the
//! database — a signed customer is one that has a contract — as the use cases would have left
//! them: signed, in delivery or completed in the past year (a few pending approval, drafts and
//! cancelled ones), one to three product lines priced with discount and VAT, both totals kept,
//! and for most contracts in force an invoice (a completed one invoiced in full), a payment
//! plan and payments allocated to it ([`super::collections`]).
//!
//! The owner and region are the customer's; customers without an owner are skipped. One or two
//! contracts per signed customer, walked by id. Rows go in as multi-row INSERTs with one
//! `gen.contracts` audit row for the run.

use chrono::Duration;
use salesdesk_domain::Money;
use salesdesk_domain::contract::{self as rules, ContractStatus};
use salesdesk_store::bulk::{self, Row, Value};
use salesdesk_store::{audit, contracts as store};
use serde_json::json;

use super::collections::{PlanFor, Plans};
use super::{Progress, Rng, os, s};
use crate::{App, AppError, Ctx, Result};

/// What to generate.
#[derive(Debug, Clone)]
pub struct ContractGenOptions {
    pub contracts: u64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractGenReport {
    pub contracts: u64,
    pub invoices: u64,
    /// Instalments of the contracts in force.
    pub instalments: u64,
    /// Payments allocated to them.
    pub payments: u64,
    /// By status code.
    pub by_status: Vec<(String, u64)>,
}

const CONTRACT_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "deal_id",
    "title",
    "owner_id",
    "region_id",
    "partner_id",
    "signing_date",
    "signing_month",
    "status",
    "total_fen",
    "total_excl_fen",
    "invoiced_fen",
    "signed_at",
    "signed_by",
    "approved_at",
    "approved_by",
    "reason",
    "cancelled_at",
    "created_by",
    "created_at",
    "updated_at",
    "version",
];

const LINE_COLUMNS: &[&str] = &[
    "contract_id",
    "product_code",
    "quantity",
    "unit_price_fen",
    "discount_bp",
    "tax_rate_bp",
    "amount_fen",
    "amount_excl_fen",
    "position",
];

const INVOICE_COLUMNS: &[&str] = &[
    "contract_id",
    "number",
    "kind",
    "issue_date",
    "issue_month",
    "amount_fen",
    "amount_excl_fen",
    "created_by",
    "created_at",
];

const TITLES: &[&str] = &[
    "协同办公平台采购合同",
    "移动办公升级合同",
    "公文流转系统建设合同",
    "集团门户实施合同",
    "年度软件维护合同",
];

/// (status, weight): mostly in force.
const STATUSES: [(u32, ContractStatus); 6] = [
    (40, ContractStatus::Signed),
    (25, ContractStatus::InDelivery),
    (25, ContractStatus::Completed),
    (3, ContractStatus::PendingApproval),
    (4, ContractStatus::Draft),
    (3, ContractStatus::Cancelled),
];

/// Signed customers read per transaction.
const BATCH: u64 = 2_000;

/// Generates up to `o.contracts` contracts (fewer when the owned signed customers run out).
pub async fn generate_contracts(
    app: &App,
    o: &ContractGenOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ContractGenReport> {
    let products: Vec<String> = crate::products::active(app)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    if products.is_empty() {
        return Err(AppError::field("contracts", "error.contract_no_lines"));
    }
    let tz = app.config.time_zone;
    let now = app.config.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let mut next_id = bulk::max_id(app.db.read(), "contracts").await? + 1;
    let mut next_invoice = bulk::max_id(app.db.read(), "invoices").await? + 1;
    let mut plans = Plans::new(app.db.read()).await?;
    let mut report = ContractGenReport {
        by_status: STATUSES
            .iter()
            .map(|(_, st)| (st.as_str().to_string(), 0))
            .collect(),
        ..Default::default()
    };
    let mut after = 0i64;
    let mut any_customer = false;
    while report.contracts < o.contracts {
        let customers = store::customers_in_status(app.db.read(), "signed", after, BATCH).await?;
        let Some(last) = customers.last() else { break };
        after = last.0;
        any_customer = true;
        let mut contracts: Vec<Row> = Vec::new();
        let mut lines: Vec<Row> = Vec::new();
        let mut invoices: Vec<Row> = Vec::new();
        for (cid, owner, region) in customers {
            let Some(owner) = owner else { continue };
            let mut r = Rng::for_item(o.seed, 14, cid as u64);
            let count = if r.chance(0.3) { 2 } else { 1 };
            for _ in 0..count {
                if report.contracts >= o.contracts {
                    break;
                }
                let id = next_id;
                next_id += 1;
                let status = *r.weighted(&STATUSES);
                let days_ago = 1 + r.below(360) as i64;
                let signing_date = today - Duration::days(days_ago);
                let at = now - Duration::days(days_ago);
                let mut total = 0i64;
                let mut total_excl = 0i64;
                let n_lines = 1 + r.below(3) as usize;
                let start = r.below(products.len() as u64) as usize;
                for k in 0..n_lines.min(products.len()) {
                    let qty = 1 + r.below(200) as i64;
                    let price = (500 + r.below(5_000) as i64) * 100;
                    let discount = [0, 0, 500, 1000][r.below(4) as usize];
                    let tax = if r.chance(0.8) { 1300 } else { 600 };
                    let (a, e) = rules::line_amounts(Money::from_fen(price), qty, discount, tax)
                        .unwrap_or_default();
                    total += a.fen();
                    total_excl += e.fen();
                    lines.push(vec![
                        Value::from(id),
                        s(&products[(start + k) % products.len()]),
                        Value::from(qty),
                        Value::from(price),
                        Value::from(discount),
                        Value::from(tax),
                        Value::from(a.fen()),
                        Value::from(e.fen()),
                        Value::from(k as i32),
                    ]);
                }
                let in_force = status.counts_as_signed();
                let invoiced = if !in_force || r.chance(0.3) {
                    0
                } else if status == ContractStatus::Completed {
                    total
                } else {
                    total / 2
                };
                let signed = status != ContractStatus::Draft;
                contracts.push(vec![
                    Value::from(id),
                    Value::from(cid),
                    Value::from(Option::<i64>::None),
                    s(r.pick::<&str>(TITLES)),
                    Value::from(Some(owner)),
                    Value::from(region),
                    Value::from(Option::<i64>::None),
                    Value::from(signing_date),
                    Value::from(rules::month_key(signing_date)),
                    s(status.as_str()),
                    Value::from(total),
                    Value::from(total_excl),
                    Value::from(invoiced),
                    Value::from(signed.then_some(at)),
                    Value::from(signed.then_some(owner)),
                    Value::from(Option::<chrono::DateTime<chrono::Utc>>::None),
                    Value::from(Option::<i64>::None),
                    os((status == ContractStatus::Cancelled).then(|| "客户取消采购".to_string())),
                    Value::from((status == ContractStatus::Cancelled).then_some(at)),
                    Value::from(Some(owner)),
                    Value::from(at - Duration::days(2)),
                    Value::from(at),
                    Value::from(2i32),
                ]);
                if invoiced > 0 {
                    let issued = (signing_date + Duration::days(7)).min(today);
                    invoices.push(vec![
                        Value::from(id),
                        s(&format!("{:012}", 440_000_000_000i64 + next_invoice)),
                        s(if r.chance(0.4) { "special" } else { "normal" }),
                        Value::from(issued),
                        Value::from(rules::month_key(issued)),
                        Value::from(invoiced),
                        Value::from(
                            rules::invoice_excl(
                                Money::from_fen(invoiced),
                                Money::from_fen(total),
                                Money::from_fen(total_excl),
                            )
                            .fen(),
                        ),
                        Value::from(Some(owner)),
                        Value::from(at),
                    ]);
                    next_invoice += 1;
                    report.invoices += 1;
                }
                plans.add(
                    &PlanFor {
                        id,
                        status,
                        total_fen: total,
                        total_excl_fen: total_excl,
                        signing_date,
                        owner,
                        at,
                    },
                    today,
                    &mut r,
                );
                if let Some(b) = report.by_status.iter_mut().find(|b| b.0 == status.as_str()) {
                    b.1 += 1;
                }
                report.contracts += 1;
            }
        }
        let tx = app.db.begin().await?;
        bulk::insert(&tx, "contracts", CONTRACT_COLUMNS, contracts).await?;
        bulk::insert(&tx, "contract_lines", LINE_COLUMNS, lines).await?;
        bulk::insert(&tx, "invoices", INVOICE_COLUMNS, invoices).await?;
        plans.insert(&tx).await?;
        app.db.commit(tx).await?;
        progress(Progress {
            done: report.contracts,
            total: o.contracts,
        });
    }
    if !any_customer {
        return Err(AppError::field("contracts", "error.gen_no_signed"));
    }
    let tx = app.db.begin().await?;
    bulk::sync_id_sequence(&tx, "contracts").await?;
    Plans::sync_ids(&tx).await?;
    report.instalments = plans.instalment_count;
    report.payments = plans.payment_count;
    audit::insert(
        &tx,
        Ctx::system().audit(
            "gen.contracts",
            "contract",
            None,
            None,
            Some(json!({
                "seed": o.seed, "asked": o.contracts, "contracts": report.contracts,
                "invoices": report.invoices, "instalments": report.instalments,
                "payments": report.payments,
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    // PostgreSQL appended what each customer owes and the open amounts per day as deltas
    // (m0055, m0056): folded now, not by the first person to open the receivables.
    let tx = app.db.begin().await?;
    salesdesk_store::collections::fold_receivable_deltas(&tx).await?;
    app.db.commit(tx).await?;
    bulk::analyze_tables(
        app.db.read(),
        &[
            "customer_receivables",
            "receivable_days",
            "contracts",
            "contract_lines",
            "invoices",
            "instalments",
            "payments",
            "payment_allocations",
        ],
    )
    .await?;
    Ok(report)
}
