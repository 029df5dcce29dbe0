//! Quotations (报价单, issue 13 point 2): a deal's versioned price offers.
//!
//! - **Versions**: a deal's quotations are numbered v1, v2, … (the numbering is the database's
//!   unique index); a new version starts as a copy of the latest one.
//! - **Lines**: a product of the products list, a whole quantity, a list price (tax-exclusive,
//!   at most two decimals), a discount in percent with at most two decimals (kept in basis
//!   points, 1/100 of a percent) and a tax rate from [`TAX_RATES`].
//! - **Rounding** (stated once, here, and unit-tested): each line is rounded on its own, to
//!   the fen, halves away from zero ("四舍五入"):
//!   `net = round(list price × quantity × (100 % − discount))`,
//!   `tax = round(net × tax rate)`, `gross = net + tax`. The quotation's totals are the sums of
//!   its lines' rounded amounts, so the printed lines always add up to the printed totals.
//! - **States** ([`QuoteState`], [`check`]): draft → (pending approval →) approved → sent; a
//!   pending quotation may be rejected with a comment, after which a new version is made. A
//!   quotation whose largest line discount is above the director's limit needs the approval of
//!   the customer's owner's manager before it can be sent; within the limit a draft is sent
//!   directly. Only a draft is edited.

use chrono::{Datelike, NaiveDate};

use crate::money::Money;
use crate::validate::{self, FieldError, FieldErrors};

/// Tax rates a line may carry, in basis points (1300 = 13 %): China's VAT rates (13 %, 9 %,
/// 6 %), the small-scale taxpayer's 3 % and 1 %, and 0 % (exempt or exported).
pub const TAX_RATES: [u32; 6] = [1300, 900, 600, 300, 100, 0];
/// A new line's tax rate: 13 %, the rate of software sold as goods.
pub const DEFAULT_TAX_RATE: u32 = 1300;
/// 100 % in basis points.
pub const FULL: u32 = 10_000;
/// The largest list price of one unit: ¥100,000,000.00.
pub const MAX_PRICE: Money = Money::from_fen(10_000_000_000);
/// The largest quantity of one line.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// Most lines on one quotation.
pub const MAX_LINES: usize = 30;
/// Longest note (characters).
pub const MAX_NOTE: usize = 2000;
/// Longest rejection comment (characters).
pub const MAX_COMMENT: usize = 2000;
/// The director's discount limit unless set: 10 %.
pub const DEFAULT_DISCOUNT_LIMIT: u32 = 1000;
/// How long a quotation is valid unless set: 30 days.
pub const DEFAULT_VALIDITY_DAYS: u32 = 30;

/// Where a quotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuoteState {
    Draft,
    Pending,
    Approved,
    Rejected,
    Sent,
}

impl QuoteState {
    pub const ALL: [QuoteState; 5] = [
        QuoteState::Draft,
        QuoteState::Pending,
        QuoteState::Approved,
        QuoteState::Rejected,
        QuoteState::Sent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuoteState::Draft => "draft",
            QuoteState::Pending => "pending",
            QuoteState::Approved => "approved",
            QuoteState::Rejected => "rejected",
            QuoteState::Sent => "sent",
        }
    }

    pub fn parse(s: &str) -> Option<QuoteState> {
        QuoteState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The i18n key of its name.
    pub fn label_key(self) -> String {
        format!("quote.state.{}", self.as_str())
    }
}

/// What someone does to a quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Ask for approval (a discount above the limit).
    Submit,
    Approve,
    Reject,
    /// Mark it sent to the customer.
    Send,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Send => "send",
        }
    }
}

