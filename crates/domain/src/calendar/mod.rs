//! The business calendar (issue 12, point 4): working hours with a lunch break, weekends, and
//! per-year exceptions — public holidays and make-up workdays (调休) — and the arithmetic over
//! them: when does a limit of N working hours end, how much working time lies between two
//! instants. A shared mechanism: trial deadlines use it now, report deadlines and payment
//! reminders later.
//!
//! All arithmetic is in company time, Asia/Shanghai. That zone has been UTC+08:00 without
//! daylight saving since 1991, so the fixed offset [`company_offset`] is exact for every date
//! the calendar accepts ([`data::YEARS`]) and keeps the day walk free of zone look-ups.
//!
//! The functions walk days, not minutes: a deadline a year ahead costs a few hundred steps.
//! A date in a year without data follows the weekday rule (Mon–Fri open); the `_checked`
//! variants refuse such spans instead, so callers that must know ("no data for 2027") can.

pub mod data;
pub mod hours;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};

pub use data::{CalendarDataError, DayEntry, DayKind, OffRange, Workday, YearSpec};
pub use hours::WorkingHours;

/// Seconds east of UTC of company time.
pub const OFFSET_SECS: i32 = 8 * 3600;

/// Company time, UTC+08:00 (Asia/Shanghai).
pub fn company_offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECS).expect("a valid offset")
}

/// An instant as company wall-clock time.
pub fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + TimeDelta::seconds(i64::from(OFFSET_SECS))
}

/// A company wall-clock time as an instant.
pub fn from_local(t: NaiveDateTime) -> DateTime<Utc> {
    (t - TimeDelta::seconds(i64::from(OFFSET_SECS))).and_utc()
}

/// The span asked about reaches a year without calendar data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no calendar data for {year}")]
pub struct MissingYear {
    pub year: i32,
}

/// How far a day walk goes before it gives up (about 270 years): only reached by absurd inputs.
const MAX_DAYS: u32 = 100_000;

/// The company's business calendar: working hours, weekends, and per-date exceptions for the
/// years that have data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    hours: WorkingHours,
    years: BTreeSet<i32>,
    /// Every exception, sorted by date.
    days: Vec<DayEntry>,
    /// Per year, one byte per day of the year (0 rule, 1 off, 2 work): the day walk's look-up.
    fast: BTreeMap<i32, Vec<u8>>,
}

impl Default for WorkCalendar {
    /// Default hours, no year data: weekdays are working days.
    fn default() -> Self {
        WorkCalendar::new(WorkingHours::default(), [], Vec::new())
    }
}

impl WorkCalendar {
    /// A calendar from its hours, the years that have data, and those years' exceptions.
    /// Exceptions are taken as they are (they were checked when they were saved).
    pub fn new(
        hours: WorkingHours,
        years: impl IntoIterator<Item = i32>,
        mut days: Vec<DayEntry>,
    ) -> WorkCalendar {
        days.sort_by_key(|d| d.date);
        days.dedup_by_key(|d| d.date);
        let years: BTreeSet<i32> = years.into_iter().collect();
        let mut fast: BTreeMap<i32, Vec<u8>> = BTreeMap::new();
        for d in &days {
            let v = fast.entry(d.date.year()).or_insert_with(|| vec![0; 366]);
            v[d.date.ordinal0() as usize] = match d.kind {
                DayKind::Off => 1,
                DayKind::Work => 2,
            };
        }
        WorkCalendar {
            hours,
            years,
            days,
            fast,
        }
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The years that have calendar data, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Every exception, sorted by date.
    pub fn days(&self) -> &[DayEntry] {
        &self.days
    }

    /// The exceptions of one year, sorted by date.
    pub fn days_of(&self, year: i32) -> &[DayEntry] {
        let a = self.days.partition_point(|d| d.date.year() < year);
        let b = self.days.partition_point(|d| d.date.year() <= year);
        &self.days[a..b]
    }

    /// The exception on a date, if any.
    pub fn day(&self, date: NaiveDate) -> Option<&DayEntry> {
        self.days
            .binary_search_by_key(&date, |d| d.date)
            .ok()
            .map(|i| &self.days[i])
    }

    /// Is the company open on this date: an exception decides, otherwise Monday to Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self
            .fast
            .get(&date.year())
            .map_or(0, |v| v[date.ordinal0() as usize])
        {
            1 => false,
            2 => true,
            _ => !data::is_weekend(date),
        }
    }

