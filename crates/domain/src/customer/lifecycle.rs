//! The customer status lifecycle (seed S4.3) and who approves a change of status (S4.4).
//!
//! ```text
//! from \ to   lead   basic  potential  signed  invalid
//! lead          ·      ✓        ·         ·       ✓
//! basic         ✓      ·        ✓         ·       ✓
//! potential     ·      ✓        ·         ✓       ✓
//! signed        ·      ·        ·         ·       ✓
//! invalid       ✓      ·        ·         ·       ·
//! ```
//!
//! * Up, one step at a time: lead → basic → potential → signed. A status is a claim about the
//!   customer, so the step into it needs the evidence for the claim ([`Evidence`]): basic needs a
//!   recorded need, budget and timeline; potential needs a note on the commercial negotiation.
//!   These rules depend only on the status being entered, so they also apply to a downgrade into
//!   basic: every basic customer has a need, budget and timeline on record.
//! * Down, one step: potential → basic (negotiation stalled), basic → lead (need, budget or
//!   timeline gone). A signed customer is not downgraded: the deal happened; if the customer is
//!   lost, it becomes invalid with a reason.
//! * Out: every status except invalid → invalid, with an [`InvalidReason`].
//! * Back: invalid → lead (reopen); the customer is qualified again from the start.
//! * Nothing else, and never a "change" to the same status.
//!
//! Every change is a request that someone else approves: [`may_approve`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::org::Position;
use crate::validate::{FieldError, FieldErrors};

/// Where a customer stands (seed S4.3). The code (`as_str`) is what the database and the API
/// store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    /// 线索 — a name and a way to reach them; not qualified yet.
    Lead,
    /// 基础客户 — has a recorded need, budget and timeline.
    Basic,
    /// 潜在客户 — has entered commercial negotiation.
    Potential,
    /// 成交客户 — has signed.
    Signed,
    /// 无效客户 — not worth pursuing, for a recorded [`InvalidReason`].
    Invalid,
}

impl CustomerStatus {
    /// Every status, in the order of the lifecycle.
    pub const ALL: [CustomerStatus; 5] = [
        CustomerStatus::Lead,
        CustomerStatus::Basic,
        CustomerStatus::Potential,
        CustomerStatus::Signed,
        CustomerStatus::Invalid,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerStatus::Lead => "lead",
            CustomerStatus::Basic => "basic",
            CustomerStatus::Potential => "potential",
            CustomerStatus::Signed => "signed",
            CustomerStatus::Invalid => "invalid",
        }
    }

    /// Parses a stored code; `None` for anything that is not one of [`CustomerStatus::ALL`].
    pub fn parse(code: &str) -> Option<CustomerStatus> {
        CustomerStatus::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// The i18n catalog key of the display name (`customer_status.<code>`).
    pub fn label_key(self) -> String {
        format!("customer_status.{}", self.as_str())
    }
}

impl fmt::Display for CustomerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a customer is invalid. Codes are snake_case (`no_need` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    /// No need for what we sell.
    NoNeed,
    /// No budget, and none in sight.
    NoBudget,
    /// Cannot be reached: wrong number, no answer, contact gone.
    Unreachable,
    /// A duplicate of another customer record.
    Duplicate,
    /// A competitor of ours, not a customer.
    Competitor,
    /// The company has closed down.
    Closed,
    /// Anything else; the note says what.
    Other,
}

impl InvalidReason {
    pub const ALL: [InvalidReason; 7] = [
        InvalidReason::NoNeed,
        InvalidReason::NoBudget,
        InvalidReason::Unreachable,
        InvalidReason::Duplicate,
        InvalidReason::Competitor,
        InvalidReason::Closed,
        InvalidReason::Other,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            InvalidReason::NoNeed => "no_need",
            InvalidReason::NoBudget => "no_budget",
            InvalidReason::Unreachable => "unreachable",
            InvalidReason::Duplicate => "duplicate",
            InvalidReason::Competitor => "competitor",
            InvalidReason::Closed => "closed",
            InvalidReason::Other => "other",
        }
    }

    /// Parses a stored code; `None` for anything that is not one of [`InvalidReason::ALL`].
    pub fn parse(code: &str) -> Option<InvalidReason> {
        InvalidReason::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The i18n catalog key of the display name (`invalid_reason.<code>`).
    pub fn label_key(self) -> String {
        format!("invalid_reason.{}", self.as_str())
    }
}

