//! Django's built-in filters (`django/template/defaultfilters.py`, Django 6.1).
//!
//! Each filter is a plain function over [`Value`]s. The engine resolves the
//! input and the argument, calls the function, and then applies Django's
//! `is_safe` rule itself: when [`FilterDef::is_safe`] is set, the input was
//! safe and the output is a string, the output is marked safe.
//!
//! A filter returns [`Value::SafeStr`] where Django calls `mark_safe`, and
//! [`Value::Str`] otherwise. Python exceptions map onto [`ErrorKind`]s:
//! `ValueError` → `InvalidValue`, `TypeError` → `InvalidType`,
//! `AttributeError` → `InvalidAttribute`, anything else (`KeyError`,
//! `IndexError`, `OverflowError`) → `RenderError` with the Python class name
//! at the start of the detail.

use std::borrow::Cow;
use std::sync::Arc;

use platen_core::value::Decimal;
use platen_core::{Error, ErrorKind, Value};

pub mod dates;
pub mod escaping;
pub mod html;
pub mod html_tokens;
pub mod json;
pub mod lists;
pub mod numbers;
pub mod stringformat;
pub mod strings;
pub mod timesince;
pub mod urls;

/// How a filter takes its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// The filter takes no argument (`{{ x|upper }}`).
    None,
    /// The argument may be left out (`{{ x|date }}`, `{{ x|date:"Y" }}`).
    Optional,
    /// The argument must be given (`{{ x|add:1 }}`).
    Required,
}

/// What a filter sees besides its input and argument.
#[derive(Debug, Clone, Copy)]
pub struct FilterEnv<'a> {
    /// Whether autoescaping is on where the filter runs.
    pub autoescape: bool,
    /// The time zone `{% timezone %}` activated, or `None` for the default
    /// zone (`TIME_ZONE`, America/Chicago). The `tz` library's `localtime`
    /// filter reads it.
    pub timezone: Option<chrono_tz::Tz>,
    /// The engine's translations and the active language (`None`: English, untranslated).
    pub(crate) i18n: Option<crate::gettext::Lang<'a>>,
    /// The most one filter may write: the render's output budget, at most
    /// [`MAX_SIZED_OUTPUT`].
    pub(crate) max_output: usize,
}

impl FilterEnv<'_> {
    /// Python's `MemoryError` when a filter would write more than this
    /// render lets one filter write.
    pub(crate) fn check_size(&self, bytes: usize) -> Result<(), Error> {
        if bytes > self.max_output {
            return Err(other_error(
                "MemoryError",
                &format!(
                    "{bytes} bytes asked for; a filter writes at most {} here (the engine \
                     option `max_output_bytes`)",
                    self.max_output
                ),
            ));
        }
        Ok(())
    }
}

impl FilterEnv<'static> {
    /// An environment with the default time zone and language.
    pub fn new(autoescape: bool) -> FilterEnv<'static> {
        FilterEnv {
            autoescape,
            timezone: None,
            i18n: None,
            max_output: MAX_SIZED_OUTPUT,
        }
    }
}

impl<'a> FilterEnv<'a> {
    /// Django's `gettext(message)` in the active language.
    pub(crate) fn gettext<'m>(&self, message: &'m str) -> Result<std::borrow::Cow<'m, str>, Error> {
        match &self.i18n {
            Some(l) => l.set.gettext(l.active, message),
            None => Ok(std::borrow::Cow::Borrowed(message)),
        }
    }

    /// Django's `ngettext(singular, plural, n)` in the active language.
    pub(crate) fn ngettext<'m>(
        &self,
        singular: &'m str,
        plural: &'m str,
        n: f64,
    ) -> Result<Cow<'m, str>, Error> {
        match &self.i18n {
            Some(l) => l.set.ngettext(l.active, singular, plural, n),
            None => Ok(Cow::Borrowed(if n == 1.0 { singular } else { plural })),
        }
    }

    /// Django's `npgettext(context, singular, plural, n)` in the active
    /// language.
    pub(crate) fn npgettext<'m>(
        &self,
        context: &str,
        singular: &'m str,
        plural: &'m str,
        n: f64,
    ) -> Result<Cow<'m, str>, Error> {
        match &self.i18n {
            Some(l) => l.set.npgettext(l.active, context, singular, plural, n),
            None => Ok(Cow::Borrowed(if n == 1.0 { singular } else { plural })),
        }
    }

    /// The active language's formats, localisation on (filters never see
    /// `{% localize off %}`, as in Django).
    pub(crate) fn formats(&self) -> crate::formats::Formats<'a> {
        match self.i18n {
            Some(l) => l.set.formats(l.active, true),
            None => crate::formats::Formats::english(),
        }
    }

    /// Django's `pgettext(context, message)` in the active language.
    pub(crate) fn pgettext<'m>(
        &self,
        context: &str,
        message: &'m str,
    ) -> Result<std::borrow::Cow<'m, str>, Error> {
        match &self.i18n {
            Some(l) => l.set.pgettext(l.active, context, message),
            None => Ok(std::borrow::Cow::Borrowed(message)),
        }
    }
}

