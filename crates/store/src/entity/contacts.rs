//! A person at a customer: name, role in the buying decision, ways to reach them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub title: Option<String>,
    /// Role in the buying decision: `decision_maker`, `influencer`, `user`, `technical`,
    /// `purchasing`, `other`.
    pub role: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub notes: Option<String>,
    pub is_primary: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when a user deleted the contact: the row stays so that contact records naming it
    /// keep their meaning (m0019); every other read skips it.
    pub removed_at: Option<DateTimeUtc>,
    /// Bumped by every change of the contact (m0014): a write names the version it read.
    pub version: i32,
    /// The import that wrote the contact (m0029); hidden while that import is unfinished.
    pub import_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
