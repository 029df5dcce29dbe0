//! The demo's contracts (issue 13): a contract for each of the demo's won deals (prefilled
//! from the deal, as the page does) and for a few dozen of its signed customers — signed, in
//! delivery, completed, one or two waiting for the director's approval, a draft or two — some
//! with invoices and a scanned PDF. The won deals' customers become signed, recorded in their
//! status history as the system transition a signed contract makes. Deterministic; dated
//! relative to `now`.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use salesdesk_domain::Money;
use salesdesk_domain::contract::{self as rules, ContractStatus, InvoiceKind};
use salesdesk_store::Tx;
use salesdesk_store::contracts::{self as store, Contract, Invoice};

use crate::Result;
use crate::attachments::Attachments;

/// Products of the demo's list (`trial_setup`) and their tax-inclusive unit prices (yuan).
const PRICES: [(&str, i64); 3] = [
    ("eoffice-std", 980),
    ("eoffice-pro", 1_680),
    ("mobile", 26_000),
];

/// The statuses of the signed customers' contracts, in turn.
const PLAN: [ContractStatus; 6] = [
    ContractStatus::Completed,
    ContractStatus::InDelivery,
    ContractStatus::Signed,
    ContractStatus::Completed,
    ContractStatus::InDelivery,
    ContractStatus::Signed,
];

/// A one-page PDF standing for a scanned contract.
const SCAN: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

struct Plan {
    customer_id: i64,
    deal_id: Option<i64>,
    owner: Option<i64>,
    region: Option<i64>,
    title: String,
    status: ContractStatus,
    /// (product, quantity, unit price in fen).
    lines: Vec<(String, i64, i64)>,
    days_ago: i64,
}

