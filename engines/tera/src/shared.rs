//! Conversions kept between renders, for lists and maps rendered again.
//!
//! A context's lists and maps are `Arc`-shared: the same one is often
//! rendered many times (a context prepared once, site-wide data cloned into
//! every request's context). Each thread keeps the Tera form of the last
//! [`CAPACITY`] top-level lists and maps it converted, keyed by the
//! allocation they live in, so rendering one of them again costs a pointer
//! comparison and a reference count instead of a copy of the whole value.
//!
//! Why a kept conversion is always the conversion of the value asked for:
//! - each entry holds a [`Weak`] to the allocation it was converted from,
//!   so that allocation is never freed while the entry lives: no other
//!   value can appear at its address, and an `Arc` pointing there is that
//!   same allocation;
//! - a shared allocation is never changed in place: `Arc::get_mut` refuses
//!   while a `Weak` exists, and `Arc::make_mut` then moves the value to a
//!   new allocation (a new key);
//! - lists and maps are plain data all the way down, except dynamic
//!   objects, whose attributes may change between renders: a value holding
//!   one anywhere is never kept.
//!
//! A thread's entries whose value was dropped are removed the next time it
//! converts something new, so at most [`CAPACITY`] conversions outlive
//! their values, per thread.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use platen_core::value::Map;
use platen_core::{RoundRobin, Value};

use crate::convert;

/// How many conversions each thread keeps.
const CAPACITY: usize = 16;

/// The allocation a kept conversion was made from.
enum Source {
    List(Weak<Vec<Value>>),
    Map(Weak<Map>),
}

impl Source {
    fn addr(&self) -> *const () {
        match self {
            Source::List(w) => w.as_ptr().cast(),
            Source::Map(w) => w.as_ptr().cast(),
        }
    }

    fn is_alive(&self) -> bool {
        match self {
            Source::List(w) => w.strong_count() > 0,
            Source::Map(w) => w.strong_count() > 0,
        }
    }
}

/// A kept conversion.
struct Entry {
    source: Source,
    converted: tera::Value,
}

thread_local! {
    /// This thread's kept conversions.
    static KEPT: RefCell<RoundRobin<Entry>> = const { RefCell::new(RoundRobin::new(CAPACITY)) };
}

/// Converts a top-level value of a context ([`convert::convert`]), reusing
/// this thread's conversion of the same list or map.
pub(crate) fn value_of(v: &Value) -> tera::Value {
    let addr: *const () = match v {
        Value::List(list) => Arc::as_ptr(list).cast(),
        Value::Map(map) => Arc::as_ptr(map).cast(),
        _ => return convert::convert(v).0,
    };
    // The cell is never borrowed while converting: an object's attribute
    // may itself render a template on this thread.
    let kept = KEPT
        .try_with(|k| {
            k.try_borrow()
                .ok()?
                .find(|e| e.source.addr() == addr)
                .map(|e| e.converted.clone())
        })
        .ok()
        .flatten();
    if let Some(converted) = kept {
        return converted;
    }
    let (converted, fixed) = convert::convert(v);
    if fixed {
        let source = match v {
            Value::List(list) => Source::List(Arc::downgrade(list)),
            Value::Map(map) => Source::Map(Arc::downgrade(map)),
            _ => return converted,
        };
        let copy = converted.clone();
        let _ = KEPT.try_with(|k| {
            if let Ok(mut k) = k.try_borrow_mut() {
                k.retain(|e| e.source.is_alive());
                k.insert(Entry {
                    source,
                    converted: copy,
                });
            }
        });
    }
    converted
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    fn ints(v: &tera::Value) -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_i64().unwrap())
            .collect()
    }

    #[test]
    fn the_same_list_is_converted_once_per_thread() {
        let list = Value::from(vec![1, 2]);
        let first = value_of(&list);
        let again = value_of(&list.clone());
        assert_eq!(
            first.as_array().unwrap().as_ptr(),
            again.as_array().unwrap().as_ptr()
        );
        let equal_but_other = value_of(&Value::from(vec![1, 2]));
        assert_ne!(
            first.as_array().unwrap().as_ptr(),
            equal_but_other.as_array().unwrap().as_ptr()
        );
    }

    #[test]
    fn a_list_changed_after_a_render_is_converted_again() {
        let mut list = Value::from(vec![1]);
        assert_eq!(ints(&value_of(&list)), [1]);
        if let Value::List(items) = &mut list {
            Arc::make_mut(items).push(Value::from(2));
        }
        assert_eq!(ints(&value_of(&list)), [1, 2]);
    }

    #[test]
    fn a_dropped_list_never_answers_for_a_new_one() {
        // Same-sized allocations, freed and made again: without the kept
        // `Weak`s the allocator would hand the same addresses back.
        for i in 0..200 {
            let list = Value::from(vec![i]);
            assert_eq!(ints(&value_of(&list)), [i]);
        }
        let mut map = platen_core::value::Map::default();
        map.insert("k".into(), Value::from(1));
        for i in 0..200 {
            let mut map = map.clone();
            map.insert("k".into(), Value::from(i));
            let converted = value_of(&Value::from(map));
            assert_eq!(
                converted.as_map().unwrap()[&tera::value::Key::Str("k")].as_i64(),
                Some(i)
            );
        }
    }

    #[test]
    fn more_lists_than_are_kept_still_convert_right() {
        let lists: Vec<Value> = (0..CAPACITY as i64 * 3)
            .map(|i| Value::from(vec![i, i + 1]))
            .collect();
        for _ in 0..2 {
            for (i, list) in (0..).zip(&lists) {
                assert_eq!(ints(&value_of(list)), [i, i + 1]);
            }
        }
    }

    /// An object whose attribute changes on every read.
    #[derive(Debug, Default)]
    struct Counter(AtomicI64);

    impl platen_core::Object for Counter {
        fn get_attr(&self, name: &str) -> Option<Value> {
            (name == "n").then(|| Value::from(self.0.fetch_add(1, Ordering::Relaxed)))
        }
        fn attr_names(&self) -> Option<Vec<Arc<str>>> {
            Some(vec!["n".into()])
        }
    }

    #[test]
    fn values_holding_objects_are_read_again_on_every_render() {
        let list = Value::from(vec![Value::from(vec![Value::from_object(
            Counter::default(),
        )])]);
        let n = |v: tera::Value| {
            let counter = &v.as_array().unwrap()[0].as_array().unwrap()[0];
            counter.as_map().unwrap()[&tera::value::Key::Str("n")].as_i64()
        };
        assert_eq!(n(value_of(&list)), Some(0));
        assert_eq!(n(value_of(&list)), Some(1));
    }
}
