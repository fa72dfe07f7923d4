//! Reading and decoding template files.

use std::fmt;
use std::io;
use std::path::Path;

use platen_core::{Error, ErrorKind, Result};

/// The encoding of template files (the engine's `options.file_charset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// UTF-8, the default. Invalid bytes are an error.
    #[default]
    Utf8,
    /// ISO-8859-1: every byte is the character of the same number.
    Latin1,
}

impl Charset {
    /// Reads a charset name as settings spell it (`utf-8`, `utf8`, `latin-1`,
    /// `latin1`, `iso-8859-1`, any case, `_` for `-`).
    pub fn from_name(name: &str) -> Option<Charset> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Some(Charset::Latin1),
            _ => None,
        }
    }

    /// Decodes `bytes` read from `path`.
    ///
    /// Invalid UTF-8 is an [`ErrorKind::InvalidValue`] error (Python's
    /// `UnicodeDecodeError` is a `ValueError`) naming the file and the byte
    /// offset of the first invalid byte.
    pub fn decode(self, bytes: Vec<u8>, path: &Path) -> Result<String> {
        match self {
            Charset::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Charset::Utf8 => String::from_utf8(bytes).map_err(|err| {
                let offset = err.utf8_error().valid_up_to();
                Error::new(
                    ErrorKind::InvalidValue,
                    format!(
                        "{} is not valid UTF-8 (invalid byte at offset {offset}); convert the file \
                         or set `options.file_charset` to its encoding",
                        path.display()
                    ),
                )
            }),
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Charset::Utf8 => "utf-8",
            Charset::Latin1 => "latin-1",
        })
    }
}

/// Whether an I/O error means "there is no file there": the next place is
/// tried rather than the error reported.
pub(crate) fn is_absent(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// The error for a file that exists but cannot be read.
pub(crate) fn io_error(path: &Path, err: io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("cannot read template file {}: {err}", path.display()),
    )
    .with_cause(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Charset::from_name("UTF-8"), Some(Charset::Utf8));
        assert_eq!(Charset::from_name("latin_1"), Some(Charset::Latin1));
        assert_eq!(Charset::from_name("koi8-r"), None);
    }

    #[test]
    fn decodes() {
        let p = Path::new("/t/x.html");
        assert_eq!(Charset::Latin1.decode(vec![b'a', 0xe9], p).unwrap(), "aé");
        let err = Charset::Utf8.decode(vec![b'a', b'b', 0xff], p).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
        assert!(err.to_string().contains("offset 2"), "{err}");
        assert!(err.to_string().contains("/t/x.html"), "{err}");
    }
}
