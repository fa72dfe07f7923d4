//! platen values to Tera values, keeping safe marks and map order.

use std::cell::Cell;

use platen_core::{Context, Request, Value};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use tera::value::Key;

/// Converts a platen context into a new Tera context (keys owned): what
/// [`crate::kept`] falls back to when the thread's kept contexts are in use.
pub(crate) fn context(ctx: &Context, request: Option<&Request>) -> tera::Context {
    let added = Added::new(ctx, request);
    let mut out = tera::Context::new();
    for (name, value) in names(ctx, added).zip(values(ctx, request, added)) {
        out.insert_value(name.to_owned(), value);
    }
    out
}

/// The variables a request adds to a Tera context, as Django's Jinja2
/// backend does: `request`, `csrf_token` and `csrf_input`, each only when
/// there is a request and the context has no variable of that name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Added {
    request: bool,
    csrf_token: bool,
    csrf_input: bool,
}

impl Added {
    /// What `request` adds to `ctx`.
    pub(crate) fn new(ctx: &Context, request: Option<&Request>) -> Added {
        let add = |name| request.is_some() && !ctx.contains(name);
        Added {
            request: add("request"),
            csrf_token: add("csrf_token"),
            csrf_input: add("csrf_input"),
        }
    }
}

/// The names of a render's variables, in order: the context's, then those
/// the request adds.
pub(crate) fn names(ctx: &Context, added: Added) -> impl Iterator<Item = &str> {
    let extra = [
        ("request", added.request),
        ("csrf_token", added.csrf_token),
        ("csrf_input", added.csrf_input),
    ];
    ctx.iter().map(|(name, _)| name).chain(
        extra
            .into_iter()
            .filter(|(_, add)| *add)
            .map(|(name, _)| name),
    )
}

/// The values of a render's variables, in the order of [`names`].
fn values<'a>(
    ctx: &'a Context,
    request: Option<&'a Request>,
    added: Added,
) -> impl Iterator<Item = tera::Value> + 'a {
    ctx.iter()
        .map(|(_, value)| crate::shared::value_of(value))
        .chain(request_values(request, added))
}

/// The values of the variables the request adds, in the order of [`names`].
pub(crate) fn request_values(
    request: Option<&Request>,
    added: Added,
) -> impl Iterator<Item = tera::Value> {
    request.into_iter().flat_map(move |request| {
        let token = request.csrf_token.as_deref().unwrap_or("");
        let request_var = added.request.then(|| request_value(request));
        let token_var = added.csrf_token.then(|| tera::Value::from(token));
        let input_var = added.csrf_input.then(|| csrf_input(token));
        [request_var, token_var, input_var].into_iter().flatten()
    })
}

/// The hidden form field holding the CSRF token (empty without a token).
fn csrf_input(token: &str) -> tera::Value {
    let input = if token.is_empty() {
        String::new()
    } else {
        let mut escaped = Vec::with_capacity(token.len());
        let _ = tera::escape_html(token, &mut escaped);
        format!(
            "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{}\">",
            String::from_utf8_lossy(&escaped)
        )
    };
    tera::Value::safe_string(&input)
}

/// Converts one value. Strings keep their safe mark; decimals, dates and
/// times become their ISO text (as their serde form); objects become a map
/// of their attributes, a list of their items, or their text.
///
/// Also says whether the result stands for the value for as long as the
/// value lives: false when a dynamic object, whose attributes may change,
/// was read on the way.
pub(crate) fn convert(v: &Value) -> (tera::Value, bool) {
    let dynamic = Cell::new(false);
    let out = Tera {
        value: v,
        dynamic: &dynamic,
    }
    .build();
    (out, !dynamic.get())
}

/// A platen value serialized as [`convert`] converts it, for Tera's
/// serializer. A Tera value met while serializing passes through it
/// unchanged, which is how safe strings keep their mark.
struct Tera<'a> {
    value: &'a Value,
    /// Set when a dynamic object is read.
    dynamic: &'a Cell<bool>,
}

