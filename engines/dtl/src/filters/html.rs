//! HTML filters: escaping, line breaks, tag stripping, HTML-aware
//! truncation, `unordered_list` and `urlize`.
//!
//! `striptags` and the `*_html` truncators follow Python's
//! `html.parser.HTMLParser`, which Django builds them on; `parse_html` is a
//! small re-implementation of its tokenizer (`parse_html`).

use std::ops::ControlFlow;
use std::sync::Arc;

use platen_core::{Error, Value};
use unicode_normalization::UnicodeNormalization;

use super::strings::{add_truncation_text, quote, truncate_chars_length};
use super::{FilterEnv, conditional_escape, py_int, py_iter, py_str, s, safe};
use crate::escape::escape_html;

fn req(arg: Option<&Value>) -> &Value {
    arg.unwrap_or(&Value::None)
}

/// `escape`: escapes unless the value is already safe; the result is safe.
pub fn escape(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(safe(conditional_escape(v)))
}

/// `force_escape`: always escapes; the result is safe.
pub fn force_escape(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(safe(escape_html(&py_str(v))))
}

/// `escapeseq`: `escape` applied to every item.
pub fn escapeseq(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let items = py_iter(v)?;
    Ok(Value::List(Arc::new(
        items.iter().map(|x| safe(conditional_escape(x))).collect(),
    )))
}

/// `safe`: marks `str(value)` safe.
pub fn mark_safe(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(if v.is_safe() {
        v.clone()
    } else {
        safe(py_str(v).into_owned())
    })
}

/// `safeseq`: marks every item (as text) safe.
pub fn safeseq(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let items = py_iter(v)?;
    Ok(Value::List(Arc::new(
        items
            .iter()
            .map(|x| {
                if x.is_safe() {
                    x.clone()
                } else {
                    safe(py_str(x).into_owned())
                }
            })
            .collect(),
    )))
}

/// Django's `normalize_newlines`: `\r\n` and `\r` become `\n`.
fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// `linebreaks`: paragraphs in `<p>`, single newlines as `<br>`.
pub fn linebreaks(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let autoescape = env.autoescape && !v.is_safe();
    let text = normalize_newlines(&py_str(v));
    // re.split("\n{2,}", text)
    let mut paras: Vec<&str> = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' && i + 1 < bytes.len() && bytes[i + 1] == b'\n' {
            let mut j = i;
            while j < bytes.len() && bytes[j] == b'\n' {
                j += 1;
            }
            paras.push(&text[start..i]);
            start = j;
            i = j;
        } else {
            i += 1;
        }
    }
    paras.push(&text[start..]);
    let out: Vec<String> = paras
        .iter()
        .map(|p| {
            let body = if autoescape {
                escape_html(p)
            } else {
                p.to_string()
            };
            format!("<p>{}</p>", body.replace('\n', "<br>"))
        })
        .collect();
    Ok(safe(out.join("\n\n")))
}

/// `linebreaksbr`: every newline becomes `<br>`.
pub fn linebreaksbr(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let autoescape = env.autoescape && !v.is_safe();
    let mut text = normalize_newlines(&py_str(v));
    if autoescape {
        text = escape_html(&text);
    }
    Ok(safe(text.replace('\n', "<br>")))
}

/// `linenumbers`: prefixes each line with its zero-padded number.
pub fn linenumbers(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let lines: Vec<&str> = text.split('\n').collect();
    let width = lines.len().to_string().len();
    let escape_lines = env.autoescape && !v.is_safe();
    let out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let body = if escape_lines {
                escape_html(line)
            } else {
                line.to_string()
            };
            format!("{:0width$}. {body}", i + 1)
        })
        .collect();
    Ok(safe(out.join("\n")))
}

/// `unordered_list`: a nested list as `<li>` items (without the outer `<ul>`).
pub fn unordered_list(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let items = py_iter(v)?;
    let esc = |x: &Value| {
        if env.autoescape {
            conditional_escape(x)
        } else {
            py_str(x).into_owned()
        }
    };
    fn format(
        items: &[Value],
        tabs: usize,
        esc: &dyn Fn(&Value) -> String,
    ) -> Result<String, Error> {
        let indent = "\t".repeat(tabs);
        let mut output = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let item = &items[i];
            let mut children: Option<Vec<Value>> = None;
            if let Some(Value::List(next)) = items.get(i + 1) {
                children = Some(next.to_vec());
                i += 1;
            }
            i += 1;
            let mut sublist = String::new();
            if let Some(ch) = children
                && !ch.is_empty()
            {
                sublist = format!(
                    "\n{indent}<ul>\n{}\n{indent}</ul>\n{indent}",
                    format(&ch, tabs + 1, esc)?
                );
            }
            output.push(format!("{indent}<li>{}{sublist}</li>", esc(item)));
        }
        Ok(output.join("\n"))
    }
    Ok(safe(format(&items, 1, &esc)?))
}

