//! Trial applications (试用申请, seed S5, issue 12): the lifecycle of one application, who may
//! work on it, the reference number an applicant is given, and the window within which a second
//! application of the same applicant is folded into the open one.
//!
//! ```text
//! new ──contacted──▶ contacted ──start──▶ running ──end──▶ ended ──convert──▶ converted
//!  │                     │                   │               └──lose────▶ lost
//!  └─────────────────────┴───────lose────────┴──────────────────────────▶ lost
//! ```
//! A trial may also be started straight from `new` (the first call and the licence on one day)
//! — that call is the first contact. Converted and lost are final.

pub mod intake;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::access::Actor;
use crate::org::Position;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrialState {
    New,
    Contacted,
    Running,
    Ended,
    Converted,
    Lost,
}

impl TrialState {
    pub const ALL: [TrialState; 6] = [
        TrialState::New,
        TrialState::Contacted,
        TrialState::Running,
        TrialState::Ended,
        TrialState::Converted,
        TrialState::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::New => "new",
            TrialState::Contacted => "contacted",
            TrialState::Running => "running",
            TrialState::Ended => "ended",
            TrialState::Converted => "converted",
            TrialState::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<TrialState> {
        TrialState::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_key(self) -> String {
        format!("trial.state.{}", self.as_str())
    }

    /// Still being worked on: a new application of the same applicant folds into it.
    pub fn is_open(self) -> bool {
        !matches!(self, TrialState::Converted | TrialState::Lost)
    }

    /// The states an open application may be in, as stored (for `state IN (…)`).
    pub fn open_codes() -> [&'static str; 4] {
        ["new", "contacted", "running", "ended"]
    }
}

/// A step of the lifecycle a person takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrialAction {
    /// The first contact (a call, a visit) was made.
    Contact,
    /// The trial began: dates, edition, licence or instance notes.
    Start,
    /// The trial period is over.
    End,
    /// The customer buys: a status request to 成交客户 goes to approval.
    Convert,
    /// The customer does not buy: a reason from the list, a competitor optionally.
    Lose,
}

impl TrialAction {
    pub const ALL: [TrialAction; 5] = [
        TrialAction::Contact,
        TrialAction::Start,
        TrialAction::End,
        TrialAction::Convert,
        TrialAction::Lose,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrialAction::Contact => "contact",
            TrialAction::Start => "start",
            TrialAction::End => "end",
            TrialAction::Convert => "convert",
            TrialAction::Lose => "lose",
        }
    }

    pub fn parse(s: &str) -> Option<TrialAction> {
        TrialAction::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_key(self) -> String {
        format!("trial.action.{}", self.as_str())
    }

    /// The state this step leads to.
    pub fn target(self) -> TrialState {
        match self {
            TrialAction::Contact => TrialState::Contacted,
            TrialAction::Start => TrialState::Running,
            TrialAction::End => TrialState::Ended,
            TrialAction::Convert => TrialState::Converted,
            TrialAction::Lose => TrialState::Lost,
        }
    }

    /// The states this step may be taken from.
    pub fn from_states(self) -> &'static [TrialState] {
        use TrialState::*;
        match self {
            TrialAction::Contact => &[New],
            TrialAction::Start => &[New, Contacted],
            TrialAction::End => &[Running],
            TrialAction::Convert => &[Ended, Running],
            TrialAction::Lose => &[New, Contacted, Running, Ended],
        }
    }
}

/// The steps open to an application in `state`, in the order a page offers them.
pub fn actions_from(state: TrialState) -> Vec<TrialAction> {
    TrialAction::ALL
        .into_iter()
        .filter(|a| a.from_states().contains(&state))
        .collect()
}

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrialError {
    #[error("this step is not possible from the application's state")]
    WrongState,
}

/// Checks a step against the state the caller read. The store repeats `state = from` in its
/// UPDATE, so that of two people acting at once one wins and the other is told.
pub fn check_step(from: TrialState, action: TrialAction) -> Result<TrialState, TrialError> {
    if action.from_states().contains(&from) {
        Ok(action.target())
    } else {
        Err(TrialError::WrongState)
    }
}

/// The status a conversion asks for the customer (through the status approval flow): signed
/// when the customer may go there directly, else the next step of the way (a lead becomes a
/// basic customer first, with its evidence). `None`: already signed.
pub fn conversion_target(
    from: crate::customer::CustomerStatus,
) -> Option<crate::customer::CustomerStatus> {
    use crate::customer::CustomerStatus::*;
    match from {
        Signed => None,
        Potential => Some(Signed),
        Basic => Some(Potential),
        Lead => Some(Basic),
        Invalid => Some(Lead),
    }
}

/// Why a trial was lost (a list; `other` with the note).
pub const LOST_REASONS: [&str; 6] = [
    "price",
    "competitor",
    "no_budget",
    "no_need",
    "no_response",
    "other",
];

pub fn lost_reason_key(code: &str) -> String {
    format!("trial.lost.{code}")
}

/// Who may take the lifecycle steps of an application they see (the caller checks the data
/// scope): its owner and the managers above; the director and VP also for the director's queue
/// (no owner). Other staff and assistants see it without working on it.
pub fn may_work(actor: &Actor, owner_id: Option<i64>) -> bool {
    match actor.position {
        Some(p) if p.is_manager() => true,
        Some(_) => owner_id == Some(actor.user_id),
        None => false,
    }
}

/// Who may hand an application (and its customer) to another person: the managers, as for
/// customers (S4.5).
pub fn may_reassign(actor: &Actor) -> bool {
    actor.position.is_some_and(Position::is_manager)
}

/// The applicant's reference: `TA-<local date>-<id, at least four digits>`. The id makes it
/// unique; the table's unique index holds it.
pub fn reference(local_date: NaiveDate, id: i64) -> String {
    format!("TA-{}-{:04}", local_date.format("%Y%m%d"), id)
}

