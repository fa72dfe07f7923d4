//! # platen-tera
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
//! options = { autoescape_on = [".html"], filters = ["shout"] }
//! ```
//!
//! Options: `autoescape_on` (the name suffixes Tera escapes, default
//! `.html`, `.htm`, `.xml`; `autoescape = false` turns escaping off) and
//! `filters` (which filters registered on [`TeraBackend`] this engine gets;
//! all when unset).

mod backend;
mod convert;
mod engine;
mod error;

pub use backend::TeraBackend;
pub use engine::{TeraEngine, TeraTemplate};
/// The wrapped crate, so applications use the same version as the adapter.
pub use tera;

/// The name the backend is registered under.
pub const BACKEND_NAME: &str = "platen.tera";

/// Registers the default [`TeraBackend`] (no user filters) as `platen.tera`.
pub fn register(registry: &mut platen_core::Registry) {
    registry.register_backend(BACKEND_NAME, TeraBackend::new());
}
