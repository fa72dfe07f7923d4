//! Fragment caching that knows what it shows.
//!
//! A cached fragment is a rendered string stored under a key together with
//! the *dependencies* it showed: the cache identities of the content objects
//! (`post:42`) rendered inside it. Expiring a dependency removes, at once,
//! every fragment that registered it; nothing waits for a timeout.
//!
//! - [`FragmentCache`]: one configured cache (`[caches.<alias>]`), the API
//!   every engine and application uses: [`get`](FragmentCache::get),
//!   [`set`](FragmentCache::set), [`expire`](FragmentCache::expire),
//!   [`expire_key`](FragmentCache::expire_key), [`clear`](FragmentCache::clear),
//!   [`stats`](FragmentCache::stats). Keys are made full in Django's
//!   `make_key` form, `<key_prefix>:<version>:<key>`.
//! - [`CacheBackend`]: where fragments live; [`MemoryBackend`] (`memory`)
//!   and [`DummyBackend`] (`dummy`, caches nothing) are built in,
//!   Redis comes from the `platen-redis` crate. Backends are registered by
//!   name in the [`Registry`](crate::Registry).
//! - [`Caches`]: every configured cache by alias, handed to each engine.
//! - [`DepRecorder`]: what the cache blocks being rendered have shown so far,
//!   innermost last, so nested blocks register every dependency with every
//!   enclosing block (Russian-doll caching).
//!
//! `docs/cache-protocol.md` documents the key schema and messages shared with
//! processes of other frameworks.

mod backend;
mod caches;
mod dummy;
mod fragment_cache;
mod key;
mod memory;
mod recorder;

pub use backend::{
    CacheBackend, ExpireEvent, ExpireHook, ExpireHooks, Fragment, Lookup, Stats, Ticket,
};
pub use caches::{Caches, TEMPLATE_FRAGMENTS};
pub use dummy::DummyBackend;
pub use fragment_cache::{Cached, FragmentCache, Pending, Ttl};
pub use key::{make_key, template_fragment_key};
pub use memory::{MemoryBackend, MemoryLimits};
pub use recorder::{DepRecorder, with_thread_recorder};
