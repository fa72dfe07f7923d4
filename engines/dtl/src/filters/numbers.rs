//! Number filters: `add`, `divisibleby`, `get_digit`, `filesizeformat`,
//! `floatformat`, `pluralize`, and Django's number formatting (`stringformat`
//! is in [`super::stringformat`]).

use std::sync::Arc;

use platen_core::value::Decimal;
use platen_core::{Error, ErrorKind, Value};

use crate::formats::{Grouping, NumberFormat};

use super::{
    FilterEnv, int_value, other_error, py_float, py_int, py_str, py_type, s, safe, type_error,
    value_error,
};

/// A required argument (the filter table guarantees one is given).
pub(super) fn req(arg: Option<&Value>) -> &Value {
    arg.unwrap_or(&Value::None)
}

/// Whether an error is a Python `ValueError` or `TypeError`.
fn is_value_or_type(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::InvalidType)
}

/// `add`: integer addition when both sides convert with `int()`, else
/// Python's `+` (strings, lists, floats), else the empty string.
pub fn add(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let a = req(arg);
    let first = py_int(v).and_then(|x| py_int(a).map(|y| (x, y)));
    match first {
        Ok((x, y)) => return Ok(int_value(x + y)),
        Err(e) if !is_value_or_type(&e) => return Err(e),
        Err(_) => {}
    }
    Ok(match (v, a) {
        (Value::Str(x) | Value::SafeStr(x), Value::Str(y) | Value::SafeStr(y)) => {
            let joined = format!("{x}{y}");
            if v.is_safe() && a.is_safe() {
                safe(joined)
            } else {
                s(joined)
            }
        }
        (Value::List(x), Value::List(y)) => {
            let mut items = Vec::with_capacity(x.len() + y.len());
            items.extend(x.iter().cloned());
            items.extend(y.iter().cloned());
            Value::List(Arc::new(items))
        }
        (Value::Float(_), Value::Int(_) | Value::Float(_) | Value::Bool(_))
        | (Value::Int(_) | Value::Bool(_), Value::Float(_)) => {
            Value::Float(v.as_f64().unwrap_or(0.0) + a.as_f64().unwrap_or(0.0))
        }
        (Value::Decimal(d), Value::Int(_) | Value::Bool(_) | Value::Decimal(_)) if d.is_nan() => {
            v.clone()
        }
        (Value::Int(_) | Value::Bool(_), Value::Decimal(d)) if d.is_nan() => a.clone(),
        (Value::Decimal(d), Value::Int(_) | Value::Bool(_)) if d.is_infinite() => v.clone(),
        _ => s(""),
    })
}

/// `divisibleby`: whether `int(value) % int(arg) == 0`.
pub fn divisibleby(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let x = py_int(v)?;
    let y = py_int(req(arg))?;
    if y == 0 {
        return Err(other_error("ZeroDivisionError", "integer modulo by zero"));
    }
    Ok(Value::Bool(x.rem_euclid(y) == 0))
}

/// `get_digit`: the `arg`-th digit from the right of a whole number.
pub fn get_digit(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let n = match py_int(req(arg)) {
        Ok(n) => n,
        Err(e) if e.kind() == ErrorKind::InvalidValue => return Ok(v.clone()),
        Err(e) => return Err(e),
    };
    let value = match py_int(v) {
        Ok(x) => x,
        Err(e) if e.kind() == ErrorKind::InvalidValue => return Ok(v.clone()),
        Err(e) => return Err(e),
    };
    if n < 1 {
        return Ok(int_value(value));
    }
    let text = value.to_string();
    let chars: Vec<char> = text.chars().collect();
    if n as usize > chars.len() {
        return Ok(Value::Int(0));
    }
    let c = chars[chars.len() - n as usize];
    match c.to_digit(10) {
        Some(d) => Ok(Value::Int(d as i64)),
        None => Err(value_error(format!(
            "invalid literal for int() with base 10: '{c}'"
        ))),
    }
}

