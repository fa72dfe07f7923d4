//! `json_script`, `pprint`, and Python's `repr()` of values.

use chrono::{Datelike, Timelike};
use platen_core::{Error, Value};

use super::{FilterEnv, conditional_escape, s, safe};

/// Python's `str.isprintable()` for one non-ASCII-control character
/// (separators, format characters and private use are not printable).
fn py_printable(c: char) -> bool {
    let u = c as u32;
    !(u < 0x20
        || (0x7f..0xa1).contains(&u)
        || u == 0xad
        || matches!(
            u,
            0x0600..=0x0605 | 0x061c | 0x06dd | 0x070f | 0x1680 | 0x180e
        )
        || (0x2000..=0x200f).contains(&u)
        || (0x2028..=0x202f).contains(&u)
        || (0x205f..=0x2064).contains(&u)
        || (0x2066..=0x206f).contains(&u)
        || u == 0x3000
        || u == 0xfeff
        || (0xfff9..=0xfffb).contains(&u)
        || (0xd800..=0xf8ff).contains(&u)
        || (0xe0000..=0xe007f).contains(&u)
        || u >= 0xf0000)
}

/// Python's `repr(str)`.
pub(crate) fn py_str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !py_printable(c) => {
                let u = c as u32;
                if u < 0x100 {
                    out.push_str(&format!("\\x{u:02x}"));
                } else if u < 0x10000 {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn time_args(t: &chrono::NaiveTime) -> String {
    let micro = t.nanosecond() / 1000;
    let mut parts = vec![t.hour().to_string(), t.minute().to_string()];
    if t.second() != 0 || micro != 0 {
        parts.push(t.second().to_string());
    }
    if micro != 0 {
        parts.push(micro.to_string());
    }
    parts.join(", ")
}

/// Python's `repr()` of a value (`'a'`, `Decimal('1.5')`,
/// `datetime.date(2024, 2, 29)`), with dict keys in `sort` order when asked.
pub(crate) fn py_repr_with(v: &Value, sort_dicts: bool) -> String {
    match v {
        Value::Str(t) | Value::SafeStr(t) => py_str_repr(t),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|x| py_repr_with(x, sort_dicts)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            let mut entries: Vec<(&std::sync::Arc<str>, &Value)> = m.iter().collect();
            if sort_dicts {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, x)| format!("{}: {}", py_str_repr(k), py_repr_with(x, sort_dicts)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Decimal(d) => format!("Decimal('{d}')"),
        Value::Date(d) => format!("datetime.date({}, {}, {})", d.year(), d.month(), d.day()),
        Value::DateTime(dt) => {
            format!(
                "datetime.datetime({}, {}, {}, {})",
                dt.year(),
                dt.month(),
                dt.day(),
                time_args(&dt.time())
            )
        }
        Value::AwareDateTime(a) => {
            let dt = a.datetime.naive_local();
            let secs = a.datetime.offset().local_minus_utc();
            let tz = if secs == 0 && &*a.tz_name == "UTC" {
                "datetime.timezone.utc".to_string()
            } else {
                let delta = if secs < 0 {
                    let days = (secs as i64).div_euclid(86400);
                    let rest = (secs as i64).rem_euclid(86400);
                    format!("days={days}, seconds={rest}")
                } else {
                    format!("seconds={secs}")
                };
                format!(
                    "datetime.timezone(datetime.timedelta({delta}), {})",
                    py_str_repr(&a.tz_name)
                )
            };
            format!(
                "datetime.datetime({}, {}, {}, {}, tzinfo={tz})",
                dt.year(),
                dt.month(),
                dt.day(),
                time_args(&dt.time())
            )
        }
        Value::Time(t) => format!("datetime.time({})", time_args(t)),
        Value::Object(o) => o.repr().unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// Python's `repr()` of a value.
pub(crate) fn py_repr(v: &Value) -> String {
    py_repr_with(v, false)
}

/// `pprint.pformat(value)` (width 80, dicts sorted); `top` is true for the
/// value itself, false for the items inside it.
fn pformat(v: &Value, indent: usize, allowance: usize, top: bool, out: &mut String) {
    let rep = py_repr_with(v, true);
    let max_width = 80usize.saturating_sub(indent).saturating_sub(allowance);
    if rep.chars().count() <= max_width {
        out.push_str(&rep);
        return;
    }
    match v {
        Value::Str(text) | Value::SafeStr(text) if !text.is_empty() => {
            pformat_str(text, indent, allowance, top, out)
        }
        Value::List(items) if !items.is_empty() => {
            out.push('[');
            let inner = indent + 1;
            for (i, item) in items.iter().enumerate() {
                let last = i + 1 == items.len();
                if i > 0 {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(inner));
                }
                pformat(
                    item,
                    inner,
                    if last { allowance + 1 } else { 1 },
                    false,
                    out,
                );
            }
            out.push(']');
        }
        Value::Map(m) if !m.is_empty() => {
            out.push('{');
            let inner = indent + 1;
            let mut entries: Vec<(&std::sync::Arc<str>, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let n = entries.len();
            for (i, (k, item)) in entries.into_iter().enumerate() {
                let last = i + 1 == n;
                let krep = py_str_repr(k);
                out.push_str(&krep);
                out.push_str(": ");
                pformat(
                    item,
                    inner + krep.chars().count() + 2,
                    if last { allowance + 1 } else { 1 },
                    false,
                    out,
                );
                if !last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(inner));
                }
            }
            out.push('}');
        }
        _ => out.push_str(&rep),
    }
}

/// Python's `str.isspace()` for one character (what `\s` matches in `re`).
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.splitlines(keepends=True)`.
fn py_splitlines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\r' if matches!(chars.peek(), Some((_, '\n'))) => {
                chars.next();
                i + 2
            }
            '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => i + c.len_utf8(),
            _ => continue,
        };
        lines.push(&text[start..end]);
        start = end;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// A string too long for its line, as `pprint` writes it: one repr per line
/// of the text, lines longer than the width cut after runs of spaces, the
/// pieces one under the other (in parentheses for the value itself).
fn pformat_str(text: &str, mut indent: usize, mut allowance: usize, top: bool, out: &mut String) {
    if top {
        indent += 1;
        allowance += 1;
    }
    let width = |r: &String| r.chars().count();
    let max_width = 80usize.saturating_sub(indent);
    let mut chunks: Vec<String> = Vec::new();
    let lines = py_splitlines(text);
    for (i, line) in lines.iter().enumerate() {
        let last_line = i + 1 == lines.len();
        let rep = py_str_repr(line);
        let max_width1 = if last_line {
            max_width.saturating_sub(allowance)
        } else {
            max_width
        };
        if width(&rep) <= max_width1 {
            chunks.push(rep);
            continue;
        }
        // Alternating runs: non-space characters, then the spaces after them.
        let mut parts: Vec<&str> = Vec::new();
        let mut part_start = 0;
        let mut in_space = false;
        for (j, c) in line.char_indices() {
            let space = py_isspace(c);
            if in_space && !space {
                parts.push(&line[part_start..j]);
                part_start = j;
            }
            in_space = space;
        }
        parts.push(&line[part_start..]);
        let mut current = String::new();
        for (j, part) in parts.iter().enumerate() {
            let candidate = format!("{current}{part}");
            let max_width2 = if last_line && j + 1 == parts.len() {
                max_width.saturating_sub(allowance)
            } else {
                max_width
            };
            if width(&py_str_repr(&candidate)) > max_width2 {
                if !current.is_empty() {
                    chunks.push(py_str_repr(&current));
                }
                current = (*part).to_owned();
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            chunks.push(py_str_repr(&current));
        }
    }
    if chunks.len() == 1 {
        out.push_str(&chunks[0]);
        return;
    }
    if top {
        out.push('(');
    }
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(chunk);
    }
    if top {
        out.push(')');
    }
}

/// `pprint`: Python's `pprint.pformat` of the value.
pub fn pprint(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let mut out = String::new();
    pformat(v, 0, 0, true, &mut out);
    Ok(s(out))
}

fn json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `isoformat()` cut to milliseconds, as DjangoJSONEncoder writes it.
fn iso_millis(iso: String, micro: u32) -> String {
    if micro == 0 {
        return iso;
    }
    // "HH:MM:SS.ffffff" → "HH:MM:SS.fff": drop three digits after the dot.
    match iso.find('.') {
        Some(dot) => format!("{}{}", &iso[..dot + 4], &iso[dot + 7..]),
        None => iso,
    }
}

/// Writes the value as `json.dumps(value, cls=DjangoJSONEncoder)` does.
fn to_json(v: &Value, out: &mut String) -> Result<(), Error> {
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str("NaN");
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" });
            } else {
                out.push_str(&Value::py_float(*f));
            }
        }
        Value::Str(t) | Value::SafeStr(t) => json_str(out, t),
        Value::Decimal(d) => json_str(out, &d.to_string()),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                to_json(item, out)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_str(out, k);
                out.push_str(": ");
                to_json(item, out)?;
            }
            out.push('}');
        }
        Value::Date(d) => json_str(out, &d.format("%Y-%m-%d").to_string()),
        Value::DateTime(dt) => {
            let micro = dt.nanosecond() / 1000;
            json_str(
                out,
                &iso_millis(super::dates::iso_datetime(dt, None), micro),
            )
        }
        Value::AwareDateTime(a) => {
            let dt = a.datetime.naive_local();
            let micro = dt.nanosecond() / 1000;
            let mut iso = iso_millis(
                super::dates::iso_datetime(&dt, Some(a.datetime.offset().local_minus_utc())),
                micro,
            );
            if let Some(stripped) = iso.strip_suffix("+00:00") {
                iso = format!("{stripped}Z");
            }
            json_str(out, &iso)
        }
        Value::Time(t) => {
            let micro = t.nanosecond() / 1000;
            json_str(out, &iso_millis(super::dates::iso_time(t), micro))
        }
        Value::Object(_) => {
            return Err(super::type_error(
                "Object of type object is not JSON serializable",
            ));
        }
    }
    Ok(())
}

/// `json_script`: the value as JSON in a `<script type="application/json">`
/// tag, with `<`, `>` and `&` escaped; an optional element id.
pub fn json_script(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let mut json = String::new();
    to_json(v, &mut json)?;
    Ok(safe(match arg {
        Some(id) if id.is_true() => {
            format!(
                "<script id=\"{}\" type=\"application/json\">{json}</script>",
                conditional_escape(id)
            )
        }
        _ => format!("<script type=\"application/json\">{json}</script>"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(v: Value) -> String {
        pprint(&v, None, &FilterEnv::new(true)).unwrap().to_string()
    }

    #[test]
    fn pprint_wraps_long_strings_as_python_does() {
        // Expected values are Python 3.11's `pprint.pformat`.
        assert_eq!(
            pp(Value::from("word ".repeat(20))),
            "('word word word word word word word word word word word word word word word '\n 'word word word word word ')"
        );
        assert_eq!(
            pp(Value::from(vec![
                Value::from("x".repeat(30)),
                Value::from("a b ".repeat(25))
            ])),
            "['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n 'a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b '\n 'a b a b a b a b a b a b ']"
        );
        let mut m = platen_core::value::Map::default();
        m.insert(
            std::sync::Arc::from("k"),
            Value::from(format!("line one\nline two {}", "z ".repeat(40))),
        );
        assert_eq!(
            pp(Value::from(m)),
            "{'k': 'line one\\n'\n      'line two z z z z z z z z z z z z z z z z z z z z z z z z z z z z z z z '\n      'z z z z z z z z z '}"
        );
        // One word longer than the line is left whole.
        assert_eq!(
            pp(Value::from("y".repeat(100))),
            format!("'{}'", "y".repeat(100))
        );
    }
}
