//! # platen-handlebars
//!
//! Owns the `platen.handlebars` backend: the `handlebars` crate behind
//! platen's `Engine`/`Template` traits, its partials found through platen's
//! loader chain, and the conversion of platen values into its JSON.
//!
//! The `platen.handlebars` backend: [Handlebars](https://handlebarsjs.com/)
//! templates, rendered by the [`handlebars`] crate, whose templates *and
//! partials* are found through platen's loader chain, never the crate's own
//! directory loading. So they share `dirs`, `app_dirs`, the cached loader
//! and auto-reload with every other engine.
//!
//! ```toml
//! [[templates]]
//! backend = "platen.handlebars"
//! dirs = ["templates"]
//! options = { strict_mode = true, helpers = ["upper"], extensions = [".hbs"] }
//! ```
//!
//! ## Options
//!
//! - `strict_mode` (bool, default `false`): a variable missing from the
//!   context is an error (kind `UndefinedVariable`, with its line) instead
//!   of rendering empty.
//! - `dev_mode` (bool, default: the engine's debug mode): passed to the
//!   crate ([`handlebars::Handlebars::set_dev_mode`]). It reloads only what
//!   was registered from files, which this engine never does: edited
//!   templates and partials are noticed by platen's cached loader in debug
//!   mode (auto-reload), or after `reset()`.
//! - `helpers` (list of names): which helpers registered on
//!   [`HandlebarsBackend`] this engine gets; all of them when unset. A name
//!   not registered is a settings error naming the key.
//! - `extensions` (list, default `[".hbs", ".handlebars"]`): tried after
//!   the bare name, for templates and partials alike: `index`, then
//!   `index.hbs`, then `index.handlebars`.
//! - `max_output_bytes` (positive number, or `"none"`; default 67108864,
//!   64 MiB): the most bytes one render may write. A render that would
//!   write more stops with an error of kind `LimitExceeded` naming the
//!   option, so a runaway loop cannot allocate until the process aborts.
//!   The texts rendered aside before they are written (a partial block's
//!   content, a `{{#cache}}` body) are each held to it too. `0` is a
//!   settings error. (Handlebars has no hook to count a render's work, so
//!   there is no `fuel` option as DTL has.)
//!
//! Of the common options, `autoescape = false` turns escaping off
//! (Handlebars' `no_escape`); `{{{ }}}` never escapes. `string_if_invalid`
//! is ignored: Handlebars renders a missing value as nothing (or fails, in
//! strict mode) and has no hook for a replacement text. `libraries` and
//! `builtins` are DTL tag libraries and are refused; use helpers.
//!
//! ## Partials
//!
//! `{{> footer}}`, `{{> "footer"}}` and `{{#> layout}}...{{/layout}}` look
//! for `footer`, then `footer.hbs`, ... through the loaders, like a
//! template. They are found when the including template is compiled (see
//! [`HandlebarsEngine`] for how, and how edits are noticed). A partial no
//! loader has may still be defined inline (`{{#*inline "footer"}}`, also by
//! an including template, the layout pattern) or have default content
//! (`{{#> title}}Untitled{{/title}}`); if a render needs it and it is none
//! of those, the error (kind `TemplateNotFound`) lists every place looked.
//!
//! A partial whose name is computed at render time (`{{> (whichPartial)}}`)
//! must be one that the template or its partials name literally somewhere,
//! or an inline one. Partials may include each other, as long as the
//! recursion ends (inside an `#if` or `#each`); one that does not end is an
//! error of kind `Recursion`, not a stack overflow. Handlebars itself
//! refuses a template that includes itself under its own file name.
//!
//! ## Data
//!
//! The [`platen_core::Context`] is serialized straight into the JSON that
//! Handlebars renders, keeping map order. Safe strings mean nothing to
//! Handlebars: a `Value::SafeStr` is escaped like any string; write
//! `{{{ value }}}` for HTML. Decimals, dates and times become their ISO
//! text; dynamic objects become a map of their attributes, a list of their
//! items, or their text. With a request, templates also see `request`
//! (`method`, `path`, `query`, `full_path`, `headers`, `cookies`),
//! `csrf_token` and `csrf_input` (HTML: `{{{csrf_input}}}`), as with
//! Django's Jinja2 backend, unless the context sets those names.
//!
//! Each thread keeps the JSON of its last few sets of variable names and,
//! when the same names come again, converts only the values that are not
//! the very ones converted last time (equal numbers, the same string, list
//! or map; never values holding dynamic objects, which are read again).
//!
//! Handlebars escapes `=` and `` ` `` too (as `&#x3D;` and `&#x60;`), which
//! Django leaves alone.
//!
//! ## Fragment caching
//!
//! Every engine the backend builds has two helpers over the settings'
//! caches (`[caches.<alias>]`, shared with every engine):
//!
//! ```handlebars
//! {{#cache "post" 600 post.id}}
//!   {{depends_on post}}<h1>{{post.title}}</h1>
//!   {{#cache "comments" null post.id using="template_fragments"}}
//!     {{#each comments}}{{depends_on this}}<p>{{text}}</p>{{/each}}
//!   {{/cache}}
//! {{/cache}}
//! ```
//!
//! - `{{#cache "name" ttl vary... [using="alias"]}}...{{/cache}}` renders
//!   its body once and then serves it from the cache, under Django's
//!   `template_fragment_key(name, vary texts)` (so a Django process beside
//!   this one finds the same fragments). `ttl` is seconds, `null` or
//!   `"none"` for "until expired", `0` for "do not cache". The cache is
//!   `using`, else `template_fragments` when configured, else `default`.
//! - `{{depends_on x ...}}` renders nothing and records that the enclosing
//!   blocks show `x`: an identity string (`"post:42"`), or a map whose
//!   `cache_key` field is one, or a list of those. Nested blocks pass what
//!   they show on to the blocks around them.
//! - `engines.caches().default_cache().expire("post:42")` then removes every
//!   fragment that showed `post:42`, and the next render is fresh.
//!
//! See [`CacheHelper`] and [`DependsOnHelper`]; an engine built without the
//! backend gets them with [`register_cache_helpers`].

mod backend;
mod budget;
mod cache;
mod convert;
mod engine;
mod error;
mod kept;
mod partials;
mod template;

pub use backend::{DEFAULT_EXTENSIONS, HandlebarsBackend, OPTIONS};
pub use budget::DEFAULT_MAX_OUTPUT_BYTES;
pub use cache::{
    CACHE_HELPER, CacheHelper, DEPENDS_ON_HELPER, DependsOnHelper, register_cache_helpers,
};
pub use engine::HandlebarsEngine;
/// The wrapped crate, so applications use the same version as the adapter.
pub use handlebars;
pub use template::HandlebarsTemplate;

/// The name the backend is registered under.
pub const BACKEND_NAME: &str = "platen.handlebars";

/// Registers the default [`HandlebarsBackend`] (no helpers of its own) as
/// `platen.handlebars`.
pub fn register(registry: &mut platen_core::Registry) {
    registry.register_backend(BACKEND_NAME, HandlebarsBackend::new());
}
