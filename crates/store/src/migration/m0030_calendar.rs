//! The business calendar (issue 12, point 4).
//!
//! - `calendar_years`: one row per year that has calendar data (so "no data for 2027" is
//!   known, and a year with no exceptions at all can still be declared). `source` tells the
//!   built-in seed (`builtin`) from an administrator's import (`import`).
//! - `calendar_days`: one row per exceptional date: `off` (a holiday) or `work` (a make-up
//!   workday, 调休), with its name. The date is the primary key, so one date can never be both
//!   a day off and a workday, whoever writes at the same time.
//!
//! The working hours live in `settings` (key `calendar.hours`).

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Year,
    Source,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    Date,
    Year,
    Kind,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarYears::Table)
                .col(integer(CalendarYears::Year).primary_key())
                .col(string_len(CalendarYears::Source, 16))
                .col(big_integer_null(CalendarYears::UpdatedBy))
                .col(timestamp_with_time_zone(CalendarYears::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarDays::Table)
                .col(date(CalendarDays::Date).primary_key())
                .col(integer(CalendarDays::Year))
                .col(string_len(CalendarDays::Kind, 8))
                .col(string_len(CalendarDays::Name, 60))
                .foreign_key(
                    ForeignKey::create()
                        .from(CalendarDays::Table, CalendarDays::Year)
                        .to(CalendarYears::Table, CalendarYears::Year)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_calendar_days_year")
                .table(CalendarDays::Table)
                .col(CalendarDays::Year)
                .col(CalendarDays::Date)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarDays::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CalendarYears::Table).to_owned())
            .await?;
        Ok(())
    }
}
