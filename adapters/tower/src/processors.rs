//! Context processors: functions run per request that add variables to
//! every template rendered through the layer (Django's
//! `TEMPLATES[...]["OPTIONS"]["context_processors"]`).
//!
//! The built-ins, by name (Django's names are accepted too):
//!
//! | name | Django's name | adds |
//! |---|---|---|
//! | `platen.request` | `django.template.context_processors.request` | `request`: `method`, `path`, `query`, `full_path`, `GET`, `headers`, `cookies` |
//! | `platen.debug` | `django.template.context_processors.debug` | `debug`; in debug mode also `rendered_templates`, the templates rendered so far in this request |
//! | `platen.csrf` | `django.template.context_processors.csrf` | `csrf_token`, from a [`CsrfToken`] another layer put in the request extensions |
//! | `platen.static` | `django.template.context_processors.static` | `STATIC_URL` |
//!
//! Register your own with [`ContextProcessors::register`]. They run in the
//! order the settings list them; a later one replaces a variable an earlier
//! one set, and the handler's context replaces them all, as in Django.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use platen_core::value::Map;
use platen_core::{Context, Error, Request, Result, Settings, Value};

/// A CSRF token another layer issued for the request being answered.
///
/// Put it in the request extensions (outside the templates layer, so that
/// it is there when the request reaches it); `platen.csrf` then exposes it
/// as `csrf_token`, and the DTL `{% csrf_token %}` tag renders it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CsrfToken(pub String);

/// The signature of a user context processor.
pub type ProcessorFn = dyn Fn(&Request) -> Context + Send + Sync;

/// One processor, resolved from its name once, when the layer is built.
#[derive(Clone)]
pub(crate) enum Processor {
    Request,
    Debug,
    Csrf,
    Static,
    Custom(Arc<ProcessorFn>),
}

impl fmt::Debug for Processor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Processor::Request => f.write_str("platen.request"),
            Processor::Debug => f.write_str("platen.debug"),
            Processor::Csrf => f.write_str("platen.csrf"),
            Processor::Static => f.write_str("platen.static"),
            Processor::Custom(_) => f.write_str("<custom>"),
        }
    }
}

/// What built-in processors know beyond the request.
pub(crate) struct ProcessorEnv<'a> {
    pub(crate) debug: bool,
    pub(crate) static_url: &'a str,
    pub(crate) rendered: &'a [String],
}

impl Processor {
    fn run(&self, request: &Arc<Request>, env: &ProcessorEnv<'_>, into: &mut Context) {
        match self {
            Processor::Request => into.insert(
                "request",
                Value::from_object(RequestObject(request.clone())),
            ),
            Processor::Debug => {
                into.insert("debug", env.debug);
                if env.debug {
                    into.insert(
                        "rendered_templates",
                        env.rendered
                            .iter()
                            .map(|s| Value::from(s.as_str()))
                            .collect::<Value>(),
                    );
                }
            }
            Processor::Csrf => {
                // Django's csrf processor gives "NOTPROVIDED" when no token was issued.
                let token = request.csrf_token.as_deref().unwrap_or("NOTPROVIDED");
                into.insert("csrf_token", token);
            }
            Processor::Static => into.insert("STATIC_URL", env.static_url),
            Processor::Custom(f) => into.extend(f(request)),
        }
    }
}

/// Runs `processors` in order into one context.
pub(crate) fn run_all(
    processors: &[Processor],
    request: &Arc<Request>,
    env: &ProcessorEnv<'_>,
) -> Context {
    let mut ctx = Context::new();
    for p in processors {
        p.run(request, env, &mut ctx);
    }
    ctx
}

/// The `request` variable, as Django's `request` processor gives the
/// request object itself: each attribute is built when a template reads it,
/// so a page that never looks at the headers doesn't pay for them.
#[derive(Debug)]
struct RequestObject(Arc<Request>);

