//! Province (and optionally city) → region: where new applications from a place go (S5.3).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region_routes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// GB/T 2260 code of the provincial-level division (`440000`).
    pub province_code: String,
    /// GB/T 2260 code of a city overriding the province's region, or `''` for the province.
    pub city_code: String,
    /// A region or a branch office.
    pub region_id: i64,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
