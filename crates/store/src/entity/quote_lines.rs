//! A line of a quotation (m0043): product, quantity, list price, discount, tax rate and the
//! line's rounded amounts in fen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quote_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub quote_id: i64,
    pub position: i32,
    pub product_code: String,
    pub quantity: i64,
    pub list_price_fen: i64,
    /// Basis points (1250 = 12.5 %).
    pub discount_bp: i32,
    pub tax_bp: i32,
    pub list_fen: i64,
    pub net_fen: i64,
    pub tax_fen: i64,
    pub gross_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
