//! URLs: the crate's one home of percent-quoting (`quote` and `quote_plus`,
//! after Python's `urllib.parse`, crate-internal), the filters that quote
//! (`iriencode`, `urlencode`) and `urlize`/`urlizetrunc` with Django's
//! `smart_urlquote`.

use platen_core::{Error, Value};

use super::html_tokens::html_unescape;
use super::{FilterEnv, py_int, py_str, py_type, s, safe, type_error};
use crate::escape::escape_html;

/// The argument, or `None` for a missing one (the engine passes one for
/// `Arg::Required` filters).
fn req(arg: Option<&Value>) -> &Value {
    arg.unwrap_or(&Value::None)
}

// ----------------------------------------------------------------------------
// Percent-quoting

/// Python's `urllib.parse.quote(text, safe)`: percent-encodes (upper-case
/// hex) the UTF-8 bytes of everything but ASCII letters, digits, `_.-~` and
/// the ASCII characters of `safe` (Python drops `safe`'s non-ASCII ones).
pub(crate) fn quote(text: &str, safe: &str) -> String {
    quote_bytes(text, safe.as_bytes(), false)
}

/// Python's `urllib.parse.quote_plus(text, safe)`: [`quote`], with every
/// space written as `+`.
pub(crate) fn quote_plus(text: &str, safe: &str) -> String {
    quote_bytes(text, safe.as_bytes(), true)
}

/// [`quote`] and [`quote_plus`]: `plus` writes spaces as `+`.
fn quote_bytes(text: &str, safe: &[u8], plus: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    // Bytes kept as they are are ASCII, so a run of them is whole characters.
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'.' | b'-' | b'~')
            || (b.is_ascii() && safe.contains(&b) && !(plus && b == b' '))
        {
            continue;
        }
        if run < i {
            out.push_str(&text[run..i]);
        }
        run = i + 1;
        if plus && b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    if run < text.len() {
        out.push_str(&text[run..]);
    }
    out
}

/// `iriencode`: Django's `iri_to_uri`.
pub fn iriencode(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(s(quote(&py_str(v), "/#%[]=:;$&()+,!?*@'~")))
}

/// `urlencode`: Python's `quote` with `/` safe, or the argument's characters.
pub fn urlencode(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    // Python's quote() returns an empty string before it looks at `safe`.
    if text.is_empty() {
        return Ok(s(""));
    }
    let safe_chars = match arg {
        None | Some(Value::None) => "/".to_string(),
        Some(a) => match a {
            Value::Str(t) | Value::SafeStr(t) => t.to_string(),
            // Python takes any other iterable of byte values: its ASCII ones
            // are safe.
            Value::List(items) if items.iter().all(|i| matches!(i, Value::Int(_))) => items
                .iter()
                .filter_map(|i| match i {
                    Value::Int(b @ 0..=127) => Some(*b as u8 as char),
                    _ => None,
                })
                .collect(),
            other => {
                return Err(type_error(format!(
                    "quote() safe must be str, not {}",
                    py_type(other)
                )));
            }
        },
    };
    Ok(s(quote(&text, &safe_chars)))
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
        // Two hex digits read as bytes: a `%` before a multibyte character
        // stays as it is (slicing the text there would cut the character).
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                b.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                b.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            )
        {
            bytes.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn unquote_quote(segment: &str) -> String {
    quote(&unquote(segment), "!$&'()*+,;=:/?#[]@~")
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
                quote_plus(&unquote(&k), ""),
                quote_plus(&unquote(&v), "")
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
    // `get`: the fourth byte may fall inside a character.
    if m.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www.")) {
        return true;
    }
    if m.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("http")) {
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
    fn quotes_like_python() {
        assert_eq!(quote("a b/c~é€", "/"), "a%20b/c~%C3%A9%E2%82%AC");
        assert_eq!(quote("a b/c", ""), "a%20b%2Fc");
        // Non-ASCII safe characters are ignored, as in Python.
        assert_eq!(quote("é", "é"), "%C3%A9");
        assert_eq!(quote_plus("a b+c&d", ""), "a+b%2Bc%26d");
        assert_eq!(quote_plus("a b", " "), "a+b");
        assert_eq!(quote("", "/"), "");
    }

    #[test]
    fn unquotes_like_python() {
        assert_eq!(unquote("a%20b%2fc"), "a b/c");
        // Not two hex digits: left as it is, as Python's `unquote` does.
        assert_eq!(unquote("%€a%4"), "%€a%4");
        assert_eq!(unquote("%e2%82%ac%zz"), "€%zz");
        assert_eq!(
            urlize_text("http://example.com/%€a", false, None, true),
            "<a href=\"http://example.com/%25%E2%82%ACa\" rel=\"nofollow\">http://example.com/%€a</a>"
        );
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
