//! A business expense claim as it stands now (m0057); `expense_versions` keeps every version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expenses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub claimant_id: i64,
    /// The claimant's region when they claimed: the budget it counts against.
    pub region_id: Option<i64>,
    pub category: String,
    pub expense_date: Date,
    /// `yyyymm` of `expense_date`.
    pub month: i32,
    pub amount_fen: i64,
    pub description: String,
    pub customer_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub state: String,
    pub version: i32,
    pub needs_director: bool,
    pub approver_id: Option<i64>,
    pub submitted_at: DateTimeUtc,
    pub manager_by: Option<i64>,
    pub manager_at: Option<DateTimeUtc>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub returned_by: Option<i64>,
    pub returned_at: Option<DateTimeUtc>,
    pub return_comment: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
