//! Queries on customers. Every read takes a [`Visible`] condition computed from the actor's data
//! scope, so a query can never forget it.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::customers::{ActiveModel, Column, Entity};
use crate::users::escape_like;
use crate::{Conn, Page, Paged, Result, now};

pub use crate::entity::customers::Model as Customer;

/// Which customers a query may return, from the actor's data scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    All,
    /// Owned by one of `owners`, or belonging to one of `regions` (a region's unowned customers).
    Some {
        owners: Vec<i64>,
        regions: Vec<i64>,
    },
    Nothing,
}

impl Visible {
    pub(crate) fn condition(&self) -> Condition {
        match self {
            Visible::All => Condition::all(),
            Visible::Some { owners, regions } => {
                let mut any = Condition::any();
                if !owners.is_empty() {
                    any = any.add(Column::OwnerId.is_in(owners.clone()));
                }
                if !regions.is_empty() {
                    any = any.add(Column::RegionId.is_in(regions.clone()));
                }
                if owners.is_empty() && regions.is_empty() {
                    any = any.add(Expr::val(1).eq(0));
                }
                any
            }
            Visible::Nothing => Condition::all().add(Expr::val(1).eq(0)),
        }
    }
}

/// Everything about a customer that a use case sets.
#[derive(Debug, Clone)]
pub struct CustomerFields {
    pub name: String,
    pub name_key: String,
    pub search_key: String,
    pub short_name: Option<String>,
    pub uscc: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub background: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_code: Option<String>,
    pub source_code: Option<String>,
    pub size_code: Option<String>,
}

fn with_fields(f: CustomerFields) -> ActiveModel {
    ActiveModel {
        name: Set(f.name),
        name_key: Set(f.name_key),
        search_key: Set(f.search_key),
        short_name: Set(f.short_name),
        uscc: Set(f.uscc),
        website: Set(f.website),
        email: Set(f.email),
        phone: Set(f.phone),
        province: Set(f.province),
        city: Set(f.city),
        address: Set(f.address),
        industry: Set(f.industry),
        background: Set(f.background),
        region_id: Set(f.region_id),
        owner_id: Set(f.owner_id),
        type_code: Set(f.type_code),
        source_code: Set(f.source_code),
        size_code: Set(f.size_code),
        updated_at: Set(now()),
        ..Default::default()
    }
}

pub async fn insert(
    c: &impl Conn,
    f: CustomerFields,
    status: &str,
    created_by: Option<i64>,
) -> Result<Customer> {
    let t = now();
    let mut m = with_fields(f);
    m.status = Set(status.to_string());
    m.status_changed_at = Set(t);
    m.last_contact_at = Set(None);
    m.next_contact_on = Set(None);
    m.pool_since = Set(None);
    m.created_by = Set(created_by);
    m.created_at = Set(t);
    Ok(m.insert(c).await?)
}

pub async fn update(c: &impl Conn, id: i64, f: CustomerFields) -> Result<Customer> {
    let mut m = with_fields(f);
    m.id = Set(id);
    Ok(m.update(c).await?)
}

/// One customer, if visible.
pub async fn get(c: &impl Conn, id: i64, visible: &Visible) -> Result<Option<Customer>> {
    Ok(Entity::find_by_id(id)
        .filter(visible.condition())
        .one(c)
        .await?)
}

/// An existing customer with this duplicate key or USCC, other than `except`, whatever the
/// scope (a duplicate must be caught even when its owner is someone else).
pub async fn find_duplicate(
    c: &impl Conn,
    name_key: &str,
    uscc: Option<&str>,
    except: Option<i64>,
) -> Result<Option<Customer>> {
    let mut any = Condition::any().add(Column::NameKey.eq(name_key));
    if let Some(u) = uscc {
        any = any.add(Column::Uscc.eq(u));
    }
    let mut q = Entity::find().filter(any);
    if let Some(id) = except {
        q = q.filter(Column::Id.ne(id));
    }
    Ok(q.order_by_asc(Column::Id).one(c).await?)
}

/// Filter of the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Substring of the (folded) name or short name.
    pub q: Option<String>,
    pub status: Option<String>,
    pub region_ids: Option<Vec<i64>>,
    pub owner_id: Option<i64>,
}

/// Visible customers, most recently changed first.
pub async fn list(
    c: &impl Conn,
    visible: &Visible,
    f: &CustomerFilter,
    page: Page,
) -> Result<Paged<Customer>> {
    let q = Entity::find()
        .filter(filter_condition(visible, f))
        .order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// Visible customers matching the filter with an id above `after`, by id: keyset pages for an
/// export that must not hold every row at once nor slow down with OFFSET.
pub async fn after_id(
    c: &impl Conn,
    visible: &Visible,
    f: &CustomerFilter,
    after: i64,
    limit: u64,
) -> Result<Vec<Customer>> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .filter(filter_condition(visible, f))
        .filter(Column::Id.gt(after))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}

/// The condition of the scope and the list filter: shared by the list and the export.
fn filter_condition(visible: &Visible, f: &CustomerFilter) -> Condition {
    let mut cond = Condition::all().add(visible.condition());
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        let pat = format!("%{}%", escape_like(q));
        cond = cond.add(Expr::col(Column::SearchKey).like(LikeExpr::new(pat).escape('\\')));
    }
    if let Some(s) = &f.status {
        cond = cond.add(Column::Status.eq(s.clone()));
    }
    if let Some(r) = &f.region_ids {
        cond = cond.add(Column::RegionId.is_in(r.clone()));
    }
    if let Some(o) = f.owner_id {
        cond = cond.add(Column::OwnerId.eq(o));
    }
    cond
}

/// Sets a customer's status (after an approved request).
pub async fn set_status(
    c: &impl Conn,
    id: i64,
    status: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    ActiveModel {
        id: Set(id),
        status: Set(status.to_string()),
        status_changed_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .update(c)
    .await?;
    Ok(())
}

/// Replaces the folded search text (after the customer's contacts changed).
pub async fn set_search_key(c: &impl Conn, id: i64, key: &str) -> Result<()> {
    ActiveModel {
        id: Set(id),
        search_key: Set(key.to_string()),
        ..Default::default()
    }
    .update(c)
    .await?;
    Ok(())
}

/// (id, name) of these customers, for labelling rows that refer to them (no scope: the caller
/// has already decided the rows are visible).
pub async fn names(c: &impl Conn, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    use sea_orm::QuerySelect;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Name)
        .filter(Column::Id.is_in(ids.to_vec()))
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(c)
        .await?)
}
