//! One cache slot: a result computed once, however many threads ask.
//!
//! A finished slot is read without any lock ([`Slot::entry`] is a
//! `OnceLock::get`). Until then, the first thread to ask claims the slot and
//! computes; the others wait on a condition variable for that one result. A
//! claim dropped without a result (the compiler panicked) is released, and a
//! waiting thread claims it in turn.

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::SystemTime;

use platen_core::{Compiled, ErrorKind, Origin, Result};

/// A source an entry was compiled from, or looked for, with the modification
/// time seen then (`None`: absent, or the loader cannot tell). In auto-reload
/// mode the entry is stale as soon as one of them differs.
#[derive(Debug, Clone)]
pub(crate) struct Dep {
    /// The index of the inner loader that made the origin.
    pub(crate) loader: usize,
    pub(crate) origin: Origin,
    pub(crate) modified: Option<SystemTime>,
}

/// A finished lookup: the compiled template or the error, and what it depends on.
pub(crate) struct Entry {
    pub(crate) result: Result<Compiled>,
    pub(crate) deps: Box<[Dep]>,
}

impl Entry {
    /// The result, cloned for a caller.
    pub(crate) fn result(&self) -> Result<Compiled> {
        match &self.result {
            Ok(compiled) => Ok(compiled.clone()),
            Err(err) => Err(err.clone()),
        }
    }

    /// Whether the entry may stay cached. Failures to read a file (permission
    /// denied, ...) are environmental: they are handed to the threads that
    /// waited for them, but not remembered.
    pub(crate) fn is_cacheable(&self) -> bool {
        !matches!(&self.result, Err(err) if err.kind() == ErrorKind::Io)
    }
}

/// A cache slot.
pub(crate) struct Slot {
    /// The cache generation the slot was made in; older slots are stale.
    pub(crate) generation: u64,
    entry: OnceLock<Entry>,
    claimed: Mutex<bool>,
    changed: Condvar,
}

/// What a thread asking a slot must do.
pub(crate) enum Turn<'a> {
    /// The result is there.
    Done(&'a Entry),
    /// The thread has claimed the slot and must compute the result.
    Mine(Claim<'a>),
    /// Another thread is computing and the caller asked not to wait.
    Busy,
}

impl Slot {
    pub(crate) fn new(generation: u64) -> Slot {
        Slot {
            generation,
            entry: OnceLock::new(),
            claimed: Mutex::new(false),
            changed: Condvar::new(),
        }
    }

    /// The result, if finished. Takes no lock.
    #[inline]
    pub(crate) fn entry(&self) -> Option<&Entry> {
        self.entry.get()
    }

    fn lock(&self) -> MutexGuard<'_, bool> {
        self.claimed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The result if finished; else claims the slot, or waits for the
    /// thread that has (when `wait`), or reports it busy.
    pub(crate) fn turn(&self, wait: bool) -> Turn<'_> {
        let mut claimed = self.lock();
        loop {
            if let Some(entry) = self.entry.get() {
                return Turn::Done(entry);
            }
            if !*claimed {
                *claimed = true;
                return Turn::Mine(Claim { slot: self });
            }
            if !wait {
                return Turn::Busy;
            }
            claimed = self
                .changed
                .wait(claimed)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The right to compute a slot's result; released (waking the waiters) when
/// dropped, with or without a result.
pub(crate) struct Claim<'a> {
    slot: &'a Slot,
}

impl<'a> Claim<'a> {
    /// Stores the result and wakes the waiting threads.
    pub(crate) fn fulfil(self, entry: Entry) -> &'a Entry {
        let slot = self.slot;
        // Only the claimant sets the cell, so it is empty and nobody else is
        // setting it: this never waits.
        let entry = slot.entry.get_or_init(|| entry);
        drop(self);
        entry
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut claimed = self.slot.lock();
        *claimed = false;
        drop(claimed);
        self.slot.changed.notify_all();
    }
}
