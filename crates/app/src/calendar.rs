//! The company's business calendar (issue 12, point 4): loading it (cached, invalidated by every
//! edit; other processes see an edit within the read cache's TTL), the deadline arithmetic other
//! capabilities call, and the administrator's use cases — import a year from TOML, add or
//! remove one day, set the working hours. The rules live in [`salesdesk_domain::calendar`].
//!
//! 2026 ships built in (`data/cn-holidays-2026.toml`): a database without data for a built-in
//! year gets it on the first load, once (the year's primary key decides between processes).

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use salesdesk_domain::calendar::{
    self as rules, CalendarDataError, DayEntry, DayKind, OffRange, WorkCalendar, Workday,
    WorkingHours, YearSpec,
};
use salesdesk_domain::{Capability, FieldError, FieldErrors};
use salesdesk_store::calendar::{self as store, NewDay};
use salesdesk_store::{audit, settings};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// The shipped calendar years, as TOML files of the import format.
pub const BUILTIN: &[(i32, &str)] = &[(2026, include_str!("../data/cn-holidays-2026.toml"))];

/// The settings key of the working hours.
pub const HOURS_KEY: &str = "calendar.hours";

/// The largest TOML file an import reads (a year is a few KB).
pub const MAX_FILE_BYTES: usize = 64 * 1024;

/// The most working hours a deadline may be asked for.
pub const MAX_WORKING_HOURS: i64 = 10_000;

/// The read cache's key.
const CACHE_KEY: &str = "calendar";

// ---------------------------------------------------------------------------------------------
// The file format

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i64,
    #[serde(default)]
    days_off: Vec<RawRange>,
    #[serde(default)]
    workdays: Vec<RawWorkday>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    name: String,
    from: toml::value::Datetime,
    to: toml::value::Datetime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkday {
    #[serde(default)]
    name: String,
    date: toml::value::Datetime,
}

fn unparsable(detail: impl Into<String>) -> CalendarDataError {
    CalendarDataError::Unparsable {
        detail: detail.into(),
    }
}

/// A TOML date (`2026-10-01`, no time, no offset).
fn toml_date(
    what: &str,
    d: &toml::value::Datetime,
) -> std::result::Result<NaiveDate, CalendarDataError> {
    match (d.date, d.time, d.offset) {
        (Some(x), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(x.year), u32::from(x.month), u32::from(x.day))
                .ok_or_else(|| unparsable(format!("{what}: {d}")))
        }
        _ => Err(unparsable(format!("{what}: {d}"))),
    }
}

/// Reads a year's TOML file (the shipped format: `year`, `[[days_off]]` with `name`, `from`,
/// `to`, `[[workdays]]` with `date` and an optional `name`). Checks only the form; the rules
/// are [`YearSpec::days`]'.
pub fn parse_toml(text: &str) -> std::result::Result<YearSpec, CalendarDataError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(unparsable(format!("> {} KB", MAX_FILE_BYTES / 1024)));
    }
    let raw: RawYear = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().trim().to_string();
        unparsable(match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        })
    })?;
    let year = i32::try_from(raw.year)
        .ok()
        .filter(|y| rules::data::YEARS.contains(y))
        .ok_or(CalendarDataError::YearOutOfRange {
            year: raw.year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        })?;
    let mut spec = YearSpec {
        year,
        days_off: Vec::new(),
        workdays: Vec::new(),
    };
    for r in &raw.days_off {
        spec.days_off.push(OffRange {
            from: toml_date(&r.name, &r.from)?,
            to: toml_date(&r.name, &r.to)?,
            name: r.name.clone(),
        });
    }
    for w in &raw.workdays {
        spec.workdays.push(Workday {
            date: toml_date(&w.name, &w.date)?,
            name: w.name.clone(),
        });
    }
    Ok(spec)
}

