//! Queries on status change requests.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::status_requests::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::status_requests::Model as StatusRequest;

#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    pub customer_id: i64,
    pub from_status: String,
    pub to_status: String,
    pub need: Option<String>,
    pub budget: Option<String>,
    pub timeline: Option<String>,
    pub negotiation: Option<String>,
    pub invalid_reason: Option<String>,
    pub note: Option<String>,
    pub requested_by: i64,
}

pub async fn insert(c: &impl Conn, r: NewRequest) -> Result<StatusRequest> {
    Ok(ActiveModel {
        customer_id: Set(r.customer_id),
        from_status: Set(r.from_status),
        to_status: Set(r.to_status),
        need: Set(r.need),
        budget: Set(r.budget),
        timeline: Set(r.timeline),
        negotiation: Set(r.negotiation),
        invalid_reason: Set(r.invalid_reason),
        note: Set(r.note),
        requested_by: Set(r.requested_by),
        state: Set("pending".into()),
        decided_by: Set(None),
        decision_comment: Set(None),
        created_at: Set(now()),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(c)
    .await?)
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<StatusRequest>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// The pending request of a customer, if any (at most one at a time).
pub async fn pending_for(c: &impl Conn, customer_id: i64) -> Result<Option<StatusRequest>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .filter(Column::State.eq("pending"))
        .order_by_asc(Column::Id)
        .one(c)
        .await?)
}

/// Every request of a customer, newest first: the status history with its evidence.
pub async fn for_customer(c: &impl Conn, customer_id: i64) -> Result<Vec<StatusRequest>> {
    Ok(Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::Id)
        .all(c)
        .await?)
}

/// Pending requests on customers the caller may see, oldest first.
pub async fn pending_visible(
    c: &impl Conn,
    visible: &crate::customers::Visible,
) -> Result<Vec<StatusRequest>> {
    use crate::entity::customers;
    use sea_orm::sea_query::Query;
    let visible_ids = Query::select()
        .column(customers::Column::Id)
        .from(customers::Entity)
        .cond_where(visible.condition())
        .to_owned();
    Ok(Entity::find()
        .filter(Column::State.eq("pending"))
        .filter(Column::CustomerId.in_subquery(visible_ids))
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// Records a decision on a pending request. Returns false when it was no longer pending (decided
/// meanwhile by someone else), so that the same request is never decided twice.
pub async fn decide(
    c: &impl Conn,
    id: i64,
    state: &str,
    decided_by: i64,
    comment: Option<String>,
    at: DateTime<Utc>,
) -> Result<bool> {
    use sea_orm::sea_query::Expr;
    let n = Entity::update_many()
        .col_expr(Column::State, Expr::value(state))
        .col_expr(Column::DecidedBy, Expr::value(decided_by))
        .col_expr(Column::DecisionComment, Expr::value(comment))
        .col_expr(Column::DecidedAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq("pending"))
        .exec(c)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Records a status change that needed no request — a signed contract moves its customer to
/// signed (issue 13): stored already approved, by `by`, with `comment` naming the evidence, so
/// that the customer's status history shows it beside the requests.
pub async fn insert_decided(
    c: &impl Conn,
    r: NewRequest,
    comment: String,
    at: DateTime<Utc>,
) -> Result<StatusRequest> {
    let by = r.requested_by;
    Ok(ActiveModel {
        customer_id: Set(r.customer_id),
        from_status: Set(r.from_status),
        to_status: Set(r.to_status),
        need: Set(None),
        budget: Set(None),
        timeline: Set(None),
        negotiation: Set(None),
        invalid_reason: Set(None),
        note: Set(r.note),
        requested_by: Set(by),
        state: Set("approved".into()),
        decided_by: Set(Some(by)),
        decision_comment: Set(Some(comment)),
        created_at: Set(at),
        decided_at: Set(Some(at)),
        ..Default::default()
    }
    .insert(c)
    .await?)
}
