//! Business expenses (业务费用, seed S3.4) and sales cost (销售成本, S2.3), issue 14 point 1.
//!
//! - **A claim** is made by the person who spent the money, for themselves only: a category
//!   (the administrator's list `expense_category`), the day it was spent (not in the future), an
//!   amount in exact money (more than ¥0.00, at most [`MAX_AMOUNT`]), a description, and
//!   optionally the customer, deal or contract it was for; receipts (PDF, PNG, JPEG) attach to it.
//! - **Approval** ([`route`], [`check`]): first the claimant's manager (`users.manager_id`);
//!   a claimant without a manager goes to the director, and the director's own claims to the VP.
//!   Above the director's threshold ([`needs_director`], strictly above) a second step follows:
//!   the director (the VP for the director's own claim) — unless the first approval was already
//!   given by the director or the VP. The approver of a step, or the director or the VP standing
//!   in, decides it; nobody decides their own claim. An approver may return the claim with a
//!   comment; the claimant revises and resubmits it, which makes a new version (every version
//!   is kept) and starts the approval again.
//! - **Budgets** are set by the director (or the VP) per region and period — a month, a quarter
//!   or a year — for periods that have not ended ([`Period::is_closed`]). A region's spend is its
//!   own and its branch offices' claims, by the region the claimant belonged to when claiming.
//!   A claim that would take the approved and pending claims of a period above its budget is
//!   warned about ([`over_budget`]); it is not refused.
//! - **Sales cost** ([`COST_RULE`], [`counts_as_cost`]): an approved claim in a category the
//!   director marks as sales cost counts, in the month of the day it was spent. This function is
//!   the one place the KPI engine reads the rule from.

use chrono::{Datelike, NaiveDate};

use crate::money::Money;
use crate::org::Position;
use crate::validate::{self, FieldError, FieldErrors};

#[cfg(test)]
mod tests;

/// The administrator's list of expense categories (in `choices`).
pub const CATEGORY_LIST: &str = "expense_category";
/// The categories a new installation starts with: travel, entertainment, gifts, bidding fees,
/// samples, other.
pub const DEFAULT_CATEGORIES: [(&str, &str, &str); 6] = [
    ("travel", "差旅费", "Travel"),
    ("entertainment", "业务招待费", "Entertainment"),
    ("gifts", "礼品费", "Gifts"),
    ("bidding", "投标费", "Bidding fees"),
    ("samples", "样品费", "Samples"),
    ("other", "其他", "Other"),
];
/// The largest claim: ¥1,000,000.00.
pub const MAX_AMOUNT: Money = Money::from_fen(100_000_000);
/// The largest budget of one region and period: ¥10,000,000,000.00.
pub const MAX_BUDGET: Money = Money::from_fen(1_000_000_000_000);
/// Longest description (characters).
pub const MAX_DESCRIPTION: usize = 2000;
/// Longest return comment (characters).
pub const MAX_COMMENT: usize = 2000;
/// The director's threshold unless set: ¥5,000.00.
pub const DEFAULT_THRESHOLD: Money = Money::from_fen(500_000);
/// A claim may be at most this many days old when made.
pub const MAX_AGE_DAYS: i64 = 366;
/// Most receipts on one claim.
pub const MAX_RECEIPTS: usize = 20;

/// How the sales cost is counted, stated on the settings and budget pages (i18n key).
pub const COST_RULE: &str = "expense.cost_rule";

/// Where a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpenseState {
    /// Waiting for the first approver (the claimant's manager).
    PendingManager,
    /// Waiting for the director (above the threshold).
    PendingDirector,
    /// Approved: counts as spend (and as sales cost when its category does).
    Approved,
    /// Returned to the claimant with a comment, to revise and resubmit.
    Returned,
}

impl ExpenseState {
    pub const ALL: [ExpenseState; 4] = [
        ExpenseState::PendingManager,
        ExpenseState::PendingDirector,
        ExpenseState::Approved,
        ExpenseState::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseState::PendingManager => "pending_manager",
            ExpenseState::PendingDirector => "pending_director",
            ExpenseState::Approved => "approved",
            ExpenseState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<ExpenseState> {
        ExpenseState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The i18n key of its name.
    pub fn label_key(self) -> String {
        format!("expense.state.{}", self.as_str())
    }

    /// Waiting for someone's decision.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            ExpenseState::PendingManager | ExpenseState::PendingDirector
        )
    }

