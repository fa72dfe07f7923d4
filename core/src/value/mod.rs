//! Engine-neutral template data.
//!
//! [`Value`] is a small enum (24 bytes): scalars inline, strings as `Arc<str>`
//! (with a separate variant for strings marked safe), lists and ordered maps as
//! `Arc`-shared containers, so cloning a value never copies a string or a
//! container. Any `serde::Serialize` converts to a `Value` through our own
//! serializer ([`Value::from_serialize`]) without a JSON round trip, and a
//! `Value` placed inside a serialized struct keeps its exact form (safe marks,
//! dates, objects).

mod decimal;
mod display;
mod identity;
mod object;
mod ser;

use std::cmp::Ordering;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

pub use decimal::Decimal;
pub use identity::Identity;
pub use object::Object;
pub use ser::{ValueSerializer, to_value};

/// The map type of [`Value::Map`]: keeps insertion order.
pub type Map = indexmap::IndexMap<Arc<str>, Value, ahash::RandomState>;

/// The value of `key` in `map`. Small maps (the common shape of a template
/// context's records) are scanned, which is cheaper than hashing the key;
/// larger ones are looked up by hash.
#[inline]
pub fn map_get<'a>(map: &'a Map, key: &str) -> Option<&'a Value> {
    if map.len() <= 8 {
        map.iter().find(|(k, _)| &***k == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// A timezone-aware datetime with a fixed UTC offset and the zone's name
/// (printed by the `e` and `T` date format characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwareDateTime {
    /// The instant, with its offset.
    pub datetime: DateTime<FixedOffset>,
    /// The zone's name (`UTC`, `+0315`, `America/Chicago`, ...).
    pub tz_name: Arc<str>,
}

/// A template value.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Python's `None`; also what a missing optional renders as.
    #[default]
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string, escaped on output when autoescaping is on.
    Str(Arc<str>),
    /// A string marked safe (`mark_safe`): never escaped again.
    SafeStr(Arc<str>),
    /// A list.
    List(Arc<Vec<Value>>),
    /// An ordered map with string keys.
    Map(Arc<Map>),
    /// An exact decimal number (Python's `decimal.Decimal`).
    Decimal(Arc<Decimal>),
    /// A calendar date.
    Date(NaiveDate),
    /// A datetime without a timezone.
    DateTime(NaiveDateTime),
    /// A datetime with a fixed offset and zone name.
    AwareDateTime(Arc<AwareDateTime>),
    /// A time of day without a timezone.
    Time(NaiveTime),
    /// A dynamic object: attribute lookup, optional iteration, optional cache identity.
    Object(Arc<dyn Object>),
}

impl Value {
    /// A string marked safe: it is written as it is, never escaped.
    pub fn safe(s: impl Into<Arc<str>>) -> Value {
        Value::SafeStr(s.into())
    }

    /// Converts any `serde::Serialize` into a value, without a JSON round trip.
    ///
    /// Fails when a map key is not text or a `Serialize` impl reports an error.
    pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> crate::Result<Value> {
        to_value(value)
    }

    /// Wraps a dynamic object.
    pub fn from_object(obj: impl Object + 'static) -> Value {
        Value::Object(Arc::new(obj))
    }

    /// Python's truthiness: `None`, `False`, zero, empty strings and empty
    /// containers are false; an object decides for itself.
    pub fn is_true(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::SafeStr(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Decimal(d) => !d.is_zero(),
            Value::Date(_) | Value::DateTime(_) | Value::AwareDateTime(_) => true,
            // Python: a time is always true since 3.5.
            Value::Time(_) => true,
            Value::Object(o) => o.is_true(),
        }
    }

    /// Whether the value is `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// Whether the value is marked safe (a safe string, or an object that says so).
    pub fn is_safe(&self) -> bool {
        match self {
            Value::SafeStr(_) => true,
            Value::Object(o) => o.is_safe(),
            _ => false,
        }
    }