/// The state an action leads to from `from`, or the i18n key of the refusal. `needs_approval`:
/// the quotation's largest discount is above the limit.
pub fn check(
    from: QuoteState,
    action: Action,
    needs_approval: bool,
) -> Result<QuoteState, &'static str> {
    use QuoteState::*;
    match (action, from) {
        (Action::Submit, Draft) if needs_approval => Ok(Pending),
        (Action::Submit, Draft) => Err("error.quote_no_approval_needed"),
        (Action::Approve | Action::Reject, Pending) => Ok(if action == Action::Approve {
            Approved
        } else {
            Rejected
        }),
        (Action::Approve | Action::Reject, _) => Err("error.quote_not_pending"),
        (Action::Send, Approved) => Ok(Sent),
        (Action::Send, Draft) if !needs_approval => Ok(Sent),
        (Action::Send, Draft) => Err("error.quote_needs_approval"),
        (Action::Send, Pending) => Err("error.quote_needs_approval"),
        (_, Sent) => Err("error.quote_sent"),
        (_, Rejected) => Err("error.quote_rejected"),
        (Action::Submit, Pending | Approved) => Err("error.quote_not_draft"),
    }
}

/// A percentage in basis points as people read it: `12.5%`, `13%`, `0%`.
pub fn percent_text(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

/// A percentage as typed (`12.5`, `12.50`, `12.5%`, `０`… no: ASCII digits only) into basis
/// points: 0–100 with at most two decimals. Errors name `field`: `error.quote_percent_format`,
/// `error.quote_percent_decimals`, `error.quote_percent_range` (negative or above 100).
pub fn parse_percent(field: &str, s: &str) -> Result<u32, FieldError> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (t.contains('.') && frac.is_empty()) {
        return Err(FieldError::new(field, "error.quote_percent_format"));
    }
    if frac.len() > 2 {
        return Err(FieldError::new(field, "error.quote_percent_decimals"));
    }
    if negative {
        return Err(FieldError::new(field, "error.quote_percent_range"));
    }
    // More than three integer digits is above 100 whatever they are.
    if int.trim_start_matches('0').len() > 3 {
        return Err(FieldError::new(field, "error.quote_percent_range"));
    }
    let whole: u32 = int.parse().unwrap_or(u32::MAX / 1000);
    let mut f: u32 = frac.parse().unwrap_or(0);
    if frac.len() == 1 {
        f *= 10;
    }
    let bp = whole * 100 + f;
    if bp > FULL {
        return Err(FieldError::new(field, "error.quote_percent_range"));
    }
    Ok(bp)
}

/// A tax rate as typed (`13`, `13%`, `6`): one of [`TAX_RATES`].
pub fn parse_tax_rate(field: &str, s: &str) -> Result<u32, FieldError> {
    match parse_percent(field, s) {
        Ok(bp) if TAX_RATES.contains(&bp) => Ok(bp),
        _ => Err(FieldError::new(field, "error.quote_tax_rate")),
    }
}

/// A quantity as typed: a whole number 1–[`MAX_QUANTITY`] (`2.5`, `0`, `-1` refused).
pub fn parse_quantity(field: &str, s: &str) -> Result<i64, FieldError> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(q) if (1..=MAX_QUANTITY).contains(&q) => Ok(q),
        _ => Err(FieldError::with_arg(
            field,
            "error.quote_quantity",
            MAX_QUANTITY,
        )),
    }
}

/// One line's amounts, each rounded to the fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineAmounts {
    /// list price × quantity, before the discount.
    pub list: Money,
    /// After the discount, tax excluded.
    pub net: Money,
    pub tax: Money,
    /// net + tax.
    pub gross: Money,
}

/// A line's amounts (see the module's rounding rule). `None` only beyond 64 bits of fen, which
/// the limits on price and quantity rule out.
pub fn line_amounts(
    price: Money,
    quantity: i64,
    discount_bp: u32,
    tax_bp: u32,
) -> Option<LineAmounts> {
    let list = price.checked_mul(quantity)?;
    let net = list.checked_ratio(i64::from(FULL.saturating_sub(discount_bp)), i64::from(FULL))?;
    let tax = net.checked_ratio(i64::from(tax_bp), i64::from(FULL))?;
    let gross = net.checked_add(tax)?;
    Some(LineAmounts {
        list,
        net,
        tax,
        gross,
    })
}

/// A quotation's totals: the sums of its lines' rounded amounts.
pub fn totals<'a>(lines: impl IntoIterator<Item = &'a LineAmounts>) -> Option<LineAmounts> {
    lines
        .into_iter()
        .try_fold(LineAmounts::default(), |acc, l| {
            Some(LineAmounts {
                list: acc.list.checked_add(l.list)?,
                net: acc.net.checked_add(l.net)?,
                tax: acc.tax.checked_add(l.tax)?,
                gross: acc.gross.checked_add(l.gross)?,
            })
        })
}