// ----------------------------------------------------------------------------
// html.unescape

/// Named character references Python's `html.unescape` knows (a subset),
/// with whether they also work without the trailing `;`.
const ENTITIES: &[(&str, &str, bool)] = &[
    ("amp", "&", true),
    ("lt", "<", true),
    ("gt", ">", true),
    ("quot", "\"", true),
    ("apos", "'", false),
    ("nbsp", "\u{a0}", true),
    ("copy", "©", true),
    ("reg", "®", true),
    ("trade", "™", false),
    ("hellip", "…", false),
    ("mdash", "—", false),
    ("ndash", "–", false),
    ("laquo", "«", true),
    ("raquo", "»", true),
    ("lsquo", "‘", false),
    ("rsquo", "’", false),
    ("ldquo", "“", false),
    ("rdquo", "”", false),
    ("euro", "€", false),
    ("pound", "£", true),
    ("yen", "¥", true),
    ("cent", "¢", true),
    ("sect", "§", true),
    ("deg", "°", true),
    ("middot", "·", true),
    ("times", "×", true),
    ("divide", "÷", true),
    ("eacute", "é", true),
    ("egrave", "è", true),
    ("aacute", "á", true),
    ("agrave", "à", true),
    ("uuml", "ü", true),
    ("ouml", "ö", true),
    ("auml", "ä", true),
    ("szlig", "ß", true),
    ("ccedil", "ç", true),
    ("ntilde", "ñ", true),
    ("iexcl", "¡", true),
    ("iquest", "¿", true),
    ("shy", "\u{ad}", true),
    ("bull", "•", false),
    ("larr", "←", false),
    ("rarr", "→", false),
    ("hearts", "♥", false),
];

fn numeric_ref(num: u32) -> String {
    const CP1252: [u32; 32] = [
        0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8d, 0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013,
        0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
    ];
    if (0x80..=0x9f).contains(&num) {
        return char::from_u32(CP1252[(num - 0x80) as usize])
            .unwrap_or('\u{fffd}')
            .to_string();
    }
    if num == 0 || (0xd800..=0xdfff).contains(&num) || num > 0x10ffff {
        return "\u{fffd}".to_string();
    }
    char::from_u32(num).map_or_else(|| "\u{fffd}".to_string(), |c| c.to_string())
}

