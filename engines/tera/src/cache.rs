//! Fragment caching functions: `cache(...)` and `depends_on(...)`, over
//! platen's [`Caches`].
//!
//! Tera 2 has no custom tags and cannot hand a function a block body, so
//! the cached fragment is a template of its own, rendered by `cache()`
//! through the engine (its loaders, its cached compiles) with the context
//! of the render calling it:
//!
//! ```jinja
//! {{ cache(name="sidebar", ttl=300, vary=[user.id], template="sidebar.html") }}
//! ```
//!
//! Tera's render state shows a function single variables only, not the
//! whole context; so each render of a template whose sources mention
//! `cache` keeps a copy of its Tera context (top-level variables: the
//! platen context and what a request adds) on a per-thread stack while it
//! renders. Loop variables and `{% set %}` ones are not in it: pass them
//! with `context={...}`. Dependencies go to this thread's
//! [`DepRecorder`](platen_core::cache::DepRecorder)
//! ([`with_thread_recorder`]).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Weak;

use platen_core::cache::{Cached, Caches, Ttl, template_fragment_key, with_thread_recorder};
use tera::{Function, Kwargs, State, TeraResult, Value};

use crate::engine::Inner;

/// The name of the function rendering and caching a template (see the
/// crate docs, "Fragment caching").
pub const CACHE_FUNCTION: &str = "cache";
/// The name of the function registering dependencies with the enclosing
/// `cache()` calls (see the crate docs, "Fragment caching").
pub const DEPENDS_ON_FUNCTION: &str = "depends_on";

/// How many `cache()` renders may nest on one thread (a fragment template
/// caching itself would otherwise never end).
const MAX_NESTED: usize = 16;

thread_local! {
    /// The contexts of the renders in progress that may call `cache()`,
    /// innermost last.
    static CALLERS: RefCell<Vec<Rc<tera::Context>>> = const { RefCell::new(Vec::new()) };
}

/// Pops the context pushed by [`with_caller`] (also when a render panics).
struct Popped;

impl Drop for Popped {
    fn drop(&mut self) {
        let _ = CALLERS.try_with(|c| c.borrow_mut().pop());
    }
}

/// Runs `render` on `ctx`, the context `cache()` calls in it see.
pub(crate) fn with_caller<R>(
    ctx: Rc<tera::Context>,
    render: impl FnOnce(&tera::Context) -> R,
) -> R {
    CALLERS.with(|c| c.borrow_mut().push(ctx.clone()));
    let _popped = Popped;
    render(&ctx)
}

/// The context of the innermost render calling `cache()` (empty outside
/// one, as when a template's Tera instance is rendered directly), and how
/// many such renders are nested.
fn caller() -> (tera::Context, usize) {
    CALLERS.with(|c| {
        let c = c.borrow();
        (
            c.last().map(|ctx| (**ctx).clone()).unwrap_or_default(),
            c.len(),
        )
    })
}

fn error(message: String) -> tera::Error {
    tera::Error::message(message)
}

/// The text a vary-on value adds to the key: what `{{ value }}` prints
/// (a string as is, numbers, `true`/`false`, `none` as nothing).
fn display_text(value: &Value) -> String {
    value.to_string()
}

/// The `ttl` argument: seconds, or none/"none" for forever.
fn ttl_of(value: &Value) -> Option<Ttl> {
    let seconds = if value.is_none() {
        None
    } else if let Some(s) = value.as_str() {
        if s.trim().eq_ignore_ascii_case("none") {
            None
        } else {
            Some(s.trim().parse::<i64>().ok()?)
        }
    } else if let Some(n) = value.as_i64() {
        Some(n)
    } else {
        Some(value.as_f64()? as i64)
    };
    Some(Ttl::from_django(seconds))
}

