//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

use std::path::{Component, Path, PathBuf};

use platen_core::{Error, ErrorKind, Loader, Origin};

/// A filesystem loader over one directory (Django's `filesystem.Loader` with
/// one entry in `DIRS`), kept here so the tests do not depend on
/// `platen-loaders`.
#[derive(Debug)]
pub struct DirLoader {
    root: PathBuf,
}

impl DirLoader {
    /// A loader reading templates under `root`.
    pub fn new(root: impl Into<PathBuf>) -> DirLoader {
        DirLoader { root: root.into() }
    }
}

impl Loader for DirLoader {
    fn kind(&self) -> &str {
        "platen.loaders.filesystem"
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        let rel = Path::new(name);
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Vec::new();
        }
        vec![Origin::file(
            self.root.join(rel),
            name,
            "platen.loaders.filesystem",
        )]
    }

    fn get_contents(&self, origin: &Origin) -> Result<String, Error> {
        let path = origin.path.as_ref().expect("a file origin");
        std::fs::read_to_string(path)
            .map_err(|_| Error::new(ErrorKind::TemplateNotFound, "Source does not exist"))
    }
}

/// The benchmark workloads of the repository (`benches/workloads`).
pub fn workloads_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/workloads")
}
