//! Payment plans, payments (回款) and receivables ageing (issue 13, point 6).
//!
//! - **Plan**: a contract's instalments (分期), each a due date and a tax-inclusive amount. They
//!   sum exactly to the contract's tax-inclusive total (the error names the difference), no due
//!   date is before the contract's signing date, and none is zero.
//! - **Payment**: an amount received on a date (not before the signing date, not after today),
//!   allocated to instalments: the oldest due first, or only to the instalments named. A payment
//!   may not exceed what is open on the instalments it goes to (an over-payment is refused, not
//!   kept as credit). The database holds the same rule per instalment with a conditional
//!   `UPDATE … SET paid_fen = paid_fen + ? WHERE paid_fen + ? <= amount_fen`.
//! - **Refund**: a negative entry with a reason, taken back from the most recently due paid
//!   instalments first; never more than was paid.
//! - **Ageing**: an instalment's open amount falls in a bucket by the whole days between its
//!   due date and today in company time (Asia/Shanghai): not due (due today or later), 1–30,
//!   31–60, 61–90, over 90 days overdue.
//!
//! **Holidays.** The due date is the date the contract states. A due date that falls on a
//! weekend or a public holiday is *not* moved to the next working day: the customer's finance
//! department knows the date in advance, and moving it would make the ageing of one contract
//! depend on the calendar data loaded. So an instalment due on 2026-10-01 (National Day) is one
//! day overdue on 2026-10-02. Calendar days, not working days, count in the buckets (as every
//! finance department counts ageing).

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar;
use crate::money::Money;
use crate::validate::{self, FieldError, FieldErrors};

/// Most instalments in one plan (monthly for five years).
pub const MAX_INSTALMENTS: usize = 60;
/// The longest reason of a refund and note of a payment.
pub const MAX_REASON: usize = 2000;
pub const MAX_REFERENCE: usize = 100;

/// The date in company time (Asia/Shanghai) of an instant: what "today" means for ageing.
pub fn company_date(now: DateTime<Utc>) -> NaiveDate {
    calendar::to_local(now).date()
}

fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    match s.trim() {
        "" => Err(FieldError::new(field, "error.required")),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| FieldError::new(field, "error.date_format")),
    }
}

// ---- Plans ----

/// One instalment as typed.
#[derive(Debug, Clone, Default)]
pub struct InstalmentInput {
    pub due_date: String,
    pub amount: String,
}

/// A checked instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedInstalment {
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// Checks a plan for a contract signed on `signing_date` with tax-inclusive `total`. Rows with
/// both boxes empty are skipped. The result is ordered by due date (then as typed). Errors name
/// `instalments[i].due_date`, `instalments[i].amount` and `instalments` (none, too many, or the
/// sum differs: `error.plan_short` / `error.plan_over` with the difference as argument).
pub fn parse_plan(
    rows: &[InstalmentInput],
    signing_date: NaiveDate,
    total: Money,
) -> Result<Vec<PlannedInstalment>, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut plan = Vec::new();
    let mut all_parsed = true;
    for (n, r) in rows.iter().enumerate() {
        if r.due_date.trim().is_empty() && r.amount.trim().is_empty() {
            continue;
        }
        let f = |name: &str| format!("instalments[{n}].{name}");
        let due = match parse_date(&f("due_date"), &r.due_date) {
            Ok(d) if d < signing_date => {
                errs.push(FieldError::with_arg(
                    f("due_date"),
                    "error.plan_before_contract",
                    signing_date,
                ));
                None
            }
            r => errs.take(r),
        };
        let amount = match r.amount.trim() {
            "" => {
                errs.push(FieldError::new(f("amount"), "error.required"));
                None
            }
            a => match Money::parse_amount(&f("amount"), a, crate::contract::MAX_AMOUNT) {
                Ok(m) if m == Money::ZERO => {
                    errs.push(FieldError::new(f("amount"), "error.plan_zero"));
                    None
                }
                r => errs.take(r),
            },
        };
        match (due, amount) {
            (Some(due_date), Some(amount)) => plan.push(PlannedInstalment { due_date, amount }),
            _ => all_parsed = false,
        }
    }
    if plan.is_empty() && errs.is_empty() {
        errs.push(FieldError::new("instalments", "error.plan_empty"));
    }
    if plan.len() > MAX_INSTALMENTS {
        errs.push(FieldError::with_arg(
            "instalments",
            "error.plan_too_many",
            MAX_INSTALMENTS,
        ));
    }
    // The sum is only worth talking about when every row was read.
    if all_parsed && !plan.is_empty() {
        let sum = Money::sum(plan.iter().map(|i| i.amount));
        match sum.and_then(|s| s.checked_sub(total)) {
            Some(d) if d == Money::ZERO => {}
            Some(d) if d.is_negative() => errs.push(FieldError::with_arg(
                "instalments",
                "error.plan_short",
                d.checked_neg().unwrap_or(d).display(),
            )),
            Some(d) => errs.push(FieldError::with_arg(
                "instalments",
                "error.plan_over",
                d.display(),
            )),
            None => errs.push(FieldError::with_arg(
                "instalments",
                crate::money::TOO_LARGE,
                crate::contract::MAX_AMOUNT.display(),
            )),
        }
    }
    errs.into_result()?;
    plan.sort_by_key(|i| i.due_date);
    Ok(plan)
}