/// `cache(name=..., ttl=..., vary=[...], template="partial.html",
/// using="alias", context={...})`: renders `template` once, then serves
/// it from a fragment cache until `ttl` runs out or a dependency it showed
/// is expired. Registered on every engine as `cache`.
///
/// - `name` (string, required): the fragment's name, as in Django's
///   `{% cache %}`; the key is Django's [`template_fragment_key`] of
///   `name` and the display text of each `vary` value, so `name` must tell
///   fragments apart (the template name is not in the key).
/// - `ttl` (required): seconds; `none` or `"none"` keeps the fragment until
///   a dependency is expired; `0` or less renders without caching.
/// - `vary` (list, optional): the values the fragment varies on.
/// - `template` (string, required): the template rendered, found through
///   the engine's loaders; it sees the calling render's top-level context,
///   with `context`'s entries added over it.
/// - `using` (string, optional): the cache alias; by default
///   `template_fragments` when configured, else `default`. An alias not
///   configured is an error naming it.
///
/// The output is safe (already rendered HTML: not escaped again).
/// Dependencies registered while the template renders (`depends_on`,
/// nested `cache` calls, hit or rendered) are stored with the fragment and
/// passed on to the calls around it.
pub(crate) struct CacheFunction {
    pub(crate) engine: Weak<Inner>,
    pub(crate) caches: Caches,
}

impl CacheFunction {
    fn call(&self, kwargs: &Kwargs) -> TeraResult<Value> {
        let usage =
            "call it as `cache(name=\"...\", ttl=300, vary=[...], template=\"partial.html\")`";
        let Some(name) = kwargs.get::<String>("name")? else {
            return Err(error(format!(
                "`cache` needs the fragment's `name`: {usage}"
            )));
        };
        let Some(template) = kwargs.get::<String>("template")? else {
            return Err(error(format!(
                "`cache(name=\"{name}\")` needs the `template` to render (Tera functions take no block body): {usage}"
            )));
        };
        let Some(ttl_value) = kwargs.get::<Value>("ttl")? else {
            return Err(error(format!(
                "`cache(name=\"{name}\")` needs a `ttl` (seconds, or none to keep it until expired): {usage}"
            )));
        };
        let Some(ttl) = ttl_of(&ttl_value) else {
            return Err(error(format!(
                "the ttl of `cache(name=\"{name}\")` must be a number of seconds or none, not {ttl_value}"
            )));
        };
        let vary: Vec<String> = match kwargs.get::<Value>("vary")? {
            None => Vec::new(),
            Some(v) if v.is_none() => Vec::new(),
            Some(v) => match v.as_array() {
                Some(items) => items.iter().map(display_text).collect(),
                None => vec![display_text(&v)],
            },
        };
        let cache = match kwargs.get::<String>("using")? {
            None => self.caches.for_fragments(),
            Some(alias) => match self.caches.get(&alias) {
                Some(c) => c,
                None => {
                    let known: Vec<&str> = self.caches.aliases().collect();
                    return Err(error(format!(
                        "`cache(name=\"{name}\", template=\"{template}\")` uses the cache `{alias}`, which is not \
                         configured (configured: {}){}",
                        known.join(", "),
                        platen_core::closest::did_you_mean(&alias, &known)
                    )));
                }
            },
        };
        let extra = match kwargs.get::<Value>("context")? {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => match v.into_map() {
                Some(map) => Some(map),
                None => {
                    return Err(error(format!(
                        "the `context` of `cache(name=\"{name}\")` must be a map such as {{\"post\": post}}"
                    )));
                }
            },
        };
        let key = template_fragment_key(&name, &vary);
        let pending = match cache.begin(&key, ttl) {
            Cached::Hit(fragment) => {
                with_thread_recorder(|rec| rec.register_all(&fragment.deps));
                return Ok(Value::safe_string(&fragment.value));
            }
            Cached::Miss(pending) => pending,
        };
        let Some(engine) = self.engine.upgrade() else {
            return Err(error("the engine of `cache` is gone".to_owned()));
        };
        let (mut ctx, nested) = caller();
        if nested >= MAX_NESTED {
            return Err(error(format!(
                "`cache` calls nest more than {MAX_NESTED} deep (does `{template}` cache itself?)"
            )));
        }
        for (k, v) in extra.into_iter().flatten() {
            let Some(k) = k.as_str() else {
                return Err(error(format!(
                    "the keys of the `context` of `cache(name=\"{name}\")` must be strings"
                )));
            };
            ctx.insert_value(k.to_owned(), v);
        }
        // The recorder is not borrowed while the template renders: its own
        // `cache` and `depends_on` calls take it in turn.
        let depth = with_thread_recorder(|rec| {
            let depth = rec.depth();
            rec.push();
            depth
        });
        let rendered = engine.render_fragment(&template, ctx);
        let text = match rendered {
            Ok(text) => text,
            Err(err) => {
                with_thread_recorder(|rec| rec.unwind_to(depth));
                return Err(error(format!(
                    "`cache(name=\"{name}\")` could not render `{template}`: {err}"
                )));
            }
        };
        let deps = with_thread_recorder(|rec| rec.pop());
        pending.store(&text, &deps);
        Ok(Value::safe_string(&text))
    }
}

