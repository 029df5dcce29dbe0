//! Deals (商机, issue 13 point 1): the pipeline's stages, how a deal moves between them, its
//! weighted amount and the forecast by month.
//!
//! - **Stages** are a list the administrator keeps (`deal_stages`): open stages in order, each
//!   with a default win probability, and exactly one won (100 %) and one lost (0 %) stage. The
//!   shipped list is [`DEFAULT_STAGES`].
//! - **Moves** ([`check_move`]): an open deal moves to any other open stage (forward or back),
//!   is won, or is lost — lost needs a reason from [`LOST_REASONS`] and may name the competitor.
//!   A closed deal moves only by a reopen: a won deal by a manager (audited), a lost one by
//!   whoever works on it. Won never goes straight to lost or back.
//! - **Weighted amount** = amount × probability, rounded to the fen, halves away from zero.
//! - **Forecast**: open deals by the month of their expected signing date, won deals by the
//!   month they were won in the company's zone (Asia/Shanghai by default), both as [`Month`].

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::money::Money;
use crate::validate::{self, FieldError, FieldErrors};

/// What a stage means for the deals in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub const ALL: [StageKind; 3] = [StageKind::Open, StageKind::Won, StageKind::Lost];

    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<StageKind> {
        StageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The probability a stage of this kind must have, if fixed: won 100, lost 0.
    pub fn fixed_probability(self) -> Option<u8> {
        match self {
            StageKind::Open => None,
            StageKind::Won => Some(100),
            StageKind::Lost => Some(0),
        }
    }
}

/// A stage as shipped: (code, 中文, English, kind, default probability).
pub struct DefaultStage {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub kind: StageKind,
    pub probability: u8,
}

/// The stages a new installation starts with (the example), in order.
pub const DEFAULT_STAGES: [DefaultStage; 6] = [
    DefaultStage {
        code: "requirement",
        name_zh: "需求确认",
        name_en: "Requirement confirmed",
        kind: StageKind::Open,
        probability: 10,
    },
    DefaultStage {
        code: "solution",
        name_zh: "方案/演示",
        name_en: "Solution / demo",
        kind: StageKind::Open,
        probability: 30,
    },
    DefaultStage {
        code: "quotation",
        name_zh: "报价",
        name_en: "Quotation",
        kind: StageKind::Open,
        probability: 50,
    },
    DefaultStage {
        code: "negotiation",
        name_zh: "谈判",
        name_en: "Negotiation",
        kind: StageKind::Open,
        probability: 70,
    },
    DefaultStage {
        code: "won",
        name_zh: "赢单",
        name_en: "Won",
        kind: StageKind::Won,
        probability: 100,
    },
    DefaultStage {
        code: "lost",
        name_zh: "输单",
        name_en: "Lost",
        kind: StageKind::Lost,
        probability: 0,
    },
];

/// Why a deal was lost (a list; `other` with the note).
pub const LOST_REASONS: [&str; 7] = [
    "price",
    "competitor",
    "no_budget",
    "no_decision",
    "timing",
    "requirements",
    "other",
];

pub fn lost_reason_key(code: &str) -> String {
    format!("deal.lost.{code}")
}

/// The largest amount of a deal: ¥10,000,000,000.00. Ten billion yuan is beyond any office
/// software deal, and it keeps the forecast's sums of amount × probability far inside 64 bits.
pub const MAX_AMOUNT: Money = Money::from_fen(1_000_000_000_000);
/// Longest deal name, competitors text, lost-reason note (characters).
pub const MAX_NAME: usize = 100;
pub const MAX_COMPETITORS: usize = 200;
pub const MAX_NOTE: usize = 2000;
/// Most product lines on a deal, and the largest quantity of one.
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY: i64 = 1_000_000;

/// A move between stages, as [`check_move`] classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Open stage to another open stage.
    Advance,
    Win,
    /// Needs a lost reason.
    Lose,
    /// A closed deal back to an open stage.
    Reopen {
        was_won: bool,
    },
}