    /// Counted against a budget (pending or approved); a returned claim is not, until it is
    /// resubmitted.
    pub fn counts_against_budget(self) -> bool {
        self != ExpenseState::Returned
    }
}

/// What someone does to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    /// Back to the claimant with a comment.
    Return,
    /// The claimant's revised version, after a return.
    Resubmit,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Resubmit => "resubmit",
        }
    }
}

/// The state `action` leads to from `from`, or the i18n key of the refusal.
/// `needs_director`: the claim is above the threshold; `by_director`: the one approving is the
/// director or the VP (whose approval is the director step as well).
pub fn check(
    from: ExpenseState,
    action: Action,
    needs_director: bool,
    by_director: bool,
) -> Result<ExpenseState, &'static str> {
    use ExpenseState::*;
    match (action, from) {
        (Action::Approve, PendingManager) if needs_director && !by_director => Ok(PendingDirector),
        (Action::Approve, PendingManager) => Ok(Approved),
        (Action::Approve, PendingDirector) if by_director => Ok(Approved),
        (Action::Approve, PendingDirector) => Err("error.expense_director_step"),
        (Action::Return, PendingManager | PendingDirector) => Ok(Returned),
        (Action::Resubmit, Returned) => Ok(PendingManager),
        (Action::Resubmit, _) => Err("error.expense_not_returned"),
        (_, Approved) => Err("error.expense_already_approved"),
        (_, Returned) => Err("error.expense_is_returned"),
    }
}

/// Strictly above the threshold, a claim needs the director's approval too.
pub fn needs_director(amount: Money, threshold: Money) -> bool {
    amount > threshold
}

/// Whether a position approves as the director (the director's step, and any step standing in).
pub fn is_director_level(p: Option<Position>) -> bool {
    matches!(p, Some(Position::SalesDirector | Position::SalesVp))
}

/// A person who may be asked to approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub position: Option<Position>,
}

/// Who is asked first for a claim by `claimant`: their manager; without one (or when the
/// manager is the claimant), the director; for the director's own claim, the VP. `None` when
/// nobody is in post to ask (the caller reports the vacant position).
pub fn first_approver(
    claimant: Person,
    manager: Option<Person>,
    director: Option<Person>,
    vp: Option<Person>,
) -> Option<Person> {
    manager
        .filter(|m| m.id != claimant.id)
        .or_else(|| second_approver(claimant, director, vp))
}

/// Who takes the director's step for `claimant`: the director, or the VP when the claimant is
/// the director (or no director is in post). `None` when neither is.
pub fn second_approver(
    claimant: Person,
    director: Option<Person>,
    vp: Option<Person>,
) -> Option<Person> {
    director
        .filter(|d| d.id != claimant.id)
        .or(vp.filter(|v| v.id != claimant.id))
}

/// Whether `actor` may decide a pending claim of `claimant_id` that asks `approver_id`: the one
/// asked, or the director or VP standing in; never the claimant.
pub fn may_decide(actor: Person, claimant_id: i64, approver_id: Option<i64>) -> bool {
    actor.id != claimant_id && (approver_id == Some(actor.id) || is_director_level(actor.position))
}

/// Whether a position sees other people's claims (its data scope's people): those who lead
/// people. Everyone sees their own, and whatever waits for their decision.
pub fn sees_others(p: Option<Position>) -> bool {
    p.is_some_and(|p| p.is_manager())
}

/// Who sets budgets and the threshold: the director and the VP.
pub fn may_set_budgets(p: Option<Position>) -> bool {
    is_director_level(p)
}

/// Whether an approved claim counts as sales cost: its category is one the director marked.
pub fn counts_as_cost(state: ExpenseState, category: &str, cost_categories: &[String]) -> bool {
    state == ExpenseState::Approved && cost_categories.iter().any(|c| c == category)
}

