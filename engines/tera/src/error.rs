//! Tera errors in platen's error type, located in the template they name.
//!
//! Tera reports syntax and render errors with a structured position
//! ([`tera::ReportError`]); the checks it runs when templates are added
//! (unknown filters, tests, functions, components, templates and blocks) come
//! back as one text message holding a report per problem, which is read here
//! for its message and `--> name:line:col` location.

use std::error::Error as _;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Origin, Span};

/// One template of a compiled closure: the name Tera knows it by, its source
/// and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) name: String,
    pub(crate) source: Arc<str>,
    pub(crate) origin: Origin,
}

/// When the error happened: the default kind differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Build,
    Render,
}

/// One problem of a text report: its message and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextReport {
    pub(crate) message: String,
    pub(crate) file: Option<String>,
    pub(crate) line: u32,
    /// 1-based, in characters.
    pub(crate) col: u32,
    /// The number of characters marked, at least 1.
    pub(crate) width: usize,
}

/// The templates Tera says are missing: a parent, or include targets.
pub(crate) fn missing_templates(err: &tera::Error) -> Vec<String> {
    match err.kind() {
        tera::ErrorKind::MissingParent { parent, .. } => vec![parent.clone()],
        tera::ErrorKind::TemplateNotFound(name) => vec![name.clone()],
        tera::ErrorKind::Msg(text) => text_reports(text)
            .into_iter()
            .filter_map(|r| between(&r.message, "Unknown template `", "`").map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// Reads the reports Tera joins into one message (`error: ...` then
/// `--> name:line:col`, a source line and carets).
pub(crate) fn text_reports(text: &str) -> Vec<TextReport> {
    let mut reports: Vec<TextReport> = Vec::new();
    let mut in_report = false;
    for line in text.lines() {
        if let Some(message) = line.strip_prefix("error: ") {
            reports.push(TextReport {
                message: message.to_owned(),
                file: None,
                line: 0,
                col: 0,
                width: 1,
            });
            in_report = true;
        } else if line.starts_with("note: ") || line.is_empty() {
            in_report = false;
        } else if let (true, Some(last)) = (in_report, reports.last_mut()) {
            let trimmed = line.trim_start();
            if let Some(loc) = trimmed.strip_prefix("--> ") {
                let mut parts = loc.rsplitn(3, ':');
                let col = parts.next().and_then(|c| c.parse().ok());
                let row = parts.next().and_then(|l| l.parse().ok());
                if let (Some(col), Some(row), Some(file)) = (col, row, parts.next()) {
                    last.file = Some(file.to_owned());
                    last.line = row;
                    last.col = col;
                }
            } else if trimmed.starts_with('|') && trimmed.contains('^') {
                last.width = trimmed.matches('^').count().max(1);
            }
        }
    }
    reports
}

/// Maps a Tera error into ours. `closure` holds every template the failing
/// Tera instance knew (to find the origin and source of the one named);
/// `fallback` is the template being built or rendered.
pub(crate) fn map_error(
    err: &tera::Error,
    closure: &[Part],
    fallback: &Part,
    phase: Phase,
) -> Error {
    let part = |name: &str| closure.iter().find(|p| p.name == name).unwrap_or(fallback);
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) => {
            located(ErrorKind::SyntaxError, report, part(report.filename()))
        }
        tera::ErrorKind::RenderingError(report) => located(
            render_kind(report.message()),
            report,
            part(report.filename()),
        ),
        tera::ErrorKind::Msg(text) => {
            let reports = text_reports(text);
            let Some(first) = reports.first() else {
                let kind = match phase {
                    Phase::Build => ErrorKind::SyntaxError,
                    Phase::Render if text.contains("recursion") => ErrorKind::Recursion,
                    Phase::Render => ErrorKind::RenderError,
                };
                return Error::new(kind, full_text(err)).with_origin(&fallback.origin);
            };
            let at = part(first.file.as_deref().unwrap_or(&fallback.name));
            let mut detail = first.message.clone();
            if first.message.starts_with("Unknown component") {
                detail.push_str(
                    " (a template can call the components defined in itself, in the templates it extends \
                     or includes, and in the engine's `options.components` templates)",
                );
            }
            if reports.len() > 1 {
                let others: Vec<String> = reports[1..]
                    .iter()
                    .map(|r| {
                        format!(
                            "{} at {}:{}:{}",
                            r.message,
                            r.file.as_deref().unwrap_or("?"),
                            r.line,
                            r.col
                        )
                    })
                    .collect();
                detail.push_str(&format!(
                    "; and {} more: {}",
                    others.len(),
                    others.join("; ")
                ));
            }
            let kind = if phase == Phase::Render {
                ErrorKind::RenderError
            } else {
                ErrorKind::SyntaxError
            };
            let mut out = Error::new(kind, detail)
                .with_origin(&at.origin)
                .with_source_text(at.source.clone());
            if first.line > 0 {
                let start = offset_of(&at.source, first.line, first.col);
                let end = at.source[start..]
                    .char_indices()
                    .nth(first.width)
                    .map_or(at.source.len(), |(i, _)| start + i);
                out = out.with_span(Span::from_range(&at.source, start, end));
            }
            out
        }
        tera::ErrorKind::CircularExtend { .. } | tera::ErrorKind::CircularInclude { .. } => {
            Error::new(ErrorKind::Recursion, full_text(err)).with_origin(&fallback.origin)
        }
        tera::ErrorKind::MissingParent { parent: name, .. }
        | tera::ErrorKind::TemplateNotFound(name) => {
            Error::not_found(name, Vec::new()).with_origin(&fallback.origin)
        }
        tera::ErrorKind::InvalidArgument { .. } => {
            Error::new(ErrorKind::InvalidType, full_text(err)).with_origin(&fallback.origin)
        }
        tera::ErrorKind::Io(_) => {
            Error::new(ErrorKind::Io, full_text(err)).with_origin(&fallback.origin)
        }
        _ => {
            let kind = if phase == Phase::Build {
                ErrorKind::SyntaxError
            } else {
                ErrorKind::RenderError
            };
            Error::new(kind, full_text(err)).with_origin(&fallback.origin)
        }
    }
}

/// An error at a structured Tera position in `part`.
fn located(kind: ErrorKind, report: &tera::ReportError, part: &Part) -> Error {
    let source = &part.source;
    let range = &report.span().range;
    let mut err = Error::new(kind, report.message().to_owned())
        .with_origin(&part.origin)
        .with_source_text(source.clone());
    if range.start <= source.len() {
        err = err.with_span(Span::from_range(source, range.start, range.end));
    } else {
        let span = report.span();
        err = err.with_span(Span {
            line: span.start_line as u32,
            col: span.start_col as u32 + 1,
            start: 0,
            end: 0,
        });
    }
    err
}

/// The kind of a render error, from Tera's message.
fn render_kind(message: &str) -> ErrorKind {
    if message.contains("is not defined") || message.contains("value is undefined") {
        ErrorKind::UndefinedVariable
    } else if message.starts_with("Invalid type")
        || message.starts_with("Cannot compare")
        || message.starts_with("Iteration not possible")
    {
        ErrorKind::InvalidType
    } else if message.contains("recursion depth") {
        ErrorKind::Recursion
    } else {
        ErrorKind::RenderError
    }
}

/// The byte offset of 1-based `line` and `col` (in characters), clamped to the source.
fn offset_of(source: &str, line: u32, col: u32) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match source[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return source.len(),
        }
    }
    let line_text = &source[start
        ..source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i)];
    start
        + line_text
            .char_indices()
            .nth(col.saturating_sub(1) as usize)
            .map_or(line_text.len(), |(i, _)| i)
}