/// Django's `numberformat.format` on the text of a number: `decimal_pos`
/// digits after the point (cut or padded), the integer part grouped and the
/// separators as `nf` says.
pub(crate) fn format_number_text(
    text: &str,
    decimal_pos: Option<usize>,
    nf: &NumberFormat<'_>,
) -> String {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int_part, dec_part) = body.split_once('.').unwrap_or((body, ""));
    let mut dec_part = dec_part.to_string();
    if let Some(pos) = decimal_pos {
        let cut: String = dec_part.chars().take(pos).collect();
        dec_part = cut;
        while dec_part.chars().count() < pos {
            dec_part.push('0');
        }
    }
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(sign);
    nf.push_int(int_part, &mut out);
    if !dec_part.is_empty() {
        out.push_str(nf.decimal_sep);
        out.push_str(&dec_part);
    }
    out
}

/// A decimal in plain notation (`'{:f}'.format(d)`).
fn decimal_plain(d: &Decimal) -> String {
    let Some((digits, exp)) = d.parts() else {
        return d.to_string();
    };
    let sign = if d.is_negative() { "-" } else { "" };
    if exp >= 0 {
        return format!("{sign}{digits}{}", "0".repeat(exp as usize));
    }
    let frac = (-exp) as usize;
    if digits.len() > frac {
        let (a, b) = digits.split_at(digits.len() - frac);
        format!("{sign}{a}.{b}")
    } else {
        format!("{sign}0.{}{digits}", "0".repeat(frac - digits.len()))
    }
}

/// Django's `formats.number_format` for a float, decimal or int value (en
/// locale, no thousand separator unless `grouping`).
pub fn number_format(
    v: &Value,
    decimal_pos: Option<usize>,
    grouping: bool,
) -> Result<String, Error> {
    let nf = NumberFormat {
        grouping: grouping.then_some(Grouping::Uniform(3)),
        ..NumberFormat::PLAIN
    };
    number_format_with(v, decimal_pos, &nf)
}

/// Django's `numberformat.format` of a float, decimal or int value with `nf`.
pub(crate) fn number_format_with(
    v: &Value,
    decimal_pos: Option<usize>,
    nf: &NumberFormat<'_>,
) -> Result<String, Error> {
    let text = match v {
        Value::Float(f) => {
            let repr = Value::py_float(*f);
            if repr.contains('e') {
                let d: Decimal = repr.parse().map_err(|_| value_error("bad float"))?;
                decimal_text(&d, decimal_pos)?
            } else {
                repr
            }
        }
        Value::Decimal(d) => decimal_text(d, decimal_pos)?,
        other => other.to_string(),
    };
    if let Some((coefficient, exponent)) = text.split_once('e') {
        // Huge decimals: the coefficient is formatted, the exponent kept.
        return Ok(format!(
            "{}e{exponent}",
            format_number_text(coefficient, None, nf)
        ));
    }
    Ok(format_number_text(&text, decimal_pos, nf))
}

fn decimal_text(d: &Decimal, decimal_pos: Option<usize>) -> Result<String, Error> {
    let Some((digits, exp)) = d.parts() else {
        return Err(type_error("bad operand type for abs(): 'str'"));
    };
    if (exp as i64).abs() + digits.len() as i64 > 200 {
        // '{:e}'.format(d): scientific notation with all digits.
        let sign = if d.is_negative() { "-" } else { "" };
        let adjusted = exp as i64 + digits.len() as i64 - 1;
        let (first, rest) = digits.split_at(1);
        let coef = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let coef = format_number_text(&format!("{sign}{coef}"), decimal_pos, &NumberFormat::PLAIN);
        return Ok(format!(
            "{coef}e{}{}",
            if adjusted < 0 { '-' } else { '+' },
            adjusted.abs()
        ));
    }
    if let Some(pos) = decimal_pos {
        // Values too small to show become zero.
        let adjusted = digits.len() as i64 + exp as i64; // digits before the point
        if adjusted <= -(pos as i64) && digits != "0" {
            return Ok("0".to_string());
        }
    }
    Ok(decimal_plain(d))
}

