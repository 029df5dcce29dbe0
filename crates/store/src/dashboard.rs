//! The dashboard's figures (issue 10, point 2): counts with GROUP BY over `customers` and
//! `status_requests`, always within a [`Visible`] scope. One function per query; each is one
//! statement whatever the number of groups.
//!
//! Indexes: the status counts read `ix_customers_owner_status_list` (staff: `owner_id, status`)
//! or `ix_customers_status_list_cover` (`status, …, owner_id, region_id`, a manager's scope)
//! alone; follow-ups use `ix_customers_next_contact`; requests `ix_status_requests_state`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::customers::Visible;
use crate::entity::customers::{Column, Entity};
use crate::entity::{status_requests, users};
use crate::{Conn, Result};

/// What the counts are broken down by, besides status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// One line for the whole scope (key `None`).
    Scope,
    /// The customer's region or branch office (`region_id`).
    Region,
    /// The customer's owner (`owner_id`; `None` for customers without one, the pool's).
    Owner,
}

impl By {
    fn column(self) -> Option<Column> {
        match self {
            By::Scope => None,
            By::Region => Some(Column::RegionId),
            By::Owner => Some(Column::OwnerId),
        }
    }
}

/// `(key, status, customers)` for every key and status that has customers in the scope.
pub async fn by_status(
    c: &impl Conn,
    visible: &Visible,
    by: By,
) -> Result<Vec<(Option<i64>, String, i64)>> {
    let q = Entity::find().select_only().filter(visible.condition());
    Ok(match by.column() {
        None => q
            .column(Column::Status)
            .column_as(Column::Id.count(), "n")
            .group_by(Column::Status)
            .into_tuple::<(String, i64)>()
            .all(c)
            .await?
            .into_iter()
            .map(|(s, n)| (None, s, n))
            .collect(),
        Some(k) => {
            q.column_as(k, "k")
                .column(Column::Status)
                .column_as(Column::Id.count(), "n")
                .group_by(k)
                .group_by(Column::Status)
                .into_tuple::<(Option<i64>, String, i64)>()
                .all(c)
                .await?
        }
    })
}

/// `(key, customers)` for the customers in `cond` within the scope, by key.
async fn count_by(
    c: &impl Conn,
    visible: &Visible,
    cond: Condition,
    by: By,
) -> Result<Vec<(Option<i64>, i64)>> {
    let q = Entity::find().filter(visible.condition()).filter(cond);
    Ok(match by.column() {
        None => vec![(None, q.count(c).await? as i64)],
        Some(k) => {
            q.select_only()
                .column_as(k, "k")
                .column_as(Column::Id.count(), "n")
                .group_by(k)
                .into_tuple::<(Option<i64>, i64)>()
                .all(c)
                .await?
        }
    })
}

/// Customers created at or after `since` (new this week, this month), by key.
pub async fn created_since(
    c: &impl Conn,
    visible: &Visible,
    since: DateTime<Utc>,
    by: By,
) -> Result<Vec<(Option<i64>, i64)>> {
    count_by(
        c,
        visible,
        Condition::all().add(Column::CreatedAt.gte(since)),
        by,
    )
    .await
}

/// Customers whose next contact was planned before `today` — overdue follow-ups — by key.
pub async fn overdue(
    c: &impl Conn,
    visible: &Visible,
    today: NaiveDate,
    by: By,
) -> Result<Vec<(Option<i64>, i64)>> {
    count_by(
        c,
        visible,
        Condition::all().add(Column::NextContactOn.lt(today)),
        by,
    )
    .await
}

/// Customers whose next contact is planned for `today`, by key.
pub async fn due_on(
    c: &impl Conn,
    visible: &Visible,
    today: NaiveDate,
    by: By,
) -> Result<Vec<(Option<i64>, i64)>> {
    count_by(
        c,
        visible,
        Condition::all().add(Column::NextContactOn.eq(today)),
        by,
    )
    .await
}

/// Customers in the public pool among `visible` (the pool's own scope: its regions).
pub async fn pool_size(c: &impl Conn, visible: &Visible) -> Result<u64> {
    Ok(Entity::find()
        .filter(visible.condition())
        .filter(Column::PoolSince.is_not_null())
        .count(c)
        .await?)
}

fn visible_ids(visible: &Visible) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(Column::Id)
        .from(Entity)
        .cond_where(visible.condition())
        .to_owned()
}

/// Pending status requests made by `user` on customers of the scope.
pub async fn pending_by(c: &impl Conn, visible: &Visible, user: i64) -> Result<u64> {
    use status_requests::Column as R;
    Ok(status_requests::Entity::find()
        .filter(R::State.eq("pending"))
        .filter(R::RequestedBy.eq(user))
        .filter(R::CustomerId.in_subquery(visible_ids(visible)))
        .count(c)
        .await?)
}

/// Whose requests an approver decides (from `domain::customer::approval_reach`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requesters {
    /// Everyone's (the director, the VP).
    Everyone,
    /// Those reporting directly to this person, and anyone working in these regions.
    ReportsOrIn { manager: i64, regions: Vec<i64> },
}

/// Pending status requests on customers of the scope that `approver` may decide: made by one
/// of `requesters`, never by the approver. The count of the approval queue, in one statement.
pub async fn waiting_for(
    c: &impl Conn,
    visible: &Visible,
    approver: i64,
    requesters: &Requesters,
) -> Result<u64> {
    use status_requests::Column as R;
    let mut q = status_requests::Entity::find()
        .filter(R::State.eq("pending"))
        .filter(R::RequestedBy.ne(approver))
        .filter(R::CustomerId.in_subquery(visible_ids(visible)));
    if let Requesters::ReportsOrIn { manager, regions } = requesters {
        let mut who = Condition::any().add(users::Column::ManagerId.eq(*manager));
        if !regions.is_empty() {
            who = who.add(users::Column::RegionId.is_in(regions.clone()));
        }
        let people = Query::select()
            .column(users::Column::Id)
            .from(users::Entity)
            .cond_where(who)
            .to_owned();
        q = q.filter(R::RequestedBy.in_subquery(people));
    }
    Ok(q.count(c).await?)
}
