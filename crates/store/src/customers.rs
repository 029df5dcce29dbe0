//! Queries on customers. Every read takes a [`Visible`] condition computed from the actor's data
//! scope, so a query can never forget it.

use salesdesk_domain::customer::search_grams;
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
    /// `scope`, without the rows of these unfinished imports (m0016: an import writes in short
    /// transactions and its rows stay hidden until it is done). Built only when some import is
    /// unfinished, so that the usual condition reads the list's covering indexes alone.
    Hiding {
        scope: Box<Visible>,
        imports: Vec<i64>,
    },
}

impl Visible {
    /// The customers of this scope that are not archived (m0025): every customer read but the
    /// recycle bin's. `archived_at IS NULL` is also the condition of the list's partial covering
    /// indexes, so those stay usable.
    pub(crate) fn condition(&self) -> Condition {
        match self {
            Visible::Nothing => self.scope_condition(),
            _ => Condition::all()
                .add(Column::ArchivedAt.is_null())
                .add(self.scope_condition()),
        }
    }

    /// The scope's customers, archived or not.
    fn scope_condition(&self) -> Condition {
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
            Visible::Hiding { scope, imports } => {
                Condition::all().add(scope.scope_condition()).add(
                    Condition::any()
                        .add(Column::ImportId.is_null())
                        .add(Column::ImportId.is_not_in(imports.clone())),
                )
            }
        }
    }

    /// The rows of `table` — `deals` or `contracts`, which carry copies of their customer's
    /// scope (m0052: `cust_owner_id`, `cust_region_id`, `cust_archived`, kept by the database's
    /// triggers) — whose customer [`Visible::condition`] shows, tested on the row itself
    /// instead of through `customer_id IN (SELECT id FROM customers WHERE …)`, whose cost grows
    /// with the scope's customers (issue 13).
    ///
    /// `Hiding` tests its inner scope: the hidden rows are the customers of unfinished imports,
    /// and no import makes deals or contracts for them — the customers' import writes only
    /// customers (and their contacts), and the contracts' import finds its customers within the
    /// importer's `Visible`, which hides those same imports, as every other use case that adds a
    /// deal or contract does.
    pub(crate) fn copy_condition<T>(&self, table: T) -> Condition
    where
        T: sea_orm::sea_query::IntoIden + Clone,
    {
        use sea_orm::sea_query::Alias;
        let col = |name: &str| Expr::col((table.clone(), Alias::new(name)));
        match self {
            Visible::All => Condition::all(),
            Visible::Nothing => Condition::all().add(Expr::val(1).eq(0)),
            Visible::Hiding { scope, .. } => scope.copy_condition(table),
            Visible::Some { owners, regions } => {
                let mut any = Condition::any();
                if !owners.is_empty() {
                    any = any.add(col("cust_owner_id").is_in(owners.clone()));
                }
                if !regions.is_empty() {
                    any = any.add(col("cust_region_id").is_in(regions.clone()));
                }
                if owners.is_empty() && regions.is_empty() {
                    any = any.add(Expr::val(1).eq(0));
                }
                Condition::all().add(col("cust_archived").not()).add(any)
            }
        }
    }

    /// The data scope without the hidden imports.
    pub fn scope(&self) -> &Visible {
        match self {
            Visible::Hiding { scope, .. } => scope.scope(),
            v => v,
        }
    }

    /// This scope, hiding the rows of these unfinished imports (none: the scope itself).
    pub fn hiding(self, imports: Vec<i64>) -> Visible {
        if imports.is_empty() || self == Visible::Nothing {
            return self;
        }
        Visible::Hiding {
            scope: Box::new(self),
            imports,
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
    /// GB/T 2260 codes and the GB/T 4754 section (the text fields then hold their names).
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub industry_code: Option<String>,
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
        search_grams: Set(search_grams(&f.search_key)),
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
        province_code: Set(f.province_code),
        city_code: Set(f.city_code),
        industry_code: Set(f.industry_code),
        region_id: Set(f.region_id),
        owner_id: Set(f.owner_id),
        type_code: Set(f.type_code),
        source_code: Set(f.source_code),
        size_code: Set(f.size_code),
        updated_at: Set(now()),
        ..Default::default()
    }
}

/// A new customer's row: its fields, one status, created (and updated) at `t`, never contacted,
/// not in the pool, not archived. The one place both a single create and an import build it.
pub(crate) fn new_row(
    f: CustomerFields,
    status: &str,
    created_by: Option<i64>,
    t: chrono::DateTime<chrono::Utc>,
) -> ActiveModel {
    let mut m = with_fields(f);
    m.status = Set(status.to_string());
    m.status_changed_at = Set(t);
    m.last_contact_at = Set(None);
    m.next_contact_on = Set(None);
    m.pool_since = Set(None);
    m.created_by = Set(created_by);
    m.created_at = Set(t);
    m.updated_at = Set(t);
    m.version = Set(1);
    m.duplicate_of = Set(None);
    m.archived_at = Set(None);
    m.archived_by = Set(None);
    m.archive_reason = Set(None);
    m
}

pub async fn insert(
    c: &impl Conn,
    f: CustomerFields,
    status: &str,
    created_by: Option<i64>,
) -> Result<Customer> {
    Ok(new_row(f, status, created_by, now()).insert(c).await?)
}

/// Customers per multi-row INSERT (about 30 bound values each).
const INSERT_BATCH: usize = 500;

