//! The `dummy` backend: caches nothing (Django's `DummyCache`), to run a
//! site with its cache blocks switched off, or to measure them.

use std::time::Duration;

use super::backend::{CacheBackend, ExpireEvent, ExpireHook, Lookup, Stats, Ticket};
use crate::error::Result;
use std::sync::RwLock;

/// A backend that stores nothing: every lookup misses.
#[derive(Default)]
pub struct DummyBackend {
    hooks: RwLock<Vec<ExpireHook>>,
}

impl CacheBackend for DummyBackend {
    fn lookup(&self, _key: &str) -> Result<Lookup> {
        Ok(Lookup::Miss(Ticket::new(0)))
    }

    fn set(&self, _: &str, _: &str, _: Option<Duration>, _: &[String], _: Ticket) -> Result<bool> {
        Ok(false)
    }

    fn expire(&self, deps: &[String]) -> Result<u64> {
        let event = ExpireEvent {
            action: "expire".into(),
            deps: deps.to_vec(),
            origin: None,
            message: String::new(),
        };
        for hook in self.hooks.read().unwrap_or_else(|e| e.into_inner()).iter() {
            hook(&event);
        }
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
        self.hooks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
    }
}
