//! Every change of a customer's owner (seed S4.5): who had it, who has it, why, when, by whom.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "owner_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub from_owner_id: Option<i64>,
    pub to_owner_id: Option<i64>,
    /// `create`, `assign`, `reassign`, `release`, `claim`, `pool`, `import`, `merge`.
    pub reason: String,
    pub changed_by: Option<i64>,
    pub changed_at: DateTimeUtc,
    /// `release`: the code of the reason (list `release_reason`); `merge`: the name of the
    /// record merged away (m0024).
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
