//! Who gets a new customer (seed S4.5, S5.3): the rule that picks one account manager out of the
//! candidates of the customer's region.
//!
//! Finding the candidates (the region's active account managers) and their open load is the
//! caller's job; this module only chooses, deterministically, so that the same data always gives
//! the same answer and a test can say what it will be.

use serde::{Deserialize, Serialize};

/// How the next customer of a region is assigned. The code (`as_str`) is what settings store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignRule {
    /// In turn, by ascending user id: after the person assigned last comes the next one.
    RoundRobin,
    /// To whoever has the fewest open customers now.
    LeastLoad,
}

impl AssignRule {
    pub const ALL: [AssignRule; 2] = [AssignRule::RoundRobin, AssignRule::LeastLoad];

    /// The stable code stored in settings and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignRule::RoundRobin => "round_robin",
            AssignRule::LeastLoad => "least_load",
        }
    }

    /// Parses a stored code; `None` for anything that is not one of [`AssignRule::ALL`].
    pub fn parse(code: &str) -> Option<AssignRule> {
        AssignRule::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The i18n catalog key of the display name (`assign_rule.<code>`).
    pub fn label_key(self) -> String {
        format!("assign_rule.{}", self.as_str())
    }
}

/// Someone who may receive the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: i64,
    /// How many open customers (not signed, not invalid) they hold now.
    pub open_load: u64,
}

/// The user id that receives the next customer, or `None` when there are no candidates.
///
/// The order of `candidates` does not matter.
/// * [`AssignRule::RoundRobin`]: the smallest user id greater than `last_assigned`, wrapping
///   round to the smallest of all. Without a `last_assigned` that is the smallest id. If the person
///   assigned last is no longer a candidate (left, moved region), the turn still passes to the
///   next id after theirs, so nobody is skipped and nobody gets two turns in a row.
/// * [`AssignRule::LeastLoad`]: the smallest `open_load`; on a tie, the smallest user id.
pub fn pick(rule: AssignRule, candidates: &[Candidate], last_assigned: Option<i64>) -> Option<i64> {
    match rule {
        AssignRule::RoundRobin => {
            let ids = candidates.iter().map(|c| c.user_id);
            let first = ids.clone().min();
            let next = last_assigned.and_then(|last| ids.filter(|&id| id > last).min());
            next.or(first)
        }
        AssignRule::LeastLoad => candidates
            .iter()
            .min_by_key(|c| (c.open_load, c.user_id))
            .map(|c| c.user_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignRule::*;

    fn c(user_id: i64, open_load: u64) -> Candidate {
        Candidate { user_id, open_load }
    }

    #[test]
    fn nobody_is_picked_when_there_are_no_candidates() {
        for rule in AssignRule::ALL {
            assert_eq!(pick(rule, &[], None), None, "{rule:?}");
            assert_eq!(pick(rule, &[], Some(5)), None, "{rule:?}");
        }
    }

    #[test]
    fn round_robin_gives_each_person_a_turn_in_id_order_and_wraps() {
        let team = [c(30, 0), c(10, 0), c(20, 0)];
        let mut last = None;
        let mut turns = Vec::new();
        for _ in 0..7 {
            last = pick(RoundRobin, &team, last);
            turns.push(last.unwrap());
        }
        assert_eq!(turns, vec![10, 20, 30, 10, 20, 30, 10]);
    }

    #[test]
    fn round_robin_ignores_load() {
        let team = [c(1, 50), c(2, 0)];
        assert_eq!(pick(RoundRobin, &team, Some(2)), Some(1));
    }

    #[test]
    fn round_robin_passes_the_turn_on_when_the_last_person_has_left() {
        let team = [c(10, 0), c(30, 0), c(40, 0)];
        assert_eq!(pick(RoundRobin, &team, Some(20)), Some(30));
        assert_eq!(pick(RoundRobin, &team, Some(50)), Some(10));
        assert_eq!(pick(RoundRobin, &team, Some(5)), Some(10));
    }

    #[test]
    fn round_robin_with_one_candidate_always_picks_them() {
        assert_eq!(pick(RoundRobin, &[c(7, 3)], Some(7)), Some(7));
        assert_eq!(pick(RoundRobin, &[c(7, 3)], None), Some(7));
    }

    #[test]
    fn least_load_picks_whoever_holds_fewest_open_customers() {
        let team = [c(1, 12), c(2, 4), c(3, 9)];
        assert_eq!(pick(LeastLoad, &team, None), Some(2));
        assert_eq!(
            pick(LeastLoad, &team, Some(2)),
            Some(2),
            "last turn does not matter"
        );
    }

    #[test]
    fn least_load_breaks_ties_by_the_lowest_id_whatever_the_input_order() {
        assert_eq!(pick(LeastLoad, &[c(9, 2), c(4, 2), c(6, 5)], None), Some(4));
        assert_eq!(pick(LeastLoad, &[c(4, 2), c(9, 2), c(6, 5)], None), Some(4));
    }

    #[test]
    fn rule_codes_round_trip() {
        for rule in AssignRule::ALL {
            assert_eq!(AssignRule::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(RoundRobin.as_str(), "round_robin");
        assert_eq!(LeastLoad.as_str(), "least_load");
        assert_eq!(AssignRule::parse("random"), None);
        assert_eq!(LeastLoad.label_key(), "assign_rule.least_load");
    }
}
