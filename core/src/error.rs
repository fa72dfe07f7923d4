//! The one error type of platen.
//!
//! Shaped like minijinja's: a pointer-sized [`Error`] boxing a kind, a detail
//! message, where it happened (template name, [`Origin`], [`Span`]), the
//! template source for an excerpt, the places tried when a template was not
//! found, and a settings key with the file it came from. `Display` prints one
//! line; the alternate form (`{:#}`) adds the source excerpt with a marker.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::origin::Origin;

/// A `Result` with platen's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in classes a program can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No loader of any engine found the template (Django's `TemplateDoesNotExist`).
    TemplateNotFound,
    /// The template source does not parse (Django's `TemplateSyntaxError`).
    SyntaxError,
    /// A variable could not be resolved where that is an error (Django's `VariableDoesNotExist`).
    UndefinedVariable,
    /// A value had the right type but a wrong value (Python's `ValueError`).
    InvalidValue,
    /// A value had the wrong type for an operation (Python's `TypeError`).
    InvalidType,
    /// An attribute lookup failed where that is an error (Python's `AttributeError`).
    InvalidAttribute,
    /// Any other failure while rendering.
    RenderError,
    /// Templates include or extend each other in a loop, or nest too deeply.
    Recursion,
    /// A name tried to leave a template directory, or another unsafe operation.
    Suspicious,
    /// Reading a template source failed for a reason other than absence.
    Io,
    /// The settings are wrong: a bad key, value, type, backend or loader.
    BadSettings,
    /// A backend or loader name is not registered.
    UnknownBackend,
    /// The operation is not supported by this engine or loader.
    Unsupported,
    /// A render went over its budget: too much work (fuel) or too much
    /// output. A hostile or runaway template stops here instead of taking
    /// the process down.
    LimitExceeded,
}

impl ErrorKind {
    /// A short human description of the kind, used as the message prefix.
    pub fn description(self) -> &'static str {
        match self {
            ErrorKind::TemplateNotFound => "template not found",
            ErrorKind::SyntaxError => "syntax error",
            ErrorKind::UndefinedVariable => "undefined variable",
            ErrorKind::InvalidValue => "invalid value",
            ErrorKind::InvalidType => "invalid type",
            ErrorKind::InvalidAttribute => "invalid attribute",
            ErrorKind::RenderError => "render error",
            ErrorKind::Recursion => "recursion",
            ErrorKind::Suspicious => "refused",
            ErrorKind::Io => "i/o error",
            ErrorKind::BadSettings => "bad settings",
            ErrorKind::UnknownBackend => "unknown backend",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::LimitExceeded => "limit exceeded",
        }
    }

    /// The name of the exception Django raises in this situation
    /// (`TemplateSyntaxError`, `ValueError`, ...).
    pub fn django_class(self) -> &'static str {
        match self {
            ErrorKind::TemplateNotFound => "TemplateDoesNotExist",
            ErrorKind::SyntaxError => "TemplateSyntaxError",
            ErrorKind::UndefinedVariable => "VariableDoesNotExist",
            ErrorKind::InvalidValue => "ValueError",
            ErrorKind::InvalidType => "TypeError",
            ErrorKind::InvalidAttribute => "AttributeError",
            ErrorKind::Recursion => "RecursionError",
            ErrorKind::Suspicious => "SuspiciousFileOperation",
            ErrorKind::Io => "OSError",
            ErrorKind::BadSettings | ErrorKind::UnknownBackend => "ImproperlyConfigured",
            ErrorKind::RenderError | ErrorKind::Unsupported => "RuntimeError",
            ErrorKind::LimitExceeded => "MemoryError",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// A position in a template source: 1-based line and column (in characters),
/// and the byte range it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// 1-based line of the start.
    pub line: u32,
    /// 1-based column (in characters) of the start.
    pub col: u32,
    /// Byte offset of the start in the source.
    pub start: usize,
    /// Byte offset just past the end in the source.
    pub end: usize,
}

impl Span {
    /// Computes the span of the byte range `start..end` of `source`.
    ///
    /// Offsets past the end of the source are clamped to it.
    pub fn from_range(source: &str, start: usize, end: usize) -> Span {
        let start = floor_char_boundary(source, start.min(source.len()));
        let end = floor_char_boundary(source, end.clamp(start, source.len()));
        let before = &source[..start];
        let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = source[line_start..start].chars().count() as u32 + 1;
        Span {
            line,
            col,
            start,
            end,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One place a loader looked for a template, and why it was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// The engine whose loaders looked, when known.
    pub engine: Option<String>,
    /// Where the loader looked.
    pub origin: Origin,
    /// Why it was not used ("source does not exist", "skipped to avoid recursion", ...).
    pub reason: String,
}

impl fmt::Display for Tried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(engine) = &self.engine {
            write!(f, "[{engine}] ")?;
        }
        write!(
            f,
            "{} ({}): {}",
            self.origin.name, self.origin.loader, self.reason
        )
    }
}

/// platen's error: a kind, a message and everything known about where.
pub struct Error {
    repr: Box<Repr>,
}

