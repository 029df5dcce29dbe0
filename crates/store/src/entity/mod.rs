//! sea-orm entities: one module per table, the same for SQLite and PostgreSQL.

pub mod assignment_rules;
pub mod audit_log;
pub mod calendar_feeds;
pub mod choices;
pub mod contact_record_contacts;
pub mod contact_records;
pub mod contacts;
pub mod customer_likely_keys;
pub mod customers;
pub mod idempotency_keys;
pub mod import_files;
pub mod import_likely;
pub mod imports;
pub mod job_schedules;
pub mod jobs;
pub mod login_devices;
pub mod login_throttles;
pub mod notifications;
pub mod owner_history;
pub mod regions;
pub mod saved_filters;
pub mod sessions;
pub mod settings;
pub mod status_requests;
pub mod users;