/// A year's data in the import format (what an export downloads; importing it gives the same).
pub fn to_toml(spec: &YearSpec) -> String {
    let q = |s: &str| {
        let mut o = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                c => o.push(c),
            }
        }
        o.push('"');
        o
    };
    let mut out = format!("year = {}\n", spec.year);
    for r in &spec.days_off {
        out.push_str(&format!(
            "\n[[days_off]]\nname = {}\nfrom = {}\nto = {}\n",
            q(&r.name),
            r.from,
            r.to
        ));
    }
    for w in &spec.workdays {
        out.push_str("\n[[workdays]]\n");
        if !w.name.is_empty() {
            out.push_str(&format!("name = {}\n", q(&w.name)));
        }
        out.push_str(&format!("date = {}\n", w.date));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Loading

/// The company calendar (cached; an edit in this process is seen at once, another process's
/// within the read cache's TTL). Seeds the built-in years a database has no data for.
pub async fn load(app: &App) -> Result<Arc<WorkCalendar>> {
    app.cached_arc(CACHE_KEY.into(), async {
        let mut years = store::years(app.db.read()).await?;
        for (year, _) in BUILTIN {
            if !years.iter().any(|y| y.year == *year) {
                seed_builtin(app, *year).await?;
                years = store::years(app.db.read()).await?;
            }
        }
        let days = store::days(app.db.read()).await?;
        let hours = hours(app).await?;
        Ok(WorkCalendar::new(
            hours,
            years.iter().map(|y| y.year),
            days.into_iter().filter_map(entry_of).collect(),
        ))
    })
    .await
}

fn entry_of(d: store::CalendarDay) -> Option<DayEntry> {
    Some(DayEntry {
        date: d.date,
        kind: DayKind::parse(&d.kind)?,
        name: d.name,
    })
}

/// The shipped years with the default working hours: the company calendar before an
/// administrator changed anything. The demo plans its trials and pre-sales calls on it, as real
/// ones are planned on [`load`]'s (without it, a demo call could fall on a public holiday).
pub fn builtin_calendar() -> WorkCalendar {
    let mut years = Vec::new();
    let mut days = Vec::new();
    for (year, _) in BUILTIN {
        if let Some(d) = builtin(*year).and_then(|spec| spec.days().ok()) {
            years.push(*year);
            days.extend(d);
        }
    }
    WorkCalendar::new(WorkingHours::default(), years, days)
}

/// The shipped data of a year, parsed and checked.
pub fn builtin(year: i32) -> Option<YearSpec> {
    let (_, text) = BUILTIN.iter().find(|(y, _)| *y == year)?;
    parse_toml(text).ok()
}

/// Writes a built-in year unless the year has data; idempotent across processes.
async fn seed_builtin(app: &App, year: i32) -> Result<()> {
    let Some(spec) = builtin(year) else {
        return Ok(());
    };
    let days = spec
        .days()
        .map_err(|e| AppError::Internal(format!("built-in calendar {year}: {e}")))?;
    let tx = app.db.begin().await?;
    let at = app.config.clock.now();
    if store::insert_year_if_absent(&tx, year, "builtin", None, at).await? {
        store::insert_days(&tx, &new_days(&days)).await?;
        audit::insert(
            &tx,
            Ctx::system().audit(
                "calendar.seed",
                "calendar_year",
                Some(i64::from(year)),
                None,
                Some(json!({"year": year, "days": days.len()})),
            ),
        )
        .await?;
    }
    app.db.commit(tx).await?;
    Ok(())
}

fn new_days(days: &[DayEntry]) -> Vec<NewDay<'_>> {
    days.iter()
        .map(|d| NewDay {
            date: d.date,
            kind: d.kind.as_str(),
            name: &d.name,
        })
        .collect()
}

/// The working hours (the default until the administrator sets them).
pub async fn hours(app: &App) -> Result<WorkingHours> {
    Ok(match settings::get(app.db.read(), HOURS_KEY).await? {
        Some(s) => serde_json::from_str::<String>(&s.value)
            .ok()
            .and_then(|v| WorkingHours::from_setting(&v))
            .unwrap_or_default(),
        None => WorkingHours::default(),
    })
}

// ---------------------------------------------------------------------------------------------
// For other capabilities

