//! The business calendar's data (m0030): the years that have data and their exceptional dates.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{calendar_days as days, calendar_years as years};
use crate::{Conn, Result};

pub use crate::entity::calendar_days::Model as CalendarDay;
pub use crate::entity::calendar_years::Model as CalendarYear;

/// Every year with data, ascending (a handful of rows).
pub async fn years(c: &impl Conn) -> Result<Vec<CalendarYear>> {
    Ok(years::Entity::find()
        .order_by_asc(years::Column::Year)
        .all(c)
        .await?)
}

/// One year's row.
pub async fn year(c: &impl Conn, year: i32) -> Result<Option<CalendarYear>> {
    Ok(years::Entity::find_by_id(year).one(c).await?)
}

/// Every exceptional date of every year, by date (some 30 rows a year).
pub async fn days(c: &impl Conn) -> Result<Vec<CalendarDay>> {
    Ok(days::Entity::find()
        .order_by_asc(days::Column::Date)
        .all(c)
        .await?)
}

/// Declares a year unless it has data already; `true` when this call declared it (the one
/// writer that wins seeds the year's days).
pub async fn insert_year_if_absent(
    c: &impl Conn,
    year: i32,
    source: &str,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let r = years::Entity::insert(years::ActiveModel {
        year: Set(year),
        source: Set(source.to_string()),
        updated_by: Set(by),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(years::Column::Year)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(r == 1)
}

/// Declares a year or marks it changed.
pub async fn put_year(
    c: &impl Conn,
    year: i32,
    source: &str,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    years::Entity::insert(years::ActiveModel {
        year: Set(year),
        source: Set(source.to_string()),
        updated_by: Set(by),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(years::Column::Year)
            .update_columns([
                years::Column::Source,
                years::Column::UpdatedBy,
                years::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Removes every exceptional date of a year; the number removed.
pub async fn delete_days_of(c: &impl Conn, year: i32) -> Result<u64> {
    Ok(days::Entity::delete_many()
        .filter(days::Column::Year.eq(year))
        .exec(c)
        .await?
        .rows_affected)
}

/// A new exceptional date.
#[derive(Debug, Clone)]
pub struct NewDay<'a> {
    pub date: NaiveDate,
    pub kind: &'a str,
    pub name: &'a str,
}

fn row(d: &NewDay<'_>) -> days::ActiveModel {
    use chrono::Datelike;
    days::ActiveModel {
        date: Set(d.date),
        year: Set(d.date.year()),
        kind: Set(d.kind.to_string()),
        name: Set(d.name.to_string()),
    }
}

/// Inserts many dates (a year's import, at most a year of rows).
pub async fn insert_days(c: &impl Conn, list: &[NewDay<'_>]) -> Result<()> {
    for chunk in list.chunks(200) {
        days::Entity::insert_many(chunk.iter().map(row))
            .exec_without_returning(c)
            .await?;
    }
    Ok(())
}

/// Inserts one date unless the date has an entry already; `true` when inserted. The primary key
/// decides between two administrators marking the same date at once.
pub async fn insert_day_if_free(c: &impl Conn, d: &NewDay<'_>) -> Result<bool> {
    let n = days::Entity::insert(row(d))
        .on_conflict(
            OnConflict::column(days::Column::Date)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(n == 1)
}

/// One date's entry.
pub async fn day(c: &impl Conn, date: NaiveDate) -> Result<Option<CalendarDay>> {
    Ok(days::Entity::find_by_id(date).one(c).await?)
}

/// Removes one date's entry; `true` when there was one.
pub async fn delete_day(c: &impl Conn, date: NaiveDate) -> Result<bool> {
    Ok(days::Entity::delete_by_id(date)
        .exec(c)
        .await?
        .rows_affected
        == 1)
}
