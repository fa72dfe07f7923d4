//! Attributes and no-argument methods of Python's built-in types that a
//! template can reach with a dot (`{{ name.upper }}`, `{{ n.real }}`):
//! Django looks the name up on the value and calls it when it is callable.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use platen_core::Value;

use crate::filters::dates::{iso_datetime, iso_time};

/// `value.name` (or `value.name()`) for a string, number, date or time, as
/// Python has it; `None` where Python has no such attribute, and for other
/// values.
pub(crate) fn attr(value: &Value, name: &str) -> Option<Value> {
    match value {
        Value::Str(s) | Value::SafeStr(s) => str_attr(s, name),
        Value::Bool(b) => int_attr(i64::from(*b), name),
        Value::Int(n) => int_attr(*n, name),
        Value::Float(x) => float_attr(*x, name),
        Value::Decimal(_) => decimal_attr(value, name),
        Value::Date(d) => date_attr(*d, name),
        Value::Time(t) => time_attr(*t, name),
        Value::DateTime(dt) => datetime_attr(*dt, None, name),
        Value::AwareDateTime(a) => datetime_attr(
            a.datetime.naive_local(),
            Some(a.datetime.offset().local_minus_utc()),
            name,
        ),
        _ => None,
    }
}

/// `text.name` (or `text.name()`), where `name` is a `str` method taking no
/// arguments; `None` for other names.
fn str_attr(text: &str, name: &str) -> Option<Value> {
    let all = |f: fn(char) -> bool| Value::Bool(!text.is_empty() && text.chars().all(f));
    Some(match name {
        "upper" => Value::from(text.to_uppercase()),
        "lower" => Value::from(text.to_lowercase()),
        // Full case folding differs from lower-casing mainly in ß.
        "casefold" => Value::from(text.to_lowercase().replace('ß', "ss")),
        "strip" => Value::from(text.trim()),
        "lstrip" => Value::from(text.trim_start()),
        "rstrip" => Value::from(text.trim_end()),
        "title" => Value::from(title(text)),
        "capitalize" => Value::from(capitalize(text)),
        "swapcase" => Value::from(swapcase(text)),
        "split" => text.split_whitespace().map(Value::from).collect(),
        "splitlines" => text.lines().map(Value::from).collect(),
        // Unicode decimal digits (Nd), as int() reads them.
        "isdigit" | "isdecimal" => {
            all(|c| c.is_ascii_digit() || crate::filters::nd_value(c).is_some())
        }
        "isnumeric" => all(char::is_numeric),
        "isalpha" => all(char::is_alphabetic),
        "isalnum" => all(char::is_alphanumeric),
        "isspace" => all(char::is_whitespace),
        "isascii" => Value::Bool(text.is_ascii()),
        "islower" => Value::Bool(
            text.chars().any(char::is_lowercase) && !text.chars().any(char::is_uppercase),
        ),
        "isupper" => Value::Bool(
            text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase),
        ),
        _ => return None,
    })
}

/// `n.name` for an `int` (`real`, `imag`, `numerator`, `denominator`,
/// `bit_length`); `None` for other names.
fn int_attr(n: i64, name: &str) -> Option<Value> {
    Some(match name {
        "real" | "numerator" => Value::Int(n),
        "imag" => Value::Int(0),
        "denominator" => Value::Int(1),
        "bit_length" => Value::Int(i64::from(64 - n.unsigned_abs().leading_zeros())),
        _ => return None,
    })
}

/// `x.name` for a `float` (`real`, `imag`, `is_integer`); `None` for other
/// names.
fn float_attr(x: f64, name: &str) -> Option<Value> {
    Some(match name {
        "real" => Value::Float(x),
        "imag" => Value::Float(0.0),
        "is_integer" => Value::Bool(x.is_finite() && x.fract() == 0.0),
        _ => return None,
    })
}

/// `d.name` for a `Decimal` (`real`, `imag`); `None` for other names.
fn decimal_attr(d: &Value, name: &str) -> Option<Value> {
    Some(match name {
        "real" => d.clone(),
        // Decimal('0'), which prints as the int does.
        "imag" => Value::Int(0),
        _ => return None,
    })
}

/// `d.name` for a `datetime.date`; `None` for other names.
fn date_attr(d: NaiveDate, name: &str) -> Option<Value> {
    Some(match name {
        "year" => Value::Int(d.year().into()),
        "month" => Value::Int(d.month().into()),
        "day" => Value::Int(d.day().into()),
        "weekday" => Value::Int(d.weekday().num_days_from_monday().into()),
        "isoweekday" => Value::Int(d.weekday().number_from_monday().into()),
        "toordinal" => Value::Int(d.num_days_from_ce().into()),
        "isoformat" => Value::from(d.format("%Y-%m-%d").to_string()),
        _ => return None,
    })
}

