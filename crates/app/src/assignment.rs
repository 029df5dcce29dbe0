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
/// `branch` only, when given and it has any — by id.
async fn members_of(
    c: &impl Conn,
    top: i64,
    branch: Option<i64>,
    day: NaiveDate,
) -> Result<Vec<i64>> {
    let positions = [Position::AccountManager.as_str()];
    let mut ids = match branch {
        Some(b) => store::people_in(c, &[b], &positions, day).await?,
        None => vec![],
    };
    if ids.is_empty() {
        let all = regions::with_branches(c, top).await?;
        ids = store::people_in(c, &all, &positions, day).await?;
    }
    Ok(ids)
}

/// Open customers (neither signed nor invalid) of each of `ids`.
async fn loads_of(c: &impl Conn, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    let closed = [
        CustomerStatus::Signed.as_str(),
        CustomerStatus::Invalid.as_str(),
    ];
    Ok(store::open_load(c, ids, &closed).await?)
}

/// [`members_of`] with their open load, by id.
async fn candidates(
    c: &impl Conn,
    top: i64,
    branch: Option<i64>,
    day: NaiveDate,
) -> Result<Vec<Candidate>> {
    let ids = members_of(c, top, branch, day).await?;
    let loads = loads_of(c, &ids).await?;
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

/// As [`pick`], for the trial intake (issue 12: a thousand applications a second). The same
/// rule and the same people, with what the rule reads taken from the read cache — the region,
/// its rule's mode, who takes part on `day` — and the turn taken in one statement in a
/// transaction of its own (its row lock lasts that statement, not the application's
/// transaction, which every application of the region would otherwise wait for):
/// - round robin: [`store::take_turn`] moves the turn on in the database, so processes and
///   parallel applications share one order;
/// - least load: the open loads are counted at most once per read-cache TTL per region (with
///   a million customers the count is a scan of every open customer the region's people hold),
///   and each pick this process makes adds one to the person it chose until the next count.
///   Another process's picks and other changes of load are seen at that count, within a second.
///
/// Must not be called inside a transaction of the caller's (on SQLite the turn's transaction
/// needs the one write connection). On SQLite the intake calls [`prepare_for_intake`] instead
/// and takes the turn with [`take`] inside its group's transaction.
pub(crate) async fn pick_for_intake(app: &App, region_id: i64, day: NaiveDate) -> Result<Pick> {
    let turn = match prepare_for_intake(app, region_id, day).await? {
        Prepared::Decided(p) => return Ok(p),
        Prepared::Turn(t) => t,
    };
    // The turn alone, committed without waiting for the disk: a turn lost in a crash of the
    // machine repeats one person's turn, nothing else. No cached read holds the turn: the cache
    // stays valid.
    let tx = app.db.begin().await?;
    salesdesk_store::asynchronous_commit(&tx).await?;
    let p = take(&tx, &turn).await?;
    tx.commit()
        .await
        .map_err(salesdesk_store::StoreError::from)?;
    Ok(p)
}

/// A region's turn the intake has read everything for (from the read cache) but not yet
/// taken: [`take`] takes it in the transaction that writes the application.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    region_id: i64,
    day: NaiveDate,
    /// The region whose rule it is (a branch office follows its region's).
    top: i64,
    mode: &'static str,
    /// Who takes part, by id (round robin moves the turn along them).
    ids: std::sync::Arc<Vec<i64>>,
    /// Least load: the person this process chose.
    least: Option<i64>,
}

/// What [`prepare_for_intake`] found.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    /// Nobody is to be chosen (manual rule, nobody available): no turn to take.
    Decided(Pick),
    Turn(Turn),
}