/// `filesizeformat`: a human-readable file size (`13 KB`, `4.1 MB`), with
/// no-break spaces, translated and with the active language's decimal
/// separator.
pub fn filesizeformat(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let bytes_text = |n: i128| -> Result<String, Error> {
        let n_f = n as f64;
        Ok(env
            .ngettext("%(size)d byte", "%(size)d bytes", n_f)?
            .replace("%(size)d", &n.to_string())
            .replace("%%", "%"))
    };
    let bytes = match py_int(v) {
        Ok(b) => b,
        Err(e) if is_value_or_type(&e) => return Ok(s(bytes_text(0)?.replace(' ', "\u{a0}"))),
        Err(e) => return Err(e),
    };
    let negative = bytes < 0;
    let b = bytes.unsigned_abs();
    const KB: u128 = 1 << 10;
    const MB: u128 = 1 << 20;
    const GB: u128 = 1 << 30;
    const TB: u128 = 1 << 40;
    const PB: u128 = 1 << 50;
    let nf = env.formats().number(false);
    let unit = |div: u128, name: &'static str| -> Result<String, Error> {
        let x = b as f64 / div as f64;
        // round(x, 1), then number_format with one decimal.
        let rounded: f64 = format!("{x:.1}").parse().unwrap_or(x);
        let text = number_format_with(&Value::Float(rounded), Some(1), &nf).unwrap_or_default();
        Ok(py_percent_s(&env.gettext(name)?, &text))
    };
    let mut out = if b < KB {
        bytes_text(b as i128)?
    } else if b < MB {
        unit(KB, "%s KB")?
    } else if b < GB {
        unit(MB, "%s MB")?
    } else if b < TB {
        unit(GB, "%s GB")?
    } else if b < PB {
        unit(TB, "%s TB")?
    } else {
        unit(PB, "%s PB")?
    };
    if negative {
        out.insert(0, '-');
    }
    Ok(s(out.replace(' ', "\u{a0}")))
}

/// Python's `message % text` for a message with one `%s`.
pub(crate) fn py_percent_s(message: &str, text: &str) -> String {
    message.replacen("%s", text, 1).replace("%%", "%")
}

