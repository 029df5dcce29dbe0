//! A customer (客户): a company the department sells to or hopes to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The normalised display name.
    pub name: String,
    /// Duplicate-matching key: no width, case, punctuation or legal form.
    pub name_key: String,
    /// Substring-search key: name and short name, folded.
    pub search_key: String,
    pub short_name: Option<String>,
    pub uscc: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub background: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub status: String,
    pub status_changed_at: DateTimeUtc,
    pub last_contact_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
