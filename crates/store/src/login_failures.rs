//! Failed login attempts per address, for throttling across all processes.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::entity::login_failures::{ActiveModel, Column, Entity};
use crate::{Conn, Result};

pub async fn record(c: &impl Conn, ip: &str, login: &str, at: DateTime<Utc>) -> Result<()> {
    let login: String = login.chars().take(64).collect();
    ActiveModel {
        ip: Set(ip.chars().take(64).collect()),
        login: Set(login),
        at: Set(at),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

pub async fn count_since(c: &impl Conn, ip: &str, since: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::Ip.eq(ip))
        .filter(Column::At.gt(since))
        .count(c)
        .await?)
}

pub async fn purge_before(c: &impl Conn, before: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::At.lte(before))
        .exec(c)
        .await?
        .rows_affected)
}
