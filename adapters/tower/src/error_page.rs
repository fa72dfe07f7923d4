//! The pages a render error becomes: Django's technical 500 page in debug
//! mode, a plain `500.html` (or a built-in text) otherwise.

use std::fmt::Write as _;

use platen_core::{Context, Engines, Error, Request};

/// The text of the 500 page when no engine has a `500.html` (Django's).
pub(crate) const BUILTIN_500: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n";

/// What the debug page shows besides the error.
pub(crate) struct DebugInfo<'a> {
    pub(crate) names: &'a [String],
    pub(crate) context: Option<&'a Context>,
    pub(crate) request: &'a Request,
}

/// The production 500 page: `500.html` from the engines, rendered with an
/// empty context, else [`BUILTIN_500`]. Never shows the error.
pub(crate) fn production_page(engines: &Engines) -> String {
    match engines
        .get_template("500.html", None)
        .and_then(|t| t.render(&Context::new(), None))
    {
        Ok(page) => page,
        Err(err)
            if err.kind() == platen_core::ErrorKind::TemplateNotFound && err.origin().is_none() =>
        {
            BUILTIN_500.to_owned()
        }
        Err(err) => {
            tracing::error!(error = %format_args!("{err:#}"), "rendering 500.html failed");
            BUILTIN_500.to_owned()
        }
    }
}

/// Django's technical 500 page for a template error: the error, where, the
/// source excerpt with the error line marked, the places tried, the context
/// variable names and the request. Everything shown is HTML-escaped.
pub(crate) fn debug_page(err: &Error, info: &DebugInfo<'_>) -> String {
    let mut out = String::with_capacity(4096);
    let kind = err.kind();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex,nofollow\">\n");
    let _ = writeln!(
        out,
        "<title>{} at {}</title>",
        esc(kind.django_class()),
        esc(&info.request.path)
    );
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n<div id=\"summary\">\n");
    let _ = writeln!(
        out,
        "<h1>{} at {}</h1>",
        esc(kind.django_class()),
        esc(&info.request.path)
    );
    let _ = writeln!(
        out,
        "<pre class=\"exception_value\">{}</pre>",
        esc(&err.to_string())
    );
    out.push_str("<table class=\"meta\">\n");
    row(&mut out, "Request method", &info.request.method);
    row(&mut out, "Request path", &info.request.path);
    row(
        &mut out,
        "Error kind",
        &format!("{kind} ({})", kind.django_class()),
    );
    if let Some(detail) = err.detail() {
        row(&mut out, "Detail", detail);
    }
    row(&mut out, "Template names", &info.names.join(", "));
    if let Some(name) = err.template_name() {
        row(&mut out, "Template", name);
    }
    if let Some(origin) = err.origin() {
        row(
            &mut out,
            "Origin",
            &format!("{} ({})", origin.name, origin.loader),
        );
    }
    if let Some(span) = err.span() {
        row(
            &mut out,
            "Line",
            &format!("{}, column {}", span.line, span.col),
        );
    }
    out.push_str("</table>\n</div>\n");

    if let (Some(source), Some(span)) = (err.source_text(), err.span()) {
        out.push_str("<div id=\"template\">\n<h2>Error during template rendering</h2>\n");
        let lines: Vec<&str> = source.split('\n').collect();
        let idx = (span.line as usize).saturating_sub(1);
        if idx < lines.len() {
            let first = idx.saturating_sub(10);
            let last = (idx + 10).min(lines.len() - 1);
            out.push_str("<table class=\"source\">\n");
            for (i, line) in lines.iter().enumerate().take(last + 1).skip(first) {
                let line = line.trim_end_matches('\r');
                if i == idx {
                    let _ = writeln!(
                        out,
                        "<tr class=\"error\"><th>&gt; {}</th><td>{}</td></tr>",
                        i + 1,
                        marked_line(line, span, &lines, i)
                    );
                } else {
                    let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", i + 1, esc(line));
                }
            }
            out.push_str("</table>\n");
        }
        out.push_str("</div>\n");
    }

    if !err.tried().is_empty() {
        out.push_str("<div id=\"tried\">\n<h2>Template-loader postmortem</h2>\n<p>Tried, in this order:</p>\n<ol>\n");
        for t in err.tried() {
            let _ = writeln!(
                out,
                "<li><code>{}</code> ({}{}): {}</li>",
                esc(&t.origin.name),
                t.engine
                    .as_deref()
                    .map(|e| format!("{} / ", esc(e)))
                    .unwrap_or_default(),
                esc(&t.origin.loader),
                esc(&t.reason)
            );
        }
        out.push_str("</ol>\n</div>\n");
    }

    out.push_str("<div id=\"context\">\n<h2>Context</h2>\n");
    match info.context {
        Some(ctx) if !ctx.is_empty() => {
            out.push_str("<ul>\n");
            for (name, value) in ctx.iter() {
                let _ = writeln!(
                    out,
                    "<li><code>{}</code> ({})</li>",
                    esc(name),
                    esc(value.kind_name())
                );
            }
            out.push_str("</ul>\n");
        }
        Some(_) => out.push_str("<p>The context is empty.</p>\n"),
        None => out.push_str("<p>No context was built.</p>\n"),
    }
    out.push_str("</div>\n");

    let _ = writeln!(
        out,
        "<div id=\"explanation\">\n<p>You're seeing this error because you have <code>debug = true</code> in your platen settings. Change that to <code>false</code>, and platen will display a standard 500 page.</p>\n</div>\n<pre id=\"traceback\">{}</pre>\n</body>\n</html>",
        esc(&format!("{err:#}"))
    );
    out
}

/// The error line with the span's text wrapped in `<mark>`.
fn marked_line(line: &str, span: platen_core::Span, lines: &[&str], i: usize) -> String {
    let line_start: usize = lines[..i].iter().map(|l| l.len() + 1).sum();
    let from = span.start.saturating_sub(line_start).min(line.len());
    let to = span.end.saturating_sub(line_start).clamp(from, line.len());
    match (line.get(..from), line.get(from..to), line.get(to..)) {
        (Some(a), Some(b), Some(c)) if span.start >= line_start && !b.is_empty() => {
            format!("{}<mark>{}</mark>{}", esc(a), esc(b), esc(c))
        }
        _ => esc(line),
    }
}

fn row(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(
        out,
        "<tr><th>{}</th><td><pre>{}</pre></td></tr>",
        esc(name),
        esc(value)
    );
}

/// HTML-escapes `s` (`& < > " '`).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "<style>\nbody{font:small sans-serif;margin:0}\nbody>div{padding:10px 20px;border-bottom:1px solid #ddd}\nh1{font-weight:normal}\n#summary{background:#ffc}\ntable.meta th{text-align:right;padding-right:1em;vertical-align:top}\ntable.source td,table.source th{font-family:monospace;white-space:pre;padding:0 .5em}\ntr.error{background:#fcc}\nmark{background:#f66}\npre{margin:0}\n#explanation{background:#f6f6f6}\npre.exception_value,#traceback{white-space:pre-wrap;overflow-wrap:anywhere}\n#traceback{padding:10px 20px}\n</style>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
        );
    }
}
