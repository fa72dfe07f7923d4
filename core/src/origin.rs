//! Where a template came from.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a template source was found (or looked for): Django's `Origin`.
///
/// Two origins are equal when their `name` and `loader` are, which is what the
/// skip list of an `{% extends %}` chain compares.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The full identity of the source: an absolute file path for file loaders,
    /// the bare template name for in-memory loaders, or a loader's own notation otherwise. Shown in errors.
    pub name: String,
    /// The name the template was asked for (`blog/post.html`).
    pub template_name: String,
    /// The loader that produced the origin (`platen.loaders.filesystem`).
    pub loader: Arc<str>,
    /// The file behind the origin, for loaders that read files.
    pub path: Option<PathBuf>,
}

impl Origin {
    /// Creates an origin that is not a file.
    pub fn new(name: impl Into<String>, template_name: impl Into<String>, loader: &str) -> Origin {
        Origin {
            name: name.into(),
            template_name: template_name.into(),
            loader: Arc::from(loader),
            path: None,
        }
    }

    /// Creates an origin backed by a file.
    pub fn file(path: PathBuf, template_name: impl Into<String>, loader: &str) -> Origin {
        Origin {
            name: path.display().to_string(),
            template_name: template_name.into(),
            loader: Arc::from(loader),
            path: Some(path),
        }
    }

    /// The origin of a template compiled from a string (Django's `UNKNOWN_SOURCE`).
    pub fn unknown() -> Origin {
        Origin::new("<unknown source>", "<string>", "none")
    }
}

impl PartialEq for Origin {
    fn eq(&self, other: &Origin) -> bool {
        self.name == other.name && self.loader == other.loader
    }
}

impl Eq for Origin {}

impl std::hash::Hash for Origin {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.loader.hash(state);
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
