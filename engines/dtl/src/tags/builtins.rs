//! The rest of Django's `defaulttags`: `comment`, `autoescape`, `filter`,
//! `spaceless`, `templatetag`, `verbatim`, `widthratio`, `now`, `load`,
//! `lorem`, `csrf_token`, `debug` and `csp_nonce_attr`.

use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::Parser;
use crate::render::Renderer;

use std::fmt::Write;
use std::sync::LazyLock;

use crate::escape::escape_html_into as escape_into;
use crate::filters::py_float;

type R = Result<Node, Error>;

pub(crate) fn do_comment(p: &mut Parser<'_>, _: &Token<'_>) -> R {
    p.skip_past("endcomment")?;
    Ok(Node::Nothing)
}

pub(crate) fn do_autoescape(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits: Vec<&str> = token.contents.split_whitespace().collect();
    if bits.len() != 2 {
        return Err(syntax("'autoescape' tag requires exactly one argument."));
    }
    let on = match bits[1] {
        "on" => true,
        "off" => false,
        _ => return Err(syntax("'autoescape' argument should be 'on' or 'off'")),
    };
    let body = p.parse(&["endautoescape"])?;
    p.delete_first_token();
    Ok(Node::Autoescape(on, body))
}

pub(crate) fn do_filter(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let rest = token
        .contents
        .split_once(char::is_whitespace)
        .map_or("", |(_, r)| r);
    let expr = p.filter_expr(&format!("var|{rest}"))?;
    for f in &expr.filters {
        if f.def.name() == "escape" || f.def.name() == "safe" {
            return Err(syntax(format!(
                "\"filter {}\" is not permitted.  Use the \"autoescape\" tag instead.",
                f.def.name()
            )));
        }
    }
    let body = p.parse(&["endfilter"])?;
    p.delete_first_token();
    Ok(Node::Filter(Box::new(expr), body))
}

pub(crate) fn do_spaceless(p: &mut Parser<'_>, _: &Token<'_>) -> R {
    let body = p.parse(&["endspaceless"])?;
    p.delete_first_token();
    Ok(Node::Spaceless(body))
}

pub(crate) fn do_templatetag(_: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits: Vec<&str> = token.contents.split_whitespace().collect();
    if bits.len() != 2 {
        return Err(syntax("'templatetag' statement takes one argument"));
    }
    let text = match bits[1] {
        "openblock" => "{%",
        "closeblock" => "%}",
        "openvariable" => "{{",
        "closevariable" => "}}",
        "openbrace" => "{",
        "closebrace" => "}",
        "opencomment" => "{#",
        "closecomment" => "#}",
        other => {
            return Err(syntax(format!(
                "Invalid templatetag argument: '{other}'. Must be one of: ['openblock', 'closeblock', \
                 'openvariable', 'closevariable', 'openbrace', 'closebrace', 'opencomment', 'closecomment']"
            )));
        }
    };
    Ok(Node::Text(text.into()))
}

pub(crate) fn do_verbatim(p: &mut Parser<'_>, _: &Token<'_>) -> R {
    let body = p.parse(&["endverbatim"])?;
    p.delete_first_token();
    let mut text = String::new();
    for item in &body {
        if let Node::Text(t) = &item.node {
            text.push_str(t);
        }
    }
    Ok(Node::Text(text.into()))
}

pub(crate) fn do_widthratio(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let asvar = match bits.len() {
        4 => None,
        6 => {
            if bits[4] != "as" {
                return Err(syntax(
                    "Invalid syntax in widthratio tag. Expecting 'as' keyword",
                ));
            }
            Some(Arc::from(bits[5].as_str()))
        }
        _ => return Err(syntax("widthratio takes at least three arguments")),
    };
    let exprs = [
        p.filter_expr(&bits[1])?,
        p.filter_expr(&bits[2])?,
        p.filter_expr(&bits[3])?,
    ];
    Ok(Node::WidthRatio(Box::new(exprs), asvar))
}

pub(crate) fn do_now(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    let mut asvar = None;
    if bits.len() == 4 && bits[2] == "as" {
        asvar = bits.pop().map(Arc::from);
        bits.pop();
    }
    if bits.len() != 2 {
        return Err(syntax("'now' statement takes one argument"));
    }
    // Python's `bits[1][1:-1]`: drop the first and last characters.
    let mut chars = bits[1].chars();
    chars.next();
    chars.next_back();
    let fmt = chars.as_str();
    Ok(Node::Now(fmt.into(), asvar))
}

