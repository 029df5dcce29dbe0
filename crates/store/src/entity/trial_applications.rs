//! A trial application (m0032): what the applicant sent, which customer it was matched to, who
//! it was routed to and why, its time limit and where its lifecycle stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `TA-20261130-0042`, unique; written right after the insert.
    pub reference: Option<String>,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    /// The product's code in the administrator's list.
    pub product_code: String,
    /// `new`, `contacted`, `running`, `ended`, `converted`, `lost` (`domain::trial::TrialState`).
    pub state: String,
    /// `<customer>:<product>` while open and foldable; unique where present.
    pub open_key: Option<String>,
    pub company: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub province_code: String,
    pub city_code: Option<String>,
    pub users: Option<i64>,
    /// The latest message (a folded application replaces it).
    pub message: Option<String>,
    /// How many applications were folded into this one (1 for the first).
    pub applications: i32,
    /// `form` (the public page) or `api` (an intake key).
    pub channel: String,
    pub intake_key_id: Option<i64>,
    pub client_ip: Option<String>,
    /// How the customer was found: `uscc`, `name`, `mobile`, `email`, or `new`.
    pub matched_by: String,
    /// JSON list of likely duplicates a new lead has (recorded, never blocking).
    pub suspicion: Option<String>,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    /// Why it went where it went (`existing_owner`, the routing's reason code, `director_queue`).
    pub route_reason: String,
    pub arrived_at: DateTimeUtc,
    pub last_applied_at: DateTimeUtc,
    pub first_contact_due_at: DateTimeUtc,
    pub first_contact_at: Option<DateTimeUtc>,
    pub reminded_at: Option<DateTimeUtc>,
    /// Set by the escalation job when the limit passed without contact.
    pub overdue_at: Option<DateTimeUtc>,
    pub trial_start: Option<Date>,
    pub trial_end: Option<Date>,
    pub edition: Option<String>,
    pub licence_note: Option<String>,
    pub lost_reason: Option<String>,
    pub competitor: Option<String>,
    pub outcome_note: Option<String>,
    pub status_request_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
