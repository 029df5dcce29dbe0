//! The time as login throttling sees it: the system clock, or in tests a manual clock that
//! only moves when told to, so that back-off delays are tested without sleeping through them.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

/// A clock shared by every clone (two test servers given one config see one time).
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    /// The system clock (microseconds, as the database keeps them).
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock standing still at `start` until [`Clock::advance`]d.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(start))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => salesdesk_store::now(),
            Some(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance(&self, by: TimeDelta) {
        if let Some(t) = &self.0 {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let start = salesdesk_store::now();
        let c = Clock::manual(start);
        let twin = c.clone();
        assert_eq!(c.now(), start);
        twin.advance(TimeDelta::seconds(90));
        assert_eq!(c.now(), start + TimeDelta::seconds(90));
    }
}