/// What the account manager records with a request for a status change. Only the fields that
/// the new status needs are looked at; the others are kept with the request as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The customer's need (for basic).
    pub need: Option<String>,
    /// The customer's budget (for basic).
    pub budget: Option<String>,
    /// When the customer means to buy (for basic).
    pub timeline: Option<String>,
    /// Where the commercial negotiation stands (for potential).
    pub negotiation: Option<String>,
    /// Why the customer is invalid (for invalid).
    pub invalid_reason: Option<InvalidReason>,
    /// Anything the requester wants the approver to know; never required.
    pub note: Option<String>,
}

/// Why a status change may not be requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The lifecycle has no such step (i18n key [`TransitionError::FORBIDDEN_CODE`]).
    #[error("a customer cannot go from {from} to {to}")]
    Forbidden {
        from: CustomerStatus,
        to: CustomerStatus,
    },
    /// The step exists but evidence is missing: one field error per missing item, all at once.
    #[error("evidence for the new status is missing")]
    MissingEvidence(FieldErrors),
}

impl TransitionError {
    /// The i18n key of the message for a forbidden step.
    pub const FORBIDDEN_CODE: &'static str = "error.status_transition";
}

/// Whether the lifecycle has a step from `from` to `to` (see the module documentation).
pub fn is_allowed(from: CustomerStatus, to: CustomerStatus) -> bool {
    use CustomerStatus::*;
    matches!(
        (from, to),
        (Lead, Basic)
            | (Basic, Potential)
            | (Potential, Signed)
            | (Potential, Basic)
            | (Basic, Lead)
            | (Lead | Basic | Potential | Signed, Invalid)
            | (Invalid, Lead)
    )
}

/// The evidence fields a request for `to` must fill, by the names the form and the API use; the
/// form shows these (marked required) and only these besides the note.
pub fn evidence_for(to: CustomerStatus) -> &'static [&'static str] {
    match to {
        CustomerStatus::Basic => &["need", "budget", "timeline"],
        CustomerStatus::Potential => &["negotiation"],
        CustomerStatus::Invalid => &["invalid_reason"],
        CustomerStatus::Lead | CustomerStatus::Signed => &[],
    }
}

/// Checks a requested status change: the step must exist, and the evidence the new status needs
/// must be there (non-blank). Missing evidence is reported field by field (`need`, `budget`,
/// `timeline`, `negotiation`, `invalid_reason`), so the form can show every gap at once.
pub fn check_transition(
    from: CustomerStatus,
    to: CustomerStatus,
    evidence: &Evidence,
) -> Result<(), TransitionError> {
    if !is_allowed(from, to) {
        return Err(TransitionError::Forbidden { from, to });
    }
    let mut errors = FieldErrors::new();
    let mut require = |field: &str, value: &Option<String>, code: &'static str| {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            errors.push(FieldError::new(field, code));
        }
    };
    match to {
        CustomerStatus::Basic => {
            require("need", &evidence.need, "error.evidence_need");
            require("budget", &evidence.budget, "error.evidence_budget");
            require("timeline", &evidence.timeline, "error.evidence_timeline");
        }
        CustomerStatus::Potential => {
            require(
                "negotiation",
                &evidence.negotiation,
                "error.evidence_negotiation",
            );
        }
        CustomerStatus::Invalid if evidence.invalid_reason.is_none() => {
            errors.push(FieldError::new(
                "invalid_reason",
                "error.invalid_reason_required",
            ));
        }
        CustomerStatus::Invalid | CustomerStatus::Lead | CustomerStatus::Signed => {}
    }
    errors
        .into_result()
        .map_err(TransitionError::MissingEvidence)
}

#[cfg(test)]
mod evidence_tests {
    use super::*;

    /// The form's list and the check agree: empty evidence for a target is refused on exactly
    /// the fields `evidence_for` names.
    #[test]
    fn the_fields_a_form_asks_for_are_the_fields_the_check_requires() {
        for from in CustomerStatus::ALL {
            for to in CustomerStatus::ALL {
                if !is_allowed(from, to) {
                    continue;
                }
                let missing: Vec<String> = match check_transition(from, to, &Evidence::default()) {
                    Ok(()) => vec![],
                    Err(TransitionError::MissingEvidence(e)) => {
                        e.0.into_iter().map(|f| f.field).collect()
                    }
                    Err(other) => panic!("{from:?} → {to:?}: {other:?}"),
                };
                assert_eq!(missing, evidence_for(to), "{from:?} → {to:?}");
            }
        }
    }
}

