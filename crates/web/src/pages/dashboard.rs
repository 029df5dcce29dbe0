//! The dashboard (工作台, `/`): the figures of `app::dashboard` for the signed-in person, each a
//! link to the customer list filtered to exactly the customers it counts.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use salesdesk_app::dashboard::{self as uc, Breakdown, Figures};
use salesdesk_app::people as people_uc;
use salesdesk_domain::DataScope;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::page_error;
use crate::i18n::Tr;
use crate::view::{Layout, render};

struct PersonLine {
    id: i64,
    display_name: String,
    position_label: String,
}

/// A figure and the list it counts.
struct Cell {
    n: u64,
    /// Empty: no list filter selects exactly these customers (those without a region).
    href: String,
    label: &'static str,
}

/// One status's figure, with its code for the colour.
struct StatusCell {
    code: &'static str,
    cell: Cell,
}

/// A line of figures: the whole scope or one line of the breakdown.
struct FigureLine {
    name: String,
    statuses: Vec<StatusCell>,
    total: Cell,
    new_week: Cell,
    new_month: Cell,
    overdue: Cell,
    due_today: Cell,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    hello: String,
    role: String,
    region: Option<String>,
    scope: String,
    reports: Vec<PersonLine>,
    unread_text: String,
    /// Customer figures; `None` for someone without customers (an administrator).
    mine: Option<FigureLine>,
    /// "By region" or "by person", the first column's heading, and the lines.
    breakdown: Option<(&'static str, &'static str, Vec<FigureLine>)>,
    approvals: Option<Cell>,
    my_pending: Cell,
    pool: Option<Cell>,
    review: Cell,
    /// "本周（自 2026-11-23）", "本月（自 2026-11-01）".
    week_text: String,
    month_text: String,
    /// For administrators from 1 November: next year has no business calendar (text, year).
    calendar_warning: Option<(String, i32)>,
}

/// A link to the customer list with `base` (a scope line's filter) and `more`.
impl FigureLine {
    /// The figures after the statuses, in the breakdown table's order.
    fn tail(&self) -> [&Cell; 4] {
        [&self.total, &self.new_month, &self.overdue, &self.due_today]
    }
}

fn list_href(base: Option<&str>, more: &str) -> String {
    let Some(base) = base else {
        return String::new();
    };
    let q: Vec<&str> = [base, more].into_iter().filter(|s| !s.is_empty()).collect();
    if q.is_empty() {
        "/customers".into()
    } else {
        format!("/customers?{}", q.join("&"))
    }
}

fn line(tr: Tr, name: String, base: Option<&str>, f: &Figures, d: &uc::Dashboard) -> FigureLine {
    let cell = |n: u64, more: &str, label: &'static str| Cell {
        n,
        href: list_href(base, more),
        label,
    };
    FigureLine {
        name,
        statuses: f
            .by_status
            .iter()
            .map(|(s, n)| StatusCell {
                code: s.as_str(),
                cell: cell(*n, &format!("status={}", s.as_str()), tr.t(&s.label_key())),
            })
            .collect(),
        total: cell(f.total, "", tr.t("dashboard.total")),
        new_week: cell(
            f.new_week,
            &format!("created_from={}", d.week_from),
            tr.t("dashboard.new_week"),
        ),
        new_month: cell(
            f.new_month,
            &format!("created_from={}", d.month_from),
            tr.t("dashboard.new_month"),
        ),
        overdue: cell(f.overdue, "followup=overdue", tr.t("dashboard.overdue")),
        due_today: cell(f.due_today, "followup=today", tr.t("dashboard.due_today")),
    }
}

