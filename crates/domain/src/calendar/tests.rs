use chrono::{NaiveDate, NaiveTime};

use super::data::{check_new_day, to_spec};
use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A company-time instant, `2026-11-27 17:30`.
fn at(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn off(name: &str, from: &str, to: &str) -> OffRange {
    OffRange {
        name: name.into(),
        from: d(from),
        to: d(to),
    }
}

fn work(date: &str) -> Workday {
    Workday {
        name: String::new(),
        date: d(date),
    }
}

/// The shipped 2026 data (`crates/app/data/cn-holidays-2026.toml`), written out.
fn spec_2026() -> YearSpec {
    YearSpec {
        year: 2026,
        days_off: vec![
            off("元旦", "2026-01-01", "2026-01-03"),
            off("春节", "2026-02-15", "2026-02-23"),
            off("清明节", "2026-04-04", "2026-04-06"),
            off("劳动节", "2026-05-01", "2026-05-05"),
            off("端午节", "2026-06-19", "2026-06-21"),
            off("中秋节", "2026-09-25", "2026-09-27"),
            off("国庆节", "2026-10-01", "2026-10-07"),
        ],
        workdays: [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        ]
        .into_iter()
        .map(work)
        .collect(),
    }
}

fn cal() -> WorkCalendar {
    WorkCalendar::new(WorkingHours::default(), [2026], spec_2026().days().unwrap())
}

/// 2026 plus a 2027 whose New Year's Day is off.
fn cal_2027() -> WorkCalendar {
    let mut days = spec_2026().days().unwrap();
    days.extend(
        YearSpec {
            year: 2027,
            days_off: vec![off("元旦", "2027-01-01", "2027-01-03")],
            workdays: vec![],
        }
        .days()
        .unwrap(),
    );
    WorkCalendar::new(WorkingHours::default(), [2026, 2027], days)
}

fn h(n: i64) -> i64 {
    n * 60
}

#[test]
fn across_a_weekend() {
    // Friday 17:30 + 4 h: 30 min on Friday, 3 h on Monday morning, 30 min after lunch.
    assert_eq!(
        cal().deadline(at("2026-11-27 17:30"), h(4)),
        at("2026-11-30 13:30")
    );
    assert_eq!(
        cal().working_minutes_between(at("2026-11-27 17:30"), at("2026-11-30 13:30")),
        240
    );
}

#[test]
fn across_the_national_day_week() {
    // Wednesday 30 September 16:00 + 4 h: 2 h that day, 1–7 October off, Thursday the 8th.
    assert_eq!(
        cal().deadline(at("2026-09-30 16:00"), h(4)),
        at("2026-10-08 11:00")
    );
    // Without the holidays it would have been Thursday the 1st.
    let plain = WorkCalendar::new(WorkingHours::default(), [2026], vec![]);
    assert_eq!(
        plain.deadline(at("2026-09-30 16:00"), h(4)),
        at("2026-10-01 11:00")
    );
    assert_eq!(
        cal().working_minutes_between(at("2026-09-30 09:00"), at("2026-10-08 18:00")),
        h(16)
    );
}

#[test]
fn on_a_make_up_saturday() {
    // Saturday 10 October is a workday (调休): Friday 17:00 + 2 h ends on it, not on Monday.
    assert!(cal().is_working_day(d("2026-10-10")));
    assert!(!cal().is_working_day(d("2026-10-11")));
    assert_eq!(
        cal().deadline(at("2026-10-09 17:00"), h(2)),
        at("2026-10-10 10:00")
    );
    // Starting on it.
    assert_eq!(
        cal().deadline(at("2026-10-10 10:00"), h(1)),
        at("2026-10-10 11:00")
    );
    // A Sunday make-up day (4 January) counts too.
    assert_eq!(
        cal().deadline(at("2026-01-03 20:00"), 30),
        at("2026-01-04 09:30")
    );
}

#[test]
fn starting_outside_working_hours() {
    let c = cal();
    // Before opening: counts from 09:00.
    assert_eq!(
        c.deadline(at("2026-11-30 07:00"), h(1)),
        at("2026-11-30 10:00")
    );
    // In the lunch break: counts from 13:00.
    assert_eq!(
        c.deadline(at("2026-11-30 12:30"), h(1)),
        at("2026-11-30 14:00")
    );
    // After closing: counts from the next morning.
    assert_eq!(
        c.deadline(at("2026-11-30 19:00"), h(1)),
        at("2026-12-01 10:00")
    );
    // On a holiday: counts from the first day after it.
    assert_eq!(
        c.deadline(at("2026-10-03 10:00"), h(1)),
        at("2026-10-08 10:00")
    );
    // On a weekend.
    assert_eq!(
        c.deadline(at("2026-11-28 10:00"), h(1)),
        at("2026-11-30 10:00")
    );
    assert_eq!(
        c.next_opening(at("2026-11-28 10:00")),
        at("2026-11-30 09:00")
    );
    assert_eq!(
        c.next_opening(at("2026-11-30 10:15")),
        at("2026-11-30 10:15")
    );
    // Nothing is counted outside working hours.
    assert_eq!(
        c.working_minutes_between(at("2026-11-30 12:00"), at("2026-11-30 13:00")),
        0
    );
    assert_eq!(
        c.working_minutes_between(at("2026-11-28 00:00"), at("2026-11-29 23:59")),
        0
    );
}

#[test]
fn morning_ends_at_lunch_and_a_day_ends_at_closing() {
    let c = cal();
    // Work that fills the morning ends at 12:00, not at 13:00.
    assert_eq!(
        c.deadline(at("2026-11-30 09:00"), h(3)),
        at("2026-11-30 12:00")
    );
    // Work that fills the day ends at 18:00, not the next morning.
    assert_eq!(
        c.deadline(at("2026-11-30 17:30"), 30),
        at("2026-11-30 18:00")
    );
    assert_eq!(
        c.deadline(at("2026-11-30 09:00"), h(8)),
        at("2026-11-30 18:00")
    );
}

#[test]
fn across_a_year_end() {
    // Thursday 31 December 17:00 + 2 h; 2027 has New Year's Day 1–3 January off.
    let c = cal_2027();
    assert_eq!(
        c.deadline(at("2026-12-31 17:00"), h(2)),
        at("2027-01-04 10:00")
    );
    assert_eq!(
        c.deadline_checked(at("2026-12-31 17:00"), h(2)),
        Ok(at("2027-01-04 10:00"))
    );
    // Without 2027 data the weekday rule applies, and the checked variant says what is missing.
    let c = cal();
    assert_eq!(
        c.deadline(at("2026-12-31 17:00"), h(2)),
        at("2027-01-01 10:00")
    );
    assert_eq!(
        c.deadline_checked(at("2026-12-31 17:00"), h(2)),
        Err(MissingYear { year: 2027 })
    );
    assert_eq!(
        c.working_minutes_between_checked(at("2026-12-31 17:00"), at("2027-01-04 10:00")),
        Err(MissingYear { year: 2027 })
    );
    assert_eq!(
        c.missing_year(at("2026-01-01 00:00"), at("2026-12-31 23:59")),
        None
    );
    // 07:00 on 1 January in Shanghai is still 31 December in UTC, but a 2027 date here.
    let t = at("2027-01-01 07:00");
    assert_eq!(t.date_naive(), d("2026-12-31"));
    assert_eq!(c.missing_year(t, t), Some(2027));
    assert!(!c.has_year(2027));
}

#[test]
fn zero_minutes() {
    let c = cal();
    assert_eq!(
        c.deadline(at("2026-11-27 17:30"), 0),
        at("2026-11-27 17:30")
    );
    assert_eq!(
        c.deadline(at("2026-11-28 17:30"), 0),
        at("2026-11-30 09:00")
    );
    assert_eq!(
        c.deadline(at("2026-11-27 12:00"), 0),
        at("2026-11-27 13:00")
    );
    assert_eq!(
        c.deadline(at("2026-11-27 18:00"), 0),
        at("2026-11-30 09:00")
    );
    assert_eq!(
        c.deadline(at("2026-11-27 17:30"), -5),
        at("2026-11-27 17:30")
    );
    assert_eq!(
        c.working_minutes_between(at("2026-11-27 17:30"), at("2026-11-27 17:30")),
        0
    );
    assert_eq!(
        c.working_minutes_between(at("2026-11-30 17:30"), at("2026-11-27 17:30")),
        0
    );
}

#[test]
fn a_long_span() {
    // 200 working hours from Monday 2 November: 25 working days, the Friday five weeks on.
    let c = cal();
    let from = at("2026-11-02 09:00");
    assert_eq!(c.deadline(from, h(200)), at("2026-12-04 18:00"));
    assert_eq!(
        c.working_minutes_between(from, at("2026-12-04 18:00")),
        h(200)
    );
    // The whole of 2026: 261 weekdays, 19 of them holidays, 6 make-up weekend days: 248.
    let days = (0..365)
        .map(|i| d("2026-01-01") + TimeDelta::days(i))
        .filter(|x| c.is_working_day(*x))
        .count() as i64;
    assert_eq!(
        c.working_minutes_between(at("2026-01-01 00:00"), at("2027-01-01 00:00")),
        days * 480
    );
    assert_eq!(days, 248);
}

#[test]
fn deadline_and_working_time_agree() {
    // For starts across the year at odd times and many lengths, the working time from the start
    // to its deadline is the length asked for.
    let c = cal_2027();
    let mut t = at("2026-01-01 07:13");
    for i in 0..400 {
        let minutes = (i * 37) % 3000;
        let end = c.deadline(t, minutes);
        assert_eq!(
            c.working_minutes_between(t, end),
            minutes,
            "from {t} + {minutes}"
        );
        assert!(end >= t);
        t += TimeDelta::minutes(1277);
    }
}

#[test]
fn hours_without_lunch_and_other_hours() {
    let hours = WorkingHours::parse("08:30", "17:30", "", "").unwrap();
    assert_eq!(hours.minutes_per_day(), 540);
    let c = WorkCalendar::new(hours, [2026], vec![]);
    assert_eq!(
        c.deadline(at("2026-11-30 12:00"), h(1)),
        at("2026-11-30 13:00")
    );
    assert_eq!(WorkingHours::default().minutes_per_day(), 480);
    assert_eq!(
        WorkingHours::default().to_setting(),
        "09:00-18:00 12:00-13:00"
    );
    assert_eq!(
        WorkingHours::from_setting("09:00-18:00 12:00-13:00"),
        Some(WorkingHours::default())
    );
    assert_eq!(WorkingHours::from_setting("08:30-17:30"), Some(hours));
    assert_eq!(WorkingHours::from_setting("nonsense"), None);
}

#[test]
fn bad_working_hours_are_named() {
    let codes = |r: Result<WorkingHours, crate::FieldErrors>| {
        r.unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(WorkingHours::parse("9h", "18:00", "12:00", "13:00")),
        vec![("open".to_string(), hours::ERR_TIME)]
    );
    assert_eq!(
        codes(WorkingHours::parse("09:00", "25:00", "12:00", "13:61")),
        vec![
            ("close".to_string(), hours::ERR_TIME),
            ("lunch_end".to_string(), hours::ERR_TIME)
        ]
    );
    assert_eq!(
        codes(WorkingHours::parse("18:00", "09:00", "", "")),
        vec![("close".to_string(), hours::ERR_CLOSE)]
    );
    assert_eq!(
        codes(WorkingHours::parse("09:00", "18:00", "08:00", "09:30")),
        vec![("lunch_start".to_string(), hours::ERR_LUNCH)]
    );
    assert_eq!(
        codes(WorkingHours::parse("09:00", "18:00", "13:00", "12:00")),
        vec![("lunch_start".to_string(), hours::ERR_LUNCH)]
    );
    assert!(WorkingHours::parse("+9:00", "18:00", "", "").is_err());
    assert_eq!(
        hours::parse_time("t", " 9:05 ").unwrap(),
        NaiveTime::from_hms_opt(9, 5, 0).unwrap()
    );
}

#[test]
fn the_2026_data_is_valid_and_regroups() {
    let days = spec_2026().days().unwrap();
    assert_eq!(
        days.iter().filter(|x| x.kind == DayKind::Off).count(),
        3 + 9 + 3 + 5 + 3 + 3 + 7
    );
    assert_eq!(days.iter().filter(|x| x.kind == DayKind::Work).count(), 6);
    let back = to_spec(2026, &days);
    let mut expect = spec_2026();
    expect.days_off.sort_by_key(|r| r.from);
    // Regrouping gives ranges and workdays in date order.
    assert_eq!(back.days_off, expect.days_off);
    assert_eq!(back.workdays, expect.workdays);
    assert_eq!(cal().days_of(2026).len(), days.len());
    assert_eq!(cal().days_of(2025).len(), 0);
    assert_eq!(cal().day(d("2026-10-03")).unwrap().name, "国庆节");
}

#[test]
fn bad_data_names_the_entry() {
    let with = |f: &dyn Fn(&mut YearSpec)| {
        let mut s = spec_2026();
        f(&mut s);
        s.days().unwrap_err()
    };
    // Overlapping ranges.
    let e = with(&|s| s.days_off.push(off("加班", "2026-10-06", "2026-10-08")));
    assert_eq!(
        e,
        CalendarDataError::Overlap {
            name: "国庆节".into(),
            other: "加班".into(),
            date: d("2026-10-06")
        }
    );
    assert_eq!(e.code(), "error.calendar.overlap");
    assert!(
        e.arg().contains("国庆节") && e.arg().contains("加班"),
        "{}",
        e.arg()
    );
    // A make-up day on a weekday.
    assert_eq!(
        with(&|s| s.workdays.push(work("2026-11-30"))),
        CalendarDataError::MakeUpNotWeekend {
            name: String::new(),
            date: d("2026-11-30")
        }
    );
    // A day off and a workday on the same date.
    assert!(matches!(
        with(&|s| s.workdays.push(work("2026-10-03"))),
        CalendarDataError::OffAndWork { ref off, .. } if off == "国庆节"
    ));
    // The same workday twice.
    assert!(matches!(
        with(&|s| s.workdays.push(work("2026-10-10"))),
        CalendarDataError::Overlap { .. }
    ));
    // Outside the declared year.
    assert_eq!(
        with(&|s| s.days_off.push(off("元旦", "2027-01-01", "2027-01-01"))),
        CalendarDataError::OutsideYear {
            name: "元旦".into(),
            date: d("2027-01-01"),
            year: 2026
        }
    );
    assert!(matches!(
        with(&|s| s.workdays.push(work("2025-12-27"))),
        CalendarDataError::OutsideYear { .. }
    ));
    // to < from.
    assert_eq!(
        with(&|s| s.days_off.push(off("倒", "2026-12-05", "2026-12-01"))),
        CalendarDataError::Reversed {
            name: "倒".into(),
            from: d("2026-12-05"),
            to: d("2026-12-01")
        }
    );
    // Names: missing, markup, too long.
    assert!(matches!(
        with(&|s| s.days_off.push(off(" ", "2026-12-01", "2026-12-01"))),
        CalendarDataError::NameMissing { .. }
    ));
    assert!(matches!(
        with(&|s| s.days_off.push(off("<b>x</b>", "2026-12-01", "2026-12-01"))),
        CalendarDataError::BadName { .. }
    ));
    assert!(matches!(
        with(&|s| s
            .days_off
            .push(off(&"长".repeat(61), "2026-12-01", "2026-12-01"))),
        CalendarDataError::BadName { .. }
    ));
    // Absurd years and sizes.
    assert!(matches!(
        with(&|s| s.year = 1900),
        CalendarDataError::YearOutOfRange { year: 1900 }
    ));
    assert!(matches!(
        with(&|s| s.workdays = (0..401).map(|_| work("2026-01-04")).collect()),
        CalendarDataError::TooMany { .. }
    ));
    // The field error carries code and entry.
    let fe = CalendarDataError::NoYear { year: 2027 }.to_field_error("date");
    assert_eq!(
        (fe.field.as_str(), fe.code, fe.arg.as_deref()),
        ("date", "error.calendar.no_year", Some("2027"))
    );
}

#[test]
fn single_days_are_checked_against_the_year() {
    let days = spec_2026().days().unwrap();
    let entry = |date: &str, kind, name: &str| DayEntry {
        date: d(date),
        kind,
        name: name.into(),
    };
    assert!(check_new_day(&days, true, &entry("2026-12-31", DayKind::Off, "公司年会")).is_ok());
    assert!(check_new_day(&days, true, &entry("2026-12-26", DayKind::Work, "")).is_ok());
    assert!(matches!(
        check_new_day(&days, false, &entry("2027-01-05", DayKind::Off, "x")),
        Err(CalendarDataError::NoYear { year: 2027 })
    ));
    assert!(matches!(
        check_new_day(&days, true, &entry("2026-10-02", DayKind::Off, "x")),
        Err(CalendarDataError::AlreadyMarked { .. })
    ));
    assert!(matches!(
        check_new_day(&days, true, &entry("2026-10-03", DayKind::Work, "x")),
        Err(CalendarDataError::OffAndWork { .. })
    ));
    assert!(matches!(
        check_new_day(&days, true, &entry("2026-10-10", DayKind::Off, "x")),
        Err(CalendarDataError::OffAndWork { .. })
    ));
    assert!(matches!(
        check_new_day(&days, true, &entry("2026-12-30", DayKind::Work, "")),
        Err(CalendarDataError::MakeUpNotWeekend { .. })
    ));
    assert!(matches!(
        check_new_day(&days, true, &entry("2026-12-30", DayKind::Off, "")),
        Err(CalendarDataError::NameMissing { .. })
    ));
}