/// Whether `approver` may approve a status change requested by someone else (seed S4.4).
///
/// Approvers are: the requester's direct manager; the regional manager of the requester's
/// region — `requester_region` is the region a person works in, a branch office counted as its
/// region (the caller applies `regions::top_of`), so the seed's "sales manager" approves for the
/// whole region, branches included; the sales director and the sales VP. Nobody approves their own
/// request, and an approver must hold a sales position: an administrator without one may not,
/// even if recorded as someone's manager.
pub fn may_approve(
    approver: &Actor,
    requester_manager_id: Option<i64>,
    requester_region: Option<i64>,
    requester_id: i64,
) -> bool {
    if approver.user_id == requester_id {
        return false;
    }
    let Some(position) = approver.position else {
        return false;
    };
    if requester_manager_id == Some(approver.user_id) {
        return true;
    }
    match position {
        Position::SalesVp | Position::SalesDirector => true,
        Position::RegionalManager => {
            approver.region_id.is_some() && approver.region_id == requester_region
        }
        Position::EofficeManager
        | Position::AccountManager
        | Position::SalesRep
        | Position::Consultant
        | Position::EofficeRep
        | Position::SalesAssistant
        | Position::Telesales => false,
    }
}

/// Whose requests an approver decides, as a set a query can select (the dashboard's count of
/// the approval queue): the same answer as [`may_approve`], requester by requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalReach {
    /// No one's: no sales position.
    Nobody,
    /// Requests of those reporting directly to the approver.
    Reports,
    /// Those, and requests of anyone working in this region (its branch offices included).
    ReportsAndRegion(i64),
    /// Everyone's but the approver's own.
    Everyone,
}