/// `yyyymm` of a day: the month key of the kept totals.
pub fn month_key(d: NaiveDate) -> i32 {
    d.year() * 100 + d.month() as i32
}

// ---- Claims ----

/// A claim as typed.
#[derive(Debug, Clone, Default)]
pub struct ExpenseInput {
    pub category: String,
    pub expense_date: String,
    pub amount: String,
    pub description: String,
}

/// A checked claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseFields {
    pub category: String,
    pub expense_date: NaiveDate,
    pub amount: Money,
    pub description: String,
}

impl ExpenseFields {
    /// Checks a claim made on `today` (the company's zone); `categories` are the active codes.
    /// Errors name `category`, `expense_date`, `amount`, `description`.
    pub fn parse(
        i: &ExpenseInput,
        today: NaiveDate,
        categories: &[&str],
    ) -> Result<ExpenseFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let category = i.category.trim();
        if category.is_empty() {
            errs.push(FieldError::new("category", "error.required"));
        } else if !categories.contains(&category) {
            errs.push(FieldError::new("category", "error.expense_category"));
        }
        let date = match NaiveDate::parse_from_str(i.expense_date.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                errs.push(FieldError::new("expense_date", "error.expense_date_future"));
                None
            }
            Ok(d) if (today - d).num_days() > MAX_AGE_DAYS => {
                errs.push(FieldError::with_arg(
                    "expense_date",
                    "error.expense_date_old",
                    MAX_AGE_DAYS,
                ));
                None
            }
            Ok(d) => Some(d),
            Err(_) if i.expense_date.trim().is_empty() => {
                errs.push(FieldError::new("expense_date", "error.required"));
                None
            }
            Err(_) => {
                errs.push(FieldError::new("expense_date", "error.date_format"));
                None
            }
        };
        let amount = errs.take(parse_amount("amount", &i.amount, MAX_AMOUNT));
        let description = errs.take(validate::required_long_text(
            "description",
            &i.description,
            MAX_DESCRIPTION,
        ));
        errs.into_result()?;
        Ok(ExpenseFields {
            category: category.to_string(),
            expense_date: date.unwrap_or(today),
            amount: amount.unwrap_or(Money::from_fen(0)),
            description: description.unwrap_or_default(),
        })
    }
}

/// An amount more than ¥0.00 and at most `max`: a negative or zero amount gets its own error.
pub fn parse_amount(field: &str, s: &str, max: Money) -> Result<Money, FieldError> {
    let m = Money::parse(field, s)?;
    if m.fen() <= 0 {
        return Err(FieldError::new(field, "error.expense_amount_positive"));
    }
    if m > max {
        return Err(FieldError::with_arg(
            field,
            crate::money::TOO_LARGE,
            max.display(),
        ));
    }
    Ok(m)
}

/// A return comment: required, at most [`MAX_COMMENT`] characters.
pub fn parse_comment(s: &str) -> Result<String, FieldError> {
    validate::required_long_text("comment", s, MAX_COMMENT)
}

// ---- Receipts ----

/// Checks a receipt: what [`crate::contract::check_attachment`] checks (not empty, at most
/// 10 MiB, a PDF, PNG or JPEG by its bytes), and besides that a name whose extension says
/// another type than the bytes is refused (`error.attachment_mismatch`): a `.pdf` that is a
/// PNG was mislabelled somewhere, and finance would open the wrong thing.
pub fn check_receipt(name: &str, bytes: &[u8]) -> Result<(String, &'static str), FieldError> {
    let (clean, kind) = crate::contract::check_attachment(name, bytes)?;
    let ext = clean
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let fits = match ext.as_str() {
        "pdf" => kind == "application/pdf",
        "png" => kind == "image/png",
        "jpg" | "jpeg" | "jpe" | "jfif" => kind == "image/jpeg",
        // No extension, or one that says nothing about the type: the bytes decide.
        "" => true,
        _ => false,
    };
    if !fits {
        return Err(FieldError::new("file", "error.attachment_mismatch"));
    }
    Ok((clean, kind))
}

