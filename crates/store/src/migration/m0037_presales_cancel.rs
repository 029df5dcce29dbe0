//! Pre-sales calls of a closed trial (issue 12): when a trial is lost or converted, its calls
//! still scheduled are not made — they become `cancelled` with the reason (`trial_lost`,
//! `trial_converted`) in `cancel_reason`. They stay on the trial's page as what was planned and
//! why it was dropped, and leave the follow-up list, the missed-calls view, its count and the
//! calendar feed (which all read `scheduled` calls only). Calls of trials closed before this
//! migration are cancelled here the same way.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum PresalesCalls {
    Table,
    State,
    TrialId,
    CancelReason,
}

#[derive(DeriveIden)]
enum TrialApplications {
    Table,
    Id,
    State,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PresalesCalls::Table)
                .add_column(string_len_null(PresalesCalls::CancelReason, 32))
                .to_owned(),
        )
        .await?;
        for (trial_state, reason) in [("lost", "trial_lost"), ("converted", "trial_converted")] {
            m.exec_stmt(
                Query::update()
                    .table(PresalesCalls::Table)
                    .values([
                        (PresalesCalls::State, "cancelled".into()),
                        (PresalesCalls::CancelReason, reason.into()),
                    ])
                    .and_where(Expr::col(PresalesCalls::State).eq("scheduled"))
                    .and_where(
                        Expr::col(PresalesCalls::TrialId).in_subquery(
                            Query::select()
                                .column(TrialApplications::Id)
                                .from(TrialApplications::Table)
                                .and_where(Expr::col(TrialApplications::State).eq(trial_state))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::update()
                .table(PresalesCalls::Table)
                .values([(PresalesCalls::State, "scheduled".into())])
                .and_where(Expr::col(PresalesCalls::State).eq("cancelled"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PresalesCalls::Table)
                .drop_column(PresalesCalls::CancelReason)
                .to_owned(),
        )
        .await
    }
}