/// A built-in or user filter.
pub struct FilterDef {
    /// The name templates use.
    pub name: &'static str,
    /// The filter itself: input, argument (when given), environment.
    pub func: fn(&Value, Option<&Value>, &FilterEnv) -> Result<Value, Error>,
    /// How the filter takes its argument.
    pub arg: Arg,
    /// Django's is_safe: a safe input gives a safe output (for str results).
    pub is_safe: bool,
    /// Django's needs_autoescape (the env carries the flag).
    pub needs_autoescape: bool,
}

impl std::fmt::Debug for FilterDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterDef")
            .field("name", &self.name)
            .field("arg", &self.arg)
            .field("is_safe", &self.is_safe)
            .field("needs_autoescape", &self.needs_autoescape)
            .finish()
    }
}

macro_rules! filters {
    ($( $name:literal => $func:path, $arg:ident, safe=$safe:literal, ae=$ae:literal; )*) => {
        static FILTERS: &[FilterDef] = &[
            $( FilterDef { name: $name, func: $func, arg: Arg::$arg, is_safe: $safe, needs_autoescape: $ae }, )*
        ];
    };
}

filters! {
    "add" => numbers::add, Required, safe=false, ae=false;
    "addslashes" => strings::addslashes, None, safe=true, ae=false;
    "capfirst" => strings::capfirst, None, safe=true, ae=false;
    "center" => strings::center, Required, safe=true, ae=false;
    "cut" => strings::cut, Required, safe=false, ae=false;
    "date" => dates::date, Optional, safe=false, ae=false;
    "default" => lists::default, Required, safe=false, ae=false;
    "default_if_none" => lists::default_if_none, Required, safe=false, ae=false;
    "dictsort" => lists::dictsort, Required, safe=false, ae=false;
    "dictsortreversed" => lists::dictsortreversed, Required, safe=false, ae=false;
    "divisibleby" => numbers::divisibleby, Required, safe=false, ae=false;
    "escape" => escaping::escape, None, safe=true, ae=false;
    "escapejs" => strings::escapejs, None, safe=false, ae=false;
    "escapeseq" => escaping::escapeseq, None, safe=true, ae=false;
    "filesizeformat" => numbers::filesizeformat, None, safe=true, ae=false;
    "first" => lists::first, None, safe=false, ae=false;
    "floatformat" => numbers::floatformat, Optional, safe=true, ae=false;
    "force_escape" => escaping::force_escape, None, safe=true, ae=false;
    "get_digit" => numbers::get_digit, Required, safe=false, ae=false;
    "iriencode" => urls::iriencode, None, safe=true, ae=false;
    "join" => lists::join, Required, safe=true, ae=true;
    "json_script" => json::json_script, Optional, safe=true, ae=false;
    "last" => lists::last, None, safe=true, ae=false;
    "length" => lists::length, None, safe=false, ae=false;
    "linebreaks" => escaping::linebreaks, None, safe=true, ae=true;
    "linebreaksbr" => escaping::linebreaksbr, None, safe=true, ae=true;
    "linenumbers" => escaping::linenumbers, None, safe=true, ae=true;
    "ljust" => strings::ljust, Required, safe=true, ae=false;
    "lower" => strings::lower, None, safe=true, ae=false;
    "make_list" => lists::make_list, None, safe=false, ae=false;
    "phone2numeric" => strings::phone2numeric, None, safe=true, ae=false;
    "pluralize" => numbers::pluralize, Optional, safe=false, ae=false;
    "pprint" => json::pprint, None, safe=true, ae=false;
    "random" => lists::random, None, safe=true, ae=false;
    "rjust" => strings::rjust, Required, safe=true, ae=false;
    "safe" => escaping::mark_safe, None, safe=true, ae=false;
    "safeseq" => escaping::safeseq, None, safe=true, ae=false;
    "slice" => lists::slice, Required, safe=true, ae=false;
    "slugify" => strings::slugify, None, safe=true, ae=false;
    "stringformat" => stringformat::stringformat, Required, safe=true, ae=false;
    "striptags" => html_tokens::striptags, None, safe=true, ae=false;
    "time" => dates::time, Optional, safe=false, ae=false;
    "timesince" => timesince::timesince, Optional, safe=false, ae=false;
    "timeuntil" => timesince::timeuntil, Optional, safe=false, ae=false;
    "title" => strings::title, None, safe=true, ae=false;
    "truncatechars" => strings::truncatechars, Required, safe=true, ae=false;
    "truncatechars_html" => html_tokens::truncatechars_html, Required, safe=true, ae=false;
    "truncatewords" => strings::truncatewords, Required, safe=true, ae=false;
    "truncatewords_html" => html_tokens::truncatewords_html, Required, safe=true, ae=false;
    "unordered_list" => escaping::unordered_list, None, safe=true, ae=true;
    "upper" => strings::upper, None, safe=false, ae=false;
    "urlencode" => urls::urlencode, Optional, safe=false, ae=false;
    "urlize" => urls::urlize, None, safe=true, ae=true;
    "urlizetrunc" => urls::urlizetrunc, Required, safe=true, ae=true;
    "wordcount" => strings::wordcount, None, safe=false, ae=false;
    "wordwrap" => strings::wordwrap, Required, safe=true, ae=false;
    "yesno" => lists::yesno, Optional, safe=false, ae=false;
}

