//! Contracts (合同, issue 13 point 3), their invoices and the revenue rule (point 5).
//!
//! - **Lines**: a product from the list, a quantity, a tax-inclusive unit price (含税单价), a
//!   discount in percent and a VAT rate in percent (both to two decimals, kept as basis points).
//!   A line's tax-inclusive amount is price × quantity × (1 − discount), rounded once to the
//!   fen; its tax-exclusive amount is that ÷ (1 + rate), rounded to the fen (halves away from
//!   zero). The contract's totals are the sums of its lines', so both always add up.
//! - **Status**: draft → (pending approval →) signed → in delivery → completed, or cancelled
//!   with a reason from any status before completed. Signing a contract whose tax-inclusive
//!   total is above the director's threshold puts it in pending approval; the director (or the
//!   VP) approves it (it then counts as signed) or sends it back to draft with a reason.
//! - **Invoices** (普票 / 专票): number, date, tax-inclusive amount, on a contract that counts as
//!   signed; the invoices of a contract never sum above its total.
//! - **Revenue** (销售收入) is recognised by one rule the administrator picks ([`RevenueRule`]).

use chrono::{Datelike, NaiveDate};

use crate::access::Actor;
use crate::money::Money;
use crate::org::Position;
use crate::validate::{self, FieldError, FieldErrors};

/// The largest contract (and line) amount: ¥10,000,000,000.00, as for deals.
pub const MAX_AMOUNT: Money = Money::from_fen(1_000_000_000_000);
/// Most lines on a contract, the largest quantity of one, the longest title and reason.
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_TITLE: usize = 100;
pub const MAX_REASON: usize = 2000;
/// The VAT rate a line gets when none is typed: 13 % (software sold as goods).
pub const DEFAULT_TAX_BP: i32 = 1300;
/// The approval threshold a new installation starts with: ¥500,000.00.
pub const DEFAULT_THRESHOLD: Money = Money::from_fen(50_000_000);

/// Where a contract is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractStatus {
    Draft,
    PendingApproval,
    Signed,
    InDelivery,
    Completed,
    Cancelled,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 6] = [
        ContractStatus::Draft,
        ContractStatus::PendingApproval,
        ContractStatus::Signed,
        ContractStatus::InDelivery,
        ContractStatus::Completed,
        ContractStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Draft => "draft",
            ContractStatus::PendingApproval => "pending_approval",
            ContractStatus::Signed => "signed",
            ContractStatus::InDelivery => "in_delivery",
            ContractStatus::Completed => "completed",
            ContractStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<ContractStatus> {
        ContractStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Signed, in delivery or completed: the contract is in force (its amount counts, it may be
    /// invoiced).
    pub fn counts_as_signed(self) -> bool {
        matches!(
            self,
            ContractStatus::Signed | ContractStatus::InDelivery | ContractStatus::Completed
        )
    }

    /// The i18n key of the status's name.
    pub fn key(self) -> String {
        format!("contract.status.{}", self.as_str())
    }
}

/// What someone does to a contract's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Sign a draft: signed at once, or pending approval above the threshold.
    Sign,
    /// The director approves a pending contract: it counts as signed.
    Approve,
    /// The director sends a pending contract back to draft (with a reason).
    Reject,
    StartDelivery,
    Complete,
    /// With a reason, from any status before completed.
    Cancel,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Sign => "sign",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::StartDelivery => "start_delivery",
            Action::Complete => "complete",
            Action::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [
            Action::Sign,
            Action::Approve,
            Action::Reject,
            Action::StartDelivery,
            Action::Complete,
            Action::Cancel,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    /// Whether the action needs a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Reject | Action::Cancel)
    }
}

/// Where `action` takes a contract in `from` (total `total`, director's threshold `threshold`);
/// the error is the i18n key of the refusal. The database then writes the move only while the
/// contract is still in `from` (a conditional UPDATE), so of two people acting at once one wins.
pub fn next_status(
    from: ContractStatus,
    action: Action,
    total: Money,
    threshold: Money,
) -> Result<ContractStatus, &'static str> {
    use ContractStatus::*;
    match (action, from) {
        (Action::Sign, Draft) => Ok(if needs_approval(total, threshold) {
            PendingApproval
        } else {
            Signed
        }),
        (Action::Approve | Action::Reject, PendingApproval) => Ok(if action == Action::Approve {
            Signed
        } else {
            Draft
        }),
        (Action::StartDelivery, Signed) => Ok(InDelivery),
        (Action::Complete, InDelivery) => Ok(Completed),
        (Action::Cancel, Draft | PendingApproval | Signed | InDelivery) => Ok(Cancelled),
        (Action::Approve | Action::Reject, _) => Err("error.contract_not_pending"),
        (_, Cancelled) => Err("error.contract_cancelled"),
        (_, Completed) => Err("error.contract_completed"),
        _ => Err("error.contract_wrong_status"),
    }
}

