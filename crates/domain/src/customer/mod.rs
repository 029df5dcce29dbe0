//! Customer management (seed S4): the rules a customer record obeys, with no storage in sight.
//!
//! * [`name`] — the stored name, the duplicate-matching key and the search key (S4.1);
//! * [`uscc`] — the Unified Social Credit Code and its two check characters (S4.1);
//! * [`likely`] — the keys of likely duplicates: phone, web and e-mail domain, moved place;
//! * [`lifecycle`] — statuses, the allowed changes with their evidence, and who approves a change
//!   (S4.3, S4.4);
//! * [`assign`] — which account manager receives a new customer (S4.5);
//! * [`profile`] — company size, contact-record kinds, and completeness against required items;
//! * [`vcard`] — contacts as vCard 4.0 for a phone's address book.

pub mod assign;
pub mod lifecycle;
pub mod likely;
pub mod name;
pub mod profile;
pub mod uscc;
pub mod vcard;

pub use assign::{AssignRule, Candidate, pick};
pub use lifecycle::{
    ApprovalReach, CustomerStatus, Evidence, InvalidReason, TransitionError, approval_reach,
    check_transition, evidence_for, is_allowed, may_approve,
};
pub use name::{
    GRAM_MAX_CHARS, is_gram_query, likely_key, match_key, normalize_name, search_grams, search_key,
};
pub use profile::{CompanySize, Completeness, ContactKind, ProfileItem, completeness};
pub use uscc::Uscc;