/// Classifies a move from a stage of kind `from` to one of kind `to`; `same` when the target
/// is the stage the deal is in. The error is the i18n key of the refusal.
pub fn check_move(from: StageKind, to: StageKind, same: bool) -> Result<Move, &'static str> {
    use StageKind::*;
    if same {
        return Err("error.deal_same_stage");
    }
    match (from, to) {
        (Open, Open) => Ok(Move::Advance),
        (Open, Won) => Ok(Move::Win),
        (Open, Lost) => Ok(Move::Lose),
        (Won, Open) => Ok(Move::Reopen { was_won: true }),
        (Lost, Open) => Ok(Move::Reopen { was_won: false }),
        (Won | Lost, Won | Lost) => Err("error.deal_closed"),
    }
}

/// A lost reason and competitor as typed; errors name `lost_reason` / `lost_to`.
pub fn parse_lost(reason: &str, lost_to: &str) -> Result<(String, Option<String>), FieldErrors> {
    let mut errs = FieldErrors::new();
    let reason = match reason.trim() {
        "" => {
            errs.push(FieldError::new("lost_reason", "error.required"));
            None
        }
        r if LOST_REASONS.contains(&r) => Some(r.to_string()),
        _ => {
            errs.push(FieldError::new("lost_reason", "error.invalid_choice"));
            None
        }
    };
    let lost_to = errs
        .take(validate::optional_text("lost_to", lost_to, MAX_NAME))
        .flatten();
    errs.into_result()?;
    Ok((reason.unwrap_or_default(), lost_to))
}

/// amount × probability %, to the fen (halves away from zero).
pub fn weighted(amount: Money, probability: u8) -> Money {
    // Amounts are at most MAX_AMOUNT, so this cannot overflow; saturate rather than panic.
    amount.percent(probability.min(100)).unwrap_or(amount)
}

/// A win probability as typed: a whole number 0–100.
pub fn parse_probability(field: &str, s: &str) -> Result<u8, FieldError> {
    s.trim()
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| FieldError::new(field, "error.deal_probability"))
}

/// A calendar month, ordered; stored as `yyyymm` (202612) so that the forecast groups by an
/// integer column the same way on SQLite and PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month an instant falls in, in `zone` (the company's): 2026-11-30 16:30 UTC is in
    /// December in Shanghai.
    pub fn of_instant<Z: TimeZone>(at: DateTime<Utc>, zone: &Z) -> Month {
        Month::of(at.with_timezone(zone).date_naive())
    }

    pub fn key(self) -> i32 {
        self.year * 100 + self.month as i32
    }

    pub fn from_key(key: i32) -> Option<Month> {
        let m = Month {
            year: key.div_euclid(100),
            month: u32::try_from(key.rem_euclid(100)).ok()?,
        };
        (1..=12).contains(&m.month).then_some(m)
    }

    /// `2026-12`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let m = Month {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
        };
        (1..=12).contains(&m.month).then_some(m)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One month of the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastRow {
    pub month: Month,
    /// Open deals expected to sign in the month.
    pub open_deals: u64,
    /// Their amounts.
    pub pipeline: Money,
    /// Their amounts × probability.
    pub weighted: Money,
    /// Deals won in the month, and their amounts.
    pub won_deals: u64,
    pub won: Money,
}

/// The open deals' sums for one expected month (from the database's GROUP BY): count, Σ amount,
/// Σ amount × probability (in fen × percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSums {
    pub month_key: i32,
    pub deals: u64,
    pub amount_fen: i64,
    pub amount_percent: i64,
}

/// The won deals' sums for one month won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WonSums {
    pub month_key: i32,
    pub deals: u64,
    pub amount_fen: i64,
}

/// The forecast table for the months `from` ..= `to`: every month present (zero rows too), the
/// open and won sums put into their month, anything outside the range left out. The weighted
/// amount of a month is its Σ amount × probability / 100, rounded once (so that a month's
/// figure does not depend on how its deals' roundings fall).
pub fn forecast(from: Month, to: Month, open: &[OpenSums], won: &[WonSums]) -> Vec<ForecastRow> {
    let mut rows = Vec::new();
    let mut m = from;
    while m <= to && rows.len() < 120 {
        let mut row = ForecastRow {
            month: m,
            open_deals: 0,
            pipeline: Money::ZERO,
            weighted: Money::ZERO,
            won_deals: 0,
            won: Money::ZERO,
        };
        for o in open.iter().filter(|o| o.month_key == m.key()) {
            row.open_deals += o.deals;
            row.pipeline = row
                .pipeline
                .checked_add(Money::from_fen(o.amount_fen))
                .unwrap_or(row.pipeline);
            let w = Money::from_fen(o.amount_percent)
                .checked_ratio(1, 100)
                .unwrap_or_default();
            row.weighted = row.weighted.checked_add(w).unwrap_or(row.weighted);
        }
        for w in won.iter().filter(|w| w.month_key == m.key()) {
            row.won_deals += w.deals;
            row.won = row
                .won
                .checked_add(Money::from_fen(w.amount_fen))
                .unwrap_or(row.won);
        }
        rows.push(row);
        m = m.next();
    }
    rows
}