/// Above the threshold (strictly) a contract needs the director's approval to count as signed.
pub fn needs_approval(total: Money, threshold: Money) -> bool {
    total > threshold
}

/// Who approves contracts above the threshold and sets it: the director and the VP.
pub fn may_approve(actor: &Actor) -> bool {
    matches!(
        actor.position,
        Some(Position::SalesDirector | Position::SalesVp)
    )
}

/// Who creates, edits, signs, delivers and cancels a contract they see: the managers and its
/// owner (as for deals).
pub fn may_work(actor: &Actor, owner_id: Option<i64>) -> bool {
    actor.may_work_deal(owner_id)
}

/// A percentage to two decimals (`13`, `6.5`, `12.34%`) as basis points 0..=10000; errors name
/// `field` with `code`.
pub fn parse_percent(field: &str, s: &str, code: &'static str) -> Result<i32, FieldError> {
    let t = s.trim().trim_end_matches(['%', '％']).trim();
    let bad = || FieldError::new(field, code);
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty()
        || whole.len() > 3
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i32 = whole.parse().map_err(|_| bad())?;
    let f: i32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    let bp = w * 100 + f;
    if bp > 10_000 { Err(bad()) } else { Ok(bp) }
}

/// Basis points as a percentage text: 1300 → `13`, 650 → `6.5`, 1234 → `12.34`.
pub fn percent_text(bp: i32) -> String {
    let w = bp / 100;
    let f = bp % 100;
    if f == 0 {
        w.to_string()
    } else if f % 10 == 0 {
        format!("{w}.{}", f / 10)
    } else {
        format!("{w}.{f:02}")
    }
}

/// A line's amounts: (tax-inclusive, tax-exclusive); `None` on overflow.
pub fn line_amounts(
    unit_price: Money,
    quantity: i64,
    discount_bp: i32,
    tax_bp: i32,
) -> Option<(Money, Money)> {
    let gross = unit_price.checked_mul(quantity)?;
    let incl = gross.checked_ratio(i64::from(10_000 - discount_bp), 10_000)?;
    let excl = incl.checked_ratio(10_000, i64::from(10_000 + tax_bp))?;
    Some((incl, excl))
}

/// A contract line as typed.
#[derive(Debug, Clone, Default)]
pub struct LineInput {
    pub product: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_rate: String,
}

/// A checked line with its amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub product_code: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub discount_bp: i32,
    pub tax_bp: i32,
    pub amount: Money,
    pub amount_excl: Money,
}

/// A contract's fields as typed (create and edit of a draft).
#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    pub title: String,
    /// `2026-11-27`; not after today.
    pub signing_date: String,
    /// Rows with an empty product are skipped.
    pub lines: Vec<LineInput>,
}

/// A contract's checked fields and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFields {
    pub title: String,
    pub signing_date: NaiveDate,
    pub lines: Vec<Line>,
    /// Tax-inclusive and tax-exclusive totals (sums of the lines').
    pub total: Money,
    pub total_excl: Money,
}

