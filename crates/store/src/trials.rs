//! Queries on trial applications (m0032) and the intake's rate-limit counters.
//!
//! Rules over several rows are the database's: the open application per customer and product is
//! one row (`open_key` unique: [`insert_open`] inserts nothing when one exists, and
//! [`fold`] counts the new application into it), and every lifecycle step is a conditional
//! UPDATE on the state the caller read ([`step`]), so two people acting at once cannot both win.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TryInsertResult,
};

use crate::customers::Visible;
use crate::entity::trial_applications::{ActiveModel, Column, Entity};
use crate::entity::trial_intake_counters as counters;
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::trial_applications::Model as Trial;

/// A new application, matched and routed.
#[derive(Debug, Clone)]
pub struct NewTrial {
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub product_code: String,
    pub open_key: String,
    pub company: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub province_code: String,
    pub city_code: Option<String>,
    pub users: Option<i64>,
    pub message: Option<String>,
    pub channel: String,
    pub intake_key_id: Option<i64>,
    pub client_ip: Option<String>,
    pub matched_by: String,
    pub suspicion: Option<String>,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub route_reason: String,
    pub arrived_at: DateTime<Utc>,
    pub first_contact_due_at: DateTime<Utc>,
}

/// Inserts the application unless an open one holds its `open_key`: its id, or `None` then
/// (fold instead).
pub async fn insert_open(c: &impl Conn, t: NewTrial) -> Result<Option<i64>> {
    let am = ActiveModel {
        reference: Set(None),
        customer_id: Set(t.customer_id),
        contact_id: Set(t.contact_id),
        product_code: Set(t.product_code),
        state: Set("new".into()),
        open_key: Set(Some(t.open_key.clone())),
        company: Set(t.company),
        uscc: Set(t.uscc),
        contact_name: Set(t.contact_name),
        mobile: Set(t.mobile),
        email: Set(t.email),
        province_code: Set(t.province_code),
        city_code: Set(t.city_code),
        users: Set(t.users),
        message: Set(t.message),
        applications: Set(1),
        channel: Set(t.channel),
        intake_key_id: Set(t.intake_key_id),
        client_ip: Set(t.client_ip),
        matched_by: Set(t.matched_by),
        suspicion: Set(t.suspicion),
        owner_id: Set(t.owner_id),
        region_id: Set(t.region_id),
        route_reason: Set(t.route_reason),
        arrived_at: Set(t.arrived_at),
        last_applied_at: Set(t.arrived_at),
        first_contact_due_at: Set(t.first_contact_due_at),
        first_contact_at: Set(None),
        reminded_at: Set(None),
        overdue_at: Set(None),
        trial_start: Set(None),
        trial_end: Set(None),
        edition: Set(None),
        licence_note: Set(None),
        lost_reason: Set(None),
        competitor: Set(None),
        outcome_note: Set(None),
        status_request_id: Set(None),
        created_at: Set(t.arrived_at),
        updated_at: Set(t.arrived_at),
        version: Set(1),
        ..Default::default()
    };
    let r = Entity::insert(am)
        .on_conflict_do_nothing_on([Column::OpenKey])
        .exec(c)
        .await?;
    match r {
        TryInsertResult::Inserted(r) => Ok(Some(r.last_insert_id)),
        TryInsertResult::Empty | TryInsertResult::Conflicted => Ok(None),
    }
}

/// Writes the reference of a just-inserted application.
pub async fn set_reference(c: &impl Conn, id: i64, reference: &str) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::Reference, Expr::val(reference))
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// Counts a further application into the open one of `open_key` if its last application is at
/// or after `since` (within the fold window); the latest message replaces the last. `None`: no
/// open application, or it is older than the window.
pub async fn fold(
    c: &impl Conn,
    open_key: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    message: Option<String>,
) -> Result<Option<Trial>> {
    let mut u = Entity::update_many()
        .col_expr(Column::Applications, Expr::col(Column::Applications).add(1))
        .col_expr(Column::LastAppliedAt, Expr::val(now))
        .col_expr(Column::UpdatedAt, Expr::val(now));
    if let Some(m) = message {
        u = u.col_expr(Column::Message, Expr::val(m));
    }
    let n = u
        .filter(Column::OpenKey.eq(open_key))
        .filter(Column::LastAppliedAt.gte(since))
        .exec(c)
        .await?
        .rows_affected;
    if n == 0 {
        return Ok(None);
    }
    Ok(Entity::find()
        .filter(Column::OpenKey.eq(open_key))
        .one(c)
        .await?)
}

/// Lets an open application older than the fold window stop taking new ones: a new application
/// of the same applicant then starts a row of its own. True when one was released.
pub async fn release_stale(c: &impl Conn, open_key: &str, since: DateTime<Utc>) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::OpenKey, Expr::val(Option::<String>::None))
        .filter(Column::OpenKey.eq(open_key))
        .filter(Column::LastAppliedAt.lt(since))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n > 0)
}

fn visible_customers(v: &Visible) -> sea_orm::sea_query::SelectStatement {
    use crate::entity::customers;
    Query::select()
        .column(customers::Column::Id)
        .from(customers::Entity)
        .cond_where(v.condition())
        .to_owned()
}