/// A deal's fields as typed (create and edit); what [`DealFields::parse`] checks.
#[derive(Debug, Clone, Default)]
pub struct DealInput {
    pub name: String,
    pub amount: String,
    pub expected_sign_date: String,
    pub competitors: String,
    /// Empty: the stage's default.
    pub probability: String,
    /// (product code, quantity) as typed; rows with an empty code are skipped.
    pub lines: Vec<(String, String)>,
}

/// A deal's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealFields {
    pub name: String,
    pub amount: Money,
    pub expected_sign_date: NaiveDate,
    pub competitors: Option<String>,
    pub probability: Option<u8>,
    pub lines: Vec<(String, i64)>,
}

impl DealFields {
    /// Checks every field; errors name `name`, `amount`, `expected_sign_date`, `competitors`,
    /// `probability`, `lines[i].product` / `lines[i].quantity`. Product codes are checked
    /// against the list by the caller.
    pub fn parse(i: &DealInput) -> Result<DealFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let name = errs.take(validate::required_text("name", &i.name, MAX_NAME));
        let amount = match i.amount.trim() {
            "" => {
                errs.push(FieldError::new("amount", "error.required"));
                None
            }
            a => errs.take(Money::parse_amount("amount", a, MAX_AMOUNT)),
        };
        let date = match i.expected_sign_date.trim() {
            "" => {
                errs.push(FieldError::new("expected_sign_date", "error.required"));
                None
            }
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if (2000..=2999).contains(&d.year()) => Some(d),
                _ => {
                    errs.push(FieldError::new("expected_sign_date", "error.date_format"));
                    None
                }
            },
        };
        let competitors = errs
            .take(validate::optional_text(
                "competitors",
                &i.competitors,
                MAX_COMPETITORS,
            ))
            .flatten();
        let probability = match i.probability.trim() {
            "" => None,
            p => errs.take(parse_probability("probability", p)),
        };
        let mut lines: Vec<(String, i64)> = Vec::new();
        for (n, (code, qty)) in i.lines.iter().enumerate() {
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            let q = qty.trim();
            let q = if q.is_empty() { "1" } else { q };
            match q.parse::<i64>() {
                Ok(q) if (1..=MAX_QUANTITY).contains(&q) => {
                    if lines.iter().any(|(c, _)| c == code) {
                        errs.push(FieldError::new(
                            format!("lines[{n}].product"),
                            "error.deal_line_twice",
                        ));
                    } else {
                        lines.push((code.to_string(), q));
                    }
                }
                _ => errs.push(FieldError::with_arg(
                    format!("lines[{n}].quantity"),
                    "error.deal_quantity",
                    MAX_QUANTITY,
                )),
            }
        }
        if lines.len() > MAX_LINES {
            errs.push(FieldError::with_arg(
                "lines",
                "error.deal_too_many_lines",
                MAX_LINES,
            ));
        }
        errs.into_result()?;
        Ok(DealFields {
            name: name.unwrap_or_default(),
            amount: amount.unwrap_or_default(),
            expected_sign_date: date.unwrap_or_default(),
            competitors,
            probability,
            lines,
        })
    }
}

