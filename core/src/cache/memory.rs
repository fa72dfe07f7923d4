//! The `memory` backend: fragments in this process, bounded by entries and
//! bytes (a `moka` cache), with a dependency index beside it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

use super::backend::{
    CacheBackend, ExpireEvent, ExpireHook, ExpireHooks, Fragment, Lookup, Stats, Ticket,
};
use crate::error::Result;

/// How long an expiry is remembered to refuse fragments rendered before it.
/// A render older than this is not stored at all.
const EXPIRY_MEMORY: Duration = Duration::from_secs(600);

/// The bounds of a [`MemoryBackend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimits {
    /// At most this many fragments (default 10,000).
    pub max_entries: u64,
    /// At most this many bytes of keys and text (default 64 MiB).
    pub max_bytes: u64,
}

impl Default for MemoryLimits {
    fn default() -> MemoryLimits {
        MemoryLimits {
            max_entries: 10_000,
            max_bytes: 64 << 20,
        }
    }
}

struct Entry {
    value: Arc<str>,
    deps: Arc<[String]>,
    ttl: Option<Duration>,
}

struct EntryTtl;

impl Expiry<Arc<str>, Arc<Entry>> for EntryTtl {
    fn expire_after_create(
        &self,
        _key: &Arc<str>,
        entry: &Arc<Entry>,
        _created_at: Instant,
    ) -> Option<Duration> {
        entry.ttl
    }

    fn expire_after_update(
        &self,
        _key: &Arc<str>,
        entry: &Arc<Entry>,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        entry.ttl
    }
}

/// Which fragments registered each dependency, and when each was expired.
#[derive(Default)]
struct Index {
    by_dep: HashMap<String, HashSet<Arc<str>>>,
    links: u64,
    /// The expiry count when each dependency was last expired.
    expired: HashMap<String, (u64, Instant)>,
    /// The expiry count of the last `clear`.
    cleared: u64,
}

/// Fragments kept in this process. The default backend: nothing to start.
///
/// A read takes no lock. Storing and expiring take one lock over the
/// dependency index, so an expiry and a store never interleave: once
/// [`expire`](CacheBackend::expire) returns, no fragment showing the
/// dependency can be read, and a fragment rendered before it is refused.
pub struct MemoryBackend {
    store: Cache<Arc<str>, Arc<Entry>>,
    index: Mutex<Index>,
    /// Expiries so far; a miss's [`Ticket`] is this count.
    seq: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    hooks: ExpireHooks,
}

impl MemoryBackend {
    /// An empty cache bounded by `limits`.
    pub fn new(limits: MemoryLimits) -> MemoryBackend {
        let max_entries = limits.max_entries.max(1);
        let max_bytes = limits.max_bytes.max(1);
        // Each entry weighs its bytes but at least the average slot, so the
        // byte bound also keeps the number of entries under `max_entries`.
        let slot = (max_bytes / max_entries).max(1);
        let store = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(move |key: &Arc<str>, entry: &Arc<Entry>| {
                let bytes = (key.len() + entry.value.len()) as u64;
                u32::try_from(bytes.max(slot)).unwrap_or(u32::MAX)
            })
            .expire_after(EntryTtl)
            .build();
        MemoryBackend {
            store,
            index: Mutex::new(Index::default()),
            seq: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            hooks: ExpireHooks::default(),
        }
    }

    fn index(&self) -> MutexGuard<'_, Index> {
        // A panic while holding the lock left the index whole (every change
        // to it is a single insert or remove), so keep using it.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops index links to fragments that are gone (evicted, timed out or
    /// stored again with other dependencies).
    fn prune(&self, index: &mut Index) {
        let store = &self.store;
        let mut links = 0;
        index.by_dep.retain(|dep, keys| {
            keys.retain(|k| store.get(k).is_some_and(|e| e.deps.contains(dep)));
            links += keys.len() as u64;
            !keys.is_empty()
        });
        index.links = links;
        let now = Instant::now();
        index
            .expired
            .retain(|_, (_, at)| now.duration_since(*at) < EXPIRY_MEMORY);
    }
}

impl Default for MemoryBackend {
    fn default() -> MemoryBackend {
        MemoryBackend::new(MemoryLimits::default())
    }
}

impl CacheBackend for MemoryBackend {
    fn lookup(&self, key: &str) -> Result<Lookup> {
        match self.store.get(key) {
            Some(entry) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Ok(Lookup::Hit(Fragment {
                    value: entry.value.clone(),
                    deps: entry.deps.clone(),
                }))
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Ok(Lookup::Miss(Ticket::new(self.seq.load(Ordering::Acquire))))
            }
        }
    }

    fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        deps: &[String],
        ticket: Ticket,
    ) -> Result<bool> {
        let mut index = self.index();
        if ticket.at.elapsed() >= EXPIRY_MEMORY || ticket.seq < index.cleared {
            return Ok(false);
        }
        let stale = deps.iter().any(|d| {
            index
                .expired
                .get(d)
                .is_some_and(|(seq, _)| *seq > ticket.seq)
        });
        if stale {
            return Ok(false);
        }
        let key: Arc<str> = Arc::from(key);
        let mut own: Vec<String> = Vec::with_capacity(deps.len());
        for d in deps {
            if !own.contains(d) {
                own.push(d.clone());
            }
        }
        let entry = Arc::new(Entry {
            value: Arc::from(value),
            deps: own.into(),
            ttl,
        });
        for dep in entry.deps.iter() {
            if index
                .by_dep
                .entry(dep.clone())
                .or_default()
                .insert(key.clone())
            {
                index.links += 1;
            }
        }
        self.store.insert(key, entry);
        if index.links > 2 * self.store.entry_count() + 1024 {
            self.prune(&mut index);
        }
        Ok(true)
    }

    fn expire(&self, deps: &[String]) -> Result<u64> {
        let mut removed = 0;
        {
            let mut index = self.index();
            let seq = self.seq.load(Ordering::Acquire) + 1;
            let now = Instant::now();
            for dep in deps {
                index.expired.insert(dep.clone(), (seq, now));
                if let Some(keys) = index.by_dep.remove(dep) {
                    index.links -= keys.len() as u64;
                    for key in keys {
                        if let Some(entry) = self.store.get(&key)
                            && entry.deps.contains(dep)
                        {
                            self.store.invalidate(&key);
                            removed += 1;
                        }
                    }
                }
            }
            self.seq.store(seq, Ordering::Release);
        }
        self.hooks.call(&ExpireEvent::local(deps));
        Ok(removed)
    }

    fn expire_key(&self, key: &str) -> Result<bool> {
        // Taken under the index lock so it does not race a store of the same key.
        let _index = self.index();
        Ok(self.store.remove(key).is_some())
    }

    fn clear(&self) -> Result<()> {
        let mut index = self.index();
        let seq = self.seq.load(Ordering::Acquire) + 1;
        self.store.invalidate_all();
        index.by_dep.clear();
        index.links = 0;
        index.cleared = seq;
        self.seq.store(seq, Ordering::Release);
        Ok(())
    }

    fn stats(&self) -> Result<Stats> {
        self.store.run_pending_tasks();
        let index = self.index();
        let mut entries = 0;
        let mut bytes = 0;
        for (key, entry) in self.store.iter() {
            entries += 1;
            bytes += (key.len() + entry.value.len()) as u64;
        }
        Ok(Stats {
            entries: Some(entries),
            bytes: Some(bytes),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            index_deps: Some(index.by_dep.len() as u64),
            index_links: Some(index.links),
        })
    }

    fn on_expire(&self, hook: ExpireHook) {
        self.hooks.add(hook);
    }
}
