//! A deal (商机, m0038): a potential customer's chance of a sale, its estimated amount in fen,
//! expected signing date and stage.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    /// The estimated amount in fen.
    pub amount_fen: i64,
    pub expected_sign_date: Date,
    /// `yyyymm` of `expected_sign_date`.
    pub expected_month: i32,
    pub stage_id: i64,
    /// The stage's kind: `open`, `won`, `lost`.
    pub state: String,
    /// 0–100; the stage's default unless set on the deal.
    pub probability: i32,
    pub competitors: Option<String>,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub lost_note: Option<String>,
    pub won_at: Option<DateTimeUtc>,
    /// `yyyymm` of `won_at` in the company's zone.
    pub won_month: Option<i32>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
