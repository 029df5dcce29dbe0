//! Where a new trial application goes (issue 12, point 3; seed S5.3): the province/city →
//! region table the administrator keeps, and the decision [`route`] that the intake calls.
//!
//! The decision, in order:
//! 1. An existing customer's application goes to its owner — the caller knows the match and
//!    records [`RouteReason::ExistingOwner`] itself; [`route`] routes by place only.
//! 2. The place's region: the city's own row if the administrator made one (it may name a
//!    branch office), else the province's. None, or an inactive one → the director's queue
//!    ([`RouteReason::NoRegion`]).
//! 3. The region's assignment rule (`app::assignment`): manual → the director's queue with the
//!    region set ([`RouteReason::RegionManual`]); automatic → the account manager it picks among
//!    those active and not on leave that day ([`RouteReason::RegionRule`]), or, when there is
//!    none, the director's queue with the region set ([`RouteReason::NobodyAvailable`]).
//!
//! **The default mapping.** A fresh database has no mapping: its regions are the company's own,
//! and sending a province to the wrong one silently would be worse than the director's queue.
//! The demo loads the full default (all 34 divisions → the demo's five regions, plus city
//! overrides to branch offices). On any database the administrator can apply the default with
//! one action ([`apply_defaults`]): each unmapped province goes to the active region whose
//! name starts with its area's name (华北/North …, `domain::routing::DEFAULT_AREAS`); provinces
//! whose area has no such region stay unmapped and are listed as such.

use chrono::NaiveDate;
use salesdesk_domain::geo::{self, PROVINCES};
use salesdesk_domain::routing::{DEFAULT_AREAS, RouteReason};
use salesdesk_domain::{Capability, FieldError, FieldErrors, RegionKind};
use salesdesk_store::{Conn, audit, region_routes as store, regions};
use serde::Serialize;
use serde_json::json;

use crate::assignment::{self, Pick};
use crate::{App, AppError, Ctx, Result};

/// A routing decision by place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The region or branch office the place maps to (`None`: unmapped).
    pub region_id: Option<i64>,
    /// The account manager picked (`None`: the director's queue).
    pub owner_id: Option<i64>,
    #[serde(serialize_with = "reason_code")]
    pub reason: RouteReason,
}

