//! The filesystem loader: template directories searched in order
//! (Django's `django.template.loaders.filesystem.Loader`).

use std::path::PathBuf;
use std::time::SystemTime;

use platen_core::{FILESYSTEM_LOADER, Loader, Origin, Result};

use crate::dirs::Dirs;
use crate::source::Charset;

/// Loads templates from directories, searched in order.
///
/// A name that would leave a directory (`..` above it, an absolute path, a
/// drive prefix, a backslash, a NUL byte, or a symbolic link resolving
/// outside) is refused without being read; the refusal shows in the list of
/// places tried as `refused: ...`.
///
/// ```
/// use platen_loaders::FilesystemLoader;
/// let loader = FilesystemLoader::new(["templates", "shared/templates"]);
/// assert_eq!(loader.dirs().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct FilesystemLoader {
    dirs: Dirs,
}

impl FilesystemLoader {
    /// A loader over `dirs`, in order, reading UTF-8. Relative directories
    /// are made absolute against the current directory.
    pub fn new<I, P>(dirs: I) -> FilesystemLoader
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        FilesystemLoader {
            dirs: Dirs::new(
                dirs.into_iter().map(Into::into).collect(),
                Charset::Utf8,
                FILESYSTEM_LOADER,
            ),
        }
    }

    /// Reads files in `charset` instead of UTF-8.
    pub fn with_charset(mut self, charset: Charset) -> FilesystemLoader {
        self.dirs.set_charset(charset);
        self
    }

    /// The directories, in search order.
    pub fn dirs(&self) -> &[PathBuf] {
        self.dirs.dirs()
    }

    /// The encoding files are read in.
    pub fn charset(&self) -> Charset {
        self.dirs.charset()
    }
}

impl Loader for FilesystemLoader {
    fn kind(&self) -> &str {
        self.dirs.kind()
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        self.dirs.sources(name)
    }

    fn get_contents(&self, origin: &Origin) -> Result<String> {
        self.dirs.contents(origin)
    }

    fn list_templates(&self) -> Result<Vec<String>> {
        self.dirs.list()
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        self.dirs.dirs().to_vec()
    }

    fn modified(&self, origin: &Origin) -> Option<SystemTime> {
        self.dirs.modified(origin)
    }
}
