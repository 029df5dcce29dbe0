//! One stage change of a deal (m0039): create, move, won, lost or reopen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_stage_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deal_id: i64,
    /// `create`, `move`, `won`, `lost`, `reopen`.
    pub action: String,
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub probability: i32,
    pub amount_fen: i64,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub note: Option<String>,
    pub actor_id: Option<i64>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
