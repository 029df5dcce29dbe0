//! An invoice issued against a contract (m0041).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub number: String,
    /// `normal` (普票) or `special` (专票).
    pub kind: String,
    pub issue_date: Date,
    pub issue_month: i32,
    pub amount_fen: i64,
    pub amount_excl_fen: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