/// A plan of `n` equal instalments (the last takes the fen left over), one month apart from
/// `first` (a 31st becomes the month's last day): what the plan editor proposes.
pub fn equal_plan(total: Money, n: u32, first: NaiveDate) -> Vec<PlannedInstalment> {
    let n = n.clamp(1, MAX_INSTALMENTS as u32);
    let part = Money::from_fen(total.fen() / i64::from(n));
    let mut out = Vec::new();
    let mut left = total;
    for k in 0..n {
        let amount = if k + 1 == n { left } else { part };
        left = left.checked_sub(amount).unwrap_or(Money::ZERO);
        let due_date = first
            .checked_add_months(chrono::Months::new(k))
            .unwrap_or(first);
        out.push(PlannedInstalment { due_date, amount });
    }
    out
}

// ---- Payments ----

/// An instalment as allocation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstalmentState {
    pub id: i64,
    pub due_date: NaiveDate,
    pub amount: Money,
    pub paid: Money,
}

impl InstalmentState {
    pub fn open(&self) -> Money {
        self.amount.checked_sub(self.paid).unwrap_or(Money::ZERO)
    }
}

/// Spreads a payment of `amount` (positive) over `instalments`: only those in `named` when it
/// is not empty, the oldest due first (ties by id), each up to what is open on it. Returns
/// (instalment id, amount) for each instalment that gets something. Errors name `amount`
/// (`error.payment_above_open` with the open amount) or `instalments` (one that is not on the
/// contract).
pub fn allocate(
    amount: Money,
    instalments: &[InstalmentState],
    named: &[i64],
) -> Result<Vec<(i64, Money)>, FieldError> {
    if amount <= Money::ZERO {
        return Err(FieldError::new("amount", "error.payment_zero"));
    }
    if let Some(bad) = named
        .iter()
        .find(|id| !instalments.iter().any(|i| i.id == **id))
    {
        return Err(FieldError::with_arg(
            "instalments",
            "error.payment_no_instalment",
            bad,
        ));
    }
    let mut targets: Vec<&InstalmentState> = instalments
        .iter()
        .filter(|i| named.is_empty() || named.contains(&i.id))
        .filter(|i| i.open() > Money::ZERO)
        .collect();
    targets.sort_by_key(|i| (i.due_date, i.id));
    let open = Money::sum(targets.iter().map(|i| i.open())).unwrap_or(Money::ZERO);
    if amount > open {
        return Err(FieldError::with_arg(
            "amount",
            "error.payment_above_open",
            open.display(),
        ));
    }
    let mut left = amount;
    let mut out = Vec::new();
    for i in targets {
        if left == Money::ZERO {
            break;
        }
        let take = left.min(i.open());
        out.push((i.id, take));
        left = left.checked_sub(take).unwrap_or(Money::ZERO);
    }
    Ok(out)
}

/// Takes a refund of `amount` (positive, the money given back) off the paid instalments, the
/// most recently due first. Returns (instalment id, negative amount). Errors name `amount`
/// (`error.refund_above_paid` with what was paid).
pub fn allocate_refund(
    amount: Money,
    instalments: &[InstalmentState],
) -> Result<Vec<(i64, Money)>, FieldError> {
    if amount <= Money::ZERO {
        return Err(FieldError::new("amount", "error.payment_zero"));
    }
    let paid = Money::sum(instalments.iter().map(|i| i.paid)).unwrap_or(Money::ZERO);
    if amount > paid {
        return Err(FieldError::with_arg(
            "amount",
            "error.refund_above_paid",
            paid.display(),
        ));
    }
    let mut targets: Vec<&InstalmentState> = instalments
        .iter()
        .filter(|i| i.paid > Money::ZERO)
        .collect();
    targets.sort_by_key(|i| std::cmp::Reverse((i.due_date, i.id)));
    let mut left = amount;
    let mut out = Vec::new();
    for i in targets {
        if left == Money::ZERO {
            break;
        }
        let take = left.min(i.paid);
        out.push((i.id, take.checked_neg().unwrap_or(Money::ZERO)));
        left = left.checked_sub(take).unwrap_or(Money::ZERO);
    }
    Ok(out)
}

/// A payment or refund as typed.
#[derive(Debug, Clone, Default)]
pub struct PaymentInput {
    /// `2026-11-27`.
    pub received_on: String,
    /// Positive; for a refund the amount given back.
    pub amount: String,
    /// A bank reference (optional).
    pub reference: String,
    /// Required for a refund.
    pub reason: String,
}

