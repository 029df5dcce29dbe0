//! The trials dashboard (issue 12 point 9): applications per period, region, product and
//! source; the share handled within the time limit; the median working time to first contact;
//! the conversion rate; the overdue list; the pre-sales calls missed and the average
//! satisfaction. Visible like the applications' customers (a staff member sees their own).
//!
//! Computed when asked from the applications that arrived in the range (at most
//! [`MAX_ROWS`]); numbers, not only shapes: the page shows each figure beside its bar.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use salesdesk_domain::DataScope;
use salesdesk_store::customers::Visible;
use salesdesk_store::presales as store;
use serde::Serialize;

use crate::{App, AppError, Ctx, Result};

/// Applications read for one dashboard at most.
pub const MAX_ROWS: u64 = 50_000;
/// Rows of the overdue list.
pub const OVERDUE_ROWS: u64 = 20;

/// How the range is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    #[default]
    Month,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The first day of the period holding `d` (weeks start on Monday).
    pub fn start_of(self, d: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday())),
            Period::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => start + TimeDelta::days(7),
            Period::Month => start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(start),
        }
    }

    /// The start of the period `n - 1` periods before the one holding `d`.
    pub fn back(self, d: NaiveDate, n: u32) -> NaiveDate {
        let s = self.start_of(d);
        let k = n.saturating_sub(1);
        match self {
            Period::Week => s - TimeDelta::days(7 * i64::from(k)),
            Period::Month => s.checked_sub_months(chrono::Months::new(k)).unwrap_or(s),
        }
    }
}

/// One bar: a label (a code or id the page names) and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub key: String,
    pub count: u64,
}

/// An overdue application.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub trial_id: i64,
    pub reference: String,
    pub company: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub due_at: DateTime<Utc>,
    /// Working minutes since the deadline.
    pub overdue_minutes: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrialsDashboard {
    pub period: Period,
    /// First day of the first period (company date) and the day after the last.
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub total: u64,
    /// Per period, oldest first (every period of the range, zeros included); key `2026-11`
    /// or the Monday `2026-11-30`.
    pub per_period: Vec<Bar>,
    /// Key: the region's id (`none` when routed to no region).
    pub per_region: Vec<Bar>,
    /// Key: the product code.
    pub per_product: Vec<Bar>,
    /// Key: `form` or `api`.
    pub per_source: Vec<Bar>,
    /// Applications contacted by their deadline / with a first contact at all / still waiting
    /// (of those whose deadline passed or that were contacted).
    pub within_limit: u64,
    pub contacted: u64,
    /// Applications whose outcome against the limit is known: contacted, or past the deadline.
    pub known: u64,
    /// Share within the limit of the applications whose outcome is known (contacted, or
    /// deadline passed), 0–1.
    pub within_limit_share: Option<f64>,
    /// Median working minutes from arrival to first contact.
    pub median_minutes_to_contact: Option<i64>,
    pub converted: u64,
    pub lost: u64,
    /// Converted of all the range's applications, 0–1.
    pub conversion_rate: Option<f64>,
    pub overdue: Vec<Overdue>,
    pub missed_calls: u64,
    pub satisfaction_avg: Option<f64>,
    pub satisfaction_n: u64,
    /// The dashboard read [`MAX_ROWS`] applications and stopped.
    pub truncated: bool,
}

/// The median of the values (the lower middle one of an even count); `None` for none.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

