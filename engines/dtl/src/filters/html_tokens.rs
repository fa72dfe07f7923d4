//! Python's `html.parser.HTMLParser` tokenizer and `html.unescape`, and the
//! filters Django builds on them: `striptags` and the HTML-aware truncators
//! `truncatechars_html` and `truncatewords_html`.
//!
//! `parse_html` is a small re-implementation of the tokenizer; `urlize`
//! (in [`super::urls`]) also uses `html_unescape`.

use std::ops::ControlFlow;

use platen_core::{Error, Value};
use unicode_normalization::UnicodeNormalization;

use super::strings::{add_truncation_text, truncate_chars_length};
use super::{FilterEnv, py_int, py_str, s};
use crate::escape::escape_html;

/// The argument, or `None` for a missing one (the engine passes one for
/// `Arg::Required` filters).
fn req(arg: Option<&Value>) -> &Value {
    arg.unwrap_or(&Value::None)
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
}
