//! The `dummy` backend: caches nothing (Django's `DummyCache`), to run a
//! site with its cache blocks switched off, or to measure them.

use std::time::Duration;

use super::backend::{CacheBackend, ExpireEvent, ExpireHook, ExpireHooks, Lookup, Stats, Ticket};
use crate::error::Result;

/// A backend that stores nothing: every lookup misses.
#[derive(Default)]
pub struct DummyBackend {
    hooks: ExpireHooks,
}

impl CacheBackend for DummyBackend {
    fn lookup(&self, _key: &str) -> Result<Lookup> {
        Ok(Lookup::Miss(Ticket::new(0)))
    }

    fn set(&self, _: &str, _: &str, _: Option<Duration>, _: &[String], _: Ticket) -> Result<bool> {
        Ok(false)
    }

    fn expire(&self, deps: &[String]) -> Result<u64> {
        self.hooks.call(&ExpireEvent::local(deps));
        Ok(0)
    }

    fn expire_key(&self, _key: &str) -> Result<bool> {
        Ok(false)
    }

    fn clear(&self) -> Result<()> {
        Ok(())
    }

    fn stats(&self) -> Result<Stats> {
        Ok(Stats {
            entries: Some(0),
            bytes: Some(0),
            index_deps: Some(0),
            index_links: Some(0),
            ..Stats::default()
        })
    }

    fn on_expire(&self, hook: ExpireHook) {
        self.hooks.add(hook);
    }
}
