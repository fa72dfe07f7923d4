//! The site's route table: matching a request path to a route, and
//! reversing a route name and arguments to a path for `{% url %}` (Django's
//! `urlpatterns` and `reverse`).

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use platen::dtl::UrlResolver;
use platen::{Error, ErrorKind, Value};

/// One route: a name for `{% url %}` and a pattern whose `{param}`
/// segments match one path segment each (axum's syntax, so the axum server
/// mounts the same patterns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The name templates reverse.
    pub name: &'static str,
    /// The path pattern, like `/posts/{slug}/`.
    pub pattern: &'static str,
}

/// Every route of the site.
pub const ROUTES: &[Route] = &[
    Route {
        name: "home",
        pattern: "/",
    },
    Route {
        name: "post",
        pattern: "/posts/{slug}/",
    },
    Route {
        name: "tag",
        pattern: "/tags/{tag}/",
    },
    Route {
        name: "about",
        pattern: "/about/",
    },
    Route {
        name: "broken",
        pattern: "/broken/",
    },
];

/// The pattern of the route `name` (for mounting it in a router).
///
/// # Panics
///
/// When `name` is not in [`ROUTES`]: a programming error in the site, not
/// something a request can cause.
pub fn pattern(name: &str) -> &'static str {
    match ROUTES.iter().find(|r| r.name == name) {
        Some(r) => r.pattern,
        None => panic!("no route named {name:?} in ROUTES"),
    }
}

/// Everything but unreserved URL characters is percent-encoded in a segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path segment's parameter name, if the segment is `{name}`.
fn param(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

impl Route {
    /// The names of the pattern's parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = &'static str> {
        self.pattern.split('/').filter_map(param)
    }

    /// The decoded parameter values when `path` matches this route.
    pub fn matches(&self, path: &str) -> Option<Vec<String>> {
        let mut values = Vec::new();
        let mut want = self.pattern.split('/');
        let mut got = path.split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return Some(values),
                (Some(w), Some(g)) => match param(w) {
                    Some(_) => {
                        let value = percent_decode_str(g).decode_utf8().ok()?;
                        if value.is_empty() || value.contains('/') {
                            return None;
                        }
                        values.push(value.into_owned());
                    }
                    None if w == g => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }

    /// The path of this route with `values` for its parameters, in order.
    fn build(&self, values: &[String]) -> String {
        let mut values = values.iter();
        let mut out = String::with_capacity(self.pattern.len() + 16);
        for (i, segment) in self.pattern.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            let value = if param(segment).is_some() {
                values.next()
            } else {
                None
            };
            match value {
                Some(v) => {
                    let _ = write!(out, "{}", utf8_percent_encode(v, SEGMENT));
                }
                None => out.push_str(segment),
            }
        }
        out
    }
}

/// The route table as a `{% url %}` resolver and a request router.
#[derive(Debug, Clone, Copy)]
pub struct Routes {
    routes: &'static [Route],
}

impl Default for Routes {
    fn default() -> Routes {
        Routes { routes: ROUTES }
    }
}

impl Routes {
    /// A table of `routes`.
    pub fn new(routes: &'static [Route]) -> Routes {
        Routes { routes }
    }

    /// The first route matching `path`, with its parameter values.
    pub fn resolve(&self, path: &str) -> Option<(&'static Route, Vec<String>)> {
        self.routes
            .iter()
            .find_map(|r| r.matches(path).map(|values| (r, values)))
    }

