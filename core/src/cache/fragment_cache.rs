//! [`FragmentCache`]: one configured cache, the API engines and applications use.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::backend::{CacheBackend, ExpireHook, Fragment, Lookup, Stats, Ticket};
use super::key::make_key;
use crate::error::Result;

/// How long a fragment is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The cache's `timeout` setting (Django's `DEFAULT_TIMEOUT`).
    Default,
    /// Until a dependency is expired (Django's timeout `None`).
    Forever,
    /// This many seconds; `0` means "do not cache", and removes any
    /// fragment already at the key, as Django does.
    Seconds(u64),
}

impl Ttl {
    /// A timeout as Django's cache tag reads one: `None` is forever, zero or
    /// less is "do not cache".
    pub fn from_django(timeout: Option<i64>) -> Ttl {
        match timeout {
            None => Ttl::Forever,
            Some(s) if s <= 0 => Ttl::Seconds(0),
            Some(s) => Ttl::Seconds(s as u64),
        }
    }
}

/// One configured cache: its alias, its backend and how it makes keys.
///
/// Cloning is cheap (the backend is shared).
#[derive(Clone)]
pub struct FragmentCache {
    inner: Arc<Inner>,
}

struct Inner {
    alias: String,
    backend: Arc<dyn CacheBackend>,
    key_prefix: String,
    version: i64,
    timeout: Ttl,
}

impl fmt::Debug for FragmentCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FragmentCache")
            .field("alias", &self.inner.alias)
            .field("key_prefix", &self.inner.key_prefix)
            .field("version", &self.inner.version)
            .field("timeout", &self.inner.timeout)
            .finish()
    }
}

/// A fragment being rendered after a miss: store it with
/// [`Pending::store`] once the text and its dependencies are known.
#[derive(Debug)]
pub struct Pending {
    cache: FragmentCache,
    full_key: String,
    ttl: Ttl,
    /// `None` when the backend failed: the fragment renders but is not stored.
    ticket: Option<Ticket>,
}

/// What a cache block finds: [`FragmentCache::begin`].
#[derive(Debug)]
pub enum Cached {
    /// The fragment is cached: write it, and register its dependencies with
    /// the enclosing blocks.
    Hit(Fragment),
    /// Render the block, then store it.
    Miss(Pending),
}

impl Pending {
    /// Stores the rendered fragment with what it showed, unless one of
    /// `deps` was expired while it was being rendered. Whether it was
    /// stored; a backend failure is logged by the backend and counts as not
    /// stored (the page still renders).
    pub fn store(self, value: &str, deps: &[String]) -> bool {
        let Some(ticket) = self.ticket else {
            return false;
        };
        self.cache
            .store_full(&self.full_key, value, self.ttl, deps, ticket)
            .unwrap_or(false)
    }
}

impl FragmentCache {
    /// A cache over `backend`, making keys `<key_prefix>:<version>:<key>`,
    /// keeping fragments `timeout` long when asked for [`Ttl::Default`].
    pub fn new(
        alias: impl Into<String>,
        backend: Arc<dyn CacheBackend>,
        key_prefix: impl Into<String>,
        version: i64,
        timeout: Ttl,
    ) -> FragmentCache {
        let timeout = if timeout == Ttl::Default {
            Ttl::Seconds(300)
        } else {
            timeout
        };
        FragmentCache {
            inner: Arc::new(Inner {
                alias: alias.into(),
                backend,
                key_prefix: key_prefix.into(),
                version,
                timeout,
            }),
        }
    }

    /// An in-memory cache with Django's defaults (no prefix, version 1,
    /// 300 seconds).
    pub fn memory(alias: impl Into<String>) -> FragmentCache {
        let backend = Arc::new(super::MemoryBackend::new(Default::default()));
        FragmentCache::new(alias, backend, "", 1, Ttl::Seconds(300))
    }

    /// The alias in settings (`default`).
    pub fn alias(&self) -> &str {
        &self.inner.alias
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn CacheBackend> {
        &self.inner.backend
    }

    /// The full key of `key`: `<key_prefix>:<version>:<key>`.
    pub fn make_key(&self, key: &str) -> String {
        make_key(&self.inner.key_prefix, self.inner.version, key)
    }

    /// The fragment at `key` (a key before [`make_key`](Self::make_key)).
    pub fn get(&self, key: &str) -> Result<Option<Fragment>> {
        Ok(match self.inner.backend.lookup(&self.make_key(key))? {
            Lookup::Hit(f) => Some(f),
            Lookup::Miss(_) => None,
        })
    }

    /// Stores `value` at `key` for `ttl`, recording that it shows `deps`.
    /// Whether it was stored (`Ttl::Seconds(0)` removes the key instead).
    pub fn set(&self, key: &str, value: &str, ttl: Ttl, deps: &[String]) -> Result<bool> {
        // The value is given, not rendered from data read earlier, so no
        // expiry can have made it stale: a ticket later than any expiry.
        // (To guard a render against expiries, use `begin`.)
        let ticket = Ticket::new(u64::MAX);
        self.store_full(&self.make_key(key), value, ttl, deps, ticket)
    }

    /// The cache block's first step: the cached fragment, or a [`Pending`]
    /// to store what the block renders. A backend failure is a miss whose
    /// result is not stored.
    pub fn begin(&self, key: &str, ttl: Ttl) -> Cached {
        let full_key = self.make_key(key);
        let ticket = match self.inner.backend.lookup(&full_key) {
            Ok(Lookup::Hit(f)) => return Cached::Hit(f),
            Ok(Lookup::Miss(ticket)) => Some(ticket),
            Err(_) => None,
        };
        Cached::Miss(Pending {
            cache: self.clone(),
            full_key,
            ttl,
            ticket,
        })
    }

    fn store_full(
        &self,
        full: &str,
        value: &str,
        ttl: Ttl,
        deps: &[String],
        ticket: Ticket,
    ) -> Result<bool> {
        let ttl = match ttl {
            Ttl::Default => self.inner.timeout,
            other => other,
        };
        match ttl {
            Ttl::Seconds(0) => {
                self.inner.backend.expire_key(full)?;
                Ok(false)
            }
            Ttl::Seconds(s) => {
                self.inner
                    .backend
                    .set(full, value, Some(Duration::from_secs(s)), deps, ticket)
            }
            Ttl::Forever | Ttl::Default => self.inner.backend.set(full, value, None, deps, ticket),
        }
    }

    /// Removes every fragment that registered `dep`, here and, for a shared
    /// backend, in every process; returns how many were removed.
    pub fn expire(&self, dep: &str) -> Result<u64> {
        self.inner.backend.expire(&[dep.to_owned()])
    }

    /// [`expire`](Self::expire) for several dependencies at once.
    pub fn expire_all(&self, deps: &[String]) -> Result<u64> {
        self.inner.backend.expire(deps)
    }

    /// Removes the fragment at `key` (a key before [`make_key`](Self::make_key)).
    pub fn expire_key(&self, key: &str) -> Result<bool> {
        self.inner.backend.expire_key(&self.make_key(key))
    }

    /// Removes every fragment.
    pub fn clear(&self) -> Result<()> {
        self.inner.backend.clear()
    }

    /// What the cache holds.
    pub fn stats(&self) -> Result<Stats> {
        self.inner.backend.stats()
    }

    /// Adds a hook called once per expiry seen by this process, whoever
    /// expired (this process, another platen process, a foreign publisher).
    pub fn on_expire(&self, hook: impl Fn(&super::ExpireEvent) + Send + Sync + 'static) {
        let hook: ExpireHook = Arc::new(hook);
        self.inner.backend.on_expire(hook);
    }
}
