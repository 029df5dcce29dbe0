//! Notifications that ask for something know what they ask about, and are done once it is done
//! (issue 10, point 7).
//!
//! - `notifications.subject_type` / `subject_id`: the object a notification asks someone to act
//!   on (today `status_request` and its id). Deciding that request marks every notification
//!   about it done (`done_at`, and read), in the transaction of the decision, whoever decides.
//! - `ix_notifications_unread`: the unread count in every page's navigation is one probe of a
//!   partial index holding only unread rows, however many old notifications a person has.
//! - `ix_notifications_subject`: the decision finds its notifications without a scan; only
//!   notifications with a subject are in it.

use super::prelude::*;
use super::schema::{big_integer_null, string_len_null, timestamp_with_time_zone_null};

pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    SubjectType,
    SubjectId,
    DoneAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut col in [
            string_len_null(Notifications::SubjectType, 32),
            big_integer_null(Notifications::SubjectId),
            timestamp_with_time_zone_null(Notifications::DoneAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        // Partial indexes: valid SQL on both engines; sea-query's builder has no WHERE for them.
        let c = m.get_connection();
        c.execute_unprepared(
            "CREATE INDEX ix_notifications_unread ON notifications (user_id) \
             WHERE read_at IS NULL",
        )
        .await?;
        c.execute_unprepared(
            "CREATE INDEX ix_notifications_subject ON notifications (subject_type, subject_id) \
             WHERE subject_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_notifications_subject", "ix_notifications_unread"] {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(Notifications::Table)
                    .to_owned(),
            )
            .await?;
        }
        for col in [
            Notifications::DoneAt,
            Notifications::SubjectId,
            Notifications::SubjectType,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
