//! The dashboard (工作台, issue 10, point 2): the figures of the customers a person is
//! responsible for — by status, new this week and this month, follow-ups overdue and due today,
//! approvals waiting for them, their own pending requests, the pool — within their data scope
//! (`domain::access`). The VP and the director see them by region, a regional or e-office
//! manager (and a sales assistant) by person; staff see their own.
//!
//! Every figure is defined as a filter of the customer list ([`crate::customers::CustomerQuery`]:
//! `status`, `created_from`, `followup`, `region_id`, `owner_id`, `no_owner`, `requested_by`)
//! over the same [`visible`] scope, so a number and the list it links to always agree.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use salesdesk_domain::customer::{ApprovalReach, CustomerStatus, approval_reach};
use salesdesk_domain::{DataScope, Position};
use salesdesk_store::customers::Visible;
use salesdesk_store::dashboard::{self as store, By, Requesters};
use salesdesk_store::{regions, users};
use serde::Serialize;

use crate::customers::visible;
use crate::{App, Ctx, Result, settings};

/// One line of figures: a whole scope, a region or a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Customers per status, in lifecycle order (every status present, zeros included).
    pub by_status: Vec<(CustomerStatus, u64)>,
    pub total: u64,
    /// Created since Monday (the company's week).
    pub new_week: u64,
    /// Created since the first of the month.
    pub new_month: u64,
    /// Next contact planned before today.
    pub overdue: u64,
    /// Next contact planned for today.
    pub due_today: u64,
}

impl Figures {
    fn empty() -> Figures {
        Figures {
            by_status: CustomerStatus::ALL.iter().map(|s| (*s, 0)).collect(),
            ..Default::default()
        }
    }
}

/// What the breakdown's lines are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    Region,
    Person,
}

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The region's or the person's id; `None`: customers without a region, or without an owner
    /// (the pool's).
    pub id: Option<i64>,
    /// The name (a person's, or a region's in Chinese).
    pub name: String,
    /// A region's English name (a person's name again).
    pub name_en: String,
    pub figures: Figures,
}

/// The dashboard of one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// `false` for someone without a data scope (an administrator): no customer figures.
    pub has_customers: bool,
    /// The company's today, and the first days the "new" figures count from.
    pub today: NaiveDate,
    pub week_from: NaiveDate,
    pub month_from: NaiveDate,
    /// The whole scope.
    pub scope: Figures,
    /// By region or by person, for those who oversee others.
    pub breakdown: Option<Breakdown>,
    pub lines: Vec<Line>,
    /// Status requests this person may decide now (`None`: they approve nobody's).
    pub approvals_waiting: Option<u64>,
    /// Status requests this person made that wait for a decision.
    pub my_pending: u64,
    /// Customers in the pool this person works (`None`: the pool is off).
    pub pool: Option<u64>,
}

/// The company's today by the app clock.
pub fn today(app: &App) -> NaiveDate {
    app.config
        .clock
        .now()
        .with_timezone(&app.config.time_zone)
        .date_naive()
}

/// The start of `day` in the company's zone, as UTC.
pub fn start_of(app: &App, day: NaiveDate) -> DateTime<Utc> {
    let tz = app.config.time_zone;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight).earliest().map_or_else(
        || Utc.from_utc_datetime(&midnight),
        |t| t.with_timezone(&Utc),
    )
}

/// The dashboard's figures for `ctx`'s person (cached like other hot reads: a person's own
/// writes show at once, another process's within `read_cache_ms`).
pub async fn get(app: &App, ctx: &Ctx) -> Result<Dashboard> {
    let key = format!("dashboard:{}:{}", ctx.actor.user_id, today(app));
    app.cached(key, load(app, ctx)).await
}

async fn load(app: &App, ctx: &Ctx) -> Result<Dashboard> {
    let today = today(app);
    let week_from = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let month_from = today.with_day(1).unwrap_or(today);
    let scope = ctx.actor.data_scope();
    let mut d = Dashboard {
        has_customers: !matches!(scope, DataScope::Nothing),
        today,
        week_from,
        month_from,
        scope: Figures::empty(),
        breakdown: None,
        lines: vec![],
        approvals_waiting: None,
        my_pending: 0,
        pool: None,
    };
    if !d.has_customers {
        return Ok(d);
    }
    let v = visible(app, ctx).await?;
    let r = app.db.read();
    d.scope = figures(app, &v, By::Scope, today, week_from, month_from)
        .await?
        .remove(&None)
        .unwrap_or_else(Figures::empty);
    let by = match scope {
        DataScope::All => Some(By::Region),
        DataScope::Region(_) | DataScope::Team => Some(By::Owner),
        DataScope::Own | DataScope::Nothing => None,
    };
    if let Some(by) = by {
        let per = figures(app, &v, by, today, week_from, month_from).await?;
        d.lines = match by {
            By::Region => by_region(app, per).await?,
            _ => by_person(app, per).await?,
        };
        d.breakdown = Some(if by == By::Region {
            Breakdown::Region
        } else {
            Breakdown::Person
        });
    }
    d.approvals_waiting = waiting(app, ctx, &v).await?;
    d.my_pending = store::pending_by(r, &v, ctx.actor.user_id).await?;
    if settings::get(app).await?.pool_enabled {
        let pool = crate::pool::scope(app, ctx).await?;
        d.pool = Some(store::pool_size(r, &pool).await?);
    }
    Ok(d)
}