impl ContractFields {
    /// Checks every field against `today` (the company's date); errors name `title`,
    /// `signing_date`, `lines`, `lines[i].product|quantity|unit_price|discount|tax_rate`.
    /// Product codes are checked against the list by the caller.
    pub fn parse(i: &ContractInput, today: NaiveDate) -> Result<ContractFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let title = errs.take(validate::required_text("title", &i.title, MAX_TITLE));
        let signing_date = match i.signing_date.trim() {
            "" => {
                errs.push(FieldError::new("signing_date", "error.required"));
                None
            }
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errs.push(FieldError::with_arg(
                        "signing_date",
                        "error.contract_date_future",
                        today,
                    ));
                    None
                }
                Ok(d) if d.year() >= 2000 => Some(d),
                _ => {
                    errs.push(FieldError::new("signing_date", "error.date_format"));
                    None
                }
            },
        };
        let mut lines: Vec<Line> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (n, l) in i.lines.iter().enumerate() {
            let code = l.product.trim();
            if code.is_empty() {
                continue;
            }
            let twice = seen.contains(&code);
            seen.push(code);
            let f = |name: &str| format!("lines[{n}].{name}");
            let q = match l.quantity.trim() {
                "" => Some(1),
                q => match q.parse::<i64>() {
                    Ok(q) if (1..=MAX_QUANTITY).contains(&q) => Some(q),
                    _ => {
                        errs.push(FieldError::with_arg(
                            f("quantity"),
                            "error.deal_quantity",
                            MAX_QUANTITY,
                        ));
                        None
                    }
                },
            };
            let price = match l.unit_price.trim() {
                "" => {
                    errs.push(FieldError::new(f("unit_price"), "error.required"));
                    None
                }
                p => errs.take(Money::parse_amount(&f("unit_price"), p, MAX_AMOUNT)),
            };
            let discount = match l.discount.trim() {
                "" => Some(0),
                d => errs.take(parse_percent(&f("discount"), d, "error.contract_discount")),
            };
            let tax = match l.tax_rate.trim() {
                "" => Some(DEFAULT_TAX_BP),
                t => errs.take(parse_percent(&f("tax_rate"), t, "error.contract_tax_rate")),
            };
            if twice {
                errs.push(FieldError::new(f("product"), "error.deal_line_twice"));
                continue;
            }
            if let (Some(q), Some(p), Some(d), Some(t)) = (q, price, discount, tax) {
                match line_amounts(p, q, d, t).filter(|(a, _)| *a <= MAX_AMOUNT) {
                    Some((amount, amount_excl)) => lines.push(Line {
                        product_code: code.to_string(),
                        quantity: q,
                        unit_price: p,
                        discount_bp: d,
                        tax_bp: t,
                        amount,
                        amount_excl,
                    }),
                    None => errs.push(FieldError::with_arg(
                        f("unit_price"),
                        crate::money::TOO_LARGE,
                        MAX_AMOUNT.display(),
                    )),
                }
            }
        }
        if lines.is_empty() && errs.is_empty() {
            errs.push(FieldError::new("lines", "error.contract_no_lines"));
        }
        if lines.len() > MAX_LINES {
            errs.push(FieldError::with_arg(
                "lines",
                "error.deal_too_many_lines",
                MAX_LINES,
            ));
        }
        let total = Money::sum(lines.iter().map(|l| l.amount));
        let total_excl = Money::sum(lines.iter().map(|l| l.amount_excl));
        match total {
            Some(t) if t <= MAX_AMOUNT => {}
            _ => errs.push(FieldError::with_arg(
                "lines",
                crate::money::TOO_LARGE,
                MAX_AMOUNT.display(),
            )),
        }
        errs.into_result()?;
        Ok(ContractFields {
            title: title.unwrap_or_default(),
            signing_date: signing_date.unwrap_or_default(),
            total: total.unwrap_or_default(),
            total_excl: total_excl.unwrap_or_default(),
            lines,
        })
    }
}

