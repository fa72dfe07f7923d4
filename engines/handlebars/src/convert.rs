//! platen contexts as `handlebars` data (JSON).

use handlebars::{Context as HbsContext, JsonValue, RenderError, RenderErrorReason};
use platen_core::{Context, Request, Value};

/// Converts a platen context to `handlebars` data by serializing it
/// straight into JSON (no intermediate form).
///
/// With a request, adds what Django's Jinja2 backend adds: `request`,
/// `csrf_token` and `csrf_input` (each only when the context has no variable
/// of that name). `csrf_input` is HTML: write it as `{{{csrf_input}}}`.
pub(crate) fn context(ctx: &Context, request: Option<&Request>) -> Result<HbsContext, RenderError> {
    let mut data = HbsContext::wraps(ctx)?;
    add_request(&mut data, ctx, request);
    Ok(data)
}

/// Converts one value of a context, as [`context`] converts it.
pub(crate) fn value(value: &Value) -> Result<JsonValue, RenderError> {
    serde_json::to_value(value).map_err(|e| RenderErrorReason::SerdeError(e).into())
}

/// Sets what a request adds to `data`, the data of `ctx` ([`context`]).
pub(crate) fn add_request(data: &mut HbsContext, ctx: &Context, request: Option<&Request>) {
    if let Some(request) = request
        && let Some(map) = data.data_mut().as_object_mut()
    {
        if !ctx.contains("request") {
            map.insert("request".to_owned(), request_value(request));
        }
        let token = request.csrf_token.as_deref().unwrap_or("");
        if !ctx.contains("csrf_token") {
            map.insert("csrf_token".to_owned(), JsonValue::from(token));
        }
        if !ctx.contains("csrf_input") {
            let input = if token.is_empty() {
                String::new()
            } else {
                format!(
                    "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{}\">",
                    handlebars::html_escape(token)
                )
            };
            map.insert("csrf_input".to_owned(), JsonValue::from(input));
        }
    }
}

/// The request as a map: `method`, `path`, `query`, `full_path`, `headers`
/// and `cookies` (maps; the first value of a repeated name wins).
fn request_value(r: &Request) -> JsonValue {
    fn pairs(items: &[(String, String)]) -> JsonValue {
        let mut map = JsonValue::Object(Default::default());
        if let Some(m) = map.as_object_mut() {
            for (k, v) in items {
                m.entry(k.clone())
                    .or_insert_with(|| JsonValue::from(v.as_str()));
            }
        }
        map
    }
    let full_path = if r.query.is_empty() {
        r.path.clone()
    } else {
        format!("{}?{}", r.path, r.query)
    };
    JsonValue::from_iter([
        ("method", JsonValue::from(r.method.as_str())),
        ("path", JsonValue::from(r.path.as_str())),
        ("query", JsonValue::from(r.query.as_str())),
        ("full_path", JsonValue::from(full_path)),
        ("headers", pairs(&r.headers)),
        ("cookies", pairs(&r.cookies)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_plain_json_in_order() {
        let ctx = Context::new()
            .with("z", Value::safe("<b>"))
            .with("a", vec![Value::from(1), Value::from(2.5), Value::None])
            .with(
                "d",
                Value::from(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
            );
        let data = context(&ctx, None).unwrap();
        assert_eq!(
            data.data().to_string(),
            r#"{"z":"<b>","a":[1,2.5,null],"d":"2024-02-29"}"#
        );
    }

    #[test]
    fn request_adds_csrf_and_request_unless_set() {
        let mut request = Request::new("GET", "/p?q=1");
        request.csrf_token = Some("t\"k".into());
        let data = context(&Context::new().with("csrf_token", "mine"), Some(&request)).unwrap();
        let data = data.data();
        assert_eq!(data["csrf_token"], "mine");
        assert_eq!(
            data["csrf_input"],
            "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"t&quot;k\">"
        );
        assert_eq!(data["request"]["full_path"], "/p?q=1");
        assert_eq!(data["request"]["method"], "GET");
    }
}
