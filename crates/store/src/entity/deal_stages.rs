//! A stage of the sales pipeline (m0038), kept by the administrator.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_stages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-case ASCII; unique; never changes once made.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `open`, `won` or `lost` (`domain::deal::StageKind`).
    pub kind: String,
    /// The default win probability of a deal in the stage, 0–100.
    pub probability: i32,
    /// Board order (ascending, then id).
    pub position: i32,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