/// Inserts new customers with one status in multi-row statements (the batch create, an
/// import's chunk: then marked with `import_id`, hidden until it is done); returns them in the
/// order given. Their name keys must differ from one another (each new id is matched to its row
/// by it), as the duplicate-key index requires anyway.
pub async fn insert_many(
    c: &impl Conn,
    rows: Vec<CustomerFields>,
    status: &str,
    created_by: Option<i64>,
    import_id: Option<i64>,
) -> Result<Vec<Customer>> {
    use sea_orm::sea_query::Query;
    use sea_orm::{QueryTrait, TryIntoModel};
    let t = now();
    let mut out = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<ActiveModel> = rows
            .by_ref()
            .take(INSERT_BATCH)
            .map(|f| {
                let mut m = new_row(f, status, created_by, t);
                m.import_id = Set(import_id);
                m
            })
            .collect();
        // Only each new id comes back, with the row's name key to match it by. Returning whole
        // rows made the database send, and the driver decode, every column of every row just
        // written.
        let mut insert = Entity::insert_many(batch.clone()).into_query();
        insert.returning(Query::returning().columns([Column::Id, Column::NameKey]));
        let mut ids: std::collections::HashMap<String, i64> =
            std::collections::HashMap::with_capacity(batch.len());
        for row in c.query_all(&insert).await? {
            ids.insert(row.try_get("", "name_key")?, row.try_get("", "id")?);
        }
        for mut m in batch {
            let key = m.name_key.clone().take().unwrap_or_default();
            let id = ids.get(&key).copied().ok_or_else(|| {
                sea_orm::DbErr::Custom(format!("no id came back for the new customer {key:?}"))
            })?;
            m.id = Set(id);
            out.push(m.try_into_model()?);
        }
    }
    Ok(out)
}

/// Writes a customer's fields and bumps its version — only if the version is still `expected`
/// when given (a conditional update, so two writers that read one version cannot both win).
/// `None`: the customer is gone or its version moved on. Saving clears the duplicate mark of
/// m0014: the record then answers to the duplicate-key index like any other.
pub async fn update(
    c: &impl Conn,
    id: i64,
    f: CustomerFields,
    expected: Option<i32>,
) -> Result<Option<Customer>> {
    let mut q = Entity::update_many()
        .set(with_fields(f))
        .col_expr(Column::DuplicateOf, Expr::value(Option::<i64>::None))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id));
    if let Some(v) = expected {
        q = q.filter(Column::Version.eq(v));
    }
    if q.exec(c).await?.rows_affected == 0 {
        return Ok(None);
    }
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Locks a customer's row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite has one
/// writer at a time anyway), so that the writes of one use case about this customer — its
/// contacts' primary mark, a status request, a merge — run one after the other.
pub async fn lock(c: &impl Conn, id: i64) -> Result<()> {
    crate::lock_row::<Entity>(c, id).await
}

/// One customer, if visible.
pub async fn get(c: &impl Conn, id: i64, visible: &Visible) -> Result<Option<Customer>> {
    Ok(Entity::find_by_id(id)
        .filter(visible.condition())
        .one(c)
        .await?)
}

/// One customer of the scope, archived or not (restore, and the page that offers it).
pub async fn get_any(c: &impl Conn, id: i64, visible: &Visible) -> Result<Option<Customer>> {
    Ok(Entity::find_by_id(id)
        .filter(visible.scope_condition())
        .one(c)
        .await?)
}

/// Archives a customer — only if it is not archived yet and has no pending status request (a
/// conditional update: of two archives at once one wins, and a request made meanwhile, which
/// locks the row first, either lands before and refuses this or finds the customer gone).
/// Returns whether it was archived. The list's order (`updated_at`) is left alone, so a restored
/// customer comes back where it was.
pub async fn archive(
    c: &impl Conn,
    id: i64,
    by: Option<i64>,
    reason: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    use crate::entity::status_requests as sr;
    use sea_orm::sea_query::Query;
    let pending = Query::select()
        .expr(Expr::val(1))
        .from(sr::Entity)
        .and_where(Expr::col((sr::Entity, sr::Column::CustomerId)).equals((Entity, Column::Id)))
        .and_where(Expr::col((sr::Entity, sr::Column::State)).eq("pending"))
        .to_owned();
    let r = Entity::update_many()
        .col_expr(Column::ArchivedAt, Expr::value(at))
        .col_expr(Column::ArchivedBy, Expr::value(by))
        .col_expr(Column::ArchiveReason, Expr::value(reason))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::ArchivedAt.is_null())
        .filter(Condition::all().add(Expr::exists(pending)).not())
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Brings an archived customer back — only if it is still archived. Returns whether it was.
pub async fn restore(c: &impl Conn, id: i64) -> Result<bool> {
    let none = Option::<chrono::DateTime<chrono::Utc>>::None;
    let r = Entity::update_many()
        .col_expr(Column::ArchivedAt, Expr::value(none))
        .col_expr(Column::ArchivedBy, Expr::value(Option::<i64>::None))
        .col_expr(Column::ArchiveReason, Expr::value(Option::<String>::None))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::ArchivedAt.is_not_null())
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The archived customers of a scope, most recently archived first (the recycle bin), read
/// through `ix_customers_archived`.
pub async fn archived(c: &impl Conn, visible: &Visible, page: Page) -> Result<Paged<Customer>> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let q = Entity::find()
        .filter(visible.scope_condition())
        .filter(Column::ArchivedAt.is_not_null());
    let total = q.clone().count(c).await?;
    let items = q
        .order_by_desc(Column::ArchivedAt)
        .order_by_desc(Column::Id)
        .offset(page.offset())
        .limit(page.size)
        .all(c)
        .await?;
    Ok(Paged {
        items,
        total,
        total_exact: true,
        page,
    })
}

/// Up to `limit` customers archived before `cutoff`, oldest first: the purge's candidates.
pub async fn archived_before(
    c: &impl Conn,
    cutoff: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<Customer>> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .filter(Column::ArchivedAt.is_not_null())
        .filter(Column::ArchivedAt.lt(cutoff))
        .order_by_asc(Column::ArchivedAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}

/// Deletes an archived customer for good, with everything hung on it — only if it is still
/// archived since before `cutoff`. The first statement is a conditional update that takes the
/// row (on PostgreSQL a second process purging or a manager restoring waits for it, then finds
/// nothing to do). Returns whether this call deleted it.
pub async fn purge(c: &impl Conn, id: i64, cutoff: chrono::DateTime<chrono::Utc>) -> Result<bool> {
    let taken = Entity::update_many()
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::ArchivedAt.is_not_null())
        .filter(Column::ArchivedAt.lt(cutoff))
        .exec(c)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(false);
    }
    Ok(delete_with_children(c, vec![id]).await? == 1)
}