/// A reason for a rejection or a cancellation; errors name `reason`.
pub fn parse_reason(s: &str) -> Result<String, FieldErrors> {
    validate::required_long_text("reason", s, MAX_REASON).map_err(|e| FieldErrors(vec![e]))
}

// ---- Invoices ----

/// An invoice's type: 增值税普通发票 or 增值税专用发票.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKind {
    /// 普票.
    Normal,
    /// 专票.
    Special,
}

impl InvoiceKind {
    pub const ALL: [InvoiceKind; 2] = [InvoiceKind::Normal, InvoiceKind::Special];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Normal => "normal",
            InvoiceKind::Special => "special",
        }
    }

    pub fn parse(s: &str) -> Option<InvoiceKind> {
        InvoiceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An invoice as typed.
#[derive(Debug, Clone, Default)]
pub struct InvoiceInput {
    pub number: String,
    pub kind: String,
    pub issue_date: String,
    pub amount: String,
}

/// A checked invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFields {
    /// Upper-case letters and digits, 8–20 of them (a 发票号码; spaces and dashes dropped).
    pub number: String,
    pub kind: InvoiceKind,
    pub issue_date: NaiveDate,
    pub amount: Money,
}

impl InvoiceFields {
    /// Checks the fields: the date not after `today` nor before the contract's `signing_date`,
    /// the amount positive and at most `open` (what is left to invoice). Errors name `number`,
    /// `kind`, `issue_date`, `amount`.
    pub fn parse(
        i: &InvoiceInput,
        today: NaiveDate,
        signing_date: NaiveDate,
        open: Money,
    ) -> Result<InvoiceFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let number: String = i
            .number
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let number = if number.is_empty() {
            errs.push(FieldError::new("number", "error.required"));
            None
        } else if !(8..=20).contains(&number.len())
            || !number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            errs.push(FieldError::new("number", "error.invoice_number"));
            None
        } else {
            Some(number)
        };
        let kind = match InvoiceKind::parse(i.kind.trim()) {
            Some(k) => Some(k),
            None if i.kind.trim().is_empty() => {
                errs.push(FieldError::new("kind", "error.required"));
                None
            }
            None => {
                errs.push(FieldError::new("kind", "error.invalid_choice"));
                None
            }
        };
        let issue_date = match i.issue_date.trim() {
            "" => {
                errs.push(FieldError::new("issue_date", "error.required"));
                None
            }
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errs.push(FieldError::with_arg(
                        "issue_date",
                        "error.contract_date_future",
                        today,
                    ));
                    None
                }
                Ok(d) if d < signing_date => {
                    errs.push(FieldError::with_arg(
                        "issue_date",
                        "error.invoice_before_contract",
                        signing_date,
                    ));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errs.push(FieldError::new("issue_date", "error.date_format"));
                    None
                }
            },
        };
        let amount = match i.amount.trim() {
            "" => {
                errs.push(FieldError::new("amount", "error.required"));
                None
            }
            a => match Money::parse_amount("amount", a, MAX_AMOUNT) {
                Ok(m) if m == Money::ZERO => {
                    errs.push(FieldError::new("amount", "error.invoice_zero"));
                    None
                }
                Ok(m) if m > open => {
                    errs.push(FieldError::with_arg(
                        "amount",
                        "error.invoice_above_open",
                        open.display(),
                    ));
                    None
                }
                Ok(m) => Some(m),
                Err(e) => {
                    errs.push(e);
                    None
                }
            },
        };
        errs.into_result()?;
        Ok(InvoiceFields {
            number: number.unwrap_or_default(),
            kind: kind.unwrap_or(InvoiceKind::Normal),
            issue_date: issue_date.unwrap_or_default(),
            amount: amount.unwrap_or_default(),
        })
    }
}

/// The tax-exclusive part of an invoice of `amount` on a contract of `total` (`total_excl`
/// without tax): pro rata, to the fen.
pub fn invoice_excl(amount: Money, total: Money, total_excl: Money) -> Money {
    if total == Money::ZERO {
        return amount;
    }
    amount
        .checked_ratio(total_excl.fen(), total.fen())
        .unwrap_or(amount)
}

