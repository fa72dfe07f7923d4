//! # platen
//!
//! Owns nothing of its own: the facade that re-exports platen-core, the
//! loaders, the engines (behind the features `dtl`, `handlebars`,
//! `tera`) and the Redis cache backend (`redis`), with `engines_from_file`
//! wiring the registry for an application.
//!
//! A template platform for Rust, shaped like Django's template system:
//! several engines side by side, each fed by a chain of loaders, all declared
//! in one layered settings file (`platen.toml`) that mirrors Django's
//! `TEMPLATES`.
//!
//! ```no_run
//! # fn main() -> platen::Result<()> {
//! let engines = platen::engines_from_file("platen.toml")?;
//! let ctx = platen::context! { title => "Hello" };
//! let page = engines.render_to_string(&["index.html"], &ctx, None, None)?;
//! # Ok(()) }
//! ```
//!
//! This crate re-exports the parts behind cargo features, so an application
//! needs one dependency line:
//! - always: the core contracts ([`Engine`], [`Template`], [`Loader`], [`Value`],
//!   [`Context`], [`Settings`], [`Engines`], [`Error`]) and the built-in [`loaders`];
//! - feature `dtl` (default): [`dtl`], the native `platen.dtl` backend;
//! - feature `handlebars` (default): [`handlebars`], the `platen.handlebars` backend;
//! - feature `tera` (default): [`tera`], the `platen.tera` backend;
//! - feature `redis` (default): [`redis`], the `redis` fragment cache backend.

use std::path::Path;

pub use platen_core::*;
/// The built-in loaders: filesystem, app_directories, locmem, cached.
pub use platen_loaders as loaders;

/// The native Django Template Language engine (`platen.dtl`).
#[cfg(feature = "dtl")]
pub use platen_dtl as dtl;

/// The Handlebars engine (`platen.handlebars`).
#[cfg(feature = "handlebars")]
pub use platen_handlebars as handlebars;

/// The Tera engine (`platen.tera`).
#[cfg(feature = "tera")]
pub use platen_tera as tera;

/// The `redis` fragment cache backend.
#[cfg(feature = "redis")]
pub use platen_redis as redis;

/// A registry with every built-in loader and every backend compiled in.
///
/// Register your own backends, loaders or aliases on it before building
/// engines with [`Registry::build_engines`].
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    platen_loaders::register(&mut registry);
    #[cfg(feature = "dtl")]
    platen_dtl::register(&mut registry);
    #[cfg(feature = "handlebars")]
    platen_handlebars::register(&mut registry);
    #[cfg(feature = "tera")]
    platen_tera::register(&mut registry);
    #[cfg(feature = "redis")]
    platen_redis::register(&mut registry);
    registry
}

/// Builds the engines declared in `settings` with the built-in [`registry`].
pub fn engines_from_settings(settings: &Settings) -> Result<Engines> {
    registry().build_engines(settings)
}

/// Reads the settings file at `path` (with its profile section and
/// environment variables over it) and builds its engines.
pub fn engines_from_file(path: impl AsRef<Path>) -> Result<Engines> {
    engines_from_settings(&Settings::load(path)?)
}