/// Whether a quotation whose largest line discount is `max_discount_bp` needs approval under
/// the limit `limit_bp`: strictly above it (a discount equal to the limit is within it).
pub fn needs_approval(max_discount_bp: u32, limit_bp: u32) -> bool {
    max_discount_bp > limit_bp
}

/// A line as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub product_code: String,
    pub quantity: String,
    pub list_price: String,
    /// Percent; empty is 0.
    pub discount: String,
    /// Percent; empty is the default rate.
    pub tax_rate: String,
}

impl LineInput {
    fn is_blank(&self) -> bool {
        self.product_code.trim().is_empty()
            && self.quantity.trim().is_empty()
            && self.list_price.trim().is_empty()
            && self.discount.trim().is_empty()
    }
}

/// A checked line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub product_code: String,
    pub quantity: i64,
    pub list_price: Money,
    pub discount_bp: u32,
    pub tax_bp: u32,
    pub amounts: LineAmounts,
}

/// A quotation's editable fields as typed.
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    /// `2026-12-31`.
    pub valid_until: String,
    pub note: String,
    /// Rows left entirely blank are skipped (a form has spare rows).
    pub lines: Vec<LineInput>,
}

/// A quotation's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteFields {
    pub valid_until: NaiveDate,
    pub note: Option<String>,
    pub lines: Vec<Line>,
    pub totals: LineAmounts,
    /// The largest line discount (basis points).
    pub max_discount_bp: u32,
}

impl QuoteFields {
    /// Checks every field; `today` is the first day a quotation may be valid until. Errors name
    /// `valid_until`, `note`, `lines` and `lines[i].product` / `.quantity` / `.list_price` /
    /// `.discount` / `.tax_rate` (`i` counts the rows as sent, blank ones included). Product
    /// codes are checked against the list by the caller.
    pub fn parse(i: &QuoteInput, today: NaiveDate) -> Result<QuoteFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let valid_until = match i.valid_until.trim() {
            "" => {
                errs.push(FieldError::new("valid_until", "error.required"));
                None
            }
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if !(2000..=2999).contains(&d.year()) => {
                    errs.push(FieldError::new("valid_until", "error.date_format"));
                    None
                }
                Ok(d) if d < today => {
                    errs.push(FieldError::new("valid_until", "error.quote_valid_past"));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errs.push(FieldError::new("valid_until", "error.date_format"));
                    None
                }
            },
        };
        let note = errs
            .take(validate::optional_long_text("note", &i.note, MAX_NOTE))
            .flatten();
        let mut lines = Vec::new();
        for (n, l) in i.lines.iter().enumerate() {
            if l.is_blank() {
                continue;
            }
            let f = |name: &str| format!("lines[{n}].{name}");
            let code = l.product_code.trim();
            if code.is_empty() {
                errs.push(FieldError::new(f("product"), "error.required"));
            } else if lines.iter().any(|x: &Line| x.product_code == code) {
                errs.push(FieldError::new(f("product"), "error.quote_line_twice"));
            }
            let quantity = errs.take(parse_quantity(&f("quantity"), &l.quantity));
            let price = match l.list_price.trim() {
                "" => {
                    errs.push(FieldError::new(f("list_price"), "error.required"));
                    None
                }
                p => errs.take(Money::parse_amount(&f("list_price"), p, MAX_PRICE)),
            };
            let discount = match l.discount.trim() {
                "" => Some(0),
                d => errs.take(parse_percent(&f("discount"), d)),
            };
            let tax = match l.tax_rate.trim() {
                "" => Some(DEFAULT_TAX_RATE),
                t => errs.take(parse_tax_rate(&f("tax_rate"), t)),
            };
            if let (false, Some(q), Some(p), Some(d), Some(t)) =
                (code.is_empty(), quantity, price, discount, tax)
            {
                match line_amounts(p, q, d, t) {
                    Some(amounts) => lines.push(Line {
                        product_code: code.to_string(),
                        quantity: q,
                        list_price: p,
                        discount_bp: d,
                        tax_bp: t,
                        amounts,
                    }),
                    None => errs.push(FieldError::new(f("quantity"), "error.money_too_large")),
                }
            }
        }
        if lines.len() > MAX_LINES {
            errs.push(FieldError::with_arg(
                "lines",
                "error.quote_too_many_lines",
                MAX_LINES,
            ));
        }
        let totals = totals(lines.iter().map(|l| &l.amounts));
        if totals.is_none() {
            errs.push(FieldError::new("lines", "error.money_too_large"));
        }
        errs.into_result()?;
        let max_discount_bp = lines.iter().map(|l| l.discount_bp).max().unwrap_or(0);
        Ok(QuoteFields {
            valid_until: valid_until.unwrap_or(today),
            note,
            totals: totals.unwrap_or_default(),
            max_discount_bp,
            lines,
        })
    }
}