// ---- Revenue ----

/// When sales revenue (销售收入, S2.2) is recognised — one rule for the whole company, picked
/// by the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevenueRule {
    /// A contract's total on its signing date, once it counts as signed.
    #[default]
    OnSigning,
    /// Each invoice's amount on its issue date.
    OnInvoice,
    /// Each payment received on its date (payments come with collections: until then, zero).
    OnPayment,
}

impl RevenueRule {
    pub const ALL: [RevenueRule; 3] = [
        RevenueRule::OnSigning,
        RevenueRule::OnInvoice,
        RevenueRule::OnPayment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevenueRule::OnSigning => "on_signing",
            RevenueRule::OnInvoice => "on_invoice",
            RevenueRule::OnPayment => "on_payment",
        }
    }

    pub fn parse(s: &str) -> Option<RevenueRule> {
        RevenueRule::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `yyyymm` of a date (the month columns revenue and lists group by).
pub fn month_key(d: NaiveDate) -> i32 {
    d.year() * 100 + d.month() as i32
}

/// The contract's number as shown: `HT-000042`.
pub fn number(id: i64) -> String {
    format!("HT-{id:06}")
}

// ---- Attachments ----

/// The largest attachment: 10 MiB (a scanned contract of a few dozen pages).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The content type of a scanned contract or image, told by its first bytes (never by its
/// name): PDF, PNG or JPEG; anything else is refused.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Checks an upload: not empty, at most [`MAX_ATTACHMENT_BYTES`], a PDF, PNG or JPEG by its
/// bytes; returns (clean file name, content type). Errors name `file`.
pub fn check_attachment(name: &str, bytes: &[u8]) -> Result<(String, &'static str), FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("file", "error.attachment_empty"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FieldError::with_arg(
            "file",
            "error.attachment_too_large",
            MAX_ATTACHMENT_BYTES / (1024 * 1024),
        ));
    }
    let kind = sniff(bytes).ok_or_else(|| FieldError::new("file", "error.attachment_type"))?;
    // The last path part, without control characters or quotes (it goes into a header).
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let clean = clean.trim().to_string();
    let ext = match kind {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let clean = if clean.is_empty() {
        format!("attachment.{ext}")
    } else {
        clean
    };
    Ok((clean, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(p: &str, q: &str, price: &str, disc: &str, tax: &str) -> LineInput {
        LineInput {
            product: p.into(),
            quantity: q.into(),
            unit_price: price.into(),
            discount: disc.into(),
            tax_rate: tax.into(),
        }
    }

    #[test]
    fn a_line_is_price_times_quantity_less_discount_with_tax_taken_out_to_the_fen() {
        // ¥1,000 × 3 less 10 % = ¥2,700.00; ÷ 1.13 = ¥2,389.380… → ¥2,389.38.
        let (incl, excl) = line_amounts(Money::from_fen(100_000), 3, 1000, 1300).unwrap();
        assert_eq!(incl, Money::from_fen(270_000));
        assert_eq!(excl, Money::from_fen(238_938));
        // No tax: both the same.
        assert_eq!(
            line_amounts(Money::from_fen(999), 1, 0, 0).unwrap(),
            (Money::from_fen(999), Money::from_fen(999))
        );
        // 100 % discount: zero.
        assert_eq!(
            line_amounts(Money::from_fen(999), 7, 10_000, 600)
                .unwrap()
                .0,
            Money::ZERO
        );
        assert_eq!(line_amounts(Money::from_fen(i64::MAX), 2, 0, 0), None);
    }

    #[test]
    fn percentages_take_two_decimals_and_stay_within_a_hundred() {
        assert_eq!(parse_percent("d", "13", "c"), Ok(1300));
        assert_eq!(parse_percent("d", "6.5%", "c"), Ok(650));
        assert_eq!(parse_percent("d", " 12.34 ", "c"), Ok(1234));
        assert_eq!(parse_percent("d", "100", "c"), Ok(10_000));
        assert_eq!(parse_percent("d", "0", "c"), Ok(0));
        for bad in ["12.345", "-1", "101", "abc", "", ".5", "1e2", "1000"] {
            assert!(parse_percent("d", bad, "c").is_err(), "{bad}");
        }
        assert_eq!(percent_text(1300), "13");
        assert_eq!(percent_text(650), "6.5");
        assert_eq!(percent_text(1234), "12.34");
    }

    #[test]
    fn signing_above_the_threshold_waits_for_the_director_and_at_it_does_not() {
        use ContractStatus::*;
        let t = Money::from_fen(50_000_000);
        assert_eq!(next_status(Draft, Action::Sign, t, t), Ok(Signed));
        assert_eq!(
            next_status(Draft, Action::Sign, Money::from_fen(50_000_001), t),
            Ok(PendingApproval)
        );
        assert_eq!(
            next_status(PendingApproval, Action::Approve, t, t),
            Ok(Signed)
        );
        assert_eq!(
            next_status(PendingApproval, Action::Reject, t, t),
            Ok(Draft)
        );
        assert_eq!(
            next_status(Signed, Action::StartDelivery, t, t),
            Ok(InDelivery)
        );
        assert_eq!(
            next_status(InDelivery, Action::Complete, t, t),
            Ok(Completed)
        );
        for from in [Draft, PendingApproval, Signed, InDelivery] {
            assert_eq!(next_status(from, Action::Cancel, t, t), Ok(Cancelled));
        }
        assert_eq!(
            next_status(Signed, Action::Approve, t, t),
            Err("error.contract_not_pending")
        );
        assert_eq!(
            next_status(Cancelled, Action::Sign, t, t),
            Err("error.contract_cancelled")
        );
        assert_eq!(
            next_status(Completed, Action::Cancel, t, t),
            Err("error.contract_completed")
        );
        assert_eq!(
            next_status(Draft, Action::Complete, t, t),
            Err("error.contract_wrong_status")
        );
        assert!(Signed.counts_as_signed() && Completed.counts_as_signed());
        assert!(!PendingApproval.counts_as_signed() && !Cancelled.counts_as_signed());
    }

    #[test]
    fn a_contract_needs_a_title_a_past_signing_date_and_a_line_and_names_each_bad_field() {
        let today = d("2026-11-30");
        let ok = ContractInput {
            title: " OA 采购合同 ".into(),
            signing_date: "2026-11-27".into(),
            lines: vec![
                line("eoffice-std", "50", "1,200", "5", ""),
                line("", "", "", "", ""),
                line("mobile", "", "3.5万", "", "6"),
            ],
        };
        let f = ContractFields::parse(&ok, today).unwrap();
        assert_eq!(f.title, "OA 采购合同");
        assert_eq!(f.lines.len(), 2);
        // 1200 × 50 × 0.95 = 57,000.00; + 35,000.00.
        assert_eq!(f.total, Money::from_fen(9_200_000));
        assert_eq!(f.lines[0].tax_bp, 1300);
        assert_eq!(
            f.total_excl,
            Money::sum(f.lines.iter().map(|l| l.amount_excl)).unwrap()
        );
        let bad = ContractInput {
            title: String::new(),
            signing_date: "2026-12-01".into(),
            lines: vec![
                line("a", "0", "1.234", "5", "13"),
                line("b", "1", "-5", "120", "x"),
                line("c", "1", "abc", "", ""),
                line("c", "1", "1", "", ""),
            ],
        };
        let e = ContractFields::parse(&bad, today).unwrap_err();
        let got: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("title", "error.required"),
                ("signing_date", "error.contract_date_future"),
                ("lines[0].quantity", "error.deal_quantity"),
                ("lines[0].unit_price", crate::money::TOO_MANY_DECIMALS),
                ("lines[1].unit_price", crate::money::NEGATIVE),
                ("lines[1].discount", "error.contract_discount"),
                ("lines[1].tax_rate", "error.contract_tax_rate"),
                ("lines[2].unit_price", crate::money::NOT_A_NUMBER),
                ("lines[3].product", "error.deal_line_twice"),
            ]
        );
        let empty = ContractInput {
            lines: vec![],
            ..ok.clone()
        };
        assert_eq!(
            ContractFields::parse(&empty, today).unwrap_err().0[0].code,
            "error.contract_no_lines"
        );
        let huge = ContractInput {
            lines: vec![line("a", "1000000", "1000000", "", "")],
            ..ok
        };
        assert_eq!(
            ContractFields::parse(&huge, today).unwrap_err().0[0].code,
            crate::money::TOO_LARGE
        );
    }

    #[test]
    fn an_invoice_is_refused_above_what_is_left_and_outside_its_dates() {
        let today = d("2026-11-30");
        let signed = d("2026-11-01");
        let open = Money::from_fen(100_000);
        let ok = InvoiceInput {
            number: "0440 0123".into(),
            kind: "special".into(),
            issue_date: "2026-11-30".into(),
            amount: "1000".into(),
        };
        let f = InvoiceFields::parse(&ok, today, signed, open).unwrap();
        assert_eq!(f.number, "04400123");
        assert_eq!(f.kind, InvoiceKind::Special);
        assert_eq!(f.amount, open);
        let over = InvoiceInput {
            amount: "1000.01".into(),
            ..ok.clone()
        };
        assert_eq!(
            InvoiceFields::parse(&over, today, signed, open)
                .unwrap_err()
                .0[0]
                .code,
            "error.invoice_above_open"
        );
        let bad = InvoiceInput {
            number: "12".into(),
            kind: "vat".into(),
            issue_date: "2026-10-31".into(),
            amount: "0".into(),
        };
        let e = InvoiceFields::parse(&bad, today, signed, open).unwrap_err();
        let got: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("number", "error.invoice_number"),
                ("kind", "error.invalid_choice"),
                ("issue_date", "error.invoice_before_contract"),
                ("amount", "error.invoice_zero"),
            ]
        );
        assert_eq!(
            invoice_excl(
                Money::from_fen(11_300),
                Money::from_fen(11_300),
                Money::from_fen(10_000)
            ),
            Money::from_fen(10_000)
        );
    }

    #[test]
    fn an_attachment_is_told_by_its_bytes_not_its_name() {
        assert_eq!(
            check_attachment("C:\\scans\\合同.pdf", b"%PDF-1.7 ..."),
            Ok(("合同.pdf".to_string(), "application/pdf"))
        );
        assert_eq!(
            check_attachment("p.png", b"\x89PNG\r\n\x1a\nrest").map(|x| x.1),
            Ok("image/png")
        );
        assert_eq!(
            check_attachment("", &[0xFF, 0xD8, 0xFF, 0xE0]).map(|x| x.0),
            Ok("attachment.jpg".to_string())
        );
        // A program renamed to .pdf is refused.
        assert_eq!(
            check_attachment("合同.pdf", b"MZ\x90\x00")
                .unwrap_err()
                .code,
            "error.attachment_type"
        );
        assert_eq!(
            check_attachment("a.pdf", b"").unwrap_err().code,
            "error.attachment_empty"
        );
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(
            check_attachment("a.pdf", &big).unwrap_err().code,
            "error.attachment_too_large"
        );
    }

    #[test]
    fn revenue_rules_and_numbers_read_back() {
        for r in RevenueRule::ALL {
            assert_eq!(RevenueRule::parse(r.as_str()), Some(r));
        }
        assert_eq!(RevenueRule::default(), RevenueRule::OnSigning);
        assert_eq!(number(42), "HT-000042");
        assert_eq!(month_key(d("2024-02-29")), 202402);
        for s in ContractStatus::ALL {
            assert_eq!(ContractStatus::parse(s.as_str()), Some(s));
        }
    }
}