/// The message of `err` and of every error under it.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_joined_reports() {
        let mut tera = tera::Tera::new();
        let err = tera
            .add_raw_template(
                "p.html",
                "ok\n  {{ x | nope }}{% include \"gone.html\" %}\n{{ y | nada }}",
            )
            .unwrap_err();
        let tera::ErrorKind::Msg(text) = err.kind() else {
            panic!("{err:?}")
        };
        let reports = text_reports(text);
        assert_eq!(reports.len(), 3, "{text}");
        assert_eq!(reports[0].message, "Unknown filter `nope`");
        assert_eq!(
            (reports[0].file.as_deref(), reports[0].line, reports[0].col),
            (Some("p.html"), 2, 10)
        );
        assert_eq!(missing_templates(&err), ["gone.html"]);
    }

    #[test]
    fn maps_validation_errors_to_their_position() {
        let mut tera = tera::Tera::new();
        let src = "ok\n  {{ x | nope }}";
        let err = tera.add_raw_template("p.html", src).unwrap_err();
        let part = Part {
            name: "p.html".into(),
            source: Arc::from(src),
            origin: Origin::new("/t/p.html", "p.html", "t"),
        };
        let ours = map_error(&err, std::slice::from_ref(&part), &part, Phase::Build);
        assert_eq!(ours.kind(), ErrorKind::SyntaxError);
        assert_eq!(ours.location().as_deref(), Some("/t/p.html:2:10"), "{ours}");
        assert_eq!(ours.detail(), Some("Unknown filter `nope`"));
    }

    #[test]
    fn offsets_count_characters() {
        let src = "é\nab{{ x }}";
        let at = offset_of(src, 2, 3);
        assert_eq!(&src[at..at + 2], "{{");
        assert_eq!(offset_of(src, 9, 1), src.len());
    }
}
