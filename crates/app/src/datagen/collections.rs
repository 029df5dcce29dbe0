//! Payment plans and payments (回款) for `salesdesk gen --contracts` (issue 13 point 9): each
//! contract in force gets two to five instalments (monthly or quarterly from two weeks after
//! signing) that sum exactly to its total, and payments allocated to them as the use cases
//! would have left them: the older an instalment, the likelier it is paid — in one to three
//! payments, a few only partly — so that the receivables have something in every ageing bucket;
//! a completed contract has everything due paid. About three payments per contract.
//!
//! Rows carry explicit ids (allocations name their payment and instalment) and go in with the
//! contracts' multi-row INSERTs. No reminder jobs are enqueued for generated plans.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use salesdesk_domain::Money;
use salesdesk_domain::contract::{self as rules, ContractStatus};
use salesdesk_store::Conn;
use salesdesk_store::bulk::{self, Row, Value};

use super::{Rng, s};
use crate::Result;

const INSTALMENT_COLUMNS: &[&str] = &[
    "id",
    "contract_id",
    "due_date",
    "amount_fen",
    "paid_fen",
    "created_at",
];

const PAYMENT_COLUMNS: &[&str] = &[
    "id",
    "contract_id",
    "kind",
    "received_on",
    "received_month",
    "amount_fen",
    "amount_excl_fen",
    "reference",
    "reason",
    "created_by",
    "created_at",
];

const ALLOCATION_COLUMNS: &[&str] = &["payment_id", "instalment_id", "amount_fen"];

/// The rows of one batch of contracts' plans and payments, and the ids they go on from.
#[derive(Debug, Default)]
pub(crate) struct Plans {
    next_instalment: i64,
    next_payment: i64,
    instalments: Vec<Row>,
    payments: Vec<Row>,
    allocations: Vec<Row>,
    /// Totals of the run.
    pub instalment_count: u64,
    pub payment_count: u64,
}

/// A contract as its plan needs it.
pub(crate) struct PlanFor {
    pub id: i64,
    pub status: ContractStatus,
    pub total_fen: i64,
    pub total_excl_fen: i64,
    pub signing_date: NaiveDate,
    pub owner: i64,
    pub at: DateTime<Utc>,
}

impl Plans {
    /// Ids after those in the database.
    pub(crate) async fn new(c: &impl Conn) -> Result<Plans> {
        Ok(Plans {
            next_instalment: bulk::max_id(c, "instalments").await? + 1,
            next_payment: bulk::max_id(c, "payments").await? + 1,
            ..Plans::default()
        })
    }

    /// Adds the plan and payments of a contract (nothing for one not in force).
    pub(crate) fn add(&mut self, k: &PlanFor, today: NaiveDate, r: &mut Rng) {
        if !k.status.counts_as_signed() || k.total_fen <= 0 {
            return;
        }
        let n = 2 + r.below(4) as i64;
        let every = if n <= 4 && r.chance(0.4) { 90 } else { 30 };
        let first = k.signing_date + Duration::days(14);
        let base = k.total_fen / n;
        for j in 0..n {
            let id = self.next_instalment;
            self.next_instalment += 1;
            let due = first + Duration::days(every * j);
            let amount = if j == n - 1 {
                k.total_fen - base * (n - 1)
            } else {
                base
            };
            let age = (today - due).num_days();
            // What is paid on it: all, a part, or nothing, likelier paid the older it is.
            let paid = if k.status == ContractStatus::Completed && age >= 0 {
                amount
            } else if age < 0 {
                if r.chance(0.05) { amount } else { 0 }
            } else {
                let p_paid = if age > 90 {
                    0.85
                } else if age > 30 {
                    0.75
                } else {
                    0.6
                };
                let x = r.unit();
                if x < p_paid {
                    amount
                } else if x < p_paid + 0.12 {
                    amount * (2 + r.below(7) as i64) / 10
                } else {
                    0
                }
            };
            self.instalments.push(vec![
                Value::from(id),
                Value::from(k.id),
                Value::from(due),
                Value::from(amount),
                Value::from(paid),
                Value::from(k.at),
            ]);
            self.instalment_count += 1;
            if paid > 0 {
                self.pay(k, id, due, paid, today, r);
            }
        }
    }

    /// One to three payments adding up to `paid`, received around the due date (never after
    /// today, never before the signing).
    fn pay(
        &mut self,
        k: &PlanFor,
        instalment: i64,
        due: NaiveDate,
        paid: i64,
        today: NaiveDate,
        r: &mut Rng,
    ) {
        let parts = if paid < 200 {
            1
        } else {
            *r.weighted(&[(72, 1i64), (23, 2), (5, 3)])
        };
        let mut left = paid;
        for part in 0..parts {
            let amount = if part == parts - 1 {
                left
            } else {
                paid / parts
            };
            left -= amount;
            let on = (due + Duration::days(r.below(40) as i64 - 20 + 7 * part))
                .min(today)
                .max(k.signing_date);
            let id = self.next_payment;
            self.next_payment += 1;
            let excl = rules::invoice_excl(
                Money::from_fen(amount),
                Money::from_fen(k.total_fen),
                Money::from_fen(k.total_excl_fen),
            );
            self.payments.push(vec![
                Value::from(id),
                Value::from(k.id),
                s("payment"),
                Value::from(on),
                Value::from(rules::month_key(on)),
                Value::from(amount),
                Value::from(excl.fen()),
                s(&format!("GEN-{id:09}")),
                s(""),
                Value::from(Some(k.owner)),
                Value::from(k.at),
            ]);
            self.allocations.push(vec![
                Value::from(id),
                Value::from(instalment),
                Value::from(amount),
            ]);
            self.payment_count += 1;
        }
    }

    /// Inserts the batch's rows on `c` (the contracts' transaction, after the contracts).
    pub(crate) async fn insert(&mut self, c: &impl Conn) -> Result<()> {
        bulk::insert(
            c,
            "instalments",
            INSTALMENT_COLUMNS,
            std::mem::take(&mut self.instalments),
        )
        .await?;
        bulk::insert(
            c,
            "payments",
            PAYMENT_COLUMNS,
            std::mem::take(&mut self.payments),
        )
        .await?;
        bulk::insert(
            c,
            "payment_allocations",
            ALLOCATION_COLUMNS,
            std::mem::take(&mut self.allocations),
        )
        .await?;
        Ok(())
    }

    /// After the run: PostgreSQL's sequences go on after the explicit ids.
    pub(crate) async fn sync_ids(c: &impl Conn) -> Result<()> {
        bulk::sync_id_sequence(c, "instalments").await?;
        bulk::sync_id_sequence(c, "payments").await?;
        Ok(())
    }
}