/// `t.name` for a `datetime.time`; `None` for other names.
fn time_attr(t: NaiveTime, name: &str) -> Option<Value> {
    Some(match name {
        "hour" => Value::Int(t.hour().into()),
        "minute" => Value::Int(t.minute().into()),
        "second" => Value::Int(t.second().into()),
        "microsecond" => Value::Int((t.nanosecond() / 1000).into()),
        "isoformat" => Value::from(iso_time(&t)),
        "tzinfo" => Value::None,
        "fold" => Value::Int(0),
        _ => return None,
    })
}

/// `dt.name` for a `datetime.datetime`, naive or (with `offset`, seconds
/// east of UTC) aware; `None` for other names.
fn datetime_attr(dt: NaiveDateTime, offset: Option<i32>, name: &str) -> Option<Value> {
    Some(match name {
        "date" => Value::Date(dt.date()),
        "time" => Value::Time(dt.time()),
        "isoformat" => Value::from(iso_datetime(&dt, offset)),
        "tzinfo" if offset.is_none() => Value::None,
        "tzinfo" => return None,
        _ => return date_attr(dt.date(), name).or_else(|| time_attr(dt.time(), name)),
    })
}

/// Python's `str.title`: a cased character after an uncased one is
/// upper-cased, every other cased character lower-cased.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_cased = false;
    for c in text.chars() {
        if after_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        after_cased = c.is_lowercase() || c.is_uppercase();
    }
    out
}

/// Python's `str.capitalize`: the first character upper-cased, the rest
/// lower-cased.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .into_iter()
        .flat_map(char::to_uppercase)
        .collect();
    out.extend(chars.flat_map(char::to_lowercase));
    out
}

/// Python's `str.swapcase`.
fn swapcase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Option<Value>) -> String {
        v.map(|v| v.to_string()).unwrap_or_else(|| "<none>".into())
    }

    #[test]
    fn string_methods_behave_as_python_s() {
        assert_eq!(
            text(str_attr("hello wORLD o'neil", "title")),
            "Hello World O'Neil"
        );
        assert_eq!(text(str_attr("hello World", "capitalize")), "Hello world");
        assert_eq!(text(str_attr("Hello", "swapcase")), "hELLO");
        assert_eq!(text(str_attr("  a b ", "lstrip")), "a b ");
        assert_eq!(text(str_attr(" a  b\tc ", "split")), "['a', 'b', 'c']");
        assert_eq!(text(str_attr("Straße", "casefold")), "strasse");
        assert_eq!(text(str_attr("12", "isdigit")), "True");
        assert_eq!(text(str_attr("", "isdigit")), "False");
        assert_eq!(text(str_attr("abc1", "islower")), "True");
        assert_eq!(text(str_attr("123", "islower")), "False");
        assert_eq!(text(str_attr("x", "format")), "<none>");
    }

    #[test]
    fn date_and_time_attributes_behave_as_python_s() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let t = NaiveTime::from_hms_micro_opt(13, 5, 9, 120).unwrap();
        let dt = d.and_time(t);
        assert_eq!(text(date_attr(d, "year")), "2024");
        assert_eq!(text(date_attr(d, "weekday")), "3");
        assert_eq!(text(date_attr(d, "isoweekday")), "4");
        assert_eq!(text(date_attr(d, "toordinal")), "738945");
        assert_eq!(text(date_attr(d, "hour")), "<none>");
        assert_eq!(text(time_attr(t, "microsecond")), "120");
        assert_eq!(text(datetime_attr(dt, None, "minute")), "5");
        assert_eq!(text(datetime_attr(dt, None, "month")), "2");
        assert_eq!(
            text(datetime_attr(dt, None, "isoformat")),
            "2024-02-29T13:05:09.000120"
        );
        assert_eq!(
            text(datetime_attr(dt, Some(-18000), "isoformat")),
            "2024-02-29T13:05:09.000120-05:00"
        );
        assert_eq!(text(datetime_attr(dt, None, "tzinfo")), "None");
    }

    #[test]
    fn number_attributes_behave_as_python_s() {
        assert_eq!(text(int_attr(-7, "real")), "-7");
        assert_eq!(text(int_attr(-7, "imag")), "0");
        assert_eq!(text(int_attr(255, "bit_length")), "8");
        assert_eq!(text(int_attr(0, "bit_length")), "0");
        assert_eq!(text(float_attr(2.0, "is_integer")), "True");
        assert_eq!(text(float_attr(2.5, "imag")), "0.0");
    }
}
