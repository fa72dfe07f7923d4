//! # platen-loaders
//!
//! Owns the built-in loaders: finding and reading template sources from
//! directories, apps and memory, and the cached loader in front of them.
//! Loaders never compile: engines hand them a `Compiler`.
//!
//! The built-in template loaders of platen, each a plain implementation of
//! [`platen_core::Loader`], modelled on Django's:
//!
//! - [`FilesystemLoader`] (`platen.loaders.filesystem`): template directories,
//!   searched in order;
//! - [`AppDirectoriesLoader`] (`platen.loaders.app_directories`): the
//!   `templates/` directory of each app;
//! - [`LocmemLoader`] (`platen.loaders.locmem`): templates held in memory;
//! - [`CachedLoader`] (`platen.loaders.cached`): compiled templates, and
//!   misses, cached in front of other loaders; lock-free hits, one compile
//!   per miss however many threads ask, auto-reload in debug mode.
//!
//! [`register`] adds their factories to a [`Registry`](platen_core::Registry)
//! under these names and under Django's (`django.template.loaders.filesystem.Loader`, ...).
//!
//! Names are joined onto directories by [`path::safe_join`]: a name that
//! would leave its directory is refused and never read.

mod app_directories;
mod cached;
mod dirs;
mod factory;
mod filesystem;
mod locmem;
pub mod path;
mod source;

pub use app_directories::{APP_TEMPLATES_DIR, AppDirectoriesLoader};
pub use cached::{CacheOptions, CachedLoader};
pub use factory::{DJANGO_ALIASES, register};
pub use filesystem::FilesystemLoader;
pub use locmem::{LOCMEM_LOADER, LocmemLoader};
pub use source::Charset;

pub use platen_core::{APP_DIRECTORIES_LOADER, CACHED_LOADER, FILESYSTEM_LOADER};
