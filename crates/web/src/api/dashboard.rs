//! `GET /dashboard`: the figures of the signed-in person's dashboard (`app::dashboard`), the
//! same numbers the `/` page shows.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use salesdesk_app::dashboard::{self as uc, Breakdown, Figures, Line};
use salesdesk_domain::customer::CustomerStatus;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};

/// Customers per status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCountsDto {
    pub lead: u64,
    pub basic: u64,
    pub potential: u64,
    pub signed: u64,
    pub invalid: u64,
}

/// One line of figures. Each is the count of a customer-list filter within the caller's scope:
/// `status`, `created_from` (week and month start), `followup=overdue|today`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    pub by_status: StatusCountsDto,
    pub total: u64,
    /// Created since Monday of this week (`week_from`).
    pub new_week: u64,
    /// Created since the first of this month (`month_from`).
    pub new_month: u64,
    /// Next contact planned before today.
    pub overdue: u64,
    /// Next contact planned for today.
    pub due_today: u64,
}

impl From<&Figures> for FiguresDto {
    fn from(f: &Figures) -> Self {
        let n = |s: CustomerStatus| {
            f.by_status
                .iter()
                .find(|(x, _)| *x == s)
                .map_or(0, |(_, n)| *n)
        };
        FiguresDto {
            by_status: StatusCountsDto {
                lead: n(CustomerStatus::Lead),
                basic: n(CustomerStatus::Basic),
                potential: n(CustomerStatus::Potential),
                signed: n(CustomerStatus::Signed),
                invalid: n(CustomerStatus::Invalid),
            },
            total: f.total,
            new_week: f.new_week,
            new_month: f.new_month,
            overdue: f.overdue,
            due_today: f.due_today,
        }
    }
}

/// What the breakdown's lines are: regions (for the VP and the director: list filter
/// `region_id`) or people (for managers: `owner_id`, or `no_owner=true` for the line without).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakdownDto {
    Region,
    Person,
}

/// One line of the breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineDto {
    /// The region's or person's id; null for customers without a region or without an owner.
    pub id: Option<i64>,
    /// A person's name, or a region's name in Chinese.
    pub name: String,
    /// A region's English name (a person's name again).
    pub name_en: String,
    pub figures: FiguresDto,
}

impl From<&Line> for LineDto {
    fn from(l: &Line) -> Self {
        LineDto {
            id: l.id,
            name: l.name.clone(),
            name_en: l.name_en.clone(),
            figures: (&l.figures).into(),
        }
    }
}

/// The caller's dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDto {
    /// False for someone without a data scope (an administrator): every figure is zero.
    pub has_customers: bool,
    /// Today in the company's time zone.
    pub today: NaiveDate,
    /// Monday of this week: `new_week` counts customers created since.
    pub week_from: NaiveDate,
    /// The first of this month: `new_month` counts customers created since.
    pub month_from: NaiveDate,
    /// The caller's whole scope.
    pub scope: FiguresDto,
    /// Null for staff, who see their own customers only.
    pub breakdown: Option<BreakdownDto>,
    pub lines: Vec<LineDto>,
    /// Status requests the caller may decide now (`GET /status-requests`); null for
    /// someone who decides nobody's.
    pub approvals_waiting: Option<u64>,
    /// Status requests the caller made that await a decision (list filter `requested_by`).
    pub my_pending: u64,
    /// Customers in the pool the caller works (`GET /pool`); null while the pool is off.
    pub pool: Option<u64>,
}

/// The caller's dashboard figures: customers by status, new this week and month, follow-ups
/// overdue and due today, approvals waiting, own pending requests and the pool — by region
/// for the VP and the director, by person for managers.
#[utoipa::path(get, path = "/dashboard", tag = "dashboard",
    responses((status = 200, body = DashboardDto), (status = 401, body = Problem)))]
pub async fn get(State(s): State<AppState>, u: ApiUser) -> Result<Json<DashboardDto>, ApiError> {
    let d = uc::get(&s.app, &u.ctx)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(DashboardDto {
        has_customers: d.has_customers,
        today: d.today,
        week_from: d.week_from,
        month_from: d.month_from,
        scope: (&d.scope).into(),
        breakdown: d.breakdown.map(|b| match b {
            Breakdown::Region => BreakdownDto::Region,
            Breakdown::Person => BreakdownDto::Person,
        }),
        lines: d.lines.iter().map(Into::into).collect(),
        approvals_waiting: d.approvals_waiting,
        my_pending: d.my_pending,
        pool: d.pool,
    }))
}
