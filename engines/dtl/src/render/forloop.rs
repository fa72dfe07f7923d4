//! `forloop`: the live slot a running `{% for %}` keeps in the context, and
//! the snapshot object a lookup turns it into.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use platen_core::{Object, Value};

use crate::expr::LoopField;

/// `forloop`: built lazily from the loop position.
#[derive(Debug)]
pub(crate) struct ForLoop {
    pub(crate) i: usize,
    pub(crate) len: usize,
    pub(crate) parent: Value,
}

impl ForLoop {
    fn field(&self, name: &str) -> Option<Value> {
        match LoopField::parse(name) {
            Some(f) => Some(f.value(self.i, self.len)),
            None => (name == "parentloop").then(|| self.parent.clone()),
        }
    }
}

impl Object for ForLoop {
    fn get_attr(&self, _: &str) -> Option<Value> {
        None
    }
    fn get_item(&self, key: &Value) -> Option<Value> {
        key.as_str().and_then(|k| self.field(k))
    }
    fn len(&self) -> Option<usize> {
        Some(7)
    }
    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        let keys = [
            "parentloop",
            "counter0",
            "counter",
            "revcounter",
            "revcounter0",
            "first",
            "last",
        ];
        Some(Box::new(keys.into_iter().map(Value::from)))
    }
    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{'parentloop': {}", self.parent.repr())?;
        for k in [
            "counter0",
            "counter",
            "revcounter",
            "revcounter0",
            "first",
            "last",
        ] {
            write!(f, ", '{k}': {}", self.field(k).unwrap_or_default().repr())?;
        }
        f.write_str("}")
    }
}

/// The `forloop` slot of a running loop: one per loop, its position updated
/// in place each iteration. It never leaves the context stack: a lookup
/// turns it into a [`ForLoop`] snapshot (see [`materialize`]).
#[derive(Debug)]
pub(crate) struct LiveLoop {
    pub(crate) i: AtomicUsize,
    pub(crate) len: usize,
    pub(crate) parent: Value,
    /// The snapshot of iteration `.0`: lookups in one iteration share it, so
    /// `forloop is forloop` holds as in Django.
    pub(crate) made: std::sync::Mutex<Option<(usize, Value)>>,
}

impl Object for LiveLoop {
    fn get_attr(&self, _: &str) -> Option<Value> {
        None
    }
}

/// A context slot's value as a lookup sees it: a live `forloop` becomes a snapshot.
#[inline]
pub(crate) fn materialize(v: &Value) -> Value {
    if let Value::Object(o) = v
        && let Some(l) = o.downcast_ref::<LiveLoop>()
    {
        let i = l.i.load(Ordering::Relaxed);
        let mut made = l
            .made
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, v)) = &*made
            && *at == i
        {
            return v.clone();
        }
        let v = Value::from_object(ForLoop {
            i,
            len: l.len,
            parent: l.parent.clone(),
        });
        *made = Some((i, v.clone()));
        return v;
    }
    v.clone()
}

/// The name `forloop`, shared.
pub(crate) static FORLOOP: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("forloop"));
/// An empty map (the outermost loop's `parentloop`), shared.
pub(crate) static EMPTY_MAP: LazyLock<Value> =
    LazyLock::new(|| Value::from(platen_core::value::Map::default()));