/// Deletes these customers and every row that points at them: owner history, contact records
/// (their contact links first), contacts, status requests — for a failed import's hidden rows
/// (`imports::remove_rows`) and a purged archived customer ([`purge`]). Audit rows stay: they
/// are the history. Returns how many customers went.
pub(crate) async fn delete_with_children(c: &impl Conn, ids: Vec<i64>) -> Result<u64> {
    use crate::entity::{
        contact_record_contacts, contact_records, contacts, owner_history, status_requests,
    };
    if ids.is_empty() {
        return Ok(0);
    }
    owner_history::Entity::delete_many()
        .filter(owner_history::Column::CustomerId.is_in(ids.clone()))
        .exec(c)
        .await?;
    let records = sea_orm::sea_query::Query::select()
        .column(contact_records::Column::Id)
        .from(contact_records::Entity)
        .and_where(contact_records::Column::CustomerId.is_in(ids.clone()))
        .to_owned();
    contact_record_contacts::Entity::delete_many()
        .filter(contact_record_contacts::Column::RecordId.in_subquery(records))
        .exec(c)
        .await?;
    contact_records::Entity::delete_many()
        .filter(contact_records::Column::CustomerId.is_in(ids.clone()))
        .exec(c)
        .await?;
    contacts::Entity::delete_many()
        .filter(contacts::Column::CustomerId.is_in(ids.clone()))
        .exec(c)
        .await?;
    status_requests::Entity::delete_many()
        .filter(status_requests::Column::CustomerId.is_in(ids.clone()))
        .exec(c)
        .await?;
    Ok(Entity::delete_many()
        .filter(Column::Id.is_in(ids))
        .exec(c)
        .await?
        .rows_affected)
}

/// An existing customer with this duplicate key or USCC, other than `except`, whatever the
/// scope (a duplicate must be caught even when its owner is someone else).
pub async fn find_duplicate(
    c: &impl Conn,
    name_key: &str,
    uscc: Option<&str>,
    except: Option<i64>,
) -> Result<Option<Customer>> {
    // A record m0014 marked as a duplicate of an older one does not count: the older one does.
    let mut any = Condition::any().add(
        Condition::all()
            .add(Column::NameKey.eq(name_key))
            .add(Column::DuplicateOf.is_null()),
    );
    if let Some(u) = uscc {
        any = any.add(Column::Uscc.eq(u));
    }
    let mut q = Entity::find().filter(any);
    if let Some(id) = except {
        q = q.filter(Column::Id.ne(id));
    }
    Ok(q.order_by_asc(Column::Id).one(c).await?)
}

/// The customers that hold one of these duplicate keys or USCCs, by the rules of
/// [`find_duplicate`] (a record m0014 marked as another's duplicate does not hold its key):
/// `(name_key, uscc, owner_id)` each, whatever the scope. Asked in chunks (the batch create).
pub async fn duplicates_of(
    c: &impl Conn,
    name_keys: &[String],
    usccs: &[String],
) -> Result<Vec<(String, Option<String>, Option<i64>)>> {
    use sea_orm::QuerySelect;
    let mut out = Vec::new();
    for chunk in name_keys.chunks(INSERT_BATCH) {
        let rows: Vec<(String, Option<String>, Option<i64>)> = Entity::find()
            .select_only()
            .columns([Column::NameKey, Column::Uscc, Column::OwnerId])
            .filter(Column::NameKey.is_in(chunk.to_vec()))
            .filter(Column::DuplicateOf.is_null())
            .into_tuple()
            .all(c)
            .await?;
        out.extend(rows);
    }
    for chunk in usccs.chunks(INSERT_BATCH) {
        let rows: Vec<(String, Option<String>, Option<i64>)> = Entity::find()
            .select_only()
            .columns([Column::NameKey, Column::Uscc, Column::OwnerId])
            .filter(Column::Uscc.is_in(chunk.to_vec()))
            .into_tuple()
            .all(c)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Filter of the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Substring of the (folded) name or short name.
    pub q: Option<String>,
    pub status: Option<String>,
    pub region_ids: Option<Vec<i64>>,
    pub owner_id: Option<i64>,
    pub type_code: Option<String>,
    pub source_code: Option<String>,
    pub size_code: Option<String>,
    pub industry: Option<String>,
    pub province: Option<String>,
    /// Records lacking at least one of these (required) items.
    pub incomplete: Option<Vec<Missing>>,
    /// No contact recorded since this time (never contacted included).
    pub no_contact_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Contacted at or after this time.
    pub contacted_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only customers sitting in the public pool (true) or only owned ones (false).
    pub in_pool: Option<bool>,
    /// Regular review (定期整理): per status, the cutoff before which an unchanged status or a
    /// missing contact makes the customer due. Statuses not listed are never due.
    pub review: Option<Vec<(String, chrono::DateTime<chrono::Utc>)>>,
    /// Created at or after this time.
    pub created_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Next contact planned before this day (overdue follow-ups).
    pub next_contact_before: Option<chrono::NaiveDate>,
    /// Next contact planned on this day.
    pub next_contact_on: Option<chrono::NaiveDate>,
    /// Only customers without an owner.
    pub unowned: bool,
    /// Only customers with a pending status request made by this person.
    pub pending_request_by: Option<i64>,
    pub sort: Sort,
    pub descending: bool,
}

/// A required item as the storage layer sees it: an empty column, or no contact person.
#[derive(Debug, Clone, Copy)]
pub enum Missing {
    Column(Column),
    Contact,
}

/// The orders the customer list offers. Every order ends with the id, so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Updated,
    Name,
    Created,
    LastContact,
    NextContact,
    StatusChanged,
}

