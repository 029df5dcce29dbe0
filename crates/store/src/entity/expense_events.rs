//! A step of an expense claim's approval: submitted, approved, returned, resubmitted (m0057).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expense_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub expense_id: i64,
    pub version: i32,
    pub action: String,
    pub actor_id: Option<i64>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub comment: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
