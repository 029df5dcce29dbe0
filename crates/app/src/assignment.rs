//! Who gets a region's new customers (seed S4.5: "mainly by region"). Each region has a rule,
//! set by its regional manager (or an administrator or the VP): `manual` (nobody is chosen
//! automatically: the default), `round_robin` or `least_load` (see `domain::customer::assign`).
//! Branch offices follow their region's rule.

use chrono::{DateTime, NaiveDate, Utc};
use salesdesk_domain::customer::{AssignRule, Candidate, CustomerStatus};
use salesdesk_domain::{Actor, Capability, Position, RegionKind};
use salesdesk_store::{Conn, assignment as store, audit, regions};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// The code of "no automatic assignment".
pub const MANUAL: &str = "manual";

/// Every mode code, in the order a form offers them.
pub const MODES: [&str; 3] = [MANUAL, "round_robin", "least_load"];

/// A region's rule as people see it.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub region_id: i64,
    /// `manual`, `round_robin` or `least_load`.
    pub mode: &'static str,
    /// Who received the region's last automatically assigned customer.
    pub last_user_id: Option<i64>,
    pub updated_by: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The rule a stored mode code stands for (`None`: manual; an unknown code counts as manual).
fn rule_of(mode: &str) -> Option<AssignRule> {
    AssignRule::parse(mode)
}

fn code_of(rule: Option<AssignRule>) -> &'static str {
    rule.map_or(MANUAL, AssignRule::as_str)
}

fn view(region_id: i64, r: Option<store::Rule>) -> Rule {
    match r {
        Some(r) => Rule {
            region_id,
            mode: code_of(rule_of(&r.mode)),
            last_user_id: r.last_user_id,
            updated_by: r.updated_by,
            updated_at: Some(r.updated_at),
        },
        None => Rule {
            region_id,
            mode: MANUAL,
            last_user_id: None,
            updated_by: None,
            updated_at: None,
        },
    }
}

/// Whether this actor may change the rule of this region: its regional manager, an
/// administrator, the VP.
pub fn may_set(actor: &Actor, region_id: i64) -> bool {
    actor.can(Capability::ManageOrg)
        || (actor.position == Some(Position::RegionalManager) && actor.region_id == Some(region_id))
}

/// The region, if it exists and is a region (branch offices have no rule of their own).
async fn region_of(c: &impl Conn, region_id: i64) -> Result<regions::Region> {
    match regions::get(c, region_id).await? {
        Some(r) if RegionKind::parse(&r.kind) == Some(RegionKind::Region) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// A region's rule (anyone signed in may read it, like the region itself).
pub async fn get_rule(app: &App, ctx: &Ctx, region_id: i64) -> Result<Rule> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    let c = app.db.read();
    region_of(c, region_id).await?;
    Ok(view(region_id, store::get(c, region_id).await?))
}

/// The rules of every region that has one stored (regions absent here are manual).
pub async fn all_rules(app: &App, ctx: &Ctx) -> Result<Vec<Rule>> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    Ok(store::all(app.db.read())
        .await?
        .into_iter()
        .map(|r| view(r.region_id, Some(r)))
        .collect())
}

