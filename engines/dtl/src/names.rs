//! Shared name strings while a template compiles.
//!
//! The names a template uses (`team` in `{% for team in teams %}` and in
//! `{{ team.name }}`) become one shared `Arc<str>` per distinct name: fewer
//! allocations when compiling, and a context lookup at render time matches
//! such a name by pointer before comparing text.

use std::cell::RefCell;
use std::sync::Arc;

/// How many distinct names one compile shares; further names are allocated
/// one by one (the scan stays short, and hostile input can't grow it).
const MAX_SHARED: usize = 64;

thread_local! {
    static NAMES: RefCell<Option<Vec<Arc<str>>>> = const { RefCell::new(None) };
}

/// Shares names on this thread until dropped (one template's compile).
pub(crate) struct Sharing {
    outer: Option<Vec<Arc<str>>>,
}

impl Sharing {
    /// Starts sharing names on this thread.
    pub(crate) fn start() -> Sharing {
        let outer = NAMES.with(|n| n.borrow_mut().replace(Vec::with_capacity(16)));
        Sharing { outer }
    }
}

impl Drop for Sharing {
    fn drop(&mut self) {
        let outer = self.outer.take();
        NAMES.with(|n| *n.borrow_mut() = outer);
    }
}

/// The shared string for `text` (a new one outside a compile).
pub(crate) fn name(text: &str) -> Arc<str> {
    NAMES.with(|n| {
        let mut n = n.borrow_mut();
        let Some(names) = n.as_mut() else {
            return Arc::from(text);
        };
        if let Some(found) = names.iter().find(|s| ***s == *text) {
            return found.clone();
        }
        let made: Arc<str> = Arc::from(text);
        if names.len() < MAX_SHARED {
            names.push(made.clone());
        }
        made
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shared_only_while_compiling() {
        let (a, b) = (name("x"), name("x"));
        assert!(!Arc::ptr_eq(&a, &b));
        let sharing = Sharing::start();
        let (c, d) = (name("x"), name("x"));
        assert!(Arc::ptr_eq(&c, &d));
        {
            // A nested compile has its own names, and restores the outer ones.
            let _inner = Sharing::start();
            assert!(!Arc::ptr_eq(&name("x"), &c));
        }
        assert!(Arc::ptr_eq(&name("x"), &c));
        drop(sharing);
        assert!(!Arc::ptr_eq(&name("x"), &c));
    }
}
