//! Login throttling rules: exponential back-off instead of a hard lock (issue 9, point 3).
//!
//! A counter (per login string, per client address, per known device) counts failed logins.
//! The first `free` failures cost nothing; after that, each further attempt must wait a delay
//! that starts at `base` and doubles with every failure, up to `max`. A counter that has seen no
//! attempt for `forget_after` starts again from zero. Pure arithmetic: the store keeps the
//! counters, the use case decides when to count.

use chrono::{DateTime, TimeDelta, Utc};

/// How one kind of counter backs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures that cost no waiting.
    pub free: u32,
    /// The first delay, after `free` failures.
    pub base: TimeDelta,
    /// The longest delay.
    pub max: TimeDelta,
    /// A counter without attempts for this long is forgotten (at least `max`).
    pub forget_after: TimeDelta,
}

impl Backoff {
    /// How long the next attempt must wait after `failures` failures in a row (zero while the
    /// failures are free).
    pub fn delay(&self, failures: u32) -> TimeDelta {
        if failures < self.free.max(1) {
            return TimeDelta::zero();
        }
        let doublings = (failures - self.free.max(1)).min(40);
        let mut d = self.base.max(TimeDelta::milliseconds(1));
        for _ in 0..doublings {
            d = d * 2;
            if d >= self.max {
                break;
            }
        }
        d.min(self.max.max(self.base))
    }

    /// The failures a counter holds at `now`, given what was stored: zero once forgotten.
    pub fn current(&self, failures: u32, last_attempt: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
        if now - last_attempt > self.forget_after.max(self.max) {
            0
        } else {
            failures
        }
    }

    /// When the attempt after `failures` failures may be made, `None` when at once.
    pub fn blocked_until(&self, failures: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let d = self.delay(failures);
        (d > TimeDelta::zero()).then(|| now + d)
    }
}

/// Whole seconds until `until`, rounded up and at least 1 (the value of `Retry-After`).
pub fn retry_after_secs(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (until - now).num_milliseconds().max(1);
    (ms as u64).div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Backoff {
        Backoff {
            free: 3,
            base: TimeDelta::seconds(1),
            max: TimeDelta::seconds(60),
            forget_after: TimeDelta::minutes(60),
        }
    }

    #[test]
    fn free_failures_cost_nothing_then_the_delay_doubles_up_to_the_cap() {
        let p = policy();
        let secs: Vec<i64> = (0..12).map(|n| p.delay(n).num_seconds()).collect();
        assert_eq!(secs, vec![0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(p.delay(u32::MAX).num_seconds(), 60, "no overflow");
    }

    #[test]
    fn a_quiet_counter_is_forgotten_but_never_before_the_longest_delay() {
        let p = policy();
        let t = Utc::now();
        assert_eq!(p.current(7, t - TimeDelta::minutes(59), t), 7);
        assert_eq!(p.current(7, t - TimeDelta::minutes(61), t), 0);
        let short = Backoff {
            forget_after: TimeDelta::seconds(1),
            ..p
        };
        assert_eq!(short.current(7, t - TimeDelta::seconds(30), t), 7);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let t = Utc::now();
        assert_eq!(retry_after_secs(t + TimeDelta::milliseconds(1500), t), 2);
        assert_eq!(retry_after_secs(t + TimeDelta::seconds(4), t), 4);
        assert_eq!(retry_after_secs(t - TimeDelta::seconds(4), t), 1);
    }
}