/// The attributes of `request`.
const REQUEST_ATTRS: [&str; 7] = [
    "method",
    "path",
    "query",
    "full_path",
    "GET",
    "headers",
    "cookies",
];

impl RequestObject {
    fn attr(&self, name: &str) -> Option<Value> {
        let request = &self.0;
        Some(match name {
            "method" => request.method.as_str().into(),
            "path" => request.path.as_str().into(),
            "query" => request.query.as_str().into(),
            "full_path" => full_path(request).into(),
            "GET" => pairs_value(query_pairs(&request.query)),
            // Django's `request.headers` also answers to underscores
            // (`user_agent`), which a template can spell where it cannot spell a dash.
            "headers" => {
                let mut headers = Map::default();
                for (k, v) in &request.headers {
                    let k = k.to_ascii_lowercase();
                    if k.contains('-') {
                        headers
                            .entry(k.replace('-', "_").into())
                            .or_insert_with(|| v.as_str().into());
                    }
                    headers.entry(k.into()).or_insert_with(|| v.as_str().into());
                }
                Value::from(headers)
            }
            "cookies" => pairs_value(request.cookies.iter().map(|(k, v)| (k.clone(), v.clone()))),
            _ => return None,
        })
    }
}

impl platen_core::Object for RequestObject {
    fn get_attr(&self, name: &str) -> Option<Value> {
        self.attr(name)
    }

    fn get_item(&self, key: &Value) -> Option<Value> {
        key.as_str().and_then(|k| self.attr(k))
    }

    fn attr_names(&self) -> Option<Vec<Arc<str>>> {
        Some(REQUEST_ATTRS.iter().map(|&n| Arc::from(n)).collect())
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Django prints `<WSGIRequest: GET '/path?query'>`.
        write!(f, "<Request: {} '{}'>", self.0.method, full_path(&self.0))
    }
}

/// The path with its query string, if any (Django's `get_full_path`).
fn full_path(request: &Request) -> String {
    if request.query.is_empty() {
        request.path.clone()
    } else {
        format!("{}?{}", request.path, request.query)
    }
}

/// A map of the first value of each name.
fn pairs_value(pairs: impl IntoIterator<Item = (String, String)>) -> Value {
    let mut map = Map::default();
    for (k, v) in pairs {
        map.entry(k.into()).or_insert_with(|| v.into());
    }
    Value::from(map)
}

/// The `name=value` pairs of a query string, percent-decoded (`+` is a space).
fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The context processors that may be named in settings: the built-ins and
/// any registered by name.
///
/// ```
/// use platen_tower::ContextProcessors;
/// use platen_core::{Context, Request};
///
/// let mut processors = ContextProcessors::new();
/// processors.register("site.user", |req: &Request| {
///     Context::new().with("user", req.header("x-user").unwrap_or("anonymous"))
/// });
/// assert!(processors.contains("site.user"));
/// assert!(processors.contains("platen.request"));
/// ```
#[derive(Clone)]
pub struct ContextProcessors {
    custom: BTreeMap<String, Arc<ProcessorFn>>,
}

impl fmt::Debug for ContextProcessors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextProcessors")
            .field("names", &self.names())
            .finish()
    }
}

impl Default for ContextProcessors {
    fn default() -> Self {
        ContextProcessors::new()
    }
}

/// The built-in names and Django's equivalents.
const BUILTINS: &[(&str, &str)] = &[
    (
        "platen.request",
        "django.template.context_processors.request",
    ),
    ("platen.debug", "django.template.context_processors.debug"),
    ("platen.csrf", "django.template.context_processors.csrf"),
    ("platen.static", "django.template.context_processors.static"),
];

impl ContextProcessors {
    /// The built-in processors (`platen.request`, `platen.debug`,
    /// `platen.csrf`, `platen.static`), and no others yet.
    pub fn new() -> ContextProcessors {
        ContextProcessors {
            custom: BTreeMap::new(),
        }
    }