/// The figures of every key, from five grouped counts.
async fn figures(
    app: &App,
    v: &Visible,
    by: By,
    today: NaiveDate,
    week_from: NaiveDate,
    month_from: NaiveDate,
) -> Result<BTreeMap<Option<i64>, Figures>> {
    let r = app.db.read();
    let mut out: BTreeMap<Option<i64>, Figures> = BTreeMap::new();
    for (k, status, n) in store::by_status(r, v, by).await? {
        let f = out.entry(k).or_insert_with(Figures::empty);
        if let Some(slot) = f.by_status.iter_mut().find(|(s, _)| s.as_str() == status) {
            slot.1 += n as u64;
        }
        f.total += n as u64;
    }
    let week = store::created_since(r, v, start_of(app, week_from), by).await?;
    let month = store::created_since(r, v, start_of(app, month_from), by).await?;
    let overdue = store::overdue(r, v, today, by).await?;
    let due = store::due_on(r, v, today, by).await?;
    for (list, set) in [
        (week, (|f, n| f.new_week = n) as fn(&mut Figures, u64)),
        (month, |f, n| f.new_month = n),
        (overdue, |f, n| f.overdue = n),
        (due, |f, n| f.due_today = n),
    ] {
        for (k, n) in list {
            if let Some(f) = out.get_mut(&k) {
                set(f, n as u64);
            }
        }
    }
    Ok(out)
}

/// Lines per top-level region: a branch office's customers count for its region (the list's
/// region filter includes the branches too). Regions without customers are shown with zeros.
async fn by_region(app: &App, per: BTreeMap<Option<i64>, Figures>) -> Result<Vec<Line>> {
    let all = regions::list(app.db.read()).await?;
    let mut lines: Vec<Line> = all
        .iter()
        .filter(|g| g.parent_id.is_none() && g.active)
        .map(|g| Line {
            id: Some(g.id),
            name: g.name.clone(),
            name_en: g.name_en.clone(),
            figures: Figures::empty(),
        })
        .collect();
    let mut none = None;
    for (k, f) in per {
        let top = k.and_then(|id| all.iter().find(|g| g.id == id).map(regions::top_of));
        let line = match top.and_then(|t| lines.iter_mut().position(|l| l.id == Some(t))) {
            Some(i) => &mut lines[i],
            None => none.get_or_insert_with(|| Line {
                id: None,
                name: String::new(),
                name_en: String::new(),
                figures: Figures::empty(),
            }),
        };
        add(&mut line.figures, &f);
    }
    lines.extend(none);
    Ok(lines)
}

fn add(to: &mut Figures, f: &Figures) {
    for ((_, a), (_, b)) in to.by_status.iter_mut().zip(&f.by_status) {
        *a += b;
    }
    to.total += f.total;
    to.new_week += f.new_week;
    to.new_month += f.new_month;
    to.overdue += f.overdue;
    to.due_today += f.due_today;
}

/// Lines per owner, by name; customers without an owner last.
async fn by_person(app: &App, per: BTreeMap<Option<i64>, Figures>) -> Result<Vec<Line>> {
    let ids: Vec<i64> = per.keys().flatten().copied().collect();
    let people = users::by_ids(app.db.read(), &ids).await?;
    let mut lines: Vec<Line> = per
        .into_iter()
        .map(|(k, figures)| {
            let name = k
                .and_then(|id| people.iter().find(|p| p.id == id))
                .map(|p| p.display_name.clone())
                .unwrap_or_default();
            Line {
                id: k,
                name_en: name.clone(),
                name,
                figures,
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        (a.id.is_none(), std::cmp::Reverse(a.figures.total), a.id).cmp(&(
            b.id.is_none(),
            std::cmp::Reverse(b.figures.total),
            b.id,
        ))
    });
    Ok(lines)
}

/// The number of status requests waiting for this person's decision (`None`: not a manager,
/// so no approval queue). The same set as the approval queue ([`crate::status::queue`]), counted in one
/// statement.
async fn waiting(app: &App, ctx: &Ctx, v: &Visible) -> Result<Option<u64>> {
    // Only the manager positions have an approval queue (and "审批" in the navigation).
    if !ctx.actor.position.is_some_and(Position::is_manager) {
        return Ok(None);
    }
    let requesters = match approval_reach(&ctx.actor) {
        ApprovalReach::Nobody => return Ok(None),
        ApprovalReach::Everyone => Requesters::Everyone,
        ApprovalReach::Reports => Requesters::ReportsOrIn {
            manager: ctx.actor.user_id,
            regions: vec![],
        },
        ApprovalReach::ReportsAndRegion(region) => Requesters::ReportsOrIn {
            manager: ctx.actor.user_id,
            regions: regions::with_branches(app.db.read(), region).await?,
        },
    };
    Ok(Some(
        store::waiting_for(app.db.read(), v, ctx.actor.user_id, &requesters).await?,
    ))
}

/// The count shown beside "审批" in the navigation of managers (0 for everyone else): the
/// status requests waiting for them and, for the director and the VP, the contracts waiting
/// for approval (`/approvals` lists both). Cached
/// per person, so a page render costs at most one indexed count per `read_cache_ms`.
pub async fn approvals_badge(app: &App, ctx: &Ctx) -> Result<u64> {
    if !ctx.actor.position.is_some_and(Position::is_manager) {
        return Ok(0);
    }
    let key = format!("approvals:{}", ctx.actor.user_id);
    app.cached(key, async {
        let v = visible(app, ctx).await?;
        // Status requests, and contracts above the threshold for those who approve them.
        let contracts = crate::contracts::pending_count(app, ctx).await?;
        Ok(waiting(app, ctx, &v).await?.unwrap_or(0) + contracts)
    })
    .await
}