fn scoped(v: &Visible) -> sea_orm::Select<Entity> {
    match v {
        Visible::All => Entity::find(),
        v => Entity::find().filter(Column::CustomerId.in_subquery(visible_customers(v))),
    }
}

/// One application, if its customer is visible.
pub async fn get(c: &impl Conn, id: i64, v: &Visible) -> Result<Option<Trial>> {
    Ok(scoped(v).filter(Column::Id.eq(id)).one(c).await?)
}

/// One application by its reference, whoever asks (the confirmation page shows the applicant
/// only what they sent).
pub async fn by_reference(c: &impl Conn, reference: &str) -> Result<Option<Trial>> {
    Ok(Entity::find()
        .filter(Column::Reference.eq(reference))
        .one(c)
        .await?)
}

/// A customer's applications, newest first.
pub async fn for_customer(c: &impl Conn, customer_id: i64) -> Result<Vec<Trial>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::Id)
        .all(c)
        .await?)
}

/// Which applications a list shows.
#[derive(Debug, Clone, Default)]
pub struct TrialFilter {
    /// Owned by this person.
    pub owner: Option<i64>,
    /// Nobody owns it: the director's queue.
    pub unowned: bool,
    /// Open, not contacted, and its limit passed before this time.
    pub overdue_at: Option<DateTime<Utc>>,
    pub states: Vec<String>,
    pub product: Option<String>,
    pub region: Option<i64>,
}

/// A page of applications, newest first, within the visible customers.
pub async fn list(c: &impl Conn, f: &TrialFilter, v: &Visible, page: Page) -> Result<Paged<Trial>> {
    let mut q = scoped(v);
    if let Some(o) = f.owner {
        q = q.filter(Column::OwnerId.eq(o));
    }
    if f.unowned {
        q = q.filter(Column::OwnerId.is_null());
    }
    if let Some(at) = f.overdue_at {
        q = q
            .filter(Column::FirstContactAt.is_null())
            .filter(Column::FirstContactDueAt.lte(at))
            .filter(Column::State.is_in(["new", "contacted", "running", "ended"]));
    }
    if !f.states.is_empty() {
        q = q.filter(Column::State.is_in(f.states.clone()));
    }
    if let Some(p) = &f.product {
        q = q.filter(Column::ProductCode.eq(p.as_str()));
    }
    if let Some(r) = f.region {
        q = q.filter(Column::RegionId.eq(r));
    }
    let q = q.order_by_desc(Column::ArrivedAt).order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// The open applications a person owns (the navigation's count).
pub async fn open_count_for(c: &impl Conn, owner: i64) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find()
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::State.is_in(["new", "contacted", "running", "ended"]))
        .count(c)
        .await?)
}

/// What a lifecycle step writes besides the state.
#[derive(Debug, Clone, Default)]
pub struct StepFields {
    pub first_contact_at: Option<DateTime<Utc>>,
    pub trial_start: Option<NaiveDate>,
    pub trial_end: Option<NaiveDate>,
    pub edition: Option<String>,
    pub licence_note: Option<String>,
    pub lost_reason: Option<String>,
    pub competitor: Option<String>,
    pub outcome_note: Option<String>,
    pub status_request_id: Option<i64>,
    /// The step closes the application: it takes no further folded applications.
    pub close: bool,
}

/// Moves an application from `from` to `to`, only if it is still in `from` (a conditional
/// UPDATE). False: someone else moved it first.
pub async fn step(
    c: &impl Conn,
    id: i64,
    from: &str,
    to: &str,
    f: StepFields,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut u = Entity::update_many()
        .col_expr(Column::State, Expr::val(to))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1));
    macro_rules! set {
        ($field:ident, $col:ident) => {
            if let Some(v) = f.$field {
                u = u.col_expr(Column::$col, Expr::val(v));
            }
        };
    }
    set!(trial_start, TrialStart);
    set!(trial_end, TrialEnd);
    set!(edition, Edition);
    set!(licence_note, LicenceNote);
    set!(lost_reason, LostReason);
    set!(competitor, Competitor);
    set!(outcome_note, OutcomeNote);
    set!(status_request_id, StatusRequestId);
    if f.close {
        u = u.col_expr(Column::OpenKey, Expr::val(Option::<String>::None));
    }
    let n = u
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(from))
        .exec(c)
        .await?
        .rows_affected;
    if n == 1
        && let Some(t) = f.first_contact_at
    {
        // The first contact only: a later step keeps the time the limit was met.
        Entity::update_many()
            .col_expr(Column::FirstContactAt, Expr::val(t))
            .filter(Column::Id.eq(id))
            .filter(Column::FirstContactAt.is_null())
            .exec(c)
            .await?;
    }
    Ok(n == 1)
}

/// A contact record on the customer at `at` meets the limit of each of its applications that
/// arrived before it and had no contact yet. Returns how many.
pub async fn contact_made(c: &impl Conn, customer_id: i64, at: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::update_many()
        .col_expr(Column::FirstContactAt, Expr::val(at))
        .filter(Column::CustomerId.eq(customer_id))
        .filter(Column::FirstContactAt.is_null())
        .filter(Column::ArrivedAt.lte(at))
        .exec(c)
        .await?
        .rows_affected)
}