/// An amount in Chinese capital numerals as printed on a quotation or contract (大写金额):
/// `¥10,010.50` → 壹万零壹拾元伍角; whole yuan end in 整. Negative amounts start with 负.
pub fn upper_case_yuan(m: Money) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
    let fen = m.fen().unsigned_abs();
    let yuan = fen / 100;
    let jiao = (fen / 10 % 10) as usize;
    let cents = (fen % 10) as usize;
    let mut out = String::new();
    if m.is_negative() {
        out.push('负');
    }
    if fen == 0 {
        out.push_str("零元整");
        return out;
    }
    if yuan > 0 {
        let digits = yuan.to_string();
        let len = digits.len();
        let mut zero = false;
        let mut group_has = false;
        for (i, c) in digits.bytes().enumerate() {
            let pos = len - 1 - i;
            let d = usize::from(c - b'0');
            if d == 0 {
                zero = true;
            } else {
                if zero {
                    out.push('零');
                    zero = false;
                }
                out.push(DIGITS[d]);
                out.push_str(UNITS[pos % 4]);
                group_has = true;
            }
            if pos.is_multiple_of(4) {
                if group_has {
                    out.push_str(GROUPS[(pos / 4).min(GROUPS.len() - 1)]);
                }
                group_has = false;
            }
        }
        out.push('元');
    }
    if jiao == 0 && cents == 0 {
        out.push('整');
        return out;
    }
    if jiao > 0 {
        out.push(DIGITS[jiao]);
        out.push('角');
    } else if yuan > 0 {
        out.push('零');
    }
    if cents > 0 {
        out.push(DIGITS[cents]);
        out.push('分');
    }
    out
}

