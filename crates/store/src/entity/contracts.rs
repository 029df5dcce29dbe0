//! A contract (合同, m0040): a customer's signed (or to-be-signed) sale, money in fen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub deal_id: Option<i64>,
    pub title: String,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    /// The partner it was sold through (the partners register comes with the next issue).
    pub partner_id: Option<i64>,
    pub signing_date: Date,
    /// `yyyymm` of `signing_date`.
    pub signing_month: i32,
    /// `draft`, `pending_approval`, `signed`, `in_delivery`, `completed`, `cancelled`.
    pub status: String,
    /// Tax-inclusive total in fen.
    pub total_fen: i64,
    pub total_excl_fen: i64,
    /// The sum of its invoices.
    pub invoiced_fen: i64,
    pub signed_at: Option<DateTimeUtc>,
    pub signed_by: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub approved_by: Option<i64>,
    /// The last rejection's or the cancellation's reason.
    pub reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The company's own contract number, given on import (m0051); unique. Contracts made
    /// here have none and are known as `HT-000042`.
    pub number: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