/// Changes a region's rule (audited). `mode` is one of [`MODES`].
pub async fn set_rule(app: &App, ctx: &Ctx, region_id: i64, mode: &str) -> Result<Rule> {
    let tx = app.db.begin().await?;
    region_of(&tx, region_id).await?;
    if !may_set(&ctx.actor, region_id) {
        return Err(AppError::Forbidden);
    }
    let mode = mode.trim();
    if mode != MANUAL && AssignRule::parse(mode).is_none() {
        return Err(AppError::field("mode", "error.invalid_choice"));
    }
    let before = view(region_id, store::get(&tx, region_id).await?);
    store::set_mode(&tx, region_id, mode, ctx.actor_id()).await?;
    let after = view(region_id, store::get(&tx, region_id).await?);
    audit::insert(
        &tx,
        ctx.audit(
            "assignment_rule.update",
            "region",
            Some(region_id),
            Some(json!({"mode": before.mode})),
            Some(json!({"mode": after.mode})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(after)
}

/// What a region's rule made of a new customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Unknown region, or its rule is manual (no automatic assignment).
    Manual,
    /// The rule is automatic but nobody can receive customers there on that day: no active
    /// account manager who is not on leave.
    Nobody,
    /// This person, whose turn has been recorded.
    Chosen(i64),
}

/// Chooses the owner of a new customer of `region_id` by its region's rule, inside the caller's
/// transaction, and records the turn. `None` when the rule is manual, the region is unknown, or
/// nobody can receive customers there on `day` (see [`pick`]).
pub async fn pick_owner(c: &impl Conn, region_id: i64, day: NaiveDate) -> Result<Option<i64>> {
    Ok(match pick(c, region_id, day).await? {
        Pick::Chosen(u) => Some(u),
        Pick::Manual | Pick::Nobody => None,
    })
}

/// As [`pick_owner`], telling why nobody was chosen.
///
/// Candidates are the active account managers (S4.5) of the customer's branch office, or — for a
/// region, or a branch without any — of the whole region and its branches; people on leave on
/// `day` (the company's date) are left out. Their load is their open customers (neither signed
/// nor invalid).
pub async fn pick(c: &impl Conn, region_id: i64, day: NaiveDate) -> Result<Pick> {
    let Some(region) = regions::get(c, region_id).await? else {
        return Ok(Pick::Manual);
    };
    let top = regions::top_of(&region);
    let Some(stored) = store::get_for_update(c, top).await? else {
        return Ok(Pick::Manual);
    };
    let Some(rule) = rule_of(&stored.mode) else {
        return Ok(Pick::Manual);
    };
    let branch = region.parent_id.is_some().then_some(region.id);
    let candidates = candidates(c, top, branch, day).await?;
    match salesdesk_domain::customer::pick(rule, &candidates, stored.last_user_id) {
        Some(u) => {
            store::set_last(c, top, u).await?;
            Ok(Pick::Chosen(u))
        }
        None => Ok(Pick::Nobody),
    }
}

/// The account managers who may receive a new customer of `top` (a region) on `day` — of
/// `branch` only, when given and it has any — with their open load, by id.
async fn candidates(
    c: &impl Conn,
    top: i64,
    branch: Option<i64>,
    day: NaiveDate,
) -> Result<Vec<Candidate>> {
    let positions = [Position::AccountManager.as_str()];
    let mut ids = match branch {
        Some(b) => store::people_in(c, &[b], &positions, day).await?,
        None => vec![],
    };
    if ids.is_empty() {
        let all = regions::with_branches(c, top).await?;
        ids = store::people_in(c, &all, &positions, day).await?;
    }
    let closed = [
        CustomerStatus::Signed.as_str(),
        CustomerStatus::Invalid.as_str(),
    ];
    let loads = store::open_load(c, &ids, &closed).await?;
    Ok(ids
        .iter()
        .map(|&user_id| Candidate {
            user_id,
            open_load: loads
                .iter()
                .find(|(o, _)| *o == user_id)
                .map_or(0, |(_, n)| *n as u64),
        })
        .collect())
}

/// Someone who receives a region's customers, as the rule page lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    /// Open customers (neither signed nor invalid) they hold now.
    pub open_load: u64,
    /// Whether the region's next customer goes to them under the current rule.
    pub next: bool,
}

/// Who takes part in a region's assignment today (people on leave are left out), and who is
/// next (anyone signed in may see it).
pub async fn members(app: &App, ctx: &Ctx, region_id: i64) -> Result<Vec<Member>> {
    let rule = get_rule(app, ctx, region_id).await?;
    let c = app.db.read();
    let day = crate::records::today(app);
    let cands = candidates(c, region_id, None, day).await?;
    let next = rule_of(rule.mode)
        .and_then(|r| salesdesk_domain::customer::pick(r, &cands, rule.last_user_id));
    let ids: Vec<i64> = cands.iter().map(|m| m.user_id).collect();
    let people = salesdesk_store::users::by_ids(c, &ids).await?;
    Ok(cands
        .into_iter()
        .map(|m| Member {
            name: people
                .iter()
                .find(|u| u.id == m.user_id)
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            user_id: m.user_id,
            open_load: m.open_load,
            next: Some(m.user_id) == next,
        })
        .collect())
}