impl CustomerFilter {
    /// The filter's conditions other than scope and search text.
    fn conditions(&self) -> Condition {
        use sea_orm::sea_query::Query;
        let mut cond = Condition::all();
        if let Some(s) = &self.status {
            // A literal, not a bound value: planned once per status (see `code_literal`).
            cond = cond.add(Expr::col((Entity, Column::Status)).eq(crate::code_literal(s)));
        }
        if let Some(r) = &self.region_ids {
            cond = cond.add(Column::RegionId.is_in(r.clone()));
        }
        if let Some(o) = self.owner_id {
            cond = cond.add(Column::OwnerId.eq(o));
        }
        for (col, v) in [
            (Column::TypeCode, &self.type_code),
            (Column::SourceCode, &self.source_code),
            (Column::SizeCode, &self.size_code),
            (Column::Industry, &self.industry),
            (Column::Province, &self.province),
        ] {
            if let Some(v) = v {
                cond = cond.add(col.eq(v.clone()));
            }
        }
        if let Some(items) = &self.incomplete {
            let mut any = Condition::any();
            for m in items {
                any = any.add(match m {
                    Missing::Column(c) => Condition::all().add(c.is_null()),
                    Missing::Contact => Condition::all()
                        .add(Expr::exists(
                            Query::select()
                                .expr(Expr::val(1))
                                .from(crate::entity::contacts::Entity)
                                .and_where(
                                    Expr::col((
                                        crate::entity::contacts::Entity,
                                        crate::entity::contacts::Column::CustomerId,
                                    ))
                                    .equals((Entity, Column::Id)),
                                )
                                .and_where(
                                    Expr::col((
                                        crate::entity::contacts::Entity,
                                        crate::entity::contacts::Column::RemovedAt,
                                    ))
                                    .is_null(),
                                )
                                .to_owned(),
                        ))
                        .not(),
                });
            }
            if items.is_empty() {
                any = any.add(Expr::val(1).eq(0));
            }
            cond = cond.add(any);
        }
        if let Some(t) = self.no_contact_since {
            cond = cond.add(
                Condition::any()
                    .add(Column::LastContactAt.is_null())
                    .add(Column::LastContactAt.lt(t)),
            );
        }
        if let Some(t) = self.contacted_since {
            cond = cond.add(Column::LastContactAt.gte(t));
        }
        if let Some(rules) = &self.review {
            let mut any = Condition::any();
            for (status, cutoff) in rules {
                // Not contacted since the cutoff: the last contact is older, or there was none
                // and the customer itself is older.
                let idle = Condition::any().add(Column::LastContactAt.lt(*cutoff)).add(
                    Condition::all()
                        .add(Column::LastContactAt.is_null())
                        .add(Column::CreatedAt.lt(*cutoff)),
                );
                any = any.add(
                    Condition::all().add(Column::Status.eq(status.clone())).add(
                        Condition::any()
                            .add(Column::StatusChangedAt.lt(*cutoff))
                            .add(idle),
                    ),
                );
            }
            if rules.is_empty() {
                any = any.add(Expr::val(1).eq(0));
            }
            cond = cond.add(any);
        }
        if let Some(t) = self.created_since {
            cond = cond.add(Column::CreatedAt.gte(t));
        }
        if let Some(d) = self.next_contact_before {
            cond = cond.add(Column::NextContactOn.lt(d));
        }
        if let Some(d) = self.next_contact_on {
            cond = cond.add(Column::NextContactOn.eq(d));
        }
        if self.unowned {
            cond = cond.add(Column::OwnerId.is_null());
        }
        if let Some(by) = self.pending_request_by {
            use crate::entity::status_requests as sr;
            cond = cond.add(
                Column::Id.in_subquery(
                    Query::select()
                        .column(sr::Column::CustomerId)
                        .from(sr::Entity)
                        .and_where(sr::Column::State.eq("pending"))
                        .and_where(sr::Column::RequestedBy.eq(by))
                        .to_owned(),
                ),
            );
        }
        match self.in_pool {
            Some(true) => cond = cond.add(Column::PoolSince.is_not_null()),
            Some(false) => cond = cond.add(Column::PoolSince.is_null()),
            None => {}
        }
        cond
    }

    fn order(&self, q: sea_orm::Select<Entity>) -> sea_orm::Select<Entity> {
        self.order_by(q, Expr::col((Entity, self.column())))
    }

    /// Orders by `key` in the filter's direction, NULLs where [`Self::nulls`] puts them, then by
    /// id.
    fn order_by(
        &self,
        q: sea_orm::Select<Entity>,
        key: sea_orm::sea_query::SimpleExpr,
    ) -> sea_orm::Select<Entity> {
        use sea_orm::Order;
        let dir = if self.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        match self.nulls() {
            Some(n) => q.order_by_with_nulls(key, dir.clone(), n),
            None => q.order_by(key, dir.clone()),
        }
        .order_by(Column::Id, dir)
    }

    /// Where customers without a value go, the same on both engines (PostgreSQL puts NULL last
    /// in ascending order, SQLite first): never contacted counts as longest ago, so first when
    /// the oldest contact comes first and last when the newest does; no next contact planned
    /// always comes after those planned. m0013 gives PostgreSQL the index for the first.
    fn nulls(&self) -> Option<sea_orm::sea_query::NullOrdering> {
        use sea_orm::sea_query::NullOrdering::{First, Last};
        match self.sort {
            Sort::LastContact if self.descending => Some(Last),
            Sort::LastContact => Some(First),
            Sort::NextContact => Some(Last),
            _ => None,
        }
    }

