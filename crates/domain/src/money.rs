//! Money (issue 13, point 4): an exact amount of renminbi in integer fen (分, 1/100 yuan).
//!
//! Never a floating-point number: the database stores fen in a `BIGINT`, arithmetic is checked
//! (an overflow is an error, not a wrapped or saturated amount), and text is parsed digit by
//! digit. Shown as `¥1,234,567.89` (`-¥1,234.00` when negative); typed as `1234567.89`,
//! `1,234,567.89`, `¥1,234`, `￥1234.5` or `123.4万` (ten thousand yuan, the unit Chinese
//! sales people think in).

use std::fmt;

use crate::FieldError;

/// An amount in fen. Ordered and compared as the number of fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a text is not an amount (each an i18n key).
pub const NOT_A_NUMBER: &str = "error.money_format";
pub const TOO_MANY_DECIMALS: &str = "error.money_decimals";
pub const TOO_LARGE: &str = "error.money_too_large";
pub const NEGATIVE: &str = "error.money_negative";

/// Fen in one yuan and in one 万 (ten thousand yuan).
const FEN_PER_YUAN: i64 = 100;
const FEN_PER_WAN: i64 = 1_000_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// Whole yuan; `None` when it does not fit.
    pub fn from_yuan(yuan: i64) -> Option<Money> {
        yuan.checked_mul(FEN_PER_YUAN).map(Money)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// The amount times a whole quantity.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    /// `numerator / denominator` of the amount, rounded to the nearest fen, halves away from
    /// zero (the rounding people do by hand; not banker's rounding). `None` for a zero
    /// denominator or a result that does not fit. Computed in 128 bits, so no intermediate
    /// product overflows.
    pub fn checked_ratio(self, numerator: i64, denominator: i64) -> Option<Money> {
        if denominator == 0 {
            return None;
        }
        let p = i128::from(self.0) * i128::from(numerator);
        let d = i128::from(denominator);
        let q = p / d;
        let r = p % d;
        // |r| * 2 >= |d|: round away from zero.
        let q = if r.abs() * 2 >= d.abs() {
            if (p < 0) != (d < 0) { q - 1 } else { q + 1 }
        } else {
            q
        };
        i64::try_from(q).ok().map(Money)
    }

    /// `percent` % of the amount (a win probability 0–100), rounded as [`Money::checked_ratio`].
    pub fn percent(self, percent: u8) -> Option<Money> {
        self.checked_ratio(i64::from(percent), 100)
    }

    /// The sum of amounts, or `None` on overflow.
    pub fn sum(items: impl IntoIterator<Item = Money>) -> Option<Money> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    /// `1234567.89`, `-0.50`: the decimal text of the API (always two decimals, no grouping).
    pub fn to_decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `¥1,234,567.89`, `-¥1,234.00`: how pages show an amount.
    pub fn display(self) -> String {
        self.to_string()
    }

    /// Parses what a person types (see the module's description). Spaces are ignored; a
    /// leading `-` makes it negative. Errors name `field`.
    pub fn parse(field: &str, s: &str) -> Result<Money, FieldError> {
        parse(s).map_err(|code| FieldError::new(field, code))
    }

    /// As [`Money::parse`], refusing a negative amount and one above `max`.
    pub fn parse_amount(field: &str, s: &str, max: Money) -> Result<Money, FieldError> {
        let m = Money::parse(field, s)?;
        if m.is_negative() {
            return Err(FieldError::new(field, NEGATIVE));
        }
        if m > max {
            return Err(FieldError::with_arg(field, TOO_LARGE, max.display()));
        }
        Ok(m)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let yuan = (abs / 100).to_string();
        let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
        for (i, c) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}¥{grouped}.{:02}", abs % 100)
    }
}

