//! platen values to Tera values, keeping safe marks and map order.

use platen_core::{Context, Request, Value};
use tera::value::Key;

/// Converts a platen context into a Tera context.
///
/// With a request, adds what Django's Jinja2 backend adds: `request`,
/// `csrf_token` and `csrf_input` (each only when the context has no
/// variable of that name).
pub(crate) fn context(ctx: &Context, request: Option<&Request>) -> tera::Context {
    let mut out = tera::Context::new();
    for (name, value) in ctx.iter() {
        out.insert_value(name.to_owned(), value_of(value));
    }
    if let Some(request) = request {
        if !ctx.contains("request") {
            out.insert_value("request", request_value(request));
        }
        let token = request.csrf_token.as_deref().unwrap_or("");
        if !ctx.contains("csrf_token") {
            out.insert_value("csrf_token", tera::Value::from(token));
        }
        if !ctx.contains("csrf_input") {
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
            out.insert_value("csrf_input", tera::Value::safe_string(&input));
        }
    }
    out
}

/// Converts one value. Strings keep their safe mark; decimals, dates and
/// times become their ISO text (as their serde form); objects become a map
/// of their attributes, a list of their items, or their text.
pub(crate) fn value_of(v: &Value) -> tera::Value {
    match v {
        Value::None => tera::Value::none(),
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => (*f).into(),
        Value::Str(s) => tera::Value::normal_string(s),
        Value::SafeStr(s) => tera::Value::safe_string(s),
        Value::List(items) => items.iter().map(value_of).collect::<Vec<_>>().into(),
        Value::Map(map) => {
            let mut out = tera::Map::with_capacity(map.len());
            for (k, item) in map.iter() {
                out.insert(Key::String(k.clone()), value_of(item));
            }
            out.into()
        }
        Value::Object(obj) => {
            if let Some(names) = obj.attr_names() {
                let mut out = tera::Map::with_capacity(names.len());
                for name in names {
                    let item = obj.get_attr(&name).unwrap_or_default();
                    out.insert(Key::String(name), value_of(&item));
                }
                out.into()
            } else if let Some(items) = obj.try_iter() {
                items.map(|item| value_of(&item)).collect::<Vec<_>>().into()
            } else if obj.is_safe() {
                tera::Value::safe_string(&v.to_string())
            } else {
                tera::Value::normal_string(&v.to_string())
            }
        }
        Value::Decimal(_) | Value::Date(_) | Value::DateTime(_) | Value::AwareDateTime(_) | Value::Time(_) => {
            tera::Value::try_from_serializable(v).unwrap_or_else(|_| tera::Value::normal_string(&v.to_string()))
        }
    }
}

/// The request as a map: `method`, `path`, `query`, `full_path`, `headers`
/// and `cookies` (maps; the first value of a repeated name wins).
fn request_value(r: &Request) -> tera::Value {
    fn pairs(items: &[(String, String)]) -> tera::Value {
        let mut map = tera::Map::with_capacity(items.len());
        for (k, v) in items {
            map.entry(Key::from(k.clone())).or_insert_with(|| tera::Value::normal_string(v));
        }
        map.into()
    }
    let full_path = if r.query.is_empty() { r.path.clone() } else { format!("{}?{}", r.path, r.query) };
    let mut map = tera::Map::with_capacity(6);
    map.insert(Key::Str("method"), tera::Value::normal_string(&r.method));
    map.insert(Key::Str("path"), tera::Value::normal_string(&r.path));
    map.insert(Key::Str("query"), tera::Value::normal_string(&r.query));
    map.insert(Key::Str("full_path"), tera::Value::normal_string(&full_path));
    map.insert(Key::Str("headers"), pairs(&r.headers));
    map.insert(Key::Str("cookies"), pairs(&r.cookies));
    map.into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn request_adds_csrf_and_request_unless_set() {
        let mut request = Request::new("GET", "/p?q=1");
        request.csrf_token = Some("t\"k".into());
        let out = context(&Context::new().with("csrf_token", "mine"), Some(&request));
        assert_eq!(out.get("csrf_token").unwrap().as_str(), Some("mine"));
        let input = out.get("csrf_input").unwrap();
        assert!(input.is_safe());
        assert_eq!(input.as_str(), Some("<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"t&quot;k\">"));
        let req = out.get("request").unwrap().as_map().unwrap();
        assert_eq!(req.get(&Key::Str("full_path")).unwrap().as_str(), Some("/p?q=1"));
    }
}