/// The built-in filter `name`.
pub fn lookup(name: &str) -> Option<&'static FilterDef> {
    FILTERS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FILTERS[i])
}

/// Every built-in filter, sorted by name.
pub fn all() -> &'static [FilterDef] {
    FILTERS
}

/// The text Django prints for a value in `{{ }}` (`render_value_in_context`
/// before escaping): localized dates, times and numbers (en formats), and
/// Python's `str()` for everything else.
pub fn localize(value: &Value) -> Result<Cow<'_, str>, Error> {
    localize_with(
        value,
        &FilterEnv::new(false),
        &crate::formats::Formats::english(),
    )
}

/// Django's `formats.localize(value)` with `formats` (the active language's,
/// or the settings' with localisation off), before `str()`: dates, times and
/// numbers written with those formats, Python's `str()` for everything else.
pub(crate) fn localize_with<'v>(
    value: &'v Value,
    env: &FilterEnv<'_>,
    formats: &crate::formats::Formats<'_>,
) -> Result<Cow<'v, str>, Error> {
    Ok(match value {
        Value::Str(s) | Value::SafeStr(s) => Cow::Borrowed(&**s),
        Value::Date(_) | Value::DateTime(_) | Value::AwareDateTime(_) | Value::Time(_) => {
            Cow::Owned(dates::localize_in(value, env, formats)?)
        }
        Value::Float(_) | Value::Decimal(_) | Value::Int(_) if formats.use_l10n() => {
            let nf = formats.number(false);
            match value {
                // Django's fast path: an ungrouped int is `str(int)`.
                Value::Int(i) if nf.grouping.is_none() => Cow::Owned(i.to_string()),
                _ => Cow::Owned(numbers::number_format_with(value, None, &nf)?),
            }
        }
        Value::List(_) | Value::Map(_) => Cow::Owned(json::py_repr(value)),
        other => Cow::Owned(other.to_string()),
    })
}

// ----------------------------------------------------------------------------
// Shared helpers: Python conversions and errors.

/// A Python `TypeError`.
pub(crate) fn type_error(msg: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidType, msg)
}

/// A Python `ValueError`.
pub(crate) fn value_error(msg: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidValue, msg)
}

/// A Python `AttributeError`.
pub(crate) fn attribute_error(msg: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidAttribute, msg)
}

/// Another Python exception (`KeyError`, `IndexError`, `OverflowError`).
pub(crate) fn other_error(class: &str, msg: &str) -> Error {
    Error::new(ErrorKind::RenderError, format!("{class}: {msg}"))
}

