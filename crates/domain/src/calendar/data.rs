//! Calendar data of one year: days off (holidays, as named ranges) and make-up workdays (调休),
//! and the rules that data must obey before it replaces a year.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::validate::FieldError;

/// The years the calendar accepts data for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// The longest name of a holiday, in characters.
pub const NAME_MAX: usize = 60;
/// The most entries (ranges plus workdays) of one year.
pub const ENTRIES_MAX: usize = 400;

/// What a date is, against its weekday's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Closed although possibly a weekday (a public holiday).
    Off,
    /// Open although a weekend day (a make-up workday, 调休).
    Work,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Off => "off",
            DayKind::Work => "work",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "off" => Some(DayKind::Off),
            "work" => Some(DayKind::Work),
            _ => None,
        }
    }
}

/// One exceptional date, as stored (a range of days off is stored day by day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday's name; may be empty for a make-up workday (shown as "make-up workday").
    pub name: String,
}

/// A named range of days off, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffRange {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A make-up workday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workday {
    #[serde(default)]
    pub name: String,
    pub date: NaiveDate,
}

/// The data of one year, as the TOML file holds it (`year`, `[[days_off]]`, `[[workdays]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearSpec {
    pub year: i32,
    #[serde(default)]
    pub days_off: Vec<OffRange>,
    #[serde(default)]
    pub workdays: Vec<Workday>,
}

/// Why calendar data was refused; every variant names the entry at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarDataError {
    /// The file could not be read as calendar data (bad TOML, a missing field, a bad date).
    Unparsable { detail: String },
    /// The year is outside [`YEARS`].
    YearOutOfRange { year: i32 },
    /// A range that ends before it starts.
    Reversed {
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// A date outside the year the data declares.
    OutsideYear {
        name: String,
        date: NaiveDate,
        year: i32,
    },
    /// Two ranges of days off (or two workdays) on the same date.
    Overlap {
        name: String,
        other: String,
        date: NaiveDate,
    },
    /// A make-up workday on a Monday–Friday (those are working days anyway).
    MakeUpNotWeekend { name: String, date: NaiveDate },
    /// A day off and a workday on the same date.
    OffAndWork {
        off: String,
        work: String,
        date: NaiveDate,
    },
    /// A day off without a name.
    NameMissing { date: NaiveDate },
    /// A name over [`NAME_MAX`] characters or with markup.
    BadName { name: String },
    /// More than [`ENTRIES_MAX`] entries.
    TooMany { count: usize },
    /// A single day for a year that has no calendar yet (import the year first).
    NoYear { year: i32 },
    /// A single day on a date that already has an entry.
    AlreadyMarked { name: String, date: NaiveDate },
}

impl CalendarDataError {
    /// The i18n key of its message (`error.calendar.*`).
    pub fn code(&self) -> &'static str {
        match self {
            CalendarDataError::Unparsable { .. } => "error.calendar.unparsable",
            CalendarDataError::YearOutOfRange { .. } => "error.calendar.year_range",
            CalendarDataError::Reversed { .. } => "error.calendar.reversed",
            CalendarDataError::OutsideYear { .. } => "error.calendar.outside_year",
            CalendarDataError::Overlap { .. } => "error.calendar.overlap",
            CalendarDataError::MakeUpNotWeekend { .. } => "error.calendar.makeup_weekday",
            CalendarDataError::OffAndWork { .. } => "error.calendar.off_and_work",
            CalendarDataError::NameMissing { .. } => "error.calendar.name_missing",
            CalendarDataError::BadName { .. } => "error.calendar.bad_name",
            CalendarDataError::TooMany { .. } => "error.calendar.too_many",
            CalendarDataError::NoYear { .. } => "error.calendar.no_year",
            CalendarDataError::AlreadyMarked { .. } => "error.calendar.already_marked",
        }
    }

    /// The entry the message names (filled into the message's `{arg}`).
    pub fn arg(&self) -> String {
        let n = |s: &str| {
            if s.is_empty() {
                "—".to_string()
            } else {
                s.to_string()
            }
        };
        match self {
            CalendarDataError::Unparsable { detail } => detail.chars().take(200).collect(),
            CalendarDataError::YearOutOfRange { year } | CalendarDataError::NoYear { year } => {
                year.to_string()
            }
            CalendarDataError::Reversed { name, from, to } => format!("{} {from} > {to}", n(name)),
            CalendarDataError::OutsideYear { name, date, year } => {
                format!("{} {date} ∉ {year}", n(name))
            }
            CalendarDataError::Overlap { name, other, date } => {
                format!("{} / {} {date}", n(name), n(other))
            }
            CalendarDataError::MakeUpNotWeekend { name, date } => format!("{} {date}", n(name)),
            CalendarDataError::OffAndWork { off, work, date } => {
                format!("{} / {} {date}", n(off), n(work))
            }
            CalendarDataError::NameMissing { date } => date.to_string(),
            CalendarDataError::BadName { name } => name.chars().take(NAME_MAX).collect(),
            CalendarDataError::TooMany { count } => format!("{count} > {ENTRIES_MAX}"),
            CalendarDataError::AlreadyMarked { name, date } => format!("{} {date}", n(name)),
        }
    }

    /// The error as a form error on `field` (the import's `file`, the single day's `date` …).
    pub fn to_field_error(&self, field: &str) -> FieldError {
        FieldError::with_arg(field, self.code(), self.arg())
    }
}

