//! The Tera contexts each thread keeps between renders.
//!
//! Tera renders from its own `Context`, a B-tree keyed by
//! `Cow<'static, str>`. Building one for every render costs a tree node, an
//! owned key per variable, and freeing all of them afterwards: on a small
//! page, about a tenth of the render. Yet a page is rendered again and again
//! with the same variable names (one view, one template), so each thread
//! keeps the contexts of its last [`SLOTS`] sets of names. When a render's
//! names are those of a kept context, in the same order, only the values are
//! replaced: the tree, its keys and its shape stay.
//!
//! Why a kept context holds exactly what a new one would:
//! - it is reused only when its names equal the render's, in order, so it
//!   has the same keys;
//! - every value is replaced, in the same order a new context inserts them,
//!   before Tera reads it, unless it is the very value the kept one was
//!   converted from ([`Identity`]: an equal number, boolean, date or time,
//!   or the same string, list or map allocation; never a value holding a
//!   dynamic object, whose attributes may change).
//!
//! Replacing a value needs a `'static` key: names are interned
//! ([`static_name`]), each distinct name once for the process, up to
//! [`INTERNED_BYTES`]; past that, names are owned copies (correct, and as
//! costly as a new context).
//!
//! A kept context holds its values until the thread renders with the same
//! names again or the slot is taken by other names: at most [`SLOTS`]
//! contexts per thread. They are Tera's copies: platen's strings, lists and
//! maps are only remembered by address, through a `Weak`, which keeps
//! their allocation but not their contents.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{LazyLock, Mutex};

use platen_core::value::Identity;
use platen_core::{Context, Request, RoundRobin};

use crate::convert::{self, Added};

/// How many contexts (sets of names) each thread keeps.
const SLOTS: usize = 4;

/// The most bytes of names interned for the process.
const INTERNED_BYTES: usize = 64 * 1024;

/// Names longer than this are never interned.
const LONGEST_INTERNED: usize = 64;

/// A kept context and the names it was built with, in insertion order.
struct Slot {
    names: Vec<Cow<'static, str>>,
    /// What the values of the context's own variables (the first names;
    /// the request's come after) were converted from.
    seen: Vec<Identity>,
    /// The names a request added (the last names).
    added: Added,
    context: tera::Context,
}

impl Slot {
    /// A context of the render's names, whose values are then set.
    fn new(ctx: &Context, added: Added) -> Slot {
        Slot {
            names: convert::names(ctx, added).map(static_name).collect(),
            seen: std::iter::repeat_with(Identity::nothing)
                .take(ctx.len())
                .collect(),
            added,
            context: tera::Context::new(),
        }
    }

    /// Whether this context was built with the render's names: those of
    /// `ctx`, in order, and the same ones added by a request.
    fn has_names(&self, ctx: &Context, added: Added) -> bool {
        self.added == added
            && self.seen.len() == ctx.len()
            && self
                .names
                .iter()
                .zip(ctx.iter())
                .all(|(kept, (name, _))| **kept == *name)
    }

    /// Sets every variable, in order; a value the same as the one it was
    /// converted from last time is left as it is.
    fn set_values(&mut self, ctx: &Context, request: Option<&Request>, added: Added) {
        let (own, from_request) = self.names.split_at(self.seen.len());
        for ((name, seen), (_, value)) in own.iter().zip(&mut self.seen).zip(ctx.iter()) {
            if seen.is(value) {
                continue;
            }
            let converted = crate::shared::value_of(value);
            self.context.insert_value(name.clone(), converted);
            // Only now: `seen` always describes the value held.
            *seen = Identity::of(value);
        }
        if request.is_some() {
            for (name, value) in from_request
                .iter()
                .zip(convert::request_values(request, added))
            {
                self.context.insert_value(name.clone(), value);
            }
        }
    }
}

/// A kept context holding the render's variables.
fn context_for<'a>(
    kept: &'a mut RoundRobin<Slot>,
    ctx: &Context,
    request: Option<&Request>,
    added: Added,
) -> &'a tera::Context {
    let Ok((slot, _)) = kept.find_or_insert(
        |slot| slot.has_names(ctx, added),
        || Ok::<_, Infallible>(Slot::new(ctx, added)),
    );
    slot.set_values(ctx, request, added);
    &slot.context
}

