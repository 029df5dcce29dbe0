//! Collection reminders (issue 13 point 6, helper "remind"): when each of an instalment's two
//! reminders (before its due date, after it) was sent. The reminder's job sets its column by a
//! conditional UPDATE (`… WHERE reminded_before_at IS NULL`) in the transaction that inserts
//! the notification, so an instalment is reminded once per kind even when its job runs twice
//! (a lease taken over) or was enqueued twice: the database decides, not a check.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Instalments {
    Table,
    RemindedBeforeAt,
    RemindedAfterAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in [
            timestamp_with_time_zone_null(Instalments::RemindedBeforeAt),
            timestamp_with_time_zone_null(Instalments::RemindedAfterAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Instalments::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [Instalments::RemindedBeforeAt, Instalments::RemindedAfterAt] {
            m.alter_table(
                Table::alter()
                    .table(Instalments::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