pub(crate) fn do_load(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits: Vec<&str> = token.contents.split_whitespace().collect();
    let known = |p: &Parser<'_>| {
        let mut names: Vec<&str> = p.libraries.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.join("\n")
    };
    if bits.len() >= 4 && bits[bits.len() - 2] == "from" {
        let name = bits[bits.len() - 1];
        let Some(lib) = p.libraries.get(name).cloned() else {
            return Err(syntax(format!(
                "'{name}' is not a registered tag library. Must be one of:\n{}",
                known(p)
            )));
        };
        for sub in &bits[1..bits.len() - 2] {
            if !p.add_from_library(&lib, sub) {
                return Err(syntax(format!(
                    "'{sub}' is not a valid tag or filter in tag library '{name}'"
                )));
            }
        }
    } else {
        for name in &bits[1..] {
            let Some(lib) = p.libraries.get(*name).cloned() else {
                return Err(syntax(format!(
                    "'{name}' is not a registered tag library. Must be one of:\n{}",
                    known(p)
                )));
            };
            p.add_library(&lib);
        }
    }
    Ok(Node::Nothing)
}

pub(crate) fn do_lorem(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits: Vec<&str> = token.contents.split_whitespace().collect();
    let common = bits.last() != Some(&"random");
    if !common {
        bits.pop();
    }
    let method = match bits.last() {
        Some(&"w") if bits.len() > 1 => b'w',
        Some(&"p") if bits.len() > 1 => b'p',
        Some(&"b") if bits.len() > 1 => b'b',
        _ => 0,
    };
    if method != 0 {
        bits.pop();
    }
    let method = if method == 0 { b'b' } else { method };
    let count = if bits.len() > 1 {
        bits.pop().unwrap_or("1")
    } else {
        "1"
    };
    let count = p.filter_expr(count)?;
    if bits.len() != 1 {
        return Err(syntax("Incorrect format for 'lorem' tag"));
    }
    Ok(Node::Lorem(Box::new(count), method, common))
}

/// Django 6's `{% csp_nonce_attr %}`.
#[derive(Debug)]
pub(crate) struct CspNonce;

impl CustomNode for CspNonce {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let v = r.lookup_name_or_invalid("csp_nonce");
        if v.is_true() && r.has_name("csp_nonce") {
            out.push_str("nonce=\"");
            crate::render::escape_into(out, &v.to_string());
            out.push('"');
        }
        Ok(())
    }
}

