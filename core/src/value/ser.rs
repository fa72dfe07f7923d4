//! `serde` support: any `Serialize` becomes a [`Value`] directly, and a
//! `Value` serializes as plain data for other serializers.
//!
//! A `Value` nested inside a serialized struct keeps its exact form (a safe
//! string stays safe, a date stays a date, an object stays an object): while
//! our serializer runs, `Value`'s `Serialize` impl parks the value in a
//! thread-local table and emits a marker that our serializer takes back.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;

use serde::ser::{self, Serialize, SerializeMap as _, SerializeSeq as _};

use super::{Map, Value, display::write_py_float};
use crate::error::{Error, ErrorKind};

const HANDLE_MARKER: &str = "\u{1}platen::value::handle";

thread_local! {
    static INTERNAL: Cell<bool> = const { Cell::new(false) };
    static HANDLES: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
}

/// Converts any `Serialize` into a [`Value`].
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    let was_internal = INTERNAL.with(|flag| flag.replace(true));
    let result = value.serialize(ValueSerializer);
    INTERNAL.with(|flag| flag.set(was_internal));
    if !was_internal {
        HANDLES.with(|h| h.borrow_mut().clear());
    }
    result.map_err(|e| {
        Error::new(
            ErrorKind::InvalidValue,
            format!("cannot convert to a template value: {}", e.0),
        )
    })
}

/// The error of [`ValueSerializer`].
#[derive(Debug)]
pub struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> SerError {
        SerError(msg.to_string())
    }
}

/// A `serde::Serializer` whose output is a [`Value`].
#[derive(Debug, Clone, Copy)]
pub struct ValueSerializer;

