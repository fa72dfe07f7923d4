//! `stringformat`: Python's printf-style `%` operator (`("%" + arg) % value`),
//! its conversion specifiers, padding and float forms.

use platen_core::{Error, ErrorKind, Value};

use super::numbers::req;
use super::{FilterEnv, other_error, py_int, py_str, s, string_with_room};

// ----------------------------------------------------------------------------
// Python's printf-style formatting (`"%" + arg) % value`).

/// One parsed conversion specifier.
#[derive(Default)]
struct Spec {
    key: Option<String>,
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    width_star: bool,
    prec: Option<usize>,
    prec_star: bool,
    conv: char,
}

/// The result of formatting: text, or a Python exception.
enum FmtErr {
    Value,
    Type,
    Other(Error),
}

/// `stringformat`: Python's `%` operator with the argument as the format
/// specifier (without the leading `%`). `ValueError`/`TypeError` give `""`.
pub fn stringformat(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let fmt = format!("%{}", py_str(req(arg)));
    // Django formats a tuple's text: `%` would unpack the tuple.
    let text;
    let v = match v {
        Value::Object(o) if o.is_tuple() => {
            text = Value::from(v.to_string());
            &text
        }
        _ => v,
    };
    match percent_format(&fmt, v) {
        Ok(out) => Ok(s(out)),
        Err(FmtErr::Value | FmtErr::Type) => Ok(s("")),
        Err(FmtErr::Other(e)) => Err(e),
    }
}

/// Python's `fmt % value` for a single (non-tuple) value.
fn percent_format(fmt: &str, value: &Value) -> Result<String, FmtErr> {
    let is_mapping = matches!(value, Value::Map(_) | Value::List(_));
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut used_arg = false;
    let next_arg = |used: &mut bool| -> Result<Value, FmtErr> {
        if *used {
            return Err(FmtErr::Type);
        }
        *used = true;
        Ok(value.clone())
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        if i < chars.len() && chars[i] == '(' {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                if chars[i] == '(' {
                    depth += 1;
                } else if chars[i] == ')' {
                    depth -= 1;
                }
                i += 1;
            }
            if depth > 0 {
                return Err(FmtErr::Value);
            }
            spec.key = Some(chars[start..i - 1].iter().collect());
        }
        while i < chars.len() {
            match chars[i] {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '*' {
            spec.width_star = true;
            i += 1;
        } else {
            let mut w = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                w.push(chars[i]);
                i += 1;
            }
            if !w.is_empty() {
                // Python: "width too big" past a C ssize_t.
                let w: usize = w.parse().map_err(|_| FmtErr::Value)?;
                spec.width = Some(if w > isize::MAX as usize {
                    return Err(FmtErr::Value);
                } else {
                    w
                });
            }
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            if i < chars.len() && chars[i] == '*' {
                spec.prec_star = true;
                i += 1;
            } else {
                let mut p = String::new();
                while i < chars.len() && chars[i].is_ascii_digit() {
                    p.push(chars[i]);
                    i += 1;
                }
                // Python: "precision too big" past a C int.
                spec.prec = Some(if p.is_empty() {
                    0
                } else {
                    p.parse::<i32>().map_err(|_| FmtErr::Value)? as usize
                });
            }
        }
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        if i >= chars.len() {
            return Err(FmtErr::Value); // incomplete format
        }
        spec.conv = chars[i];
        i += 1;
        if spec.conv == '%' {
            out.push('%');
            continue;
        }
        if spec.width_star {
            if spec.key.is_some() {
                return Err(FmtErr::Value);
            }
            let w = next_arg(&mut used_arg)?;
            let Value::Int(n) = w else {
                return Err(FmtErr::Type);
            };
            if n < 0 {
                spec.minus = true;
            }
            spec.width = Some(n.unsigned_abs() as usize);
        }
        if spec.prec_star {
            let p = next_arg(&mut used_arg)?;
            let Value::Int(n) = p else {
                return Err(FmtErr::Type);
            };
            spec.prec = Some(n.max(0) as usize);
        }
        let arg = match &spec.key {
            Some(key) => match value {
                Value::Map(m) => match m.get(key.as_str()) {
                    Some(x) => x.clone(),
                    None => {
                        return Err(FmtErr::Other(other_error("KeyError", &format!("'{key}'"))));
                    }
                },
                Value::List(_) => return Err(FmtErr::Type),
                _ => return Err(FmtErr::Type),
            },
            None => next_arg(&mut used_arg)?,
        };
        let body = format_one(&spec, &arg)?;
        out.push_str(&body);
    }
    if !used_arg && !is_mapping {
        return Err(FmtErr::Type); // not all arguments converted
    }
    Ok(out)
}