impl Tera<'_> {
    /// An item of this value.
    fn of<'b>(&'b self, value: &'b Value) -> Tera<'b> {
        Tera {
            value,
            dynamic: self.dynamic,
        }
    }

    /// Builds the Tera value. Scalars and lists are built directly; maps
    /// (and what is inside them) go through Tera's own serializer: it is the
    /// only public way to build a Tera map in one pass (`tera::Value::from`
    /// of a map inserts every entry again into a new one).
    fn build(&self) -> tera::Value {
        match self.value {
            Value::None => tera::Value::none(),
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => (*f).into(),
            Value::Str(s) => tera::Value::normal_string(s),
            Value::SafeStr(s) => tera::Value::safe_string(s),
            Value::List(items) => items
                .iter()
                .map(|item| self.of(item).build())
                .collect::<Vec<_>>()
                .into(),
            // Cannot fail: every map key is a string.
            _ => tera::Value::try_from_serializable(self)
                .unwrap_or_else(|_| tera::Value::normal_string(&self.value.to_string())),
        }
    }
}

impl Serialize for Tera<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::None => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Str(s) => serializer.serialize_str(s),
            Value::SafeStr(s) => tera::Value::safe_string(s).serialize(serializer),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&self.of(item))?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (k, item) in map.iter() {
                    out.serialize_entry(&**k, &self.of(item))?;
                }
                out.end()
            }
            Value::Object(obj) => {
                self.dynamic.set(true);
                if let Some(names) = obj.attr_names() {
                    let names: Vec<_> = names.into_iter().filter(|n| !obj.alters_data(n)).collect();
                    let mut out = serializer.serialize_map(Some(names.len()))?;
                    for name in names {
                        let item = obj.get_attr(&name).unwrap_or_default();
                        out.serialize_entry(&*name, &self.of(&item))?;
                    }
                    out.end()
                } else if let Some(items) = obj.try_iter() {
                    let mut seq = serializer.serialize_seq(None)?;
                    for item in items {
                        seq.serialize_element(&self.of(&item))?;
                    }
                    seq.end()
                } else if obj.is_safe() {
                    tera::Value::safe_string(&self.value.to_string()).serialize(serializer)
                } else {
                    serializer.collect_str(self.value)
                }
            }
            // Their serde form: ISO text.
            Value::Decimal(_)
            | Value::Date(_)
            | Value::DateTime(_)
            | Value::AwareDateTime(_)
            | Value::Time(_) => self.value.serialize(serializer),
        }
    }
}

