//! Filter expressions (`var.path|filter:arg`) and variables, parsed once at
//! compile time with Django's rules and error messages.

use std::borrow::Cow;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use crate::filter_ref::FilterRef;
use crate::filters::Arg;
use crate::lexer::match_quoted;

/// A syntax error with a message and no position yet (the parser adds it).
pub(crate) fn syntax(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::SyntaxError, msg.into())
}

/// A variable: a literal, or a dotted lookup path split once.
#[derive(Debug, Clone)]
pub(crate) enum Var {
    /// A number or string literal.
    Literal(Value),
    /// `_(...)`: the inner literal or variable, translated when rendered.
    Trans(Box<Var>),
    /// A lookup: the first name and the following segments.
    Path {
        /// Every segment; the first is the context name.
        parts: smallvec::SmallVec<[Arc<str>; 2]>,
        /// The `forloop` field the second segment names, if any: read
        /// straight from a running loop when the head is one.
        loop_field: Option<LoopField>,
    },
}

/// A field of `forloop` computed from the loop's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoopField {
    /// `counter0`
    Counter0,
    /// `counter`
    Counter,
    /// `revcounter`
    Revcounter,
    /// `revcounter0`
    Revcounter0,
    /// `first`
    First,
    /// `last`
    Last,
    /// `length`
    Length,
}

impl LoopField {
    /// The field called `name` (`parentloop` is not one: it is stored).
    pub(crate) fn parse(name: &str) -> Option<LoopField> {
        Some(match name {
            "counter0" => LoopField::Counter0,
            "counter" => LoopField::Counter,
            "revcounter" => LoopField::Revcounter,
            "revcounter0" => LoopField::Revcounter0,
            "first" => LoopField::First,
            "last" => LoopField::Last,
            "length" => LoopField::Length,
            _ => return None,
        })
    }

    /// The field's value at position `i` of a loop over `len` items.
    pub(crate) fn value(self, i: usize, len: usize) -> Value {
        match self {
            LoopField::Counter0 => Value::from(i),
            LoopField::Counter => Value::from(i + 1),
            LoopField::Revcounter => Value::from(len - i),
            LoopField::Revcounter0 => Value::from(len - i - 1),
            LoopField::First => Value::Bool(i == 0),
            LoopField::Last => Value::Bool(i + 1 == len),
            LoopField::Length => Value::from(len),
        }
    }
}

/// Python's digit run with single underscores between digits
/// (`digit (["_"] digit)*`); returns its byte length (0 when none).
fn py_digitpart(b: &[u8]) -> usize {
    let mut i = 0;
    while i < b.len() {
        let digit = b[i].is_ascii_digit();
        let joiner = b[i] == b'_'
            && i > 0
            && b[i - 1].is_ascii_digit()
            && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !(digit || joiner) {
            break;
        }
        i += 1;
    }
    i
}

/// Whether `s` is a decimal literal Python's `float()` accepts (without the
/// `inf`/`nan` spellings, which never reach it: they hold no `.` or `e`).
fn py_float_syntax(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let int_len = py_digitpart(b);
    let mut i = int_len;
    let mut frac_len = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_len = py_digitpart(&b[i..]);
        i += frac_len;
    }
    if int_len == 0 && frac_len == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = py_digitpart(&b[i..]);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// Python's `float()` on a template number when `.` or `e` appears, else
/// `int()`; underscores between digits are allowed, as in Python.
fn parse_number(var: &str) -> Option<Value> {
    if var.contains('.') || var.contains(['e', 'E']) {
        if var.ends_with('.') || !py_float_syntax(var) {
            return None;
        }
        var.replace('_', "").parse::<f64>().ok().map(Value::Float)
    } else {
        let digits = var.strip_prefix(['+', '-']).unwrap_or(var);
        if digits.is_empty() || py_digitpart(digits.as_bytes()) != digits.len() {
            return None;
        }
        let clean = var.replace('_', "");
        match clean.parse::<i64>() {
            Ok(i) => Some(Value::Int(i)),
            Err(_) => clean.parse::<f64>().ok().map(Value::Float),
        }
    }
}

