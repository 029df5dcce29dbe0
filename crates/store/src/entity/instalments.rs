//! One instalment (分期) of a contract's payment plan (m0045).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instalments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub due_date: Date,
    /// Tax-inclusive, in fen.
    pub amount_fen: i64,
    /// What payments put on it, less refunds; `0..=amount_fen`.
    pub paid_fen: i64,
    pub created_at: DateTimeUtc,
    /// When the reminder before its due date was sent (m0046; once, set by a conditional UPDATE).
    pub reminded_before_at: Option<DateTimeUtc>,
    /// When the reminder after its due date was sent (m0046).
    pub reminded_after_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
