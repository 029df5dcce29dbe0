//! A request to change a customer's status, with its evidence and the decision on it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
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
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    pub decided_by: Option<i64>,
    pub decision_comment: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