/// Python's conversion of an `int` to a C `ssize_t` (a width or a count).
pub(crate) fn py_ssize(n: i128) -> Result<isize, Error> {
    isize::try_from(n).map_err(|_| {
        other_error(
            "OverflowError",
            "Python int too large to convert to C ssize_t",
        )
    })
}

/// The most one filter or tag may write when the template sets the size
/// (a width, a precision, a `lorem` count): 256 MiB. Django has no such
/// limit, but then a template could make a server allocate without bound.
pub(crate) const MAX_SIZED_OUTPUT: usize = 256 << 20;

/// Python's `MemoryError` when a template asks for more than
/// [`MAX_SIZED_OUTPUT`] bytes of output.
pub(crate) fn check_output_size(bytes: usize) -> Result<(), Error> {
    if bytes > MAX_SIZED_OUTPUT {
        return Err(other_error(
            "MemoryError",
            &format!(
                "{bytes} bytes asked for; one filter or tag writes at most {MAX_SIZED_OUTPUT}"
            ),
        ));
    }
    Ok(())
}

/// An empty string with room for `bytes` bytes, or Python's `MemoryError`
/// when that is past [`MAX_SIZED_OUTPUT`] or cannot be had: a template
/// asking for a huge width gets an error, the process does not abort.
pub(crate) fn string_with_room(bytes: usize) -> Result<String, Error> {
    check_output_size(bytes)?;
    let mut out = String::new();
    out.try_reserve_exact(bytes)
        .map_err(|_| other_error("MemoryError", ""))?;
    Ok(out)
}

/// Python's type name of a value, as error messages show it.
pub(crate) fn py_type(v: &Value) -> &'static str {
    match v {
        Value::None => "NoneType",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) | Value::SafeStr(_) => "str",
        Value::List(_) => "list",
        Value::Map(_) => "dict",
        Value::Decimal(_) => "decimal.Decimal",
        Value::Date(_) => "datetime.date",
        Value::DateTime(_) | Value::AwareDateTime(_) => "datetime.datetime",
        Value::Time(_) => "datetime.time",
        Value::Object(_) => "object",
    }
}

/// Python's `str(value)`, borrowing strings.
pub(crate) fn py_str(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Str(s) | Value::SafeStr(s) => Cow::Borrowed(&**s),
        other => Cow::Owned(other.to_string()),
    }
}

/// A plain (unsafe) string value.
pub(crate) fn s(text: impl Into<Arc<str>>) -> Value {
    Value::Str(text.into())
}

/// A string value marked safe.
pub(crate) fn safe(text: impl Into<Arc<str>>) -> Value {
    Value::SafeStr(text.into())
}

/// An integer value; past the `i64` range it becomes an integral decimal,
/// which prints the same way Python prints a big `int`.
pub(crate) fn int_value(i: i128) -> Value {
    match i64::try_from(i) {
        Ok(v) => Value::Int(v),
        Err(_) => {
            let digits = i.unsigned_abs().to_string();
            Value::from(Decimal::from_parts(i < 0, &digits, 0).expect("digits"))
        }
    }
}

/// Whether `v` is an integral decimal standing for a big Python int.
fn big_int(d: &Decimal) -> Option<i128> {
    let (digits, exp) = d.parts()?;
    if exp != 0 {
        return None;
    }
    let v: i128 = digits.parse().ok()?;
    Some(if d.is_negative() { -v } else { v })
}

/// Parses a Python `int()` literal (base 10): whitespace around, an optional
/// sign, digits with single underscores between them.
pub(crate) fn parse_py_int(text: &str) -> Option<i128> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    let mut v: i128 = 0;
    for c in body.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10).or_else(|| nd_value(c))?;
        v = v.checked_mul(10)?.checked_add(d as i128)?;
    }
    Some(if neg { -v } else { v })
}

/// The value of a non-ASCII Unicode decimal digit (category Nd; the common
/// blocks).
pub(crate) fn nd_value(c: char) -> Option<u32> {
    const STARTS: &[u32] = &[
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
        0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6,
    ];
    let u = c as u32;
    STARTS
        .iter()
        .find(|&&s| (s..s + 10).contains(&u))
        .map(|&s| u - s)
}

