//! Knowing a value again, without keeping it alive: for adapters that keep
//! their conversion of a value between renders.

use std::sync::{Arc, Weak};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{Map, Value};

/// What a value was, remembered to tell whether a later value is the same.
///
/// Plain values (none, booleans, numbers, dates and times) are the same when
/// equal. Strings, lists and maps are the same when they are the very same
/// allocation: the identity holds a [`Weak`] to it, so the allocation is
/// never freed while the identity lives (no other value can appear at its
/// address), and a shared allocation is never changed in place
/// (`Arc::get_mut` refuses while a `Weak` exists; `Arc::make_mut` moves the
/// value out first). Only the allocation is kept, not the value inside it.
///
/// A value holding an [`Object`](super::Object) anywhere, whose attributes
/// may change between two reads, is never the same as anything; nor are
/// decimals and aware datetimes (compared by allocation they would rarely
/// match, and they are cheap to convert).
#[derive(Debug, Default)]
pub struct Identity(Kind);

#[derive(Debug, Default)]
enum Kind {
    #[default]
    Nothing,
    None,
    Bool(bool),
    Int(i64),
    /// The bits, so that a NaN is the same as itself.
    Float(u64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Time(NaiveTime),
    Str {
        text: Weak<str>,
        safe: bool,
    },
    List(Weak<Vec<Value>>),
    Map(Weak<Map>),
}

impl Identity {
    /// An identity no value is the same as.
    pub fn nothing() -> Identity {
        Identity(Kind::Nothing)
    }

    /// The identity of `value`. For a list or map, this looks through it
    /// once for objects.
    pub fn of(value: &Value) -> Identity {
        Identity(match value {
            Value::None => Kind::None,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Int(i) => Kind::Int(*i),
            Value::Float(f) => Kind::Float(f.to_bits()),
            Value::Date(d) => Kind::Date(*d),
            Value::DateTime(d) => Kind::DateTime(*d),
            Value::Time(t) => Kind::Time(*t),
            Value::Str(s) => Kind::Str {
                text: Arc::downgrade(s),
                safe: false,
            },
            Value::SafeStr(s) => Kind::Str {
                text: Arc::downgrade(s),
                safe: true,
            },
            Value::List(list) if !list.iter().any(holds_object) => Kind::List(Arc::downgrade(list)),
            Value::Map(map) if !map.values().any(holds_object) => Kind::Map(Arc::downgrade(map)),
            _ => Kind::Nothing,
        })
    }

    /// Whether `value` is the value this identity was taken of.
    pub fn is(&self, value: &Value) -> bool {
        fn same<T: ?Sized>(seen: &Weak<T>, now: &Arc<T>) -> bool {
            std::ptr::addr_eq(seen.as_ptr(), Arc::as_ptr(now)) && seen.strong_count() > 0
        }
        match (&self.0, value) {
            (Kind::None, Value::None) => true,
            (Kind::Bool(a), Value::Bool(b)) => a == b,
            (Kind::Int(a), Value::Int(b)) => a == b,
            (Kind::Float(a), Value::Float(b)) => *a == b.to_bits(),
            (Kind::Date(a), Value::Date(b)) => a == b,
            (Kind::DateTime(a), Value::DateTime(b)) => a == b,
            (Kind::Time(a), Value::Time(b)) => a == b,
            (Kind::Str { text, safe: false }, Value::Str(s))
            | (Kind::Str { text, safe: true }, Value::SafeStr(s)) => same(text, s),
            (Kind::List(a), Value::List(b)) => same(a, b),
            (Kind::Map(a), Value::Map(b)) => same(a, b),
            _ => false,
        }
    }
}

/// Whether an object is anywhere in `value`.
fn holds_object(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::List(list) => list.iter().any(holds_object),
        Value::Map(map) => map.values().any(holds_object),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Thing;

    impl super::super::Object for Thing {
        fn get_attr(&self, _: &str) -> Option<Value> {
            None
        }
    }

    #[test]
    fn plain_values_are_the_same_when_equal() {
        for v in [
            Value::None,
            Value::from(true),
            Value::from(3),
            Value::from(f64::NAN),
            Value::from(1.5),
        ] {
            assert!(Identity::of(&v).is(&v.clone()), "{v:?}");
        }
        assert!(!Identity::of(&Value::from(3)).is(&Value::from(4)));
        assert!(!Identity::of(&Value::from(1)).is(&Value::from(true)));
        assert!(!Identity::nothing().is(&Value::None));
    }

    #[test]
    fn strings_lists_and_maps_are_the_same_allocation_only() {
        let text: Arc<str> = Arc::from("text");
        let s = Value::Str(text.clone());
        let id = Identity::of(&s);
        assert!(id.is(&s.clone()));
        assert!(!id.is(&Value::from("text")));
        assert!(!id.is(&Value::SafeStr(text)), "the safe mark differs");
        let list = Value::from(vec![1, 2]);
        assert!(Identity::of(&list).is(&list.clone()));
        assert!(!Identity::of(&list).is(&Value::from(vec![1, 2])));
    }

    #[test]
    fn a_list_changed_in_place_is_not_the_same() {
        let mut list = Value::from(vec![1]);
        let id = Identity::of(&list);
        if let Value::List(items) = &mut list {
            Arc::make_mut(items).push(Value::from(2));
        }
        assert!(!id.is(&list));
    }

    #[test]
    fn a_freed_value_never_answers_for_a_new_one() {
        let ids: Vec<Identity> = (0..100)
            .map(|i| Identity::of(&Value::from(vec![i])))
            .collect();
        for i in 0..100 {
            let list = Value::from(vec![i]);
            assert!(!ids.iter().any(|id| id.is(&list)));
        }
    }

    #[test]
    fn values_holding_objects_are_never_the_same() {
        let object = Value::from_object(Thing);
        assert!(!Identity::of(&object).is(&object));
        let nested = Value::from(vec![Value::from(vec![object.clone()])]);
        assert!(!Identity::of(&nested).is(&nested));
        let map: Map = [(Arc::from("k"), object)].into_iter().collect();
        let map = Value::from(map);
        assert!(!Identity::of(&map).is(&map));
    }
}
