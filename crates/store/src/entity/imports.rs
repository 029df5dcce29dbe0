//! A customer import: the chosen column mapping, and the run's progress and outcome (row errors
//! as JSON). The uploaded file is in `import_files` (m0023).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who imports (`None` for the command line without `--as`).
    pub user_id: Option<i64>,
    pub file_name: String,
    /// `uploaded`, `running`, `rejected` (errors, nothing imported), `done`, `removing` (a failed
    /// run's rows are being removed), `failed`.
    pub status: String,
    /// JSON array: per column, the target field code or null.
    pub mapping: Option<String>,
    pub valid_only: bool,
    pub total: i64,
    /// Rows checked so far (progress).
    pub done: i64,
    pub valid: i64,
    pub rejected: i64,
    pub imported: i64,
    /// JSON array of `[row, field, code, arg]`.
    pub errors: Option<String>,
    /// Why a run failed (an i18n key).
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the current or last run was claimed.
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// Who runs the import, or removes a failed run's rows (m0016): process id, host, process
    /// start and run.
    pub lease_holder: Option<String>,
    /// Until when the holder's claim lasts unless renewed; past it, the run is interrupted.
    pub lease_until: Option<DateTimeUtc>,
    /// `customers` (customers, with optional contact columns) or `contacts` (contacts alone,
    /// for customers on file) (m0029).
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
