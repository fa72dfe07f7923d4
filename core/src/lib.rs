//! # platen-core
//!
//! Owns the contracts every other crate speaks: engines, templates, loaders,
//! values and contexts, errors, settings and the registry that builds engines
//! from them. It names no concrete engine, loader or web crate.
//!
//! The contracts every part of platen speaks, modelled on Django's template
//! backend API:
//!
//! - [`Engine`] and [`Template`]: an engine compiles sources into templates; a
//!   template renders a [`Context`] (and optionally a [`Request`]) into a string.
//! - [`Loader`] and [`Origin`]: loaders find and read template sources; they never
//!   compile. Engines hand a [`Compiler`] to the loader chain.
//! - [`Value`] and [`Context`]: engine-neutral data, built from any
//!   `serde::Serialize` without a JSON round trip.
//! - [`Error`]: one error type with a kind, a detail message, the origin and
//!   position in a template, a source excerpt and the list of places tried.
//! - [`Settings`]: the layered settings file mirroring Django's `TEMPLATES`.
//! - [`Engines`] and [`Registry`]: the engines declared in settings, built by
//!   backend factories registered under a name.
//! - [`cache`]: fragment caching whose fragments record the content they
//!   show ([`cache::FragmentCache`], [`cache::Caches`]).
//!
//! Nothing in this crate names a concrete engine or loader.

pub mod cache;
pub mod closest;
mod context;
mod engine;
mod engines;
mod error;
mod loader;
mod origin;
mod registry;
mod request;
mod round_robin;
pub mod settings;
pub mod value;

pub use context::Context;
pub use engine::{Engine, Template};
pub use engines::Engines;
pub use error::{Error, ErrorKind, Result, Span, Tried};
pub use loader::{Compiled, Compiler, Loader, LoaderChain, find_template, tried_or_error};
pub use origin::Origin;

pub use request::Request;
pub use round_robin::RoundRobin;

pub use registry::{
    APP_DIRECTORIES_LOADER, Backend, BuildEnv, CACHED_LOADER, CacheFactory, DUMMY_CACHE,
    FILESYSTEM_LOADER, LoaderEnv, LoaderFactory, MEMORY_CACHE, Registry,
};
pub use settings::{App, CacheSettings, EngineOptions, EngineSettings, LoaderSpec, Settings};
pub use value::{Object, Value};