/// The instant at which `working_minutes` of working time have passed since `from` on the
/// company calendar (a year without data follows the weekday rule). Trials' first-contact
/// limit, report deadlines and payment reminders use this.
pub async fn deadline(
    app: &App,
    from: DateTime<Utc>,
    working_minutes: i64,
) -> Result<DateTime<Utc>> {
    Ok(load(app).await?.deadline(from, working_minutes))
}

/// [`deadline`] for a limit in whole working hours (trials' first-contact limit, default 4).
pub async fn deadline_hours(
    app: &App,
    from: DateTime<Utc>,
    working_hours: i64,
) -> Result<DateTime<Utc>> {
    deadline(app, from, working_hours.saturating_mul(60)).await
}

/// Working minutes between two instants on the company calendar (0 if `b <= a`).
pub async fn working_minutes_between(app: &App, a: DateTime<Utc>, b: DateTime<Utc>) -> Result<i64> {
    Ok(load(app).await?.working_minutes_between(a, b))
}

/// The year administrators are warned about: from 1 November (company time), next year when it
/// has no calendar data.
pub fn missing_next_year(cal: &WorkCalendar, now: DateTime<Utc>) -> Option<i32> {
    let local = rules::to_local(now);
    let next = local.year() + 1;
    (local.month() >= 11 && !cal.has_year(next)).then_some(next)
}

/// [`missing_next_year`] for the administrator (None for everyone else: only they can fix it).
pub async fn warning_for(app: &App, ctx: &Ctx) -> Result<Option<i32>> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Ok(None);
    }
    Ok(missing_next_year(
        &*load(app).await?,
        app.config.clock.now(),
    ))
}

// ---------------------------------------------------------------------------------------------
// The public arithmetic (API)

/// A deadline as the API answers it.
#[derive(Debug, Clone, Serialize)]
pub struct Deadline {
    pub from: DateTime<Utc>,
    pub working_minutes: i64,
    pub deadline: DateTime<Utc>,
}

/// A company-time local date-time from the API (`2026-11-27T17:30`, seconds optional; an
/// explicit offset or `Z` is honoured).
pub fn parse_local(field: &str, s: &str) -> std::result::Result<DateTime<Utc>, FieldError> {
    let s = s.trim();
    let bad = || FieldError::new(field, "error.calendar.datetime");
    if s.len() > 40 {
        return Err(bad());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(rules::from_local(t));
        }
    }
    Err(bad())
}

/// Working hours as the API takes them: a number 0–10,000, up to two decimals (`4`, `2.5`).
/// Returns minutes.
pub fn parse_working_hours(field: &str, s: &str) -> std::result::Result<i64, FieldError> {
    let s = s.trim();
    let bad = || FieldError::new(field, "error.calendar.hours_number");
    if s.is_empty() || s.len() > 12 {
        return Err(bad());
    }
    let v: f64 = s.parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(bad());
    }
    if !(0.0..=MAX_WORKING_HOURS as f64).contains(&v) {
        return Err(FieldError::with_arg(
            field,
            "error.calendar.hours_range",
            MAX_WORKING_HOURS,
        ));
    }
    Ok((v * 60.0).round() as i64)
}

/// The deadline for the API: refused (naming `from`) when the span reaches a year without data.
pub async fn deadline_checked(app: &App, from: &str, working_hours: &str) -> Result<Deadline> {
    let mut errs = FieldErrors::new();
    let f = errs.take(parse_local("from", from));
    let m = errs.take(parse_working_hours("working_hours", working_hours));
    errs.into_result()?;
    let (from, minutes) = (f.unwrap_or_default(), m.unwrap_or_default());
    let cal = load(app).await?;
    let deadline = cal.deadline_checked(from, minutes).map_err(|e| {
        missing(
            if cal.has_year(rules::to_local(from).year()) {
                "working_hours"
            } else {
                "from"
            },
            e.year,
        )
    })?;
    Ok(Deadline {
        from,
        working_minutes: minutes,
        deadline,
    })
}

