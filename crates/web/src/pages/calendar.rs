//! `/settings/calendar`: the business calendar (issue 12, point 4), for the administrator — the
//! working hours, a year's holidays and make-up workdays (list and month grid), adding and
//! removing one date, importing a year from a TOML file, downloading a year as one. From
//! 1 November the page (and the dashboard) warns when next year has no data.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use salesdesk_app::AppError;
use salesdesk_app::calendar::{self as uc, DayInput, HoursInput};
use salesdesk_domain::calendar::{DayKind, data::YEARS, data::is_weekend, to_local};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Tr, worktime};
use crate::view::{FormErrors, Layout, download, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/calendar", get(show))
        .route("/settings/calendar/hours", post(save_hours))
        .route("/settings/calendar/days", post(add_day))
        .route("/settings/calendar/days/remove", post(remove_day))
        .route("/settings/calendar/import", post(import))
        .route("/settings/calendar/export/{year}", get(export))
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    year: Option<String>,
    ok: Option<String>,
}

/// A year in the selector.
struct YearLink {
    year: i32,
    current: bool,
    declared: bool,
}

/// One line of the exceptions table: a range of days off or a make-up workday.
struct RangeLine {
    name: String,
    dates: String,
    kind_label: &'static str,
    kind: &'static str,
    days: usize,
    /// The dates the remove form offers.
    each: Vec<String>,
}

/// One cell of the month grid; `day` 0 is a blank before the 1st or after the last.
struct Cell {
    day: u32,
    class: &'static str,
    title: String,
}

struct Month {
    title: String,
    weeks: Vec<Vec<Cell>>,
}

/// What the forms show again after a mistake.
#[derive(Default)]
struct Forms {
    hours: Option<HoursInput>,
    hours_errors: FormErrors,
    day: DayInput,
    day_errors: FormErrors,
    remove_error: Option<String>,
    import_error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings_calendar.html")]
struct Page {
    l: Layout,
    warning: Option<(String, String, i32)>,
    hours: HoursInput,
    per_day: String,
    hours_errors: FormErrors,
    years: Vec<YearLink>,
    year: i32,
    declared: bool,
    status_text: String,
    export_text: String,
    ranges: Vec<RangeLine>,
    day: DayInput,
    day_errors: FormErrors,
    remove_error: Option<String>,
    import_error: Option<String>,
    months: Vec<Month>,
    weekday_names: Vec<&'static str>,
}

fn this_year(s: &AppState) -> i32 {
    to_local(s.app.config.clock.now()).year()
}

fn pick_year(s: &AppState, q: Option<&str>) -> i32 {
    q.and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| YEARS.contains(y))
        .unwrap_or_else(|| this_year(s))
}

