//! Fragment caching: Django's `cache` library
//! (`{% cache timeout name [vary_on ...] [using="alias"] %}`) and platen's
//! `{% depends_on obj ... %}`, and the `content_cache` library
//! (`{% cache_content %}` / `{% register_content %}`, the same two tags
//! under the names of the news site the idea comes from).
//!
//! A block that misses renders its body, recording every dependency
//! registered inside it (by `depends_on`, and by objects with a cache
//! identity that the body looks at), and stores the text with them; a
//! block that hits writes the stored text and registers its dependencies
//! with the blocks around it, so an outer block is expired by whatever an
//! inner one showed.

use platen_core::cache::{Cached, Ttl, template_fragment_key};
use platen_core::{Error, Value};

use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::Parser;
use crate::render::Renderer;

type R = Result<Node, Error>;

#[derive(Debug)]
struct CacheNode {
    /// The tag's name (`cache`, `cache_content`), for messages.
    tag: &'static str,
    timeout: FilterExpr,
    /// The fragment name, as written (Django does not resolve it).
    name: String,
    vary: Vec<FilterExpr>,
    body: NodeList,
    using: Option<FilterExpr>,
}

/// Django's `int(expire_time)` for the timeout; `None` is "forever".
fn timeout(tag: &str, t: &Value) -> Result<Option<i64>, Error> {
    let n = match t {
        Value::None => return Ok(None),
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        Value::Decimal(_) => t.to_string().split('.').next().and_then(|s| s.parse().ok()),
        Value::Str(s) | Value::SafeStr(s) => {
            let s = s.trim();
            // Python's int() takes digit separators: `1_000`.
            let plain = !s.starts_with('_') && !s.ends_with('_') && !s.contains("__");
            plain
                .then(|| s.replace('_', ""))
                .and_then(|s| s.parse().ok())
        }
        _ => None,
    };
    n.map(Some).ok_or_else(|| {
        syntax(format!(
            "\"{tag}\" tag got a non-integer timeout value: {}",
            t.repr()
        ))
    })
}

impl CustomNode for CacheNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        // The order of Django's CacheNode.render: timeout, cache, vary_on.
        let t = r.resolve(&self.timeout, false)?;
        let ttl = Ttl::from_django(timeout(self.tag, &t)?);
        let settings = r.settings;
        let cache = match &self.using {
            Some(u) => {
                let name = r.resolve(u, false)?;
                match settings.caches.get(&name.to_string()) {
                    Some(c) => c,
                    None => {
                        return Err(syntax(format!(
                            "Invalid cache name specified for {} tag: {}",
                            self.tag,
                            name.repr()
                        )));
                    }
                }
            }
            None => settings.caches.for_fragments(),
        };
        let mut vary = Vec::with_capacity(self.vary.len());
        for v in &self.vary {
            vary.push(r.resolve(v, false)?.to_string());
        }
        let key = template_fragment_key(&self.name, &vary);
        match cache.begin(&key, ttl) {
            Cached::Hit(fragment) => {
                r.deps.register_all(&fragment.deps);
                out.push_str(&fragment.value);
            }
            Cached::Miss(pending) => {
                let depth = r.deps.depth();
                r.deps.push();
                let mut text = String::new();
                if let Err(e) = r.render_list(&self.body, &mut text) {
                    r.deps.unwind_to(depth);
                    return Err(e);
                }
                let deps = r.deps.pop();
                pending.store(&text, &deps);
                out.push_str(&text);
            }
        }
        Ok(())
    }

    fn children(&self) -> Option<&NodeList> {
        Some(&self.body)
    }
}

fn parse_cache(p: &mut Parser<'_>, token: &Token<'_>, tag: &'static str, end: &str) -> R {
    let body = p.parse(&[end])?;
    p.delete_first_token();
    let bits: Vec<&str> = token.contents.split_whitespace().collect();
    if bits.len() < 3 {
        return Err(syntax(format!(
            "'{}' tag requires at least 2 arguments.",
            bits[0]
        )));
    }
    let mut rest = &bits[3..];
    let mut using = None;
    if let Some(u) = rest.last().and_then(|b| b.strip_prefix("using=")) {
        using = Some(p.filter_expr(u)?);
        rest = &rest[..rest.len() - 1];
    }
    let timeout = p.filter_expr(bits[1])?;
    let vary = rest
        .iter()
        .map(|b| p.filter_expr(b))
        .collect::<Result<_, _>>()?;
    Ok(Node::Custom(Box::new(CacheNode {
        tag,
        timeout,
        name: bits[2].to_owned(),
        vary,
        body,
        using,
    })))
}

