//! [`TemplateResponse`]: Django's lazy response, rendered by the layer after
//! the inner service (and any middleware between) ran.

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use platen_core::{Context, Value};

/// The default content type of a rendered template.
pub const DEFAULT_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// A response that is still a template name and a context (Django's
/// `TemplateResponse`).
///
/// A handler returns one as the extension of a response with an empty body
/// ([`TemplateResponse::into_response`] builds it). The
/// [`TemplatesLayer`](crate::TemplatesLayer) renders it on the way out, so
/// middleware between the layer and the handler can still change the
/// context or the template (Django's `process_template_response`):
///
/// ```
/// use platen_tower::TemplateResponse;
///
/// # fn middleware(mut response: http::Response<String>) {
/// if let Some(tr) = response.extensions_mut().get_mut::<TemplateResponse>() {
///     tr.context_mut().insert("footer", "added by a middleware");
/// }
/// # }
/// ```
///
/// Given several names, the first one an engine has renders (Django's
/// `select_template`).
#[derive(Debug, Clone)]
pub struct TemplateResponse {
    names: Vec<String>,
    context: Context,
    using: Option<String>,
    content_type: HeaderValue,
    status: Option<StatusCode>,
    headers: HeaderMap,
}

impl TemplateResponse {
    /// A response rendering the first of `names` found, with `context`.
    pub fn new<I, N>(names: I, context: Context) -> TemplateResponse
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        TemplateResponse {
            names: names.into_iter().map(Into::into).collect(),
            context,
            using: None,
            content_type: HeaderValue::from_static(DEFAULT_CONTENT_TYPE),
            status: None,
            headers: HeaderMap::new(),
        }
    }

    /// The template names, in the order they are tried.
    pub fn template_names(&self) -> &[String] {
        &self.names
    }

    /// Replaces the template names.
    pub fn set_template_names<I, N>(&mut self, names: I)
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        self.names = names.into_iter().map(Into::into).collect();
    }

    /// The context the template renders with.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The context, to add to or change.
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    /// Replaces the whole context.
    pub fn set_context(&mut self, context: Context) {
        self.context = context;
    }

    /// Sets one context variable; returns `self` for chaining.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> TemplateResponse {
        self.context.insert(name, value);
        self
    }

    /// Renders with the engine named `engine` only (Django's `using`).
    pub fn using(mut self, engine: impl Into<String>) -> TemplateResponse {
        self.using = Some(engine.into());
        self
    }

    /// The engine this response renders with, if one was named.
    pub fn engine(&self) -> Option<&str> {
        self.using.as_deref()
    }

    /// Sets the `Content-Type` of the rendered response (default
    /// `text/html; charset=utf-8`).
    pub fn content_type(mut self, content_type: HeaderValue) -> TemplateResponse {
        self.content_type = content_type;
        self
    }

    /// The `Content-Type` the rendered response will have.
    pub fn get_content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    /// Sets the status of the response (default: the response's, 200 for
    /// [`into_response`](Self::into_response)).
    pub fn status(mut self, status: StatusCode) -> TemplateResponse {
        self.status = Some(status);
        self
    }

    /// Adds a header to the response.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> TemplateResponse {
        self.headers.append(name, value);
        self
    }

    /// A response with an empty body carrying this template response as an
    /// extension; its status and headers are set from this one.
    pub fn into_response<B: Default>(mut self) -> Response<B> {
        let (mut parts, body) = Response::new(B::default()).into_parts();
        self.apply_pending(&mut parts.status, &mut parts.headers);
        parts.extensions.insert(self);
        Response::from_parts(parts, body)
    }

    /// Moves a status and headers set on this value onto a response's.
    pub(crate) fn apply_pending(&mut self, status: &mut StatusCode, headers: &mut HeaderMap) {
        if let Some(s) = self.status.take() {
            *status = s;
        }
        let mut last = None;
        for (name, value) in std::mem::take(&mut self.headers) {
            // The first of a run of values carries the name; the rest follow it.
            if let Some(name) = name.or(last.take()) {
                headers.append(name.clone(), value);
                last = Some(name);
            }
        }
    }

    /// Sets the content type on rendered `headers`.
    pub(crate) fn set_content_type(&self, headers: &mut HeaderMap) {
        headers.insert(CONTENT_TYPE, self.content_type.clone());
    }

    pub(crate) fn into_parts(self) -> (Vec<String>, Context, Option<String>) {
        (self.names, self.context, self.using)
    }
}

#[cfg(feature = "axum")]
impl axum_core::response::IntoResponse for TemplateResponse {
    fn into_response(self) -> axum_core::response::Response {
        TemplateResponse::into_response(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn into_response_applies_status_and_headers() {
        let r: Response<String> = TemplateResponse::new(["a.html"], Context::new())
            .status(StatusCode::NOT_FOUND)
            .header(
                HeaderName::from_static("x-a"),
                HeaderValue::from_static("1"),
            )
            .header(
                HeaderName::from_static("x-a"),
                HeaderValue::from_static("2"),
            )
            .into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(r.headers().get_all("x-a").iter().count(), 2);
        assert!(r.body().is_empty());
        let tr = r.extensions().get::<TemplateResponse>().unwrap();
        assert_eq!(tr.template_names(), ["a.html"]);
    }
}