    /// The same order written as an expression no index provides (`COALESCE(c, c)` is `c`, NULLs
    /// included), so the engine fetches the matching rows first and sorts them, instead of walking
    /// an index in the list's order and filtering: the better plan when the matches are few.
    fn order_unindexed(&self, q: sea_orm::Select<Entity>) -> sea_orm::Select<Entity> {
        use sea_orm::IdenStatic;
        let col = self.column().as_str();
        let key = Expr::cust(format!(
            "COALESCE(\"customers\".\"{col}\", \"customers\".\"{col}\")"
        ));
        self.order_by(q, key)
    }

    fn column(&self) -> Column {
        match self.sort {
            Sort::Updated => Column::UpdatedAt,
            Sort::Name => Column::Name,
            Sort::Created => Column::CreatedAt,
            Sort::LastContact => Column::LastContactAt,
            Sort::NextContact => Column::NextContactOn,
            Sort::StatusChanged => Column::StatusChangedAt,
        }
    }
}

/// Counting the customer list stops here: past it the list says "1000+" (`total_exact` false).
/// An exact count of a scope of a million rows costs more than the page itself.
pub const COUNT_CAP: u64 = 1000;

/// Queries shorter than this cannot use the trigram index (SQLite FTS5 `trigram`, PostgreSQL
/// `pg_trgm`); the gram index of m0009 serves them (or, for digits, walking the list's order).
pub const TRIGRAM_MIN_CHARS: usize = salesdesk_domain::customer::GRAM_MAX_CHARS + 1;

/// How many rows of the scope, in the list's order, a one- or two-letter query held by more than
/// [`COUNT_CAP`] of the scope's customers looks through for its page: a query that common (over
/// about 2 % of the scope) fills a page from them; otherwise the page is sorted from the gram
/// index's matches.
pub const SHORT_WALK_ROWS: u64 = 3_000;

/// Scope tokens asked of the gram index at most: past this many owners and regions the index is
/// asked for the gram alone, and the scope is tested on the rows (as it always is anyway).
const MAX_SCOPE_TOKENS: usize = 200;

/// The scope tokens of m0010 (`r<region>`, `o<owner>`) a visible customer carries one of, or
/// none when the scope is everything (or too wide to be worth asking).
fn scope_tokens(visible: &Visible) -> Vec<String> {
    match visible.scope() {
        Visible::Some { owners, regions } if owners.len() + regions.len() <= MAX_SCOPE_TOKENS => {
            let mut v: Vec<String> = regions.iter().map(|r| format!("r{r}")).collect();
            v.extend(owners.iter().map(|o| format!("o{o}")));
            v
        }
        _ => Vec::new(),
    }
}

/// Customers whose search text holds the gram query `q` (m0009) and, when the actor sees only
/// part of the customers, who carry one of the scope's tokens (m0010): the index then answers
/// "华为 among this regional manager's customers" by itself.
fn gram_condition(backend: DbBackend, q: &str, visible: &Visible) -> Condition {
    let tokens = scope_tokens(visible);
    match backend {
        DbBackend::Postgres => {
            use crate::migration::m0010_scoped_grams::SCOPED_GRAMS_PG as GRAMS;
            // Not `ARRAY[$1]`: sea-query reads `[…]` as a quoted name and would not number the
            // placeholder inside it.
            let mut cond = Condition::all().add(Expr::cust_with_values(
                format!("{GRAMS} @> string_to_array($1, ' ')"),
                [q.to_string()],
            ));
            if !tokens.is_empty() {
                cond = cond.add(Expr::cust_with_values(
                    format!("{GRAMS} && string_to_array($1, ' ')"),
                    [tokens.join(" ")],
                ));
            }
            cond
        }
        // A gram has no quote nor space (`is_gram_query`), so quoting makes it one token.
        _ => {
            let mut m = format!("\"{q}\"");
            if !tokens.is_empty() {
                m = format!("{m} AND ({})", tokens.join(" OR "));
            }
            Condition::all().add(Expr::cust_with_values(
                "\"customers\".\"id\" IN \
                 (SELECT rowid FROM customers_grams WHERE customers_grams MATCH ?)",
                [m],
            ))
        }
    }
}

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

/// Visible customers matching the filter, in its order.
///
/// The total is counted up to [`COUNT_CAP`]. A search shorter than [`TRIGRAM_MIN_CHARS`] that the
/// gram index cannot serve (digits, signs) walks the list's order and is not counted beyond the
/// rows read for the page, so its total is "this page and at least one more row" while pages are
/// full.
pub async fn list(
    c: &impl Conn,
    visible: &Visible,
    f: &CustomerFilter,
    page: Page,
) -> Result<Paged<Customer>> {
    Ok(list_known(c, visible, f, page, None).await?.0)
}

