//! A small read cache for hot, rarely changing reads: session lookups, the people directory,
//! regions, unread counts.
//!
//! Correct within a process: every committed write bumps the database handle's generation
//! ([`salesdesk_store::Db::commit`]), and an entry cached under an older generation is never
//! returned. Across processes on one PostgreSQL a write made by another process is seen after
//! at most the TTL (`read_cache_ms`, 1 s by default); 0 turns the cache off.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries kept at most; when full, the whole cache is dropped (cheap, and rare).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    generation: u64,
    at: Instant,
    value: Arc<dyn Any + Send + Sync>,
}

pub struct ReadCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    pub fn new(ttl: Duration) -> ReadCache {
        ReadCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value, if it was stored under this generation and is younger than the TTL.
    pub fn get<T: Send + Sync + 'static>(&self, key: &str, generation: u64) -> Option<Arc<T>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let e = entries.get(key)?;
        if e.generation != generation || e.at.elapsed() > self.ttl {
            return None;
        }
        e.value.clone().downcast::<T>().ok()
    }

    pub fn put<T: Send + Sync + 'static>(&self, key: String, generation: u64, value: Arc<T>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                key,
                Entry {
                    generation,
                    at: Instant::now(),
                    value,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_from_an_older_generation_or_past_its_ttl_is_not_returned() {
        let c = ReadCache::new(Duration::from_millis(50));
        c.put("k".into(), 1, Arc::new(42u32));
        assert_eq!(c.get::<u32>("k", 1).as_deref(), Some(&42));
        assert!(c.get::<u32>("k", 2).is_none(), "a write happened since");
        assert!(
            c.get::<String>("k", 1).is_none(),
            "another type is not returned"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.get::<u32>("k", 1).is_none(), "too old");
    }

    #[test]
    fn a_zero_ttl_turns_the_cache_off() {
        let c = ReadCache::new(Duration::ZERO);
        c.put("k".into(), 1, Arc::new(1u8));
        assert!(c.get::<u8>("k", 1).is_none());
    }
}