fn missing(field: &str, year: i32) -> AppError {
    AppError::Validation(FieldErrors(vec![FieldError::with_arg(
        field,
        "error.calendar.no_data",
        year,
    )]))
}

/// Working time between two API times; refused when the span reaches a year without data.
pub async fn working_time_checked(
    app: &App,
    from: &str,
    to: &str,
) -> Result<(DateTime<Utc>, DateTime<Utc>, i64)> {
    let mut errs = FieldErrors::new();
    let a = errs.take(parse_local("from", from));
    let b = errs.take(parse_local("to", to));
    errs.into_result()?;
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    if (b - a).num_days().abs() > 366 * 30 {
        return Err(AppError::field("to", "error.calendar.span_too_long"));
    }
    let cal = load(app).await?;
    let minutes = cal.working_minutes_between_checked(a, b).map_err(|e| {
        missing(
            if cal.has_year(rules::to_local(a).year()) {
                "to"
            } else {
                "from"
            },
            e.year,
        )
    })?;
    Ok((a, b, minutes))
}

// ---------------------------------------------------------------------------------------------
// The administrator's view and edits

fn admin(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ManageSettings) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One year as the calendar page and the API list it.
#[derive(Debug, Clone, Serialize)]
pub struct YearView {
    pub year: i32,
    /// Whether the year has data at all.
    pub declared: bool,
    /// `builtin` or `import`, when declared.
    pub source: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Its exceptional dates, by date.
    pub days: Vec<DayEntry>,
    /// The same, grouped as the file has them.
    pub spec: YearSpec,
    /// Working days in the year.
    pub working_days: u32,
}

/// The calendar's years with data (ascending) and one year's detail (administrators only).
pub async fn year_view(app: &App, ctx: &Ctx, year: i32) -> Result<(Vec<i32>, YearView)> {
    admin(ctx)?;
    let cal = load(app).await?;
    let row = store::year(app.db.read(), year).await?;
    let days = cal.days_of(year).to_vec();
    let working_days = NaiveDate::from_ymd_opt(year, 1, 1)
        .map(|first| {
            first
                .iter_days()
                .take_while(|d| d.year() == year)
                .filter(|d| cal.is_working_day(*d))
                .count() as u32
        })
        .unwrap_or(0);
    Ok((
        cal.years().collect(),
        YearView {
            year,
            declared: row.is_some(),
            source: row.as_ref().map(|r| r.source.clone()),
            updated_at: row.map(|r| r.updated_at),
            spec: rules::data::to_spec(year, &days),
            days,
            working_days,
        },
    ))
}

fn import_error(e: CalendarDataError) -> AppError {
    AppError::Validation(FieldErrors(vec![e.to_field_error("file")]))
}

/// Replaces a year's data with a TOML file's, atomically: all the year's dates or none, the
/// year declared; audited with before and after. Administrators only.
pub async fn import_year(app: &App, ctx: &Ctx, text: &str) -> Result<YearView> {
    admin(ctx)?;
    let spec = parse_toml(text).map_err(import_error)?;
    let days = spec.days().map_err(import_error)?;
    let year = spec.year;
    let tx = app.db.begin().await?;
    let before = store::days(&tx)
        .await?
        .into_iter()
        .filter(|d| d.year == year)
        .count();
    store::put_year(&tx, year, "import", ctx.actor_id(), app.config.clock.now()).await?;
    store::delete_days_of(&tx, year).await?;
    store::insert_days(&tx, &new_days(&days)).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "calendar.import",
            "calendar_year",
            Some(i64::from(year)),
            Some(json!({"year": year, "days": before})),
            Some(json!({"year": year, "days": days.len(), "days_off": spec.days_off.len(), "workdays": spec.workdays.len()})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(year_view(app, ctx, year).await?.1)
}

/// A single day the administrator adds.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DayInput {
    /// `2026-12-31`.
    pub date: String,
    /// `off` or `work`.
    pub kind: String,
    pub name: String,
}

