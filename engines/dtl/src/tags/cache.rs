//! Django's `cache` library: `{% cache timeout name [vary_on ...] [using=...] %}`.

use platen_core::{Error, Value};

use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::Parser;
use crate::render::Renderer;

type R = Result<Node, Error>;

#[derive(Debug)]
struct CacheNode {
    timeout: FilterExpr,
    vary: Vec<FilterExpr>,
    body: NodeList,
    using: Option<FilterExpr>,
}

impl CustomNode for CacheNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let t = r.resolve(&self.timeout, false)?;
        let ok = match &t {
            Value::None | Value::Int(_) => true,
            Value::Str(s) | Value::SafeStr(s) => s.trim().parse::<i64>().is_ok(),
            _ => false,
        };
        if !ok {
            return Err(syntax(format!(
                "\"cache\" tag got a non-integer timeout value: {}",
                t.repr()
            )));
        }
        for v in &self.vary {
            r.resolve(v, false)?;
        }
        if let Some(u) = &self.using {
            let name = r.resolve(u, false)?.to_string();
            if name != "default" {
                return Err(syntax(format!(
                    "Invalid cache name specified for cache tag: '{name}'"
                )));
            }
        }
        r.render_list(&self.body, out)
    }

    fn children(&self) -> Option<&NodeList> {
        Some(&self.body)
    }
}

pub(crate) fn do_cache(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let body = p.parse(&["endcache"])?;
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
        timeout,
        vary,
        body,
        using,
    })))
}