/// A stage as the administrator types it; errors name `name_zh`, `name_en`, `probability`.
pub fn parse_stage(
    name_zh: &str,
    name_en: &str,
    probability: &str,
    kind: StageKind,
) -> Result<(String, String, u8), FieldErrors> {
    let mut errs = FieldErrors::new();
    let zh = errs.take(validate::required_text("name_zh", name_zh, 30));
    let en = errs.take(validate::required_text("name_en", name_en, 60));
    let p = match kind.fixed_probability() {
        Some(fixed) => match probability.trim() {
            "" => Some(fixed),
            s if s.parse::<u8>().ok() == Some(fixed) => Some(fixed),
            _ => {
                errs.push(FieldError::with_arg(
                    "probability",
                    "error.deal_stage_fixed_probability",
                    fixed,
                ));
                None
            }
        },
        None => errs.take(parse_probability("probability", probability)),
    };
    errs.into_result()?;
    Ok((
        zh.unwrap_or_default(),
        en.unwrap_or_default(),
        p.unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn the_shipped_stages_run_from_requirement_to_won_or_lost_with_rising_probabilities() {
        let open: Vec<u8> = DEFAULT_STAGES
            .iter()
            .filter(|s| s.kind == StageKind::Open)
            .map(|s| s.probability)
            .collect();
        assert_eq!(open, [10, 30, 50, 70]);
        let won: Vec<_> = DEFAULT_STAGES
            .iter()
            .filter(|s| s.kind == StageKind::Won)
            .collect();
        let lost: Vec<_> = DEFAULT_STAGES
            .iter()
            .filter(|s| s.kind == StageKind::Lost)
            .collect();
        assert_eq!((won.len(), won[0].probability), (1, 100));
        assert_eq!((lost.len(), lost[0].probability), (1, 0));
        assert_eq!(DEFAULT_STAGES[0].name_zh, "需求确认");
    }

    #[test]
    fn an_open_deal_moves_anywhere_and_a_closed_one_only_by_reopening() {
        use StageKind::*;
        assert_eq!(check_move(Open, Open, false), Ok(Move::Advance));
        assert_eq!(check_move(Open, Won, false), Ok(Move::Win));
        assert_eq!(check_move(Open, Lost, false), Ok(Move::Lose));
        assert_eq!(
            check_move(Won, Open, false),
            Ok(Move::Reopen { was_won: true })
        );
        assert_eq!(
            check_move(Lost, Open, false),
            Ok(Move::Reopen { was_won: false })
        );
        for (a, b) in [(Won, Lost), (Lost, Won), (Won, Won), (Lost, Lost)] {
            assert_eq!(
                check_move(a, b, false),
                Err("error.deal_closed"),
                "{a:?}→{b:?}"
            );
        }
        assert_eq!(check_move(Open, Open, true), Err("error.deal_same_stage"));
    }

    #[test]
    fn losing_needs_a_reason_from_the_list_and_may_name_the_competitor() {
        assert_eq!(
            parse_lost("price", " 泛微 "),
            Ok(("price".to_string(), Some("泛微".to_string())))
        );
        assert_eq!(parse_lost("timing", ""), Ok(("timing".to_string(), None)));
        let e = parse_lost("", "").unwrap_err();
        assert_eq!(e.0[0].field, "lost_reason");
        assert_eq!(e.0[0].code, "error.required");
        let e = parse_lost("bored", "").unwrap_err();
        assert_eq!(e.0[0].code, "error.invalid_choice");
        let e = parse_lost("price", &"x".repeat(101)).unwrap_err();
        assert_eq!(e.0[0].field, "lost_to");
    }

    #[test]
    fn the_weighted_amount_is_amount_times_probability_to_the_fen() {
        assert_eq!(
            weighted(Money::from_fen(123_456_789), 70),
            Money::from_fen(86_419_752)
        );
        assert_eq!(weighted(Money::from_fen(5), 30), Money::from_fen(2));
        assert_eq!(weighted(MAX_AMOUNT, 100), MAX_AMOUNT);
        assert_eq!(weighted(MAX_AMOUNT, 0), Money::ZERO);
    }

    #[test]
    fn a_won_deal_counts_in_the_month_it_was_won_in_shanghai() {
        let shanghai = FixedOffset::east_opt(8 * 3600).unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Shanghai.
        assert_eq!(
            Month::of_instant(at("2026-11-30T16:00:00Z"), &shanghai),
            Month {
                year: 2026,
                month: 12
            }
        );
        assert_eq!(
            Month::of_instant(at("2026-11-30T15:59:59Z"), &shanghai),
            Month {
                year: 2026,
                month: 11
            }
        );
        // New year's eve.
        assert_eq!(
            Month::of_instant(at("2026-12-31T16:00:00Z"), &shanghai).key(),
            202701
        );
    }

    #[test]
    fn months_have_keys_text_and_a_successor() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.key(), 202612);
        assert_eq!(Month::from_key(202612), Some(m));
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.first_day().to_string(), "2026-12-01");
        assert_eq!(Month::of("2024-02-29".parse().unwrap()).key(), 202402);
        for bad in ["2026-13", "2026-00", "26-12", "2026/12", "", "2026-1"] {
            assert_eq!(Month::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Month::from_key(202613), None);
    }

    #[test]
    fn the_forecast_puts_each_sum_in_its_month_and_shows_empty_months() {
        let from = Month::parse("2026-11").unwrap();
        let to = Month::parse("2027-01").unwrap();
        let open = [
            OpenSums {
                month_key: 202611,
                deals: 2,
                amount_fen: 300_000,
                // ¥1,000 at 10 % + ¥2,000 at 30 %.
                amount_percent: 100_000 * 10 + 200_000 * 30,
            },
            OpenSums {
                month_key: 202701,
                deals: 1,
                amount_fen: 5,
                amount_percent: 5 * 30,
            },
            // Outside the range: left out.
            OpenSums {
                month_key: 202702,
                deals: 9,
                amount_fen: 9,
                amount_percent: 9,
            },
        ];
        let won = [WonSums {
            month_key: 202612,
            deals: 1,
            amount_fen: 1_000_000,
        }];
        let rows = forecast(from, to, &open, &won);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].open_deals, 2);
        assert_eq!(rows[0].pipeline, Money::from_fen(300_000));
        assert_eq!(rows[0].weighted, Money::from_fen(70_000));
        assert_eq!((rows[1].open_deals, rows[1].won_deals), (0, 1));
        assert_eq!(rows[1].won, Money::from_fen(1_000_000));
        assert_eq!(rows[2].weighted, Money::from_fen(2));
        assert!(forecast(to, from, &open, &won).is_empty());
    }

    #[test]
    fn a_deal_needs_a_name_an_amount_and_a_date_and_names_each_bad_field() {
        let ok = DealInput {
            name: " OA 升级 ".into(),
            amount: "123.4万".into(),
            expected_sign_date: "2026-12-20".into(),
            competitors: "泛微, 致远".into(),
            probability: String::new(),
            lines: vec![
                ("eoffice-std".into(), "50".into()),
                (String::new(), String::new()),
                ("mobile".into(), String::new()),
            ],
        };
        let f = DealFields::parse(&ok).unwrap();
        assert_eq!(f.name, "OA 升级");
        assert_eq!(f.amount, Money::from_fen(123_400_000));
        assert_eq!(
            f.lines,
            [("eoffice-std".to_string(), 50), ("mobile".to_string(), 1)]
        );
        assert_eq!(f.probability, None);
        let bad = DealInput {
            name: String::new(),
            amount: "1.234".into(),
            expected_sign_date: "2026-02-30".into(),
            competitors: String::new(),
            probability: "101".into(),
            lines: vec![
                ("a".into(), "0".into()),
                ("b".into(), "x".into()),
                ("c".into(), "1".into()),
                ("c".into(), "1".into()),
            ],
        };
        let e = DealFields::parse(&bad).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("name", "error.required"),
                ("amount", crate::money::TOO_MANY_DECIMALS),
                ("expected_sign_date", "error.date_format"),
                ("probability", "error.deal_probability"),
                ("lines[0].quantity", "error.deal_quantity"),
                ("lines[1].quantity", "error.deal_quantity"),
                ("lines[3].product", "error.deal_line_twice"),
            ]
        );
        let neg = DealInput {
            amount: "-5".into(),
            ..ok.clone()
        };
        assert_eq!(
            DealFields::parse(&neg).unwrap_err().0[0].code,
            crate::money::NEGATIVE
        );
        let huge = DealInput {
            amount: "100000000000".into(),
            ..ok
        };
        assert_eq!(
            DealFields::parse(&huge).unwrap_err().0[0].code,
            crate::money::TOO_LARGE
        );
    }

    #[test]
    fn won_and_lost_stages_keep_their_fixed_probability() {
        assert_eq!(
            parse_stage("赢单", "Won", "", StageKind::Won),
            Ok(("赢单".into(), "Won".into(), 100))
        );
        let e = parse_stage("赢单", "Won", "90", StageKind::Won).unwrap_err();
        assert_eq!(e.0[0].code, "error.deal_stage_fixed_probability");
        assert_eq!(
            parse_stage("初访", "First visit", "5", StageKind::Open),
            Ok(("初访".into(), "First visit".into(), 5))
        );
        let e = parse_stage("", "", "x", StageKind::Open).unwrap_err();
        assert_eq!(e.0.len(), 3);
    }
}