type R = Result<Value, SerError>;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SerError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantSeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantMapBuilder;

    fn serialize_bool(self, v: bool) -> R {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> R {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> R {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> R {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> R {
        Ok(Value::Int(v))
    }
    fn serialize_i128(self, v: i128) -> R {
        Ok(i64::try_from(v).map_or_else(|_| Value::big_int(v), Value::Int))
    }
    fn serialize_u8(self, v: u8) -> R {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> R {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> R {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> R {
        Ok(Value::from(v))
    }
    fn serialize_u128(self, v: u128) -> R {
        Ok(i64::try_from(v).map_or_else(|_| Value::big_int(v), Value::Int))
    }
    fn serialize_f32(self, v: f32) -> R {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> R {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> R {
        Ok(Value::Str(Arc::from(v.encode_utf8(&mut [0; 4]) as &str)))
    }
    fn serialize_str(self, v: &str) -> R {
        Ok(Value::Str(Arc::from(v)))
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        Ok(Value::List(Arc::new(
            v.iter().map(|&b| Value::Int(b.into())).collect(),
        )))
    }
    fn serialize_none(self) -> R {
        Ok(Value::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(Value::None)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R {
        Ok(Value::None)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> R {
        Ok(Value::Str(Arc::from(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> R {
        if name == HANDLE_MARKER {
            let Value::Int(id) = value.serialize(self)? else {
                return Err(SerError("bad value handle".into()));
            };
            return HANDLES.with(|h| {
                h.borrow_mut()
                    .get_mut(id as usize)
                    .map(std::mem::take)
                    .ok_or_else(|| SerError("bad value handle".into()))
            });
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        let mut map = Map::default();
        map.insert(Arc::from(variant), value.serialize(self)?);
        Ok(Value::Map(Arc::new(map)))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(4096))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSeqBuilder, SerError> {
        Ok(VariantSeqBuilder(variant, self.serialize_seq(Some(len))?))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, SerError> {
        let mut map = Map::default();
        map.reserve(len.unwrap_or(0).min(4096));
        Ok(MapBuilder { map, key: None })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, SerError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantMapBuilder, SerError> {
        Ok(VariantMapBuilder(variant, self.serialize_map(Some(len))?))
    }
}

/// Builds a list.
#[doc(hidden)]
pub struct SeqBuilder(Vec<Value>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.0.push(value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Value::List(Arc::new(self.0)))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

/// Builds `{variant: [items]}`.
#[doc(hidden)]
pub struct VariantSeqBuilder(&'static str, SeqBuilder);

impl ser::SerializeTupleVariant for VariantSeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.1, value)
    }
    fn end(self) -> R {
        let mut map = Map::default();
        map.insert(Arc::from(self.0), ser::SerializeSeq::end(self.1)?);
        Ok(Value::Map(Arc::new(map)))
    }
}

/// Builds a map.
#[doc(hidden)]
pub struct MapBuilder {
    map: Map,
    key: Option<Arc<str>>,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.key = Some(map_key(key.serialize(ValueSerializer)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerError("map value without a key".into()))?;
        self.map.insert(key, value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Value::Map(Arc::new(self.map)))
    }
}

/// Map keys must be text; numbers and booleans are turned into their text.
fn map_key(key: Value) -> Result<Arc<str>, SerError> {
    match key {
        Value::Str(s) | Value::SafeStr(s) => Ok(s),
        Value::Int(_) | Value::Bool(_) | Value::Float(_) | Value::Decimal(_) | Value::None => {
            Ok(Arc::from(key.to_string()))
        }
        other => Err(SerError(format!(
            "a map key must be a string, not a {}",
            other.kind_name()
        ))),
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.map
            .insert(Arc::from(key), value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Value::Map(Arc::new(self.map)))
    }
}

/// Builds `{variant: {fields}}`.
#[doc(hidden)]
pub struct VariantMapBuilder(&'static str, MapBuilder);

impl ser::SerializeStructVariant for VariantMapBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.1, key, value)
    }
    fn end(self) -> R {
        let mut map = Map::default();
        map.insert(Arc::from(self.0), Value::Map(Arc::new(self.1.map)));
        Ok(Value::Map(Arc::new(map)))
    }
}

impl Serialize for Value {
    /// Inside our own serializer a value passes through unchanged; for any
    /// other serializer it is plain data (strings, numbers, lists, maps; dates
    /// as ISO 8601 text, decimals as their text, objects through their
    /// attribute names or items, else their text).
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if INTERNAL.with(Cell::get) {
            let id = HANDLES.with(|h| {
                let mut h = h.borrow_mut();
                h.push(self.clone());
                h.len() - 1
            });
            return serializer.serialize_newtype_struct(HANDLE_MARKER, &(id as i64));
        }
        match self {
            Value::None => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Str(s) | Value::SafeStr(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map.iter() {
                    m.serialize_entry(&**k, v)?;
                }
                m.end()
            }
            Value::Decimal(d) => serializer.collect_str(d),
            Value::Date(d) => serializer.collect_str(&d.format("%Y-%m-%d")),
            Value::DateTime(dt) => serializer.collect_str(&dt.format("%Y-%m-%dT%H:%M:%S%.f")),
            Value::AwareDateTime(a) => serializer.collect_str(&a.datetime.to_rfc3339()),
            Value::Time(t) => serializer.collect_str(&t.format("%H:%M:%S%.f")),
            Value::Object(o) => {
                if let Some(names) = o.attr_names() {
                    let names: Vec<_> = names.into_iter().filter(|n| !o.alters_data(n)).collect();
                    let mut m = serializer.serialize_map(Some(names.len()))?;
                    for name in names {
                        m.serialize_entry(&*name, &o.get_attr(&name).unwrap_or_default())?;
                    }
                    m.end()
                } else if let Some(iter) = o.try_iter() {
                    let items: Vec<Value> = iter.collect();
                    items.serialize(serializer)
                } else {
                    serializer.collect_str(self)
                }
            }
        }
    }
}

impl Value {
    /// Python's `repr` of a float (`1.0`, `1e+16`), for engines that print floats.
    pub fn py_float(x: f64) -> String {
        let mut s = String::new();
        let _ = write_py_float(&mut s, x);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Post {
        title: String,
        tags: Vec<&'static str>,
        body: Value,
        score: Option<u32>,
    }

    #[test]
    fn structs_become_ordered_maps_and_keep_nested_values() {
        let post = Post {
            title: "<b>".into(),
            tags: vec!["a", "b"],
            body: Value::safe("<p>hi</p>"),
            score: None,
        };
        let v = to_value(&post).unwrap();
        let map = v.as_map().unwrap();
        let keys: Vec<&str> = map.keys().map(|k| &**k).collect();
        assert_eq!(keys, ["title", "tags", "body", "score"]);
        assert!(matches!(map["body"], Value::SafeStr(_)), "safe mark kept");
        assert_eq!(map["score"], Value::None);
        assert_eq!(map["tags"].as_list().unwrap().len(), 2);
    }

    #[test]
    fn plain_serializers_see_plain_data() {
        let v = to_value(&serde_json::json!({"a": [1, 2.5, "x", null], "b": true})).unwrap();
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"a":[1,2.5,"x",null],"b":true}"#);
    }

    #[test]
    fn non_text_map_keys_are_reported() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1], 2);
        let err = to_value(&m).unwrap_err();
        assert!(
            err.to_string().contains("map key must be a string"),
            "{err}"
        );
        let mut ok = std::collections::BTreeMap::new();
        ok.insert(7, "seven");
        assert_eq!(
            to_value(&ok).unwrap().get_item("7"),
            Some(Value::from("seven"))
        );
    }
}
