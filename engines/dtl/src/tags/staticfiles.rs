//! Django's `static` library: `static`, `get_static_prefix`, `get_media_prefix`.

use std::sync::Arc;

use platen_core::{Error, Value};

use crate::expr::{FilterExpr, syntax};
use crate::filters::urls::quote;
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::{Parser, as_var};
use crate::render::Renderer;

type R = Result<Node, Error>;

#[derive(Debug)]
struct StaticNode {
    path: Option<FilterExpr>,
    prefix: &'static str,
    asvar: Option<Arc<str>>,
}

impl CustomNode for StaticNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let mut url = self.prefix.to_owned();
        if let Some(path) = &self.path {
            let v = r.resolve(path, false)?;
            let p = v.to_string();
            url = if self.prefix.is_empty() {
                p
            } else {
                format!("{}{}", self.prefix, quote(&p, "/"))
            };
        }
        match &self.asvar {
            Some(name) => {
                r.set_var(name, Value::from(url));
                Ok(())
            }
            None => {
                r.write_value(&Value::from(url), out);
                Ok(())
            }
        }
    }
}

pub(crate) fn do_static(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    if bits.len() < 2 {
        return Err(syntax(format!(
            "'{}' takes at least one argument (path to file)",
            bits[0]
        )));
    }
    let asvar = as_var(&mut bits);
    let path = p.filter_expr(&bits[1])?;
    Ok(Node::Custom(Box::new(StaticNode {
        path: Some(path),
        prefix: "/static/",
        asvar,
    })))
}

pub(crate) fn do_static_prefix(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    let asvar = as_var(&mut bits);
    Ok(Node::Custom(Box::new(StaticNode {
        path: None,
        prefix: "/static/",
        asvar,
    })))
}

pub(crate) fn do_media_prefix(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    let asvar = as_var(&mut bits);
    Ok(Node::Custom(Box::new(StaticNode {
        path: None,
        prefix: "",
        asvar,
    })))
}
