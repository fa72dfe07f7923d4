//! Tag and filter libraries for `{% load %}`, `options.libraries` and
//! `options.builtins`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use platen_core::Error;

use crate::filters::FilterDef;
use crate::lexer::Token;
use crate::nodes::{Node, NodeList};
use crate::parser::Parser;
use crate::render::Renderer;

/// Compiles one tag: gets the parser (to read ahead) and the tag token.
pub(crate) type TagFn = fn(&mut Parser<'_>, &Token<'_>) -> Result<Node, Error>;

/// A node produced by a library tag.
pub(crate) trait CustomNode: Send + Sync + fmt::Debug {
    /// Writes the node's output.
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error>;
    /// The nested nodes, for block discovery.
    fn children(&self) -> Option<&NodeList> {
        None
    }
}

/// A library of filters and tags, loadable with `{% load name %}`.
///
/// Filters are plain [`FilterDef`]s. Tags are compiled by the engine's own
/// tag functions for now; helpers for Django's `simple_tag` and
/// `inclusion_tag` shapes will add user tags.
#[derive(Clone, Default)]
pub struct Library {
    pub(crate) filters: HashMap<String, &'static FilterDef>,
    pub(crate) tags: HashMap<String, TagFn>,
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut filters: Vec<_> = self.filters.keys().collect();
        filters.sort();
        let mut tags: Vec<_> = self.tags.keys().collect();
        tags.sort();
        f.debug_struct("Library").field("filters", &filters).field("tags", &tags).finish()
    }
}

impl Library {
    /// An empty library.
    pub fn new() -> Library {
        Library::default()
    }

    /// Adds a filter under its own name.
    pub fn filter(&mut self, def: &'static FilterDef) -> &mut Library {
        self.filters.insert(def.name.to_owned(), def);
        self
    }

    /// Adds a filter under another name.
    pub fn filter_as(&mut self, name: &str, def: &'static FilterDef) -> &mut Library {
        self.filters.insert(name.to_owned(), def);
        self
    }

    /// The names of the filters and tags, sorted.
    pub fn names(&self) -> (Vec<&str>, Vec<&str>) {
        let mut f: Vec<&str> = self.filters.keys().map(String::as_str).collect();
        let mut t: Vec<&str> = self.tags.keys().map(String::as_str).collect();
        f.sort_unstable();
        t.sort_unstable();
        (f, t)
    }

    pub(crate) fn tag(&mut self, name: &str, f: TagFn) -> &mut Library {
        self.tags.insert(name.to_owned(), f);
        self
    }
}

/// Django's own libraries that platen provides: `static`, `cache`, `i18n`.
pub fn django_library(name: &str) -> Option<Arc<Library>> {
    let mut lib = Library::new();
    match name {
        "static" => {
            lib.tag("static", crate::tags::do_static);
            lib.tag("get_static_prefix", crate::tags::do_static_prefix);
            lib.tag("get_media_prefix", crate::tags::do_media_prefix);
        }
        "cache" => {
            lib.tag("cache", crate::tags::do_cache);
        }
        "i18n" => {
            for t in ["trans", "translate"] {
                lib.tag(t, crate::tags::do_translate);
            }
            for t in ["blocktrans", "blocktranslate"] {
                lib.tag(t, crate::tags::do_blocktranslate);
            }
            lib.tag("get_current_language", crate::tags::do_get_current_language);
            lib.tag("get_current_language_bidi", crate::tags::do_get_current_language_bidi);
            lib.tag("get_available_languages", crate::tags::do_get_available_languages);
            lib.tag("language", crate::tags::do_language);
        }
        _ => return None,
    }
    Some(Arc::new(lib))
}
