//! # platen-redis
//!
//! The `redis` fragment cache backend: fragments and their dependency index
//! live in Redis, shared by every process (platen or not) that speaks the
//! same key schema, and expiries are told to every process over pub/sub.
//!
//! ```toml
//! [caches.default]
//! backend = "redis"                      # or django.core.cache.backends.redis.RedisCache
//! location = "redis://127.0.0.1:6379/0"
//! channel = "platen:expire"
//! l1 = true                              # an in-process copy in front of Redis
//! options = { timeout_ms = 200 }
//! ```
//!
//! The key schema (full keys are Django's `<key_prefix>:<version>:<key>`):
//!
//! - `<full key>`: the fragment text, with the fragment's TTL;
//! - `obj:<dep>`: a set of the full keys of the fragments that showed `<dep>`;
//! - `sobj:<full key>`: a set of the `obj:<dep>` sets the fragment is in;
//! - `platen:seq`: a counter, incremented once per expiry (and clear);
//! - `gen:<dep>`: the counter's value at `<dep>`'s last expiry (kept 600 s);
//!   a fragment rendered from a miss taken before it is refused;
//! - `platen:cleared:<key_prefix>:<version>`: the counter's value at the last
//!   clear of a cache (kept 600 s), refusing renders begun before it.
//!
//! An expiry publishes `{"action":"expire","deps":[...],"origin":"..."}` on
//! the cache's channel; every process (this one too) drops its in-process
//! copies of those dependencies and calls its expire hooks once. A foreign
//! publisher's `save`, `publish` and `unpublish` messages are handled the
//! same way. A clear publishes `{"action":"clear"}` (in-process copies are
//! dropped; no hook runs).
//!
//! The backend's calls are synchronous and bounded: each one runs on the
//! backend's own small runtime and is waited for at most `options.timeout_ms`
//! (default 200 ms). While Redis is down every call fails at once (one
//! warning per outage), the page renders uncached, and the backend checks
//! once per second whether Redis is back.
mod admin;
mod backend;
mod config;
mod link;
mod scripts;
mod subscriber;
/// A `redis-server` of your own on a free loopback port, for tests and benchmarks.
pub mod testing;

use std::sync::Arc;

use platen_core::cache::CacheBackend;
use platen_core::{CacheSettings, Registry};

pub use backend::RedisBackend;
pub use config::{DEFAULT_ADMIN_TIMEOUT, DEFAULT_LOCATION, DEFAULT_TIMEOUT, RedisConfig};
pub use subscriber::{ORIGIN_PREFIX, origin};

/// The name this backend is registered under.
pub const REDIS_CACHE: &str = "redis";

/// Django's name for its Redis cache backend, an alias of [`REDIS_CACHE`].
pub const DJANGO_REDIS_CACHE: &str = "django.core.cache.backends.redis.RedisCache";

/// The expiry counter.
pub const SEQ_KEY: &str = "platen:seq";

/// How long (seconds) a `gen:<dep>` is kept: a render older than this is not
/// stored at all (as the memory backend).
pub const GEN_TTL_SECS: u64 = 600;

/// Registers the `redis` cache backend, and Django's name for it.
pub fn register(registry: &mut Registry) {
    registry.register_cache(REDIS_CACHE, |settings: &CacheSettings| {
        let backend: Arc<dyn CacheBackend> = Arc::new(RedisBackend::from_settings(settings)?);
        Ok(backend)
    });
    registry.register_alias(DJANGO_REDIS_CACHE, REDIS_CACHE);
}
