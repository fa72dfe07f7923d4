//! Fragment caching helpers: `{{#cache}}` and `{{depends_on}}`, over
//! platen's [`Caches`](platen_core::cache::Caches).
//!
//! ```handlebars
//! {{#cache "sidebar" 300 user.id using="template_fragments"}}
//!   {{#each posts}}{{depends_on this}}<li>{{title}}</li>{{/each}}
//! {{/cache}}
//! ```
//!
//! The Handlebars render state has no room for platen's own, so the
//! dependencies of the blocks being rendered are kept in this thread's
//! [`DepRecorder`](platen_core::cache::DepRecorder)
//! ([`with_thread_recorder`]).

use crate::budget::{BoundedOut, current_limit};
use handlebars::{
    Context as HbsContext, Handlebars, Helper, HelperDef, HelperResult, JsonValue, Output,
    RenderContext, RenderError, RenderErrorReason, Renderable,
};
use platen_core::cache::{Cached, Caches, Ttl, template_fragment_key, with_thread_recorder};

/// The name of the block helper caching its body.
pub const CACHE_HELPER: &str = "cache";
/// The name of the helper registering dependencies.
pub const DEPENDS_ON_HELPER: &str = "depends_on";

/// `{{#cache "name" ttl vary1 vary2 ... [using="alias"]}}...{{/cache}}`:
/// renders its body once, then serves it from a fragment cache until the
/// `ttl` runs out or a dependency it showed is expired.
///
/// - `name`: the fragment's name (a string), as in Django's `{% cache %}`.
/// - `ttl`: seconds (a number, or a string of digits); `null` or `"none"`
///   keeps the fragment until a dependency is expired; `0` or less renders
///   the body without caching it.
/// - `vary...`: values the fragment varies on. The key is Django's
///   [`template_fragment_key`] of `name` and the display text of each
///   value: a string as is, a number as JSON prints it, `true`/`false`,
///   `null` as nothing, a list or map as its JSON text.
/// - `using`: the alias of the cache (`[caches.<alias>]`); by default
///   `template_fragments` when configured, else `default`. An alias not
///   configured is a render error naming it and the template.
///
/// The body is written as rendered (it is HTML already, never escaped
/// again). It is rendered aside, held to the render's output budget (the
/// engine option `max_output_bytes`) like the page. Dependencies registered inside it (`{{depends_on}}`, nested
/// `{{#cache}}` blocks, hit or rendered) are stored with the fragment and
/// passed on to the blocks around it.
#[derive(Debug, Clone)]
pub struct CacheHelper {
    caches: Caches,
}

impl CacheHelper {
    /// A `{{#cache}}` helper storing fragments in `caches`.
    pub fn new(caches: Caches) -> CacheHelper {
        CacheHelper { caches }
    }

    /// The caches fragments are stored in.
    pub fn caches(&self) -> &Caches {
        &self.caches
    }
}

/// `{{depends_on x ...}}`: renders nothing; records that the enclosing
/// `{{#cache}}` blocks show each `x`, so that expiring it
/// ([`FragmentCache::expire`](platen_core::cache::FragmentCache::expire))
/// removes them. Nothing happens outside a cache block.
///
/// Each argument is a dependency identity (`"post:42"`) or a map with a
/// `cache_key` field holding one (a string, or a number taken as its text);
/// a list gives each of its items. Anything else (a number, a boolean,
/// `null`, a map without `cache_key`) is a render error.
#[derive(Debug, Clone, Copy, Default)]
pub struct DependsOnHelper;

/// Registers [`CacheHelper`] (as `cache`) and [`DependsOnHelper`] (as
/// `depends_on`) on `registry`, storing fragments in `caches`.
///
/// The `platen.handlebars` backend does this for every engine it builds,
/// with the caches of the settings.
pub fn register_cache_helpers(registry: &mut Handlebars<'_>, caches: Caches) {
    registry.register_helper(CACHE_HELPER, Box::new(CacheHelper::new(caches)));
    registry.register_helper(DEPENDS_ON_HELPER, Box::new(DependsOnHelper));
}

fn error(message: String) -> RenderError {
    RenderErrorReason::Other(message).into()
}

fn template_name(rc: &RenderContext<'_, '_>) -> String {
    rc.get_current_template_name()
        .map_or_else(|| "<string>".to_owned(), |n| n.clone())
}