// ---- Budgets ----

/// The length of a budget's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodKind> {
        PeriodKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A budget period: a month, a quarter or a year, by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
}

impl Period {
    /// The period of `kind` that contains `d`.
    pub fn containing(kind: PeriodKind, d: NaiveDate) -> Period {
        let month = match kind {
            PeriodKind::Month => d.month(),
            PeriodKind::Quarter => (d.month() - 1) / 3 * 3 + 1,
            PeriodKind::Year => 1,
        };
        Period {
            kind,
            start: NaiveDate::from_ymd_opt(d.year(), month, 1).unwrap_or(d),
        }
    }

    /// Parses `2026`, `2026-Q4` or `2026-11` (what the pages and the API show).
    pub fn parse(field: &str, s: &str) -> Result<Period, FieldError> {
        let s = s.trim();
        let bad = || FieldError::new(field, "error.budget_period");
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let (kind, month) = match rest {
            None => (PeriodKind::Year, 1),
            Some(q) if q.starts_with(['Q', 'q']) => {
                let n: u32 = q[1..].parse().map_err(|_| bad())?;
                if !(1..=4).contains(&n) {
                    return Err(bad());
                }
                (PeriodKind::Quarter, (n - 1) * 3 + 1)
            }
            Some(m) => {
                let n: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&n) || m.len() != 2 {
                    return Err(bad());
                }
                (PeriodKind::Month, n)
            }
        };
        Ok(Period {
            kind,
            start: NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?,
        })
    }

    /// The last day of the period.
    pub fn end(&self) -> NaiveDate {
        let months = match self.kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        };
        let next = self
            .start
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(self.start);
        next.pred_opt().unwrap_or(self.start)
    }

    /// The month keys ([`month_key`]) the period covers, first to last.
    pub fn months(&self) -> (i32, i32) {
        (month_key(self.start), month_key(self.end()))
    }

    /// Whether the period is over on `today`: no budget may be set for it any more.
    pub fn is_closed(&self, today: NaiveDate) -> bool {
        self.end() < today
    }

    /// `2026`, `2026-Q4`, `2026-11`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}", self.start.year()),
            PeriodKind::Quarter => {
                format!(
                    "{}-Q{}",
                    self.start.year(),
                    (self.start.month() - 1) / 3 + 1
                )
            }
            PeriodKind::Month => format!("{}-{:02}", self.start.year(), self.start.month()),
        }
    }
}

/// A budget amount as typed: zero or more, at most [`MAX_BUDGET`].
pub fn parse_budget(field: &str, s: &str) -> Result<Money, FieldError> {
    let m = Money::parse(field, s)?;
    if m.is_negative() {
        return Err(FieldError::new(field, crate::money::NEGATIVE));
    }
    if m > MAX_BUDGET {
        return Err(FieldError::with_arg(
            field,
            crate::money::TOO_LARGE,
            MAX_BUDGET.display(),
        ));
    }
    Ok(m)
}

/// How a period's budget stands: `None` when no budget is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetUse {
    pub budget: Money,
    pub approved: Money,
    pub pending: Money,
}

impl BudgetUse {
    /// Approved and pending together.
    pub fn committed(&self) -> Money {
        self.approved
            .checked_add(self.pending)
            .unwrap_or(Money::from_fen(i64::MAX))
    }

    /// What is left of the budget after approved and pending claims (negative when over).
    pub fn left(&self) -> Money {
        self.budget
            .checked_sub(self.committed())
            .unwrap_or(Money::from_fen(i64::MIN))
    }

    /// Used share in whole percent (approved and pending), `None` for a zero budget.
    pub fn percent_used(&self) -> Option<i64> {
        if self.budget.fen() <= 0 {
            return None;
        }
        Some((self.committed().fen() as i128 * 100 / self.budget.fen() as i128) as i64)
    }
}

/// Whether adding `amount` (a claim not yet counted) takes the budget's approved and pending
/// claims above it.
pub fn over_budget(u: &BudgetUse, amount: Money) -> bool {
    u.committed()
        .checked_add(amount)
        .is_none_or(|total| total > u.budget)
}
