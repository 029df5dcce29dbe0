//! Settings: JSON values under keys, in the database so that every process sees the same.

use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

use crate::entity::settings::{ActiveModel, Column, Entity};
use crate::{Conn, Result, now};

pub use crate::entity::settings::Model as Setting;

/// Every stored setting (a handful of rows). Keys never stored take their defaults.
pub async fn all(c: &impl Conn) -> Result<Vec<Setting>> {
    Ok(Entity::find().all(c).await?)
}

/// One stored value.
pub async fn get(c: &impl Conn, key: &str) -> Result<Option<Setting>> {
    Ok(Entity::find_by_id(key.to_string()).one(c).await?)
}

/// Stores a value (insert or replace).
pub async fn put(c: &impl Conn, key: &str, value: &str, by: Option<i64>) -> Result<()> {
    Entity::insert(ActiveModel {
        key: Set(key.to_string()),
        value: Set(value.to_string()),
        updated_by: Set(by),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .update_columns([Column::Value, Column::UpdatedBy, Column::UpdatedAt])
            .to_owned(),
    )
    .exec(c)
    .await?;
    Ok(())
}
