//! The one error type of the use cases. The web crate turns each variant into a status code,
//! a problem+json `type`, and a message in the user's language.

use salesdesk_domain::{FieldError, FieldErrors};
use salesdesk_store::{StoreError, Violation};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; each entry names the field and the reason.
    #[error("invalid input: {0:?}")]
    Validation(FieldErrors),
    /// The value is valid but taken (a unique name, a login).
    #[error("conflict: {0:?}")]
    Conflict(FieldErrors),
    /// The customer exists already. Says who owns it; names the record only to someone who may
    /// see it (seed S4.1: no silent duplicates, no leak of another's customer).
    #[error("duplicate of an existing record")]
    Duplicate {
        field: &'static str,
        owner_name: Option<String>,
        existing_id: Option<i64>,
        /// The existing record is archived (m0025): it keeps its name and USCC, and is
        /// restored rather than typed again. `existing_id` is then given to whoever may restore
        /// it.
        archived: bool,
    },
    /// A new customer is probably one already there (the same name with the place moved, phone,
    /// web domain or e-mail domain): not saved until the person says it is another company.
    /// Names a record by id only to someone who may see it.
    #[error("likely duplicate of {} existing records", .0.len())]
    LikelyDuplicates(Vec<crate::likely::Likely>),
    /// Login or password wrong (never says which).
    #[error("bad credentials")]
    BadCredentials,
    /// Too many failed logins for this login, address or device: the next attempt must wait
    /// until `until` (`retry_after_secs` from now, rounded up).
    #[error("too many attempts; retry after {until}")]
    Throttled {
        until: chrono::DateTime<chrono::Utc>,
        retry_after_secs: u64,
    },
    /// No valid session.
    #[error("not signed in")]
    Unauthenticated,
    /// Not there, or outside the actor's scope (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// Visible, but the actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Visible, but the actor may not change these fields (each named, with the reason).
    #[error("forbidden fields: {0:?}")]
    ForbiddenFields(FieldErrors),
    /// The record changed since the version the writer read (optimistic concurrency): nothing
    /// was written. `changed` holds each field that differs from what was read — or, when that
    /// is unknown, from what was sent — with its current value.
    #[error("stale write: now at version {version}")]
    Stale {
        version: i32,
        changed: Vec<(String, serde_json::Value)>,
    },
    /// Anything else: the detail is logged, the user sees only that something failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &str, code: &'static str) -> AppError {
        AppError::Validation(FieldErrors(vec![FieldError::new(field, code)]))
    }

    pub fn conflict(field: &str, code: &'static str) -> AppError {
        AppError::Conflict(FieldErrors(vec![FieldError::new(field, code)]))
    }
}

/// A write refused by one of the database's rules over several rows (a race the use case's own
/// check did not see) answers as that check does: the same status, field and i18n key.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.collided() {
            // PostgreSQL rolled the transaction back for another that touched the same rows at
            // the same moment (a deadlock or serialization failure): nothing was written, and
            // the person is told to send it again, not that the server failed.
            return AppError::conflict("record", "error.collision");
        }
        let Some(v) = e.violation() else {
            return AppError::Internal(e.to_string());
        };
        match v {
            // The use case names the owner when it can (`customers::refused`).
            Violation::CustomerNameKey | Violation::CustomerUscc => AppError::Duplicate {
                field: if v == Violation::CustomerUscc {
                    "uscc"
                } else {
                    "name"
                },
                owner_name: None,
                existing_id: None,
                archived: false,
            },
            Violation::PendingStatusRequest => {
                AppError::conflict("to_status", "error.request_pending")
            }
            Violation::PrimaryContact => AppError::conflict("is_primary", "error.primary_taken"),
            Violation::SavedFilterName => AppError::conflict("name", "error.filter_name_taken"),
            Violation::UserLogin => AppError::conflict("login", "error.login_taken"),
            Violation::RegionName => AppError::conflict("name", "error.name_taken"),
            Violation::ChoiceCode => AppError::conflict("code", "error.code_taken"),
            Violation::ProductCode => AppError::conflict("code", "error.product_code_taken"),
            Violation::ProductNameZh => AppError::conflict("name_zh", "error.product_name_taken"),
            Violation::ProductNameEn => AppError::conflict("name_en", "error.product_name_taken"),
            Violation::DealStageCode => AppError::conflict("code", "error.code_taken"),
            Violation::QuoteVersion => AppError::conflict("version", "error.quote_version_taken"),
            Violation::InvoiceNumber => AppError::conflict("number", "error.invoice_number_taken"),
            Violation::ContractNumber => AppError::conflict("number", "error.cimport_number_in_db"),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
