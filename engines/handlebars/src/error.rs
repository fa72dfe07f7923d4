//! Handlebars errors as platen errors: a kind, the origin, line, column and
//! the source text for the excerpt.

use handlebars::{RenderError, RenderErrorReason, TemplateError, TemplateErrorReason};
use platen_core::{Error, ErrorKind, Origin, Span};

use crate::budget::TooMuchOutput;
use crate::partials::TooDeep;
use crate::template::HandlebarsTemplate;

/// The byte offset of a 1-based line and column (in characters) of `source`.
fn offset(source: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match source[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return source.len(),
        }
    }
    let rest = &source[start..];
    let line_text = rest.split('\n').next().unwrap_or("");
    let in_line: usize = line_text
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    start + in_line
}

/// The span of the tag at `start` (through its closing `}}`, on the same
/// line), or of one character when there is no tag there.
fn tag_span(source: &str, start: usize) -> Span {
    let rest = &source[start..];
    let line = rest.split('\n').next().unwrap_or("");
    let end = if rest.starts_with("{{") {
        line.find("}}").map_or(line.len(), |i| {
            let close = if line[i + 2..].starts_with('}') && line.starts_with("{{{") {
                3
            } else {
                2
            };
            i + close
        })
    } else {
        line.chars().next().map_or(0, char::len_utf8)
    };
    Span::from_range(source, start, start + end.max(1))
}

/// Attaches the origin, the source text and, when known, the position.
pub(crate) fn locate(
    err: Error,
    origin: &Origin,
    source: &str,
    pos: Option<(usize, usize)>,
) -> Error {
    let err = err.with_origin(origin).with_source_text(source);
    match pos {
        Some((line, col)) => err.with_span(tag_span(source, offset(source, line, col))),
        None => err,
    }
}

/// A parse error of `source`, read from `origin`.
pub(crate) fn syntax_error(err: &TemplateError, origin: &Origin, source: &str) -> Error {
    let mut detail = match err.reason() {
        TemplateErrorReason::InvalidSyntax(expected) => {
            // pest lists every rule it could have matched; a long list says nothing.
            if expected.matches(", ").count() >= 4 {
                "invalid handlebars syntax".to_owned()
            } else {
                format!("invalid handlebars syntax: {expected}")
            }
        }
        other => other.to_string(),
    };
    if let Some((line, col)) = err.pos()
        && source[offset(source, line, col)..].trim().is_empty()
    {
        detail.push_str("; the template ends here: is a block (`{{#name}}`, `{{#> name}}`, `{{#*inline}}`) left open?");
    }
    locate(
        Error::new(ErrorKind::SyntaxError, detail),
        origin,
        source,
        err.pos(),
    )
}

/// A render error of `template` (or of one of its partials, which the error
/// names), located in the source it happened in.
pub(crate) fn render_error(err: RenderError, template: &HandlebarsTemplate) -> Error {
    let mut tried = Vec::new();
    let (kind, detail) = match err.reason() {
        RenderErrorReason::MissingVariable(path) => (
            ErrorKind::UndefinedVariable,
            match path {
                Some(p) => format!("`{p}` is not in the context (strict mode)"),
                None => "a variable is not in the context (strict mode)".to_owned(),
            },
        ),
        RenderErrorReason::PartialNotFound(name) => {
            let looked = template.tried_for(name);
            tried = looked.unwrap_or_default().to_vec();
            let how = if looked.is_none() {
                "; a partial named at render time must be named literally somewhere in the template or its \
                 partials, or be defined inline"
            } else {
                ""
            };
            (
                ErrorKind::TemplateNotFound,
                format!("the partial `{name}` is not defined inline and no loader has it{how}"),
            )
        }
        RenderErrorReason::HelperNotFound(name) => (
            ErrorKind::RenderError,
            format!(
                "no helper named `{name}`; register it with `HandlebarsBackend::helper` and, when the engine \
                 sets `options.helpers`, list it there"
            ),
        ),
        RenderErrorReason::CannotIncludeSelf => (
            ErrorKind::Recursion,
            "a template cannot include itself under its own name; Handlebars refuses it".to_owned(),
        ),
        RenderErrorReason::NestedError(inner) if inner.is::<TooDeep>() => {
            (ErrorKind::Recursion, inner.to_string())
        }
        RenderErrorReason::ParamTypeMismatchForName(..)
        | RenderErrorReason::HashTypeMismatchForName(..)
        | RenderErrorReason::InvalidParamType(_) => {
            (ErrorKind::InvalidType, err.reason().to_string())
        }
        RenderErrorReason::TemplateError(e) => (ErrorKind::SyntaxError, e.reason().to_string()),
        RenderErrorReason::IOError(e) if TooMuchOutput::in_io(e).is_some() => {
            (ErrorKind::LimitExceeded, e.to_string())
        }
        RenderErrorReason::NestedError(inner) if inner.is::<TooMuchOutput>() => {
            (ErrorKind::LimitExceeded, inner.to_string())
        }
        RenderErrorReason::IOError(_) => (ErrorKind::Io, err.reason().to_string()),
        other => (ErrorKind::RenderError, other.to_string()),
    };
    let mut ours = Error::new(kind, detail);
    ours.extend_tried(tried);
    let pos = err.line_no.map(|line| (line, err.column_no.unwrap_or(1)));
    let unit = err
        .template_name
        .as_deref()
        .and_then(|name| template.unit_named(name))
        .unwrap_or(template.unit());
    let ours = locate(ours, &unit.origin, &unit.source, pos);
    ours.with_cause(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters() {
        let src = "ab\nçd {{ x }}\n";
        assert_eq!(offset(src, 2, 4), src.find("{{").unwrap());
        assert_eq!(offset(src, 9, 1), src.len());
        let span = tag_span(src, src.find("{{").unwrap());
        assert_eq!(&src[span.start..span.end], "{{ x }}");
        assert_eq!((span.line, span.col), (2, 4));
        let src = "{{{ raw }}} x";
        let span = tag_span(src, 0);
        assert_eq!(&src[span.start..span.end], "{{{ raw }}}");
        let span = tag_span("abc", 1);
        assert_eq!((span.start, span.end), (1, 2));
    }
}