/// Whether a new application that arrived at `now` folds into an open one that arrived first at
/// `opened_at`: within `window_days` days (the setting, default 30).
pub fn folds_into(opened_at: DateTime<Utc>, now: DateTime<Utc>, window_days: u32) -> bool {
    now - opened_at < TimeDelta::days(i64::from(window_days))
}

/// Where the first-contact limit stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Contact was made at this time, within the limit or not.
    Met { late: bool },
    /// Not yet contacted; the limit is ahead.
    Open,
    /// Not contacted and the limit passed.
    Overdue,
}

pub fn due_state(
    due_at: DateTime<Utc>,
    contacted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DueState {
    match contacted_at {
        Some(t) => DueState::Met { late: t > due_at },
        None if now >= due_at => DueState::Overdue,
        None => DueState::Open,
    }
}

/// Most website origins the administrator may allow for the browser intake.
pub const MAX_ORIGINS: usize = 20;

/// A website origin as browsers send it in `Origin` (`https://www.example.com`,
/// `http://localhost:8080`), lower-cased, without a trailing slash; `None` for anything else
/// (a path, a wildcard, credentials, another scheme).
pub fn normalize_origin(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['.', '-'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    (host_ok && port_ok).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_state_round_trips_through_its_code() {
        for s in TrialState::ALL {
            assert_eq!(TrialState::parse(s.as_str()), Some(s));
        }
        for a in TrialAction::ALL {
            assert_eq!(TrialAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(TrialState::parse("open"), None);
    }

    #[test]
    fn the_lifecycle_goes_forward_only_and_ends_at_converted_or_lost() {
        use TrialAction::*;
        use TrialState::*;
        assert_eq!(check_step(New, Contact), Ok(Contacted));
        assert_eq!(check_step(New, Start), Ok(Running));
        assert_eq!(check_step(Contacted, Start), Ok(Running));
        assert_eq!(check_step(Running, End), Ok(Ended));
        assert_eq!(check_step(Ended, Convert), Ok(Converted));
        assert_eq!(check_step(Ended, Lose), Ok(Lost));
        assert_eq!(check_step(Contacted, Contact), Err(TrialError::WrongState));
        assert_eq!(check_step(New, End), Err(TrialError::WrongState));
        assert_eq!(check_step(New, Convert), Err(TrialError::WrongState));
        for a in TrialAction::ALL {
            assert!(check_step(Converted, a).is_err());
            assert!(check_step(Lost, a).is_err());
        }
        assert!(actions_from(Converted).is_empty());
        assert_eq!(actions_from(Running), vec![End, Convert, Lose]);
    }

    #[test]
    fn only_open_states_fold_a_new_application() {
        let open: Vec<_> = TrialState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        let codes: Vec<_> = open.iter().map(|s| s.as_str()).collect();
        assert_eq!(codes, TrialState::open_codes());
    }

    #[test]
    fn a_conversion_asks_for_the_next_status_toward_signed() {
        use crate::customer::{CustomerStatus::*, is_allowed};
        for from in crate::customer::CustomerStatus::ALL {
            match conversion_target(from) {
                Some(to) => assert!(is_allowed(from, to), "{from:?} → {to:?}"),
                None => assert_eq!(from, Signed),
            }
        }
        assert_eq!(conversion_target(Potential), Some(Signed));
    }

    #[test]
    fn the_reference_carries_the_local_date_and_a_padded_id() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(reference(d, 42), "TA-20261130-0042");
        assert_eq!(reference(d, 1_234_567), "TA-20261130-1234567");
    }

    #[test]
    fn a_second_application_folds_within_the_window_and_not_after() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 2, 0, 0).unwrap();
        assert!(folds_into(t0, t0 + TimeDelta::days(29), 30));
        assert!(!folds_into(t0, t0 + TimeDelta::days(30), 30));
        assert!(!folds_into(t0, t0, 0));
    }

    #[test]
    fn the_due_state_is_met_open_or_overdue() {
        let due = Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, 0).unwrap();
        let before = due - TimeDelta::minutes(1);
        let after = due + TimeDelta::minutes(1);
        assert_eq!(due_state(due, None, before), DueState::Open);
        assert_eq!(due_state(due, None, due), DueState::Overdue);
        assert_eq!(
            due_state(due, Some(before), after),
            DueState::Met { late: false }
        );
        assert_eq!(
            due_state(due, Some(after), after),
            DueState::Met { late: true }
        );
    }

    #[test]
    fn the_owner_and_managers_work_on_an_application_others_only_see_it() {
        let actor = |p: Option<Position>, id: i64| Actor {
            user_id: id,
            position: p,
            is_admin: p.is_none(),
            region_id: Some(1),
        };
        for p in Position::ALL {
            let a = actor(Some(p), 7);
            assert!(
                may_work(&a, Some(7)) || p == Position::SalesAssistant,
                "{p:?}"
            );
            assert_eq!(may_work(&a, Some(8)), p.is_manager(), "{p:?}");
            assert_eq!(may_work(&a, None), p.is_manager(), "{p:?}");
            assert_eq!(may_reassign(&a), p.is_manager(), "{p:?}");
        }
        assert!(!may_work(&actor(None, 7), Some(7)));
    }

    #[test]
    fn a_website_origin_is_scheme_host_and_port_and_nothing_else() {
        assert_eq!(
            normalize_origin(" HTTPS://www.Example.com/ ").as_deref(),
            Some("https://www.example.com")
        );
        assert_eq!(
            normalize_origin("http://localhost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        for bad in [
            "*",
            "www.example.com",
            "ftp://example.com",
            "https://example.com/apply",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }
}