/// Python's `int(value)`.
pub(crate) fn py_int(v: &Value) -> Result<i128, Error> {
    match v {
        Value::Int(i) => Ok(*i as i128),
        Value::Bool(b) => Ok(*b as i128),
        Value::Float(f) => float_to_int(*f),
        Value::Decimal(d) => {
            if d.is_nan() {
                return Err(value_error("cannot convert NaN to integer"));
            }
            if d.is_infinite() {
                return Err(other_error(
                    "OverflowError",
                    "cannot convert Infinity to integer",
                ));
            }
            if let Some(i) = big_int(d) {
                return Ok(i);
            }
            let (digits, exp) = d.parts().unwrap_or(("0", 0));
            let int_digits = if exp >= 0 {
                format!("{digits}{}", "0".repeat(exp as usize))
            } else {
                let keep = digits.len() as i64 + exp as i64;
                if keep <= 0 {
                    "0".to_string()
                } else {
                    digits[..keep as usize].to_string()
                }
            };
            let v: i128 = int_digits
                .parse()
                .map_err(|_| other_error("OverflowError", "int too large"))?;
            Ok(if d.is_negative() { -v } else { v })
        }
        Value::Str(t) | Value::SafeStr(t) => parse_py_int(t).ok_or_else(|| {
            value_error(format!(
                "invalid literal for int() with base 10: {}",
                v.repr()
            ))
        }),
        other => Err(type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            py_type(other)
        ))),
    }
}

/// Python's `int(float)`.
pub(crate) fn float_to_int(f: f64) -> Result<i128, Error> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(other_error(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let t = f.trunc();
    if t.abs() >= 1.7e38 {
        return Err(other_error("OverflowError", "int too large"));
    }
    Ok(t as i128)
}

/// Parses a Python `float()` literal.
pub(crate) fn parse_py_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if lower.len() - body.len() > 1 {
        return None;
    }
    let neg = lower.starts_with('-');
    match body {
        "nan" => return Some(f64::NAN),
        "inf" | "infinity" => {
            return Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        _ => {}
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'_' | b'+' | b'-'))
    {
        return None;
    }
    if body.starts_with(['e', '_'])
        || body.contains("__")
        || body.contains("_.")
        || body.contains("._")
    {
        return None;
    }
    let cleaned: String = lower.chars().filter(|&c| c != '_').collect();
    cleaned.parse::<f64>().ok()
}

/// Python's `float(value)`.
pub(crate) fn py_float(v: &Value) -> Result<f64, Error> {
    match v {
        Value::Int(_) | Value::Bool(_) | Value::Float(_) | Value::Decimal(_) => {
            Ok(v.as_f64().unwrap_or(0.0))
        }
        Value::Str(t) | Value::SafeStr(t) => parse_py_float(t)
            .ok_or_else(|| value_error(format!("could not convert string to float: {}", v.repr()))),
        other => Err(type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            py_type(other)
        ))),
    }
}

/// Python's `len(value)`.
pub(crate) fn py_len(v: &Value) -> Result<usize, Error> {
    v.len()
        .ok_or_else(|| type_error(format!("object of type '{}' has no len()", py_type(v))))
}

/// Python's `iter(value)` collected, or a `TypeError`.
pub(crate) fn py_iter(v: &Value) -> Result<Vec<Value>, Error> {
    match v.try_iter() {
        Some(it) => Ok(it.collect()),
        None => Err(type_error(format!(
            "'{}' object is not iterable",
            py_type(v)
        ))),
    }
}

/// Django's `conditional_escape`: safe values pass, anything else is
/// converted with `str()` and escaped.
pub(crate) fn conditional_escape(v: &Value) -> String {
    if v.is_safe() {
        py_str(v).into_owned()
    } else {
        crate::escape::escape_html(&py_str(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        let names: Vec<&str> = all().iter().map(|f| f.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 57);
        assert!(lookup("floatformat").is_some());
        assert!(lookup("length_is").is_none());
    }

    #[test]
    fn python_int_parsing() {
        assert_eq!(parse_py_int(" 1_000 "), Some(1000));
        assert_eq!(parse_py_int("+5"), Some(5));
        assert_eq!(parse_py_int("1__0"), None);
        assert_eq!(parse_py_int("5.5"), None);
        assert_eq!(parse_py_int(""), None);
    }
}