/// As [`list`], given the capped count of the same rows when the caller knows it (a count
/// cached a moment ago, `app::customers::list`), which then is not asked for again. Returns
/// the count it asked the database for, if it did — only a list without a search counts this
/// way.
pub async fn list_known(
    c: &impl Conn,
    visible: &Visible,
    f: &CustomerFilter,
    page: Page,
    known: Option<u64>,
) -> Result<(Paged<Customer>, Option<u64>)> {
    use sea_orm::{QuerySelect, QueryTrait};
    let backend = c.get_database_backend();
    let q = f.q.as_deref().filter(|q| !q.is_empty());
    let matching = Entity::find().filter(filter_condition(backend, visible, f));
    let short = q.filter(|q| q.chars().count() < TRIGRAM_MIN_CHARS);
    let Some(q) = short else {
        let items = listed(f.order(matching.clone()), page.offset(), page.size)
            .all(c)
            .await?;
        let (counted, fresh) = match (count_of_short_page(page, items.len()), known) {
            (Some(n), _) => (n, None),
            (None, Some(n)) => (n, None),
            (None, None) => {
                let n = capped_count(c, matching).await?;
                (n, Some(n))
            }
        };
        return Ok((capped_page(items, counted, page), fresh));
    };
    // A short query that is not a gram query (digits, signs) walks the list's order testing
    // the substring.
    if !salesdesk_domain::customer::is_gram_query(q) {
        let mut items = listed(f.order(matching), page.offset(), page.size + 1)
            .all(c)
            .await?;
        let more = items.len() as u64 > page.size;
        items.truncate(page.size as usize);
        let total = page.offset() + items.len() as u64 + u64::from(more);
        return Ok((
            Paged {
                items,
                total,
                total_exact: !more,
                page,
            },
            None,
        ));
    }
    // A gram query asks the gram index first, once: up to the cap (nearly every name fragment:
    // "华为" is 1 customer in 1000), the matching ids are the count, and the page is sorted from
    // them by primary key. Walking the list's order instead reads the whole scope for a rare
    // fragment (and PostgreSQL planned it as a scan of the table: 85 ms at 50k customers).
    let with_grams = matching.filter(gram_condition(backend, q, visible));
    let ids = capped_ids(c, with_grams.clone()).await?;
    let counted = ids.len() as u64;
    if counted <= COUNT_CAP {
        let by_ids = Entity::find().filter(Column::Id.is_in(ids));
        let items = listed(f.order_unindexed(by_ids), page.offset(), page.size)
            .all(c)
            .await?;
        return Ok((capped_page(items, counted, page), None));
    }
    // Common in the scope: the first `SHORT_WALK_ROWS` rows of the scope in the list's order
    // hold a page of it (the matches among a prefix of the order are a prefix of all matches).
    let prefix = f
        .order(
            Entity::find().select_only().column(Column::Id).filter(
                Condition::all()
                    .add(visible.condition())
                    .add(f.conditions()),
            ),
        )
        .limit(SHORT_WALK_ROWS)
        .into_query();
    let in_prefix = match backend {
        // An array of the prefix's ids: read by primary key, never joined with a scan of the
        // table (which the planner picks for `IN (subquery)`, misjudging the substring test).
        DbBackend::Postgres => Expr::cust_with_expr(
            "\"customers\".\"id\" = ANY(ARRAY($1))",
            Expr::SubQuery(None, Box::new(prefix.into())),
        ),
        _ => Column::Id.in_subquery(prefix),
    };
    let walk = Entity::find()
        .filter(search_condition(backend, q))
        .filter(in_prefix);
    let items = listed(f.order(walk), page.offset(), page.size)
        .all(c)
        .await?;
    if items.len() as u64 == page.size {
        return Ok((capped_page(items, counted, page), None));
    }
    // The prefix did not fill this page: sorted from all the gram index's matches.
    let items = listed(f.order_unindexed(with_grams), page.offset(), page.size)
        .all(c)
        .await?;
    Ok((capped_page(items, counted, page), None))
}

/// The ids of the matching rows, up to one past [`COUNT_CAP`]: their number is the capped
/// count. No order: each engine reads along whichever index it likes.
async fn capped_ids(c: &impl Conn, matching: sea_orm::Select<Entity>) -> Result<Vec<i64>> {
    use sea_orm::{QuerySelect, QueryTrait};
    let q = matching.select_only().column(Column::Id).into_query();
    let mut st = c.get_database_backend().build(&q);
    // The cap is written into the statement, not bound. Bound, PostgreSQL's plan cache turned
    // the prepared search into its generic plan once the statistics changed, and that plan,
    // not knowing the limit, costs it at a tenth of the matches: a scan of the customers that
    // stops early looked cheaper than the gram index — 62 ms instead of 2.9 at 50k customers
    // for a two-character search (issue 11; BENCHMARKS.md, session 19).
    st.sql = format!("{} LIMIT {}", st.sql, COUNT_CAP + 1);
    let rows = c.query_all_raw(st).await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<std::result::Result<_, _>>()?)
}

fn capped_page(items: Vec<Customer>, counted: u64, page: Page) -> Paged<Customer> {
    Paged {
        items,
        total: Ord::min(counted, COUNT_CAP),
        total_exact: counted <= COUNT_CAP,
        page,
    }
}

/// The rows of a listed page without their search columns (`search_key`, `search_grams`: only
/// the WHERE reads them, and they are two thirds of a row's bytes), which come back empty.
/// `offset` and `limit` go into the SQL as numbers, not bound: SQLite plans a bound LIMIT by its
/// value, and then parses and plans the statement again each time it is bound (10 % of the
/// list's CPU under 8 clients, issue 11; see `code_literal`).
fn listed(q: sea_orm::Select<Entity>, offset: u64, limit: u64) -> Listed {
    use sea_orm::QuerySelect;
    Listed {
        select: q.select_only().columns(LISTED),
        offset,
        limit,
    }
}

/// The columns of a listed row, in the order [`decode_listed`] reads them.
const LISTED: [Column; 35] = [
    Column::Id,
    Column::Name,
    Column::NameKey,
    Column::ShortName,
    Column::Uscc,
    Column::Website,
    Column::Email,
    Column::Phone,
    Column::Province,
    Column::City,
    Column::Address,
    Column::Industry,
    Column::Background,
    Column::ProvinceCode,
    Column::CityCode,
    Column::IndustryCode,
    Column::RegionId,
    Column::OwnerId,
    Column::Status,
    Column::StatusChangedAt,
    Column::LastContactAt,
    Column::CreatedBy,
    Column::TypeCode,
    Column::SourceCode,
    Column::SizeCode,
    Column::NextContactOn,
    Column::PoolSince,
    Column::CreatedAt,
    Column::UpdatedAt,
    Column::Version,
    Column::DuplicateOf,
    Column::ImportId,
    Column::ArchivedAt,
    Column::ArchivedBy,
    Column::ArchiveReason,
];

/// A listed page's query, run by [`Listed::all`].
struct Listed {
    select: sea_orm::Select<Entity>,
    offset: u64,
    limit: u64,
}

