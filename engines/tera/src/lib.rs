//! # platen-tera
//!
//! Owns the `platen.tera` backend: the `tera` crate behind platen's
//! `Engine`/`Template` traits, its parents and includes found through
//! platen's loader chain, and the conversion of platen values into Tera's.
//!
//! The `platen.tera` backend: [Tera 2](https://keats.github.io/tera/)
//! templates whose `{% extends %}` and `{% include %}` targets are found
//! through platen's loader chain (never Tera's own file loading), so Tera
//! shares `dirs`, `app_dirs`, the cached loader and auto-reload with every
//! other engine.
//!
//! ```toml
//! [[templates]]
//! backend = "platen.tera"
//! dirs = ["templates"]
//! options = { autoescape_on = [".html"], filters = ["shout"], components = ["components.html"] }
//! ```
//!
//! ## Options
//!
//! Besides the common `autoescape` (`false` turns escaping off for every
//! template):
//! - `autoescape_on`: the name suffixes Tera escapes (default `.html`,
//!   `.htm`, `.xml`). `from_string` templates are escaped when any suffix is set.
//! - `filters`, `tests`, `functions`: which of those registered on the
//!   [`TeraBackend`] this engine gets (all when unset); an unknown name is an
//!   error naming its settings key.
//! - `components`: templates whose components every template of the engine
//!   can call. Tera 2 has no macros or `{% import %}`: components are global
//!   to a Tera instance, and each platen template is compiled into its own
//!   instance with what it extends and includes, so a component defined
//!   elsewhere is visible only through this list. A component template may
//!   call the components of those listed before it.
//! - `max_output_bytes` (positive number, or `"none"`; default 67108864,
//!   64 MiB): the most bytes one render may write. A render that would
//!   write more stops with an error of kind `LimitExceeded` naming the
//!   option, so a runaway loop cannot allocate until the process aborts. A
//!   `cache()` fragment is held to it too; what Tera captures inside a
//!   render (`{% filter %}`, `{% set %}` blocks) is in Tera's own buffers
//!   and is not. `0` is a settings error. (Tera has no hook to count a
//!   render's work, so there is no `fuel` option as DTL has.)
//!
//! `string_if_invalid`, `libraries` and `builtins` are refused: Tera raises
//! on undefined variables and has no tag libraries.
//!
//! ## Differences from Tera used on its own
//!
//! - Each template is compiled with its *closure* (see [`TeraEngine`]): a
//!   template must be valid by itself, with what it extends and includes and
//!   the `components` templates, as `platen check` compiles each one.
//! - A template cannot extend or include its own name (Tera's names are
//!   unique in an instance; Django's skip-the-same-origin trick has no Tera
//!   equivalent).
//! - Values: `Value::SafeStr` becomes a Tera safe string (never escaped
//!   again); decimals, dates and times become their ISO text; objects
//!   become maps of their attributes, lists of their items, or their text.
//!   Tera has no hook for foreign values, so each render converts its
//!   context; a list or map rendered again converts once per thread (each
//!   thread keeps its last few conversions, without keeping their values
//!   alive; never for values holding objects, which may change). Each
//!   thread also keeps the Tera contexts of its last few sets of variable
//!   names, and only replaces their values when the names come again.
//! - With a request, templates see `request` (method, path, query,
//!   full_path, headers, cookies), `csrf_token` and `csrf_input`, as with
//!   Django's Jinja2 backend, unless the context sets those names.
//! - Tera 2 spells an escaped `'` as `&#39;` where Django writes `&#x27;`.
//!
//! ## Fragment caching
//!
//! Tera 2 has no custom tags, and a function gets keyword arguments and
//! single variables of the render, never a block body or the whole
//! context. So a cached fragment is a template of its own, rendered and
//! cached by the `cache` function every engine has:
//!
//! ```jinja
//! {{ cache(name="post", ttl=600, vary=[post.id], template="post_body.html") }}
//! {% for c in comments %}
//!   {{ cache(name="comment", ttl=none, vary=[c.id], template="comment.html", context={"comment": c}) }}
//! {% endfor %}
//! ```
//!
//! and in `comment.html`: `{{ depends_on(dep=comment) }}<p>{{ comment.text }}</p>`.
//!
//! - `cache(name=..., ttl=..., vary=[...], template=..., using=..., context={...})`
//!   renders `template` (found through the loaders) once, then serves it
//!   from the cache under Django's `template_fragment_key(name, vary texts)`.
//!   The template sees the calling render's top-level context (the platen
//!   context and what a request adds), with `context`'s entries over it;
//!   loop and `{% set %}` variables must be passed in `context`. `ttl` is
//!   seconds, `none` or `"none"` for "until expired", `0` for "do not
//!   cache". The cache is `using`, else `template_fragments` when
//!   configured, else `default`; an alias not configured is an error naming
//!   it. The output is not escaped again.
//! - `depends_on(dep=x)` (or `deps=[x, y]`) renders nothing and records
//!   that the enclosing `cache()` calls show `x`: an identity string
//!   (`"post:42"`), or a map whose `cache_key` field is one, or a list of
//!   those. Nested `cache()` calls pass what they show on to the calls
//!   around them.
//! - `engines.caches().default_cache().expire("post:42")` then removes every
//!   fragment that showed `post:42`, and the next render is fresh.
//!
//! The caches are the settings' (`[caches.<alias>]`), shared by every
//! engine; [`TeraEngine::caches`] gives them. A function registered on the
//! [`TeraBackend`] under the name `cache` or `depends_on` replaces these.
//!
//! Tera's `fast` feature (faster escaping, hashing and number formatting)
//! can be turned on by the application's own `tera` dependency.

mod backend;
mod budget;
mod cache;
mod convert;
mod engine;
mod error;
mod kept;
mod scan;
mod shared;

pub use backend::{DEFAULT_AUTOESCAPE_ON, OPTIONS, TeraBackend};
pub use budget::DEFAULT_MAX_OUTPUT_BYTES;
pub use cache::{CACHE_FUNCTION, DEPENDS_ON_FUNCTION};
pub use engine::{TeraEngine, TeraTemplate};
/// The wrapped crate, so applications use the same version as the adapter.
pub use tera;

/// The name the backend is registered under.
pub const BACKEND_NAME: &str = "platen.tera";

/// Registers the default [`TeraBackend`] (no user filters) as `platen.tera`.
pub fn register(registry: &mut platen_core::Registry) {
    registry.register_backend(BACKEND_NAME, TeraBackend::new());
}