    /// Registers `processor` under `name`, replacing an earlier one of that
    /// name (a built-in too). It gets the request and returns the variables
    /// to add.
    pub fn register<F>(&mut self, name: impl Into<String>, processor: F) -> &mut ContextProcessors
    where
        F: Fn(&Request) -> Context + Send + Sync + 'static,
    {
        self.custom.insert(name.into(), Arc::new(processor));
        self
    }

    /// Whether `name` names a processor.
    pub fn contains(&self, name: &str) -> bool {
        self.resolve(name).is_some()
    }

    /// Every name a processor answers to, sorted (Django's aliases included).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILTINS
            .iter()
            .flat_map(|(a, b)| [(*a).to_owned(), (*b).to_owned()])
            .chain(self.custom.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub(crate) fn resolve(&self, name: &str) -> Option<Processor> {
        if let Some(f) = self.custom.get(name) {
            return Some(Processor::Custom(f.clone()));
        }
        let builtin = BUILTINS
            .iter()
            .position(|(a, b)| *a == name || *b == name)?;
        Some(match builtin {
            0 => Processor::Request,
            1 => Processor::Debug,
            2 => Processor::Csrf,
            _ => Processor::Static,
        })
    }

    /// Resolves a list of names; an unknown one is a settings error naming
    /// `key(i)` and `source(i)`.
    pub(crate) fn resolve_list(
        &self,
        names: &[String],
        key: impl Fn(usize) -> String,
        source: impl Fn(usize) -> Option<String>,
    ) -> Result<Vec<Processor>> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                self.resolve(name).ok_or_else(|| {
                    let known = self.names();
                    let refs: Vec<&str> = known.iter().map(String::as_str).collect();
                    let mut detail = format!("unknown context processor `{name}`");
                    detail.push_str(&platen_core::closest::did_you_mean(name, &refs));
                    detail.push_str(&format!(
                        "; the known ones are: {}; register your own with ContextProcessors::register",
                        known.join(", ")
                    ));
                    Error::bad_setting(key(i), source(i), detail)
                })
            })
            .collect()
    }

    /// Resolves every engine's `options.context_processors` of `settings`,
    /// in the engines' order.
    pub(crate) fn resolve_settings(
        &self,
        settings: &Settings,
    ) -> Result<Vec<(String, Arc<[Processor]>)>> {
        settings
            .templates
            .iter()
            .map(|engine| {
                let list = self.resolve_list(
                    &engine.options.context_processors,
                    |i| engine.key(&format!("options.context_processors.{i}")),
                    |i| engine.source_of(&format!("options.context_processors.{i}")),
                )?;
                Ok((engine.name.clone(), Arc::from(list)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let pairs: Vec<_> = query_pairs("a=1&b=x+y&c=%3Cb%3E&a=2&d&e=%zz%4").collect();
        assert_eq!(
            pairs,
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "<b>".into()),
                ("a".into(), "2".into()),
                ("d".into(), String::new()),
                ("e".into(), "%zz%4".into()),
            ]
        );
    }

    #[test]
    fn request_value_has_underscored_headers() {
        let mut req = Request::new("GET", "/p?q=1");
        req.headers.push(("user-agent".into(), "t".into()));
        let v = Value::from_object(RequestObject(Arc::new(req)));
        assert_eq!(v.get_item("full_path").unwrap().as_str(), Some("/p?q=1"));
        let h = v.get_item("headers").unwrap();
        assert_eq!(h.get_item("user_agent").unwrap().as_str(), Some("t"));
        assert_eq!(h.get_item("user-agent").unwrap().as_str(), Some("t"));
    }

    #[test]
    fn unknown_names_suggest() {
        let p = ContextProcessors::new();
        let err = p
            .resolve_list(
                &["platen.reqest".into()],
                |i| format!("context_processors[{i}]"),
                |_| None,
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("did you mean `platen.request`"),
            "{err}"
        );
    }
}