/// The rejection comment: required, at most [`MAX_COMMENT`] characters.
pub fn parse_comment(s: &str) -> Result<String, FieldError> {
    validate::required_long_text("comment", s, MAX_COMMENT).map_err(|e| {
        if e.code == "error.required" {
            FieldError::new("comment", "error.quote_reject_comment")
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(fen: i64) -> Money {
        Money::from_fen(fen)
    }

    #[test]
    fn a_line_is_rounded_on_its_own_to_the_fen_halves_up() {
        // ¥0.05 × 1 at 30 % off = 3.5 fen → 4 fen; 13 % tax on 4 fen = 0.52 → 1 fen.
        let a = line_amounts(m(5), 1, 3000, 1300).unwrap();
        assert_eq!((a.list, a.net, a.tax, a.gross), (m(5), m(4), m(1), m(5)));
        // ¥1,999.99 × 3 at 12.5 % off = 5,249.97375 → ¥5,249.97; 6 % tax 314.9982 → ¥315.00.
        let a = line_amounts(m(199_999), 3, 1250, 600).unwrap();
        assert_eq!(a.list, m(599_997));
        assert_eq!(a.net, m(524_997));
        assert_eq!(a.tax, m(31_500));
        assert_eq!(a.gross, m(556_497));
        // Exactly half a fen rounds up: ¥0.01 at 50 % off = 0.5 fen → 1 fen.
        assert_eq!(line_amounts(m(1), 1, 5000, 0).unwrap().net, m(1));
        // 100 % off is zero whatever the tax.
        let a = line_amounts(m(123_456), 7, FULL, 1300).unwrap();
        assert_eq!((a.net, a.tax, a.gross), (m(0), m(0), m(0)));
    }

    #[test]
    fn the_totals_are_the_sums_of_the_rounded_lines_not_a_rounding_of_the_sum() {
        // Three lines of 0.5 fen tax each: each rounds to 1 fen, so the total tax is 3 fen,
        // where taxing the summed net (3 × 5 fen = 15 × 10 % = 1.5) would give 2.
        let l = line_amounts(m(5), 1, 0, 1000).unwrap();
        assert_eq!(l.tax, m(1));
        let t = totals([&l, &l, &l]).unwrap();
        assert_eq!((t.net, t.tax, t.gross), (m(15), m(3), m(18)));
        assert_eq!(totals([]).unwrap(), LineAmounts::default());
    }

    #[test]
    fn the_largest_price_and_quantity_fit_in_64_bits() {
        let a = line_amounts(MAX_PRICE, MAX_QUANTITY, 0, 1300).unwrap();
        assert_eq!(a.net, m(10_000_000_000 * 1_000_000));
        assert_eq!(line_amounts(m(i64::MAX), 2, 0, 0), None);
    }

    #[test]
    fn a_percentage_has_at_most_two_decimals_and_lies_between_0_and_100() {
        assert_eq!(parse_percent("d", "12.5"), Ok(1250));
        assert_eq!(parse_percent("d", "12.50%"), Ok(1250));
        assert_eq!(parse_percent("d", " 0 "), Ok(0));
        assert_eq!(parse_percent("d", "100"), Ok(10_000));
        assert_eq!(parse_percent("d", "0.01"), Ok(1));
        assert_eq!(parse_percent("d", "007"), Ok(700));
        for (bad, code) in [
            ("100.01", "error.quote_percent_range"),
            ("101", "error.quote_percent_range"),
            ("-5", "error.quote_percent_range"),
            ("99999999999999", "error.quote_percent_range"),
            ("12.345", "error.quote_percent_decimals"),
            ("abc", "error.quote_percent_format"),
            ("1.", "error.quote_percent_format"),
            (".5", "error.quote_percent_format"),
            ("1e2", "error.quote_percent_format"),
            ("", "error.quote_percent_format"),
            ("１２", "error.quote_percent_format"),
        ] {
            assert_eq!(parse_percent("d", bad).unwrap_err().code, code, "{bad:?}");
        }
        assert_eq!(percent_text(1250), "12.5%");
        assert_eq!(percent_text(1300), "13%");
        assert_eq!(percent_text(1), "0.01%");
        assert_eq!(percent_text(1225), "12.25%");
    }

    #[test]
    fn a_tax_rate_is_one_of_the_list_and_a_quantity_a_positive_whole_number() {
        assert_eq!(parse_tax_rate("t", "13"), Ok(1300));
        assert_eq!(parse_tax_rate("t", "6%"), Ok(600));
        assert_eq!(parse_tax_rate("t", "0"), Ok(0));
        assert_eq!(
            parse_tax_rate("t", "17").unwrap_err().code,
            "error.quote_tax_rate"
        );
        assert_eq!(parse_quantity("q", "3"), Ok(3));
        for bad in ["0", "-1", "2.5", "1,000", "", "x", "1000001"] {
            assert_eq!(
                parse_quantity("q", bad).unwrap_err().code,
                "error.quote_quantity",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_discount_equal_to_the_limit_is_within_it() {
        assert!(!needs_approval(1000, 1000));
        assert!(needs_approval(1001, 1000));
        assert!(!needs_approval(0, 0));
        assert!(needs_approval(1, 0));
    }

    #[test]
    fn a_quotation_moves_draft_pending_approved_sent_or_is_rejected() {
        use QuoteState::*;
        assert_eq!(check(Draft, Action::Submit, true), Ok(Pending));
        assert_eq!(
            check(Draft, Action::Submit, false),
            Err("error.quote_no_approval_needed")
        );
        assert_eq!(check(Draft, Action::Send, false), Ok(Sent));
        assert_eq!(
            check(Draft, Action::Send, true),
            Err("error.quote_needs_approval")
        );
        assert_eq!(
            check(Pending, Action::Send, true),
            Err("error.quote_needs_approval")
        );
        assert_eq!(check(Pending, Action::Approve, true), Ok(Approved));
        assert_eq!(check(Pending, Action::Reject, true), Ok(Rejected));
        assert_eq!(check(Approved, Action::Send, true), Ok(Sent));
        assert_eq!(
            check(Approved, Action::Approve, true),
            Err("error.quote_not_pending")
        );
        assert_eq!(check(Sent, Action::Send, false), Err("error.quote_sent"));
        assert_eq!(
            check(Rejected, Action::Send, false),
            Err("error.quote_rejected")
        );
        assert_eq!(
            check(Rejected, Action::Submit, true),
            Err("error.quote_rejected")
        );
        assert_eq!(
            check(Approved, Action::Submit, true),
            Err("error.quote_not_draft")
        );
        for s in QuoteState::ALL {
            assert_eq!(QuoteState::parse(s.as_str()), Some(s));
        }
    }

    fn line(code: &str, q: &str, p: &str, d: &str, t: &str) -> LineInput {
        LineInput {
            product_code: code.into(),
            quantity: q.into(),
            list_price: p.into(),
            discount: d.into(),
            tax_rate: t.into(),
        }
    }

    #[test]
    fn amounts_are_written_in_capital_numerals_for_the_printed_page() {
        assert_eq!(upper_case_yuan(m(1_001_050)), "壹万零壹拾元伍角");
        assert_eq!(upper_case_yuan(m(10_001_000)), "壹拾万零壹拾元整");
        assert_eq!(upper_case_yuan(m(10_000_000_000)), "壹亿元整");
        assert_eq!(upper_case_yuan(m(10_000_000_100)), "壹亿零壹元整");
        assert_eq!(
            upper_case_yuan(m(123_456_789)),
            "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"
        );
        assert_eq!(upper_case_yuan(m(100_003)), "壹仟元零叁分");
        assert_eq!(upper_case_yuan(m(53)), "伍角叁分");
        assert_eq!(upper_case_yuan(m(7)), "柒分");
        assert_eq!(upper_case_yuan(m(0)), "零元整");
        assert_eq!(upper_case_yuan(m(-200)), "负贰元整");
        assert_eq!(upper_case_yuan(m(100_000_000_000_000)), "壹万亿元整");
    }

    #[test]
    fn a_form_reports_every_bad_field_by_row_and_skips_blank_rows() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let i = QuoteInput {
            valid_until: "2026-11-29".into(),
            note: String::new(),
            lines: vec![
                line("eoffice", "0", "1.234", "101", "17"),
                line("", "", "", "", ""),
                line("eoffice", "2.5", "-1", "-3", ""),
            ],
        };
        let e = QuoteFields::parse(&i, today).unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("valid_until", "error.quote_valid_past"),
                ("lines[0].quantity", "error.quote_quantity"),
                ("lines[0].list_price", "error.money_decimals"),
                ("lines[0].discount", "error.quote_percent_range"),
                ("lines[0].tax_rate", "error.quote_tax_rate"),
                ("lines[2].quantity", "error.quote_quantity"),
                ("lines[2].list_price", "error.money_negative"),
                ("lines[2].discount", "error.quote_percent_range"),
            ]
        );
        let ok = QuoteFields::parse(
            &QuoteInput {
                valid_until: "2026-12-30".into(),
                note: "含实施".into(),
                lines: vec![
                    line("eoffice", "10", "1,000", "15", ""),
                    line("", "", "", "", ""),
                    line("mobile", "1", "500.5", "", "6"),
                ],
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.lines.len(), 2);
        assert_eq!(ok.max_discount_bp, 1500);
        assert_eq!(ok.totals.net, m(850_000 + 50_050));
        assert_eq!(ok.totals.tax, m(110_500 + 3_003));
        assert_eq!(ok.totals.gross, m(960_500 + 53_053));
    }
}