fn parse(s: &str) -> Result<Money, &'static str> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let t = t
        .strip_prefix('¥')
        .or_else(|| t.strip_prefix('￥'))
        .unwrap_or(t);
    let (t, unit, max_decimals) = match t.strip_suffix('万') {
        Some(rest) => (rest, FEN_PER_WAN, 6),
        None => (t, FEN_PER_YUAN, 2),
    };
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty() || !int.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NOT_A_NUMBER);
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) || (t.contains('.') && frac.is_empty()) {
        return Err(NOT_A_NUMBER);
    }
    let digits = grouped_digits(int)?;
    if frac.len() > max_decimals {
        return Err(TOO_MANY_DECIMALS);
    }
    // Whole units, then the decimals scaled to fen: "123.4万" = 123 × 1,000,000 + 4 × 100,000.
    let mut fen: i64 = 0;
    for d in digits.bytes() {
        fen = fen
            .checked_mul(10)
            .and_then(|x| x.checked_add(i64::from(d - b'0')))
            .ok_or(TOO_LARGE)?;
    }
    fen = fen.checked_mul(unit).ok_or(TOO_LARGE)?;
    let mut scale = unit;
    for d in frac.bytes() {
        scale /= 10;
        fen = fen
            .checked_add(i64::from(d - b'0') * scale)
            .ok_or(TOO_LARGE)?;
    }
    Ok(Money(if negative { -fen } else { fen }))
}

