//! The `handlebars` data each thread keeps between renders.
//!
//! `handlebars` renders from JSON, so every render converts its context: a
//! copy of every string, list and map in it. Yet a page is rendered again
//! and again with the same variables, and many of their values are the very
//! same ones (site-wide lists, settings, a context prepared once). So each
//! thread keeps the data of its last [`SLOTS`] sets of variable names, and
//! when a render has one of those sets, in the same order, converts again
//! only the variables whose value is not the one converted last time
//! ([`Identity`]: an equal number, boolean, date or time, or the same
//! string, list or map allocation; never a value holding a dynamic object).
//! What a request adds is set again on every render.
//!
//! A kept slot holds its JSON until the thread renders with the same names
//! again or the slot is taken by other names: at most [`SLOTS`] per thread.
//! platen's strings, lists and maps are only remembered by address, through
//! a `Weak`, which keeps their allocation but not their contents.

use std::cell::RefCell;

use handlebars::{Context as HbsContext, RenderError};
use platen_core::value::Identity;
use platen_core::{Context, Request, RoundRobin};

use crate::convert;

/// How many sets of names each thread keeps data for.
const SLOTS: usize = 4;

/// Kept data, and the names and values it was converted from.
struct Slot {
    names: Vec<String>,
    seen: Vec<Identity>,
    /// Whether a request added its variables.
    with_request: bool,
    data: HbsContext,
}

impl Slot {
    fn new(ctx: &Context, request: Option<&Request>) -> Result<Slot, RenderError> {
        Ok(Slot {
            names: ctx.iter().map(|(name, _)| name.to_owned()).collect(),
            seen: ctx.iter().map(|(_, value)| Identity::of(value)).collect(),
            with_request: request.is_some(),
            data: convert::context(ctx, request)?,
        })
    }

    /// Whether this slot holds the render's names, in order (what a request
    /// adds follows from them).
    fn has_names(&self, ctx: &Context, request: Option<&Request>) -> bool {
        self.with_request == request.is_some()
            && self.names.len() == ctx.len()
            && self
                .names
                .iter()
                .zip(ctx.iter())
                .all(|(kept, (name, _))| kept == name)
    }

    /// Converts the variables whose value changed, and sets the request's.
    fn update(&mut self, ctx: &Context, request: Option<&Request>) -> Result<(), RenderError> {
        for ((name, seen), (_, value)) in self.names.iter().zip(&mut self.seen).zip(ctx.iter()) {
            if seen.is(value) {
                continue;
            }
            let converted = convert::value(value)?;
            if let Some(slot) = self
                .data
                .data_mut()
                .as_object_mut()
                .and_then(|map| map.get_mut(name))
            {
                *slot = converted;
            }
            // Only now: `seen` always describes the value held.
            *seen = Identity::of(value);
        }
        convert::add_request(&mut self.data, ctx, request);
        Ok(())
    }
}

/// Kept data holding the render's variables.
fn data_for<'a>(
    kept: &'a mut RoundRobin<Slot>,
    ctx: &Context,
    request: Option<&Request>,
) -> Result<&'a HbsContext, RenderError> {
    let (slot, found) = kept.find_or_insert(
        |slot| slot.has_names(ctx, request),
        || Slot::new(ctx, request),
    )?;
    if found {
        slot.update(ctx, request)?;
    }
    Ok(&slot.data)
}

thread_local! {
    static KEPT: RefCell<RoundRobin<Slot>> = const { RefCell::new(RoundRobin::new(SLOTS)) };
}

/// Calls `render` with `handlebars` data holding `ctx` (and what `request`
/// adds): kept by this thread, or new while the kept data is in use (a
/// render started inside another, such as a helper rendering a template)
/// or gone (the thread is ending).
pub(crate) fn with_data<R>(
    ctx: &Context,
    request: Option<&Request>,
    mut render: impl FnMut(&HbsContext) -> Result<R, RenderError>,
) -> Result<R, RenderError> {
    let kept = KEPT.try_with(|kept| {
        let mut kept = kept.try_borrow_mut().ok()?;
        Some(data_for(&mut kept, ctx, request).and_then(&mut render))
    });
    match kept {
        Ok(Some(out)) => out,
        _ => render(&convert::context(ctx, request)?),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use platen_core::Value;

    use super::*;

    fn json(ctx: &Context, request: Option<&Request>) -> String {
        with_data(ctx, request, |data| Ok(data.data().to_string())).unwrap()
    }

    fn fresh(ctx: &Context, request: Option<&Request>) -> String {
        convert::context(ctx, request).unwrap().data().to_string()
    }

    #[test]
    fn kept_data_is_what_a_new_conversion_gives() {
        let mut list = Value::from(vec![1]);
        let mut ctx = Context::new()
            .with("n", 1)
            .with("s", "a")
            .with("list", list.clone());
        assert_eq!(json(&ctx, None), fresh(&ctx, None));
        ctx.insert("n", 2);
        ctx.insert("s", Value::safe("b"));
        ctx.insert("list", Value::None);
        if let Value::List(items) = &mut list {
            // The only strong reference now, with the kept `Weak` on it.
            Arc::make_mut(items).push(Value::from(2));
        }
        ctx.insert("list", list);
        assert_eq!(json(&ctx, None), r#"{"n":2,"s":"b","list":[1,2]}"#);
    }

    #[test]
    fn other_names_order_or_request_get_their_own_data() {
        let mut request = Request::new("GET", "/p");
        request.csrf_token = Some("tok".into());
        let contexts = [
            Context::new().with("a", 1).with("b", 2),
            Context::new().with("b", 3).with("a", 4),
            Context::new().with("a", 5),
            Context::new().with("csrf_token", "mine").with("a", 6),
        ];
        for _ in 0..2 {
            for ctx in &contexts {
                for request in [None, Some(&request)] {
                    assert_eq!(json(ctx, request), fresh(ctx, request));
                }
            }
        }
    }

    #[test]
    fn the_request_is_set_again_on_each_render() {
        let ctx = Context::new().with("a", 1);
        for token in ["one", "two"] {
            let mut request = Request::new("GET", "/");
            request.csrf_token = Some(token.into());
            let got =
                with_data(&ctx, Some(&request), |d| Ok(d.data()["csrf_token"].clone())).unwrap();
            assert_eq!(got, token);
        }
    }

    #[test]
    fn a_render_inside_a_render_gets_its_own_data() {
        let outer = Context::new().with("a", 1);
        let inner = Context::new().with("a", 2);
        with_data(&outer, None, |d| {
            assert_eq!(json(&inner, None), r#"{"a":2}"#);
            assert_eq!(d.data().to_string(), r#"{"a":1}"#);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn more_sets_of_names_than_slots_still_convert_right() {
        let contexts: Vec<Context> = (0..SLOTS as i64 * 3)
            .map(|i| Context::new().with(&format!("v{i}"), i))
            .collect();
        for _ in 0..2 {
            for (i, ctx) in contexts.iter().enumerate() {
                assert_eq!(json(ctx, None), format!(r#"{{"v{i}":{i}}}"#));
            }
        }
    }
}
