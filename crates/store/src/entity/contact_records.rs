//! A contact record (联系记录, seed S4.2): one call, visit, email, meeting, demo or message.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub author_id: Option<i64>,
    /// `call`, `visit`, `email`, `meeting`, `demo`, `wechat`, `other`.
    pub kind: String,
    pub happened_at: DateTimeUtc,
    pub summary: String,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_contact_on: Option<Date>,
    pub created_at: DateTimeUtc,
    /// When the author last corrected the record (m0022); NULL if never.
    pub edited_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