/// Marks the reminder sent, once: false when it was sent before or contact was made.
pub async fn mark_reminded(c: &impl Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::RemindedAt, Expr::val(now))
        .filter(Column::Id.eq(id))
        .filter(Column::RemindedAt.is_null())
        .filter(Column::FirstContactAt.is_null())
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Marks the application overdue, once: false when it was marked before or contact was made.
pub async fn mark_overdue(c: &impl Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::OverdueAt, Expr::val(now))
        .filter(Column::Id.eq(id))
        .filter(Column::OverdueAt.is_null())
        .filter(Column::FirstContactAt.is_null())
        .filter(Column::State.is_in(["new", "contacted", "running", "ended"]))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Gives an application to another owner (and region), if it is still at `version`.
pub async fn reassign(
    c: &impl Conn,
    id: i64,
    version: i32,
    owner: i64,
    region: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = Entity::update_many()
        .col_expr(Column::OwnerId, Expr::val(owner))
        .col_expr(Column::RegionId, Expr::val(region))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Adds `n` hits to `bucket` in the window starting at `window_start`; the window's total after
/// them. An upsert, so the hits of several processes each count.
pub async fn hit(c: &impl Conn, bucket: &str, window_start: DateTime<Utc>, n: i64) -> Result<i64> {
    let bucket: String = bucket.chars().take(100).collect();
    let n = i32::try_from(Ord::max(n, 1)).unwrap_or(i32::MAX);
    let total = counters::Entity::insert(counters::ActiveModel {
        bucket: Set(bucket),
        window_start: Set(window_start),
        hits: Set(n),
    })
    .on_conflict(
        OnConflict::columns([counters::Column::Bucket, counters::Column::WindowStart])
            .value(
                counters::Column::Hits,
                Expr::col((counters::Entity, counters::Column::Hits)).add(n),
            )
            .to_owned(),
    )
    .exec_with_returning(c)
    .await?
    .hits;
    Ok(i64::from(total))
}

/// Forgets the counters of windows before `before`.
pub async fn prune_counters(c: &impl Conn, before: DateTime<Utc>) -> Result<u64> {
    Ok(counters::Entity::delete_many()
        .filter(counters::Column::WindowStart.lt(before))
        .exec(c)
        .await?
        .rows_affected)
}

/// Inserts an application as it stands (the demo and `gen`: states other than new).
pub async fn insert_row(c: &impl Conn, t: Trial) -> Result<Trial> {
    let mut am: ActiveModel = t.into();
    am.id = sea_orm::ActiveValue::NotSet;
    Ok(am.insert(c).await?)
}

/// Contacts whose mobile or e-mail is this (the applicant's), oldest first: (customer, contact).
pub async fn contacts_matching(
    c: &impl Conn,
    mobile: &str,
    email: Option<&str>,
) -> Result<Vec<(i64, i64, bool)>> {
    use crate::entity::contacts as k;
    let mut any = Condition::any().add(k::Column::Mobile.eq(mobile));
    if let Some(e) = email {
        any = any.add(k::Column::Email.eq(e));
    }
    let rows = k::Entity::find()
        .filter(any)
        .filter(k::Column::RemovedAt.is_null())
        .order_by_asc(k::Column::Id)
        .limit(20)
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.customer_id, r.id, r.mobile.as_deref() == Some(mobile)))
        .collect())
}

/// Customers to hang the demo's applications on: (id, name, owner, region, province code),
/// owned ones first by id, then unowned ones (the pool), at most `n` of each.
pub async fn demo_customers(
    c: &impl Conn,
    n: u64,
) -> Result<Vec<(i64, String, Option<i64>, Option<i64>, Option<String>)>> {
    use crate::entity::customers as k;
    let mut out = Vec::new();
    for owned in [true, false] {
        let q = k::Entity::find().filter(k::Column::ArchivedAt.is_null());
        let q = if owned {
            q.filter(k::Column::OwnerId.is_not_null())
                .filter(k::Column::Status.is_in(["lead", "basic", "potential"]))
        } else {
            q.filter(k::Column::OwnerId.is_null())
        };
        let rows = q.order_by_asc(k::Column::Id).limit(n).all(c).await?;
        out.extend(
            rows.into_iter()
                .map(|r| (r.id, r.name, r.owner_id, r.region_id, r.province_code)),
        );
    }
    Ok(out)
}

/// How many applications with an id above `after_id` each routing reason received (the intake
/// benchmark's report of where its applications went), by reason.
pub async fn route_reasons_after(c: &impl Conn, after_id: i64) -> Result<Vec<(String, i64)>> {
    Ok(Entity::find()
        .select_only()
        .column(Column::RouteReason)
        .column_as(Column::Id.count(), "n")
        .filter(Column::Id.gt(after_id))
        .group_by(Column::RouteReason)
        .order_by_asc(Column::RouteReason)
        .into_tuple()
        .all(c)
        .await?)
}
