//! The directory search shared by the filesystem and app directories loaders.

use std::collections::HashSet;
use std::fs;
use std::path::{MAIN_SEPARATOR, Path, PathBuf};
use std::time::SystemTime;

use platen_core::{Error, ErrorKind, Origin, Result};

use crate::path::{Refusal, resolves_within, safe_join};
use crate::source::{Charset, io_error, is_absent};

/// Template directories searched in order, read in one charset.
#[derive(Debug, Clone)]
pub(crate) struct Dirs {
    dirs: Vec<PathBuf>,
    charset: Charset,
    kind: &'static str,
}

impl Dirs {
    /// `dirs` made absolute (against the current directory) where they are not.
    pub(crate) fn new(dirs: Vec<PathBuf>, charset: Charset, kind: &'static str) -> Dirs {
        let dirs = dirs
            .into_iter()
            .map(|d| std::path::absolute(&d).unwrap_or(d))
            .collect();
        Dirs {
            dirs,
            charset,
            kind,
        }
    }

    pub(crate) fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    pub(crate) fn charset(&self) -> Charset {
        self.charset
    }

    pub(crate) fn set_charset(&mut self, charset: Charset) {
        self.charset = charset;
    }

    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }

    /// One origin per directory. A refused name still gets one (without a
    /// path), so the refusal shows in the list of places tried.
    pub(crate) fn sources(&self, name: &str) -> Vec<Origin> {
        self.dirs
            .iter()
            .map(|dir| match safe_join(dir, name) {
                Ok(path) => Origin::file(path, name, self.kind),
                Err(_) => Origin::new(
                    format!("{}{MAIN_SEPARATOR}{}", dir.display(), name.escape_debug()),
                    name,
                    self.kind,
                ),
            })
            .collect()
    }

    /// The directory and file of `origin`, re-derived from its template name
    /// so that an origin this loader did not make can never be read.
    fn locate<'a>(&'a self, origin: &Origin) -> Result<(&'a Path, PathBuf), Refusal> {
        let name = origin.template_name.as_str();
        if let Some(path) = &origin.path {
            for dir in &self.dirs {
                if let Ok(joined) = safe_join(dir, name)
                    && joined == *path
                {
                    return Ok((dir, joined));
                }
            }
        }
        Err(safe_join(Path::new("."), name)
            .err()
            .unwrap_or(Refusal::Foreign))
    }

    pub(crate) fn contents(&self, origin: &Origin) -> Result<String> {
        let (dir, path) = self.locate(origin).map_err(|r| refused(origin, r))?;
        let real = match resolves_within(dir, &path) {
            Ok(Some(real)) => real,
            Ok(None) => return Err(refused(origin, Refusal::Symlink)),
            Err(err) if is_absent(&err) => return Err(absent()),
            Err(err) => return Err(io_error(&path, err).with_origin(origin)),
        };
        // Read the resolved path: a link swapped in after the check is not followed.
        let bytes = match fs::read(&real) {
            Ok(bytes) => bytes,
            Err(err) if is_absent(&err) => return Err(absent()),
            Err(err) => return Err(io_error(&path, err).with_origin(origin)),
        };
        self.charset
            .decode(bytes, &path)
            .map_err(|e| e.with_origin(origin))
    }

    pub(crate) fn modified(&self, origin: &Origin) -> Option<SystemTime> {
        let (_, path) = self.locate(origin).ok()?;
        fs::metadata(path).and_then(|m| m.modified()).ok()
    }

    /// Every file under every directory, relative with `/` separators,
    /// skipping hidden files and directories; each name once.
    pub(crate) fn list(&self) -> Result<Vec<String>> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for dir in &self.dirs {
            if !dir.is_dir() {
                continue;
            }
            let walk = walkdir::WalkDir::new(dir)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    // A dangling symbolic link: nothing to list.
                    Err(err) if err.io_error().is_some_and(is_absent) => continue,
                    Err(err) => {
                        let at = err.path().unwrap_or(dir).display().to_string();
                        return Err(Error::new(
                            ErrorKind::Io,
                            format!(
                                "cannot list template directory {}: {err} (at {at})",
                                dir.display()
                            ),
                        ));
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                let Ok(rel) = entry.path().strip_prefix(dir) else {
                    continue;
                };
                let parts: Option<Vec<&str>> =
                    rel.components().map(|c| c.as_os_str().to_str()).collect();
                // A name that is not UTF-8 cannot be asked for.
                let Some(parts) = parts else { continue };
                let name = parts.join("/");
                if seen.insert(name.clone()) {
                    names.push(name);
                }
            }
        }
        Ok(names)
    }
}

fn absent() -> Error {
    Error::new(ErrorKind::TemplateNotFound, "source does not exist")
}

fn refused(origin: &Origin, refusal: Refusal) -> Error {
    Error::new(
        ErrorKind::Suspicious,
        format!("{refusal} (`{}`)", origin.template_name.escape_debug()),
    )
    .with_origin(origin)
}
