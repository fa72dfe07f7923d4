//! Safe joining of template names onto template directories.
//!
//! A template name is a relative, `/`-separated path. [`safe_join`] turns it
//! into a file path inside a directory, or refuses it when it would leave the
//! directory: `..` components that climb above it, absolute paths, Windows
//! drive or UNC prefixes, backslashes and NUL bytes. The check is lexical (as
//! Django's `safe_join`); [`resolves_within`] adds the check that needs the
//! file to exist: that no symbolic link leads out of the directory.

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a template name was refused. Its `Display` is the reason shown in the
/// list of places tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The name is empty, or names the template directory itself (`.`, `a/..`).
    Empty,
    /// The name contains a NUL byte.
    Nul,
    /// The name contains a backslash (a Windows separator).
    Backslash,
    /// The name is an absolute path.
    Absolute,
    /// The name starts with a Windows drive (`C:`) or another prefix.
    Prefix,
    /// The name's `..` components climb above the template directory.
    Escapes,
    /// The file exists but resolves, through a symbolic link, outside the
    /// template directory.
    Symlink,
    /// The origin does not point into any of the loader's directories (it was
    /// not made by this loader).
    Foreign,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Empty => "the name is empty or names the template directory itself",
            Refusal::Nul => "the name contains a NUL byte",
            Refusal::Backslash => "the name contains a backslash",
            Refusal::Absolute => "the name is an absolute path",
            Refusal::Prefix => "the name starts with a drive or path prefix",
            Refusal::Escapes => "the name's `..` components leave the template directory",
            Refusal::Symlink => {
                "the file resolves through a symbolic link outside the template directory"
            }
            Refusal::Foreign => "the origin is not inside this loader's template directories",
        })
    }
}

impl std::error::Error for Refusal {}

/// Joins the template `name` onto `dir`, normalising `.` and `..`
/// components, or refuses it when the result would not be inside `dir`.
///
/// The check is lexical: nothing is read from the filesystem. A name such as
/// `a/../b.html` is accepted and joined as `dir/b.html`.
pub fn safe_join(dir: &Path, name: &str) -> Result<PathBuf, Refusal> {
    if name.contains('\0') {
        return Err(Refusal::Nul);
    }
    if name.contains('\\') {
        return Err(Refusal::Backslash);
    }
    if name.starts_with('/') {
        return Err(Refusal::Absolute);
    }
    if has_drive_prefix(name) {
        return Err(Refusal::Prefix);
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(Refusal::Escapes);
                }
            }
            part => {
                if cfg!(windows) && part.contains(':') {
                    // `page.html:stream` names an alternate data stream on NTFS.
                    return Err(Refusal::Prefix);
                }
                parts.push(part);
            }
        }
    }
    if parts.is_empty() {
        return Err(Refusal::Empty);
    }
    let mut path = dir.to_path_buf();
    for part in parts {
        // Belt and braces: every component must be a plain name on this platform.
        let mut components = Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) => path.push(part),
            (Some(Component::Prefix(_)), _) => return Err(Refusal::Prefix),
            (Some(Component::RootDir), _) => return Err(Refusal::Absolute),
            _ => return Err(Refusal::Escapes),
        }
    }
    Ok(path)
}

/// `C:`, `c:foo`: a Windows drive prefix, refused on every platform so that a
/// settings file means the same everywhere.
fn has_drive_prefix(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Whether the existing file `path` resolves, after following every symbolic
/// link, to a place inside the directory `dir` (also resolved).
///
/// Returns the resolved path when it does, `Ok(None)` when it does not, and
/// the I/O error when either cannot be resolved (a missing file gives
/// [`io::ErrorKind::NotFound`]).
pub fn resolves_within(dir: &Path, path: &Path) -> io::Result<Option<PathBuf>> {
    let real = path.canonicalize()?;
    let real_dir = dir.canonicalize()?;
    Ok(real.starts_with(&real_dir).then_some(real))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_plain_names() {
        let dir = Path::new("/t");
        assert_eq!(safe_join(dir, "a/b.html"), Ok(PathBuf::from("/t/a/b.html")));
        assert_eq!(
            safe_join(dir, "./a//b.html"),
            Ok(PathBuf::from("/t/a/b.html"))
        );
        assert_eq!(
            safe_join(dir, "a/../b.html"),
            Ok(PathBuf::from("/t/b.html"))
        );
        assert_eq!(safe_join(dir, "C.html"), Ok(PathBuf::from("/t/C.html")));
    }

    #[test]
    fn refuses_names_that_leave() {
        let dir = Path::new("/t");
        assert_eq!(safe_join(dir, "../x"), Err(Refusal::Escapes));
        assert_eq!(safe_join(dir, "a/../../x"), Err(Refusal::Escapes));
        assert_eq!(safe_join(dir, "/etc/passwd"), Err(Refusal::Absolute));
        assert_eq!(safe_join(dir, "\\..\\x"), Err(Refusal::Backslash));
        assert_eq!(safe_join(dir, "a\0b"), Err(Refusal::Nul));
        assert_eq!(safe_join(dir, "C:x"), Err(Refusal::Prefix));
        assert_eq!(safe_join(dir, ""), Err(Refusal::Empty));
        assert_eq!(safe_join(dir, "a/.."), Err(Refusal::Empty));
    }
}