impl Listed {
    /// The rows, decoded by position straight from the driver's rows. sea-orm's model building
    /// (by column name, through `format!` of a prefixed name and a formatted error for every
    /// NULL) was 18 % of the customer list's CPU under 8 clients (issue 11's profile).
    async fn all(self, c: &impl Conn) -> Result<Vec<Customer>> {
        use sea_orm::{FromQueryResult, QueryTrait};
        let mut stmt = self.select.build(c.get_database_backend());
        stmt.sql = format!("{} LIMIT {} OFFSET {}", stmt.sql, self.limit, self.offset);
        let rows = c.query_all_raw(stmt).await?;
        rows.iter()
            .map(|r| {
                let decoded = if let Some(row) = r.try_as_sqlite_row() {
                    decode_listed(row)
                } else if let Some(row) = r.try_as_pg_row() {
                    decode_listed(row)
                } else {
                    // Any other connection kind (none in salesdesk): sea-orm's own way.
                    return Ok(Customer::from_query_result(r, "")?);
                };
                decoded.map_err(|e| {
                    crate::StoreError::Db(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(
                        std::sync::Arc::new(e),
                    )))
                })
            })
            .collect()
    }
}

/// One listed row (columns as in [`LISTED`]), its search columns empty. Every field of the model
/// is named (a new column is a compile error here); the test `a_listed_row_is_the_stored_row`
/// checks the positions.
fn decode_listed<'r, R>(r: &'r R) -> std::result::Result<Customer, sea_orm::sqlx::Error>
where
    R: sea_orm::sqlx::Row,
    usize: sea_orm::sqlx::ColumnIndex<R>,
    i64: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
    i32: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
    String: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
    chrono::DateTime<chrono::Utc>:
        sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
    chrono::NaiveDate: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
{
    Ok(Customer {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        name_key: r.try_get(2)?,
        search_key: String::new(),
        search_grams: String::new(),
        short_name: r.try_get(3)?,
        uscc: r.try_get(4)?,
        website: r.try_get(5)?,
        email: r.try_get(6)?,
        phone: r.try_get(7)?,
        province: r.try_get(8)?,
        city: r.try_get(9)?,
        address: r.try_get(10)?,
        industry: r.try_get(11)?,
        background: r.try_get(12)?,
        province_code: r.try_get(13)?,
        city_code: r.try_get(14)?,
        industry_code: r.try_get(15)?,
        region_id: r.try_get(16)?,
        owner_id: r.try_get(17)?,
        status: r.try_get(18)?,
        status_changed_at: r.try_get(19)?,
        last_contact_at: r.try_get(20)?,
        created_by: r.try_get(21)?,
        type_code: r.try_get(22)?,
        source_code: r.try_get(23)?,
        size_code: r.try_get(24)?,
        next_contact_on: r.try_get(25)?,
        pool_since: r.try_get(26)?,
        created_at: r.try_get(27)?,
        updated_at: r.try_get(28)?,
        version: r.try_get(29)?,
        duplicate_of: r.try_get(30)?,
        import_id: r.try_get(31)?,
        archived_at: r.try_get(32)?,
        archived_by: r.try_get(33)?,
        archive_reason: r.try_get(34)?,
    })
}

/// The total a page already tells, with no count: a page that is not full is the last one, so
/// the rows before it and its own are all there are (page 1 with 12 rows: 12). `None` for a
/// full page, and for an empty page past the first (how many pages there are is not known).
fn count_of_short_page(page: Page, rows: usize) -> Option<u64> {
    let rows = rows as u64;
    (rows < page.size && (rows > 0 || page.number == 1)).then(|| page.offset() + rows)
}

/// The number of matching rows, up to one past [`COUNT_CAP`], counted by the database: one
/// row comes back, not the ids.
async fn capped_count(c: &impl Conn, matching: sea_orm::Select<Entity>) -> Result<u64> {
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm::{QuerySelect, QueryTrait};
    let capped = matching
        .select_only()
        .column(Column::Id)
        .limit(COUNT_CAP + 1)
        .into_query();
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(capped, Alias::new("capped"))
        .to_owned();
    let row = c.query_one(&q).await?;
    let n: i64 = match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(n as u64)
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
        .filter(filter_condition(c.get_database_backend(), visible, f))
        .filter(Column::Id.gt(after))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}

/// The condition of the scope, the search and the list filter: shared by the list and the
/// export.
fn filter_condition(backend: DbBackend, visible: &Visible, f: &CustomerFilter) -> Condition {
    let mut cond = Condition::all().add(visible.condition());
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        cond = cond.add(search_condition(backend, q));
    }
    cond.add(f.conditions())
}

