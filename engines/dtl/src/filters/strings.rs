//! String filters: case, padding, truncation, word wrapping, `escapejs`.
//!
//! URL quoting (`iriencode`, `urlencode`) lives in [`super::urls`].

use platen_core::{Error, Value};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

use super::{
    FilterEnv, attribute_error, py_int, py_ssize, py_str, py_type, s, safe, string_with_room,
    type_error, value_error,
};

/// The argument, or `None` for a missing one (the engine passes one for
/// `Arg::Required` filters).
fn req(arg: Option<&Value>) -> &Value {
    arg.unwrap_or(&Value::None)
}

/// `addslashes`: backslash-escapes `\`, `"` and `'`.
pub fn addslashes(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(s(out))
}

/// `capfirst`: upper-cases the first character.
pub fn capfirst(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let mut chars = text.chars();
    Ok(match chars.next() {
        None => s(""),
        Some(c) => {
            let mut out: String = c.to_uppercase().collect();
            out.push_str(chars.as_str());
            s(out)
        }
    })
}

/// Python's `str.center`/`ljust`/`rjust` padding with spaces.
fn pad(text: &str, width: i128, how: char) -> Result<String, Error> {
    let width = py_ssize(width)? as i128;
    let len = text.chars().count() as i128;
    if width <= len {
        return Ok(text.to_string());
    }
    let marg = width - len;
    let left = match how {
        'l' => 0,
        'r' => marg,
        // Django 6's center formats with `{:^{width}}`: the odd space goes
        // on the right (5.2's str.center put it left for odd widths).
        _ => marg / 2,
    };
    let right = marg - left;
    let mut out = string_with_room(text.len().saturating_add(marg as usize))?;
    out.extend(std::iter::repeat_n(' ', left as usize));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', right as usize));
    Ok(out)
}

/// `center`: centers the text in a field of the given width.
pub fn center(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    Ok(s(pad(&text, py_int(req(arg))?, 'c')?))
}

/// `ljust`: left-aligns the text in a field of the given width.
pub fn ljust(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    Ok(s(pad(&text, py_int(req(arg))?, 'l')?))
}

/// `rjust`: right-aligns the text in a field of the given width.
pub fn rjust(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    Ok(s(pad(&text, py_int(req(arg))?, 'r')?))
}

/// `cut`: removes every occurrence of the argument. A safe input stays safe
/// unless the argument is `;`.
pub fn cut(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let a = req(arg);
    let Some(pat) = a.as_str() else {
        return Err(type_error(format!(
            "replace() argument 1 must be str, not {}",
            py_type(a)
        )));
    };
    let out = if pat.is_empty() {
        text.into_owned()
    } else {
        text.replace(pat, "")
    };
    Ok(if v.is_safe() && pat != ";" {
        safe(out)
    } else {
        s(out)
    })
}

/// `escapejs`: `\uXXXX`-escapes characters that are special in JavaScript strings.
pub fn escapejs(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        if matches!(
            c,
            '\\' | '\'' | '"' | '>' | '<' | '&' | '=' | '-' | ';' | '`' | '\u{2028}' | '\u{2029}'
        ) || code < 32
            || (0x7f..0xa0).contains(&code)
        {
            out.push_str(&format!("\\u{code:04X}"));
        } else {
            out.push(c);
        }
    }
    Ok(safe(out))
}

/// `lower`.
pub fn lower(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(s(py_str(v).to_lowercase()))
}

/// `upper`.
pub fn upper(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(s(py_str(v).to_uppercase()))
}

/// Python's notion of a cased character.
fn is_cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase() || is_titlecase(c)
}

fn is_titlecase(c: char) -> bool {
    matches!(c, 'ǅ' | 'ǈ' | 'ǋ' | 'ǲ' | '\u{1f88}'..='\u{1f8f}' | '\u{1f98}'..='\u{1f9f}' | '\u{1fa8}'..='\u{1faf}' | 'ᾼ' | 'ῌ' | 'ῼ')
}

/// Python's `str.title()`.
pub(crate) fn py_title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_cased = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if prev_cased {
            if c == 'Σ' && !chars.get(i + 1).is_some_and(|&n| is_cased(n)) {
                out.push('ς');
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            match c {
                'ǆ' | 'ǅ' | 'Ǆ' => out.push('ǅ'),
                'ǉ' | 'ǈ' | 'Ǉ' => out.push('ǈ'),
                'ǌ' | 'ǋ' | 'Ǌ' => out.push('ǋ'),
                'ǳ' | 'ǲ' | 'Ǳ' => out.push('ǲ'),
                'ß' => out.push_str("Ss"),
                'ﬁ' => out.push_str("Fi"),
                'ﬂ' => out.push_str("Fl"),
                _ => {
                    let mut up = c.to_uppercase();
                    if up.len() > 1 {
                        // Title case keeps later letters lower (ﬀ → Ff).
                        if let Some(first) = up.next() {
                            out.push(first);
                        }
                        for rest in up {
                            out.extend(rest.to_lowercase());
                        }
                    } else {
                        out.extend(up);
                    }
                }
            }
        }
        prev_cased = is_cased(c);
    }
    out
}

