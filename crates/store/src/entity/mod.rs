//! sea-orm entities: one module per table, the same for SQLite and PostgreSQL.

pub mod audit_log;
pub mod contacts;
pub mod customers;
pub mod login_failures;
pub mod notifications;
pub mod regions;
pub mod sessions;
pub mod status_requests;
pub mod users;
