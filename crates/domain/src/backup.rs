//! Which scheduled backups to keep (issue 17, point 1): the newest backup of each of the last
//! `daily` days, `weekly` ISO weeks and `monthly` months that have one, counted in the company's
//! local time. A backup kept by any of the three rules stays. The newest backup always stays,
//! whatever the counts, so retention can never delete the only copy.

use chrono::{Datelike, NaiveDateTime};

/// How many backups of each period to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

/// For each backup time (local, any order), whether it is kept.
pub fn keep(times: &[NaiveDateTime], r: Retention) -> Vec<bool> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    // Newest first; equal times by position, so the answer does not depend on sort stability.
    order.sort_by(|&a, &b| times[b].cmp(&times[a]).then(a.cmp(&b)));
    let mut kept = vec![false; times.len()];
    if let Some(&newest) = order.first() {
        kept[newest] = true;
    }
    let mut by = |count: u32, key: &dyn Fn(&NaiveDateTime) -> (i32, u32)| {
        let mut seen: Vec<(i32, u32)> = Vec::new();
        for &i in &order {
            if seen.len() as u32 >= count {
                break;
            }
            let k = key(&times[i]);
            if !seen.contains(&k) {
                seen.push(k);
                kept[i] = true;
            }
        }
    };
    by(r.daily, &|t| (t.year(), t.ordinal()));
    by(r.weekly, &|t| {
        let w = t.iso_week();
        (w.year(), w.week())
    });
    by(r.monthly, &|t| (t.year(), t.month()));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeDelta};

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_year_of_daily_backups_keeps_seven_days_four_weeks_and_twelve_months() {
        // One backup a day at 02:00 from 2025-12-01 to 2026-11-29 (a Sunday).
        let start = at(2025, 12, 1, 2);
        let times: Vec<_> = (0..364).map(|d| start + TimeDelta::days(d)).collect();
        let kept = keep(&times, Retention::default());
        let mut days: Vec<String> = times
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|(t, _)| t.format("%Y-%m-%d").to_string())
            .collect();
        days.sort();
        // Daily: 11-23 … 11-29. Weekly (newest of each ISO week): 11-29 (week 48), 11-22 (47),
        // 11-15 (46), 11-08 (45). Monthly (newest of each month): 11-29, 10-31, 09-30 … 2025-12-31.
        assert_eq!(
            days,
            [
                "2025-12-31",
                "2026-01-31",
                "2026-02-28",
                "2026-03-31",
                "2026-04-30",
                "2026-05-31",
                "2026-06-30",
                "2026-07-31",
                "2026-08-31",
                "2026-09-30",
                "2026-10-31",
                "2026-11-08",
                "2026-11-15",
                "2026-11-22",
                "2026-11-23",
                "2026-11-24",
                "2026-11-25",
                "2026-11-26",
                "2026-11-27",
                "2026-11-28",
                "2026-11-29",
            ]
        );
    }

    #[test]
    fn of_two_backups_on_one_day_the_later_one_counts_for_that_day() {
        let times = [
            at(2026, 11, 29, 2),
            at(2026, 11, 29, 15),
            at(2026, 11, 28, 2),
        ];
        let r = Retention {
            daily: 2,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(keep(&times, r), [false, true, true]);
    }

    #[test]
    fn the_newest_backup_stays_even_when_nothing_is_to_be_kept() {
        let times = [at(2026, 1, 1, 2), at(2026, 1, 2, 2)];
        let none = Retention {
            daily: 0,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(keep(&times, none), [false, true]);
        assert!(keep(&[], none).is_empty());
    }
}