/// A finite decimal as sign, digits and exponent.
struct Dec {
    neg: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Dec {
    fn from(d: &Decimal) -> Option<Dec> {
        let (digits, exp) = d.parts()?;
        Some(Dec {
            neg: d.is_negative(),
            digits: digits.bytes().map(|b| b - b'0').collect(),
            exp: exp as i64,
        })
    }

    fn is_zero(&self) -> bool {
        self.digits.iter().all(|&d| d == 0)
    }

    /// Whether the number is a whole number.
    fn is_integral(&self) -> bool {
        if self.exp >= 0 {
            return true;
        }
        let frac = (-self.exp) as usize;
        let n = self.digits.len();
        self.digits[n.saturating_sub(frac)..]
            .iter()
            .all(|&d| d == 0)
    }

    /// The integer part's digits.
    fn int_digits(&self) -> String {
        let mut out: String = if self.exp >= 0 {
            let mut s: String = self.digits.iter().map(|d| (b'0' + d) as char).collect();
            s.extend(std::iter::repeat_n('0', self.exp as usize));
            s
        } else {
            let keep = self.digits.len() as i64 + self.exp;
            if keep <= 0 {
                String::new()
            } else {
                self.digits[..keep as usize]
                    .iter()
                    .map(|d| (b'0' + d) as char)
                    .collect()
            }
        };
        let trimmed = out.trim_start_matches('0').to_string();
        out = if trimmed.is_empty() {
            "0".to_string()
        } else {
            trimmed
        };
        out
    }

    /// Quantizes to `places` digits after the point, rounding half up.
    fn quantize(&self, places: i64) -> Dec {
        let target = -places;
        if self.exp >= target {
            let mut digits = self.digits.clone();
            digits.extend(std::iter::repeat_n(0, (self.exp - target) as usize));
            return Dec {
                neg: self.neg,
                digits,
                exp: target,
            };
        }
        let drop = (target - self.exp) as usize;
        let n = self.digits.len();
        let (mut keep, dropped): (Vec<u8>, &[u8]) = if drop >= n {
            (vec![0], if drop == n { &self.digits[..] } else { &[] })
        } else {
            (self.digits[..n - drop].to_vec(), &self.digits[n - drop..])
        };
        let round_up = dropped.first().is_some_and(|&d| d >= 5);
        if round_up {
            let mut i = keep.len();
            loop {
                if i == 0 {
                    keep.insert(0, 1);
                    break;
                }
                i -= 1;
                if keep[i] == 9 {
                    keep[i] = 0;
                } else {
                    keep[i] += 1;
                    break;
                }
            }
        }
        Dec {
            neg: self.neg,
            digits: keep,
            exp: target,
        }
    }
}

/// `floatformat`: rounds to the given number of decimal places (half up);
/// a negative or missing argument drops an all-zero fraction. Suffix `g`
/// groups thousands, `u` turns localization off.
pub fn floatformat(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let mut force_grouping = false;
    let mut use_l10n = true;
    let default_arg = Value::Int(-1);
    let mut arg_v: Value = arg.cloned().unwrap_or(default_arg);
    if let Value::Str(a) | Value::SafeStr(a) = &arg_v {
        let a = a.to_string();
        let Some(last) = a.chars().last() else {
            return Err(other_error("IndexError", "string index out of range"));
        };
        let cut = |n: usize| -> Value {
            let chars: Vec<char> = a.chars().collect();
            let rest: String = chars[..chars.len().saturating_sub(n)].iter().collect();
            if rest.is_empty() {
                Value::Int(-1)
            } else {
                Value::from(rest)
            }
        };
        let tail2: String = a
            .chars()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if a.chars().count() >= 2 && (tail2 == "gu" || tail2 == "ug") {
            force_grouping = true;
            use_l10n = false;
            arg_v = cut(2);
        } else if last == 'g' {
            force_grouping = true;
            arg_v = cut(1);
        } else if last == 'u' {
            use_l10n = false;
            arg_v = cut(1);
        }
    }
    // Without localization Django uses the settings' separators and
    // NUMBER_GROUPING (0 by default: no grouping even with `g`).
    let formats = if use_l10n {
        env.formats()
    } else {
        env.formats().unlocalized()
    };
    let grouping = formats.number(force_grouping);

    let input_val = py_str(v).into_owned();
    let d: Decimal = match parse_py_decimal(&input_val) {
        Some(d) => d,
        None => match py_float(v) {
            Ok(f) => {
                let Ok(d) = Value::py_float(f).parse::<Decimal>() else {
                    return Ok(s(""));
                };
                d
            }
            Err(e) if is_value_or_type(&e) => return Ok(s("")),
            Err(e) => return Err(e),
        },
    };
    if let Some((digits, exp)) = d.parts() {
        // Django returns huge or tiny numbers unchanged.
        if (exp as i64).abs() + digits.len() as i64 > 200 {
            return Ok(s(input_val));
        }
    }
    let p = match py_int(&arg_v) {
        Ok(p) => p,
        Err(e) if e.kind() == ErrorKind::InvalidValue => return Ok(s(input_val)),
        Err(e) => return Err(e),
    };
    let Some(dec) = Dec::from(&d) else {
        // NaN and infinities: int(d) fails, the input comes back.
        return Ok(s(input_val));
    };
    let integral = dec.is_integral();
    if integral && p <= 0 {
        let int_text = dec.int_digits();
        let text = if dec.neg && int_text != "0" {
            format!("-{int_text}")
        } else {
            int_text
        };
        return Ok(safe(format_number_text(&text, Some(0), &grouping)));
    }
    // Django scales 1 by 10**-places in Python's default decimal context,
    // which allows no more than 2 * (Emax + prec) = 2,000,054 places.
    let places = p.unsigned_abs();
    if places > 2_000_054 {
        return Err(other_error(
            "InvalidOperation",
            "[<class 'decimal.InvalidOperation'>]",
        ));
    }
    let places = places as i64;
    let rounded = dec.quantize(places);
    let mut digits: Vec<char> = rounded
        .digits
        .iter()
        .rev()
        .map(|d| (b'0' + d) as char)
        .collect();
    let exponent = rounded.exp;
    while digits.len() as i64 <= exponent.abs() {
        digits.push('0');
    }
    if exponent != 0 {
        digits.insert((-exponent) as usize, '.');
    }
    if rounded.neg && !rounded.is_zero() {
        digits.push('-');
    }
    let number: String = digits.into_iter().rev().collect();
    // Strip leading zeros the digit vector may carry ("00.5" cannot happen
    // because Decimal digits have no leading zeros, except a lone 0).
    let number = normalize_leading_zeros(&number);
    Ok(safe(format_number_text(
        &number,
        Some(places as usize),
        &grouping,
    )))
}

fn normalize_leading_zeros(n: &str) -> String {
    let (sign, body) = match n.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", n),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let t = int.trim_start_matches('0');
    let int = if t.is_empty() { "0" } else { t };
    if body.contains('.') {
        format!("{sign}{int}.{frac}")
    } else {
        format!("{sign}{int}")
    }
}

/// Python's `Decimal(text)`: also accepts underscores between digits.
fn parse_py_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if lower.len() - body.len() > 1 {
        return None;
    }
    match body {
        "nan" | "inf" | "infinity" => return t.parse().ok(),
        "snan" => return Some(Decimal::nan()),
        _ => {}
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-' | b'_'))
    {
        return None;
    }
    if body.contains("__") || body.starts_with('_') || body.ends_with('_') {
        return None;
    }
    let (mant, exp) = match body.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    if mant.contains(['+', '-'])
        || mant.matches('.').count() > 1
        || mant.replace(['.', '_'], "").is_empty()
    {
        return None;
    }
    if let Some(e) = exp {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            return None;
        }
    }
    lower.replace('_', "").parse().ok()
}