/// `title`: Python's `str.title()`, then lower-cases a letter after an
/// apostrophe that follows a lowercase letter, and a letter after a digit.
pub fn title(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let t = py_title(&py_str(v));
    // re.sub("([a-z])'([A-Z])", lower) then re.sub(r"\d([A-Z])", lower).
    let chars: Vec<char> = t.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len()
            && chars[i].is_ascii_lowercase()
            && chars[i + 1] == '\''
            && chars[i + 2].is_ascii_uppercase()
        {
            out.push(chars[i]);
            out.push('\'');
            out.push(chars[i + 2].to_ascii_lowercase());
            i += 3;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    let mut res = String::with_capacity(t.len());
    let mut i = 0;
    while i < out.len() {
        if i + 1 < out.len()
            && out[i].is_numeric()
            && is_py_digit(out[i])
            && out[i + 1].is_ascii_uppercase()
        {
            res.push(out[i]);
            res.push(out[i + 1].to_ascii_lowercase());
            i += 2;
        } else {
            res.push(out[i]);
            i += 1;
        }
    }
    Ok(s(res))
}

/// Python's `\d` (Unicode decimal digits; approximated by Rust's numeric
/// characters that have a decimal value).
fn is_py_digit(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii()
            && c.is_numeric()
            && c.to_digit(10).is_none()
            && !matches!(c, '½' | '¼' | '¾' | '²' | '³' | '¹')
            && is_unicode_nd(c))
}

fn is_unicode_nd(c: char) -> bool {
    // Common decimal-digit blocks (Nd): each block holds ten digits.
    const STARTS: &[u32] = &[
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0xFF10,
    ];
    let u = c as u32;
    STARTS.iter().any(|&s| (s..s + 10).contains(&u))
}

/// `make_list` lives in `lists`; `phone2numeric`: letters to phone digits.
pub fn phone2numeric(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let Some(text) = v.as_str() else {
        return Err(attribute_error(format!(
            "'{}' object has no attribute 'lower'",
            py_type(v)
        )));
    };
    let out: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'a' | 'b' | 'c' => '2',
            'd' | 'e' | 'f' => '3',
            'g' | 'h' | 'i' => '4',
            'j' | 'k' | 'l' => '5',
            'm' | 'n' | 'o' => '6',
            'p' | 'q' | 'r' | 's' => '7',
            't' | 'u' | 'v' => '8',
            'w' | 'x' | 'y' | 'z' => '9',
            other => other,
        })
        .collect();
    Ok(s(out))
}

/// Python's `str.isspace()` for one character.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// `slugify`: ASCII-folds, drops everything but word characters, spaces and
/// hyphens, lower-cases, and joins words with hyphens.
pub fn slugify(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let ascii: String = text.nfkd().filter(|c| c.is_ascii()).collect();
    let kept: String = ascii
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || py_space(c))
        .collect();
    let mut out = String::with_capacity(kept.len());
    let mut in_sep = false;
    for c in kept.chars() {
        if c == '-' || py_space(c) {
            if !in_sep {
                out.push('-');
                in_sep = true;
            }
        } else {
            out.push(c);
            in_sep = false;
        }
    }
    Ok(safe(out.trim_matches(['-', '_']).to_string()))
}

/// The words of `text` as Python's `str.split()` finds them.
pub(crate) fn py_split(text: &str) -> Vec<&str> {
    text.split(py_space).filter(|w| !w.is_empty()).collect()
}

/// `wordcount`.
pub fn wordcount(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(Value::Int(py_split(&py_str(v)).len() as i64))
}

/// Django's `add_truncation_text` with the default (`…`) or given text.
pub(crate) fn add_truncation_text(text: &str, truncate: &str) -> String {
    if text.ends_with(truncate) {
        return text.to_string();
    }
    format!("{text}{truncate}")
}

/// The truncation length left once the replacement text is counted.
pub(crate) fn truncate_chars_length(length: i128, replacement: &str) -> i128 {
    let mut len = length;
    for c in replacement.chars() {
        if canonical_combining_class(c) == 0 {
            len -= 1;
            if len == 0 {
                break;
            }
        }
    }
    len
}

/// `int(arg)` where a `ValueError` makes the filter return its input.
fn int_or_fail_silently(arg: &Value) -> Result<Option<i128>, Error> {
    match py_int(arg) {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.kind() == platen_core::ErrorKind::InvalidValue => Ok(None),
        Err(e) => Err(e),
    }
}

/// `truncatechars`: at most `arg` characters, ending with `…` when cut.
pub fn truncatechars(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let Some(length) = int_or_fail_silently(req(arg))? else {
        return Ok(s(text.into_owned()));
    };
    if length <= 0 {
        return Ok(s(""));
    }
    let text: String = text.nfc().collect();
    let truncate_len = truncate_chars_length(length, "…");
    let mut s_len: i128 = 0;
    let mut end_index: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if canonical_combining_class(c) != 0 {
            continue;
        }
        s_len += 1;
        if end_index.is_none() && s_len > truncate_len {
            end_index = Some(i);
        }
        if s_len > length {
            return Ok(s(add_truncation_text(&text[..end_index.unwrap_or(0)], "…")));
        }
    }
    Ok(s(text))
}

