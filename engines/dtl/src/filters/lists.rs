//! Sequence and fallback filters: `default`, `default_if_none`, `dictsort`,
//! `first`, `last`, `join`, `length`, `make_list`, `random`, `slice`, `yesno`.

use std::cmp::Ordering;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use super::{
    FilterEnv, attribute_error, conditional_escape, other_error, parse_py_float, py_int, py_iter,
    py_len, py_str, py_type, s, safe, type_error,
};

fn req(arg: Option<&Value>) -> &Value {
    arg.unwrap_or(&Value::None)
}

/// `default`: the argument when the value is false.
pub fn default(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(if v.is_true() {
        v.clone()
    } else {
        req(arg).clone()
    })
}

/// `default_if_none`: the argument when the value is `None`.
pub fn default_if_none(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(if v.is_none() {
        req(arg).clone()
    } else {
        v.clone()
    })
}

/// How `dictsort` finds the sort key of an item.
enum Resolver {
    /// `operator.itemgetter(arg)` for an argument that converts to float.
    Item(Value),
    /// A dotted path of keys and attributes.
    Path(Vec<String>),
}

fn item_get(item: &Value, key: &Value) -> Result<Value, Error> {
    match (item, key) {
        (Value::Map(m), Value::Str(k) | Value::SafeStr(k)) => m
            .get(&**k)
            .cloned()
            .ok_or_else(|| other_error("KeyError", &key.repr())),
        (Value::Map(_), _) => Err(other_error("KeyError", &key.to_string())),
        (Value::List(_) | Value::Str(_) | Value::SafeStr(_), Value::Int(_) | Value::Bool(_)) => {
            let i = key.as_i64().unwrap_or(0);
            index(item, i).ok_or_else(|| other_error("IndexError", "index out of range"))
        }
        (Value::List(_) | Value::Str(_) | Value::SafeStr(_), _) => {
            Err(type_error("indices must be integers"))
        }
        (Value::Object(o), _) => o
            .get_item(key)
            .ok_or_else(|| other_error("KeyError", &key.repr())),
        _ => Err(type_error(format!(
            "'{}' object is not subscriptable",
            py_type(item)
        ))),
    }
}

/// Python's `seq[i]` for lists and strings (negative indexes count from the end).
fn index(v: &Value, i: i64) -> Option<Value> {
    match v {
        Value::List(l) => {
            let n = l.len() as i64;
            let j = if i < 0 { i + n } else { i };
            if (0..n).contains(&j) {
                Some(l[j as usize].clone())
            } else {
                None
            }
        }
        Value::Str(t) | Value::SafeStr(t) => {
            let chars: Vec<char> = t.chars().collect();
            let n = chars.len() as i64;
            let j = if i < 0 { i + n } else { i };
            if (0..n).contains(&j) {
                Some(Value::from(chars[j as usize].to_string()))
            } else {
                None
            }
        }
        _ => None,
    }
}

impl Resolver {
    fn new(arg: &Value) -> Result<Resolver, Error> {
        let floatable = match arg {
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Decimal(_) => true,
            Value::Str(t) | Value::SafeStr(t) => parse_py_float(t).is_some(),
            other => {
                return Err(type_error(format!(
                    "float() argument must be a string or a real number, not '{}'",
                    py_type(other)
                )));
            }
        };
        if floatable {
            return Ok(Resolver::Item(arg.clone()));
        }
        let text = py_str(arg);
        if text.is_empty() {
            // Django looks at `arg[0]`.
            return Err(other_error("IndexError", "string index out of range"));
        }
        if text.contains("._") || text.starts_with('_') {
            return Err(attribute_error("Access to private variables is forbidden."));
        }
        Ok(Resolver::Path(
            text.split('.').map(str::to_string).collect(),
        ))
    }

    fn resolve(&self, item: &Value) -> Result<Value, Error> {
        match self {
            Resolver::Item(key) => item_get(item, key),
            Resolver::Path(parts) => {
                let mut cur = item.clone();
                for part in parts {
                    let next = match &cur {
                        Value::Map(m) => m.get(part.as_str()).cloned(),
                        Value::Object(o) => o
                            .get_item(&Value::from(part.as_str()))
                            .or_else(|| o.get_attr(part)),
                        _ => None,
                    };
                    cur = next.ok_or_else(|| attribute_error(format!("no attribute '{part}'")))?;
                }
                Ok(cur)
            }
        }
    }
}

