//! What this thread is compiling, for templates compiled while another
//! compiles (an engine that resolves `{% include %}` at compile time).
//!
//! Each thread keeps a stack of the cache keys it is compiling. It serves
//! three purposes:
//! - a template that needs itself while compiling is a recursion error, not
//!   a deadlock on its own slot;
//! - a thread that is already compiling never waits on a slot another thread
//!   has claimed (two threads compiling templates that include each other
//!   would wait on each other forever); it compiles privately instead;
//! - the sources a nested template depends on are added to the outer
//!   template's, so that in auto-reload mode editing an included file
//!   invalidates the template that inlined it.

use std::cell::RefCell;

use super::key::{CacheKey, KeyRef};
use super::slot::Dep;

struct Frame {
    cache: usize,
    key: CacheKey,
    deps: Vec<Dep>,
}

thread_local! {
    static STACK: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Where a lookup stands relative to the compiles in progress on this thread.
pub(crate) enum Nesting {
    /// Not inside any compile.
    Top,
    /// Inside a compile (of any cache).
    Nested,
    /// The same cache is already compiling this key on this thread: the
    /// names of the chain, outermost first, ending with the repeated one.
    Recursion(Vec<String>),
}

/// Where a lookup of `key` in the cache `cache` stands.
#[inline]
pub(crate) fn check(cache: usize, key: &KeyRef<'_>) -> Nesting {
    STACK.with(|stack| {
        let stack = stack.borrow();
        if stack.is_empty() {
            return Nesting::Top;
        }
        let ours = || stack.iter().filter(|f| f.cache == cache);
        if ours().any(|f| papaya::Equivalent::equivalent(key, &f.key)) {
            let mut chain: Vec<String> = ours().map(|f| f.key.name().to_owned()).collect();
            chain.push(key.name().to_owned());
            return Nesting::Recursion(chain);
        }
        Nesting::Nested
    })
}

/// Adds `deps` to the innermost compile of `cache` on this thread, if any.
pub(crate) fn record(cache: usize, deps: &[Dep]) {
    if deps.is_empty() {
        return;
    }
    STACK.with(|stack| {
        if let Some(frame) = stack
            .borrow_mut()
            .iter_mut()
            .rev()
            .find(|f| f.cache == cache)
        {
            frame.deps.extend_from_slice(deps);
        }
    });
}

/// Marks `key` of `cache` as being compiled on this thread until the
/// returned guard is finished or dropped (also when the compiler panics).
pub(crate) fn enter(cache: usize, key: CacheKey) -> FrameGuard {
    STACK.with(|stack| {
        stack.borrow_mut().push(Frame {
            cache,
            key,
            deps: Vec::new(),
        })
    });
    FrameGuard { done: false }
}

/// The compile in progress; see [`enter`].
pub(crate) struct FrameGuard {
    done: bool,
}

impl FrameGuard {
    /// Ends the compile, returning the dependencies nested lookups recorded.
    pub(crate) fn finish(mut self) -> Vec<Dep> {
        self.done = true;
        pop()
    }
}

impl Drop for FrameGuard {
    fn drop(&mut self) {
        if !self.done {
            pop();
        }
    }
}

fn pop() -> Vec<Dep> {
    STACK.with(|stack| stack.borrow_mut().pop().map(|f| f.deps).unwrap_or_default())
}