fn bars(map: BTreeMap<String, u64>) -> Vec<Bar> {
    let mut v: Vec<Bar> = map
        .into_iter()
        .map(|(key, count)| Bar { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

/// The dashboard over the last `periods` periods (1–24) up to today.
pub async fn get(app: &App, ctx: &Ctx, period: Period, periods: u32) -> Result<TrialsDashboard> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    if !(1..=24).contains(&periods) {
        return Err(AppError::field("periods", "error.trials_dashboard_periods"));
    }
    let owner = matches!(ctx.actor.data_scope(), DataScope::Own).then_some(ctx.actor.user_id);
    let tz = app.config.time_zone;
    let now = app.config.clock.now();
    let today = crate::records::today(app);
    let from = period.back(today, periods);
    let until = period.next(period.start_of(today));
    let at = |d: NaiveDate| -> DateTime<Utc> {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now)
    };
    let rows = store::trial_facts(app.db.read(), &v, owner, at(from), at(until), MAX_ROWS).await?;
    let truncated = rows.len() as u64 >= MAX_ROWS;
    let cal = crate::presales::business_calendar(app).await?;

    let mut per_period: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut p = from;
    while p < until {
        per_period.insert(p, 0);
        p = period.next(p);
    }
    let (mut region, mut product, mut source) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let (mut within, mut contacted, mut known, mut converted, mut lost) = (0, 0, 0, 0, 0);
    let mut minutes = vec![];
    for r in &rows {
        let local = r.arrived_at.with_timezone(&tz).date_naive();
        *per_period.entry(period.start_of(local)).or_default() += 1;
        let region_key = r
            .region_id
            .map_or_else(|| "none".to_string(), |id| id.to_string());
        *region.entry(region_key).or_default() += 1;
        *product.entry(r.product_code.clone()).or_default() += 1;
        *source.entry(r.channel.clone()).or_default() += 1;
        match r.first_contact_at {
            Some(c) => {
                contacted += 1;
                known += 1;
                if c <= r.first_contact_due_at {
                    within += 1;
                }
                minutes.push(cal.working_minutes_between(r.arrived_at, c));
            }
            None if r.first_contact_due_at < now => known += 1,
            None => {}
        }
        match r.state.as_str() {
            "converted" => converted += 1,
            "lost" => lost += 1,
            _ => {}
        }
    }
    let total = rows.len() as u64;
    let names = crate::people::display_names(app).await?;
    let overdue = store::overdue_trials(app.db.read(), &v, owner, now, OVERDUE_ROWS)
        .await?
        .into_iter()
        .map(|t| Overdue {
            trial_id: t.id,
            reference: t.reference.unwrap_or_default(),
            company: t.company,
            owner_id: t.owner_id,
            owner_name: t.owner_id.and_then(|o| names.get(&o).cloned()),
            due_at: t.first_contact_due_at,
            overdue_minutes: cal.working_minutes_between(t.first_contact_due_at, now),
        })
        .collect();
    let (satisfaction_avg, satisfaction_n) =
        store::satisfaction(app.db.read(), &v, at(from), at(until)).await?;
    Ok(TrialsDashboard {
        period,
        from,
        until,
        total,
        per_period: per_period
            .into_iter()
            .map(|(d, count)| Bar {
                key: match period {
                    Period::Month => d.format("%Y-%m").to_string(),
                    Period::Week => d.to_string(),
                },
                count,
            })
            .collect(),
        per_region: bars(region),
        per_product: bars(product),
        per_source: bars(source),
        within_limit: within,
        contacted,
        known,
        within_limit_share: (known > 0).then(|| within as f64 / known as f64),
        median_minutes_to_contact: median(&mut minutes),
        converted,
        lost,
        conversion_rate: (total > 0).then(|| converted as f64 / total as f64),
        overdue,
        missed_calls: crate::presales::missed_count(app, ctx).await?,
        satisfaction_avg,
        satisfaction_n,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_or_the_lower_of_the_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [30]), Some(30));
        assert_eq!(median(&mut [240, 15, 60]), Some(60));
        assert_eq!(median(&mut [10, 40, 20, 30]), Some(20));
    }

    #[test]
    fn periods_start_on_monday_or_the_first_and_go_back_whole_periods() {
        let d: NaiveDate = "2026-11-27".parse().unwrap(); // a Friday
        assert_eq!(Period::Week.start_of(d).to_string(), "2026-11-23");
        assert_eq!(Period::Month.start_of(d).to_string(), "2026-11-01");
        assert_eq!(Period::Month.back(d, 12).to_string(), "2025-12-01");
        assert_eq!(Period::Week.back(d, 2).to_string(), "2026-11-16");
        assert_eq!(
            Period::Month
                .next("2026-12-01".parse().unwrap())
                .to_string(),
            "2027-01-01"
        );
    }
}