/// `pluralize`: the plural suffix unless the value is 1 (or has length 1).
pub fn pluralize(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let default = Value::from("s");
    let a = arg.unwrap_or(&default);
    let Some(text) = a.as_str() else {
        return Err(type_error(format!(
            "argument of type '{}' is not iterable",
            py_type(a)
        )));
    };
    let text = if text.contains(',') {
        text.to_string()
    } else {
        format!(",{text}")
    };
    let bits: Vec<&str> = text.split(',').collect();
    if bits.len() > 2 {
        return Ok(s(""));
    }
    let (singular, plural) = (bits[0], bits[1]);
    match py_float(v) {
        Ok(f) => return Ok(s(if f == 1.0 { singular } else { plural })),
        Err(e) if e.kind() == ErrorKind::InvalidValue => return Ok(s("")),
        Err(e) if e.kind() == ErrorKind::InvalidType => {}
        Err(e) => return Err(e),
    }
    Ok(match v.len() {
        Some(n) => s(if n == 1 { singular } else { plural }),
        None => s(""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ff(v: Value, arg: Option<&str>) -> String {
        let a = arg.map(Value::from);
        floatformat(&v, a.as_ref(), &FilterEnv::new(true))
            .unwrap()
            .to_string()
    }

    #[test]
    fn floatformat_basics() {
        assert_eq!(ff(Value::Float(34.23234), None), "34.2");
        assert_eq!(ff(Value::Float(34.0), None), "34");
        assert_eq!(ff(Value::Float(34.26), Some("3")), "34.260");
        assert_eq!(ff(Value::Float(34.26), Some("-3")), "34.260");
        assert_eq!(ff(Value::Float(6666.6666), Some("2g")), "6,666.67");
        assert_eq!(ff(Value::Int(10000), Some("g")), "10,000");
        assert_eq!(ff(Value::Float(-0.001), Some("2")), "0.00");
        assert_eq!(ff(Value::Float(0.5), Some("0")), "1");
        assert_eq!(ff(Value::Float(-0.5), Some("0")), "-1");
        assert_eq!(ff(Value::from("abc"), None), "");
    }

    #[test]
    fn pluralize_forms() {
        let p = |v: Value, a: Option<&str>| {
            let a = a.map(Value::from);
            pluralize(&v, a.as_ref(), &FilterEnv::new(true))
                .unwrap()
                .to_string()
        };
        assert_eq!(p(Value::Int(1), None), "");
        assert_eq!(p(Value::Int(2), None), "s");
        assert_eq!(p(Value::from("1"), Some("y,ies")), "y");
        assert_eq!(p(Value::Float(1.5), Some("y,ies")), "ies");
        assert_eq!(p(Value::from(vec![1]), Some("es")), "");
        assert_eq!(p(Value::from("abc"), None), "");
        assert_eq!(p(Value::Int(2), Some("a,b,c")), "");
    }

    #[test]
    fn filesize() {
        let f = |n: i64| {
            filesizeformat(&Value::Int(n), None, &FilterEnv::new(true))
                .unwrap()
                .to_string()
        };
        assert_eq!(f(1), "1\u{a0}byte");
        assert_eq!(f(1023), "1023\u{a0}bytes");
        assert_eq!(f(1024), "1.0\u{a0}KB");
        assert_eq!(f(-1536), "-1.5\u{a0}KB");
    }
}
