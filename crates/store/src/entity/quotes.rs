//! A quotation of a deal (m0043): version, state, validity, totals in fen, who asked whom to
//! approve it and who sent it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deal_id: i64,
    /// 1, 2, … per deal (unique with `deal_id`).
    pub version: i32,
    /// `draft`, `pending`, `approved`, `rejected`, `sent`.
    pub state: String,
    pub valid_until: Date,
    pub note: Option<String>,
    /// Σ list price × quantity, before discounts.
    pub list_fen: i64,
    /// Σ lines after discount, tax excluded.
    pub net_fen: i64,
    pub tax_fen: i64,
    /// Σ lines tax included.
    pub gross_fen: i64,
    /// The largest line discount in basis points.
    pub max_discount_bp: i32,
    /// Above the director's limit when last saved.
    pub needs_approval: bool,
    pub approver_id: Option<i64>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_comment: Option<String>,
    pub sent_by: Option<i64>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change (edits name the version they read).
    pub row_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
