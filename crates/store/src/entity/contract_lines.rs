//! A line of a contract (m0040): product, quantity, price, discount, VAT and amounts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub product_code: String,
    pub quantity: i64,
    /// Tax-inclusive unit price in fen.
    pub unit_price_fen: i64,
    pub discount_bp: i32,
    pub tax_rate_bp: i32,
    pub amount_fen: i64,
    pub amount_excl_fen: i64,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