/// See [`ApprovalReach`]. The requester is never the approver in any case.
pub fn approval_reach(approver: &Actor) -> ApprovalReach {
    match approver.position {
        None => ApprovalReach::Nobody,
        Some(Position::SalesVp | Position::SalesDirector) => ApprovalReach::Everyone,
        Some(Position::RegionalManager) => match approver.region_id {
            Some(r) => ApprovalReach::ReportsAndRegion(r),
            None => ApprovalReach::Reports,
        },
        Some(_) => ApprovalReach::Reports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerStatus::*;

    /// Evidence that satisfies every status at once, so that the matrix test sees only the
    /// lifecycle rule.
    fn full_evidence() -> Evidence {
        Evidence {
            need: Some("30 seats of e-office".into()),
            budget: Some("about 200,000 yuan".into()),
            timeline: Some("this quarter".into()),
            negotiation: Some("price list sent, second meeting on Friday".into()),
            invalid_reason: Some(InvalidReason::Duplicate),
            note: None,
        }
    }

    fn codes(err: TransitionError) -> Vec<(String, &'static str)> {
        match err {
            TransitionError::MissingEvidence(FieldErrors(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("expected missing evidence, got {other:?}"),
        }
    }

    /// The whole 5 × 5 matrix, written out as the specification: rows are the current status,
    /// columns the requested one, in the order lead, basic, potential, signed, invalid.
    #[test]
    fn every_status_change_is_allowed_or_forbidden_exactly_as_the_lifecycle_says() {
        let y = true;
        let n = false;
        #[rustfmt::skip]
        let expected: [(CustomerStatus, [bool; 5]); 5] = [
            //           lead basic potential signed invalid
            (Lead,      [n,   y,    n,        n,     y]),
            (Basic,     [y,   n,    y,        n,     y]),
            (Potential, [n,   y,    n,        y,     y]),
            (Signed,    [n,   n,    n,        n,     y]),
            (Invalid,   [y,   n,    n,        n,     n]),
        ];
        for (from, row) in expected {
            for (to, allowed) in CustomerStatus::ALL.into_iter().zip(row) {
                assert_eq!(is_allowed(from, to), allowed, "{from} → {to}");
                let result = check_transition(from, to, &full_evidence());
                if allowed {
                    assert_eq!(result, Ok(()), "{from} → {to}");
                } else {
                    assert_eq!(
                        result,
                        Err(TransitionError::Forbidden { from, to }),
                        "{from} → {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_forbidden_step_is_refused_before_evidence_is_looked_at() {
        assert_eq!(
            check_transition(Lead, Signed, &Evidence::default()),
            Err(TransitionError::Forbidden {
                from: Lead,
                to: Signed
            })
        );
    }

    #[test]
    fn becoming_basic_needs_need_budget_and_timeline_each_reported_separately() {
        assert_eq!(
            codes(check_transition(Lead, Basic, &Evidence::default()).unwrap_err()),
            vec![
                ("need".to_string(), "error.evidence_need"),
                ("budget".to_string(), "error.evidence_budget"),
                ("timeline".to_string(), "error.evidence_timeline"),
            ]
        );
        let only_budget_missing = Evidence {
            budget: None,
            ..full_evidence()
        };
        assert_eq!(
            codes(check_transition(Lead, Basic, &only_budget_missing).unwrap_err()),
            vec![("budget".to_string(), "error.evidence_budget")]
        );
    }

    #[test]
    fn blank_evidence_counts_as_missing_including_ideographic_spaces() {
        let blank = Evidence {
            need: Some("  ".into()),
            budget: Some("\u{3000}".into()),
            timeline: Some(String::new()),
            ..full_evidence()
        };
        assert_eq!(
            codes(check_transition(Lead, Basic, &blank).unwrap_err()).len(),
            3
        );
    }

    #[test]
    fn a_downgrade_to_basic_also_needs_need_budget_and_timeline_on_record() {
        let only_negotiation = Evidence {
            negotiation: Some("stalled".into()),
            ..Evidence::default()
        };
        assert_eq!(
            codes(check_transition(Potential, Basic, &only_negotiation).unwrap_err()).len(),
            3
        );
    }

    #[test]
    fn becoming_potential_needs_a_note_on_the_negotiation() {
        let without = Evidence {
            negotiation: Some(" ".into()),
            ..full_evidence()
        };
        assert_eq!(
            codes(check_transition(Basic, Potential, &without).unwrap_err()),
            vec![("negotiation".to_string(), "error.evidence_negotiation")]
        );
        let with_only_negotiation = Evidence {
            negotiation: Some("quotation accepted in principle".into()),
            ..Evidence::default()
        };
        assert_eq!(
            check_transition(Basic, Potential, &with_only_negotiation),
            Ok(())
        );
    }

    #[test]
    fn becoming_invalid_needs_a_reason_from_any_live_status() {
        for from in [Lead, Basic, Potential, Signed] {
            assert_eq!(
                codes(check_transition(from, Invalid, &Evidence::default()).unwrap_err()),
                vec![(
                    "invalid_reason".to_string(),
                    "error.invalid_reason_required"
                )],
                "{from}"
            );
            for reason in InvalidReason::ALL {
                let evidence = Evidence {
                    invalid_reason: Some(reason),
                    ..Evidence::default()
                };
                assert_eq!(check_transition(from, Invalid, &evidence), Ok(()), "{from}");
            }
        }
    }

    #[test]
    fn signing_reopening_and_dropping_back_to_lead_need_no_evidence() {
        for (from, to) in [(Potential, Signed), (Invalid, Lead), (Basic, Lead)] {
            assert_eq!(
                check_transition(from, to, &Evidence::default()),
                Ok(()),
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn the_forbidden_step_message_names_both_statuses() {
        let err = TransitionError::Forbidden {
            from: Signed,
            to: Potential,
        };
        assert_eq!(
            err.to_string(),
            "a customer cannot go from signed to potential"
        );
        assert_eq!(TransitionError::FORBIDDEN_CODE, "error.status_transition");
    }

    #[test]
    fn every_status_code_round_trips_and_codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in CustomerStatus::ALL {
            assert_eq!(CustomerStatus::parse(s.as_str()), Some(s));
            assert!(seen.insert(s.as_str()), "duplicate code {s}");
        }
        assert_eq!(CustomerStatus::parse("Lead"), None);
        assert_eq!(CustomerStatus::parse("won"), None);
        assert_eq!(Potential.label_key(), "customer_status.potential");
    }

    #[test]
    fn every_invalid_reason_code_round_trips_and_codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in InvalidReason::ALL {
            assert_eq!(InvalidReason::parse(r.as_str()), Some(r));
            assert!(seen.insert(r.as_str()), "duplicate code {}", r.as_str());
        }
        assert_eq!(InvalidReason::NoNeed.as_str(), "no_need");
        assert_eq!(InvalidReason::parse("NoNeed"), None);
        assert_eq!(InvalidReason::Closed.label_key(), "invalid_reason.closed");
    }

    const REQUESTER: i64 = 10;
    const MANAGER: i64 = 20;
    const REGION: i64 = 3;

    fn approver(user_id: i64, position: Option<Position>, region: Option<i64>) -> Actor {
        Actor {
            user_id,
            position,
            is_admin: false,
            region_id: region,
        }
    }

    fn may(approver: &Actor) -> bool {
        may_approve(approver, Some(MANAGER), Some(REGION), REQUESTER)
    }

    /// For every position: may a colleague who is not the requester's manager approve, from the
    /// requester's region and from another one? And may the requester's direct manager?
    #[test]
    fn who_may_approve_for_every_position() {
        use Position::*;
        let table: [(Position, bool, bool); 10] = [
            // position        same region  other region
            (SalesVp, true, true),
            (SalesDirector, true, true),
            (RegionalManager, true, false),
            (EofficeManager, false, false),
            (AccountManager, false, false),
            (SalesRep, false, false),
            (Consultant, false, false),
            (EofficeRep, false, false),
            (SalesAssistant, false, false),
            (Telesales, false, false),
        ];
        for (position, same_region, other_region) in table {
            let p = Some(position);
            assert_eq!(
                may(&approver(99, p, Some(REGION))),
                same_region,
                "{position:?} same region"
            );
            assert_eq!(
                may(&approver(99, p, Some(4))),
                other_region,
                "{position:?} other region"
            );
            assert!(
                may(&approver(MANAGER, p, Some(4))),
                "{position:?} as direct manager"
            );
            assert!(
                !may(&approver(REQUESTER, p, Some(REGION))),
                "{position:?} own request"
            );
        }
        for p in Position::ALL {
            assert!(table.iter().any(|row| row.0 == p), "{p:?} missing");
        }
    }

    #[test]
    fn nobody_approves_their_own_request_not_even_the_vp() {
        let vp = approver(REQUESTER, Some(Position::SalesVp), None);
        assert!(!may_approve(&vp, None, None, REQUESTER));
        // Even if the data says they are their own manager.
        assert!(!may_approve(&vp, Some(REQUESTER), None, REQUESTER));
    }

    #[test]
    fn an_administrator_without_a_sales_position_may_not_approve() {
        let admin = Actor {
            is_admin: true,
            ..approver(MANAGER, None, Some(REGION))
        };
        assert!(!may(&admin), "not even when recorded as the manager");
        let admin_vp = Actor {
            is_admin: true,
            ..approver(99, Some(Position::SalesVp), None)
        };
        assert!(may(&admin_vp), "the sales position is what counts");
    }

    #[test]
    fn a_regional_manager_without_a_region_does_not_approve_for_requesters_without_one() {
        let manager = approver(99, Some(Position::RegionalManager), None);
        assert!(!may_approve(&manager, Some(MANAGER), None, REQUESTER));
        assert!(!may_approve(&manager, None, Some(REGION), REQUESTER));
    }

    #[test]
    fn a_requester_without_a_manager_is_approved_by_the_region_or_the_top() {
        let regional = approver(99, Some(Position::RegionalManager), Some(REGION));
        assert!(may_approve(&regional, None, Some(REGION), REQUESTER));
        let colleague = approver(99, Some(Position::AccountManager), Some(REGION));
        assert!(!may_approve(&colleague, None, Some(REGION), REQUESTER));
    }

    #[test]
    fn the_approval_reach_agrees_with_may_approve_for_every_position() {
        for position in Position::ALL.map(Some).into_iter().chain([None]) {
            for region in [Some(REGION), Some(4), None] {
                let a = approver(MANAGER, position, region);
                let reach = approval_reach(&a);
                for (manager, requester_region) in [
                    (Some(MANAGER), Some(REGION)),
                    (Some(77), Some(REGION)),
                    (Some(77), Some(4)),
                    (None, None),
                ] {
                    let by_reach = match reach {
                        ApprovalReach::Nobody => false,
                        ApprovalReach::Reports => manager == Some(MANAGER),
                        ApprovalReach::ReportsAndRegion(r) => {
                            manager == Some(MANAGER) || requester_region == Some(r)
                        }
                        ApprovalReach::Everyone => true,
                    };
                    assert_eq!(
                        by_reach,
                        may_approve(&a, manager, requester_region, REQUESTER),
                        "{position:?} in {region:?}, requester managed by {manager:?} in {requester_region:?}"
                    );
                }
            }
        }
    }
}
