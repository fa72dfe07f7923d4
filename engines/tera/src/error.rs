//! Tera errors in platen's error type, with origin, line and column.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Origin, Span};

/// The template a Tera error says is missing, if that is what it says.
pub(crate) fn missing_template(err: &tera::Error) -> Option<String> {
    match err.kind() {
        tera::ErrorKind::MissingParent { parent, .. } => return Some(parent.clone()),
        tera::ErrorKind::TemplateNotFound(name) => return Some(name.clone()),
        _ => {}
    }
    // Unknown includes are reported as text: "Unknown template `name`".
    let text = full_text(err);
    let start = text.find("Unknown template `")? + "Unknown template `".len();
    let end = text[start..].find('`')?;
    Some(text[start..start + end].to_owned())
}

fn full_text(err: &tera::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Maps a Tera error into ours, locating it in the template it names.
pub(crate) fn map_error(
    err: &tera::Error,
    sources: &BTreeMap<String, (Arc<str>, Origin)>,
    fallback: &Origin,
) -> Error {
    let (kind, report) = match err.kind() {
        tera::ErrorKind::SyntaxError(r) => (ErrorKind::SyntaxError, Some(r)),
        tera::ErrorKind::RenderingError(r) => (render_kind(r.message()), Some(r)),
        tera::ErrorKind::CircularExtend { .. } | tera::ErrorKind::CircularInclude { .. } => {
            (ErrorKind::Recursion, None)
        }
        tera::ErrorKind::TemplateNotFound(_) | tera::ErrorKind::MissingParent { .. } => {
            (ErrorKind::TemplateNotFound, None)
        }
        _ => {
            let text = full_text(err);
            let kind = if text.contains("Syntax error") || text.contains("Unknown template") {
                ErrorKind::SyntaxError
            } else {
                ErrorKind::RenderError
            };
            (kind, None)
        }
    };
    match report {
        Some(r) => {
            let (source, origin) = sources
                .get(r.filename())
                .map(|(s, o)| (s.clone(), o.clone()))
                .unwrap_or_else(|| (Arc::from(""), fallback.clone()));
            let span = r.span();
            let start = span.range.start.min(source.len());
            let end = span.range.end.clamp(start, source.len());
            let mut ours = Span::from_range(&source, start, end);
            if source.is_empty() {
                ours = Span { line: span.start_line as u32, col: span.start_col as u32 + 1, start, end };
            }
            Error::new(kind, r.message().to_owned())
                .with_origin(&origin)
                .with_span(ours)
                .with_source_text(source)
        }
        None => Error::new(kind, full_text(err)).with_origin(fallback),
    }
}

fn render_kind(message: &str) -> ErrorKind {
    if message.contains("not found in context") || message.contains("is not defined") || message.contains("undefined")
    {
        ErrorKind::UndefinedVariable
    } else {
        ErrorKind::RenderError
    }
}
