//! `{% url %}` (reversed through the application's [`crate::UrlResolver`])
//! and `{% querystring %}`.

use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::{Parser, as_var, kwarg};
use smallvec::SmallVec;

use crate::escape::escape_html_into as escape_into;
use crate::filters::urls::quote_plus;
use crate::render::Renderer;

type R = Result<Node, Error>;

pub(crate) fn do_url(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    if bits.len() < 2 {
        return Err(syntax(format!(
            "'{}' takes at least one argument, a URL pattern name.",
            bits[0]
        )));
    }
    // `as var` comes after the pattern name, never in its place.
    let asvar = if bits.len() >= 4 {
        as_var(&mut bits)
    } else {
        None
    };
    let view = p.filter_expr(&bits[1])?;
    let rest = &bits[2..];
    let mut args = Vec::new();
    let mut kwargs = Vec::new();
    for bit in rest {
        match kwarg(bit) {
            (Some(k), v) => kwargs.push((Arc::from(k), p.filter_expr(v)?)),
            (None, v) => args.push(p.filter_expr(v)?),
        }
    }
    Ok(Node::Url(Box::new(UrlNode {
        view,
        args,
        kwargs,
        asvar,
    })))
}

pub(crate) fn do_querystring(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    let asvar = if bits.len() >= 3 {
        as_var(&mut bits)
    } else {
        None
    };
    let rest = &bits[1..];
    let mut args = Vec::new();
    let mut kwargs = Vec::new();
    for bit in rest {
        match kwarg(bit) {
            (Some(k), v) => kwargs.push((Arc::from(k), p.filter_expr(v)?)),
            (None, v) => {
                if !kwargs.is_empty() {
                    return Err(syntax(
                        "'querystring' received some positional argument(s) after some keyword argument(s)",
                    ));
                }
                args.push(p.filter_expr(v)?)
            }
        }
    }
    Ok(Node::Querystring(args, kwargs, asvar))
}

impl Renderer<'_> {
    pub(crate) fn render_url(&mut self, u: &UrlNode, out: &mut String) -> Result<(), Error> {
        let view_value = self.resolve(&u.view, false)?;
        let view: std::borrow::Cow<'_, str> = match &view_value {
            Value::Str(s) | Value::SafeStr(s) => std::borrow::Cow::Borrowed(s),
            other => std::borrow::Cow::Owned(other.to_string()),
        };
        let mut args: SmallVec<[Value; 4]> = SmallVec::new();
        for a in &u.args {
            args.push(self.resolve(a, false)?);
        }
        let mut kwargs = Vec::new();
        for (k, e) in &u.kwargs {
            kwargs.push((k.to_string(), self.resolve(e, false)?));
        }
        let result = match &self.settings.url_resolver {
            Some(r) => r.reverse(&view, &args, &kwargs),
            None => Err(Error::new(
                ErrorKind::RenderError,
                format!(
                    "Reverse for '{view}' not found. '{view}' is not a valid view function or pattern name."
                ),
            )),
        };
        match &u.asvar {
            Some(name) => {
                let url = result.unwrap_or_default();
                self.set_var(name, Value::from(url));
            }
            None => {
                // Django's `conditional_escape` of the reversed URL.
                let url = result?;
                if self.autoescape {
                    escape_into(out, &url);
                } else {
                    out.push_str(&url);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn render_querystring(
        &mut self,
        args: &[FilterExpr],
        kwargs: &[(Arc<str>, FilterExpr)],
        asvar: Option<&Arc<str>>,
        out: &mut String,
    ) -> Result<(), Error> {
        let mut params: Vec<(String, Vec<String>)> = Vec::new();
        let mut dicts: Vec<Vec<(String, Value)>> = Vec::new();
        if args.is_empty() {
            let Some(request) = self.request else {
                return Err(Error::new(
                    ErrorKind::InvalidAttribute,
                    "'Context' object has no attribute 'request'",
                ));
            };
            let query = request.query.clone();
            let mut d: Vec<(String, Value)> = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                d.push((k.to_owned(), Value::from(v)));
            }
            for (k, v) in d {
                match params.iter_mut().find(|(pk, _)| *pk == k) {
                    Some(slot) => slot.1.push(v.to_string()),
                    None => params.push((k, vec![v.to_string()])),
                }
            }
        }
        for a in args {
            let v = self.resolve(a, false)?;
            match v.as_map() {
                Some(m) => dicts.push(m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
                None => {
                    return Err(syntax(format!(
                        "querystring requires mappings for positional arguments (got {} instead).",
                        v.repr()
                    )));
                }
            }
        }
        let mut kw = Vec::new();
        for (k, e) in kwargs {
            kw.push((k.to_string(), self.resolve(e, false)?));
        }
        dicts.push(kw);
        for d in dicts {
            for (k, v) in d {
                let values: Option<Vec<String>> = match &v {
                    Value::None => None,
                    Value::List(l) => Some(l.iter().map(|x| x.to_string()).collect()),
                    other => Some(vec![other.to_string()]),
                };
                match values {
                    None => params.retain(|(pk, _)| *pk != k),
                    Some(vals) => match params.iter_mut().find(|(pk, _)| *pk == k) {
                        Some(slot) => slot.1 = vals,
                        None => params.push((k, vals)),
                    },
                }
            }
        }
        let mut qs = String::from("?");
        let mut first = true;
        for (k, vals) in &params {
            for v in vals {
                if !first {
                    qs.push('&');
                }
                first = false;
                qs.push_str(&quote_plus(k, ""));
                qs.push('=');
                qs.push_str(&quote_plus(v, ""));
            }
        }
        match asvar {
            Some(name) => self.set_var(name, Value::from(qs)),
            None => self.write_value(&Value::from(qs), out),
        }
        Ok(())
    }
}
