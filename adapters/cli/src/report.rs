//! Printing template errors for people (`file:line:col: message`) and for
//! tools (one JSON object per line).

use platen::Error;

/// Formats an error as `file:line:col: message`, then the source line with a
/// caret under the column when the source is known.
pub(crate) fn human(err: &Error) -> String {
    let mut out = String::new();
    let location = err.location().unwrap_or_else(|| "<settings>".to_owned());
    let message = match err.detail() {
        Some(d) => format!("{}: {d}", err.kind()),
        None => err.kind().to_string(),
    };
    out.push_str(&format!("{location}: {message}"));
    for tried in err.tried() {
        out.push_str(&format!("\n    tried {tried}"));
    }
    if let (Some(src), Some(span)) = (err.source_text(), err.span())
        && let Some(line) = src.split('\n').nth(span.line.saturating_sub(1) as usize)
    {
        let line = line.trim_end_matches('\r');
        out.push_str(&format!(
            "\n    {line}\n    {}^",
            " ".repeat(span.col.saturating_sub(1) as usize)
        ));
    }
    out
}

/// Formats an error as one JSON object for editors and CI.
pub(crate) fn json(err: &Error, engine: Option<&str>) -> serde_json::Value {
    let span = err.span();
    serde_json::json!({
        "engine": engine,
        "template": err.template_name(),
        "file": err.origin().map(|o| o.name.clone()).or_else(|| err.template_name().map(str::to_owned)),
        "line": span.map(|s| s.line),
        "column": span.map(|s| s.col),
        "kind": format!("{:?}", err.kind()),
        "class": err.kind().django_class(),
        "message": err.detail().unwrap_or_default(),
        "source_line": match (err.source_text(), span) {
            (Some(src), Some(s)) => src.split('\n').nth(s.line.saturating_sub(1) as usize).map(str::to_owned),
            _ => None,
        },
        "tried": err.tried().iter().map(|t| t.to_string()).collect::<Vec<_>>(),
    })
}
