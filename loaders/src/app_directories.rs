//! The app directories loader: the `templates/` directory of each app, in
//! the order of `apps` (Django's `django.template.loaders.app_directories.Loader`).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use platen_core::{APP_DIRECTORIES_LOADER, App, Loader, Origin, Result};

use crate::dirs::Dirs;
use crate::source::Charset;

/// The name of the directory inside an app that holds its templates.
pub const APP_TEMPLATES_DIR: &str = "templates";

/// Loads templates from `<app>/templates` of each app, in order.
///
/// Apps without a `templates` directory (when the loader is made) are
/// skipped. Names are checked as the filesystem loader checks them.
#[derive(Debug, Clone)]
pub struct AppDirectoriesLoader {
    dirs: Dirs,
}

impl AppDirectoriesLoader {
    /// A loader over the `templates` directories of the apps whose root
    /// directories are `app_paths`, in order, reading UTF-8.
    pub fn new<I, P>(app_paths: I) -> AppDirectoriesLoader
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        let dirs: Vec<PathBuf> = app_paths
            .into_iter()
            .map(|app| app.as_ref().join(APP_TEMPLATES_DIR))
            .filter(|dir| dir.is_dir())
            .collect();
        AppDirectoriesLoader {
            dirs: Dirs::new(dirs, Charset::Utf8, APP_DIRECTORIES_LOADER),
        }
    }

    /// A loader over the apps of the settings (`settings.apps`).
    pub fn from_apps(apps: &[App]) -> AppDirectoriesLoader {
        AppDirectoriesLoader::new(apps.iter().map(|app| &app.path))
    }

    /// Reads files in `charset` instead of UTF-8.
    pub fn with_charset(mut self, charset: Charset) -> AppDirectoriesLoader {
        self.dirs.set_charset(charset);
        self
    }

    /// The `templates` directories searched, in order.
    pub fn dirs(&self) -> &[PathBuf] {
        self.dirs.dirs()
    }

    /// The encoding files are read in.
    pub fn charset(&self) -> Charset {
        self.dirs.charset()
    }
}

impl Loader for AppDirectoriesLoader {
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