/// The request as a map: `method`, `path`, `query`, `full_path`, `headers`
/// and `cookies` (maps; the first value of a repeated name wins).
fn request_value(r: &Request) -> tera::Value {
    fn pairs(items: &[(String, String)]) -> tera::Value {
        let mut map = tera::Map::with_capacity(items.len());
        for (k, v) in items {
            map.entry(Key::from(k.clone()))
                .or_insert_with(|| tera::Value::normal_string(v));
        }
        map.into()
    }
    let full_path = if r.query.is_empty() {
        r.path.clone()
    } else {
        format!("{}?{}", r.path, r.query)
    };
    let mut map = tera::Map::with_capacity(6);
    map.insert(Key::Str("method"), tera::Value::normal_string(&r.method));
    map.insert(Key::Str("path"), tera::Value::normal_string(&r.path));
    map.insert(Key::Str("query"), tera::Value::normal_string(&r.query));
    map.insert(
        Key::Str("full_path"),
        tera::Value::normal_string(&full_path),
    );
    map.insert(Key::Str("headers"), pairs(&r.headers));
    map.insert(Key::Str("cookies"), pairs(&r.cookies));
    map.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(v: &Value) -> tera::Value {
        convert(v).0
    }

    #[test]
    fn keeps_safe_marks_order_and_nesting() {
        let ctx = Context::new()
            .with("z", Value::safe("<b>"))
            .with("a", vec![Value::from(1), Value::from("<i>")]);
        let out = context(&ctx, None);
        assert!(out.get("z").unwrap().is_safe());
        assert!(!out.get("a").unwrap().as_array().unwrap()[1].is_safe());
    }

    #[test]
    fn nested_values_keep_safe_marks_kinds_and_order() {
        let inner: Value = [
            ("z", Value::safe("<b>")),
            ("a", Value::from("<i>")),
            ("n", Value::None),
        ]
        .into_iter()
        .map(|(k, v)| (std::sync::Arc::from(k), v))
        .collect::<platen_core::value::Map>()
        .into();
        let value = Value::from(vec![
            inner,
            Value::from(vec![Value::from(2.5), Value::from(true), Value::safe("&")]),
        ]);
        let out = value_of(&value);
        let items = out.as_array().unwrap();
        let map = items[0].as_map().unwrap();
        let keys: Vec<&str> = map.keys().map(|k| k.as_str().unwrap()).collect();
        assert_eq!(keys, ["z", "a", "n"]);
        assert!(map[&Key::Str("z")].is_safe());
        assert!(!map[&Key::Str("a")].is_safe());
        assert_eq!(map[&Key::Str("a")].as_str(), Some("<i>"));
        assert!(map[&Key::Str("n")].is_none());
        let list = items[1].as_array().unwrap();
        assert_eq!(list[0].as_f64(), Some(2.5));
        assert_eq!(list[1].as_bool(), Some(true));
        assert!(list[2].is_safe());
    }

    #[test]
    fn decimals_and_dates_become_their_iso_text() {
        let decimal: platen_core::value::Decimal = "1.50".parse().unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let list = value_of(&Value::from(vec![Value::from(decimal), Value::from(date)]));
        let texts: Vec<Option<&str>> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str())
            .collect();
        assert_eq!(texts, [Some("1.50"), Some("2024-02-29")]);
        assert_eq!(value_of(&Value::from(date)).as_str(), Some("2024-02-29"));
    }

    #[derive(Debug)]
    struct Post;

    impl platen_core::Object for Post {
        fn get_attr(&self, name: &str) -> Option<Value> {
            match name {
                "title" => Some(Value::safe("<em>T</em>")),
                "tags" => Some(Value::from_object(Tags)),
                _ => None,
            }
        }
        fn attr_names(&self) -> Option<Vec<std::sync::Arc<str>>> {
            Some(vec!["title".into(), "tags".into(), "missing".into()])
        }
    }

    #[derive(Debug)]
    struct Tags;

    impl platen_core::Object for Tags {
        fn get_attr(&self, _: &str) -> Option<Value> {
            None
        }
        fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
            Some(Box::new(
                [
                    Value::from("a&b"),
                    Value::from_object(Html(true)),
                    Value::from_object(Html(false)),
                ]
                .into_iter(),
            ))
        }
    }

    #[derive(Debug)]
    struct Html(bool);

    impl platen_core::Object for Html {
        fn get_attr(&self, _: &str) -> Option<Value> {
            None
        }
        fn is_safe(&self) -> bool {
            self.0
        }
        fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("<i>x</i>")
        }
    }

    #[test]
    fn objects_become_maps_of_attributes_lists_of_items_or_text() {
        let post = value_of(&Value::from_object(Post));
        let map = post.as_map().unwrap();
        assert!(map[&Key::Str("title")].is_safe());
        assert!(map[&Key::Str("missing")].is_none());
        let tags = map[&Key::Str("tags")].as_array().unwrap();
        assert_eq!(tags[0].as_str(), Some("a&b"));
        assert!(!tags[0].is_safe());
        assert_eq!(tags[1].as_str(), Some("<i>x</i>"));
        assert!(tags[1].is_safe());
        assert_eq!(tags[2].as_str(), Some("<i>x</i>"));
        assert!(!tags[2].is_safe());
        assert!(value_of(&Value::from_object(Html(true))).is_safe());
    }

    #[test]
    fn request_adds_csrf_and_request_unless_set() {
        let mut request = Request::new("GET", "/p?q=1");
        request.csrf_token = Some("t\"k".into());
        let out = context(&Context::new().with("csrf_token", "mine"), Some(&request));
        assert_eq!(out.get("csrf_token").unwrap().as_str(), Some("mine"));
        let input = out.get("csrf_input").unwrap();
        assert!(input.is_safe());
        assert_eq!(
            input.as_str(),
            Some("<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"t&quot;k\">")
        );
        let req = out.get("request").unwrap().as_map().unwrap();
        assert_eq!(
            req.get(&Key::Str("full_path")).unwrap().as_str(),
            Some("/p?q=1")
        );
    }
}
