//! Province/city → region (issue 12, point 3; seed S5.3): the table the administrator keeps of
//! where applications from each place go. One row per province (`city_code = ''`) and per city
//! that overrides its province; `ux_region_routes_place` keeps one of each.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::region_routes::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::region_routes::Model as RegionRoute;

/// Every row, by province then city (`''`, the province's own row, first). At most a few
/// hundred rows: 34 provinces and the cities an administrator overrides.
pub async fn all(c: &impl Conn) -> Result<Vec<RegionRoute>> {
    Ok(Entity::find()
        .order_by_asc(Column::ProvinceCode)
        .order_by_asc(Column::CityCode)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// The rows that could route a place: the city's override and the province's own row (at most
/// two; the override sorts last).
pub async fn for_place(c: &impl Conn, province: &str, city: Option<&str>) -> Result<Vec<RegionRoute>> {
    let mut cities = Condition::any().add(Column::CityCode.eq(""));
    if let Some(city) = city.filter(|c| !c.is_empty()) {
        cities = cities.add(Column::CityCode.eq(city));
    }
    Ok(Entity::find()
        .filter(Column::ProvinceCode.eq(province))
        .filter(cities)
        .order_by_asc(Column::CityCode)
        .all(c)
        .await?)
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<RegionRoute>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// The row of one place (`city = ''` for the province's own row).
pub async fn find(c: &impl Conn, province: &str, city: &str) -> Result<Option<RegionRoute>> {
    Ok(Entity::find()
        .filter(Column::ProvinceCode.eq(province))
        .filter(Column::CityCode.eq(city))
        .one(c)
        .await?)
}

/// Sends a place to a region: inserts its row or changes the region of the one there (an
/// `ON CONFLICT` upsert on the unique place, so two administrators at once leave one row).
pub async fn set(
    c: &impl Conn,
    province: &str,
    city: &str,
    region_id: i64,
    by: Option<i64>,
) -> Result<()> {
    Entity::insert(ActiveModel {
        province_code: Set(province.to_string()),
        city_code: Set(city.to_string()),
        region_id: Set(region_id),
        updated_by: Set(by),
        updated_at: Set(now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::ProvinceCode, Column::CityCode])
            .update_columns([Column::RegionId, Column::UpdatedBy, Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Removes a place's row (the place then follows its province, or goes unrouted). The number
/// of rows removed (0 or 1).
pub async fn delete(c: &impl Conn, province: &str, city: &str) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::ProvinceCode.eq(province))
        .filter(Column::CityCode.eq(city))
        .exec(c)
        .await?
        .rows_affected)
}