/// A `2026-12-31` date.
pub fn parse_date(field: &str, s: &str) -> std::result::Result<NaiveDate, FieldError> {
    let s = s.trim();
    if s.len() > 10 {
        return Err(FieldError::new(field, "error.calendar.date"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "error.calendar.date"))
}

/// Marks one date as a day off or a make-up workday in a year that has data. Administrators only.
pub async fn add_day(app: &App, ctx: &Ctx, i: &DayInput) -> Result<DayEntry> {
    admin(ctx)?;
    let mut errs = FieldErrors::new();
    let date = errs.take(parse_date("date", &i.date));
    let kind = DayKind::parse(i.kind.trim());
    if kind.is_none() {
        errs.push(FieldError::new("kind", "error.invalid_choice"));
    }
    errs.into_result()?;
    let (date, kind) = (date.unwrap_or_default(), kind.unwrap_or(DayKind::Off));
    let field = |e: CalendarDataError| match e {
        CalendarDataError::NameMissing { .. } | CalendarDataError::BadName { .. } => {
            AppError::Validation(FieldErrors(vec![e.to_field_error("name")]))
        }
        // The date is taken: a conflict, as when another administrator got there first.
        CalendarDataError::AlreadyMarked { .. } | CalendarDataError::OffAndWork { .. } => {
            AppError::Conflict(FieldErrors(vec![e.to_field_error("date")]))
        }
        _ => AppError::Validation(FieldErrors(vec![e.to_field_error("date")])),
    };
    let tx = app.db.begin().await?;
    let declared = store::year(&tx, date.year()).await?.is_some();
    let existing: Vec<DayEntry> = store::day(&tx, date)
        .await?
        .into_iter()
        .filter_map(entry_of)
        .collect();
    let entry = rules::data::check_new_day(
        &existing,
        declared,
        &DayEntry {
            date,
            kind,
            name: i.name.clone(),
        },
    )
    .map_err(field)?;
    let new = NewDay {
        date,
        kind: entry.kind.as_str(),
        name: &entry.name,
    };
    // Two administrators marking one date at once: the primary key lets one in.
    if !store::insert_day_if_free(&tx, &new).await? {
        return Err(AppError::Conflict(FieldErrors(vec![FieldError::with_arg(
            "date",
            "error.calendar.already_marked",
            date,
        )])));
    }
    store::put_year(
        &tx,
        date.year(),
        "import",
        ctx.actor_id(),
        app.config.clock.now(),
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "calendar.day_add",
            "calendar_day",
            None,
            None,
            Some(
                json!({"date": date.to_string(), "kind": entry.kind.as_str(), "name": entry.name}),
            ),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(entry)
}

/// Removes one date's entry (it follows the weekday rule again). Administrators only.
pub async fn remove_day(app: &App, ctx: &Ctx, date: &str) -> Result<()> {
    admin(ctx)?;
    let date = parse_date("date", date).map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    let tx = app.db.begin().await?;
    let before = store::day(&tx, date).await?.ok_or(AppError::NotFound)?;
    store::delete_day(&tx, date).await?;
    store::put_year(
        &tx,
        date.year(),
        "import",
        ctx.actor_id(),
        app.config.clock.now(),
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "calendar.day_remove",
            "calendar_day",
            None,
            Some(json!({"date": date.to_string(), "kind": before.kind, "name": before.name})),
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// The working hours as a form or an API body gives them (`HH:MM`; both lunch fields empty for
/// no lunch break).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HoursInput {
    pub open: String,
    pub close: String,
    #[serde(default)]
    pub lunch_start: String,
    #[serde(default)]
    pub lunch_end: String,
}

impl HoursInput {
    pub fn of(h: &WorkingHours) -> HoursInput {
        use rules::hours::fmt_time;
        HoursInput {
            open: fmt_time(h.open),
            close: fmt_time(h.close),
            lunch_start: h.lunch.map(|l| fmt_time(l.0)).unwrap_or_default(),
            lunch_end: h.lunch.map(|l| fmt_time(l.1)).unwrap_or_default(),
        }
    }
}

/// Sets the working hours (administrators only; audited).
pub async fn set_hours(app: &App, ctx: &Ctx, i: &HoursInput) -> Result<WorkingHours> {
    admin(ctx)?;
    let h = WorkingHours::parse(&i.open, &i.close, &i.lunch_start, &i.lunch_end)
        .map_err(AppError::Validation)?;
    let tx = app.db.begin().await?;
    let before = settings::get(&tx, HOURS_KEY).await?;
    let value =
        serde_json::to_string(&h.to_setting()).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::put(&tx, HOURS_KEY, &value, ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "calendar.hours",
            "setting",
            None,
            Some(json!({"hours": before.map(|b| b.value).unwrap_or_else(|| WorkingHours::default().to_setting())})),
            Some(json!({"hours": h.to_setting()})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_2026_file_reads_and_is_valid() {
        let spec = builtin(2026).expect("2026 ships");
        assert_eq!(spec.days_off.len(), 7);
        assert_eq!(spec.workdays.len(), 6);
        let days = spec.days().unwrap();
        assert_eq!(days.len(), 33 + 6);
        // The export reads back as the same data.
        let again = parse_toml(&to_toml(&rules::data::to_spec(2026, &days))).unwrap();
        assert_eq!(again.days().unwrap(), days);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = parse_toml(
            "year = 2027\n[[days_off]]\nname = \"x\"\nfrom = 2027-02-30\nto = 2027-03-01\n",
        )
        .unwrap_err();
        assert_eq!(e.code(), "error.calendar.unparsable");
        assert!(e.arg().contains("line"), "{}", e.arg());
        let e = parse_toml("year = 2027\n[[day_off]]\nname = \"x\"\n").unwrap_err();
        assert!(e.arg().contains("day_off"), "{}", e.arg());
        let e = parse_toml("year = 99999999999\n").unwrap_err();
        assert_eq!(e.code(), "error.calendar.year_range");
        let e = parse_toml("year = 2027\n[[workdays]]\ndate = 2027-01-02T09:00:00\n").unwrap_err();
        assert_eq!(e.code(), "error.calendar.unparsable");
        assert!(parse_toml(&"#".repeat(MAX_FILE_BYTES + 1)).is_err());
        assert_eq!(parse_toml("year = 2027\n").unwrap().days().unwrap(), vec![]);
    }

    #[test]
    fn api_values() {
        assert_eq!(parse_working_hours("h", "4").unwrap(), 240);
        assert_eq!(parse_working_hours("h", "2.5").unwrap(), 150);
        assert_eq!(parse_working_hours("h", "10000").unwrap(), 600_000);
        assert_eq!(
            parse_working_hours("h", "10001").unwrap_err().code,
            "error.calendar.hours_range"
        );
        assert_eq!(
            parse_working_hours("h", "-1").unwrap_err().code,
            "error.calendar.hours_range"
        );
        assert_eq!(
            parse_working_hours("h", "NaN").unwrap_err().code,
            "error.calendar.hours_number"
        );
        assert_eq!(
            parse_working_hours("h", "four").unwrap_err().code,
            "error.calendar.hours_number"
        );
        let t = parse_local("from", "2026-11-27T17:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T09:30:00+00:00");
        assert_eq!(parse_local("from", "2026-11-27T17:30:00+08:00").unwrap(), t);
        assert_eq!(parse_local("from", "2026-11-27 17:30").unwrap(), t);
        assert!(parse_local("from", "2026-11-27T25:30").is_err());
        assert!(parse_local("from", "tomorrow").is_err());
    }

    #[test]
    fn the_warning_starts_on_1_november() {
        let cal = WorkCalendar::new(WorkingHours::default(), [2026], vec![]);
        let at = |s: &str| {
            rules::from_local(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
        };
        assert_eq!(missing_next_year(&cal, at("2026-10-31 23:59")), None);
        assert_eq!(missing_next_year(&cal, at("2026-11-01 00:00")), Some(2027));
        let both = WorkCalendar::new(WorkingHours::default(), [2026, 2027], vec![]);
        assert_eq!(missing_next_year(&both, at("2026-12-31 12:00")), None);
    }
}