/// A checked payment (before allocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFields {
    pub received_on: NaiveDate,
    /// Positive.
    pub amount: Money,
    pub reference: String,
    pub reason: String,
}

impl PaymentFields {
    /// Checks the fields: the date neither before `signing_date` nor after `today`, the amount
    /// positive with at most two decimals, a reason when `refund`. Errors name `received_on`,
    /// `amount`, `reference`, `reason`. Whether the amount fits what is open is [`allocate`]'s.
    pub fn parse(
        i: &PaymentInput,
        today: NaiveDate,
        signing_date: NaiveDate,
        refund: bool,
    ) -> Result<PaymentFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let received_on = match parse_date("received_on", &i.received_on) {
            Ok(d) if d > today => {
                errs.push(FieldError::with_arg(
                    "received_on",
                    "error.contract_date_future",
                    today,
                ));
                None
            }
            Ok(d) if d < signing_date => {
                errs.push(FieldError::with_arg(
                    "received_on",
                    "error.payment_before_contract",
                    signing_date,
                ));
                None
            }
            r => errs.take(r),
        };
        let amount = match i.amount.trim() {
            "" => {
                errs.push(FieldError::new("amount", "error.required"));
                None
            }
            a => match Money::parse_amount("amount", a, crate::contract::MAX_AMOUNT) {
                Ok(m) if m == Money::ZERO => {
                    errs.push(FieldError::new("amount", "error.payment_zero"));
                    None
                }
                r => errs.take(r),
            },
        };
        let reference = errs.take(validate::optional_text(
            "reference",
            &i.reference,
            MAX_REFERENCE,
        ));
        let reason = if refund {
            errs.take(validate::required_long_text(
                "reason", &i.reason, MAX_REASON,
            ))
        } else {
            errs.take(
                validate::optional_text("reason", &i.reason, MAX_REASON)
                    .map(Option::unwrap_or_default),
            )
        };
        errs.into_result()?;
        Ok(PaymentFields {
            received_on: received_on.unwrap_or_default(),
            amount: amount.unwrap_or_default(),
            reference: reference.flatten().unwrap_or_default(),
            reason: reason.unwrap_or_default(),
        })
    }
}

// ---- Ageing ----

/// An ageing bucket: how long an open amount is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    NotDue,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl Bucket {
    pub const ALL: [Bucket; 5] = [
        Bucket::NotDue,
        Bucket::Days1To30,
        Bucket::Days31To60,
        Bucket::Days61To90,
        Bucket::Over90,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::NotDue => "not_due",
            Bucket::Days1To30 => "d1_30",
            Bucket::Days31To60 => "d31_60",
            Bucket::Days61To90 => "d61_90",
            Bucket::Over90 => "over_90",
        }
    }

    /// The i18n key of the bucket's heading.
    pub fn key(self) -> String {
        format!("collection.bucket.{}", self.as_str())
    }

    /// The bucket of something due on `due` seen on `today` (both company dates).
    pub fn of(due: NaiveDate, today: NaiveDate) -> Bucket {
        match days_overdue(due, today) {
            ..=0 => Bucket::NotDue,
            1..=30 => Bucket::Days1To30,
            31..=60 => Bucket::Days31To60,
            61..=90 => Bucket::Days61To90,
            _ => Bucket::Over90,
        }
    }

    /// The latest due date still in the bucket on `today` (the SQL filters by due date, so the
    /// report groups with an index and no date arithmetic in the database).
    pub fn due_on_or_before(self, today: NaiveDate) -> Option<NaiveDate> {
        let back = match self {
            Bucket::NotDue => return None,
            Bucket::Days1To30 => 1,
            Bucket::Days31To60 => 31,
            Bucket::Days61To90 => 61,
            Bucket::Over90 => 91,
        };
        today.checked_sub_days(chrono::Days::new(back))
    }
}

/// Whole calendar days from `due` to `today` (negative before the due date).
pub fn days_overdue(due: NaiveDate, today: NaiveDate) -> i64 {
    (today - due).num_days()
}

/// Open amounts by bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ageing(pub [Money; 5]);

impl Ageing {
    pub fn add(&mut self, bucket: Bucket, open: Money) {
        let slot = &mut self.0[bucket as usize];
        *slot = slot.checked_add(open).unwrap_or(*slot);
    }

    pub fn get(&self, bucket: Bucket) -> Money {
        self.0[bucket as usize]
    }

    /// Everything open.
    pub fn total(&self) -> Money {
        Money::sum(self.0).unwrap_or(Money::ZERO)
    }

    /// Everything overdue (all buckets but "not due").
    pub fn overdue(&self) -> Money {
        Money::sum(self.0[1..].iter().copied()).unwrap_or(Money::ZERO)
    }
}

/// When the owner is reminded of an instalment: days relative to its due date (before, on the
/// day after, and a week after).
pub const REMINDER_OFFSETS: [i64; 3] = [-7, 1, 7];

#[cfg(test)]
mod tests;
