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
    /// One- and two-letter pieces of `search_key` for short searches (migration m0009).
    pub search_grams: String,
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
    /// GB/T 2260 code of the province (m0022); NULL with a `province` text is legacy text.
    pub province_code: Option<String>,
    /// GB/T 2260 code of the prefecture-level city (m0022).
    pub city_code: Option<String>,
    /// GB/T 4754-2017 section letter (m0022).
    pub industry_code: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub status: String,
    pub status_changed_at: DateTimeUtc,
    pub last_contact_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    /// Customer type: a code of the administrator's `type` list.
    pub type_code: Option<String>,
    /// Customer source: a code of the administrator's `source` list.
    pub source_code: Option<String>,
    /// Company size band (see the domain's `CompanySize`).
    pub size_code: Option<String>,
    /// Next contact date of the latest contact record that set one: the follow-up list.
    pub next_contact_on: Option<Date>,
    /// Set while the customer sits in the region's public pool (公海), without an owner.
    pub pool_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change of the record (m0014): a write names the version it read.
    pub version: i32,
    /// Set by m0014 on a record that had the duplicate key of an older one (the id of that
    /// one), so that a manager merges it; cleared when the record is saved.
    pub duplicate_of: Option<i64>,
    /// The import that wrote this customer (m0016): hidden while that import is unfinished.
    pub import_id: Option<i64>,
    /// Set while the customer is archived (m0025): out of every list, in the recycle bin until
    /// the retention setting runs out.
    pub archived_at: Option<DateTimeUtc>,
    /// Who archived it.
    pub archived_by: Option<i64>,
    /// Why, as they wrote it (optional).
    pub archive_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
