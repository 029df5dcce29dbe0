//! Demo payment plans and payments (issue 13 point 6): every signed demo contract gets three
//! instalments (30 % / 30 % / the rest, a month apart). The first falls due 5, 40, 75 or 120
//! days ago or today, in turn, so that the receivables page shows something in each ageing
//! bucket; one contract in three has its first instalment paid, one in three half of it.
//! Deterministic (no randomness), and fast: a few hundred rows. Each plan's reminders are
//! queued as a real plan's are ([`collection_reminders::schedule`], after the payment, so a
//! paid instalment has none): `serve --demo` has collection reminders waiting like real use.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;
use salesdesk_domain::Money;
use salesdesk_domain::contract as crules;
use salesdesk_store::collections::{self as store, NewPayment};
use salesdesk_store::contracts::{self as kstore, ContractFilter};
use salesdesk_store::customers::Visible;
use salesdesk_store::{Page, Tx};

use crate::{App, Result, collection_reminders};

const BACK: [u64; 5] = [5, 40, 75, 120, 0];

pub async fn seed(app: &App, tx: &Tx, now: DateTime<Utc>, tz: Tz) -> Result<()> {
    let today = now.with_timezone(&tz).date_naive();
    let f = ContractFilter {
        status: Some("signed".into()),
        ..Default::default()
    };
    let signed = kstore::list(tx, &f, &Visible::All, Page::new(Some(1), Some(200))).await?;
    let mut rows = signed.items;
    rows.sort_by_key(|k| k.id);
    for (n, k) in rows.into_iter().enumerate() {
        let total = k.total_fen;
        if total <= 0 {
            continue;
        }
        let first = today
            .checked_sub_days(Days::new(BACK[n % BACK.len()]))
            .unwrap_or(today)
            .max(k.signing_date);
        let a = total * 3 / 10;
        let plan = [
            (first, a),
            (first.checked_add_days(Days::new(30)).unwrap_or(first), a),
            (
                first.checked_add_days(Days::new(60)).unwrap_or(first),
                total - 2 * a,
            ),
        ];
        store::replace_plan(tx, k.id, &plan, now).await?;
        let paid = match n % 3 {
            0 => a,
            1 => a / 2,
            _ => 0,
        };
        if paid > 0 {
            pay_first(tx, &k, first.min(today), paid, now).await?;
        }
        collection_reminders::schedule(app, tx, k.id).await?;
    }
    Ok(())
}

/// Records `paid` on the contract's first instalment, received `on`.
async fn pay_first(
    tx: &Tx,
    k: &kstore::Contract,
    on: chrono::NaiveDate,
    paid: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let inst = store::instalments(tx, k.id).await?;
    let Some(i) = inst.first() else {
        return Ok(());
    };
    store::add_paid(tx, i.id, paid).await?;
    let excl = crules::invoice_excl(
        Money::from_fen(paid),
        Money::from_fen(k.total_fen),
        Money::from_fen(k.total_excl_fen),
    );
    store::insert_payment(
        tx,
        NewPayment {
            contract_id: k.id,
            kind: "payment",
            received_on: on,
            received_month: crules::month_key(on),
            amount_fen: paid,
            amount_excl_fen: excl.fen(),
            reference: format!("DEMO-{:06}", k.id),
            reason: String::new(),
            created_by: k.owner_id,
            at: now,
        },
        &[(i.id, paid)],
    )
    .await?;
    Ok(())
}