impl Function<TeraResult<Value>> for CacheFunction {
    fn call(&self, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
        CacheFunction::call(self, &kwargs)
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// Adds the dependencies `value` names to `deps`.
fn collect_deps(value: &Value, deps: &mut Vec<String>) -> Result<(), String> {
    if let Some(s) = value.as_str() {
        deps.push(s.to_owned());
    } else if let Some(items) = value.as_array() {
        for item in items {
            collect_deps(item, deps)?;
        }
    } else if let Some(map) = value.as_map() {
        let field = map.iter().find(|(k, _)| k.as_str() == Some("cache_key"));
        match field {
            Some((_, v)) if v.as_str().is_some() => deps.push(v.as_str().unwrap_or("").to_owned()),
            Some((_, v)) if v.is_number() => deps.push(v.to_string()),
            Some((_, v)) => {
                return Err(format!(
                    "the `cache_key` of a dependency must be a string such as \"post:42\", not {v}"
                ));
            }
            None => {
                return Err(
                    "a map given to `depends_on` needs a `cache_key` field (a string such as \"post:42\")"
                        .to_owned(),
                );
            }
        }
    } else if value.is_number() {
        return Err(format!(
            "a dependency is an identity such as \"post:42\", not the number {value}; write \
             \"post:{value}\" or pass the object (with a `cache_key` field)"
        ));
    } else {
        return Err(format!(
            "a dependency is an identity such as \"post:42\" or a map with a `cache_key` field, not `{value}`"
        ));
    }
    Ok(())
}

/// `depends_on(dep=...)` or `depends_on(deps=[...])`: renders nothing;
/// records that the enclosing `cache()` calls show each dependency, so
/// that expiring it removes them. Nothing happens outside a `cache()`
/// render. Registered on every engine as `depends_on`.
///
/// A dependency is an identity string (`"post:42"`), or a map with a
/// `cache_key` field holding one (a string, or a number taken as its
/// text); a list gives each of its items. Anything else (a number, a
/// boolean, none, a map without `cache_key`) is an error.
pub(crate) fn depends_on(kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let mut deps = Vec::new();
    let mut any = false;
    for arg in ["dep", "deps"] {
        if let Some(v) = kwargs.get::<Value>(arg)? {
            any = true;
            collect_deps(&v, &mut deps).map_err(error)?;
        }
    }
    if !any {
        return Err(error(
            "`depends_on` needs `dep=\"post:42\"` (or `deps=[...]`); Tera functions take keyword arguments only"
                .to_owned(),
        ));
    }
    with_thread_recorder(|rec| rec.register_all(&deps));
    Ok(Value::safe_string(""))
}