/// The reads of [`pick_for_intake`], without its write.
pub(crate) async fn prepare_for_intake(
    app: &App,
    region_id: i64,
    day: NaiveDate,
) -> Result<Prepared> {
    let all = crate::people::regions_cached(app).await?;
    let Some(region) = all.iter().find(|r| r.id == region_id) else {
        return Ok(Prepared::Decided(Pick::Manual));
    };
    let top = regions::top_of(region);
    let branch = region.parent_id.is_some().then_some(region.id);
    let mode = app
        .cached(format!("assign:mode:{top}"), async {
            Ok(store::get(app.db.read(), top).await?.map(|r| r.mode))
        })
        .await?;
    let Some(rule) = mode.as_deref().and_then(rule_of) else {
        return Ok(Prepared::Decided(Pick::Manual));
    };
    let ids = app
        .cached_arc(
            format!("assign:people:{top}:{}:{day}", branch.unwrap_or(0)),
            async { members_of(app.db.read(), top, branch, day).await },
        )
        .await?;
    if ids.is_empty() {
        return Ok(Prepared::Decided(Pick::Nobody));
    }
    let least = match rule {
        AssignRule::RoundRobin => None,
        AssignRule::LeastLoad => {
            let candidates = app.loads.candidates(app, (top, branch, day), &ids).await?;
            let Some(u) = salesdesk_domain::customer::pick(rule, &candidates, None) else {
                return Ok(Prepared::Decided(Pick::Nobody));
            };
            app.loads.picked((top, branch, day), u);
            Some(u)
        }
    };
    Ok(Prepared::Turn(Turn {
        region_id,
        day,
        top,
        mode: rule.as_str(),
        ids,
        least,
    }))
}

/// Takes a prepared turn in the caller's transaction, in one statement (the intake's group on
/// SQLite, where a transaction of its own would queue for the one writer a second time per
/// application). A rule changed since it was cached (its stored mode is no longer the one
/// read) is read again by [`pick`], in the same transaction.
pub(crate) async fn take(c: &impl Conn, t: &Turn) -> Result<Pick> {
    let taken = match t.least {
        None => store::take_turn(c, t.top, t.mode, &t.ids).await?,
        Some(u) => store::set_last_if(c, t.top, t.mode, u).await?.then_some(u),
    };
    match taken {
        Some(u) => Ok(Pick::Chosen(u)),
        None => pick(c, t.region_id, t.day).await,
    }
}

/// Whose open loads the intake's least-load picks use: a region's team on a day.
type Team = (i64, Option<i64>, NaiveDate);

/// The open loads least-load picks of this process go by (see [`pick_for_intake`]).
#[derive(Debug, Default)]
pub struct Loads {
    teams: std::sync::Mutex<std::collections::HashMap<Team, Counted>>,
}

#[derive(Debug)]
struct Counted {
    at: std::time::Instant,
    loads: std::collections::HashMap<i64, u64>,
    /// A task is counting again; others go by these meanwhile.
    recounting: bool,
}

impl Loads {
    /// The team's members with their open loads: as counted within the read cache's TTL (plus
    /// this process's picks since), or counted now.
    async fn candidates(&self, app: &App, team: Team, ids: &[i64]) -> Result<Vec<Candidate>> {
        let ttl = app.config.read_cache_ttl;
        let held = self.teams.lock().ok().and_then(|mut all| {
            let c = all.get_mut(&team)?;
            if c.at.elapsed() < ttl || c.recounting {
                return Some(c.loads.clone());
            }
            c.recounting = true;
            None
        });
        let loads = match held {
            Some(l) => l,
            None => {
                let counted = loads_of(app.db.read(), ids).await;
                let mut all = self.teams.lock().map_err(|_| {
                    AppError::Internal("the least-load counts' lock is poisoned".into())
                })?;
                let loads: std::collections::HashMap<i64, u64> = match counted {
                    Ok(rows) => rows.into_iter().map(|(u, n)| (u, n as u64)).collect(),
                    Err(e) => {
                        if let Some(c) = all.get_mut(&team) {
                            c.recounting = false;
                        }
                        return Err(e);
                    }
                };
                if all.len() > 1_000 {
                    all.clear();
                }
                all.insert(
                    team,
                    Counted {
                        at: std::time::Instant::now(),
                        loads: loads.clone(),
                        recounting: false,
                    },
                );
                loads
            }
        };
        Ok(ids
            .iter()
            .map(|&user_id| Candidate {
                user_id,
                open_load: loads.get(&user_id).copied().unwrap_or(0),
            })
            .collect())
    }

    /// Counts a pick until the next count.
    fn picked(&self, team: Team, user: i64) {
        if let Ok(mut all) = self.teams.lock()
            && let Some(c) = all.get_mut(&team)
        {
            *c.loads.entry(user).or_insert(0) += 1;
        }
    }
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