async fn page(s: &AppState, u: &PageUser, year: i32, ok: Option<&str>, f: Forms) -> Response {
    let tr = Tr(u.lang);
    let (declared_years, view) = match uc::year_view(&s.app, &u.ctx, year).await {
        Ok(v) => v,
        Err(e) => return page_error(e, u.lang),
    };
    let cal = match uc::load(&s.app).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let warning = uc::missing_next_year(&cal, s.app.config.clock.now()).map(|y| {
        let ys = y.to_string();
        (
            tr.tf("calendar.warning_next_year", &[("year", &ys)]),
            tr.tf("calendar.warning_link", &[("year", &ys)]),
            y,
        )
    });
    let now_year = this_year(s);
    let mut list: Vec<i32> = declared_years.clone();
    list.extend([now_year, now_year + 1, year]);
    list.sort_unstable();
    list.dedup();
    let years = list
        .into_iter()
        .map(|y| YearLink {
            year: y,
            current: y == year,
            declared: declared_years.contains(&y),
        })
        .collect();
    let status_text = if view.declared {
        let source = if view.source.as_deref() == Some("builtin") {
            tr.t("calendar.source_builtin")
        } else {
            tr.t("calendar.source_import")
        };
        let at = view
            .updated_at
            .map(|t| tr.tf("calendar.updated", &[("at", &fmt_time(t))]))
            .unwrap_or_default();
        format!(
            "{} · {} · {}",
            source,
            at,
            tr.tf(
                "calendar.working_days",
                &[("n", &view.working_days.to_string())]
            )
        )
    } else {
        tr.tf("calendar.year_missing", &[("year", &year.to_string())])
    };
    let mut ranges: Vec<RangeLine> = view
        .spec
        .days_off
        .iter()
        .map(|r| RangeLine {
            name: r.name.clone(),
            dates: if r.from == r.to {
                r.from.to_string()
            } else {
                format!("{} – {}", r.from, r.to)
            },
            kind_label: tr.t("calendar.kind_off"),
            kind: "off",
            days: (r.to - r.from).num_days() as usize + 1,
            each: r
                .from
                .iter_days()
                .take_while(|d| *d <= r.to)
                .map(|d| d.to_string())
                .collect(),
        })
        .collect();
    ranges.extend(view.spec.workdays.iter().map(|w| RangeLine {
        name: if w.name.is_empty() {
            tr.t("calendar.makeup_unnamed").to_string()
        } else {
            w.name.clone()
        },
        dates: w.date.to_string(),
        kind_label: tr.t("calendar.kind_work"),
        kind: "work",
        days: 1,
        each: vec![w.date.to_string()],
    }));
    ranges.sort_by(|a, b| a.each.first().cmp(&b.each.first()));
    let month_names: Vec<&str> = tr.t("calendar.month_names").split(',').collect();
    let months = (1..=12)
        .filter_map(|m| {
            let first = NaiveDate::from_ymd_opt(year, m, 1)?;
            let mut weeks: Vec<Vec<Cell>> = vec![];
            let mut week: Vec<Cell> = (0..first.weekday().num_days_from_monday())
                .map(|_| Cell {
                    day: 0,
                    class: "",
                    title: String::new(),
                })
                .collect();
            for d in first.iter_days().take_while(|d| d.month() == m) {
                let (class, title) = match view.days.iter().find(|e| e.date == d) {
                    Some(e) if e.kind == DayKind::Off => ("off", e.name.clone()),
                    Some(e) => (
                        "work",
                        if e.name.is_empty() {
                            tr.t("calendar.makeup_unnamed").to_string()
                        } else {
                            e.name.clone()
                        },
                    ),
                    None if is_weekend(d) => ("weekend", String::new()),
                    None => ("", String::new()),
                };
                week.push(Cell {
                    day: d.day(),
                    class,
                    title,
                });
                if week.len() == 7 {
                    weeks.push(std::mem::take(&mut week));
                }
            }
            if !week.is_empty() {
                while week.len() < 7 {
                    week.push(Cell {
                        day: 0,
                        class: "",
                        title: String::new(),
                    });
                }
                weeks.push(week);
            }
            Some(Month {
                title: month_names
                    .get(m as usize - 1)
                    .map_or_else(|| m.to_string(), |s| s.to_string()),
                weeks,
            })
        })
        .collect();
    let h = cal.hours();
    let per_day = tr.tf(
        "calendar.per_day",
        &[("h", &worktime::duration(tr, h.minutes_per_day()))],
    );
    let any_error = f.hours_errors.any()
        || f.day_errors.any()
        || f.remove_error.is_some()
        || f.import_error.is_some();
    let l = Layout::for_user(s, &u.ctx, "settings", "page.settings_calendar")
        .await
        .with_flash(ok);
    let p = Page {
        l,
        warning,
        hours: f.hours.unwrap_or_else(|| HoursInput::of(h)),
        per_day,
        hours_errors: f.hours_errors,
        years,
        year,
        declared: view.declared,
        status_text,
        export_text: tr.tf("calendar.export", &[("year", &year.to_string())]),
        ranges,
        day: f.day,
        day_errors: f.day_errors,
        remove_error: f.remove_error,
        import_error: f.import_error,
        months,
        weekday_names: tr.t("calendar.weekday_names").split(',').collect(),
    };
    let st = if any_error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (st, render(&p)).into_response()
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Response {
    let year = pick_year(&s, q.year.as_deref());
    page(&s, &u, year, q.ok.as_deref(), Forms::default()).await
}

#[derive(Debug, Default, Deserialize)]
struct HoursForm {
    #[serde(default)]
    open: String,
    #[serde(default)]
    close: String,
    #[serde(default)]
    lunch_start: String,
    #[serde(default)]
    lunch_end: String,
    #[serde(default)]
    year: String,
}

async fn save_hours(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<HoursForm>,
) -> Response {
    let year = pick_year(&s, Some(&f.year));
    let input = HoursInput {
        open: f.open,
        close: f.close,
        lunch_start: f.lunch_start,
        lunch_end: f.lunch_end,
    };
    match uc::set_hours(&s.app, &u.ctx, &input).await {
        Ok(_) => Redirect::to(&format!(
            "/settings/calendar?year={year}&ok=calendar_hours_saved"
        ))
        .into_response(),
        Err(AppError::Validation(errs)) => {
            let forms = Forms {
                hours: Some(input),
                hours_errors: FormErrors::from(&errs, Tr(u.lang)),
                ..Forms::default()
            };
            page(&s, &u, year, None, forms).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct DayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

fn year_of(date: &str, fallback: i32) -> i32 {
    uc::parse_date("date", date)
        .map(|d| d.year())
        .ok()
        .filter(|y| YEARS.contains(y))
        .unwrap_or(fallback)
}

async fn add_day(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<DayForm>,
) -> Response {
    let input = DayInput {
        date: f.date,
        kind: f.kind,
        name: f.name,
    };
    let year = year_of(&input.date, this_year(&s));
    match uc::add_day(&s.app, &u.ctx, &input).await {
        Ok(_) => Redirect::to(&format!(
            "/settings/calendar?year={year}&ok=calendar_day_added"
        ))
        .into_response(),
        Err(AppError::Validation(errs)) | Err(AppError::Conflict(errs)) => {
            let forms = Forms {
                day: input,
                day_errors: FormErrors::from(&errs, Tr(u.lang)),
                ..Forms::default()
            };
            page(&s, &u, year, None, forms).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct RemoveForm {
    #[serde(default)]
    date: String,
}

async fn remove_day(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<RemoveForm>,
) -> Response {
    let year = year_of(&f.date, this_year(&s));
    match uc::remove_day(&s.app, &u.ctx, &f.date).await {
        Ok(()) => Redirect::to(&format!(
            "/settings/calendar?year={year}&ok=calendar_day_removed"
        ))
        .into_response(),
        Err(AppError::Validation(errs)) => {
            let tr = Tr(u.lang);
            let msg = errs
                .0
                .first()
                .map(|e| tr.field(e.code, e.arg.as_deref()))
                .unwrap_or_default();
            let forms = Forms {
                remove_error: Some(msg),
                ..Forms::default()
            };
            page(&s, &u, year, None, forms).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn import(State(s): State<AppState>, u: PageUser, m: Multipart) -> Response {
    let tr = Tr(u.lang);
    if !u.ctx.actor.can(salesdesk_domain::Capability::ManageSettings) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let fallback = this_year(&s);
    let bytes = match super::imports::read_upload(m).await {
        Ok((_, b)) => b,
        Err(key) => {
            let forms = Forms {
                import_error: Some(tr.t(key).to_string()),
                ..Forms::default()
            };
            return page(&s, &u, fallback, None, forms).await;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            let forms = Forms {
                import_error: Some(tr.field("error.calendar.unparsable", Some("UTF-8"))),
                ..Forms::default()
            };
            return page(&s, &u, fallback, None, forms).await;
        }
    };
    match uc::import_year(&s.app, &u.ctx, &text).await {
        Ok(v) => Redirect::to(&format!(
            "/settings/calendar?year={}&ok=calendar_imported",
            v.year
        ))
        .into_response(),
        Err(AppError::Validation(errs)) => {
            let msg = errs
                .0
                .first()
                .map(|e| tr.field(e.code, e.arg.as_deref()))
                .unwrap_or_default();
            let forms = Forms {
                import_error: Some(msg),
                ..Forms::default()
            };
            page(&s, &u, fallback, None, forms).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn export(State(s): State<AppState>, u: PageUser, PagePath(year): PagePath<i32>) -> Response {
    match uc::year_view(&s.app, &u.ctx, year).await {
        Ok((_, v)) if v.declared => download(
            uc::to_toml(&v.spec),
            "application/toml; charset=utf-8",
            &format!("calendar-{year}.toml"),
        ),
        Ok(_) => page_error(AppError::NotFound, u.lang),
        Err(e) => page_error(e, u.lang),
    }
}
