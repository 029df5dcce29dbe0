//! An entry of a list the administrator maintains in both languages (customer types, sources).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "choices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `type` or `source`.
    pub list: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i32,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
