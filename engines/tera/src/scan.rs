//! Finds the templates a Tera source names in `{% extends %}` and
//! `{% include %}` tags, without parsing it.
//!
//! Tera 2 keeps its parser private, so the engine cannot read the names off
//! the syntax tree. This scan follows Tera's lexer closely (comments, `raw`
//! blocks, quoted strings with their escapes, whitespace markers) so that it
//! finds exactly the names Tera will look for. It is only a prediction:
//! the engine loads what it finds up front, and Tera's own build, which
//! reports any name still missing, has the last word (see `engine.rs`).

/// What a reference does with the template it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefKind {
    /// `{% extends "name" %}`
    Extends,
    /// `{% include "name" %}`
    Include,
}

impl RefKind {
    /// The verb for messages: "extended", "included".
    pub(crate) fn verb(self) -> &'static str {
        match self {
            RefKind::Extends => "extended",
            RefKind::Include => "included",
        }
    }
}

/// One template name found in a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The name, unescaped as Tera unescapes it.
    pub(crate) name: String,
    /// Whether the tag extends or includes.
    pub(crate) kind: RefKind,
    /// Byte range of the whole tag in the source.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Every `extends` and `include` of `source`, in source order (names may repeat).
///
/// Stops at the first construct Tera would reject (an unclosed tag, comment,
/// string or raw block): what follows it would not parse either.
pub(crate) fn references(source: &str) -> Vec<Reference> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = next_marker(bytes, pos) {
        let mut body = start + 2;
        // `{{-`, `{%-`, `{#-`: a whitespace marker, part of the opener.
        if bytes.get(body) == Some(&b'-') {
            body += 1;
        }
        let next = match bytes[start + 1] {
            b'#' => find(bytes, body, b"#}").map(|at| at + 2),
            b'{' => skip_to_close(bytes, body, b"}}"),
            _ => {
                if let Some(len) = tag_named(&source[body..], "raw") {
                    skip_raw(source, body + len)
                } else {
                    let end = skip_to_close(bytes, body, b"%}");
                    if let (Some(end), Some(found)) = (end, reference_in_tag(source, body)) {
                        let (name, kind) = found;
                        out.push(Reference {
                            name,
                            kind,
                            start,
                            end,
                        });
                    }
                    end
                }
            }
        };
        match next {
            Some(next) => pos = next,
            None => break,
        }
    }
    out
}

/// The next `{{`, `{%` or `{#` at or after `from`.
fn next_marker(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = bytes.get(at..)?.iter().position(|&b| b == b'{') {
        let i = at + offset;
        match bytes.get(i + 1) {
            Some(b'{' | b'%' | b'#') => return Some(i),
            Some(_) => at = i + 1,
            None => return None,
        }
    }
    None
}

/// The position of `needle` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// Skips the inside of a tag or variable up to and past `close`, stepping
/// over quoted strings (in which `close` does not count). `None` when the
/// tag or a string in it is not closed.
fn skip_to_close(bytes: &[u8], from: usize, close: &[u8]) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'"' | b'\'' | b'`') => i = string_end(bytes, i, q)?,
            _ if bytes[i..].starts_with(close) => return Some(i + close.len()),
            _ => i += 1,
        }
    }
    None
}

/// The position just past the string opened by `quote` at `open`.
fn string_end(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Tera's `skip_tag`: matches `-? ws* name ws* -? %}` at the start of `rest`
/// and returns its length.
fn tag_named(rest: &str, name: &str) -> Option<usize> {
    let mut ptr = rest.strip_prefix('-').unwrap_or(rest);
    ptr = ptr.trim_start_matches(|c: char| c.is_ascii_whitespace());
    ptr = ptr.strip_prefix(name)?;
    ptr = ptr.trim_start_matches(|c: char| c.is_ascii_whitespace());
    ptr = ptr.strip_prefix('-').unwrap_or(ptr);
    ptr = ptr.strip_prefix("%}")?;
    Some(rest.len() - ptr.len())
}

/// Skips a raw block's body and its `{% endraw %}`; `from` is just past the
/// `{% raw %}` tag.
fn skip_raw(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut at = from;
    loop {
        let open = find(bytes, at, b"{%")?;
        at = open + 2;
        if let Some(len) = tag_named(&source[at..], "endraw") {
            return Some(at + len);
        }
    }
}

/// The name of an `extends` or `include` tag whose body starts at `body`.
fn reference_in_tag(source: &str, body: usize) -> Option<(String, RefKind)> {
    let bytes = source.as_bytes();
    let mut i = skip_ws(bytes, body);
    let ident_end = i + bytes[i..]
        .iter()
        .enumerate()
        .take_while(|&(k, &c)| {
            c == b'_'
                || if k == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
        })
        .count();
    let kind = match &source[i..ident_end] {
        "extends" => RefKind::Extends,
        "include" => RefKind::Include,
        _ => return None,
    };
    i = skip_ws(bytes, ident_end);
    let quote = *bytes.get(i)?;
    if !matches!(quote, b'"' | b'\'' | b'`') {
        return None;
    }
    let end = string_end(bytes, i, quote)?;
    Some((unescape(&source[i + 1..end - 1])?, kind))
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Tera's string unescaping; `None` for an escape Tera rejects.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            c @ ('"' | '\'' | '/' | '\\') => c,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<(String, RefKind)> {
        references(source)
            .into_iter()
            .map(|r| (r.name, r.kind))
            .collect()
    }

    fn inc(name: &str) -> (String, RefKind) {
        (name.to_owned(), RefKind::Include)
    }

    #[test]
    fn finds_extends_and_includes_with_spans() {
        let src =
            "{% extends \"base.html\" %}{% block b %}{%- include 'a.html' -%}{% endblock b %}";
        let refs = references(src);
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].name.as_str(), refs[0].kind),
            ("base.html", RefKind::Extends)
        );
        assert_eq!(
            &src[refs[0].start..refs[0].end],
            "{% extends \"base.html\" %}"
        );
        assert_eq!(&src[refs[1].start..refs[1].end], "{%- include 'a.html' -%}");
    }

    #[test]
    fn skips_comments_raw_blocks_and_strings() {
        let src = concat!(
            "{# {% include \"c.html\" %} #}",
            "{% raw %}{% include \"r.html\" %}{% endraw %}",
            "{%- raw -%} x {%- endraw -%}",
            "{{ \"{% include 'v.html' %}\" }}",
            "{% set s = \"%}{% include 'no.html' %}\" %}",
            "{% include `tick.html` %}",
        );
        assert_eq!(names(src), [inc("tick.html")]);
    }

    #[test]
    fn unescapes_like_tera() {
        assert_eq!(names(r#"{% include "a\"b.html" %}"#), [inc("a\"b.html")]);
        assert_eq!(names(r#"{% include "bad\q" %}"#), []);
    }

    #[test]
    fn ignores_lookalikes_and_stops_at_unclosed_tags() {
        assert_eq!(
            names("{% includes \"x\" %}{% set include = 1 %}{{ include }}"),
            []
        );
        assert_eq!(names("{% include \"a\" %}{% include \"b\" "), [inc("a")]);
        assert_eq!(names("{ % include \"a\" %}{"), []);
    }
}