    /// The string, for either string variant.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::SafeStr(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, for `Int` and `Bool` (Python's `bool` is an `int`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The number as a float, for ints, floats, decimals and bools.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Bool(b) => Some(*b as i64 as f64),
            Value::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }

    /// The list items, for lists.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The map, for maps.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The object, for dynamic objects.
    pub fn as_object(&self) -> Option<&Arc<dyn Object>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The number of items of a string (in characters), list, map or object.
    pub fn len(&self) -> Option<usize> {
        match self {
            Value::Str(s) | Value::SafeStr(s) => Some(s.chars().count()),
            Value::List(l) => Some(l.len()),
            Value::Map(m) => Some(m.len()),
            Value::Object(o) => o.len(),
            _ => None,
        }
    }

    /// Whether the value has a length of zero (`None` for values without a length).
    pub fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }

    /// Looks up `key` as a map key or object item (Django's first lookup).
    pub fn get_item(&self, key: &str) -> Option<Value> {
        match self {
            Value::Map(m) => m.get(key).cloned(),
            Value::Object(o) => o.get_item(&Value::from(key)),
            _ => None,
        }
    }

    /// Looks up an attribute of an object (Django's second lookup).
    pub fn get_attr(&self, name: &str) -> Option<Value> {
        match self {
            Value::Object(o) => o.get_attr(name),
            _ => None,
        }
    }

    /// Looks up a list (or object) index (Django's third lookup). Negative
    /// indexes are not allowed, as in Django's variable syntax.
    pub fn get_index(&self, index: usize) -> Option<Value> {
        match self {
            Value::List(l) => l.get(index).cloned(),
            Value::Object(o) => o.get_item(&Value::Int(index as i64)),
            _ => None,
        }
    }

    /// Django's variable lookup for one path segment: map key (or object
    /// item), then attribute, then list index when the segment is a number.
    pub fn lookup(&self, segment: &str) -> Option<Value> {
        if let Some(v) = self.get_item(segment) {
            return Some(v);
        }
        if let Some(v) = self.get_attr(segment) {
            return Some(v);
        }
        match segment.parse::<usize>() {
            Ok(i) if !segment.starts_with('+') => self.get_index(i),
            _ => None,
        }
    }

    /// Iterates a list, the keys of a map, the characters of a string or the
    /// items of an iterable object. `None` for values that are not iterable.
    pub fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        match self {
            Value::List(l) => Some(Box::new(l.iter().cloned())),
            Value::Map(m) => Some(Box::new(m.keys().map(|k| Value::Str(k.clone())))),
            Value::Str(s) | Value::SafeStr(s) => Some(Box::new(
                s.chars().map(|c| Value::Str(Arc::from(c.to_string()))),
            )),
            Value::Object(o) => o.try_iter(),
            _ => None,
        }
    }

    /// The cache identity of an object that has one (`post:42`), used to
    /// record fragment-cache dependencies.
    pub fn cache_identity(&self) -> Option<String> {
        match self {
            Value::Object(o) => o.cache_identity(),
            _ => None,
        }
    }

    /// A short name of the value's type, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) | Value::SafeStr(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Decimal(_) => "decimal",
            Value::Date(_) => "date",
            Value::DateTime(_) | Value::AwareDateTime(_) => "datetime",
            Value::Time(_) => "time",
            Value::Object(_) => "object",
        }
    }

    /// Python's ordering where Python defines one (numbers with numbers,
    /// strings with strings, lists element-wise, dates with dates); `None`
    /// where Python would raise `TypeError`.
    pub fn partial_cmp_py(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (Str(a) | SafeStr(a), Str(b) | SafeStr(b)) => Some(a.cmp(b)),
            (List(a), List(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.partial_cmp_py(y)? {
                        Ordering::Equal => continue,
                        other => return Some(other),
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (DateTime(a), DateTime(b)) => Some(a.cmp(b)),
            (AwareDateTime(a), AwareDateTime(b)) => Some(a.datetime.cmp(&b.datetime)),
            (Time(a), Time(b)) => Some(a.cmp(b)),
            (Decimal(a), Decimal(b)) => a.partial_cmp(b),
            _ => match (self.number(), other.number()) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => Option::None,
            },
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Decimal(_) => self.as_f64(),
            _ => None,
        }
    }
}