fn sort_by_key(v: &Value, arg: &Value, reverse: bool) -> Result<Value, Error> {
    let inner = || -> Result<Value, Error> {
        // Django builds the key function before it iterates the value.
        let resolver = Resolver::new(arg)?;
        let items = py_iter(v)?;
        let mut keyed: Vec<(Value, Value)> = Vec::with_capacity(items.len());
        for item in items {
            keyed.push((resolver.resolve(&item)?, item));
        }
        let mut failed = false;
        keyed.sort_by(|a, b| {
            let ord = match py_lt(&a.0, &b.0) {
                Some(o) => o,
                None => {
                    failed = true;
                    Ordering::Equal
                }
            };
            if reverse { ord.reverse() } else { ord }
        });
        if failed && keyed.len() > 1 {
            return Err(type_error("'<' not supported"));
        }
        Ok(Value::List(Arc::new(
            keyed.into_iter().map(|(_, item)| item).collect(),
        )))
    };
    match inner() {
        Ok(v) => Ok(v),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::InvalidType | ErrorKind::InvalidAttribute
            ) =>
        {
            Ok(s(""))
        }
        Err(e) => Err(e),
    }
}

/// Python's ordering of two sort keys, `None` where Python raises `TypeError`.
fn py_lt(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                if p == q {
                    continue;
                }
                return py_lt(p, q);
            }
            Some(x.len().cmp(&y.len()))
        }
        (Value::Float(x), _) | (_, Value::Float(x)) if x.is_nan() => Some(Ordering::Equal),
        _ => a.partial_cmp_py(b),
    }
}

/// `dictsort`: sorts a list by a key, index or attribute path.
pub fn dictsort(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    sort_by_key(v, req(arg), false)
}

/// `dictsortreversed`: like `dictsort`, in reverse order.
pub fn dictsortreversed(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    sort_by_key(v, req(arg), true)
}

fn subscript(v: &Value, i: i64) -> Result<Value, Error> {
    match v {
        Value::List(_) | Value::Str(_) | Value::SafeStr(_) => {
            Ok(index(v, i).unwrap_or_else(|| s("")))
        }
        Value::Map(_) => Err(other_error("KeyError", &i.to_string())),
        Value::Object(o) => o
            .get_item(&Value::Int(i))
            .ok_or_else(|| other_error("KeyError", &i.to_string())),
        other => Err(type_error(format!(
            "'{}' object is not subscriptable",
            py_type(other)
        ))),
    }
}

/// `first`: the first item, or `""` for an empty sequence.
pub fn first(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    subscript(v, 0)
}

/// `last`: the last item, or `""` for an empty sequence.
pub fn last(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    subscript(v, -1)
}

/// `join`: joins the items with the argument, escaping both when
/// autoescaping is on; the result is safe.
pub fn join(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let sep = req(arg);
    // A string joins its characters, without making each a value first (a
    // long separator multiplies the text, and a chain of joins with it).
    if let (Value::Str(text) | Value::SafeStr(text), Some(sep_text)) = (v, sep.as_str()) {
        return join_chars(text, sep, sep_text, env);
    }
    let Ok(items) = py_iter(v) else {
        if !env.autoescape && sep.as_str().is_none() {
            return Err(attribute_error(format!(
                "'{}' object has no attribute 'join'",
                py_type(sep)
            )));
        }
        return Ok(v.clone());
    };
    if env.autoescape {
        let sep = conditional_escape(sep);
        let parts: Vec<String> = items.iter().map(conditional_escape).collect();
        check_joined(&parts, &sep, env)?;
        return Ok(safe(parts.join(&sep)));
    }
    let Some(sep) = sep.as_str() else {
        return Err(attribute_error(format!(
            "'{}' object has no attribute 'join'",
            py_type(sep)
        )));
    };
    let mut parts: Vec<&str> = Vec::with_capacity(items.len());
    for item in &items {
        match item.as_str() {
            Some(t) => parts.push(t),
            None => return Ok(v.clone()),
        }
    }
    check_joined(&parts, sep, env)?;
    Ok(safe(parts.join(sep)))
}

/// Python's `MemoryError` when joining `parts` with `sep` would pass the
/// most one filter writes.
fn check_joined<S: AsRef<str>>(parts: &[S], sep: &str, env: &FilterEnv) -> Result<(), Error> {
    let text: usize = parts
        .iter()
        .map(|p| p.as_ref().len())
        .fold(0, usize::saturating_add);
    env.check_size(text.saturating_add(sep.len().saturating_mul(parts.len().saturating_sub(1))))
}

