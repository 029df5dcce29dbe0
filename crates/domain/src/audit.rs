//! Who reads what in the audit log.
//!
//! The audit log records every write with the values before and after. Those values are sales
//! data when the entry is about a customer or anything hanging off one, and the rule "an
//! administrator sees no sales data" holds there too: a reader whose data scope is not the whole
//! company sees who did what to which object, with the values of sales entries masked.

use crate::access::{Actor, DataScope};

/// What an audit entry is about, for deciding who may read its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// People, regions, sessions, settings, list entries: the organisation itself.
    Organisation,
    /// Customers and everything that belongs to them (contacts, records, status requests,
    /// imports of customers, saved customer filters). Entity types this module does not know
    /// count as sales data, so a new capability is masked until it says otherwise.
    SalesData,
}

/// Entity types whose audit entries are about the organisation, not sales data.
const ORGANISATION: &[&str] = &[
    "person",
    "region",
    "session",
    "choice",
    "settings",
    "assignment_rule",
    "notification",
    "login_throttle",
    // Exports of the log itself: who exported which filter, how many rows.
    "audit_log",
];

pub fn subject(entity_type: &str) -> Subject {
    if ORGANISATION.contains(&entity_type) {
        Subject::Organisation
    } else {
        Subject::SalesData
    }
}

/// How much of an audit entry a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Everything, values included.
    Full,
    /// Who, when, which action on which id, and which fields changed — not their values.
    Masked,
}

impl Actor {
    /// How this reader sees an entry about `entity_type`. Only the whole company's data scope
    /// (the VP, the director) reads the values of sales entries; an administrator without a
    /// sales position, or any narrower scope, sees them masked.
    pub fn audit_view(&self, entity_type: &str) -> View {
        match (subject(entity_type), self.data_scope()) {
            (Subject::Organisation, _) | (Subject::SalesData, DataScope::All) => View::Full,
            (Subject::SalesData, _) => View::Masked,
        }
    }

    /// How this reader sees the change history of one customer on that customer's page. Whoever
    /// may open the customer (it is in their data scope: the account manager their own, a
    /// manager their region's) reads its history in full: the values are that customer's data,
    /// which the page shows anyway. Browsing the audit log across customers stays as
    /// [`Actor::audit_view`] says; outside the scope there is no page to show it on.
    pub fn customer_history_view(&self, in_scope: bool) -> View {
        if in_scope {
            View::Full
        } else {
            self.audit_view("customer")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Position;

    /// Every position (with a region), the administrator without a sales position, and an
    /// administrator who is also the VP.
    fn every_actor() -> Vec<(String, Actor)> {
        let mut all: Vec<(String, Actor)> = Position::ALL
            .into_iter()
            .map(|p| {
                let a = Actor {
                    user_id: 7,
                    position: Some(p),
                    is_admin: false,
                    region_id: Some(1),
                };
                (format!("{p:?}"), a)
            })
            .collect();
        for (label, position) in [("admin", None), ("admin+vp", Some(Position::SalesVp))] {
            let a = Actor {
                user_id: 7,
                position,
                is_admin: true,
                region_id: None,
            };
            all.push((label.to_string(), a));
        }
        all
    }

    #[test]
    fn the_history_of_a_customer_in_scope_is_read_in_full_by_everyone() {
        for (label, actor) in every_actor() {
            assert_eq!(actor.customer_history_view(true), View::Full, "{label}");
            assert_eq!(
                actor.customer_history_view(false),
                actor.audit_view("customer"),
                "{label}"
            );
        }
    }

    #[test]
    fn only_a_company_wide_scope_reads_the_values_of_sales_entries() {
        for (label, actor) in every_actor() {
            let expected = if matches!(
                actor.position,
                Some(Position::SalesVp | Position::SalesDirector)
            ) {
                View::Full
            } else {
                View::Masked
            };
            for t in ["customer", "contact", "import", "saved_filter", "trial"] {
                assert_eq!(actor.audit_view(t), expected, "{label} reading {t}");
            }
            for t in ORGANISATION {
                assert_eq!(actor.audit_view(t), View::Full, "{label} reading {t}");
            }
        }
    }
}
