//! Regions and branch offices (S3.2): created and renamed by administrators and the VP.

use salesdesk_domain::{Capability, FieldError, FieldErrors, RegionKind, validate};
use salesdesk_store::{audit, regions};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub id: i64,
    pub name: String,
    pub name_en: String,
    pub kind: RegionKind,
    pub parent_id: Option<i64>,
    pub active: bool,
}

impl Region {
    /// The name in the given interface language.
    pub fn name_in(&self, locale: &str) -> &str {
        if locale == "en" {
            &self.name_en
        } else {
            &self.name
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RegionInput {
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub active: bool,
}

fn view(r: regions::Region) -> Region {
    Region {
        kind: RegionKind::parse(&r.kind).unwrap_or(RegionKind::Region),
        id: r.id,
        name: r.name,
        name_en: r.name_en,
        parent_id: r.parent_id,
        active: r.active,
    }
}

fn snapshot(r: &regions::Region) -> serde_json::Value {
    json!({"name": r.name, "name_en": r.name_en, "kind": r.kind, "parent_id": r.parent_id, "active": r.active})
}

/// Every region and branch, each region followed by its branches (shared: the list is cached).
pub async fn list(app: &App, ctx: &Ctx) -> Result<std::sync::Arc<Vec<Region>>> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    app.cached_arc("regions".into(), async {
        let rows = regions::list(app.db.read()).await?;
        Ok(ordered(rows.into_iter().map(view).collect()))
    })
    .await
}

/// Regions, each followed by its branch offices.
fn ordered(all: Vec<Region>) -> Vec<Region> {
    let mut out = vec![];
    for r in all.iter().filter(|r| r.parent_id.is_none()) {
        out.push(r.clone());
        out.extend(all.iter().filter(|b| b.parent_id == Some(r.id)).cloned());
    }
    out
}

/// Every region and branch with its number of active people (a region counts its branches).
pub async fn list_with_headcount(app: &App, ctx: &Ctx) -> Result<Vec<(Region, u64)>> {
    let regions = list(app, ctx).await?;
    let counts = app
        .cached("headcount".into(), async {
            Ok(salesdesk_store::users::active_count_by_region(app.db.read()).await?)
        })
        .await?;
    let own = |id: i64| -> u64 {
        counts
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, n)| *n as u64)
            .unwrap_or(0)
    };
    Ok(regions
        .iter()
        .map(|r| {
            let branches: u64 = regions
                .iter()
                .filter(|b| b.parent_id == Some(r.id))
                .map(|b| own(b.id))
                .sum();
            (r.clone(), own(r.id) + branches)
        })
        .collect())
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Region> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    regions::get(app.db.read(), id)
        .await?
        .map(view)
        .ok_or(AppError::NotFound)
}

async fn parse(
    c: &impl salesdesk_store::Conn,
    input: &RegionInput,
    id: Option<i64>,
) -> Result<regions::RegionFields> {
    let mut errs = FieldErrors::new();
    let name = errs.take(validate::required_text("name", &input.name, 40));
    let name_en = errs.take(validate::required_text("name_en", &input.name_en, 60));
    let kind = RegionKind::parse(&input.kind);
    if kind.is_none() {
        errs.push(FieldError::new("kind", "error.invalid_choice"));
    }
    match (kind, input.parent_id) {
        (Some(RegionKind::Branch), None) => {
            errs.push(FieldError::new("parent_id", "error.branch_needs_region"))
        }
        (Some(RegionKind::Region), Some(_)) => {
            errs.push(FieldError::new("parent_id", "error.region_has_no_parent"))
        }
        (Some(RegionKind::Branch), Some(p)) => match regions::get(c, p).await? {
            Some(parent) if parent.kind == "region" && Some(parent.id) != id => {}
            _ => errs.push(FieldError::new("parent_id", "error.unknown_region")),
        },
        _ => {}
    }
    if let Some(n) = &name
        && regions::find_by_name(c, n, id).await?.is_some()
    {
        errs.push(FieldError::new("name", "error.name_taken"));
    }
    errs.into_result()?;
    Ok(regions::RegionFields {
        name: name.unwrap_or_default(),
        name_en: name_en.unwrap_or_default(),
        kind: kind.map(|k| k.as_str()).unwrap_or("region").to_string(),
        parent_id: input.parent_id,
        active: input.active,
    })
}

pub async fn create(app: &App, ctx: &Ctx, input: &RegionInput) -> Result<Region> {
    if !ctx.actor.can(Capability::ManageOrg) {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let fields = parse(&tx, input, None).await?;
    let r = regions::insert(&tx, fields).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "region.create",
            "region",
            Some(r.id),
            None,
            Some(snapshot(&r)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(r))
}

pub async fn update(app: &App, ctx: &Ctx, id: i64, input: &RegionInput) -> Result<Region> {
    if !ctx.actor.can(Capability::ManageOrg) {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let before = regions::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    let fields = parse(&tx, input, Some(id)).await?;
    if before.kind == "region"
        && fields.kind == "branch"
        && regions::with_branches(&tx, id).await?.len() > 1
    {
        return Err(AppError::field("kind", "error.region_has_branches"));
    }
    let after = regions::update(&tx, id, fields).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "region.update",
            "region",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(after))
}