struct Repr {
    kind: ErrorKind,
    detail: Option<Cow<'static, str>>,
    name: Option<String>,
    origin: Option<Origin>,
    span: Option<Span>,
    source_text: Option<Arc<str>>,
    tried: Vec<Tried>,
    key: Option<String>,
    key_source: Option<String>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// Creates an error of `kind` with a detail message.
    pub fn new(kind: ErrorKind, detail: impl Into<Cow<'static, str>>) -> Error {
        Error {
            repr: Box::new(Repr {
                kind,
                detail: Some(detail.into()),
                name: None,
                origin: None,
                span: None,
                source_text: None,
                tried: Vec::new(),
                key: None,
                key_source: None,
                cause: None,
            }),
        }
    }

    /// A `TemplateNotFound` error for `name` with the places that were tried.
    pub fn not_found(name: &str, tried: Vec<Tried>) -> Error {
        let mut err = Error::new(ErrorKind::TemplateNotFound, name.to_owned());
        err.repr.tried = tried;
        err
    }

    /// A `BadSettings` error about `key`, whose value came from `source`
    /// (a file path, an environment variable, or "defaults").
    pub fn bad_setting(
        key: impl Into<String>,
        source: Option<String>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Error {
        let mut err = Error::new(ErrorKind::BadSettings, detail);
        err.repr.key = Some(key.into());
        err.repr.key_source = source;
        err
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The detail message, without the location.
    pub fn detail(&self) -> Option<&str> {
        self.repr.detail.as_deref()
    }

    /// The name of the template the error happened in.
    pub fn template_name(&self) -> Option<&str> {
        self.repr.name.as_deref()
    }

    /// Where the template came from.
    pub fn origin(&self) -> Option<&Origin> {
        self.repr.origin.as_ref()
    }

    /// The position in the template source.
    pub fn span(&self) -> Option<Span> {
        self.repr.span
    }

    /// The 1-based line in the template, when known.
    pub fn line(&self) -> Option<u32> {
        self.repr.span.map(|s| s.line)
    }

    /// The template source, when attached (used for the excerpt).
    pub fn source_text(&self) -> Option<&str> {
        self.repr.source_text.as_deref()
    }

    /// Every place a loader looked, for `TemplateNotFound`.
    pub fn tried(&self) -> &[Tried] {
        &self.repr.tried
    }

    /// The settings key a `BadSettings` error is about (`templates[0].backend`).
    pub fn settings_key(&self) -> Option<&str> {
        self.repr.key.as_deref()
    }

    /// Where the bad settings value came from (a file or environment variable).
    pub fn settings_source(&self) -> Option<&str> {
        self.repr.key_source.as_deref()
    }

    /// Replaces the detail message.
    pub fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Error {
        self.repr.detail = Some(detail.into());
        self
    }

    /// Sets the template name, if none is set yet.
    pub fn with_name(mut self, name: impl Into<String>) -> Error {
        if self.repr.name.is_none() {
            self.repr.name = Some(name.into());
        }
        self
    }

    /// Sets the origin (and the template name from it), if none is set yet.
    pub fn with_origin(mut self, origin: &Origin) -> Error {
        if self.repr.origin.is_none() {
            if self.repr.name.is_none() {
                self.repr.name = Some(origin.template_name.clone());
            }
            self.repr.origin = Some(origin.clone());
        }
        self
    }

    /// Sets the position, if none is set yet.
    pub fn with_span(mut self, span: Span) -> Error {
        if self.repr.span.is_none() {
            self.repr.span = Some(span);
        }
        self
    }

    /// Attaches the template source for the excerpt, if none is attached yet.
    pub fn with_source_text(mut self, source: impl Into<Arc<str>>) -> Error {
        if self.repr.source_text.is_none() {
            self.repr.source_text = Some(source.into());
        }
        self
    }

    /// Attaches an underlying cause, reported by `std::error::Error::source`.
    pub fn with_cause(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.repr.cause = Some(Box::new(cause));
        self
    }

    /// Sets the engine name on every tried entry that has none.
    pub fn with_engine(mut self, engine: &str) -> Error {
        for t in &mut self.repr.tried {
            if t.engine.is_none() {
                t.engine = Some(engine.to_owned());
            }
        }
        self
    }

    /// Appends the tried entries of `other` (used to aggregate across engines).
    pub fn extend_tried(&mut self, other: impl IntoIterator<Item = Tried>) {
        self.repr.tried.extend(other);
    }

    /// Takes the tried entries out of this error.
    pub fn take_tried(&mut self) -> Vec<Tried> {
        std::mem::take(&mut self.repr.tried)
    }

    /// The location as `file:line:col` (the origin's name, else the template
    /// name), when known.
    pub fn location(&self) -> Option<String> {
        let file = self
            .repr
            .origin
            .as_ref()
            .map(|o| o.name.as_str())
            .or(self.repr.name.as_deref())?;
        Some(match self.repr.span {
            Some(s) => format!("{file}:{}:{}", s.line, s.col),
            None => file.to_owned(),
        })
    }

    /// Writes the source excerpt: up to two lines before and after the error
    /// line, numbered, with carets under the span.
    fn write_excerpt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Some(source), Some(span)) = (&self.repr.source_text, self.repr.span) else {
            return Ok(());
        };
        let lines: Vec<&str> = source.split('\n').collect();
        let idx = (span.line as usize).saturating_sub(1);
        if idx >= lines.len() {
            return Ok(());
        }
        let first = idx.saturating_sub(2);
        let last = (idx + 2).min(lines.len() - 1);
        let width = (last + 1).to_string().len();
        writeln!(f)?;
        writeln!(f, "{:-^1$}", " source ", 60)?;
        for (i, line) in lines.iter().enumerate().take(last + 1).skip(first) {
            let marker = if i == idx { ">" } else { " " };
            writeln!(
                f,
                "{marker} {:>width$} | {}",
                i + 1,
                line.trim_end_matches('\r')
            )?;
            if i == idx {
                let line_start: usize = lines[..i].iter().map(|l| l.len() + 1).sum();
                let span_chars = source
                    .get(span.start..span.end.min(line_start + line.len()).max(span.start))
                    .map_or(1, |s| s.chars().count().max(1));
                writeln!(
                    f,
                    "  {:>width$} | {}{}",
                    "",
                    " ".repeat(span.col.saturating_sub(1) as usize),
                    "^".repeat(span_chars)
                )?;
            }
        }
        write!(f, "{:-^1$}", "", 60)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.repr;
        match &r.detail {
            Some(d) => write!(f, "{}: {d}", r.kind)?,
            None => write!(f, "{}", r.kind)?,
        }
        if let Some(key) = &r.key {
            write!(f, " (key `{key}`")?;
            if let Some(src) = &r.key_source {
                write!(f, " in {src}")?;
            }
            f.write_str(")")?;
        }
        if let Some(loc) = self.location() {
            write!(f, " (in {loc})")?;
        }
        if !r.tried.is_empty() {
            f.write_str("; tried, in this order:")?;
            for t in &r.tried {
                write!(f, "\n  - {t}")?;
            }
        }
        if f.alternate() {
            self.write_excerpt(f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug shows the full message with the excerpt: it is what `unwrap` prints.
        write!(f, "{self:#}")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr
            .cause
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, err.to_string()).with_cause(err)
    }
}

impl Clone for Error {
    /// Clones everything but the underlying cause, which is kept as its message.
    fn clone(&self) -> Error {
        let r = &self.repr;
        let mut detail = r.detail.clone();
        if let (Some(cause), None) = (&r.cause, &detail) {
            detail = Some(cause.to_string().into());
        }
        Error {
            repr: Box::new(Repr {
                kind: r.kind,
                detail,
                name: r.name.clone(),
                origin: r.origin.clone(),
                span: r.span,
                source_text: r.source_text.clone(),
                tried: r.tried.clone(),
                key: r.key.clone(),
                key_source: r.key_source.clone(),
                cause: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_pointer_sized() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn span_counts_lines_and_chars() {
        let src = "ab\nçd {{ x }}\n";
        let start = src.find("{{").unwrap();
        let span = Span::from_range(src, start, start + 7);
        assert_eq!((span.line, span.col), (2, 4));
    }

    #[test]
    fn display_has_location_and_excerpt() {
        let src = "line one\n{% bad %}\nline three";
        let origin = Origin::new("/t/page.html", "page.html", "test");
        let err = Error::new(ErrorKind::SyntaxError, "Invalid block tag 'bad'")
            .with_origin(&origin)
            .with_span(Span::from_range(src, 9, 18))
            .with_source_text(src);
        assert_eq!(
            err.to_string(),
            "syntax error: Invalid block tag 'bad' (in /t/page.html:2:1)"
        );
        let long = format!("{err:#}");
        assert!(long.contains("> 2 | {% bad %}"), "{long}");
        assert!(long.contains("^^^^^^^^^"), "{long}");
    }

    #[test]
    fn not_found_lists_every_place() {
        let tried = vec![
            Tried {
                engine: Some("hbs".into()),
                origin: Origin::new("/a/x.hbs", "x.hbs", "platen.loaders.filesystem"),
                reason: "source does not exist".into(),
            },
            Tried {
                engine: Some("tera".into()),
                origin: Origin::new("/b/x.hbs", "x.hbs", "platen.loaders.filesystem"),
                reason: "source does not exist".into(),
            },
        ];
        let err = Error::not_found("x.hbs", tried);
        let text = err.to_string();
        assert!(
            text.starts_with("template not found: x.hbs; tried"),
            "{text}"
        );
        assert!(text.contains("[hbs] /a/x.hbs"), "{text}");
        assert!(text.contains("[tera] /b/x.hbs"), "{text}");
    }

    #[test]
    fn settings_error_names_key_and_file() {
        let err = Error::bad_setting(
            "templates[0].backend",
            Some("/srv/platen.toml".into()),
            "unknown backend `platen.nope`",
        );
        assert_eq!(
            err.to_string(),
            "bad settings: unknown backend `platen.nope` (key `templates[0].backend` in /srv/platen.toml)"
        );
    }
}
