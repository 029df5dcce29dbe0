//! Every message, as (key, 简体中文, English), one file per capability so that work on one
//! capability does not touch another's file. A test checks that every key used in code and
//! templates is in one of them, that no key is in two, and that none is empty.

mod archive;
mod audit;
mod calendar;
mod cimport;
mod collections;
mod contracts;
mod customers;
mod deals;
mod demo;
mod duplicates;
mod expenses;
mod forms;
mod hardening;
mod import_contacts;
mod lists;
mod merge;
mod ops;
mod perf;
mod presales;
mod quotes;
mod trial_setup;
mod trials;
mod workspace;

/// Every part of the catalog; a new capability adds its file here.
pub static PARTS: &[&[(&str, &str, &str)]] = &[
    customers::MESSAGES,
    hardening::MESSAGES,
    forms::MESSAGES,
    merge::MESSAGES,
    audit::MESSAGES,
    demo::MESSAGES,
    workspace::MESSAGES,
    ops::MESSAGES,
    import_contacts::MESSAGES,
    duplicates::MESSAGES,
    archive::MESSAGES,
    presales::MESSAGES,
    trials::MESSAGES,
    calendar::MESSAGES,
    trial_setup::MESSAGES,
    perf::MESSAGES,
    deals::MESSAGES,
    quotes::MESSAGES,
    contracts::MESSAGES,
    collections::MESSAGES,
    lists::MESSAGES,
    cimport::MESSAGES,
    expenses::MESSAGES,
];

/// Every message of every part.
pub fn messages() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    PARTS.iter().flat_map(|part| part.iter())
}

pub static ENGLISH_ONE: &[(&str, &str)] = &[
    (
        "notification.customers_assigned",
        "{by} gave you {count} customer.",
    ),
    ("import.rows_in_file", "The file has {n} data row."),
    ("import.run_valid_only", "Import only the {n} valid row"),
    ("import.more_errors", "{n} more error is in the report."),
    ("dashboard.unread", "{n} unread notification"),
    ("login_throttle.wait_seconds", "{n} second"),
    ("login_throttle.wait_minutes", "{n} minute"),
    ("followups.overdue_days", "{n} day overdue"),
    ("followups.in_days", "in {n} day"),
    ("customers.count", "{n} customer"),
    ("people.count", "{n} person"),
    ("audit.count", "{n} entry"),
    ("presales.missed_days", "{n} day missed"),
];
