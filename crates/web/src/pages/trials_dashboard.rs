//! The trials dashboard page (`/trials/dashboard`, issue 12 point 9): each breakdown as a
//! table whose rows carry the number and a bar drawn in inline SVG (no script, no inline
//! style: the CSP allows neither), the key figures, and the overdue list.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use salesdesk_app::trials_dashboard::{self as uc, Bar, Period};
use salesdesk_app::{AppError, org};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{Layout, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/trials/dashboard", get(show))
}

/// Width of the longest bar, in SVG units.
const BAR: u64 = 200;

pub struct BarRow {
    pub label: String,
    pub count: u64,
    pub width: u64,
}

pub struct Breakdown {
    pub id: &'static str,
    pub title: &'static str,
    pub rows: Vec<BarRow>,
}

struct OverdueRow {
    trial_id: i64,
    reference: String,
    company: String,
    owner: String,
    due_at: String,
    overdue: String,
}

#[derive(Template)]
#[template(path = "trials_dashboard.html")]
struct DashboardPage {
    l: Layout,
    period: &'static str,
    range: String,
    total: u64,
    within: String,
    median: String,
    conversion: String,
    converted: u64,
    lost: u64,
    missed_calls: u64,
    satisfaction: String,
    truncated: bool,
    breakdowns: Vec<Breakdown>,
    overdue: Vec<OverdueRow>,
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1} %", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn rows(bars: Vec<Bar>, label: impl Fn(&str) -> String) -> Vec<BarRow> {
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    bars.into_iter()
        .map(|b| BarRow {
            label: label(&b.key),
            count: b.count,
            width: b.count * BAR / max,
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct DashQuery {
    period: Option<String>,
    periods: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<DashQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        None => Period::Month,
        Some(p) => match Period::parse(p) {
            Some(p) => p,
            None => return page_error(AppError::field("period", "error.invalid_choice"), u.lang),
        },
    };
    let periods = match q.periods.as_deref().filter(|p| !p.is_empty()) {
        None => 12,
        Some(p) => match p.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                return page_error(
                    AppError::field("periods", "error.trials_dashboard_periods"),
                    u.lang,
                );
            }
        },
    };
    let d = match uc::get(&s.app, &u.ctx, period, periods).await {
        Ok(d) => d,
        Err(e) => return page_error(e, u.lang),
    };
    let regions = org::list(&s.app, &u.ctx).await.unwrap_or_default();
    let region_name = |key: &str| -> String {
        key.parse::<i64>()
            .ok()
            .and_then(|id| regions.iter().find(|r| r.id == id))
            .map(|r| r.name_in(tr.lang().code()).to_string())
            .unwrap_or_else(|| tr.t("trials_dashboard.no_region").to_string())
    };
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let english = u.lang == crate::i18n::Lang::En;
    let product_name = |key: &str| -> String {
        products
            .iter()
            .find(|p| p.code == key)
            .map(|p| {
                if english {
                    p.name_en.clone()
                } else {
                    p.name_zh.clone()
                }
            })
            .unwrap_or_else(|| key.to_string())
    };
    let source_name = |key: &str| -> String {
        let k = format!("trials_dashboard.source_{key}");
        if crate::i18n::has(&k) {
            tr.t(&k).to_string()
        } else {
            key.to_string()
        }
    };
    let breakdowns = vec![
        Breakdown {
            id: "per-period",
            title: if period == Period::Week {
                "trials_dashboard.per_week"
            } else {
                "trials_dashboard.per_month"
            },
            rows: rows(d.per_period, str::to_string),
        },
        Breakdown {
            id: "per-region",
            title: "trials_dashboard.per_region",
            rows: rows(d.per_region, region_name),
        },
        Breakdown {
            id: "per-product",
            title: "trials_dashboard.per_product",
            rows: rows(d.per_product, product_name),
        },
        Breakdown {
            id: "per-source",
            title: "trials_dashboard.per_source",
            rows: rows(d.per_source, source_name),
        },
    ];
    let overdue = d
        .overdue
        .into_iter()
        .map(|o| OverdueRow {
            trial_id: o.trial_id,
            reference: o.reference,
            company: o.company,
            owner: o
                .owner_name
                .unwrap_or_else(|| tr.t("trials_dashboard.queue").to_string()),
            due_at: fmt_time(o.due_at),
            overdue: crate::i18n::worktime::duration(tr, o.overdue_minutes),
        })
        .collect();
    render(&DashboardPage {
        l: Layout::for_user(&s, &u.ctx, "trials_dashboard", "page.trials_dashboard").await,
        period: period.as_str(),
        range: format!("{} – {}", d.from, d.until.pred_opt().unwrap_or(d.until)),
        total: d.total,
        within: format!(
            "{} ({} / {})",
            pct(d.within_limit_share),
            d.within_limit,
            d.known
        ),
        median: d
            .median_minutes_to_contact
            .map(|m| crate::i18n::worktime::duration(tr, m))
            .unwrap_or_else(|| "—".into()),
        conversion: pct(d.conversion_rate),
        converted: d.converted,
        lost: d.lost,
        missed_calls: d.missed_calls,
        satisfaction: d
            .satisfaction_avg
            .map(|a| format!("{a:.1} / 5 ({})", d.satisfaction_n))
            .unwrap_or_else(|| "—".into()),
        truncated: d.truncated,
        breakdowns,
        overdue,
    })
}
