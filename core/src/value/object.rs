//! Dynamic objects: values computed on lookup (a model instance, a lazy query).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::Value;

/// A dynamic object in a template context.
///
/// Only [`Object::get_attr`] is required. Django looks a dotted segment up as
/// an item first ([`Object::get_item`]), then as an attribute, then as an
/// index; a zero-argument method is an attribute whose value is computed.
pub trait Object: Send + Sync + fmt::Debug + Any {
    /// The attribute `name`, or `None` when there is none.
    fn get_attr(&self, name: &str) -> Option<Value>;

    /// The item at `key` (`obj[key]` in Python), or `None`.
    fn get_item(&self, _key: &Value) -> Option<Value> {
        None
    }

    /// The object's items when it is iterable (a queryset, a generator).
    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        None
    }

    /// The number of items, when it has a length.
    fn len(&self) -> Option<usize> {
        None
    }

    /// Whether the object has a length of zero (`None` when it has no length).
    fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }

    /// The attribute names to show when the object is serialized or
    /// converted for another engine.
    fn attr_names(&self) -> Option<Vec<Arc<str>>> {
        None
    }

    /// Python truthiness: false when the length is zero, true otherwise.
    fn is_true(&self) -> bool {
        self.len().is_none_or(|n| n > 0)
    }

    /// Whether the object's text is safe HTML (Python's `__html__`).
    fn is_safe(&self) -> bool {
        false
    }

    /// Whether the attribute `name` changes data when it is computed (a
    /// `delete` or `save` method): Django's `alters_data`. Templates never
    /// read such an attribute (it renders as an invalid variable), and no
    /// engine's conversion of the object reads it.
    fn alters_data(&self, _name: &str) -> bool {
        false
    }

    /// The identity under which fragment caches record that they showed this
    /// object (`post:42`); expiring it expires those fragments.
    fn cache_identity(&self) -> Option<String> {
        None
    }

    /// Python's `repr(obj)`, for `pprint` and `stringformat:"r"`, when it
    /// differs from the object's text; `None` uses the text.
    fn repr(&self) -> Option<String> {
        None
    }

    /// Whether the object stands for a Python tuple. Django's `stringformat`
    /// formats a tuple's text (`str(value)`) rather than the tuple itself.
    fn is_tuple(&self) -> bool {
        false
    }

    /// Writes the object's text (Python's `str(obj)`).
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl dyn Object {
    /// Downcasts to the concrete type.
    pub fn downcast_ref<T: Object>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref()
    }
}