pub(super) async fn dashboard(State(s): State<AppState>, u: PageUser) -> Response {
    let tr = Tr(u.lang);
    let lang = u.lang.code();
    let l = Layout::for_user(&s, &u.ctx, "dashboard", "page.dashboard").await;
    let loaded = async {
        Ok::<_, salesdesk_app::AppError>((
            people_uc::get(&s.app, &u.ctx, u.ctx.actor.user_id).await?,
            people_uc::reports(&s.app, &u.ctx, u.ctx.actor.user_id).await?,
            uc::get(&s.app, &u.ctx).await?,
        ))
    }
    .await;
    let (me, reports, d) = match loaded {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let scope_key = match u.ctx.actor.data_scope() {
        DataScope::Nothing => "dashboard.scope_nothing",
        DataScope::Own => "dashboard.scope_own",
        DataScope::Region(_) => "dashboard.scope_region",
        DataScope::Team => "dashboard.scope_team",
        DataScope::All => "dashboard.scope_all",
    };
    let review = if d.has_customers {
        let one = salesdesk_app::Page::new(Some(1), Some(1));
        salesdesk_app::customers::list(
            &s.app,
            &u.ctx,
            &salesdesk_app::customers::CustomerQuery {
                review: Some(true),
                ..Default::default()
            },
            one,
        )
        .await
        .map(|p| p.total)
        .unwrap_or(0)
    } else {
        0
    };
    let unread = l.user.as_ref().map(|n| n.unread).unwrap_or(0);
    // The region's or branch's name in the page's language.
    let my_region = if lang == "en" {
        me.region_name_en.clone().or_else(|| me.region_name.clone())
    } else {
        me.region_name.clone()
    };
    let breakdown = d.breakdown.map(|b| {
        let lines = d
            .lines
            .iter()
            .map(|x| {
                let (name, base) = match (b, x.id) {
                    (Breakdown::Region, Some(id)) => (
                        if lang == "en" { &x.name_en } else { &x.name }.clone(),
                        Some(format!("region_id={id}")),
                    ),
                    (Breakdown::Region, None) => (tr.t("dashboard.no_region").to_string(), None),
                    (Breakdown::Person, Some(id)) => {
                        (x.name.clone(), Some(format!("owner_id={id}")))
                    }
                    (Breakdown::Person, None) => (
                        tr.t("dashboard.no_owner").to_string(),
                        Some("no_owner=true".to_string()),
                    ),
                };
                line(tr, name, base.as_deref(), &x.figures, &d)
            })
            .collect();
        match b {
            Breakdown::Region => ("dashboard.by_region", "field.region", lines),
            Breakdown::Person => ("dashboard.by_person", "field.owner_id", lines),
        }
    });
    let me_id = u.ctx.actor.user_id;
    let calendar_warning = salesdesk_app::calendar::warning_for(&s.app, &u.ctx)
        .await
        .ok()
        .flatten()
        .map(|y| {
            let text = tr.tf("calendar.warning_next_year", &[("year", &y.to_string())]);
            (text, y)
        });
    let page = DashboardPage {
        calendar_warning,
        mine: d
            .has_customers
            .then(|| line(tr, String::new(), Some(""), &d.scope, &d)),
        breakdown,
        approvals: d.approvals_waiting.map(|n| Cell {
            n,
            href: "/approvals".into(),
            label: tr.t("dashboard.approvals_waiting"),
        }),
        my_pending: Cell {
            n: d.my_pending,
            href: format!("/customers?requested_by={me_id}"),
            label: tr.t("dashboard.my_pending"),
        },
        pool: d.pool.map(|n| Cell {
            n,
            href: "/pool".into(),
            label: tr.t("dashboard.pool"),
        }),
        review: Cell {
            n: review,
            href: "/customers?review=1".into(),
            label: tr.t("dashboard.review"),
        },
        week_text: tr.tf("dashboard.since", &[("date", &d.week_from.to_string())]),
        month_text: tr.tf("dashboard.since", &[("date", &d.month_from.to_string())]),
        hello: tr.tf("dashboard.hello", &[("name", &u.ctx.display_name)]),
        role: crate::view::role_label(tr, &u.ctx),
        region: my_region.clone(),
        scope: tr.tf(scope_key, &[("region", my_region.as_deref().unwrap_or(""))]),
        reports: reports
            .into_iter()
            .map(|p| PersonLine {
                id: p.id,
                position_label: p
                    .position
                    .map(|x| tr.t(x.label_key()))
                    .unwrap_or("")
                    .to_string(),
                display_name: p.display_name,
            })
            .collect(),
        unread_text: tr.tn(
            "dashboard.unread",
            unread as u64,
            &[("n", &unread.to_string())],
        ),
        l,
    };
    render(&page)
}