thread_local! {
    static KEPT: RefCell<RoundRobin<Slot>> = const { RefCell::new(RoundRobin::new(SLOTS)) };
}

/// Calls `render` with a Tera context holding `ctx` (and what `request`
/// adds): one this thread kept, or a new one while those are in use (a
/// render started inside another, such as an object's attribute rendering
/// a template) or gone (the thread is ending).
pub(crate) fn with_context<R>(
    ctx: &Context,
    request: Option<&Request>,
    mut render: impl FnMut(&tera::Context) -> R,
) -> R {
    let added = Added::new(ctx, request);
    let kept = KEPT.try_with(|kept| {
        let mut kept = kept.try_borrow_mut().ok()?;
        Some(render(context_for(&mut kept, ctx, request, added)))
    });
    match kept {
        Ok(Some(out)) => out,
        _ => render(&convert::context(ctx, request)),
    }
}

/// The names interned so far, and their total length.
#[derive(Default)]
struct Interned {
    names: HashSet<&'static str>,
    bytes: usize,
}

static INTERNED: LazyLock<Mutex<Interned>> = LazyLock::new(Mutex::default);

/// `name` as a `'static` key: interned (leaked once for the process, so
/// the set of names is bounded by [`INTERNED_BYTES`]), or an owned copy.
fn static_name(name: &str) -> Cow<'static, str> {
    if name.len() > LONGEST_INTERNED {
        return Cow::Owned(name.to_owned());
    }
    // A panic elsewhere while holding the lock leaves the set whole.
    let mut interned = INTERNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&kept) = interned.names.get(name) {
        return Cow::Borrowed(kept);
    }
    if interned.bytes + name.len() > INTERNED_BYTES {
        return Cow::Owned(name.to_owned());
    }
    let leaked: &'static str = Box::leak(Box::from(name));
    interned.names.insert(leaked);
    interned.bytes += name.len();
    Cow::Borrowed(leaked)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use platen_core::Value;

    use super::*;

    fn render(ctx: &Context, request: Option<&Request>) -> Vec<(String, String)> {
        with_context(ctx, request, |tctx| {
            let names: Vec<&str> = convert::names(ctx, Added::new(ctx, request)).collect();
            names
                .iter()
                .map(|n| (n.to_string(), format!("{:?}", tctx.get(n))))
                .collect()
        })
    }

    #[test]
    fn a_kept_context_holds_exactly_the_new_values() {
        let first = Context::new().with("a", 1).with("b", "x");
        let second = Context::new().with("a", 2).with("b", Value::safe("<y>"));
        let fresh = |ctx: &Context| {
            let t = convert::context(ctx, None);
            ["a", "b"]
                .map(|n| (n.to_owned(), format!("{:?}", t.get(n))))
                .to_vec()
        };
        assert_eq!(render(&first, None), fresh(&first));
        assert_eq!(render(&second, None), fresh(&second));
        assert_eq!(render(&first, None), fresh(&first));
    }

    #[test]
    fn other_names_or_order_get_their_own_context() {
        let ab = Context::new().with("a", 1).with("b", 2);
        let ba = Context::new().with("b", 3).with("a", 4);
        let a = Context::new().with("a", 5);
        let abc = Context::new().with("a", 6).with("b", 7).with("c", 8);
        for _ in 0..2 {
            for ctx in [&ab, &ba, &a, &abc] {
                with_context(ctx, None, |t| {
                    for (name, value) in ctx.iter() {
                        assert_eq!(t.get(name).and_then(|v| v.as_i64()), value.as_i64());
                    }
                    // No variable of another render is left behind.
                    for gone in ["a", "b", "c"].into_iter().filter(|n| !ctx.contains(n)) {
                        assert!(t.get(gone).is_none(), "{gone} left in {ctx:?}");
                    }
                });
            }
        }
    }

    #[test]
    fn more_sets_of_names_than_slots_still_render_right() {
        let contexts: Vec<Context> = (0..SLOTS as i64 * 3)
            .map(|i| Context::new().with(&format!("v{i}"), i))
            .collect();
        for _ in 0..2 {
            for (i, ctx) in (0..).zip(&contexts) {
                let got = with_context(ctx, None, |t| {
                    t.get(&format!("v{i}")).and_then(|v| v.as_i64())
                });
                assert_eq!(got, Some(i));
            }
        }
    }

    #[test]
    fn a_render_inside_a_render_gets_its_own_context() {
        let outer = Context::new().with("a", 1);
        let inner = Context::new().with("a", 2);
        with_context(&outer, None, |t| {
            let nested = with_context(&inner, None, |t| t.get("a").and_then(|v| v.as_i64()));
            assert_eq!(nested, Some(2));
            assert_eq!(t.get("a").and_then(|v| v.as_i64()), Some(1));
        });
    }

    #[test]
    fn request_variables_are_set_again_on_each_render() {
        let ctx = Context::new().with("a", 1);
        let token = |t: &str| {
            let mut request = Request::new("GET", "/");
            request.csrf_token = Some(t.to_owned());
            request
        };
        for t in ["one", "two"] {
            let got = with_context(&ctx, Some(&token(t)), |c| {
                c.get("csrf_token").map(|v| v.as_str().map(str::to_owned))
            });
            assert_eq!(got, Some(Some(t.to_owned())));
        }
        // Without a request, the request's names are gone again.
        assert!(with_context(&ctx, None, |c| c.get("csrf_token").is_none()));
    }

    fn get(ctx: &Context, name: &str) -> String {
        with_context(ctx, None, |t| format!("{:?}", t.get(name)))
    }

    #[test]
    fn a_value_changed_between_renders_is_seen_anew() {
        let mut list = Value::from(vec![1]);
        let mut ctx = Context::new()
            .with("n", 1)
            .with("s", "a")
            .with("list", list.clone());
        let before = (get(&ctx, "n"), get(&ctx, "s"), get(&ctx, "list"));
        ctx.insert("n", 2);
        ctx.insert("s", Value::safe("a"));
        ctx.insert("list", Value::None);
        if let Value::List(items) = &mut list {
            // The only strong reference now, with the kept `Weak` on it.
            Arc::make_mut(items).push(Value::from(2));
        }
        ctx.insert("list", list);
        let after = (get(&ctx, "n"), get(&ctx, "s"), get(&ctx, "list"));
        let fresh = convert::context(&ctx, None);
        assert_eq!(after.0, format!("{:?}", fresh.get("n")));
        assert_eq!(after.1, format!("{:?}", fresh.get("s")));
        assert_eq!(after.2, format!("{:?}", fresh.get("list")));
        assert_ne!(before, after);
        assert!(with_context(&ctx, None, |t| t
            .get("s")
            .is_some_and(|s| s.is_safe())));
    }

    /// An object whose attribute changes on every read.
    #[derive(Debug, Default)]
    struct Counter(std::sync::atomic::AtomicI64);

    impl platen_core::Object for Counter {
        fn get_attr(&self, name: &str) -> Option<Value> {
            (name == "n")
                .then(|| Value::from(self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
        }
        fn attr_names(&self) -> Option<Vec<Arc<str>>> {
            Some(vec!["n".into()])
        }
    }

    #[test]
    fn values_holding_objects_are_read_on_every_render() {
        let ctx = Context::new().with("c", Value::from_object(Counter::default()));
        let ctx_in_list = Context::new().with("l", vec![Value::from_object(Counter::default())]);
        for i in 0..3 {
            let n = with_context(&ctx, None, |t| {
                t.get("c")?
                    .as_map()?
                    .get(&tera::value::Key::Str("n"))?
                    .as_i64()
            });
            assert_eq!(n, Some(i));
            let n = with_context(&ctx_in_list, None, |t| {
                t.get("l").and_then(|l| {
                    l.as_array()?[0]
                        .as_map()?
                        .get(&tera::value::Key::Str("n"))?
                        .as_i64()
                })
            });
            assert_eq!(n, Some(i));
        }
    }

    #[test]
    fn long_names_are_owned_and_short_ones_interned_once() {
        let long = "n".repeat(LONGEST_INTERNED + 1);
        assert!(matches!(static_name(&long), Cow::Owned(_)));
        let (Cow::Borrowed(a), Cow::Borrowed(b)) =
            (static_name("kept_name"), static_name("kept_name"))
        else {
            panic!("short names are interned");
        };
        assert!(std::ptr::eq(a, b));
    }
}