/// Sets a customer's status after an approved request — only if it still has the status the
/// request was made from (a conditional update). Returns whether it changed.
pub async fn set_status(
    c: &impl Conn,
    id: i64,
    from: &str,
    to: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::Status, Expr::value(to))
        .col_expr(Column::StatusChangedAt, Expr::value(at))
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(from))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Replaces the folded search text (after the customer's contacts changed).
pub async fn set_search_key(c: &impl Conn, id: i64, key: &str) -> Result<()> {
    ActiveModel {
        id: Set(id),
        search_key: Set(key.to_string()),
        search_grams: Set(search_grams(key)),
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

/// Gives a customer to another owner (or none), leaving the pool if it was there.
pub async fn set_owner(c: &impl Conn, id: i64, owner: Option<i64>) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::OwnerId, Expr::value(owner))
        .col_expr(
            Column::PoolSince,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// Puts a customer in its region's public pool (no owner) — if it still has `owner`, so that two
/// processes sweeping at once move it once. Returns whether it moved.
pub async fn to_pool(
    c: &impl Conn,
    id: i64,
    owner: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::OwnerId, Expr::value(Option::<i64>::None))
        .col_expr(Column::PoolSince, Expr::value(at))
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::OwnerId.eq(owner))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Takes a customer out of the pool for `owner` — if it is still in the pool (first claim wins).
pub async fn claim(
    c: &impl Conn,
    id: i64,
    owner: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::OwnerId, Expr::value(owner))
        .col_expr(
            Column::PoolSince,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::PoolSince.is_not_null())
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Owned, open (not signed, not invalid), not archived customers nobody has contacted since
/// `cutoff` (nor were they created after it): the ones the pool takes back. At most `limit`, oldest first.
pub async fn idle_owned(
    c: &impl Conn,
    cutoff: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<Customer>> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .filter(Column::OwnerId.is_not_null())
        .filter(Column::ArchivedAt.is_null())
        .filter(Column::Status.is_in(["lead", "basic", "potential"]))
        .filter(
            Condition::any().add(Column::LastContactAt.lt(cutoff)).add(
                Condition::all()
                    .add(Column::LastContactAt.is_null())
                    .add(Column::CreatedAt.lt(cutoff)),
            ),
        )
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}

/// Points the rows of `E` whose `col` is `from` at `to` (a merge moving a customer's rows).
async fn repoint<E: EntityTrait>(c: &impl Conn, col: E::Column, from: i64, to: i64) -> Result<()> {
    E::update_many()
        .col_expr(col, Expr::value(to))
        .filter(col.eq(from))
        .exec(c)
        .await?;
    Ok(())
}

/// Moves everything that belongs to customer `dup` — contacts, contact records, status
/// requests, deals, contracts, trial applications, expense claims, owner history but its
/// creation line — to `keep`, then deletes `dup`. The moved contacts lose their
/// primary mark when `keep` already has a primary contact.
pub async fn merge_into(c: &impl Conn, keep: i64, dup: i64) -> Result<()> {
    use crate::entity::{
        contact_records, contacts, contracts, deals, owner_history, status_requests,
        trial_applications,
    };
    let keep_has_primary = contacts::Entity::find()
        .filter(contacts::Column::CustomerId.eq(keep))
        .filter(contacts::Column::IsPrimary.eq(true))
        .one(c)
        .await?
        .is_some();
    if keep_has_primary {
        contacts::Entity::update_many()
            .col_expr(contacts::Column::IsPrimary, Expr::value(false))
            .filter(contacts::Column::CustomerId.eq(dup))
            .exec(c)
            .await?;
    }
    repoint::<contacts::Entity>(c, contacts::Column::CustomerId, dup, keep).await?;
    repoint::<contact_records::Entity>(c, contact_records::Column::CustomerId, dup, keep).await?;
    repoint::<status_requests::Entity>(c, status_requests::Column::CustomerId, dup, keep).await?;
    // The duplicate's deals are the kept customer's now (their foreign key would otherwise
    // delete them with the duplicate).
    repoint::<deals::Entity>(c, deals::Column::CustomerId, dup, keep).await?;
    // And its contracts (with their plans, invoices and payments, which hang off the contract):
    // their foreign key cascades too, so the delete below would take them along. m0052's
    // trigger gives each moved deal and contract the kept customer's scope.
    repoint::<contracts::Entity>(c, contracts::Column::CustomerId, dup, keep).await?;
    // And its trial applications (no foreign key: left alone they would name a customer that
    // no longer exists and drop out of every scoped list of trials).
    repoint::<trial_applications::Entity>(c, trial_applications::Column::CustomerId, dup, keep)
        .await?;
    // And the expense claims made for it (their foreign key would set them to no customer).
    repoint::<crate::entity::expenses::Entity>(
        c,
        crate::entity::expenses::Column::CustomerId,
        dup,
        keep,
    )
    .await?;
    // The duplicate's own beginning (created, imported) is not the kept record's: it would read
    // as a second creation. The merge line the caller writes says what was absorbed; its other
    // owner changes move over.
    owner_history::Entity::delete_many()
        .filter(owner_history::Column::CustomerId.eq(dup))
        .filter(owner_history::Column::Reason.is_in(["create", "import"]))
        .exec(c)
        .await?;
    repoint::<owner_history::Entity>(c, owner_history::Column::CustomerId, dup, keep).await?;
    // Records m0014 marked as duplicates of `dup` now duplicate `keep`.
    repoint::<Entity>(c, Column::DuplicateOf, dup, keep).await?;
    Entity::delete_by_id(dup).exec(c).await?;
    Ok(())
}

/// The first `limit` customers (by id) `owner_id` owns, archived or not (the demo's links).
pub async fn ids_owned_by(c: &impl Conn, owner_id: i64, limit: u64) -> Result<Vec<i64>> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::OwnerId.eq(owner_id))
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?)
}

#[cfg(test)]
mod plans {
    //! The list's queries still read the partial covering indexes of m0025 alone on the SQLite
    //! the binary ships: the `archived_at IS NULL` every scoped read adds is the indexes' own
    //! `WHERE`, and `archived_at` is their last column, without which SQLite reads each row.

    use sea_orm::{
        ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
        QueryTrait,
    };

    use super::{Column, Entity, Visible};

    async fn plan(db: &sea_orm::DatabaseConnection, q: sea_orm::Select<Entity>) -> String {
        let mut st = q.build(DbBackend::Sqlite);
        st.sql = format!("EXPLAIN QUERY PLAN {}", st.sql);
        let rows = db.query_all_raw(st).await.unwrap();
        rows.iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect::<Vec<_>>()
            .join(" / ")
    }

    #[tokio::test]
    async fn the_scope_walk_and_the_status_count_read_a_partial_index_alone() {
        let (_dir, db) = crate::migration::test_db::at(u32::MAX).await;
        let walk = Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::OwnerId)
            .filter(Visible::All.condition())
            .order_by_desc(Column::UpdatedAt)
            .order_by_desc(Column::Id)
            .limit(3000);
        let p = plan(&db, walk).await;
        assert!(
            p.contains("COVERING INDEX ix_customers_updated_scope"),
            "{p}"
        );
        let count = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Visible::All.condition())
            .filter(Column::Status.eq("lead"))
            .limit(1001);
        let p = plan(&db, count).await;
        assert!(p.contains("COVERING INDEX ix_customers_"), "{p}");
    }
}