impl fmt::Display for CalendarDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.arg())
    }
}

impl std::error::Error for CalendarDataError {}

/// Saturday or Sunday.
pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A holiday name: trimmed, at most [`NAME_MAX`] characters, no markup or control characters.
pub fn clean_name(name: &str) -> Result<String, CalendarDataError> {
    let t = name.trim();
    if t.chars().count() > NAME_MAX || t.chars().any(|c| c == '<' || c == '>' || c.is_control()) {
        return Err(CalendarDataError::BadName {
            name: t.to_string(),
        });
    }
    Ok(t.to_string())
}

impl YearSpec {
    /// Checks the year's data and expands it into one entry per date, sorted by date.
    pub fn days(&self) -> Result<Vec<DayEntry>, CalendarDataError> {
        let year = self.year;
        if !YEARS.contains(&year) {
            return Err(CalendarDataError::YearOutOfRange { year });
        }
        let count = self.days_off.len() + self.workdays.len();
        if count > ENTRIES_MAX {
            return Err(CalendarDataError::TooMany { count });
        }
        let mut out: BTreeMap<NaiveDate, DayEntry> = BTreeMap::new();
        for r in &self.days_off {
            let name = clean_name(&r.name)?;
            if name.is_empty() {
                return Err(CalendarDataError::NameMissing { date: r.from });
            }
            if r.to < r.from {
                return Err(CalendarDataError::Reversed {
                    name,
                    from: r.from,
                    to: r.to,
                });
            }
            for date in [r.from, r.to] {
                if date.year() != year {
                    return Err(CalendarDataError::OutsideYear {
                        name: name.clone(),
                        date,
                        year,
                    });
                }
            }
            for date in r.from.iter_days().take_while(|d| *d <= r.to) {
                if let Some(prev) = out.get(&date) {
                    return Err(CalendarDataError::Overlap {
                        name: prev.name.clone(),
                        other: name,
                        date,
                    });
                }
                out.insert(
                    date,
                    DayEntry {
                        date,
                        kind: DayKind::Off,
                        name: name.clone(),
                    },
                );
            }
        }
        for w in &self.workdays {
            let name = clean_name(&w.name)?;
            let date = w.date;
            if date.year() != year {
                return Err(CalendarDataError::OutsideYear { name, date, year });
            }
            match out.get(&date) {
                Some(prev) if prev.kind == DayKind::Off => {
                    return Err(CalendarDataError::OffAndWork {
                        off: prev.name.clone(),
                        work: name,
                        date,
                    });
                }
                Some(prev) => {
                    return Err(CalendarDataError::Overlap {
                        name: prev.name.clone(),
                        other: name,
                        date,
                    });
                }
                None => {}
            }
            if !is_weekend(date) {
                return Err(CalendarDataError::MakeUpNotWeekend { name, date });
            }
            out.insert(
                date,
                DayEntry {
                    date,
                    kind: DayKind::Work,
                    name,
                },
            );
        }
        Ok(out.into_values().collect())
    }
}

/// Checks one day the administrator adds to a year: the year must have data, the date no entry
/// yet, a workday must be a weekend day and a day off must have a name.
pub fn check_new_day(
    existing: &[DayEntry],
    year_declared: bool,
    day: &DayEntry,
) -> Result<DayEntry, CalendarDataError> {
    let date = day.date;
    if !YEARS.contains(&date.year()) {
        return Err(CalendarDataError::YearOutOfRange { year: date.year() });
    }
    if !year_declared {
        return Err(CalendarDataError::NoYear { year: date.year() });
    }
    let name = clean_name(&day.name)?;
    if day.kind == DayKind::Off && name.is_empty() {
        return Err(CalendarDataError::NameMissing { date });
    }
    if let Some(prev) = existing.iter().find(|e| e.date == date) {
        return Err(match (prev.kind, day.kind) {
            (DayKind::Off, DayKind::Work) => CalendarDataError::OffAndWork {
                off: prev.name.clone(),
                work: name,
                date,
            },
            (DayKind::Work, DayKind::Off) => CalendarDataError::OffAndWork {
                off: name,
                work: prev.name.clone(),
                date,
            },
            _ => CalendarDataError::AlreadyMarked {
                name: prev.name.clone(),
                date,
            },
        });
    }
    if day.kind == DayKind::Work && !is_weekend(date) {
        return Err(CalendarDataError::MakeUpNotWeekend { name, date });
    }
    Ok(DayEntry {
        date,
        kind: day.kind,
        name,
    })
}

/// Groups a year's stored days back into the file's form: consecutive days off with the same
/// name become one range (the export and the page's list show these).
pub fn to_spec(year: i32, days: &[DayEntry]) -> YearSpec {
    let mut spec = YearSpec {
        year,
        days_off: Vec::new(),
        workdays: Vec::new(),
    };
    for d in days.iter().filter(|d| d.date.year() == year) {
        match d.kind {
            DayKind::Work => spec.workdays.push(Workday {
                name: d.name.clone(),
                date: d.date,
            }),
            DayKind::Off => match spec.days_off.last_mut() {
                Some(r) if r.name == d.name && r.to.succ_opt() == Some(d.date) => r.to = d.date,
                _ => spec.days_off.push(OffRange {
                    name: d.name.clone(),
                    from: d.date,
                    to: d.date,
                }),
            },
        }
    }
    spec
}