/// Django's `unescape_string_literal`.
pub(crate) fn unescape_string_literal(s: &str) -> Option<String> {
    let first = s.chars().next()?;
    if !(first == '"' || first == '\'') || s.len() < 2 || !s.ends_with(first) {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    if !inner.contains('\\') {
        return Some(inner.to_owned());
    }
    let q = format!("\\{first}");
    Some(inner.replace(&q, &first.to_string()).replace("\\\\", "\\"))
}

impl Var {
    /// A path's source text (`a.b.c`), for `string_if_invalid` with `%s`
    /// and errors; empty for other variables.
    pub(crate) fn text(&self) -> String {
        match self {
            Var::Path { parts, .. } => parts.join("."),
            _ => String::new(),
        }
    }

    /// Django's `Variable(var)`.
    pub(crate) fn parse(var: &str) -> Result<Var, Error> {
        if let Some(v) = parse_number(var) {
            return Ok(Var::Literal(v));
        }
        if let Some(inner) = var.strip_prefix("_(").and_then(|v| v.strip_suffix(')')) {
            return Ok(Var::Trans(Box::new(Var::parse_plain(inner)?)));
        }
        Var::parse_plain(var)
    }

    /// [`Var::parse`] of text that is not a number and not inside `_( )`.
    fn parse_plain(inner: &str) -> Result<Var, Error> {
        if let Some(lit) = unescape_string_literal(inner) {
            return Ok(Var::Literal(Value::safe(lit)));
        }
        if inner.contains("._") || inner.starts_with('_') {
            return Err(syntax(format!(
                "Variables and attributes may not begin with underscores: '{inner}'"
            )));
        }
        for c in ['+', '-'] {
            if inner.contains(c) {
                return Err(syntax(format!(
                    "Invalid character ('{c}') in variable name: '{inner}'"
                )));
            }
        }
        // Most paths have one or two segments: kept inline, no allocation.
        let parts: smallvec::SmallVec<[Arc<str>; 2]> =
            inner.split('.').map(crate::names::name).collect();
        let loop_field = parts.get(1).and_then(|f| LoopField::parse(f));
        Ok(Var::Path { parts, loop_field })
    }
}

/// A filter bound at compile time, with its argument.
#[derive(Debug, Clone)]
pub(crate) struct FilterCall {
    pub(crate) def: FilterRef,
    pub(crate) arg: Option<FilterArg>,
}

/// A filter argument: a constant (marked safe) or a variable.
#[derive(Debug, Clone)]
pub(crate) enum FilterArg {
    Constant(Value),
    Var(Var),
}

/// What the main part of a filter expression is.
#[derive(Debug, Clone)]
pub(crate) enum Head {
    /// A constant resolved at compile time (Django's non-`Variable` var).
    Constant(Value),
    /// A variable (number literals included, as in Django).
    Var(Var),
}

/// Django's `FilterExpression`.
#[derive(Debug, Clone)]
pub(crate) struct FilterExpr {
    pub(crate) head: Head,
    pub(crate) filters: Vec<FilterCall>,
    pub(crate) token: Arc<str>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Django's `constant` pattern: a quoted string, or one inside `_( )`.
fn match_constant(s: &str) -> Option<usize> {
    if let Some(rest) = s.strip_prefix("_(")
        && let Some(n) = match_quoted(rest)
        && rest[n..].starts_with(')')
    {
        return Some(n + 3);
    }
    match_quoted(s)
}

/// Django's `[\w\.\+-]+` variable pattern (numbers included).
fn match_var(s: &str) -> Option<usize> {
    let n: usize = s
        .chars()
        .take_while(|&c| is_word(c) || matches!(c, '.' | '+' | '-'))
        .map(char::len_utf8)
        .sum();
    (n > 0).then_some(n)
}

/// The resolved constant of a `constant` match (`Variable(c).resolve({})`).
fn constant_value(text: &str) -> Result<Value, Error> {
    match Var::parse(text)? {
        Var::Literal(v) => Ok(v),
        Var::Path { .. } | Var::Trans(_) => Ok(Value::None),
    }
}

/// Whether a `constant` match is a `_("...")`, translated at render time.
fn is_translated(text: &str) -> bool {
    text.starts_with("_(")
}

/// A filter finder: the parser's loaded filters.
pub(crate) trait FindFilter {
    fn find_filter(&self, name: &str) -> Option<FilterRef>;
}

/// A filter match: its length, the filter name, the argument text and whether it is a constant.
type FilterMatch<'a> = (usize, &'a str, Option<(&'a str, bool)>);

/// A filter match found at a position: start, end, name, argument.
type FoundFilter<'a> = (usize, usize, &'a str, Option<(&'a str, bool)>);

/// Parses a filter match at `s` (after `upto`): `\s*\|\s*(\w+)(?::(constant|var))?`.
/// Returns (length, name, arg text, arg is constant).
fn match_filter(s: &str) -> Option<FilterMatch<'_>> {
    let ws = |t: &str| t.len() - t.trim_start_matches(|c: char| c.is_whitespace()).len();
    let mut i = ws(s);
    if !s[i..].starts_with('|') {
        return None;
    }
    i += 1;
    i += ws(&s[i..]);
    let name_len: usize = s[i..]
        .chars()
        .take_while(|&c| is_word(c))
        .map(char::len_utf8)
        .sum();
    if name_len == 0 {
        return None;
    }
    let name = &s[i..i + name_len];
    i += name_len;
    let mut arg = None;
    if let Some(rest) = s[i..].strip_prefix(':') {
        if let Some(n) = match_constant(rest) {
            arg = Some((&rest[..n], true));
            i += 1 + n;
        } else if let Some(n) = match_var(rest) {
            arg = Some((&rest[..n], false));
            i += 1 + n;
        }
    }
    Some((i, name, arg))
}

/// Finds the next filter match at or after `from` (Python's `finditer`).
fn find_filter_match(token: &str, from: usize) -> Option<FoundFilter<'_>> {
    let mut start = from;
    while start < token.len() {
        if let Some((len, name, arg)) = match_filter(&token[start..]) {
            return Some((start, start + len, name, arg));
        }
        start += token[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

impl FilterExpr {
    /// Django's `FilterExpression(token, parser)`.
    pub(crate) fn parse(token: &str, finder: &dyn FindFilter) -> Result<FilterExpr, Error> {
        let mut upto;
        let head;
        if let Some(n) = match_constant(token) {
            head = if is_translated(&token[..n]) {
                Head::Var(Var::parse(&token[..n])?)
            } else {
                Head::Constant(constant_value(&token[..n])?)
            };
            upto = n;
        } else if let Some(n) = match_var(token) {
            head = Head::Var(Var::parse(&token[..n])?);
            upto = n;
        } else {
            // The first match is a filter (or nothing).
            match find_filter_match(token, 0) {
                Some((start, ..)) if start != 0 => {
                    return Err(syntax(format!(
                        "Could not parse some characters: {}|{}|{}",
                        &token[..0],
                        &token[..start],
                        &token[start..]
                    )));
                }
                Some(_) => {
                    return Err(syntax(format!(
                        "Could not find variable at start of {token}."
                    )));
                }
                None => {
                    return Err(syntax(format!(
                        "Could not parse the remainder: '{token}' from '{token}'"
                    )));
                }
            }
        }
        let mut filters = Vec::new();
        while let Some((start, end, name, arg)) = find_filter_match(token, upto) {
            if start != upto {
                return Err(syntax(format!(
                    "Could not parse some characters: {}|{}|{}",
                    &token[..upto],
                    &token[upto..start],
                    &token[start..]
                )));
            }
            let def = finder
                .find_filter(name)
                .ok_or_else(|| syntax(format!("Invalid filter: '{name}'")))?;
            let arg = match arg {
                Some((text, true)) if is_translated(text) => {
                    Some(FilterArg::Var(Var::parse(text)?))
                }
                Some((text, true)) => Some(FilterArg::Constant(constant_value(text)?)),
                Some((text, false)) => Some(FilterArg::Var(Var::parse(text)?)),
                None => None,
            };
            args_check(&def, arg.is_some())?;
            filters.push(FilterCall { def, arg });
            upto = end;
        }
        if upto != token.len() {
            return Err(syntax(format!(
                "Could not parse the remainder: '{}' from '{token}'",
                &token[upto..]
            )));
        }
        // A bare variable's token is the variable's text: share it.
        let token = match &head {
            Head::Var(Var::Path { parts, .. })
                if filters.is_empty() && parts.len() == 1 && *parts[0] == *token =>
            {
                parts[0].clone()
            }
            _ => Arc::from(token),
        };
        Ok(FilterExpr {
            head,
            filters,
            token,
        })
    }

    /// Whether the expression is a plain variable (Django's `is_var`).
    pub(crate) fn is_var(&self) -> bool {
        matches!(self.head, Head::Var(Var::Path { .. }))
    }
}

/// Django's `args_check`: the filter takes the number of arguments given.
fn args_check(def: &FilterRef, has_arg: bool) -> Result<(), Error> {
    let provided = 1 + has_arg as usize;
    let auto = def.needs_autoescape() as usize;
    let (required, max) = match def.arg() {
        Arg::None => (1, 1 + auto),
        Arg::Optional => (1, 2 + auto),
        Arg::Required => (2, 2 + auto),
    };
    if provided < required || provided > max {
        return Err(syntax(format!(
            "{} requires {required} arguments, {provided} provided",
            def.name()
        )));
    }
    Ok(())
}

/// `as_str()` of a tag's bit (a `Cow<str>` from [`split_contents`]).
pub(crate) trait BitStr {
    /// The bit's text.
    fn as_str(&self) -> &str;
}

impl BitStr for Cow<'_, str> {
    fn as_str(&self) -> &str {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_literals() {
        assert!(matches!(
            Var::parse("1.5").unwrap(),
            Var::Literal(Value::Float(_))
        ));
        assert!(matches!(
            Var::parse("2").unwrap(),
            Var::Literal(Value::Int(2))
        ));
        assert!(matches!(Var::parse("2.").unwrap(), Var::Path { .. }));
        assert!(Var::parse("a._b").is_err());
        assert!(matches!(
            Var::parse("1_000").unwrap(),
            Var::Literal(Value::Int(1000))
        ));
        assert!(matches!(Var::parse("1e-3").unwrap(), Var::Literal(Value::Float(f)) if f == 0.001));
        assert!(matches!(Var::parse("1_.5").unwrap(), Var::Path { .. }));
        assert!(Var::parse("value.-1").is_err());
    }
}
