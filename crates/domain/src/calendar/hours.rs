//! The company's working hours: when a working day opens and closes, and its lunch break.

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::validate::{FieldError, FieldErrors};

/// Opening, closing and the lunch break of every working day (company time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub open: NaiveTime,
    pub close: NaiveTime,
    /// Start and end of the lunch break, `None` for a day without one.
    pub lunch: Option<(NaiveTime, NaiveTime)>,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time of day")
}

impl Default for WorkingHours {
    /// 09:00–18:00 with lunch 12:00–13:00: eight working hours.
    fn default() -> Self {
        WorkingHours {
            open: hm(9, 0),
            close: hm(18, 0),
            lunch: Some((hm(12, 0), hm(13, 0))),
        }
    }
}

/// The message key of a time that is not `HH:MM`.
pub const ERR_TIME: &str = "error.calendar.time";
/// The message key of a closing time not after the opening.
pub const ERR_CLOSE: &str = "error.calendar.close_before_open";
/// The message key of a lunch break outside the working hours (or ending before it starts).
pub const ERR_LUNCH: &str = "error.calendar.lunch_outside";

/// `HH:MM` (or `H:MM`) between 00:00 and 23:59.
pub fn parse_time(field: &str, s: &str) -> Result<NaiveTime, FieldError> {
    let s = s.trim();
    let bad = || FieldError::with_arg(field, ERR_TIME, truncate(s, 20));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !digits(h) || !digits(m) {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    NaiveTime::from_hms_opt(h, m, 0)
        .filter(|_| h < 24 && m < 60)
        .ok_or_else(bad)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

impl WorkingHours {
    /// Checks and builds working hours from their parts.
    pub fn new(
        open: NaiveTime,
        close: NaiveTime,
        lunch: Option<(NaiveTime, NaiveTime)>,
    ) -> Result<WorkingHours, FieldError> {
        if close <= open {
            return Err(FieldError::with_arg("close", ERR_CLOSE, fmt_time(open)));
        }
        if let Some((a, b)) = lunch
            && (a < open || b > close || b <= a)
        {
            return Err(FieldError::with_arg(
                "lunch_start",
                ERR_LUNCH,
                format!("{}–{}", fmt_time(open), fmt_time(close)),
            ));
        }
        Ok(WorkingHours { open, close, lunch })
    }

    /// Parses the form (or API) fields: `open`, `close`, `lunch_start`, `lunch_end` as `HH:MM`;
    /// both lunch fields empty means no lunch break.
    pub fn parse(
        open: &str,
        close: &str,
        lunch_start: &str,
        lunch_end: &str,
    ) -> Result<WorkingHours, FieldErrors> {
        let mut errs = FieldErrors::new();
        let o = errs.take(parse_time("open", open));
        let c = errs.take(parse_time("close", close));
        let lunch = if lunch_start.trim().is_empty() && lunch_end.trim().is_empty() {
            Some(None)
        } else {
            let a = errs.take(parse_time("lunch_start", lunch_start));
            let b = errs.take(parse_time("lunch_end", lunch_end));
            a.zip(b).map(Some)
        };
        match (o, c, lunch) {
            (Some(o), Some(c), Some(l)) if errs.is_empty() => {
                WorkingHours::new(o, c, l).map_err(|e| FieldErrors(vec![e]))
            }
            _ => Err(errs),
        }
    }

    /// The working intervals of a day in seconds since midnight, `[start, end)`.
    pub fn intervals(&self) -> ([(u32, u32); 2], usize) {
        let o = self.open.num_seconds_from_midnight();
        let c = self.close.num_seconds_from_midnight();
        match self.lunch {
            Some((a, b)) => (
                [
                    (o, a.num_seconds_from_midnight()),
                    (b.num_seconds_from_midnight(), c),
                ],
                2,
            ),
            None => ([(o, c), (c, c)], 1),
        }
    }

    /// Working minutes of a whole working day (480 by default).
    pub fn minutes_per_day(&self) -> i64 {
        let (iv, n) = self.intervals();
        iv[..n].iter().map(|(a, b)| i64::from(b - a)).sum::<i64>() / 60
    }

    /// The form of the setting: `09:00-18:00` or `09:00-18:00 12:00-13:00`.
    pub fn to_setting(&self) -> String {
        match self.lunch {
            Some((a, b)) => format!(
                "{}-{} {}-{}",
                fmt_time(self.open),
                fmt_time(self.close),
                fmt_time(a),
                fmt_time(b)
            ),
            None => format!("{}-{}", fmt_time(self.open), fmt_time(self.close)),
        }
    }

    /// Reads [`WorkingHours::to_setting`]'s form back; `None` when it is not that form.
    pub fn from_setting(s: &str) -> Option<WorkingHours> {
        let mut parts = s.split_whitespace();
        let (o, c) = parts.next()?.split_once('-')?;
        let lunch = parts.next().map(|l| l.split_once('-'));
        let (ls, le) = match lunch {
            None => ("", ""),
            Some(Some(p)) => p,
            Some(None) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        WorkingHours::parse(o, c, ls, le).ok()
    }
}

/// `09:00`.
pub fn fmt_time(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}