impl PartialEq for Value {
    /// Python's `==`: numbers compare across types, strings ignore the safe
    /// mark, containers compare by content, objects by identity.
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Str(a) | SafeStr(a), Str(b) | SafeStr(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Map(a), Map(b)) => a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v)),
            (Date(a), Date(b)) => a == b,
            (DateTime(a), DateTime(b)) => a == b,
            (AwareDateTime(a), AwareDateTime(b)) => a.datetime == b.datetime,
            (Time(a), Time(b)) => a == b,
            (Decimal(a), Decimal(b)) => a.partial_cmp(b) == Some(Ordering::Equal),
            (Object(a), Object(b)) => Arc::ptr_eq(a, b),
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            _ => match (self.number(), other.number()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { Value::Int(v as i64) }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, isize);

impl From<u64> for Value {
    /// Integers past `i64::MAX` stay exact, as a [`Decimal`] with no places
    /// (Python's `int` has no bound; a float would print `1.8446744073709552e19`).
    fn from(v: u64) -> Value {
        i64::try_from(v).map_or_else(|_| Value::big_int(v), Value::Int)
    }
}

impl Value {
    /// An integer too big for [`Value::Int`]: its exact digits as a [`Decimal`].
    pub(crate) fn big_int(n: impl std::fmt::Display) -> Value {
        let text = n.to_string();
        match text.parse::<Decimal>() {
            Ok(d) => Value::Decimal(Arc::new(d)),
            // Cannot happen for an integer's digits; a float keeps the magnitude.
            Err(_) => Value::Float(text.parse().unwrap_or(f64::NAN)),
        }
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::from(v as u64)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Float(v as f64)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(Arc::from(v))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(Arc::from(v))
    }
}

impl From<Arc<str>> for Value {
    fn from(v: Arc<str>) -> Value {
        Value::Str(v)
    }
}

impl From<Decimal> for Value {
    fn from(v: Decimal) -> Value {
        Value::Decimal(Arc::new(v))
    }
}

impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Value {
        Value::Date(v)
    }
}

impl From<NaiveDateTime> for Value {
    fn from(v: NaiveDateTime) -> Value {
        Value::DateTime(v)
    }
}

impl From<NaiveTime> for Value {
    fn from(v: NaiveTime) -> Value {
        Value::Time(v)
    }
}

impl From<AwareDateTime> for Value {
    fn from(v: AwareDateTime) -> Value {
        Value::AwareDateTime(Arc::new(v))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(Arc::new(v.into_iter().map(Into::into).collect()))
    }
}

impl From<Map> for Value {
    fn from(v: Map) -> Value {
        Value::Map(Arc::new(v))
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Value {
        Value::List(Arc::new(iter.into_iter().map(Into::into).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn integers_past_i64_stay_exact() {
        assert_eq!(Value::from(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Value::from(i64::MAX as u64), Value::Int(i64::MAX));
        let big = to_value(&(-(1i128 << 100))).unwrap();
        assert_eq!(big.to_string(), "-1267650600228229401496703205376");
        assert!(big.is_true());
        // JSON data: serde_json hands its u64 over as is.
        assert_eq!(
            to_value(&serde_json::json!(18446744073709551615u64))
                .unwrap()
                .to_string(),
            "18446744073709551615"
        );
    }

    #[test]
    fn truthiness_follows_python() {
        assert!(!Value::None.is_true());
        assert!(!Value::from("").is_true());
        assert!(Value::from("x").is_true());
        assert!(!Value::from(0).is_true());
        assert!(!Value::from(Vec::<i64>::new()).is_true());
        assert!(Value::from(vec![1]).is_true());
        assert!(!Value::from("0.00".parse::<Decimal>().unwrap()).is_true());
    }

    #[test]
    fn equality_crosses_number_types_and_safety() {
        assert_eq!(Value::from(1), Value::from(1.0));
        assert_eq!(Value::from(true), Value::from(1));
        assert_eq!(Value::from("a"), Value::safe("a"));
        assert_ne!(Value::from("1"), Value::from(1));
    }

    #[test]
    fn lookup_order_is_key_then_attr_then_index() {
        let list = Value::from(vec!["a", "b"]);
        assert_eq!(list.lookup("1"), Some(Value::from("b")));
        assert_eq!(list.lookup("2"), None);
        let map: Map = [(Arc::from("1"), Value::from("key"))].into_iter().collect();
        assert_eq!(Value::from(map).lookup("1"), Some(Value::from("key")));
    }
}
