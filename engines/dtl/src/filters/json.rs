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

/// `pprint.pformat(value)` (width 80, dicts sorted).
fn pformat(v: &Value, indent: usize, allowance: usize, out: &mut String) {
    let rep = py_repr_with(v, true);
    let max_width = 80usize.saturating_sub(indent).saturating_sub(allowance);
    if rep.chars().count() <= max_width {
        out.push_str(&rep);
        return;
    }
    match v {
        Value::List(items) if !items.is_empty() => {
            out.push('[');
            let inner = indent + 1;
            for (i, item) in items.iter().enumerate() {
                let last = i + 1 == items.len();
                if i > 0 {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(inner));
                }
                pformat(item, inner, if last { allowance + 1 } else { 1 }, out);
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

/// `pprint`: Python's `pprint.pformat` of the value.
pub fn pprint(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let mut out = String::new();
    pformat(v, 0, 0, &mut out);
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
