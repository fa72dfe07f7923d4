//! # platen-dtl
//!
//! Owns the Django Template Language: its lexer, parser, compiled tree,
//! renderer, every built-in tag (`tags/`, one module per family) and filter
//! (`filters/`), translations and formats, and the `platen.dtl` backend.
//!
//! The native engine for the Django Template Language: lexer → parser (nodes
//! with source spans) → compiled tree (filters bound, paths split, text
//! merged) → renderer writing into one `String`. Compiled templates are
//! immutable and `Send + Sync`; all per-render state lives in the renderer.
//!
//! Register the backend with [`register`]; it builds a [`DtlEngine`] from a
//! `[[templates]]` entry whose backend is `platen.dtl`.

mod builtin_attrs;
mod engine;
mod escape;
mod expr;
mod filter_ref;
pub mod filters;
mod formats;
mod gettext;
mod humanize;
mod lexer;
mod library;
mod lorem;
mod names;
mod nodes;
mod parser;
mod render;
mod resolver;
mod scope;
mod smartif;
mod tags;
mod timezone;

pub use engine::{DtlBackend, DtlEngine, DtlOptions, DtlTemplate};
pub use filters::{Arg, FilterDef, FilterEnv};
pub use formats::{FormatSettings, NumberGrouping};
pub use lexer::Token;
pub use library::{Expr, FilterOptions, Library, Nodes, TagCall, TagNode};
pub use nodes::CompiledTemplate;
pub use parser::Parser;
pub use render::budget::{DEFAULT_FUEL, DEFAULT_MAX_OUTPUT_BYTES, RenderLimits};
pub use render::{Renderer, escape_into};
pub use resolver::UrlResolver;
pub use tags::django_library;

/// The name the backend is registered under.
pub const BACKEND_NAME: &str = "platen.dtl";

/// Registers the DTL backend as `platen.dtl`.
pub fn register(registry: &mut platen_core::Registry) {
    registry.register_backend(BACKEND_NAME, DtlBackend::new());
    registry.register_alias(
        "django.template.backends.django.DjangoTemplates",
        BACKEND_NAME,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn compiled_templates_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::CompiledTemplate>();
        assert_send_sync::<super::DtlTemplate>();
    }
}
