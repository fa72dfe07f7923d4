//! # platen-handlebars
//!
//! The `platen.handlebars` backend: [Handlebars](https://handlebarsjs.com/)
//! templates (the `handlebars` crate) whose partials are found through
//! platen's loader chain, never the crate's own directory loading, so they
//! share `dirs`, `app_dirs`, the cached loader and auto-reload with every
//! other engine.
//!
//! ```toml
//! [[templates]]
//! backend = "platen.handlebars"
//! dirs = ["templates"]
//! options = { strict_mode = true, helpers = ["upper"], extensions = [".hbs"] }
//! ```
//!
//! Options: `strict_mode` (a missing variable is an error), `dev_mode`
//! (defaults to the engine's debug mode), `helpers` (which helpers
//! registered on [`HandlebarsBackend`] this engine gets; all when unset),
//! `extensions` (tried after the bare name, for templates and partials;
//! default `.hbs`, `.handlebars`). `autoescape = false` turns escaping off.
//! `string_if_invalid` has no meaning in Handlebars and is ignored.
//!
//! Partials are found when a template is compiled: every partial named
//! literally (`{{> footer}}`, `{{#> layout}}`) is looked up as `footer`, then
//! `footer.hbs`, ... and compiled with it. A partial that no loader has may
//! still be defined inline (`{{#*inline "footer"}}`) or have default content;
//! if it is missing at render time, the error lists where it was looked for.
//! Partials chosen at render time (`{{> (lookup ...)}}`) must be among those.
//! Safe strings have no meaning in Handlebars: use `{{{ }}}` for raw output.

mod backend;
mod engine;
mod error;
mod partials;

pub use backend::HandlebarsBackend;
pub use engine::{HandlebarsEngine, HandlebarsTemplate};
/// The wrapped crate, so applications use the same version as the adapter.
pub use handlebars;

/// The name the backend is registered under.
pub const BACKEND_NAME: &str = "platen.handlebars";

/// Registers the default [`HandlebarsBackend`] (no user helpers) as `platen.handlebars`.
pub fn register(registry: &mut platen_core::Registry) {
    registry.register_backend(BACKEND_NAME, HandlebarsBackend::new());
}
