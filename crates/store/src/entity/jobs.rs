//! A background job (m0028): what to run, when, and how its runs went.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Which handler runs it (`backup`, `ping`, later `trial.escalate` …).
    pub kind: String,
    /// JSON given to the handler.
    pub payload: String,
    /// Not run before this time (the next try's time after a failure).
    pub run_at: DateTimeUtc,
    /// `queued`, `running`, `done`, `failed` (every attempt used; kept to be seen).
    pub state: String,
    /// Runs started so far (a claim counts one).
    pub attempts: i32,
    pub max_attempts: i32,
    /// The process running it, and until when its claim holds unless renewed.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// Unique where present: enqueueing the same once-only job again inserts nothing.
    pub once_key: Option<String>,
    /// JSON the handler reported when it finished.
    pub result: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
