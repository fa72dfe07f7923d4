//! What the cache blocks being rendered have shown: [`DepRecorder`].

use std::cell::RefCell;

/// The dependencies of the cache blocks being rendered, innermost last.
///
/// A block pushes a frame when it starts rendering after a miss and pops
/// it when done; a dependency registered while it renders goes to the
/// innermost frame, and a popped frame's dependencies go on to the frame
/// around it, so every enclosing block records every dependency of the
/// blocks inside it. A block that hits registers the cached fragment's
/// dependencies the same way.
#[derive(Debug, Default, Clone)]
pub struct DepRecorder {
    frames: Vec<Vec<String>>,
}

impl DepRecorder {
    /// No block is being rendered.
    pub fn new() -> DepRecorder {
        DepRecorder::default()
    }

    /// Whether a cache block is being rendered (so dependencies are wanted).
    #[inline]
    pub fn is_recording(&self) -> bool {
        !self.frames.is_empty()
    }

    /// How many cache blocks are being rendered, one inside the other.
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// A cache block starts rendering.
    pub fn push(&mut self) {
        self.frames.push(Vec::new());
    }

    /// The innermost block is done: its dependencies, also passed on to the
    /// block around it.
    pub fn pop(&mut self) -> Vec<String> {
        let deps = self.frames.pop().unwrap_or_default();
        if let Some(outer) = self.frames.last_mut() {
            for d in &deps {
                if !outer.contains(d) {
                    outer.push(d.clone());
                }
            }
        }
        deps
    }

    /// Records that the blocks being rendered show `dep`; nothing when no
    /// block is.
    pub fn register(&mut self, dep: &str) {
        if let Some(frame) = self.frames.last_mut()
            && !frame.iter().any(|d| d == dep)
        {
            frame.push(dep.to_owned());
        }
    }

    /// [`register`](Self::register) for each of `deps`.
    pub fn register_all<S: AsRef<str>>(&mut self, deps: &[S]) {
        for d in deps {
            self.register(d.as_ref());
        }
    }

    /// Drops frames down to `depth` (after a render error), passing nothing on.
    pub fn unwind_to(&mut self, depth: usize) {
        self.frames.truncate(depth);
    }
}

thread_local! {
    static THREAD_RECORDER: RefCell<DepRecorder> = const { RefCell::new(DepRecorder { frames: Vec::new() }) };
}

/// The recorder of this thread, for engines whose render state has no room
/// for one (the Handlebars and Tera adapters): a render runs on one thread,
/// and nested renders push and pop frames in order.
pub fn with_thread_recorder<R>(f: impl FnOnce(&mut DepRecorder) -> R) -> R {
    THREAD_RECORDER.with(|r| f(&mut r.borrow_mut()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_blocks_pass_their_dependencies_outwards() {
        let mut r = DepRecorder::new();
        r.register("ignored");
        assert!(!r.is_recording());
        r.push();
        r.register("page");
        r.push();
        r.register("post:1");
        r.register("post:1");
        r.push();
        r.register("author:7");
        assert_eq!(r.pop(), ["author:7"]);
        assert_eq!(r.pop(), ["post:1", "author:7"]);
        assert_eq!(r.pop(), ["page", "post:1", "author:7"]);
        assert!(!r.is_recording());
    }
}