/// Python's `html.unescape` (named references: a common subset).
pub(crate) fn html_unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(num) = after.strip_prefix('#') {
            let (hex, digits_start) = match num.as_bytes().first() {
                Some(b'x' | b'X') => (true, &num[1..]),
                _ => (false, num),
            };
            let len = digits_start
                .bytes()
                .take_while(|b| {
                    if hex {
                        b.is_ascii_hexdigit()
                    } else {
                        b.is_ascii_digit()
                    }
                })
                .count();
            if len > 0 {
                let digits = &digits_start[..len];
                let value =
                    u32::from_str_radix(digits, if hex { 16 } else { 10 }).unwrap_or(0x110000);
                out.push_str(&numeric_ref(value));
                let mut consumed = 1 + (num.len() - digits_start.len()) + len;
                if digits_start[len..].starts_with(';') {
                    consumed += 1;
                }
                rest = &after[consumed..];
                continue;
            }
            out.push('&');
            rest = after;
            continue;
        }
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let name = &after[..name_len];
        if name_len > 0
            && after[name_len..].starts_with(';')
            && let Some((_, rep, _)) = ENTITIES.iter().find(|(n, _, _)| *n == name)
        {
            out.push_str(rep);
            rest = &after[name_len + 1..];
            continue;
        }
        // Legacy names without ';': longest prefix.
        let mut matched = false;
        for l in (1..=name_len).rev() {
            if let Some((n, rep, _)) = ENTITIES
                .iter()
                .find(|(n, _, legacy)| *legacy && *n == &name[..l])
            {
                out.push_str(rep);
                rest = &after[n.len()..];
                matched = true;
                break;
            }
        }
        if !matched {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

// ----------------------------------------------------------------------------
// A tokenizer following Python's html.parser.HTMLParser.

/// What the tokenizer reports.
pub(crate) enum Event<'a> {
    /// Text (unescaped when `convert_charrefs`).
    Data(String),
    /// `&name` (only without `convert_charrefs`).
    EntityRef(&'a str),
    /// `&#num` (only without `convert_charrefs`).
    CharRef(&'a str),
    /// A start tag: lower-cased name, raw text, whether it ends with `/>`.
    StartTag(String, &'a str, bool),
    /// An end tag's lower-cased name.
    EndTag(String),
}

fn is_html_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The end of a start tag beginning at `i` (after `<x`), or `None` when the
/// input ends first.
fn start_tag_end(raw: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < raw.len()
        && !matches!(
            raw[j],
            b'\t' | b'\n' | b'\r' | b'\x0c' | b' ' | b'/' | b'>' | 0
        )
    {
        j += 1;
    }
    let mut last_sig: u8 = b' ';
    while j < raw.len() {
        let c = raw[j];
        match c {
            b'>' => return Some(j + 1),
            b'"' | b'\'' if last_sig == b'=' => {
                let close = raw[j + 1..].iter().position(|&b| b == c)?;
                j += close + 2;
                last_sig = c;
                continue;
            }
            _ => {}
        }
        if !is_html_space(c) {
            last_sig = c;
        }
        j += 1;
    }
    None
}

fn ascii_lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Tokenizes `raw` like `HTMLParser.feed` (and `close` when `at_end`),
/// calling `f` for each event until it breaks.
pub(crate) fn parse_html<'a>(
    raw: &'a str,
    convert_charrefs: bool,
    at_end: bool,
    f: &mut dyn FnMut(Event<'a>) -> ControlFlow<()>,
) {
    let b = raw.as_bytes();
    let n = b.len();
    let mut i = 0;
    let mut cdata: Option<String> = None;
    macro_rules! emit {
        ($e:expr) => {
            if f($e).is_break() {
                return;
            }
        };
    }
    let data_event = |text: &str, convert: bool| -> Event<'a> {
        Event::Data(if convert {
            html_unescape(text)
        } else {
            text.to_string()
        })
    };
    while i < n {
        // Text up to the next interesting character.
        let j = if let Some(tag) = &cdata {
            // Inside <script>/<style>: up to "</tag".
            let lower = raw[i..].to_ascii_lowercase();
            let pat = format!("</{tag}");
            let mut found = None;
            let mut from = 0;
            while let Some(p) = lower[from..].find(&pat) {
                let at = from + p;
                let next = lower.as_bytes().get(at + pat.len()).copied();
                if next.is_none_or(|c| is_html_space(c) || c == b'/' || c == b'>') {
                    found = Some(i + at);
                    break;
                }
                from = at + 1;
            }
            match found {
                Some(p) => p,
                None => {
                    if !at_end {
                        break;
                    }
                    n
                }
            }
        } else if convert_charrefs {
            match raw[i..].find('<') {
                Some(p) => i + p,
                None => {
                    if !at_end {
                        let lo = i.max(n.saturating_sub(34));
                        let lo = (lo..=n).find(|&x| raw.is_char_boundary(x)).unwrap_or(n);
                        if let Some(amp) = raw[lo..].rfind('&') {
                            let tail = &raw[lo + amp..];
                            if !tail.chars().any(|c| c.is_whitespace() || c == ';') {
                                break;
                            }
                        }
                    }
                    n
                }
            }
        } else {
            match raw[i..].find(['<', '&']) {
                Some(p) => i + p,
                None => n,
            }
        };
        if i < j {
            emit!(data_event(&raw[i..j], convert_charrefs && cdata.is_none()));
        }
        i = j;
        if i == n {
            break;
        }
        if b[i] == b'<' {
            let next = b.get(i + 1).copied();
            let k: Option<usize>;
            if next.is_some_and(|c| c.is_ascii_alphabetic()) && cdata.is_none() {
                match start_tag_end(b, i) {
                    Some(end) => {
                        let text = &raw[i..end];
                        let name_end = text[1..]
                            .find(['\t', '\n', '\r', '\x0c', ' ', '/', '>', '\0'])
                            .map_or(text.len(), |p| p + 1);
                        let tag = ascii_lower(&text[1..name_end]);
                        let self_closing = text.trim_end().ends_with("/>");
                        let is_cdata = tag == "script" || tag == "style";
                        emit!(Event::StartTag(tag.clone(), text, self_closing));
                        if is_cdata && !self_closing {
                            cdata = Some(tag);
                        }
                        k = Some(end);
                    }
                    None => k = None,
                }
            } else if next == Some(b'/') {
                match raw[i + 2..].find('>') {
                    None => k = None,
                    Some(p) => {
                        let gt = i + 2 + p;
                        let inner = &raw[i + 2..gt];
                        let name_len = inner
                            .find(['\t', '\n', '\r', '\x0c', ' ', '/', '>', '\0'])
                            .unwrap_or(inner.len());
                        let starts_alpha = inner
                            .as_bytes()
                            .first()
                            .is_some_and(|c| c.is_ascii_alphabetic());
                        if let Some(tag) = &cdata {
                            let name = ascii_lower(&inner[..name_len]);
                            if starts_alpha && &name == tag {
                                emit!(Event::EndTag(name));
                                cdata = None;
                            } else {
                                emit!(data_event(&raw[i..gt + 1], false));
                            }
                            k = Some(gt + 1);
                        } else if starts_alpha {
                            emit!(Event::EndTag(ascii_lower(&inner[..name_len])));
                            k = Some(gt + 1);
                        } else {
                            // "</>" is dropped; anything else is a bogus comment.
                            k = Some(gt + 1);
                        }
                    }
                }
            } else if cdata.is_some() {
                emit!(data_event("<", false));
                k = Some(i + 1);
            } else if raw[i..].starts_with("<!--") {
                k = raw[i + 4..].find("-->").map(|p| i + 4 + p + 3);
            } else if raw[i..].starts_with("<?") || raw[i..].starts_with("<!") {
                k = raw[i + 2..].find('>').map(|p| i + 2 + p + 1);
            } else if i + 1 < n {
                emit!(data_event("<", false));
                k = Some(i + 1);
            } else {
                k = None;
            }
            match k {
                Some(k) => i = k,
                None => {
                    if !at_end {
                        return;
                    }
                    let k = match raw[i + 1..].find('>') {
                        Some(p) => i + 1 + p + 1,
                        None => raw[i + 1..].find('<').map_or(i + 1, |p| i + 1 + p),
                    };
                    emit!(data_event(&raw[i..k], convert_charrefs));
                    i = k;
                }
            }
        } else {
            // '&' without convert_charrefs.
            let rest = &raw[i + 1..];
            if let Some(num) = rest.strip_prefix('#') {
                let (hex, body) = match num.as_bytes().first() {
                    Some(b'x' | b'X') => (true, &num[1..]),
                    _ => (false, num),
                };
                let len = body
                    .bytes()
                    .take_while(|c| {
                        if hex {
                            c.is_ascii_hexdigit()
                        } else {
                            c.is_ascii_digit()
                        }
                    })
                    .count();
                let follow = body[len..].chars().next();
                if len > 0 && follow.is_some_and(|c| !c.is_ascii_hexdigit()) {
                    let name = &raw[i + 2..i + 2 + (num.len() - body.len()) + len];
                    emit!(Event::CharRef(name));
                    let mut k = i + 2 + (num.len() - body.len()) + len;
                    if follow == Some(';') {
                        k += 1;
                    }
                    i = k;
                    continue;
                }
                emit!(data_event("&#", false));
                i += 2;
                continue;
            }
            let name_len = if rest
                .as_bytes()
                .first()
                .is_some_and(|c| c.is_ascii_alphabetic())
            {
                rest.bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.')
                    .count()
            } else {
                0
            };
            let follow = rest[name_len..].chars().next();
            if name_len > 0 && follow.is_some_and(|c| !c.is_ascii_alphanumeric()) {
                emit!(Event::EntityRef(&rest[..name_len]));
                let mut k = i + 1 + name_len;
                if follow == Some(';') {
                    k += 1;
                }
                i = k;
                continue;
            }
            if name_len > 0 {
                // Incomplete at the end of input.
                if !at_end {
                    return;
                }
                emit!(data_event(&raw[i..], false));
                return;
            }
            emit!(data_event("&", false));
            i += 1;
        }
    }
}

fn strip_once(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    parse_html(value, false, true, &mut |ev| {
        match ev {
            Event::Data(d) => out.push_str(&d),
            Event::EntityRef(name) => {
                out.push('&');
                out.push_str(name);
                out.push(';');
            }
            Event::CharRef(name) => {
                out.push_str("&#");
                out.push_str(name);
                out.push(';');
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    out
}

/// Django's `strip_tags`.
pub(crate) fn strip_tags(value: &str) -> String {
    let mut value = value.to_string();
    let mut depth = 0;
    while value.contains('<') && value.contains('>') && depth < 50 {
        let new_value = strip_once(&value);
        if value.matches('<').count() == new_value.matches('<').count() {
            break;
        }
        value = new_value;
        depth += 1;
    }
    value
}

/// `striptags`: removes HTML tags (not a sanitizer).
pub fn striptags(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(s(strip_tags(&py_str(v))))
}

const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "frame", "spacer",
];

/// Django's `TruncateHTMLParser` run over `text`.
fn truncate_html(text: &str, remaining: i128, words: bool, chars_length: i128) -> String {
    let mut output = String::new();
    let mut tags: Vec<String> = Vec::new(); // innermost last
    let mut remaining = remaining;
    let mut processed_chars: i128 = 0;
    let replacement = if words { " …" } else { "…" };
    let total_len = text.chars().count();
    let mut completed = false;
    parse_html(text, true, false, &mut |ev| {
        match ev {
            Event::StartTag(tag, raw, self_closing) => {
                output.push_str(raw);
                let void = VOID_ELEMENTS.contains(&tag.as_str());
                if !void {
                    tags.push(tag.clone());
                }
                if self_closing && !void {
                    output.push_str(&format!("</{tag}>"));
                    if tags.last() == Some(&tag) {
                        tags.pop();
                    }
                }
            }
            Event::EndTag(tag) if !VOID_ELEMENTS.contains(&tag.as_str()) => {
                output.push_str(&format!("</{tag}>"));
                if tags.last() == Some(&tag) {
                    tags.pop();
                }
            }
            Event::Data(data) => {
                let (data_len, chunk) = if words {
                    let pieces = split_words_html(&data);
                    let take = (remaining.max(0) as usize).min(pieces.len());
                    (pieces.len() as i128, escape_html(&pieces[..take].join(" ")))
                } else {
                    let len = data.chars().count() as i128;
                    processed_chars += len;
                    if processed_chars == chars_length
                        && output.chars().count() + data.chars().count() == total_len
                    {
                        output.push_str(&data);
                        completed = true;
                        return ControlFlow::Break(());
                    }
                    let take: String = data.chars().take(remaining.max(0) as usize).collect();
                    (len, escape_html(&take))
                };
                if remaining < data_len {
                    remaining = 0;
                    output.push_str(&add_truncation_text(&chunk, replacement));
                    completed = true;
                    return ControlFlow::Break(());
                }
                remaining -= data_len;
                output.push_str(&chunk);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    if completed {
        for tag in tags.iter().rev() {
            output.push_str(&format!("</{tag}>"));
        }
    }
    output
}

/// `re.split(r"(?<=\S)\s+(?=\S)", data)`.
fn split_words_html(data: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = data.char_indices().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut k = 0;
    while k < chars.len() {
        let (pos, c) = chars[k];
        if c.is_whitespace() && k > 0 && !chars[k - 1].1.is_whitespace() {
            let mut m = k;
            while m < chars.len() && chars[m].1.is_whitespace() {
                m += 1;
            }
            if m < chars.len() {
                pieces.push(&data[start..pos]);
                start = chars[m].0;
            }
            k = m;
        } else {
            k += 1;
        }
    }
    pieces.push(&data[start..]);
    pieces
}

/// `int(arg)`, where a `ValueError` makes the filter return its input.
fn length_arg(arg: &Value) -> Result<Option<i128>, Error> {
    match py_int(arg) {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.kind() == platen_core::ErrorKind::InvalidValue => Ok(None),
        Err(e) => Err(e),
    }
}

/// `truncatechars_html`: truncates the text of HTML to `arg` characters,
/// closing open tags.
pub fn truncatechars_html(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let Some(length) = length_arg(req(arg))? else {
        return Ok(s(text.into_owned()));
    };
    if length <= 0 {
        return Ok(s(""));
    }
    let text: String = text.nfc().collect();
    Ok(s(truncate_html(
        &text,
        truncate_chars_length(length, "…"),
        false,
        length,
    )))
}

/// `truncatewords_html`: truncates the text of HTML to `arg` words,
/// closing open tags.
pub fn truncatewords_html(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let Some(length) = length_arg(req(arg))? else {
        return Ok(s(text.into_owned()));
    };
    if length <= 0 {
        return Ok(s(""));
    }
    Ok(s(truncate_html(&text, length, true, 0)))
}

// ----------------------------------------------------------------------------
// urlize

/// Python's `urllib.parse.unquote` (UTF-8, errors replaced).
fn unquote(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && i + 2 <= (b.len() - 1) {
            let hex = &text[i + 1..i + 3];
            if let Ok(v) = u8::from_str_radix(hex, 16)
                && hex.bytes().all(|c| c.is_ascii_hexdigit())
            {
                bytes.push(v);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn unquote_quote(segment: &str) -> String {
    quote(&unquote(segment), "!$&'()*+,;=:/?#[]@~")
}

/// Python's `quote_plus` as `urlencode` uses it.
fn quote_plus(text: &str) -> String {
    quote(text, " ").replace(' ', "+")
}

/// Django's `smart_urlquote`.
fn smart_urlquote(url: &str) -> String {
    // urlsplit
    let mut rest = url;
    let mut scheme = "";
    if let Some(colon) = url.find(':') {
        let cand = &url[..colon];
        if !cand.is_empty()
            && cand.as_bytes()[0].is_ascii_alphabetic()
            && cand
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        {
            scheme = cand;
            rest = &url[colon + 1..];
        }
    }
    let mut netloc = "";
    let mut has_netloc = false;
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        has_netloc = true;
        if (netloc.contains('[') && !netloc.contains(']'))
            || (netloc.contains(']') && !netloc.contains('['))
        {
            return unquote_quote(url);
        }
    }
    let (before_frag, fragment) = match rest.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let (path, query) = match before_frag.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_frag, None),
    };
    let netloc = unquote_quote(netloc);
    let query = query.map(|q| {
        let mut parts = Vec::new();
        for field in q.split('&') {
            if field.is_empty() {
                continue;
            }
            let (k, v) = field.split_once('=').unwrap_or((field, ""));
            let k = unquote(&k.replace('+', " "));
            let v = unquote(&v.replace('+', " "));
            parts.push(format!(
                "{}={}",
                quote_plus(&unquote(&k)),
                quote_plus(&unquote(&v))
            ));
        }
        parts.join("&")
    });
    let path = unquote_quote(path);
    let fragment = fragment.map(unquote_quote);
    let mut out = String::new();
    let scheme = scheme.to_ascii_lowercase();
    let scheme = scheme.as_str();
    if !scheme.is_empty() {
        out.push_str(scheme);
        out.push(':');
    }
    let uses_netloc = matches!(
        scheme,
        "http" | "https" | "ftp" | "file" | "" | "ws" | "wss"
    );
    if !netloc.is_empty() || (has_netloc && !scheme.is_empty() && uses_netloc) {
        out.push_str("//");
        out.push_str(&netloc);
        if !path.is_empty() && !path.starts_with('/') {
            out.push('/');
        }
    }
    out.push_str(&path);
    if let Some(q) = query
        && !q.is_empty()
    {
        out.push('?');
        out.push_str(&q);
    }
    if let Some(f) = fragment
        && !f.is_empty()
    {
        out.push('#');
        out.push_str(&f);
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `^https?://\[?\w` (case-insensitive).
fn simple_url(m: &str) -> bool {
    let lower = m.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    match rest {
        Some(r) => {
            let r = r.strip_prefix('[').unwrap_or(r);
            r.chars().next().is_some_and(is_word_char)
        }
        None => false,
    }
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{a1}'..='\u{ffff}').contains(&c)
}

/// `^www\.|^(?!http)hostname(\.label)*\.(com|edu|gov|int|mil|net|org)($|/.*)$`.
fn simple_url_2(m: &str) -> bool {
    if m.len() >= 4 && m[..4].eq_ignore_ascii_case("www.") {
        return true;
    }
    if m.len() >= 4 && m[..4].eq_ignore_ascii_case("http") {
        return false;
    }
    let host = match m.find('/') {
        Some(p) => &m[..p],
        None => m,
    };
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    if !matches!(
        tld.as_str(),
        "com" | "edu" | "gov" | "int" | "mil" | "net" | "org"
    ) {
        return false;
    }
    let first = labels[0];
    let fc: Vec<char> = first.chars().collect();
    if fc.is_empty() || fc.len() > 63 || !host_char(fc[0]) || !host_char(fc[fc.len() - 1]) {
        return false;
    }
    if !fc.iter().all(|&c| host_char(c) || c == '-') {
        return false;
    }
    for label in &labels[1..labels.len() - 1] {
        let lc: Vec<char> = label.chars().collect();
        if lc.is_empty() || lc.len() > 63 || lc[0] == '-' || lc[lc.len() - 1] == '-' {
            return false;
        }
        if !lc.iter().all(|&c| host_char(c) || c == '-') {
            return false;
        }
    }
    true
}

/// Django's `EmailValidator` without an allowlist.
fn is_email_simple(value: &str) -> bool {
    if value.is_empty() || !value.contains('@') || value.chars().count() > 320 {
        return false;
    }
    let (user, domain) = value.rsplit_once('@').unwrap_or(("", ""));
    let atom = |c: char| c.is_ascii_alphanumeric() || "-!#$%&'*+/=?^_`{}|~".contains(c);
    let user_ok = !user.is_empty()
        && user
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(atom));
    let quoted_ok = user.len() >= 2 && user.starts_with('"') && user.ends_with('"');
    if !(user_ok || quoted_ok) {
        return false;
    }
    // domain_regex: (label\.)+ tld, ASCII only.
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return domain.starts_with('[') && domain.ends_with(']');
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2
        || tld.len() > 63
        || tld.ends_with('-')
        || !tld.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
    {
        return false;
    }
    labels[..labels.len() - 1].iter().all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.as_bytes()[0].is_ascii_alphanumeric()
            && l.as_bytes()[l.len() - 1].is_ascii_alphanumeric()
            && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
    })
}

/// Django's `Urlizer.trim_punctuation`: (lead, middle, trail).
fn trim_punctuation(word: &str) -> (String, String, String) {
    let middle_start = word.trim_start_matches(['(', '[']);
    let lead = word[..word.len() - middle_start.len()].to_string();
    let mut middle = middle_start.to_string();
    let mut trail = String::new();
    let count = |s: &str, c: char| s.chars().filter(|&x| x == c).count() as i64;
    let mut counts_open = [count(&middle, '('), count(&middle, '[')];
    let mut counts_close = [count(&middle, ')'), count(&middle, ']')];
    let _ = &mut counts_open;
    let mut trimmed = true;
    while trimmed && !middle.is_empty() {
        trimmed = false;
        for (k, (_open, close)) in [('(', ')'), ('[', ']')].iter().enumerate() {
            if counts_open[k] < counts_close[k] {
                let rstripped = middle.trim_end_matches(*close);
                if rstripped.len() != middle.len() {
                    let strip = (counts_close[k] - counts_open[k]) as usize;
                    let chars: Vec<char> = middle.chars().collect();
                    let cut = chars.len().saturating_sub(strip);
                    let tail: String = chars[cut..].iter().collect();
                    trail = format!("{tail}{trail}");
                    middle = chars[..cut].iter().collect();
                    trimmed = true;
                    counts_close[k] -= strip as i64;
                }
            }
        }
        let amp = middle.rfind('&');
        let rstripped = match amp {
            None => middle.trim_end_matches(['.', ',', ':', ';', '!']),
            Some(_) => middle.trim_end_matches(['.', ',', ':', '!']),
        }
        .to_string();
        if rstripped != middle {
            trail = format!("{}{trail}", &middle[rstripped.len()..]);
            middle = rstripped;
            trimmed = true;
        }
        if middle.ends_with(';') {
            let potential = match amp {
                Some(a) if a < middle.len() => &middle[a..],
                _ => &middle[middle.len() - 1..],
            };
            let escaped = html_unescape(potential);
            if escaped == potential || escaped.ends_with(';') {
                let rstripped = middle
                    .trim_end_matches(['.', ',', ':', ';', '!'])
                    .to_string();
                let trail_start = rstripped.len();
                let semis = middle.len() - middle.trim_end_matches(';').len();
                if amp.is_some() && semis > 1 {
                    let recent = middle[trail_start..].find(';').unwrap_or(0);
                    let idx = recent + trail_start + 1;
                    trail = format!("{}{trail}", &middle[idx..]);
                    middle = format!("{rstripped}{}", &middle[trail_start..idx]);
                } else {
                    trail = format!("{}{trail}", &middle[trail_start..]);
                    middle = rstripped;
                }
                trimmed = true;
            }
        }
    }
    (lead, middle, trail)
}

fn urlize_word(word: &str, safe_input: bool, limit: Option<i128>, autoescape: bool) -> String {
    let plain = || {
        if !safe_input && autoescape {
            escape_html(word)
        } else {
            word.to_string()
        }
    };
    if !(word.contains('.') || word.contains('@') || word.contains(':')) {
        return plain();
    }
    let (mut lead, middle, mut trail) = trim_punctuation(word);
    let mut nofollow = true;
    let long = middle.chars().count() > 2048;
    let url = if !long && simple_url(&middle) {
        Some(smart_urlquote(&html_unescape(&middle)))
    } else if !long && simple_url_2(&middle) {
        Some(smart_urlquote(&format!(
            "http://{}",
            html_unescape(&middle)
        )))
    } else if !middle.contains(':') && is_email_simple(&middle) {
        let (local, domain) = middle.rsplit_once('@').unwrap_or(("", ""));
        nofollow = false;
        Some(format!("mailto:{}@{}", quote(local, ""), quote(domain, "")))
    } else {
        None
    };
    let Some(url) = url else { return plain() };
    let mut trimmed = match limit {
        Some(l) if (middle.chars().count() as i128) > l => {
            let keep = (l - 1).max(0) as usize;
            format!("{}…", middle.chars().take(keep).collect::<String>())
        }
        _ => middle.clone(),
    };
    if autoescape && !safe_input {
        lead = escape_html(&lead);
        trail = escape_html(&trail);
        trimmed = escape_html(&trimmed);
    }
    let attrs = if nofollow { " rel=\"nofollow\"" } else { "" };
    format!(
        "{lead}<a href=\"{}\"{attrs}>{trimmed}</a>{trail}",
        escape_html(&url)
    )
}

/// Django's `urlize`.
pub(crate) fn urlize_text(
    text: &str,
    safe_input: bool,
    limit: Option<i128>,
    autoescape: bool,
) -> String {
    // word_split_re = r'([\s<>"\']+)'
    let is_sep = |c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'') || matches!(c, '\u{1c}'..='\u{1f}')
    };
    let mut out = String::with_capacity(text.len() * 2);
    let mut start = 0;
    let mut in_sep = false;
    let mut pieces: Vec<(&str, bool)> = Vec::new();
    for (i, c) in text.char_indices() {
        let sep = is_sep(c);
        if sep != in_sep {
            pieces.push((&text[start..i], in_sep));
            start = i;
            in_sep = sep;
        }
    }
    pieces.push((&text[start..], in_sep));
    for (piece, _) in pieces {
        out.push_str(&urlize_word(piece, safe_input, limit, autoescape));
    }
    out
}

/// `urlize`: turns URLs and email addresses into links.
pub fn urlize(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    Ok(safe(urlize_text(
        &py_str(v),
        v.is_safe(),
        None,
        env.autoescape,
    )))
}

/// `urlizetrunc`: like `urlize`, shortening link texts to `arg` characters.
pub fn urlizetrunc(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let limit = py_int(req(arg))?;
    Ok(safe(urlize_text(
        &py_str(v),
        v.is_safe(),
        Some(limit),
        env.autoescape,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags() {
        assert_eq!(strip_tags("<p>one <b>two</b></p>"), "one two");
        assert_eq!(strip_tags("<b>a&b</b>"), "a&b;");
        assert_eq!(strip_tags("a < b > c"), "a < b > c");
    }

    #[test]
    fn truncates_html_words() {
        let v = Value::from("<p>one <b>two</b> three four</p>");
        let env = FilterEnv::new(true);
        let out = truncatewords_html(&v, Some(&Value::Int(2)), &env)
            .unwrap()
            .to_string();
        assert_eq!(out, "<p>one <b>two</b> …</p>");
    }

    #[test]
    fn urlizes() {
        assert_eq!(
            urlize_text("see http://example.com.", false, None, true),
            "see <a href=\"http://example.com\" rel=\"nofollow\">http://example.com</a>."
        );
        assert_eq!(
            urlize_text("mail a@b.co", false, None, true),
            "mail <a href=\"mailto:a@b.co\">a@b.co</a>"
        );
        assert_eq!(
            urlize_text("www.example.com", false, Some(8), true),
            "<a href=\"http://www.example.com\" rel=\"nofollow\">www.exa…</a>"
        );
    }
}
