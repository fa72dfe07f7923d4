//! The engine-neutral view of an HTTP request that templates may see.

/// What a template (and a context processor) may know of the request being
/// answered. Web adapters fill it from their own request type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The method (`GET`).
    pub method: String,
    /// The path, without the query (`/blog/`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// The headers, in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The cookies, in order.
    pub cookies: Vec<(String, String)>,
    /// The CSRF token another layer issued for this request, if any.
    pub csrf_token: Option<String>,
    /// The language to render in (Django's `request.LANGUAGE_CODE`, which
    /// its `LocaleMiddleware` activates); `None` renders in the engine's
    /// default language. Engines that translate read it.
    pub language: Option<String>,
}

impl Request {
    /// A request for `method` and `path` (`path` may carry `?query`).
    pub fn new(method: &str, path: &str) -> Request {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            ..Request::default()
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