/// The digits of an integer part, with or without thousands separators; with them, every
/// group after the first has exactly three digits (`1,234,567`; not `12,34` or `1,,234`).
fn grouped_digits(int: &str) -> Result<String, &'static str> {
    if !int.contains(',') {
        return if int.chars().all(|c| c.is_ascii_digit()) {
            Ok(int.to_string())
        } else {
            Err(NOT_A_NUMBER)
        };
    }
    let mut out = String::new();
    for (i, g) in int.split(',').enumerate() {
        let ok = g.chars().all(|c| c.is_ascii_digit())
            && if i == 0 {
                (1..=3).contains(&g.len())
            } else {
                g.len() == 3
            };
        if !ok {
            return Err(NOT_A_NUMBER);
        }
        out.push_str(g);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<i64, &'static str> {
        parse(s).map(Money::fen)
    }

    #[test]
    fn amounts_are_typed_with_or_without_grouping_the_yuan_sign_or_in_wan() {
        assert_eq!(p("1234567.89"), Ok(123_456_789));
        assert_eq!(p("1,234,567.89"), Ok(123_456_789));
        assert_eq!(p("123.4万"), Ok(123_400_000));
        assert_eq!(p("¥1,234"), Ok(123_400));
        assert_eq!(p("￥1234.5"), Ok(123_450));
        assert_eq!(p(" 12 万 "), Ok(12_000_000));
        assert_eq!(p("0.01"), Ok(1));
        assert_eq!(p("-1,234.00"), Ok(-123_400));
        assert_eq!(p("-¥5"), Ok(-500));
        assert_eq!(p("0"), Ok(0));
        // 万 with up to six decimals is still a whole number of fen.
        assert_eq!(p("0.000001万"), Ok(1));
    }

    #[test]
    fn more_than_two_decimals_are_refused_not_rounded() {
        assert_eq!(p("1.234"), Err(TOO_MANY_DECIMALS));
        assert_eq!(p("0.001"), Err(TOO_MANY_DECIMALS));
        assert_eq!(p("1.0000001万"), Err(TOO_MANY_DECIMALS));
    }

    #[test]
    fn text_that_is_not_a_number_is_refused() {
        for bad in [
            "",
            "abc",
            "1.2.3",
            "12,34",
            "1,,234",
            ",123",
            "1,234,56",
            "1.",
            ".5",
            "1e5",
            "--1",
            "¥",
            "万",
            "1万万",
            "NaN",
            "inf",
            "1 234,5",
            "+5",
            "0x10",
            "１２３",
        ] {
            assert_eq!(p(bad), Err(NOT_A_NUMBER), "{bad:?}");
        }
    }

    #[test]
    fn an_amount_beyond_what_fits_is_refused_not_wrapped() {
        assert_eq!(p("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(p("92233720368547758.08"), Err(TOO_LARGE));
        assert_eq!(p("99999999999999999999"), Err(TOO_LARGE));
        assert_eq!(p("92233720368548万"), Err(TOO_LARGE));
    }

    #[test]
    fn amounts_are_shown_with_the_yuan_sign_grouping_and_two_decimals() {
        assert_eq!(Money::from_fen(123_456_789).to_string(), "¥1,234,567.89");
        assert_eq!(Money::from_fen(-123_400).to_string(), "-¥1,234.00");
        assert_eq!(Money::from_fen(5).to_string(), "¥0.05");
        assert_eq!(Money::from_fen(0).to_string(), "¥0.00");
        assert_eq!(Money::from_fen(100_000).to_string(), "¥1,000.00");
        assert_eq!(Money::from_fen(99_999).to_string(), "¥999.99");
        assert_eq!(
            Money::from_fen(i64::MIN).to_string(),
            "-¥92,233,720,368,547,758.08"
        );
        assert_eq!(Money::from_fen(123_456_789).to_decimal(), "1234567.89");
        assert_eq!(Money::from_fen(-50).to_decimal(), "-0.50");
    }

    #[test]
    fn what_is_shown_or_sent_parses_back_to_the_same_amount() {
        for fen in [0, 1, -1, 99, 100, 123_456_789, -987_654_321_012, i64::MAX] {
            let m = Money::from_fen(fen);
            assert_eq!(parse(&m.to_string()), Ok(m), "{m}");
            assert_eq!(parse(&m.to_decimal()), Ok(m), "{m}");
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::from_fen(150);
        assert_eq!(
            a.checked_add(Money::from_fen(50)),
            Some(Money::from_fen(200))
        );
        assert_eq!(
            a.checked_sub(Money::from_fen(200)),
            Some(Money::from_fen(-50))
        );
        assert_eq!(a.checked_mul(3), Some(Money::from_fen(450)));
        assert_eq!(
            Money::from_fen(i64::MAX).checked_add(Money::from_fen(1)),
            None
        );
        assert_eq!(
            Money::from_fen(i64::MIN).checked_sub(Money::from_fen(1)),
            None
        );
        assert_eq!(Money::from_fen(i64::MAX).checked_mul(2), None);
        assert_eq!(Money::from_fen(i64::MIN).checked_neg(), None);
        assert_eq!(Money::from_yuan(i64::MAX), None);
        assert_eq!(Money::from_yuan(12), Some(Money::from_fen(1200)));
        assert_eq!(
            Money::sum([Money::from_fen(1), Money::from_fen(2)]),
            Some(Money::from_fen(3))
        );
        assert_eq!(
            Money::sum([Money::from_fen(i64::MAX), Money::from_fen(1)]),
            None
        );
    }

    #[test]
    fn a_percentage_rounds_halves_away_from_zero() {
        // 30 % of ¥0.05 = 1.5 fen → 2 fen; of -¥0.05 → -2 fen.
        assert_eq!(Money::from_fen(5).percent(30), Some(Money::from_fen(2)));
        assert_eq!(Money::from_fen(-5).percent(30), Some(Money::from_fen(-2)));
        // 10 % of 4 fen = 0.4 → 0; 70 % of ¥1,234,567.89 = 86,419,752.3 fen → …752.
        assert_eq!(Money::from_fen(4).percent(10), Some(Money::ZERO));
        assert_eq!(
            Money::from_fen(123_456_789).percent(70),
            Some(Money::from_fen(86_419_752))
        );
        assert_eq!(
            Money::from_fen(i64::MAX).percent(100),
            Some(Money::from_fen(i64::MAX))
        );
        // The intermediate product does not overflow.
        assert_eq!(
            Money::from_fen(i64::MAX).percent(50),
            Some(Money::from_fen(i64::MAX / 2 + 1))
        );
        assert_eq!(Money::from_fen(1).checked_ratio(1, 0), None);
        assert_eq!(Money::from_fen(i64::MAX).checked_ratio(3, 1), None);
    }

    #[test]
    fn an_amount_field_refuses_negative_and_too_large_amounts_naming_the_field() {
        let max = Money::from_fen(1_000_000_000_000);
        assert_eq!(
            Money::parse_amount("amount", "1,234.5", max),
            Ok(Money::from_fen(123_450))
        );
        let e = Money::parse_amount("amount", "-1", max).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("amount", NEGATIVE));
        let e = Money::parse_amount("amount", "10000000001", max).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("amount", TOO_LARGE));
        let e = Money::parse_amount("amount", "1.005", max).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("amount", TOO_MANY_DECIMALS));
        let e = Money::parse_amount("amount", "十万", max).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("amount", NOT_A_NUMBER));
    }
}
