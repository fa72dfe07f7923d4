//! The context stack of one render: Django's `Context.dicts`, flattened.
//!
//! Every name set during a render (`{% for %}` variables, `{% with %}`,
//! `as` targets, an include's `with`) lives in one vector of
//! `(name, value)` pairs; a scope is the tail of that vector from where it
//! was opened. Lookups walk the pairs from the innermost outwards. Most
//! renders never hold more than a handful of names, so the first few live
//! inline in the renderer and a render with shallow nesting allocates
//! nothing for its context stack.

use std::sync::Arc;

use platen_core::Value;
use smallvec::SmallVec;

/// One name and its value.
pub(crate) type Slot = (Arc<str>, Value);

/// Names and values of a render's scopes, innermost last.
pub(crate) struct Scopes {
    slots: SmallVec<[Slot; 8]>,
    /// Where each open scope starts in `slots`; the first scope starts at 0.
    starts: SmallVec<[u32; 8]>,
}

/// Whether two names are equal: the same shared string (names parsed from
/// one template share it) or the same text.
#[inline]
fn same(a: &Arc<str>, b: &str) -> bool {
    std::ptr::eq(Arc::as_ptr(a) as *const u8, b.as_ptr()) && a.len() == b.len() || **a == *b
}

impl Scopes {
    /// A stack with one empty scope.
    pub(crate) fn new() -> Scopes {
        let mut starts = SmallVec::new();
        starts.push(0);
        Scopes {
            slots: SmallVec::new(),
            starts,
        }
    }

    /// How many scopes are open.
    pub(crate) fn depth(&self) -> usize {
        self.starts.len()
    }

    /// Opens an empty scope.
    #[inline]
    pub(crate) fn push(&mut self) {
        self.starts.push(self.slots.len() as u32);
    }

    /// Opens a scope holding `slots`.
    pub(crate) fn push_with(&mut self, slots: impl IntoIterator<Item = Slot>) {
        self.push();
        self.slots.extend(slots);
    }

    /// Closes the innermost scope (the first one stays open).
    #[inline]
    pub(crate) fn pop(&mut self) {
        if self.starts.len() > 1 {
            let start = self.starts.pop().unwrap_or(0);
            self.slots.truncate(start as usize);
        }
    }

    /// The innermost scope's slots.
    #[inline]
    pub(crate) fn top_mut(&mut self) -> &mut [Slot] {
        let start = *self.starts.last().unwrap_or(&0) as usize;
        &mut self.slots[start..]
    }

    /// Sets `name` in the innermost scope (Django's `context[name] = value`).
    pub(crate) fn set(&mut self, name: &Arc<str>, value: Value) {
        match self.top_mut().iter_mut().find(|(k, _)| same(k, name)) {
            Some(slot) => slot.1 = value,
            None => self.slots.push((name.clone(), value)),
        }
    }

    /// Sets `name` in the innermost scope at or above scope `floor` that
    /// has it, else in the innermost scope (Django's `set_upward`).
    pub(crate) fn set_upward(&mut self, floor: usize, name: &Arc<str>, value: Value) {
        let from = self.start_of(floor);
        if let Some(slot) = self.slots[from..]
            .iter_mut()
            .rev()
            .find(|(k, _)| same(k, name))
        {
            slot.1 = value;
            return;
        }
        self.set(name, value);
    }

    /// The innermost value of `name` in scope `floor` and the scopes inside it.
    #[inline]
    pub(crate) fn get(&self, floor: usize, name: &str) -> Option<&Value> {
        let from = self.start_of(floor);
        self.slots[from..]
            .iter()
            .rev()
            .find(|(k, _)| same(k, name))
            .map(|(_, v)| v)
    }

    fn start_of(&self, scope: usize) -> usize {
        self.starts
            .get(scope)
            .map_or(self.slots.len(), |s| *s as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn inner_scopes_shadow_and_vanish() {
        let mut s = Scopes::new();
        s.set(&name("a"), Value::from(1));
        s.push_with([(name("a"), Value::from(2)), (name("b"), Value::from(3))]);
        assert_eq!(s.get(0, "a"), Some(&Value::from(2)));
        assert_eq!(s.get(0, "b"), Some(&Value::from(3)));
        s.pop();
        assert_eq!(s.get(0, "a"), Some(&Value::from(1)));
        assert_eq!(s.get(0, "b"), None);
        // The first scope is never closed.
        s.pop();
        assert_eq!(s.get(0, "a"), Some(&Value::from(1)));
    }

    #[test]
    fn set_replaces_in_the_innermost_scope_only() {
        let mut s = Scopes::new();
        s.set(&name("x"), Value::from(1));
        s.push();
        s.set(&name("x"), Value::from(2));
        s.set(&name("x"), Value::from(3));
        assert_eq!(s.top_mut().len(), 1);
        s.pop();
        assert_eq!(s.get(0, "x"), Some(&Value::from(1)));
    }

    #[test]
    fn set_upward_finds_the_nearest_scope_above_the_floor() {
        let mut s = Scopes::new();
        s.set(&name("c"), Value::from(1));
        s.push();
        s.push();
        s.set_upward(0, &name("c"), Value::from(2));
        assert_eq!(s.top_mut().len(), 0);
        assert_eq!(s.get(0, "c"), Some(&Value::from(2)));
        // Below the floor it is not seen: the name is set in the innermost scope.
        s.set_upward(2, &name("c"), Value::from(3));
        assert_eq!(s.top_mut().len(), 1);
        assert_eq!(s.get(2, "c"), Some(&Value::from(3)));
        s.pop();
        assert_eq!(s.get(0, "c"), Some(&Value::from(2)));
    }

    #[test]
    fn a_floor_hides_outer_scopes() {
        let mut s = Scopes::new();
        s.set(&name("outer"), Value::from(1));
        s.push();
        assert_eq!(s.get(1, "outer"), None);
        assert_eq!(s.get(s.depth(), "outer"), None);
        assert_eq!(s.get(0, "outer"), Some(&Value::from(1)));
    }
}
