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
    // `{% static as name %}`: nothing left for the path (Django fails with
    // an IndexError here; say what is missing instead).
    let Some(path) = bits.get(1) else {
        return Err(syntax(format!(
            "'{}' takes at least one argument (path to file)",
            bits[0]
        )));
    };
    let path = p.filter_expr(path)?;
    Ok(Node::Custom(Box::new(StaticNode {
        path: Some(path),
        prefix: "/static/",
        asvar,
    })))
}

/// Django's `PrefixNode.handle_token`: `{% get_static_prefix [as name] %}`.
fn prefix_node(token: &Token<'_>, prefix: &'static str) -> R {
    // Split on whitespace, as Django does: these tags take no variables.
    let bits: Vec<&str> = token.contents.split_whitespace().collect();
    let asvar = match bits.as_slice() {
        [_] => None,
        [tag, second, ..] if *second != "as" => {
            return Err(syntax(format!("First argument in '{tag}' must be 'as'")));
        }
        // Django fails with an IndexError here; say what is missing instead.
        [tag, _] => {
            return Err(syntax(format!("'{tag}' needs a variable name after 'as'")));
        }
        [_, _, name, ..] => Some(Arc::from(*name)),
        [] => None,
    };
    Ok(Node::Custom(Box::new(StaticNode {
        path: None,
        prefix,
        asvar,
    })))
}

pub(crate) fn do_static_prefix(_: &mut Parser<'_>, token: &Token<'_>) -> R {
    prefix_node(token, "/static/")
}

pub(crate) fn do_media_prefix(_: &mut Parser<'_>, token: &Token<'_>) -> R {
    prefix_node(token, "")
}
