//! The data a template is rendered with.

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Map, Value, to_value};

/// The variables of a render: an ordered map from names to [`Value`]s.
///
/// Build one from any `serde::Serialize` struct or map
/// ([`Context::from_serialize`]), or insert values one by one. Context
/// processors add to it per request; engines read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    vars: Map,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Builds a context from a serializable map or struct.
    ///
    /// Fails when `data` is not a map or struct at its top level.
    pub fn from_serialize<T: serde::Serialize + ?Sized>(data: &T) -> Result<Context> {
        match to_value(data)? {
            Value::Map(map) => Ok(Context {
                vars: Arc::unwrap_or_clone(map),
            }),
            Value::None => Ok(Context::new()),
            other => Err(Error::new(
                ErrorKind::InvalidType,
                format!(
                    "a context must be a map or a struct, not a {}",
                    other.kind_name()
                ),
            )),
        }
    }

    /// Sets `name` to `value`, replacing an earlier value; returns `self` for chaining.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Context {
        self.insert(name, value);
        self
    }

    /// Sets `name` to `value`, replacing an earlier value.
    pub fn insert(&mut self, name: &str, value: impl Into<Value>) {
        self.vars.insert(Arc::from(name), value.into());
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        crate::value::map_get(&self.vars, name)
    }

    /// Whether `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.vars.shift_remove(name)
    }

    /// Adds every variable of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: Context) {
        self.vars.extend(other.vars);
    }

    /// The variables in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.vars.iter().map(|(k, v)| (&**k, v))
    }

    /// The number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The variables as a map.
    pub fn as_map(&self) -> &Map {
        &self.vars
    }

    /// The context as one map value.
    pub fn into_value(self) -> Value {
        Value::Map(Arc::new(self.vars))
    }
}

impl serde::Serialize for Context {
    /// A context serializes as a map of its variables, in order.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.vars.len()))?;
        for (k, v) in &self.vars {
            map.serialize_entry(&**k, v)?;
        }
        map.end()
    }
}

impl From<Map> for Context {
    fn from(vars: Map) -> Context {
        Context { vars }
    }
}

impl<K: AsRef<str>, V: Into<Value>> FromIterator<(K, V)> for Context {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Context {
        let mut ctx = Context::new();
        for (k, v) in iter {
            ctx.insert(k.as_ref(), v);
        }
        ctx
    }
}

/// Builds a [`Context`] from `name => value` pairs; values are anything
/// `Into<Value>`.
///
/// ```
/// let ctx = platen_core::context! { title => "Hello", count => 3 };
/// assert_eq!(ctx.len(), 2);
/// ```
#[macro_export]
macro_rules! context {
    () => { $crate::Context::new() };
    ($($name:ident => $value:expr),+ $(,)?) => {{
        let mut ctx = $crate::Context::new();
        $( ctx.insert(stringify!($name), $value); )+
        ctx
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_struct_keeps_field_order() {
        #[derive(serde::Serialize)]
        struct Page {
            z: i32,
            a: &'static str,
        }
        let ctx = Context::from_serialize(&Page { z: 1, a: "x" }).unwrap();
        let names: Vec<&str> = ctx.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["z", "a"]);
    }

    #[test]
    fn from_non_map_is_an_error() {
        let err = Context::from_serialize(&[1, 2]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidType);
        assert!(err.to_string().contains("not a list"), "{err}");
    }
}