fn reason_code<S: serde::Serializer>(
    r: &RouteReason,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// Routes an application from `province`/`city` (GB/T 2260 codes, as `domain::geo` parses
/// them) on the company's date `today`, inside the caller's transaction: when the region's rule
/// picks someone, their turn is recorded (round robin continues after them), so call this once
/// per application, in the transaction that stores it.
pub async fn route(
    c: &impl Conn,
    today: NaiveDate,
    province: Option<&str>,
    city: Option<&str>,
) -> Result<Route> {
    let unmapped = Route {
        region_id: None,
        owner_id: None,
        reason: RouteReason::NoRegion,
    };
    let Some(region_id) = region_of(c, province, city).await? else {
        return Ok(unmapped);
    };
    match regions::get(c, region_id).await? {
        Some(r) if r.active => {}
        _ => return Ok(unmapped),
    }
    Ok(decided(
        Some(region_id),
        assignment::pick(c, region_id, today).await?,
    ))
}

/// What [`route_intake`] decided: the route, and — when asked to leave it — the region's turn
/// still to be taken in the transaction that writes the application (then `route.owner_id` is
/// `None` until [`assignment::take`] names them).
#[derive(Debug, Clone)]
pub(crate) struct IntakeRoute {
    pub route: Route,
    pub turn: Option<assignment::Turn>,
}

/// As [`route`], for the trial intake: the mapping and the regions from the read cache (they
/// change when the administrator edits them, and that edit empties the cache), the owner by
/// [`assignment::pick_for_intake`] (its turn taken in a statement of its own) — or, with
/// `leave_turn`, by the caller's [`assignment::take`] later. Called before the intake's
/// transaction, never inside one.
pub(crate) async fn route_intake(
    app: &App,
    today: NaiveDate,
    province: Option<&str>,
    city: Option<&str>,
    leave_turn: bool,
) -> Result<IntakeRoute> {
    let unmapped = IntakeRoute {
        route: Route {
            region_id: None,
            owner_id: None,
            reason: RouteReason::NoRegion,
        },
        turn: None,
    };
    let Some(province) = province_of(province, city) else {
        return Ok(unmapped);
    };
    let rows = app
        .cached_arc("region_routes".into(), async {
            Ok(store::all(app.db.read()).await?)
        })
        .await?;
    // The province's own row (`''`), then the city's override, which wins.
    let Some(region_id) = rows
        .iter()
        .filter(|r| {
            r.province_code == province
                && (r.city_code.is_empty() || Some(r.city_code.as_str()) == city)
        })
        .max_by(|a, b| a.city_code.cmp(&b.city_code))
        .map(|r| r.region_id)
    else {
        return Ok(unmapped);
    };
    let regions = crate::people::regions_cached(app).await?;
    if !regions.iter().any(|r| r.id == region_id && r.active) {
        return Ok(unmapped);
    }
    let pick = if leave_turn {
        match assignment::prepare_for_intake(app, region_id, today).await? {
            assignment::Prepared::Decided(p) => p,
            assignment::Prepared::Turn(turn) => {
                return Ok(IntakeRoute {
                    route: Route {
                        region_id: Some(region_id),
                        owner_id: None,
                        reason: RouteReason::RegionRule,
                    },
                    turn: Some(turn),
                });
            }
        }
    } else {
        assignment::pick_for_intake(app, region_id, today).await?
    };
    Ok(IntakeRoute {
        route: decided(Some(region_id), pick),
        turn: None,
    })
}

/// The route a region's pick makes.
pub(crate) fn decided(region_id: Option<i64>, pick: Pick) -> Route {
    let (owner_id, reason) = match pick {
        Pick::Chosen(u) => (Some(u), RouteReason::RegionRule),
        Pick::Manual => (None, RouteReason::RegionManual),
        Pick::Nobody => (None, RouteReason::NobodyAvailable),
    };
    Route {
        region_id,
        owner_id,
        reason,
    }
}

/// The province a place is in: given, or named by a city's code (its first two digits).
fn province_of(province: Option<&str>, city: Option<&str>) -> Option<String> {
    match (province.filter(|p| !p.is_empty()), city) {
        (Some(p), _) => Some(p.to_string()),
        (None, Some(c)) if c.len() == 6 => Some(format!("{}0000", &c[..2])),
        _ => None,
    }
}

/// The region a place maps to: the city's own row first, then the province's.
pub async fn region_of(
    c: &impl Conn,
    province: Option<&str>,
    city: Option<&str>,
) -> Result<Option<i64>> {
    let Some(province) = province_of(province, city) else {
        return Ok(None);
    };
    let rows = store::for_place(c, &province, city).await?;
    // Sorted by city code: the province's own row (`''`) first, an override after it.
    Ok(rows.last().map(|r| r.region_id))
}

/// One row of the mapping as the settings page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub province_code: String,
    /// `None`: the province's own row.
    pub city_code: Option<String>,
    pub region_id: i64,
    pub updated_by: Option<i64>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn view(r: store::RegionRoute) -> Mapping {
    Mapping {
        province_code: r.province_code,
        city_code: Some(r.city_code).filter(|c| !c.is_empty()),
        region_id: r.region_id,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    }
}

/// Whether the actor may read the mapping: anyone who sees the directory (it says where work
/// goes, not whose it is).
fn may_read(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ViewDirectory) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the actor may change it: administrators (it is set-up, like the lists).
fn may_write(ctx: &Ctx) -> Result<()> {
    if ctx.actor.can(Capability::ManageSettings) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The whole mapping, by province then city (at most a few hundred rows: not paginated).
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<Mapping>> {
    may_read(ctx)?;
    Ok(store::all(app.db.read())
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// A place as given (codes or exact names), checked against GB/T 2260: the province's code and
/// the city's (`''` for the province's own row).
fn place(province: &str, city: &str) -> Result<(String, String)> {
    let (p, c) = geo::parse_place(province, city)?;
    let Some(p) = p else {
        return Err(AppError::field("province", "error.required"));
    };
    Ok((
        p.code.to_string(),
        c.map(|c| c.code.to_string()).unwrap_or_default(),
    ))
}

fn snapshot(province: &str, city: &str, region_id: Option<i64>) -> serde_json::Value {
    json!({"province_code": province, "city_code": city, "region_id": region_id})
}

/// Sends a province (city empty) or a city to a region or branch office (administrators;
/// audited). Replaces what was there.
pub async fn set(
    app: &App,
    ctx: &Ctx,
    province: &str,
    city: &str,
    region_id: i64,
) -> Result<Mapping> {
    may_write(ctx)?;
    let (p, c) = place(province, city)?;
    let tx = app.db.begin().await?;
    match regions::get(&tx, region_id).await? {
        Some(r) if r.active => {}
        _ => {
            return Err(AppError::Validation(FieldErrors(vec![FieldError::new(
                "region_id",
                "error.unknown_region",
            )])));
        }
    }
    let before = store::find(&tx, &p, &c).await?;
    store::set(&tx, &p, &c, region_id, ctx.actor_id()).await?;
    let after = store::find(&tx, &p, &c)
        .await?
        .ok_or_else(|| AppError::Internal("mapping row vanished".into()))?;
    audit::insert(
        &tx,
        ctx.audit(
            "region_route.set",
            "region_route",
            Some(after.id),
            before.map(|b| snapshot(&p, &c, Some(b.region_id))),
            Some(snapshot(&p, &c, Some(region_id))),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(after))
}

/// Removes a place's row (administrators; audited): a city then follows its province, a
/// province goes to the director's queue. Not found when there was none.
pub async fn remove(app: &App, ctx: &Ctx, province: &str, city: &str) -> Result<()> {
    may_write(ctx)?;
    let (p, c) = place(province, city)?;
    let tx = app.db.begin().await?;
    let before = store::find(&tx, &p, &c).await?.ok_or(AppError::NotFound)?;
    if store::delete(&tx, &p, &c).await? == 0 {
        return Err(AppError::NotFound);
    }
    audit::insert(
        &tx,
        ctx.audit(
            "region_route.remove",
            "region_route",
            Some(before.id),
            Some(snapshot(&p, &c, Some(before.region_id))),
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// What [`apply_defaults`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Applied {
    /// Provinces mapped now.
    pub mapped: Vec<String>,
    /// Provinces left unmapped: no active region stands for their area.
    pub unmatched: Vec<String>,
}

/// Maps every province that has no row yet by the default areas (administrators; one audit
/// row): see the module documentation. Rows already there are kept.
pub async fn apply_defaults(app: &App, ctx: &Ctx) -> Result<Applied> {
    may_write(ctx)?;
    let tx = app.db.begin().await?;
    let applied = fill_defaults(&tx, ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "region_route.defaults",
            "region_route",
            None,
            None,
            Some(json!({"mapped": applied.mapped, "unmatched": applied.unmatched})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(applied)
}

/// The default mapping into the regions there are, for provinces without a row (no audit: the
/// caller writes it).
pub(crate) async fn fill_defaults(c: &impl Conn, by: Option<i64>) -> Result<Applied> {
    let all = regions::list(c).await?;
    let tops: Vec<&regions::Region> = all
        .iter()
        .filter(|r| r.active && RegionKind::parse(&r.kind) == Some(RegionKind::Region))
        .collect();
    let existing = store::all(c).await?;
    let mut out = Applied::default();
    for (code, area) in DEFAULT_AREAS {
        if existing
            .iter()
            .any(|r| r.province_code == code && r.city_code.is_empty())
        {
            continue;
        }
        match tops.iter().find(|r| area.matches(&r.name, &r.name_en)) {
            Some(r) => {
                store::set(c, code, "", r.id, by).await?;
                out.mapped.push(code.to_string());
            }
            None => out.unmatched.push(code.to_string()),
        }
    }
    Ok(out)
}

/// Provinces with no row of their own (their applications go to the director), in GB/T order.
pub fn unmapped(rows: &[Mapping]) -> Vec<&'static geo::Province> {
    PROVINCES
        .iter()
        .filter(|p| {
            !rows
                .iter()
                .any(|r| r.province_code == p.code && r.city_code.is_none())
        })
        .collect()
}

/// A place as one GB/T 2260 code: a province's code stands for the province's own row, a
/// city's code for that city's override. `(province, city)` codes, city `''` for the province;
/// `None` for a code on neither list.
pub fn split_place(code: &str) -> Option<(String, String)> {
    let code = code.trim();
    if let Some(p) = geo::PROVINCES.iter().find(|p| p.code == code) {
        return Some((p.code.to_string(), String::new()));
    }
    geo::city_by_code(code).map(|c| (c.province().code.to_string(), c.code.to_string()))
}
