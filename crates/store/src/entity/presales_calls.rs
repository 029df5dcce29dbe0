//! A pre-sales follow-up call of a trial (m0033): planned for a day, then recorded with its
//! outcome and the customer's satisfaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "presales_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub trial_id: i64,
    /// Which step of the plan (0-based), unique per trial.
    pub step: i32,
    pub due_on: Date,
    /// `scheduled`, `done`, or `cancelled` (its trial was lost or converted, m0037).
    pub state: String,
    /// `going`, `issues`, `interested`, `no_answer` (`domain::presales::CallOutcome`).
    pub outcome: Option<String>,
    /// 1–5 when the customer was reached.
    pub satisfaction: Option<i32>,
    pub note: Option<String>,
    /// The contact record the call wrote on the customer.
    pub record_id: Option<i64>,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Why a `cancelled` call is not made: `trial_lost` or `trial_converted`.
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