/// Pads `body` (with its sign already in `sign`) to the spec's width.
fn pad_num(
    spec: &Spec,
    sign: &str,
    prefix: &str,
    digits: &str,
    zero_ok: bool,
) -> Result<String, FmtErr> {
    let width = spec.width.unwrap_or(0);
    let len = sign.chars().count() + prefix.len() + digits.chars().count();
    let fill = width.saturating_sub(len);
    let mut out =
        string_with_room(sign.len() + prefix.len() + digits.len() + fill).map_err(FmtErr::Other)?;
    let spaces = std::iter::repeat_n(' ', fill);
    if spec.minus {
        out.extend([sign, prefix, digits]);
        out.extend(spaces);
    } else if spec.zero && zero_ok {
        out.extend([sign, prefix]);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(digits);
    } else {
        out.extend(spaces);
        out.extend([sign, prefix, digits]);
    }
    Ok(out)
}

fn pad_text(spec: &Spec, text: &str) -> Result<String, FmtErr> {
    pad_num(spec, "", "", text, false)
}

fn sign_of(spec: &Spec, neg: bool) -> &'static str {
    if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

/// Python's `ascii()` of a repr.
fn ascii_repr(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let u = c as u32;
        if u < 0x80 {
            out.push(c);
        } else if u < 0x100 {
            out.push_str(&format!("\\x{u:02x}"));
        } else if u < 0x10000 {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push_str(&format!("\\U{u:08x}"));
        }
    }
    out
}

fn format_one(spec: &Spec, arg: &Value) -> Result<String, FmtErr> {
    match spec.conv {
        's' | 'r' | 'a' => {
            let mut text = match spec.conv {
                's' => py_str(arg).into_owned(),
                'r' => super::json::py_repr(arg),
                _ => ascii_repr(&super::json::py_repr(arg)),
            };
            if let Some(p) = spec.prec {
                text = text.chars().take(p).collect();
            }
            pad_text(spec, &text)
        }
        'd' | 'i' | 'u' => {
            let n: i128 = match arg {
                Value::Int(_) | Value::Bool(_) | Value::Float(_) | Value::Decimal(_) => {
                    match py_int(arg) {
                        Ok(n) => n,
                        Err(e) if e.kind() == ErrorKind::InvalidValue => return Err(FmtErr::Value),
                        Err(e) => return Err(FmtErr::Other(e)),
                    }
                }
                _ => return Err(FmtErr::Type),
            };
            let mut digits = n.unsigned_abs().to_string();
            if let Some(p) = spec.prec {
                while digits.len() < p {
                    digits.insert(0, '0');
                }
            }
            pad_num(spec, sign_of(spec, n < 0), "", &digits, true)
        }
        'x' | 'X' | 'o' => {
            let n: i128 = match arg {
                Value::Int(i) => *i as i128,
                Value::Bool(b) => *b as i128,
                _ => return Err(FmtErr::Type),
            };
            let mag = n.unsigned_abs();
            let mut digits = match spec.conv {
                'x' => format!("{mag:x}"),
                'X' => format!("{mag:X}"),
                _ => format!("{mag:o}"),
            };
            if let Some(p) = spec.prec {
                while digits.len() < p {
                    digits.insert(0, '0');
                }
            }
            let prefix = if spec.alt {
                match spec.conv {
                    'x' => "0x",
                    'X' => "0X",
                    _ => "0o",
                }
            } else {
                ""
            };
            pad_num(spec, sign_of(spec, n < 0), prefix, &digits, true)
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let f = match arg {
                Value::Int(_) | Value::Bool(_) | Value::Float(_) | Value::Decimal(_) => {
                    arg.as_f64().unwrap_or(0.0)
                }
                _ => return Err(FmtErr::Type),
            };
            let upper = spec.conv.is_ascii_uppercase();
            let neg = f.is_sign_negative() && !f.is_nan();
            let body = if f.is_nan() {
                "nan".to_string()
            } else if f.is_infinite() {
                "inf".to_string()
            } else {
                let prec = spec.prec.unwrap_or(6);
                // The precision sets the length: at most 309 integer digits
                // (or an exponent) besides the `prec` fraction digits.
                crate::filters::check_output_size(prec.saturating_add(320))
                    .map_err(FmtErr::Other)?;
                match spec.conv.to_ascii_lowercase() {
                    'e' => fmt_exp(f.abs(), prec, spec.alt),
                    'f' => {
                        let t = format!("{:.*}", prec, f.abs());
                        if spec.alt && prec == 0 {
                            format!("{t}.")
                        } else {
                            t
                        }
                    }
                    _ => fmt_general(f.abs(), prec, spec.alt),
                }
            };
            let body = if upper { body.to_uppercase() } else { body };
            pad_num(spec, sign_of(spec, neg), "", &body, true)
        }
        'c' => {
            let ch = match arg {
                Value::Int(i) => char::from_u32(u32::try_from(*i).map_err(|_| {
                    FmtErr::Other(other_error(
                        "OverflowError",
                        "%c arg not in range(0x110000)",
                    ))
                })?)
                .ok_or(FmtErr::Other(other_error(
                    "OverflowError",
                    "%c arg not in range(0x110000)",
                )))?,
                Value::Bool(b) => char::from_u32(*b as u32).unwrap_or('\0'),
                Value::Str(t) | Value::SafeStr(t) if t.chars().count() == 1 => {
                    t.chars().next().unwrap_or('\0')
                }
                _ => return Err(FmtErr::Type),
            };
            pad_text(spec, &ch.to_string())
        }
        _ => Err(FmtErr::Value),
    }
}