impl Renderer<'_> {
    pub(crate) fn render_autoescape(
        &mut self,
        on: bool,
        body: &NodeList,
        out: &mut String,
    ) -> Result<(), Error> {
        let saved = self.autoescape;
        self.autoescape = on;
        let r = self.render_list(body, out);
        self.autoescape = saved;
        r
    }

    pub(crate) fn render_filter(
        &mut self,
        e: &FilterExpr,
        body: &NodeList,
        out: &mut String,
    ) -> Result<(), Error> {
        let text = self.render_to_string(body)?;
        self.scopes.push_with([(VAR.clone(), Value::safe(text))]);
        let r = self.resolve(e, false);
        self.scopes.pop();
        let v = r?;
        let _ = write!(
            out,
            "{}",
            if matches!(v, Value::Str(_) | Value::SafeStr(_)) {
                v.to_string()
            } else {
                self.render_text(&v)
            }
        );
        Ok(())
    }

    pub(crate) fn render_spaceless(
        &mut self,
        body: &NodeList,
        out: &mut String,
    ) -> Result<(), Error> {
        let text = self.render_to_string(body)?;
        out.push_str(&strip_spaces_between_tags(text.trim()));
        Ok(())
    }

    pub(crate) fn render_widthratio(
        &mut self,
        exprs: &[FilterExpr; 3],
        asvar: Option<&Arc<str>>,
        out: &mut String,
    ) -> Result<(), Error> {
        let value = self.resolve(&exprs[0], false);
        let max = self.resolve(&exprs[1], false);
        let width = self.resolve(&exprs[2], false);
        let (value, max, width) = match (value, max, width) {
            (Ok(a), Ok(b), Ok(c)) => (a, b, c),
            (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => {
                if e.kind() == ErrorKind::UndefinedVariable {
                    return Ok(());
                }
                return Err(e);
            }
        };
        let Some(width) = crate::filters::py_int(&width).ok() else {
            return Err(syntax("widthratio final argument must be a number"));
        };
        let result = match (py_float(&value).ok(), py_float(&max).ok()) {
            (Some(_), Some(0.0)) => "0".to_owned(),
            (Some(v), Some(m)) => {
                let ratio = v / m * width as f64;
                if ratio.is_finite() {
                    // Python's round() gives an int of any size: past
                    // i64 it prints the float's exact integer value.
                    let r = round_half_even(ratio);
                    if r.abs() < 9.2e18 {
                        format!("{}", r as i64)
                    } else {
                        format!("{r:.0}")
                    }
                } else {
                    String::new()
                }
            }
            _ => String::new(),
        };
        match asvar {
            Some(name) => self.set_var(name, Value::from(result)),
            None => out.push_str(&result),
        }
        Ok(())
    }

    pub(crate) fn render_now(
        &mut self,
        fmt: &str,
        asvar: Option<&Arc<str>>,
        out: &mut String,
    ) -> Result<(), Error> {
        let now = Value::DateTime(chrono::Local::now().naive_local());
        let text = match crate::filters::lookup("date") {
            Some(def) => (def.func)(&now, Some(&Value::from(fmt)), &self.filter_env())?.to_string(),
            None => now.to_string(),
        };
        match asvar {
            Some(name) => self.set_var(name, Value::from(text)),
            None => out.push_str(&text),
        }
        Ok(())
    }

    pub(crate) fn render_lorem(
        &mut self,
        count: &FilterExpr,
        method: u8,
        common: bool,
        out: &mut String,
    ) -> Result<(), Error> {
        let c = self.resolve(count, false)?;
        // Django: int(count), 1 when that is a ValueError or TypeError.
        let count = match crate::filters::py_int(&c) {
            Ok(n) => n.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            Err(e) if e.kind() == ErrorKind::RenderError => return Err(e),
            Err(_) => 1,
        };
        // The count sets the length: the longest word is 14 bytes,
        // a random paragraph under 4 KiB.
        let per_item = if method == b'w' { 15 } else { 4096 };
        crate::filters::check_output_size(
            usize::try_from(count.max(0)).map_or(usize::MAX, |n| n.saturating_mul(per_item)),
        )?;
        if method == b'w' {
            out.push_str(&crate::lorem::words(count, common));
        } else {
            let paras = crate::lorem::paragraphs(count, common);
            for (i, p) in paras.iter().enumerate() {
                if i > 0 {
                    out.push_str("\n\n");
                }
                if method == b'p' {
                    let _ = write!(out, "<p>{p}</p>");
                } else {
                    out.push_str(p);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn render_csrf_token(&mut self, out: &mut String) -> Result<(), Error> {
        let token = self
            .lookup_name("csrf_token")
            .filter(Value::is_true)
            .or_else(|| {
                self.request
                    .and_then(|r| r.csrf_token.clone())
                    .map(Value::from)
            });
        if let Some(t) = token {
            let t = t.to_string();
            if t != "NOTPROVIDED" {
                out.push_str("<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"");
                escape_into(out, &t);
                out.push_str("\">");
            }
        }
        Ok(())
    }

    pub(crate) fn render_debug(&mut self, out: &mut String) -> Result<(), Error> {
        let mut s = String::new();
        for (k, v) in self.base.iter() {
            let _ = writeln!(s, "{k}: {}", v.repr());
        }
        escape_into(out, &s);
        Ok(())
    }
}

/// Django's `strip_spaces_between_tags`: `>\s+<` becomes `><`.
fn strip_spaces_between_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('>') {
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        let trimmed = after.trim_start_matches(|c: char| c.is_whitespace());
        if trimmed.len() != after.len() && trimmed.starts_with('<') {
            rest = trimmed;
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Python's `round()` (half to even) of a float.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// The name `var` (`{% filter %}`'s body), shared.
static VAR: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("var"));
