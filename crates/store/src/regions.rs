//! Queries on regions and branch offices.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::regions::{self, ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use regions::Model as Region;

/// Fields of a region as a use case sets them.
#[derive(Debug, Clone)]
pub struct RegionFields {
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub active: bool,
}

/// All regions and branches in the order they were created (the order the company set them up,
/// e.g. 华北, 华东, 华南 …, which no alphabetical order of Chinese names reproduces).
pub async fn list(c: &impl Conn) -> Result<Vec<Region>> {
    Ok(Entity::find().order_by_asc(Column::Id).all(c).await?)
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Region>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// The region with this name (Chinese), other than `except`.
pub async fn find_by_name(
    c: &impl Conn,
    name: &str,
    except: Option<i64>,
) -> Result<Option<Region>> {
    let mut q = Entity::find().filter(Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(Column::Id.ne(id));
    }
    Ok(q.one(c).await?)
}

pub async fn insert(c: &impl Conn, f: RegionFields) -> Result<Region> {
    let t = now();
    let m = ActiveModel {
        name: Set(f.name),
        name_en: Set(f.name_en),
        kind: Set(f.kind),
        parent_id: Set(f.parent_id),
        active: Set(f.active),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    };
    Ok(m.insert(c).await?)
}

pub async fn update(c: &impl Conn, id: i64, f: RegionFields) -> Result<Region> {
    let m = ActiveModel {
        id: Set(id),
        name: Set(f.name),
        name_en: Set(f.name_en),
        kind: Set(f.kind),
        parent_id: Set(f.parent_id),
        active: Set(f.active),
        updated_at: Set(now()),
        ..Default::default()
    };
    Ok(m.update(c).await?)
}

/// The region itself and its branch offices.
/// The region a region or branch office belongs to: a branch counts as its region (for the
/// regional assignment rule and the regional pool).
pub fn top_of(r: &Region) -> i64 {
    r.parent_id.unwrap_or(r.id)
}

pub async fn with_branches(c: &impl Conn, id: i64) -> Result<Vec<i64>> {
    let mut ids = vec![id];
    let branches = Entity::find()
        .filter(Column::ParentId.eq(id))
        .all(c)
        .await?;
    ids.extend(branches.into_iter().map(|r| r.id));
    Ok(ids)
}
