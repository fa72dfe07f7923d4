//! The text of a value as Python's `str()` writes it.
//!
//! This is the neutral text form: `None`, `True`, `1.0`, `['a', 1]`,
//! `{'k': 'v'}`. Engines with other conventions convert on their own.

use std::fmt::{self, Write};

use super::Value;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write_py_float(f, *x),
            Value::Str(s) | Value::SafeStr(s) => f.write_str(s),
            Value::List(_) | Value::Map(_) => write_repr(f, self),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::DateTime(dt) => write_py_datetime(f, dt, None),
            Value::AwareDateTime(a) => write_py_datetime(
                f,
                &a.datetime.naive_local(),
                Some(a.datetime.offset().local_minus_utc()),
            ),
            Value::Time(t) => write_py_time(f, t),
            Value::Object(o) => o.render(f),
        }
    }
}

/// Writes `x` as Python's `repr(float)`: the shortest text that reads back to
/// the same float, `1.0` for integral values, scientific notation outside
/// `1e-4 <= |x| < 1e16`.
pub(crate) fn write_py_float(f: &mut impl Write, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("nan");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e3".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    if negative {
        f.write_char('-')?;
    }
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            write!(f, "0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            write!(f, "{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            write!(f, "{a}.{b}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            write!(
                f,
                "{first}e{}{:02}",
                if exp < 0 { '-' } else { '+' },
                exp.abs()
            )
        } else {
            write!(
                f,
                "{first}.{rest}e{}{:02}",
                if exp < 0 { '-' } else { '+' },
                exp.abs()
            )
        }
    }
}

fn write_py_time(f: &mut fmt::Formatter<'_>, t: &chrono::NaiveTime) -> fmt::Result {
    use chrono::Timelike;
    write!(f, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())?;
    let micros = t.nanosecond() / 1000;
    if micros != 0 {
        write!(f, ".{micros:06}")?;
    }
    Ok(())
}

fn write_py_datetime(
    f: &mut fmt::Formatter<'_>,
    dt: &chrono::NaiveDateTime,
    offset: Option<i32>,
) -> fmt::Result {
    write!(f, "{} ", dt.date().format("%Y-%m-%d"))?;
    write_py_time(f, &dt.time())?;
    if let Some(secs) = offset {
        let sign = if secs < 0 { '-' } else { '+' };
        let secs = secs.abs();
        write!(f, "{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60)?;
        if secs % 60 != 0 {
            write!(f, ":{:02}", secs % 60)?;
        }
    }
    Ok(())
}

/// Writes Python's `repr()` of a value: strings quoted, containers recursive.
pub(crate) fn write_repr(f: &mut impl Write, v: &Value) -> fmt::Result {
    match v {
        Value::Str(s) | Value::SafeStr(s) => write_py_str_repr(f, s),
        Value::List(items) => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_repr(f, item)?;
            }
            f.write_char(']')
        }
        Value::Map(map) => {
            f.write_char('{')?;
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_py_str_repr(f, k)?;
                f.write_str(": ")?;
                write_repr(f, item)?;
            }
            f.write_char('}')
        }
        Value::Decimal(d) => write!(f, "Decimal('{d}')"),
        Value::Date(d) => {
            use chrono::Datelike;
            write!(f, "datetime.date({}, {}, {})", d.year(), d.month(), d.day())
        }
        other => write!(f, "{other}"),
    }
}

/// Python's `repr(str)`: single quotes unless the text has a single quote and
/// no double quote; backslash escapes for quotes, `\\` and control characters.
fn write_py_str_repr(f: &mut impl Write, s: &str) -> fmt::Result {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c == quote => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(f, "\\x{:02x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

impl Value {
    /// Python's `repr()` of the value (`'a'`, `['a', 1]`, `None`).
    pub fn repr(&self) -> String {
        let mut s = String::new();
        let _ = write_repr(&mut s, self);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    fn py_float(x: f64) -> String {
        let mut s = String::new();
        write_py_float(&mut s, x).unwrap();
        s
    }

    #[test]
    fn floats_print_like_python() {
        for (x, out) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (f64::NAN, "nan"),
            (-0.0, "-0.0"),
        ] {
            assert_eq!(py_float(x), out);
        }
    }

    #[test]
    fn containers_print_like_python() {
        let v = Value::from(vec![
            Value::from("a"),
            Value::from(1),
            Value::None,
            Value::from("it's"),
        ]);
        assert_eq!(v.to_string(), "['a', 1, None, \"it's\"]");
        let m: Map = [(std::sync::Arc::from("k"), Value::from(true))]
            .into_iter()
            .collect();
        assert_eq!(Value::from(m).to_string(), "{'k': True}");
    }
}