/// `{% cache timeout name [vary_on ...] [using="alias"] %}...{% endcache %}`.
pub(crate) fn do_cache(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    parse_cache(p, token, "cache", "endcache")
}

/// `{% cache_content timeout name [vary_on ...] %}...{% endcache_content %}`.
pub(crate) fn do_cache_content(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    parse_cache(p, token, "cache_content", "endcache_content")
}

/// `{% depends_on obj ... %}`: the cache blocks around it show `obj`.
#[derive(Debug)]
struct DependsOn {
    tag: &'static str,
    deps: Vec<FilterExpr>,
}

impl CustomNode for DependsOn {
    fn render(&self, r: &mut Renderer<'_>, _out: &mut String) -> Result<(), Error> {
        if !r.deps.is_recording() {
            return Ok(());
        }
        for e in &self.deps {
            let v = r.resolve(e, false)?;
            register(self.tag, r, &v)?;
        }
        Ok(())
    }
}

/// Registers what `v` stands for: an object's cache identity, a map's
/// `cache_key`, a string as it is, each item of a list; nothing for `None`
/// or an empty string (a missing variable).
fn register(tag: &str, r: &mut Renderer<'_>, v: &Value) -> Result<(), Error> {
    match v {
        Value::None => Ok(()),
        Value::Str(s) | Value::SafeStr(s) => {
            if !s.is_empty() {
                r.deps.register(s);
            }
            Ok(())
        }
        Value::List(items) => {
            for item in items.iter() {
                register(tag, r, item)?;
            }
            Ok(())
        }
        // A map stands for an object through its `cache_key` (as in the
        // Handlebars and Tera helpers, whose contexts are JSON).
        Value::Map(m) => match m.get("cache_key") {
            Some(Value::Str(s) | Value::SafeStr(s)) if !s.is_empty() => {
                r.deps.register(s);
                Ok(())
            }
            Some(Value::Int(i)) => {
                r.deps.register(&i.to_string());
                Ok(())
            }
            _ => Err(no_identity(tag, v)),
        },
        Value::Object(o) => match o.cache_identity() {
            Some(id) => {
                r.deps.register(&id);
                Ok(())
            }
            None => match o.try_iter() {
                Some(items) => {
                    let items: Vec<Value> = items.collect();
                    for item in &items {
                        register(tag, r, item)?;
                    }
                    Ok(())
                }
                None => Err(no_identity(tag, v)),
            },
        },
        _ => Err(no_identity(tag, v)),
    }
}

fn no_identity(tag: &str, v: &Value) -> Error {
    Error::new(
        platen_core::ErrorKind::InvalidValue,
        format!(
            "'{tag}' got {}, which has no cache identity; pass an object with a cache \
             identity, a map with a `cache_key`, a list of them, or a string such as \"post:42\"",
            v.repr()
        ),
    )
}

fn parse_depends(p: &mut Parser<'_>, token: &Token<'_>, tag: &'static str) -> R {
    let bits = crate::lexer::split_contents(token.contents);
    if bits.len() < 2 {
        return Err(syntax(format!(
            "'{tag}' tag takes at least one argument: the object or identity (\"post:42\") \
             the fragment shows"
        )));
    }
    let deps = bits[1..]
        .iter()
        .map(|b| p.filter_expr(b))
        .collect::<Result<_, _>>()?;
    Ok(Node::Custom(Box::new(DependsOn { tag, deps })))
}

/// `{% depends_on obj ... %}`.
pub(crate) fn do_depends_on(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    parse_depends(p, token, "depends_on")
}

/// `{% register_content obj ... %}`.
pub(crate) fn do_register_content(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    parse_depends(p, token, "register_content")
}
