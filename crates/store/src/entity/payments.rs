//! A payment received (回款) or a refund given on a contract (m0045).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    /// `payment` or `refund`.
    pub kind: String,
    pub received_on: Date,
    /// `yyyymm` of `received_on`.
    pub received_month: i32,
    /// Signed: a refund is negative.
    pub amount_fen: i64,
    pub amount_excl_fen: i64,
    pub reference: String,
    /// A refund's reason (a payment's optional note).
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