pub async fn seed(
    tx: &Tx,
    now: DateTime<Utc>,
    tz: Tz,
    files: &std::path::Path,
    director: Option<i64>,
) -> Result<()> {
    let today = now.with_timezone(&tz).date_naive();
    let mut plans = vec![];
    // Won deals: their contracts, most signed; the two largest wait for approval.
    for (n, d) in store::won_deals_without_contract(tx, 40)
        .await?
        .into_iter()
        .enumerate()
    {
        let lines = salesdesk_store::deals::lines(tx, d.id).await?;
        let qty = lines.first().map_or(1, |l| l.quantity.max(1));
        let code = lines
            .first()
            .map_or("eoffice-std".to_string(), |l| l.product_code.clone());
        let status = if d.amount_fen > rules::DEFAULT_THRESHOLD.fen() && n < 6 {
            ContractStatus::PendingApproval
        } else if n % 5 == 4 {
            ContractStatus::Draft
        } else {
            ContractStatus::Signed
        };
        plans.push(Plan {
            customer_id: d.customer_id,
            deal_id: Some(d.id),
            owner: d.owner_id,
            region: d.region_id,
            title: d.name.clone(),
            status,
            lines: vec![(code, qty, d.amount_fen / qty)],
            days_ago: 1 + (n as i64 % 20),
        });
    }
    // Signed customers: one contract each (the first 36).
    for (n, (cid, owner, region)) in store::customers_in_status(tx, "signed", 0, 36)
        .await?
        .into_iter()
        .enumerate()
    {
        let (code, price) = PRICES[n % PRICES.len()];
        let qty = if code == "mobile" {
            1
        } else {
            20 + (n as i64 % 8) * 15
        };
        plans.push(Plan {
            customer_id: cid,
            deal_id: None,
            owner,
            region,
            title: format!(
                "{}软件采购合同",
                if code == "mobile" {
                    "移动办公"
                } else {
                    "协同办公"
                }
            ),
            status: PLAN[n % PLAN.len()],
            lines: vec![(code.to_string(), qty, price * 100)],
            days_ago: 20 + (n as i64 * 11) % 300,
        });
    }
    let scan_key = Attachments::new(files).store(SCAN).ok();
    for (n, p) in plans.into_iter().enumerate() {
        let mut lines = vec![];
        for (code, qty, price) in &p.lines {
            let discount = if n.is_multiple_of(3) { 500 } else { 0 };
            let tax = if code == "mobile" { 600 } else { 1300 };
            let (a, e) = rules::line_amounts(Money::from_fen(*price), *qty, discount, tax)
                .unwrap_or_default();
            lines.push(store::NewLine {
                product_code: code.clone(),
                quantity: *qty,
                unit_price_fen: *price,
                discount_bp: discount,
                tax_rate_bp: tax,
                amount_fen: a.fen(),
                amount_excl_fen: e.fen(),
            });
        }
        let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
        let total_excl: i64 = lines.iter().map(|l| l.amount_excl_fen).sum();
        let signed_on = today - Duration::days(p.days_ago);
        let at = now - Duration::days(p.days_ago);
        let in_force = p.status.counts_as_signed();
        // Half of the contracts in force are invoiced: the completed in full, others half.
        let invoiced = if !in_force || n % 2 == 1 {
            0
        } else if p.status == ContractStatus::Completed {
            total
        } else {
            total / 2
        };
        let k = store::insert_row(
            tx,
            Contract {
                id: 0,
                customer_id: p.customer_id,
                deal_id: p.deal_id,
                title: p.title.clone(),
                owner_id: p.owner,
                region_id: p.region,
                partner_id: None,
                number: None,
                signing_date: signed_on,
                signing_month: rules::month_key(signed_on),
                status: p.status.as_str().into(),
                total_fen: total,
                total_excl_fen: total_excl,
                invoiced_fen: invoiced,
                signed_at: (p.status != ContractStatus::Draft).then_some(at),
                signed_by: (p.status != ContractStatus::Draft)
                    .then_some(p.owner)
                    .flatten(),
                approved_at: (in_force && total > rules::DEFAULT_THRESHOLD.fen()).then_some(at),
                approved_by: (in_force && total > rules::DEFAULT_THRESHOLD.fen())
                    .then_some(director)
                    .flatten(),
                reason: None,
                cancelled_at: None,
                created_by: p.owner,
                created_at: at - Duration::days(2),
                updated_at: at,
                version: 2,
            },
        )
        .await?;
        store::set_lines(tx, k.id, &lines).await?;
        if invoiced > 0 {
            store::insert_invoice_row(
                tx,
                Invoice {
                    id: 0,
                    contract_id: k.id,
                    number: format!("{:08}", 44_000_000 + k.id),
                    kind: if n.is_multiple_of(4) {
                        InvoiceKind::Special
                    } else {
                        InvoiceKind::Normal
                    }
                    .as_str()
                    .into(),
                    issue_date: signed_on + Duration::days(3).min(Duration::days(p.days_ago)),
                    issue_month: rules::month_key(
                        signed_on + Duration::days(3).min(Duration::days(p.days_ago)),
                    ),
                    amount_fen: invoiced,
                    amount_excl_fen: rules::invoice_excl(
                        Money::from_fen(invoiced),
                        Money::from_fen(total),
                        Money::from_fen(total_excl),
                    )
                    .fen(),
                    created_by: p.owner,
                    created_at: at,
                },
            )
            .await?;
        }
        if in_force
            && n.is_multiple_of(3)
            && let Some(key) = &scan_key
        {
            store::insert_attachment_row(
                tx,
                store::NewAttachment {
                    contract_id: k.id,
                    file_key: key.clone(),
                    file_name: format!("{}-扫描件.pdf", rules::number(k.id)),
                    content_type: "application/pdf".into(),
                    size: SCAN.len() as i64,
                    uploaded_by: p.owner,
                    at,
                },
            )
            .await?;
        }
        // A won deal's customer, now under a contract in force, is signed (the system's
        // transition, in its status history).
        if in_force && p.deal_id.is_some() {
            let c = salesdesk_store::customers::get_any(
                tx,
                p.customer_id,
                &salesdesk_store::customers::Visible::All,
            )
            .await?;
            if let Some(c) = c.filter(|c| c.status != "signed" && c.status != "invalid")
                && salesdesk_store::customers::set_status(tx, c.id, &c.status, "signed", at).await?
                && let Some(by) = p.owner
            {
                salesdesk_store::status_requests::insert_decided(
                    tx,
                    salesdesk_store::status_requests::NewRequest {
                        customer_id: c.id,
                        from_status: c.status.clone(),
                        to_status: "signed".into(),
                        note: Some(format!("{} {}", rules::number(k.id), p.title)),
                        requested_by: by,
                        ..Default::default()
                    },
                    format!("contract:{}", k.id),
                    at,
                )
                .await?;
            }
        }
    }
    Ok(())
}
