//! One submitted version of an expense claim (m0057).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expense_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub expense_id: i64,
    pub version: i32,
    pub category: String,
    pub expense_date: Date,
    pub amount_fen: i64,
    pub description: String,
    pub customer_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
