//! Pre-sales follow-up calls (seed S5.2, 售前回访; issue 12 point 7): the administrator's plan of
//! calls during and after a trial, and the dates it gives for one trial.
//!
//! A plan is a short list of steps, each counted from the trial's start or its end, in calendar
//! days or working days (the business calendar decides what a working day is; the caller gives
//! it as `is_working_day`, so this module needs no calendar data):
//!
//! - from the start, `days` = N: **trial day N**, day 1 being the start date
//!   ("trial day 2" is the day after the start); in working days, the Nth working day counting
//!   the start date if it is one;
//! - from the end, `days` = N: **N days after the end**; in working days, the Nth working day
//!   after the end date.
//!
//! A call is made on a working day: a step counted in calendar days that lands on a day off
//! moves to the next working day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{FieldError, FieldErrors};

/// What a step counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Start,
    End,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::End => "end",
        }
    }

    pub fn parse(s: &str) -> Option<Anchor> {
        match s {
            "start" => Some(Anchor::Start),
            "end" => Some(Anchor::End),
            _ => None,
        }
    }
}

/// One planned call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub from: Anchor,
    /// 1–365.
    pub days: u32,
    /// Counted in working days (else calendar days).
    pub working: bool,
}

/// The administrator's plan: at most [`MAX_STEPS`] steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub steps: Vec<Step>,
}

/// Most steps a plan may have.
pub const MAX_STEPS: usize = 8;
/// The largest offset of a step, in days.
pub const MAX_DAYS: u32 = 365;

impl Default for Plan {
    /// The issue's example: trial day 2, trial day 7, and 3 working days after it ends.
    fn default() -> Self {
        Plan {
            steps: vec![
                Step {
                    from: Anchor::Start,
                    days: 2,
                    working: false,
                },
                Step {
                    from: Anchor::Start,
                    days: 7,
                    working: false,
                },
                Step {
                    from: Anchor::End,
                    days: 3,
                    working: true,
                },
            ],
        }
    }
}

/// A step as a form or an API body gives it (text, checked here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepInput {
    pub from: String,
    pub days: String,
    pub working: bool,
}

impl Plan {
    /// Parses and checks the steps; a row without days is skipped (the form's spare rows). Field
    /// names are `steps[i].from` / `steps[i].days`.
    pub fn parse(input: &[StepInput]) -> Result<Plan, FieldErrors> {
        let mut errors = vec![];
        let mut steps = vec![];
        for (i, s) in input.iter().enumerate() {
            let days_text = s.days.trim();
            if days_text.is_empty() {
                continue;
            }
            let from = Anchor::parse(s.from.trim());
            if from.is_none() {
                errors.push(FieldError::new(
                    format!("steps[{i}].from"),
                    "error.presales_from",
                ));
            }
            let days = days_text
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d));
            if days.is_none() {
                errors.push(FieldError::new(
                    format!("steps[{i}].days"),
                    "error.presales_days",
                ));
            }
            if let (Some(from), Some(days)) = (from, days) {
                steps.push(Step {
                    from,
                    days,
                    working: s.working,
                });
            }
        }
        if steps.len() > MAX_STEPS {
            errors.push(FieldError::new("steps", "error.presales_too_many"));
        }
        let mut seen = steps.clone();
        seen.sort_by_key(|s| (s.from.as_str(), s.days, s.working));
        seen.dedup();
        if errors.is_empty() && seen.len() != steps.len() {
            errors.push(FieldError::new("steps", "error.presales_duplicate_step"));
        }
        if errors.is_empty() {
            Ok(Plan { steps })
        } else {
            Err(FieldErrors(errors))
        }
    }

    /// The date of each step for a trial from `start` to `end` (inclusive), as (step number
    /// from 0, date), in the plan's order. A step counted from the start that would fall after
    /// the end is still given (the trial may be extended; a call after it ended is no harm).
    pub fn dates(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        is_working_day: impl Fn(NaiveDate) -> bool,
    ) -> Vec<(usize, NaiveDate)> {
        self.steps
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.date(start, end, &is_working_day)))
            .collect()
    }
}

/// The next working day on or after `d` (at most a year on; after that `d` itself).
fn on_or_after(d: NaiveDate, is_working_day: &impl Fn(NaiveDate) -> bool) -> NaiveDate {
    let mut x = d;
    for _ in 0..=366 {
        if is_working_day(x) {
            return x;
        }
        match x.succ_opt() {
            Some(n) => x = n,
            None => break,
        }
    }
    d
}

/// The `n`th working day counting from `d` (inclusive when `inclusive`).
fn nth_working(
    d: NaiveDate,
    n: u32,
    inclusive: bool,
    is_working_day: &impl Fn(NaiveDate) -> bool,
) -> NaiveDate {
    let mut x = if inclusive {
        d
    } else {
        d.succ_opt().unwrap_or(d)
    };
    let mut left = n;
    // A year of days off in a row does not exist; the bound only stops absurd calendars.
    for _ in 0..(n as usize * 7 + 400) {
        if is_working_day(x) {
            left -= 1;
            if left == 0 {
                return x;
            }
        }
        match x.succ_opt() {
            Some(next) => x = next,
            None => break,
        }
    }
    x
}

