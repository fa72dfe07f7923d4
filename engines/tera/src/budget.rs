//! The output budget of a render (the engine option `max_output_bytes`):
//! a runaway template (a loop over a large list, includes that each pull
//! in the next level twice) ends with an error of kind `LimitExceeded`
//! instead of allocating until the process aborts.
//!
//! Tera writes the page straight into the writer it is given: the adapter
//! gives it a [`BoundedWriter`], which refuses a write that would take the
//! page past the limit. Tera keeps only the kind of an I/O error, so the
//! refusal is also recorded on the thread, and [`render_bounded`] reads it
//! back. A `cache()` fragment is a render of its own, held to the same
//! limit; its refusal stays recorded so the page it was called from fails
//! with `LimitExceeded` too.
//!
//! What Tera captures inside a render before writing it (`{% filter %}`,
//! `{% set x %}...{% endset %}`, `super()`) is held in Tera's own buffers,
//! which the adapter cannot bound. Tera has no hook to count a render's
//! work, so there is no `fuel` option as DTL has.

use std::cell::Cell;
use std::io::{self, Write};

use platen_core::{EngineSettings, Error, ErrorKind};

/// The output of one render when the settings name none (64 MiB).
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 64 << 20;

thread_local! {
    /// The limit a writer of the render running on this thread refused to
    /// pass (`None`: none refused).
    static REFUSED: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The error of a render that would have written more than `limit` bytes.
pub(crate) fn too_much_output(limit: usize) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!(
            "the render wrote more than its budget of {limit} bytes (the engine option \
             `max_output_bytes` sets it)"
        ),
    )
}

/// A writer appending to a byte buffer, refusing to let what it wrote grow
/// past `limit` bytes.
pub(crate) struct BoundedWriter<'a> {
    buf: &'a mut Vec<u8>,
    /// The length of `buf` before this writer wrote anything.
    start: usize,
    limit: usize,
}

impl<'a> BoundedWriter<'a> {
    /// Appends to `buf`, at most `limit` bytes (`None`: no limit).
    pub(crate) fn new(buf: &'a mut Vec<u8>, limit: Option<usize>) -> BoundedWriter<'a> {
        let start = buf.len();
        BoundedWriter {
            buf,
            start,
            limit: limit.unwrap_or(usize::MAX),
        }
    }

    #[cold]
    fn refuse(&self) -> io::Error {
        REFUSED.with(|r| r.set(Some(self.limit)));
        io::Error::other(format!(
            "more than {} bytes of output (`max_output_bytes`)",
            self.limit
        ))
    }
}

impl Write for BoundedWriter<'_> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let written = self.buf.len() - self.start;
        if data.len() > self.limit - written {
            return Err(self.refuse());
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How a bounded render failed.
pub(crate) enum Failure {
    /// A writer refused to pass this limit (this render's, or that of a
    /// `cache()` fragment it called).
    Limit(usize),
    /// Any other error.
    Tera(tera::Error),
}

/// Runs `render` with a [`BoundedWriter`] over `buf`. A refusal during it
/// (by its writer, or by that of a render nested in it) makes the failure
/// [`Failure::Limit`], and stays recorded for the render around this one.
pub(crate) fn render_bounded(
    buf: &mut Vec<u8>,
    limit: Option<usize>,
    render: impl FnOnce(&mut BoundedWriter<'_>) -> tera::TeraResult<()>,
) -> Result<(), Failure> {
    let before = REFUSED.with(|r| r.replace(None));
    let result = render(&mut BoundedWriter::new(buf, limit));
    let refused = REFUSED.with(|r| r.replace(before));
    match (result, refused) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(limit)) => {
            REFUSED.with(|r| r.set(Some(limit)));
            Err(Failure::Limit(limit))
        }
        (Err(err), None) => Err(Failure::Tera(err)),
    }
}

/// The option `max_output_bytes`: a positive number of bytes, or `"none"`
/// (or `false`) for no limit; [`DEFAULT_MAX_OUTPUT_BYTES`] when unset.
/// Zero, or anything else, is a settings error naming
/// `options.max_output_bytes`.
pub(crate) fn max_output_bytes(settings: &EngineSettings) -> Result<Option<usize>, Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Limit {
        Number(u64),
        Off(bool),
        Text(String),
        /// A negative or fractional number, a list, a table.
        Other(serde::de::IgnoredAny),
    }
    let name = "max_output_bytes";
    let default = DEFAULT_MAX_OUTPUT_BYTES;
    let bad = || {
        settings.error(
            &format!("options.{name}"),
            format!(
                "`{name}` takes a positive number, or \"none\" for no limit (default {default})"
            ),
        )
    };
    let n = match settings.option::<Limit>(name)? {
        None => return Ok(Some(default)),
        Some(Limit::Off(false)) => return Ok(None),
        Some(Limit::Text(t)) if t.trim().eq_ignore_ascii_case("none") => return Ok(None),
        Some(Limit::Number(n)) => Some(n),
        Some(Limit::Text(t)) => t.trim().parse::<u64>().ok(),
        Some(Limit::Off(true) | Limit::Other(_)) => None,
    };
    let n = n.filter(|n| *n > 0).ok_or_else(bad)?;
    Ok(Some(usize::try_from(n).unwrap_or(usize::MAX)))
}