    /// The first year in the local dates of `[a, b]` without calendar data.
    pub fn missing_year(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Option<i32> {
        let (ya, yb) = (to_local(a).year(), to_local(b.max(a)).year());
        (ya..=yb).find(|y| !self.has_year(*y))
    }

    /// The first instant at or after `t` that is working time (`t` itself when it is).
    pub fn next_opening(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.deadline(t, 0)
    }

    /// The instant at which `working_minutes` of working time have passed since `from`.
    /// A start outside working hours counts from the next opening; so 0 minutes gives
    /// [`WorkCalendar::next_opening`]. Negative minutes count as 0. The result is whole seconds
    /// (a fraction of a second in `from` is dropped).
    pub fn deadline(&self, from: DateTime<Utc>, working_minutes: i64) -> DateTime<Utc> {
        self.deadline_secs(from, working_minutes.max(0).saturating_mul(60))
    }

    /// [`WorkCalendar::deadline`], refused when the walk reaches a year without data.
    pub fn deadline_checked(
        &self,
        from: DateTime<Utc>,
        working_minutes: i64,
    ) -> Result<DateTime<Utc>, MissingYear> {
        let d = self.deadline(from, working_minutes);
        match self.missing_year(from, d) {
            Some(year) => Err(MissingYear { year }),
            None => Ok(d),
        }
    }

    /// [`WorkCalendar::deadline`] in seconds of working time.
    pub fn deadline_secs(&self, from: DateTime<Utc>, working_secs: i64) -> DateTime<Utc> {
        let local = to_local(from);
        let mut date = local.date();
        let mut cursor = local.time().num_seconds_from_midnight();
        let mut remaining = working_secs.max(0);
        let (iv, n) = self.hours.intervals();
        let iv = &iv[..n];
        for _ in 0..MAX_DAYS {
            if self.is_working_day(date) {
                for &(s, e) in iv {
                    let s = s.max(cursor);
                    if s < e {
                        let avail = i64::from(e - s);
                        if remaining <= avail {
                            let at = date.and_hms_opt(0, 0, 0).expect("midnight")
                                + TimeDelta::seconds(i64::from(s) + remaining);
                            return from_local(at);
                        }
                        remaining -= avail;
                    }
                }
            }
            cursor = 0;
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        DateTime::<Utc>::MAX_UTC
    }

    /// Working minutes between two instants (whole minutes, rounded down), 0 if `b <= a`.
    pub fn working_minutes_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.working_seconds_between(a, b) / 60
    }

    /// [`WorkCalendar::working_minutes_between`], refused when the span reaches a year without
    /// data.
    pub fn working_minutes_between_checked(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<i64, MissingYear> {
        match self.missing_year(a, b) {
            Some(year) => Err(MissingYear { year }),
            None => Ok(self.working_minutes_between(a, b)),
        }
    }

    /// Working seconds between two instants, 0 if `b <= a`.
    pub fn working_seconds_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        let (la, lb) = (to_local(a), to_local(b));
        let (da, db) = (la.date(), lb.date());
        let (sa, sb) = (
            la.time().num_seconds_from_midnight(),
            lb.time().num_seconds_from_midnight(),
        );
        let (iv, n) = self.hours.intervals();
        let iv = &iv[..n];
        let mut total = 0i64;
        let mut date = da;
        for _ in 0..MAX_DAYS {
            if self.is_working_day(date) {
                for &(s, e) in iv {
                    let lo = if date == da { s.max(sa) } else { s };
                    let hi = if date == db { e.min(sb) } else { e };
                    if hi > lo {
                        total += i64::from(hi - lo);
                    }
                }
            }
            if date >= db {
                break;
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests;