/// The text a vary-on value adds to the key.
fn display_text(value: &JsonValue) -> String {
    match value {
        JsonValue::String(s) => s.clone(),
        JsonValue::Null => String::new(),
        JsonValue::Bool(b) => b.to_string(),
        JsonValue::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// The `ttl` argument.
fn ttl_of(value: &JsonValue) -> Option<Ttl> {
    let seconds = match value {
        JsonValue::Null => None,
        JsonValue::Number(n) => Some(n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?),
        JsonValue::String(s) if s.trim().eq_ignore_ascii_case("none") => None,
        JsonValue::String(s) => Some(s.trim().parse::<i64>().ok()?),
        _ => return None,
    };
    Some(Ttl::from_django(seconds))
}

impl HelperDef for CacheHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc HbsContext,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let usage = "write `{{#cache \"name\" ttl vary...}}...{{/cache}}`";
        let Some(body) = h.template() else {
            return Err(error(format!(
                "`cache` is a block helper: {usage} (in template `{}`)",
                template_name(rc)
            )));
        };
        let name = match h.param(0).map(|p| p.value()) {
            Some(JsonValue::String(s)) => s.clone(),
            _ => {
                return Err(error(format!(
                    "`cache` needs the fragment's name, a string, first: {usage} (in template `{}`)",
                    template_name(rc)
                )));
            }
        };
        let Some(ttl_param) = h.param(1) else {
            return Err(error(format!(
                "`cache` needs a ttl after the name (seconds, or null for forever): {usage} (in template `{}`)",
                template_name(rc)
            )));
        };
        let Some(ttl) = ttl_of(ttl_param.value()) else {
            return Err(error(format!(
                "the ttl of `cache \"{name}\"` must be a number of seconds, null or \"none\", not {} (in template `{}`)",
                ttl_param.value(),
                template_name(rc)
            )));
        };
        let vary: Vec<String> = h.params()[2..]
            .iter()
            .map(|p| display_text(p.value()))
            .collect();
        let cache = match h.hash_get("using").map(|p| p.value()) {
            None => self.caches.for_fragments(),
            Some(JsonValue::String(alias)) => match self.caches.get(alias) {
                Some(c) => c,
                None => {
                    let known: Vec<&str> = self.caches.aliases().collect();
                    return Err(error(format!(
                        "`cache \"{name}\"` in template `{}` uses the cache `{alias}`, which is not configured \
                         (configured: {}){}",
                        template_name(rc),
                        known.join(", "),
                        platen_core::closest::did_you_mean(alias, &known)
                    )));
                }
            },
            Some(other) => {
                return Err(error(format!(
                    "`using` of `cache \"{name}\"` must be a cache alias (a string), not {other} (in template `{}`)",
                    template_name(rc)
                )));
            }
        };
        let key = template_fragment_key(&name, &vary);
        match cache.begin(&key, ttl) {
            Cached::Hit(fragment) => {
                with_thread_recorder(|rec| rec.register_all(&fragment.deps));
                out.write(&fragment.value)?;
            }
            Cached::Miss(pending) => {
                // The recorder is not borrowed while the body renders: the
                // body's own blocks and `depends_on` take it in turn.
                let depth = with_thread_recorder(|rec| {
                    let depth = rec.depth();
                    rec.push();
                    depth
                });
                // Held to the render's output budget, as the page is.
                let mut text = String::new();
                let mut buf = BoundedOut::new(&mut text, current_limit());
                if let Err(err) = body.render(r, ctx, rc, &mut buf) {
                    with_thread_recorder(|rec| rec.unwind_to(depth));
                    return Err(err);
                }
                let deps = with_thread_recorder(|rec| rec.pop());
                pending.store(&text, &deps);
                out.write(&text)?;
            }
        }
        Ok(())
    }
}

/// Adds the dependencies `value` names to `deps`.
fn collect_deps(value: &JsonValue, deps: &mut Vec<String>) -> Result<(), String> {
    match value {
        JsonValue::String(s) => deps.push(s.clone()),
        JsonValue::Array(items) => {
            for item in items {
                collect_deps(item, deps)?;
            }
        }
        JsonValue::Object(map) => match map.get("cache_key") {
            Some(JsonValue::String(s)) => deps.push(s.clone()),
            Some(JsonValue::Number(n)) => deps.push(n.to_string()),
            Some(other) => {
                return Err(format!(
                    "the `cache_key` of a dependency must be a string such as \"post:42\", not {other}"
                ));
            }
            None => {
                return Err(
                    "a map given to `depends_on` needs a `cache_key` field (a string such as \"post:42\")"
                        .to_owned(),
                );
            }
        },
        JsonValue::Number(n) => {
            return Err(format!(
                "a dependency is an identity such as \"post:42\", not the number {n}; write \"post:{n}\" or \
                 pass the object (with a `cache_key` field)"
            ));
        }
        other => {
            return Err(format!(
                "a dependency is an identity such as \"post:42\" or a map with a `cache_key` field, not {other}"
            ));
        }
    }
    Ok(())
}

impl HelperDef for DependsOnHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc HbsContext,
        rc: &mut RenderContext<'reg, 'rc>,
        _: &mut dyn Output,
    ) -> HelperResult {
        // Checked even outside a cache block, so a bad argument is found
        // before the template is first cached.
        let mut deps = Vec::with_capacity(h.params().len());
        for param in h.params() {
            collect_deps(param.value(), &mut deps)
                .map_err(|e| error(format!("{e} (in template `{}`)", template_name(rc))))?;
        }
        with_thread_recorder(|rec| rec.register_all(&deps));
        Ok(())
    }
}