/// `truncatewords`: at most `arg` words, ending with ` …` when cut; the
/// words are rejoined with single spaces.
pub fn truncatewords(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let Some(length) = int_or_fail_silently(req(arg))? else {
        return Ok(s(text.into_owned()));
    };
    if length <= 0 {
        return Ok(s(""));
    }
    // The first `length` words rejoined with single spaces, streamed (no
    // word list); ` …` follows when a word was left out.
    let mut out = String::with_capacity(text.len() + " …".len());
    let mut cut = false;
    for (n, w) in (0_i128..).zip(text.split(py_space).filter(|w| !w.is_empty())) {
        if n == length {
            cut = true;
            break;
        }
        if n > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    if cut && !out.ends_with(" …") {
        out.push_str(" …");
    }
    Ok(s(out))
}

/// Python's `str.splitlines()`.
fn splitlines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        ) {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && iter.peek().map(|&(_, n)| n) == Some('\n') {
                iter.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Python's `textwrap.TextWrapper(width, break_long_words=False,
/// break_on_hyphens=False, replace_whitespace=False).wrap(line)`.
fn textwrap(line: &str, width: usize) -> Vec<String> {
    // expand_tabs (tabsize 8).
    let mut expanded = String::with_capacity(line.len());
    let mut col = 0usize;
    for c in line.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                expanded.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                expanded.push(c);
                col = 0;
            }
            _ => {
                expanded.push(c);
                col += 1;
            }
        }
    }
    // Chunks: runs of ASCII whitespace and runs of the rest.
    let is_ws = |c: char| matches!(c, '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r' | ' ');
    let mut chunks: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, c) in expanded.char_indices() {
        let w = is_ws(c);
        if let Some(p) = prev
            && p != w
        {
            chunks.push(&expanded[start..i]);
            start = i;
        }
        prev = Some(w);
    }
    if start < expanded.len() {
        chunks.push(&expanded[start..]);
    }
    chunks.reverse();
    let blank = |c: &str| c.chars().all(py_space);
    let clen = |c: &str| c.chars().count();
    let mut lines: Vec<String> = Vec::new();
    while !chunks.is_empty() {
        let mut cur: Vec<&str> = Vec::new();
        let mut cur_len = 0;
        if blank(chunks[chunks.len() - 1]) && !lines.is_empty() {
            chunks.pop();
        }
        while let Some(&last) = chunks.last() {
            let l = clen(last);
            if cur_len + l <= width {
                cur.push(last);
                cur_len += l;
                chunks.pop();
            } else {
                break;
            }
        }
        if let Some(&last) = chunks.last()
            && clen(last) > width
            && cur.is_empty()
        {
            cur.push(last);
            chunks.pop();
        }
        if let Some(&last) = cur.last()
            && blank(last)
        {
            cur.pop();
        }
        if !cur.is_empty() {
            lines.push(cur.concat());
        }
    }
    lines
}

/// `wordwrap`: wraps lines at the given width, keeping existing line breaks
/// and never breaking long words.
pub fn wordwrap(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let width = py_int(req(arg))?;
    let mut result: Vec<String> = Vec::new();
    for line in splitlines(&text) {
        if width <= 0 {
            return Err(value_error(format!("invalid width {width} (must be > 0)")));
        }
        let wrapped = textwrap(line, width as usize);
        if wrapped.is_empty() {
            result.push(line.to_string());
        } else {
            result.extend(wrapped);
        }
    }
    if text.ends_with('\n') {
        result.push(String::new());
    }
    Ok(s(result.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        f: fn(&Value, Option<&Value>, &FilterEnv) -> Result<Value, Error>,
        v: &str,
        arg: Option<Value>,
    ) -> String {
        f(&Value::from(v), arg.as_ref(), &FilterEnv::new(true))
            .unwrap()
            .to_string()
    }

    #[test]
    fn truncation() {
        assert_eq!(
            run(truncatechars, "abcdefghij", Some(Value::Int(5))),
            "abcd…"
        );
        assert_eq!(run(truncatechars, "abc", Some(Value::Int(3))), "abc");
        assert_eq!(run(truncatewords, "a b  c d", Some(Value::Int(2))), "a b …");
        assert_eq!(run(truncatewords, " a\nb ", Some(Value::Int(5))), "a b");
    }

    #[test]
    fn title_case() {
        assert_eq!(run(title, "don't stop 1st", None), "Don't Stop 1st");
    }

    #[test]
    fn wrapping() {
        assert_eq!(
            run(wordwrap, "aa bb cc dd", Some(Value::Int(5))),
            "aa bb\ncc dd"
        );
        assert_eq!(
            run(wordwrap, "a verylongword b", Some(Value::Int(3))),
            "a\nverylongword\nb"
        );
    }
}