    /// Django's `NoReverseMatch` message for `name` with these arguments.
    fn no_match(&self, name: &str, args: &[Value], kwargs: &[(String, Value)]) -> Error {
        let tried: Vec<String> = self
            .routes
            .iter()
            .filter(|r| r.name == name)
            .map(|r| format!("'{}'", r.pattern.trim_start_matches('/')))
            .collect();
        let with = if !args.is_empty() {
            let list: Vec<String> = args.iter().map(Value::repr).collect();
            let trailing = if list.len() == 1 { "," } else { "" };
            format!("with arguments '({}{trailing})'", list.join(", "))
        } else if !kwargs.is_empty() {
            let list: Vec<String> = kwargs
                .iter()
                .map(|(k, v)| format!("'{k}': {}", v.repr()))
                .collect();
            format!("with keyword arguments '{{{}}}'", list.join(", "))
        } else {
            "with no arguments".to_owned()
        };
        Error::new(
            ErrorKind::RenderError,
            format!(
                "NoReverseMatch: Reverse for '{name}' {with} not found. {} pattern(s) tried: [{}]",
                tried.len(),
                tried.join(", ")
            ),
        )
    }
}

impl UrlResolver for Routes {
    fn reverse(
        &self,
        view: &str,
        args: &[Value],
        kwargs: &[(String, Value)],
    ) -> Result<String, Error> {
        if !self.routes.iter().any(|r| r.name == view) {
            return Err(Error::new(
                ErrorKind::RenderError,
                format!(
                    "NoReverseMatch: Reverse for '{view}' not found. '{view}' is not a valid view function or pattern name."
                ),
            ));
        }
        // Django refuses to mix positional and keyword arguments.
        if !args.is_empty() && !kwargs.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                "Don't mix *args and **kwargs in call to reverse()!",
            ));
        }
        for route in self.routes.iter().filter(|r| r.name == view) {
            let params: Vec<&str> = route.params().collect();
            let values: Option<Vec<String>> = if kwargs.is_empty() {
                (args.len() == params.len()).then(|| args.iter().map(|v| v.to_string()).collect())
            } else {
                (kwargs.len() == params.len())
                    .then(|| {
                        params
                            .iter()
                            .map(|p| {
                                kwargs
                                    .iter()
                                    .find(|(k, _)| k == p)
                                    .map(|(_, v)| v.to_string())
                            })
                            .collect()
                    })
                    .flatten()
            };
            if let Some(values) = values.filter(|v| v.iter().all(|s| !s.is_empty())) {
                return Ok(route.build(&values));
            }
        }
        Err(self.no_match(view, args, kwargs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_reverses() {
        let routes = Routes::default();
        let (route, values) = routes.resolve("/posts/hello%20you/").unwrap();
        assert_eq!((route.name, values), ("post", vec!["hello you".to_owned()]));
        assert!(routes.resolve("/posts/").is_none());
        assert!(routes.resolve("/posts/a/b/").is_none());
        assert!(routes.resolve("/posts/a%2fb/").is_none());
        assert_eq!(routes.resolve("/").unwrap().0.name, "home");
        assert_eq!(
            routes
                .reverse("post", &[Value::from("a b/c")], &[])
                .unwrap(),
            "/posts/a%20b%2Fc/"
        );
        assert_eq!(
            routes
                .reverse("tag", &[], &[("tag".into(), Value::from("dtl"))])
                .unwrap(),
            "/tags/dtl/"
        );
        assert_eq!(routes.reverse("home", &[], &[]).unwrap(), "/");
    }

    #[test]
    fn no_reverse_match_says_what_was_tried() {
        let routes = Routes::default();
        let err = routes.reverse("post", &[], &[]).unwrap_err().to_string();
        assert!(err.contains("Reverse for 'post' with no arguments not found. 1 pattern(s) tried: ['posts/{slug}/']"), "{err}");
        let err = routes
            .reverse("post", &[Value::from("a"), Value::from(2)], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("with arguments '('a', 2)'"), "{err}");
        let err = routes.reverse("nope", &[], &[]).unwrap_err().to_string();
        assert!(
            err.contains("'nope' is not a valid view function or pattern name"),
            "{err}"
        );
        let err = routes
            .reverse("post", &[], &[("id".into(), Value::from(1))])
            .unwrap_err()
            .to_string();
        assert!(err.contains("with keyword arguments '{'id': 1}'"), "{err}");
    }
}
