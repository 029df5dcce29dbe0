//! Queries on customers. Every read takes a [`Visible`] condition computed from the actor's data
//! scope, so a query can never forget it.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QueryOrder, Set,
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

/// Counting the customer list stops here: past it the list says "1000+" (`total_exact` false).
/// An exact count of a scope of a million rows costs more than the page itself.
pub const COUNT_CAP: u64 = 1000;

/// Queries shorter than this cannot use the trigram index (SQLite FTS5 `trigram`, PostgreSQL
/// `pg_trgm`): they walk the list's order instead and are not counted beyond the page.
pub const TRIGRAM_MIN_CHARS: usize = 3;

/// The substring condition on the folded search key, in the form each engine can index.
///
/// Every form is the same test — `q` occurs in `search_key` — so both engines return the same
/// rows; the trigram parts only narrow the candidates.
fn search_condition(backend: DbBackend, q: &str) -> Condition {
    let long = q.chars().count() >= TRIGRAM_MIN_CHARS;
    match backend {
        DbBackend::Postgres if long => {
            // `LIKE` is what the GIN `gin_trgm_ops` index serves.
            let pat = format!("%{}%", escape_like(q));
            Condition::all().add(Expr::col(Column::SearchKey).like(LikeExpr::new(pat).escape('\\')))
        }
        // `strpos`, unlike `LIKE`, is never planned as a (useless) full GIN scan.
        DbBackend::Postgres => Condition::all().add(Expr::cust_with_values(
            "strpos(\"customers\".\"search_key\", $1) > 0",
            [q.to_string()],
        )),
        _ => {
            let mut cond = Condition::all().add(Expr::cust_with_values(
                "instr(\"customers\".\"search_key\", ?) > 0",
                [q.to_string()],
            ));
            if long {
                cond = cond.add(Expr::cust_with_values(
                    "\"customers\".\"id\" IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?)",
                    [fts_query(q)],
                ));
            }
            cond
        }
    }
}

/// An FTS5 query that finds the rows holding every trigram of `q` (the table is `detail=none`,
/// which has no phrase queries; the `instr` test beside it checks the order).
fn fts_query(q: &str) -> String {
    let chars: Vec<char> = q.chars().collect();
    let mut grams: Vec<String> = chars
        .windows(3)
        .map(|w| {
            let g: String = w.iter().collect();
            format!("\"{}\"", g.replace('"', "\"\""))
        })
        .collect();
    grams.sort();
    grams.dedup();
    grams.join(" AND ")
}

/// Visible customers, most recently changed first.
///
/// The total is counted up to [`COUNT_CAP`]; a search shorter than [`TRIGRAM_MIN_CHARS`] is not
/// counted at all beyond the rows read for the page (it has no index to count with), so its
/// total is "this page and at least one more row" while pages are full.
pub async fn list(
    c: &impl Conn,
    visible: &Visible,
    f: &CustomerFilter,
    page: Page,
) -> Result<Paged<Customer>> {
    use sea_orm::QuerySelect;
    let mut cond = Condition::all().add(visible.condition());
    let q = f.q.as_deref().filter(|q| !q.is_empty());
    if let Some(q) = q {
        cond = cond.add(search_condition(c.get_database_backend(), q));
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
    let matching = Entity::find().filter(cond);
    let query = matching
        .clone()
        .order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::Id);
    if q.is_some_and(|q| q.chars().count() < TRIGRAM_MIN_CHARS) {
        let mut items = query
            .offset(page.offset())
            .limit(page.size + 1)
            .all(c)
            .await?;
        let more = items.len() as u64 > page.size;
        items.truncate(page.size as usize);
        let total = page.offset() + items.len() as u64 + u64::from(more);
        return Ok(Paged {
            items,
            total,
            total_exact: !more,
            page,
        });
    }
    // Counting needs no order: each engine counts along whichever index it likes.
    let counted = matching
        .select_only()
        .column(Column::Id)
        .limit(COUNT_CAP + 1)
        .into_tuple::<i64>()
        .all(c)
        .await?
        .len() as u64;
    let items = query.offset(page.offset()).limit(page.size).all(c).await?;
    Ok(Paged {
        items,
        total: Ord::min(counted, COUNT_CAP),
        total_exact: counted <= COUNT_CAP,
        page,
    })
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
