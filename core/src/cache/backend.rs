//! The contract of a place fragments live: [`CacheBackend`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::Result;

/// A cached fragment: its text and the dependencies it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The rendered text.
    pub value: Arc<str>,
    /// The dependencies registered when it was rendered (`post:42`).
    pub deps: Arc<[String]>,
}

/// A point in a backend's history of expiries, taken when a fragment was
/// missed: a fragment whose dependency was expired after this point is not
/// stored (it may show what was just expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// The backend's expiry counter when the ticket was taken.
    pub seq: u64,
    /// When the ticket was taken (a backend may refuse very old tickets).
    pub at: Instant,
}

impl Ticket {
    /// A ticket at expiry count `seq`, taken now.
    pub fn new(seq: u64) -> Ticket {
        Ticket {
            seq,
            at: Instant::now(),
        }
    }
}

/// What looking a key up found.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The fragment is cached.
    Hit(Fragment),
    /// It is not; store the rendered fragment with this ticket.
    Miss(Ticket),
}

/// What a backend holds, for `platen cache stats`. Counts a backend cannot
/// know cheaply are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Fragments stored.
    pub entries: Option<u64>,
    /// Bytes of fragment text stored.
    pub bytes: Option<u64>,
    /// Lookups that found a fragment.
    pub hits: u64,
    /// Lookups that found none.
    pub misses: u64,
    /// Dependencies with at least one fragment in the index.
    pub index_deps: Option<u64>,
    /// (dependency, fragment) pairs in the index.
    pub index_links: Option<u64>,
}

/// An expiry told to every process: by [`FragmentCache::expire`]
/// (`crate::cache::FragmentCache::expire`) here or in another process, or by
/// a foreign publisher (a Django or Rails app) on the cache's channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpireEvent {
    /// `expire`, or a foreign publisher's `save`, `publish`, `unpublish`.
    pub action: String,
    /// The dependencies expired.
    pub deps: Vec<String>,
    /// The process that expired them, when it said.
    pub origin: Option<String>,
    /// The whole message as received (JSON), with any extra metadata; empty
    /// for an expiry in this process on a backend without messages.
    pub message: String,
}

impl ExpireEvent {
    /// An expiry of `deps` in this process, on a backend without messages.
    pub fn local(deps: &[String]) -> ExpireEvent {
        ExpireEvent {
            action: "expire".into(),
            deps: deps.to_vec(),
            origin: None,
            message: String::new(),
        }
    }
}

/// Called once per expiry in each process (e.g. to re-render a hot page
/// before a visitor asks for it).
pub type ExpireHook = Arc<dyn Fn(&ExpireEvent) + Send + Sync>;

/// The expire hooks of one backend.
#[derive(Default)]
pub struct ExpireHooks(RwLock<Vec<ExpireHook>>);

impl ExpireHooks {
    /// Adds a hook.
    pub fn add(&self, hook: ExpireHook) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).push(hook);
    }

    /// Calls every hook with `event`. A hook that panics is reported in
    /// `tracing` and does not stop the others (nor the expiry that called it).
    pub fn call(&self, event: &ExpireEvent) {
        // Called without the lock held, so a hook may add hooks.
        let hooks: Vec<ExpireHook> = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        for hook in hooks {
            if catch_unwind(AssertUnwindSafe(|| hook(event))).is_err() {
                tracing::warn!(deps = ?event.deps, "a fragment cache expire hook panicked");
            }
        }
    }
}

/// Where fragments live. Keys given to a backend are full keys
/// (`:1:template.cache.sidebar.d41d...`); dependencies are identities
/// (`post:42`).
///
/// A backend keeps its dependency index consistent under concurrency: once
/// [`expire`](CacheBackend::expire) of a dependency returns, no fragment that
/// registered it can be read, and none rendered before it can be stored.
pub trait CacheBackend: Send + Sync {
    /// The fragment at `key`, or a ticket to store one.
    fn lookup(&self, key: &str) -> Result<Lookup>;

    /// Stores `value` at `key` for `ttl` (`None`: until expired), recording
    /// `deps`. Refuses (returns `false`) when one of `deps` was expired after
    /// `ticket` was taken.
    fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        deps: &[String],
        ticket: Ticket,
    ) -> Result<bool>;

    /// Removes every fragment that registered one of `deps`; returns how
    /// many fragments were removed.
    fn expire(&self, deps: &[String]) -> Result<u64>;

    /// Removes the fragment at `key`; whether there was one.
    fn expire_key(&self, key: &str) -> Result<bool>;

    /// Removes every fragment (and, for a shared backend, every fragment of
    /// this cache's key prefix).
    fn clear(&self) -> Result<()>;

    /// What the backend holds.
    fn stats(&self) -> Result<Stats>;

    /// Adds a hook called once per expiry seen by this process.
    fn on_expire(&self, hook: ExpireHook);
}
