//! The demo's quotations (issue 13 point 2): the company name and discount limit on the
//! settings, and quotations on the open deals in the quotation and negotiation stages, walked
//! in order — one sent within the limit, one rejected for too deep a discount whose second
//! version waits in the owner's manager's queue (with the notification), one draft — and a
//! sent one on every second won deal. Prices per user from the products' list below;
//! deterministic.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use salesdesk_domain::Money;
use salesdesk_domain::quote::{self as rules, DEFAULT_TAX_RATE};
use salesdesk_store::Tx;
use salesdesk_store::bulk::{self, Value};
use salesdesk_store::deals as dstore;
use salesdesk_store::quotes::{self as store, NewLine, Quote};
use salesdesk_store::users;
use serde_json::json;

use crate::Result;

/// The demo company's name on printed quotations.
pub const COMPANY: &str = "华信协同软件有限公司";

/// List price per user, tax excluded, by product code (fen).
fn price_of(code: &str) -> i64 {
    match code {
        "eoffice-pro" => 68_000,
        _ => 38_000,
    }
}

/// What a quotation of the demo is: (state, discount in basis points).
type Plan = (&'static str, u32);

async fn add(
    tx: &Tx,
    deal: &dstore::Deal,
    version: i32,
    plan: Plan,
    at: DateTime<Utc>,
    approver: Option<i64>,
    comment: Option<&str>,
) -> Result<Quote> {
    let (state, discount) = plan;
    let lines: Vec<NewLine> = dstore::lines(tx, deal.id)
        .await?
        .into_iter()
        .filter_map(|l| {
            let price = Money::from_fen(price_of(&l.product_code));
            let a = rules::line_amounts(price, l.quantity, discount, DEFAULT_TAX_RATE)?;
            Some(NewLine {
                product_code: l.product_code,
                quantity: l.quantity,
                list_price_fen: price.fen(),
                discount_bp: i32::try_from(discount).unwrap_or(0),
                tax_bp: i32::try_from(DEFAULT_TAX_RATE).unwrap_or(0),
                list_fen: a.list.fen(),
                net_fen: a.net.fen(),
                tax_fen: a.tax.fen(),
                gross_fen: a.gross.fen(),
            })
        })
        .collect();
    let sum = |f: fn(&NewLine) -> i64| lines.iter().map(f).sum::<i64>();
    let submitted = matches!(state, "pending" | "approved" | "rejected")
        || (state == "sent" && discount > rules::DEFAULT_DISCOUNT_LIMIT);
    let decided = matches!(state, "approved" | "rejected")
        || (state == "sent" && discount > rules::DEFAULT_DISCOUNT_LIMIT);
    let q = store::insert_row(
        tx,
        Quote {
            id: 0,
            deal_id: deal.id,
            version,
            state: state.into(),
            valid_until: (at + Duration::days(30)).date_naive(),
            note: (version == 1).then(|| "含一年免费升级与远程支持。".to_string()),
            list_fen: sum(|l| l.list_fen),
            net_fen: sum(|l| l.net_fen),
            tax_fen: sum(|l| l.tax_fen),
            gross_fen: sum(|l| l.gross_fen),
            max_discount_bp: i32::try_from(discount).unwrap_or(0),
            needs_approval: rules::needs_approval(discount, rules::DEFAULT_DISCOUNT_LIMIT),
            approver_id: if submitted { approver } else { None },
            submitted_by: submitted.then_some(deal.owner_id).flatten(),
            submitted_at: submitted.then_some(at + Duration::hours(1)),
            decided_by: if decided { approver } else { None },
            decided_at: decided.then_some(at + Duration::hours(5)),
            decision_comment: (state == "rejected")
                .then(|| comment.unwrap_or_default().to_string()),
            sent_by: (state == "sent").then_some(deal.owner_id).flatten(),
            sent_at: (state == "sent").then_some(at + Duration::hours(6)),
            created_by: deal.owner_id,
            created_at: at,
            updated_at: at + Duration::hours(6),
            row_version: 2,
        },
    )
    .await?;
    store::set_lines(tx, q.id, &lines).await?;
    Ok(q)
}

pub async fn seed(tx: &Tx, now: DateTime<Utc>, _tz: Tz) -> Result<()> {
    salesdesk_store::settings::put(
        tx,
        "quotes",
        &json!({"company_name": COMPANY, "discount_limit_bp": rules::DEFAULT_DISCOUNT_LIMIT,
                "validity_days": rules::DEFAULT_VALIDITY_DAYS})
        .to_string(),
        None,
    )
    .await?;
    let stages = dstore::stages(tx).await?;
    let stage_id = |code: &str| stages.iter().find(|s| s.code == code).map(|s| s.id);
    let (quoting, negotiating, won) = (
        stage_id("quotation"),
        stage_id("negotiation"),
        stage_id("won"),
    );
    let deals = dstore::list(
        tx,
        &dstore::DealFilter::default(),
        &salesdesk_store::customers::Visible::All,
        salesdesk_store::Page::new(Some(1), Some(200)),
    )
    .await?
    .items;
    let mut k = 0usize;
    let mut w = 0usize;
    // Oldest first, so that the walk is the same on every load.
    let mut deals = deals;
    deals.sort_by_key(|d| d.id);
    for d in &deals {
        let Some(owner) = d.owner_id else { continue };
        let approver = users::get(tx, owner).await?.and_then(|u| u.manager_id);
        let at = now - Duration::days(2 + (d.id % 9)) - Duration::hours(d.id % 7);
        if Some(d.stage_id) == won {
            if w.is_multiple_of(2) {
                add(
                    tx,
                    d,
                    1,
                    ("sent", 500),
                    at - Duration::days(20),
                    approver,
                    None,
                )
                .await?;
            }
            w += 1;
            continue;
        }
        if Some(d.stage_id) != quoting && Some(d.stage_id) != negotiating {
            continue;
        }
        match k % 3 {
            0 => {
                add(tx, d, 1, ("sent", 800), at, approver, None).await?;
            }
            1 => {
                add(
                    tx,
                    d,
                    1,
                    ("rejected", 2500),
                    at - Duration::days(3),
                    approver,
                    Some("折扣过大，请控制在 15% 以内并说明竞争情况。"),
                )
                .await?;
                let q = add(tx, d, 2, ("pending", 1500), at, approver, None).await?;
                if let Some(a) = approver {
                    let who = users::get(tx, owner)
                        .await?
                        .map(|u| u.display_name)
                        .unwrap_or_default();
                    let customer = salesdesk_store::customers::names(tx, &[d.customer_id])
                        .await?
                        .into_iter()
                        .next()
                        .map(|x| x.1)
                        .unwrap_or_default();
                    // Dated when it was submitted (not the load's clock), so two loads match.
                    bulk::insert(
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
                            Value::from("quote_submitted"),
                            Value::from(
                                json!({"who": who, "customer": customer, "deal": d.name,
                                       "version": 2, "comment": ""})
                                .to_string(),
                            ),
                            Value::from(format!("/quotes/{}", q.id)),
                            Value::from(q.submitted_at),
                            Value::from("quote"),
                            Value::from(q.id),
                        ]],
                    )
                    .await?;
                }
            }
            _ => {
                add(tx, d, 1, ("draft", 500), at, approver, None).await?;
            }
        }
        k += 1;
    }
    Ok(())
}