impl Step {
    pub fn date(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        is_working_day: &impl Fn(NaiveDate) -> bool,
    ) -> NaiveDate {
        let days = self.days.clamp(1, MAX_DAYS);
        match (self.from, self.working) {
            (Anchor::Start, false) => on_or_after(
                start + chrono::TimeDelta::days(i64::from(days) - 1),
                is_working_day,
            ),
            (Anchor::Start, true) => nth_working(start, days, true, is_working_day),
            (Anchor::End, false) => on_or_after(
                end + chrono::TimeDelta::days(i64::from(days)),
                is_working_day,
            ),
            (Anchor::End, true) => nth_working(end, days, false, is_working_day),
        }
    }
}

/// A recorded call's satisfaction score, 1 (very unhappy) to 5 (very happy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Satisfaction(u8);

impl Satisfaction {
    pub fn parse(s: &str) -> Option<Satisfaction> {
        s.trim()
            .parse::<u8>()
            .ok()
            .filter(|v| (1..=5).contains(v))
            .map(Satisfaction)
    }

    pub fn of(v: i64) -> Option<Satisfaction> {
        u8::try_from(v)
            .ok()
            .filter(|v| (1..=5).contains(v))
            .map(Satisfaction)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// How a pre-sales call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Reached, the trial goes well.
    Going,
    /// Reached, problems to solve.
    Issues,
    /// Reached, ready to talk about buying.
    Interested,
    /// Not reached.
    NoAnswer,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 4] = [
        CallOutcome::Going,
        CallOutcome::Issues,
        CallOutcome::Interested,
        CallOutcome::NoAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Going => "going",
            CallOutcome::Issues => "issues",
            CallOutcome::Interested => "interested",
            CallOutcome::NoAnswer => "no_answer",
        }
    }

    pub fn parse(s: &str) -> Option<CallOutcome> {
        CallOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s.trim())
    }

    /// The i18n key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            CallOutcome::Going => "presales.outcome_going",
            CallOutcome::Issues => "presales.outcome_issues",
            CallOutcome::Interested => "presales.outcome_interested",
            CallOutcome::NoAnswer => "presales.outcome_no_answer",
        }
    }

    /// Whether the customer was reached (a satisfaction score is asked only then).
    pub fn reached(self) -> bool {
        self != CallOutcome::NoAnswer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Weekdays, with the National Day week 2026 (10-01 … 10-07) off and Sunday 09-27 and
    /// Saturday 10-10 made up, as in the State Council's 2026 notice.
    fn workday(x: NaiveDate) -> bool {
        if x >= d("2026-10-01") && x <= d("2026-10-07") {
            return false;
        }
        if x == d("2026-09-27") || x == d("2026-10-10") {
            return true;
        }
        x.weekday().number_from_monday() <= 5
    }

    #[test]
    fn the_default_plan_gives_trial_day_two_day_seven_and_three_working_days_after_the_end() {
        // A trial from Monday 2026-11-30 to Friday 2026-12-11.
        let dates = Plan::default().dates(d("2026-11-30"), d("2026-12-11"), workday);
        assert_eq!(
            dates,
            vec![
                (0, d("2026-12-01")),
                (1, d("2026-12-07")),
                (2, d("2026-12-16"))
            ],
            "day 2 is Tuesday; day 7 is Sunday 12-06, moved to Monday; \
             3 working days after Friday is Wednesday"
        );
    }

    #[test]
    fn working_days_skip_the_national_day_week_and_count_a_make_up_saturday() {
        let after_end = Step {
            from: Anchor::End,
            days: 3,
            working: true,
        };
        // Ends Wednesday 09-30: 10-01…07 off, Thursday 10-08, Friday 10-09, Saturday 10-10 (调休).
        assert_eq!(
            after_end.date(d("2026-09-14"), d("2026-09-30"), &workday),
            d("2026-10-10")
        );
        let second_working_day = Step {
            from: Anchor::Start,
            days: 2,
            working: true,
        };
        // Starts Saturday 09-26 (off): Sunday 09-27 is the make-up day (1st), Monday the 2nd.
        assert_eq!(
            second_working_day.date(d("2026-09-26"), d("2026-10-20"), &workday),
            d("2026-09-28")
        );
        let calendar_day = Step {
            from: Anchor::Start,
            days: 3,
            working: false,
        };
        // Day 3 of a trial starting 09-29 is 10-01, a holiday: moved to 10-08.
        assert_eq!(
            calendar_day.date(d("2026-09-29"), d("2026-10-20"), &workday),
            d("2026-10-08")
        );
    }

    #[test]
    fn a_plan_is_checked_by_field_and_spare_empty_rows_are_skipped() {
        let row = |from: &str, days: &str, working: bool| StepInput {
            from: from.into(),
            days: days.into(),
            working,
        };
        let p = Plan::parse(&[row("start", "2", false), row("start", "", false)]).unwrap();
        assert_eq!(p.steps.len(), 1);
        let e = Plan::parse(&[row("start", "0", false), row("middle", "3", false)]).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["steps[0].days", "steps[1].from"]);
        let e = Plan::parse(&[row("end", "3", true), row("end", "3", true)]).unwrap_err();
        assert_eq!(e.0[0].field, "steps");
        let many: Vec<_> = (1..=9)
            .map(|i| row("start", &i.to_string(), false))
            .collect();
        assert!(Plan::parse(&many).is_err());
        assert!(
            Plan::parse(&[]).unwrap().steps.is_empty(),
            "no calls at all is a plan"
        );
    }

    #[test]
    fn satisfaction_is_one_to_five() {
        assert_eq!(Satisfaction::parse("5").map(Satisfaction::get), Some(5));
        assert!(Satisfaction::parse("0").is_none());
        assert!(Satisfaction::parse("6").is_none());
        assert!(Satisfaction::parse("x").is_none());
    }
}
