//! `/calendar…`: the business calendar's arithmetic for any signed-in caller (the company
//! website's "we will call you by …", integrations) and its data for the administrator
//! (issue 12, point 4). Times in and out are company time (Asia/Shanghai, `+08:00`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset, Utc};
use salesdesk_app::calendar::{self as uc, DayInput, HoursInput};
use salesdesk_domain::calendar::company_offset;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{ApiUser, anonymous_lang};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};
use crate::i18n::Lang;
use crate::i18n::worktime;

/// Who may use the calendar's arithmetic: a signed-in caller (session or API token), or the
/// company website with an intake key the administrator issued (`X-Intake-Key`, or a bearer
/// `sdk_…`), so that it can promise "we will call you by …". A revoked or unknown key is 401.
pub struct CalendarCaller {
    pub lang: Lang,
}

impl axum::extract::FromRequestParts<AppState> for CalendarCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &AppState,
    ) -> Result<Self, ApiError> {
        let key = super::trials::intake_key(&parts.headers)
            .filter(|k| parts.headers.contains_key("x-intake-key") || k.starts_with("sdk_"));
        let Some(key) = key else {
            let u = ApiUser::from_request_parts(parts, s).await?;
            return Ok(CalendarCaller { lang: u.lang });
        };
        let lang = anonymous_lang(&parts.headers);
        match salesdesk_app::trials::authenticate_key(&s.app, &key).await {
            Ok(Some(_)) => Ok(CalendarCaller { lang }),
            Ok(None) => Err(ApiError::new(
                salesdesk_app::AppError::Unauthenticated,
                lang,
            )),
            Err(e) => Err(ApiError::new(e, lang)),
        }
    }
}

fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&company_offset())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineParams {
    /// The start, company time: `2026-11-27T17:30` (seconds and an explicit offset allowed).
    pub from: Option<String>,
    /// Working hours to add: 0–10,000, decimals allowed (`4`, `2.5`).
    pub working_hours: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineDto {
    /// The start as understood, company time.
    #[schema(value_type = String, example = "2026-11-27T17:30:00+08:00")]
    pub from: DateTime<FixedOffset>,
    /// The working hours added.
    pub working_hours: f64,
    /// When that much working time has passed, company time.
    #[schema(value_type = String, example = "2026-11-30T13:30:00+08:00")]
    pub deadline: DateTime<FixedOffset>,
    /// The same instant in UTC.
    pub deadline_utc: DateTime<Utc>,
}

/// When a number of working hours from a start ends, on the company's business calendar
/// (working hours with the lunch break, weekends, public holidays and make-up workdays). A start
/// outside working hours counts from the next opening. 422 naming `from` or `working_hours` for
/// an unparsable time, hours outside 0–10,000, or a span reaching a year without calendar data.
///
/// Signed-in callers and the company website (its intake key) may ask; browser JavaScript of
/// an allowed website origin too (CORS, the trial settings' `allowed_origins`).
#[utoipa::path(get, path = "/calendar/deadline", tag = "calendar", params(DeadlineParams),
    security(("bearer" = []), ("intake_key" = [])),
    responses((status = 200, body = DeadlineDto), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn deadline(
    State(s): State<AppState>,
    u: CalendarCaller,
    ApiQuery(p): ApiQuery<DeadlineParams>,
) -> Result<Json<DeadlineDto>, ApiError> {
    let d = uc::deadline_checked(
        &s.app,
        p.from.as_deref().unwrap_or(""),
        p.working_hours.as_deref().unwrap_or(""),
    )
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(DeadlineDto {
        from: local(d.from),
        working_hours: d.working_minutes as f64 / 60.0,
        deadline: local(d.deadline),
        deadline_utc: d.deadline,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkingTimeParams {
    /// The start, company time (`2026-11-27T17:30`).
    pub from: Option<String>,
    /// The end, company time.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingTimeDto {
    #[schema(value_type = String, example = "2026-11-27T17:30:00+08:00")]
    pub from: DateTime<FixedOffset>,
    #[schema(value_type = String, example = "2026-11-30T13:30:00+08:00")]
    pub to: DateTime<FixedOffset>,
    /// Whole working minutes between the two (0 when `to` is not after `from`).
    pub minutes: i64,
    /// The same as hours and minutes, `4:00`.
    #[schema(example = "4:00")]
    pub hours: String,
}

/// The working time between two instants on the business calendar. 422 naming `from` or `to`
/// for an unparsable time or a span reaching a year without calendar data.
/// Signed-in callers and the company website (its intake key) may ask.
#[utoipa::path(get, path = "/calendar/working-time", tag = "calendar", params(WorkingTimeParams),
    security(("bearer" = []), ("intake_key" = [])),
    responses((status = 200, body = WorkingTimeDto), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn working_time(
    State(s): State<AppState>,
    u: CalendarCaller,
    ApiQuery(p): ApiQuery<WorkingTimeParams>,
) -> Result<Json<WorkingTimeDto>, ApiError> {
    let (a, b, minutes) = uc::working_time_checked(
        &s.app,
        p.from.as_deref().unwrap_or(""),
        p.to.as_deref().unwrap_or(""),
    )
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(WorkingTimeDto {
        from: local(a),
        to: local(b),
        minutes,
        hours: worktime::h_mm(minutes),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HoursDto {
    /// Opening, `HH:MM`.
    #[schema(example = "09:00")]
    pub open: String,
    /// Closing, `HH:MM`.
    #[schema(example = "18:00")]
    pub close: String,
    /// Start of the lunch break; empty (with `lunch_end`) for none.
    #[serde(default)]
    #[schema(example = "12:00")]
    pub lunch_start: String,
    #[serde(default)]
    #[schema(example = "13:00")]
    pub lunch_end: String,
}

impl From<HoursInput> for HoursDto {
    fn from(h: HoursInput) -> Self {
        HoursDto {
            open: h.open,
            close: h.close,
            lunch_start: h.lunch_start,
            lunch_end: h.lunch_end,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDayDto {
    #[schema(value_type = String, example = "2026-10-01")]
    pub date: chrono::NaiveDate,
    /// `off` (a holiday) or `work` (a make-up workday, 调休).
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDto {
    pub hours: HoursDto,
    /// Years that have calendar data.
    pub years: Vec<i32>,
    /// The year shown.
    pub year: i32,
    /// Whether that year has data.
    pub declared: bool,
    /// `builtin` or `import`.
    pub source: Option<String>,
    /// Its exceptional dates, by date (at most one per day of the year).
    pub days: Vec<CalendarDayDto>,
    pub working_days: u32,
    /// Next year, when it has no data and it is November or December.
    pub missing_next_year: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// The year to list (default: this year).
    pub year: Option<i32>,
}

async fn calendar_dto(s: &AppState, u: &ApiUser, year: i32) -> Result<CalendarDto, ApiError> {
    let (years, v) = uc::year_view(&s.app, &u.ctx, year)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let cal = uc::load(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(CalendarDto {
        hours: HoursInput::of(cal.hours()).into(),
        years,
        year: v.year,
        declared: v.declared,
        source: v.source,
        days: v
            .days
            .into_iter()
            .map(|d| CalendarDayDto {
                date: d.date,
                kind: d.kind.as_str().to_string(),
                name: d.name,
            })
            .collect(),
        working_days: v.working_days,
        missing_next_year: uc::missing_next_year(&cal, s.app.config.clock.now()),
    })
}

fn year_or_now(s: &AppState, y: Option<i32>) -> i32 {
    use chrono::Datelike;
    y.filter(|y| salesdesk_domain::calendar::data::YEARS.contains(y))
        .unwrap_or_else(|| salesdesk_domain::calendar::to_local(s.app.config.clock.now()).year())
}

/// The business calendar: working hours, the years with data, and one year's holidays and
/// make-up workdays (administrators only).
#[utoipa::path(get, path = "/calendar", tag = "calendar", params(YearParams),
    responses((status = 200, body = CalendarDto), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn get_calendar(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<YearParams>,
) -> Result<Json<CalendarDto>, ApiError> {
    let year = year_or_now(&s, p.year);
    Ok(Json(calendar_dto(&s, &u, year).await?))
}

/// Set the working hours (administrators only; audited). 422 naming the field for a time that
/// is not `HH:MM`, closing not after opening, or a lunch break outside the hours.
#[utoipa::path(put, path = "/calendar/hours", tag = "calendar", request_body = HoursDto,
    responses((status = 200, body = HoursDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_hours(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<HoursDto>,
) -> Result<Json<HoursDto>, ApiError> {
    let h = uc::set_hours(
        &s.app,
        &u.ctx,
        &HoursInput {
            open: b.open,
            close: b.close,
            lunch_start: b.lunch_start,
            lunch_end: b.lunch_end,
        },
    )
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(HoursInput::of(&h).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportBody {
    /// The year's data in the TOML format of the built-in file: `year = 2027`, `[[days_off]]`
    /// with `name`, `from`, `to`, `[[workdays]]` with `date` (and an optional `name`). At most
    /// 64 KB.
    pub toml: String,
}

/// Import a year from TOML, replacing all of that year's data at once (administrators only;
/// audited). 422 on `file` naming the entry at fault: unreadable TOML, overlapping ranges, a
/// make-up day that is not a weekend, a day off and a workday on one date, dates outside the
/// year, a range ending before it starts.
#[utoipa::path(post, path = "/calendar/years", tag = "calendar", request_body = ImportBody,
    responses((status = 200, body = CalendarDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_year(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<ImportBody>,
) -> Result<Json<CalendarDto>, ApiError> {
    let v = uc::import_year(&s.app, &u.ctx, &b.toml)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(calendar_dto(&s, &u, v.year).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DayBody {
    /// `2026-12-31`.
    pub date: String,
    /// `off` or `work`.
    pub kind: String,
    /// Required for a day off, at most 60 characters.
    #[serde(default)]
    pub name: String,
}

/// Mark one date as a day off or a make-up workday, in a year that has data (administrators
/// only; audited). 409 when the date is marked already.
#[utoipa::path(post, path = "/calendar/days", tag = "calendar", request_body = DayBody,
    responses((status = 201, body = CalendarDayDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_day(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<DayBody>,
) -> Result<(StatusCode, Json<CalendarDayDto>), ApiError> {
    let d = uc::add_day(
        &s.app,
        &u.ctx,
        &DayInput {
            date: b.date,
            kind: b.kind,
            name: b.name,
        },
    )
    .await
    .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarDayDto {
            date: d.date,
            kind: d.kind.as_str().to_string(),
            name: d.name,
        }),
    ))
}

/// Remove one date's entry: it follows the weekday rule again (administrators only; audited).
#[utoipa::path(delete, path = "/calendar/days/{date}", tag = "calendar",
    params(("date" = String, Path, description = "the date, `2026-12-31`")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn remove_day(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(date): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    uc::remove_day(&s.app, &u.ctx, &date)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