/// `%e` body for a non-negative finite float.
fn fmt_exp(f: f64, prec: usize, alt: bool) -> String {
    let t = format!("{:.*e}", prec, f);
    let (mant, exp) = t.split_once('e').unwrap_or((&t, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mant = if alt && prec == 0 {
        format!("{mant}.")
    } else {
        mant.to_string()
    };
    format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// `%g` body for a non-negative finite float.
fn fmt_general(f: f64, prec: usize, alt: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if f == 0.0 {
        return if alt {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".to_string()
        };
    }
    let e = format!("{:.*e}", p - 1, f);
    let exp: i32 = e.split_once('e').map_or(0, |(_, x)| x.parse().unwrap_or(0));
    let mut body = if exp >= -4 && exp < p as i32 {
        format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, f)
    } else {
        fmt_exp(f, p - 1, alt)
    };
    if !alt {
        if let Some(pos) = body.find('e') {
            let (m, x) = body.split_at(pos);
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            body = format!("{m}{x}");
        } else if body.contains('.') {
            body = body.trim_end_matches('0').trim_end_matches('.').to_string();
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sf(v: Value, arg: &str) -> String {
        stringformat(&v, Some(&Value::from(arg)), &FilterEnv::new(true))
            .unwrap()
            .to_string()
    }

    #[test]
    fn stringformat_like_python() {
        assert_eq!(sf(Value::Int(42), "05d"), "00042");
        assert_eq!(sf(Value::Float(3.14259), "05.2f"), "03.14");
        assert_eq!(sf(Value::Int(255), "#x"), "0xff");
        assert_eq!(sf(Value::Int(255), "E"), "2.550000E+02");
        assert_eq!(sf(Value::Float(-3.5), "G"), "-3.5");
        assert_eq!(sf(Value::Float(f64::NAN), "05.2f"), "00nan");
        assert_eq!(sf(Value::from("abc"), "d"), "");
        assert_eq!(sf(Value::Int(255), "%"), "");
        assert_eq!(sf(Value::Float(0.0001), "g"), "0.0001");
        assert_eq!(sf(Value::Float(1e20), "g"), "1e+20");
    }

    /// An object whose `str()` and `repr()` differ, optionally a tuple.
    #[derive(Debug)]
    struct Shown {
        tuple: bool,
    }

    impl platen_core::Object for Shown {
        fn get_attr(&self, _: &str) -> Option<Value> {
            None
        }
        fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(if self.tuple { "(1, 'a')" } else { "notes.txt" })
        }
        fn repr(&self) -> Option<String> {
            Some(
                if self.tuple {
                    "(1, 'a')"
                } else {
                    "<UploadedFile: notes.txt>"
                }
                .into(),
            )
        }
        fn is_tuple(&self) -> bool {
            self.tuple
        }
    }

    #[test]
    fn stringformat_of_objects_uses_repr_and_formats_a_tuples_text() {
        let file = Value::Object(std::sync::Arc::new(Shown { tuple: false }));
        assert_eq!(sf(file.clone(), "s"), "notes.txt");
        assert_eq!(sf(file.clone(), "r"), "<UploadedFile: notes.txt>");
        let pp = super::super::json::pprint(&file, None, &FilterEnv::new(true)).unwrap();
        assert_eq!(pp.to_string(), "<UploadedFile: notes.txt>");
        // Python: "%r" % str((1, 'a')).
        let tuple = Value::Object(std::sync::Arc::new(Shown { tuple: true }));
        assert_eq!(sf(tuple.clone(), "r"), "\"(1, 'a')\"");
        assert_eq!(sf(tuple, "s"), "(1, 'a')");
    }
}
