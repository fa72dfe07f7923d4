//! Handlebars errors in platen's error type, with origin, line and column.

use handlebars::{RenderError, RenderErrorReason, TemplateError};
use platen_core::{Error, ErrorKind, Origin, Span, Template};

use crate::engine::HandlebarsTemplate;

/// The byte offset of a 1-based line and column in `source`.
fn offset(source: &str, line: usize, col: usize) -> usize {
    let line_start: usize = source.split('\n').take(line.saturating_sub(1)).map(|l| l.len() + 1).sum();
    let line_text = source.get(line_start..).unwrap_or("").split('\n').next().unwrap_or("");
    let in_line: usize = line_text.chars().take(col.saturating_sub(1)).map(char::len_utf8).sum();
    (line_start + in_line).min(source.len())
}

fn locate(err: Error, origin: &Origin, source: &str, line: Option<usize>, col: Option<usize>) -> Error {
    let err = err.with_origin(origin).with_source_text(source);
    match line {
        Some(line) => {
            let start = offset(source, line, col.unwrap_or(1));
            err.with_span(Span::from_range(source, start, start + 1))
        }
        None => err,
    }
}

/// Maps a parse error of `source` (from `origin`).
pub(crate) fn template_error(err: &TemplateError, origin: &Origin, source: &str) -> Error {
    let (line, col) = err.pos().map_or((None, None), |(l, c)| (Some(l), Some(c)));
    locate(Error::new(ErrorKind::SyntaxError, err.reason().to_string()), origin, source, line, col)
}

/// Maps a render error, locating it in the template or partial it names.
pub(crate) fn render_error(err: &RenderError, template: &HandlebarsTemplate) -> Error {
    let (kind, detail, tried) = match err.reason() {
        RenderErrorReason::MissingVariable(path) => (
            ErrorKind::UndefinedVariable,
            match path {
                Some(p) => format!("`{p}` is not in the context (strict mode)"),
                None => "a variable is not in the context (strict mode)".to_owned(),
            },
            None,
        ),
        RenderErrorReason::PartialNotFound(name) => (
            ErrorKind::TemplateNotFound,
            format!("the partial `{name}` was not found"),
            template.tried_for(name).map(<[_]>::to_vec),
        ),
        other => (ErrorKind::RenderError, other.to_string(), None),
    };
    let mut ours = Error::new(kind, detail);
    if let Some(tried) = tried {
        ours.extend_tried(tried);
    }
    let name = err.template_name.as_deref();
    let (source, origin) = match name.and_then(|n| template.source_of(n)) {
        Some((s, o)) => (s.clone(), o.clone()),
        None => match template.source_of(&template.origin().template_name) {
            Some((s, o)) => (s.clone(), o.clone()),
            None => return ours.with_origin(&template.origin().clone()),
        },
    };
    locate(ours, &origin, &source, err.line_no, err.column_no)
}