/// `join` of a string's characters: the same text as joining the list of
/// its characters, written in one pass.
fn join_chars(text: &str, sep: &Value, sep_text: &str, env: &FilterEnv) -> Result<Value, Error> {
    let sep_out = if env.autoescape {
        conditional_escape(sep)
    } else {
        sep_text.to_owned()
    };
    let chars = text.chars().count();
    env.check_size(
        text.len()
            .saturating_mul(if env.autoescape { 6 } else { 1 })
            .saturating_add(sep_out.len().saturating_mul(chars.saturating_sub(1))),
    )?;
    let mut out = String::with_capacity(text.len() + sep_out.len() * chars.saturating_sub(1));
    let mut buf = [0u8; 4];
    for (i, c) in text.chars().enumerate() {
        if i > 0 {
            out.push_str(&sep_out);
        }
        // Each character is a string of its own, unsafe whatever the text was
        // (Django iterates a str into plain strs): escaped when autoescaping.
        let ch: &str = c.encode_utf8(&mut buf);
        if env.autoescape {
            crate::escape::escape_html_into(&mut out, ch);
        } else {
            out.push_str(ch);
        }
    }
    Ok(safe(out))
}

/// `length`: `len(value)`, or 0 for values without a length.
pub fn length(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(Value::Int(v.len().unwrap_or(0) as i64))
}

/// `make_list`: the characters of `str(value)`.
pub fn make_list(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    // Each character becomes a value of its own: far more memory than text.
    let item = std::mem::size_of::<Value>() + 24;
    env.check_size(text.chars().count().saturating_mul(item))?;
    Ok(Value::List(Arc::new(
        text.chars().map(|c| s(c.to_string())).collect(),
    )))
}

/// `random`: a random item.
pub fn random(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let n = py_len(v)?;
    if n == 0 {
        return Ok(s(""));
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(n);
    let i = (h.finish() % n as u64) as i64;
    subscript(v, i)
}

/// Python's slice indices for a sequence of length `n`.
fn slice_indices(n: i64, start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<usize> {
    let mut out = Vec::new();
    if step > 0 {
        let clamp = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) };
        let a = start.map_or(0, clamp);
        let b = stop.map_or(n, clamp);
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let clamp = |x: i64| if x < 0 { (x + n).max(-1) } else { x.min(n - 1) };
        let a = start.map_or(n - 1, clamp);
        let b = stop.map_or(-1, clamp);
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

/// `slice`: Python slicing with the `start:stop:step` argument.
pub fn slice(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let spec = py_str(req(arg)).into_owned();
    let mut bits: Vec<Option<i64>> = Vec::new();
    for part in spec.split(':') {
        if part.is_empty() {
            bits.push(None);
        } else {
            match py_int(&Value::from(part)) {
                Ok(n) => bits.push(Some(n.clamp(i64::MIN as i128, i64::MAX as i128) as i64)),
                Err(_) => return Ok(v.clone()),
            }
        }
    }
    let (start, stop, step) = match bits.len() {
        1 => (None, bits[0], None),
        2 => (bits[0], bits[1], None),
        3 => (bits[0], bits[1], bits[2]),
        _ => return Ok(v.clone()),
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Ok(v.clone());
    }
    match v {
        Value::List(l) => {
            let idx = slice_indices(l.len() as i64, start, stop, step);
            Ok(Value::List(Arc::new(
                idx.into_iter().map(|i| l[i].clone()).collect(),
            )))
        }
        Value::Str(t) | Value::SafeStr(t) => {
            let chars: Vec<char> = t.chars().collect();
            let idx = slice_indices(chars.len() as i64, start, stop, step);
            Ok(s(idx.into_iter().map(|i| chars[i]).collect::<String>()))
        }
        _ => Ok(v.clone()),
    }
}

/// `yesno`: maps true, false and (optionally) `None` to the argument's words.
pub fn yesno(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let default = Value::from(&*env.gettext("yes,no,maybe")?);
    // Django: `if arg is None`, so a variable holding None gives the default.
    let a = match arg {
        None | Some(Value::None) => &default,
        Some(a) => a,
    };
    let Some(text) = a.as_str() else {
        return Err(attribute_error(format!(
            "'{}' object has no attribute 'split'",
            py_type(a)
        )));
    };
    let bits: Vec<&str> = text.split(',').collect();
    if bits.len() < 2 {
        return Ok(v.clone());
    }
    let (yes, no, maybe) = if bits.len() == 3 {
        (bits[0], bits[1], bits[2])
    } else {
        (bits[0], bits[1], bits[1])
    };
    Ok(s(if v.is_none() {
        maybe
    } else if v.is_true() {
        yes
    } else {
        no
    }))
}
