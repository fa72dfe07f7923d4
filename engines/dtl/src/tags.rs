//! Compiling the built-in tags (Django's `defaulttags` and `loader_tags`)
//! and the tags of Django's `static`, `cache` and `i18n` libraries.

use std::borrow::Cow;
use std::sync::Arc;

use platen_core::{Error, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::library::{CustomNode, TagFn};
use crate::nodes::*;
use crate::parser::Parser;
use crate::render::Renderer;
use crate::smartif::parse_condition;

type R = Result<Node, Error>;

/// The built-in tag `name`.
pub(crate) fn builtin(name: &str) -> Option<TagFn> {
    Some(match name {
        "if" => do_if,
        "for" => do_for,
        "with" => do_with,
        "block" => do_block,
        "extends" => do_extends,
        "include" => do_include,
        "comment" => do_comment,
        "autoescape" => do_autoescape,
        "filter" => do_filter,
        "firstof" => do_firstof,
        "cycle" => do_cycle,
        "resetcycle" => do_resetcycle,
        "ifchanged" => do_ifchanged,
        "spaceless" => do_spaceless,
        "templatetag" => do_templatetag,
        "verbatim" => do_verbatim,
        "widthratio" => do_widthratio,
        "now" => do_now,
        "load" => do_load,
        "lorem" => do_lorem,
        "csrf_token" => |_, _| Ok(Node::CsrfToken),
        "debug" => |_, _| Ok(Node::Debug),
        "regroup" => do_regroup,
        "url" => do_url,
        "querystring" => do_querystring,
        "partialdef" => do_partialdef,
        "partial" => do_partial,
        "csp_nonce_attr" => |_, _| Ok(Node::Custom(Box::new(CspNonce))),
        _ => return None,
    })
}

fn do_if(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut compile = |s: &str| p.filter_expr(s);
    let bits = crate::expr::split_contents(token.contents);
    let cond = parse_condition(&bits[1..], &mut compile)?;
    let until = ["elif", "else", "endif"];
    let mut branches = vec![(Some(cond), p.parse(&until)?)];
    let mut tok = p.next_token().expect("parse stopped at an end tag");
    while tok.contents.starts_with("elif") {
        let bits = p.split(&tok);
        let mut compile = |s: &str| p.filter_expr(s);
        let cond = parse_condition(&bits[1..], &mut compile).map_err(|e| p.error_at(&tok, e))?;
        branches.push((Some(cond), p.parse(&until)?));
        tok = p.next_token().expect("parse stopped at an end tag");
    }
    if tok.contents == "else" {
        branches.push((None, p.parse(&["endif"])?));
        tok = p.next_token().expect("parse stopped at an end tag");
    }
    if tok.contents != "endif" {
        return Err(p.syntax_at(
            &tok,
            format!(
                "Malformed template tag at line {}: \"{}\"",
                tok.line, tok.contents
            ),
        ));
    }
    Ok(Node::If(branches))
}

fn do_for(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() < 4 {
        return Err(syntax(format!(
            "'for' statements should have at least four words: {}",
            token.contents
        )));
    }
    let reversed = bits.last().is_some_and(|b| b == "reversed");
    let in_index = if reversed {
        bits.len() - 3
    } else {
        bits.len() - 2
    };
    if bits[in_index] != "in" {
        return Err(syntax(format!(
            "'for' statements should use the format 'for x in y': {}",
            token.contents
        )));
    }
    let joined = bits[1..in_index].join(" ");
    let mut vars = Vec::new();
    for var in joined.split(',') {
        let var = var.trim_matches(' ');
        if var.is_empty() || var.contains([' ', '"', '\'', '|']) {
            return Err(syntax(format!(
                "'for' tag received an invalid argument: {}",
                token.contents
            )));
        }
        vars.push(crate::names::name(var));
    }
    let seq = p.filter_expr(&bits[in_index + 1])?;
    let body = p.parse(&["empty", "endfor"])?;
    let tok = p.next_token().expect("parse stopped at an end tag");
    let empty = if tok.contents == "empty" {
        let l = p.parse(&["endfor"])?;
        p.delete_first_token();
        l
    } else {
        Vec::new()
    };
    Ok(Node::For(Box::new(ForNode {
        vars,
        seq,
        reversed,
        body,
        empty,
    })))
}

/// Django's `token_kwargs`: consumes `a=b` (or legacy `b as a [and ...]`) bits.
pub(crate) fn token_kwargs(
    p: &Parser<'_>,
    bits: &mut Vec<Cow<'_, str>>,
    legacy: bool,
) -> Result<Vec<(Arc<str>, FilterExpr)>, Error> {
    fn kw(bit: &str) -> Option<(&str, &str)> {
        let (k, v) = bit.split_once('=')?;
        (!k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') && !v.is_empty())
            .then_some((k, v))
    }
    let mut out: Vec<(Arc<str>, FilterExpr)> = Vec::new();
    if bits.is_empty() {
        return Ok(out);
    }
    let kwarg_format = kw(&bits[0]).is_some();
    if !kwarg_format && (!legacy || bits.len() < 3 || bits[1] != "as") {
        return Ok(out);
    }
    let set = |out: &mut Vec<(Arc<str>, FilterExpr)>, k: &str, e: FilterExpr| {
        if let Some(slot) = out.iter_mut().find(|(n, _)| &**n == k) {
            slot.1 = e;
        } else {
            out.push((crate::names::name(k), e));
        }
    };
    while !bits.is_empty() {
        if kwarg_format {
            let Some((k, v)) = kw(&bits[0]) else {
                return Ok(out);
            };
            let e = p.filter_expr(v)?;
            set(&mut out, k, e);
            bits.remove(0);
        } else {
            if bits.len() < 3 || bits[1] != "as" {
                return Ok(out);
            }
            let e = p.filter_expr(&bits[0])?;
            set(&mut out, &bits[2].clone(), e);
            bits.drain(..3);
        }
        if !bits.is_empty() && !kwarg_format {
            if bits[0] != "and" {
                return Ok(out);
            }
            bits.remove(0);
        }
    }
    Ok(out)
}

fn do_with(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let mut rest = bits[1..].to_vec();
    let extra = token_kwargs(p, &mut rest, true)?;
    if extra.is_empty() {
        return Err(syntax(format!(
            "'{}' expected at least one variable assignment",
            bits[0]
        )));
    }
    if let Some(first) = rest.first() {
        return Err(syntax(format!(
            "'{}' received an invalid token: '{first}'",
            bits[0]
        )));
    }
    let body = p.parse(&["endwith"])?;
    p.delete_first_token();
    Ok(Node::With(extra, body))
}

fn do_block(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits: Vec<&str> = token.contents.split_whitespace().collect();
    if bits.len() != 2 {
        return Err(syntax(format!("'{}' tag takes only one argument", bits[0])));
    }
    let name = bits[1];
    if p.block_names.iter().any(|n| n == name) {
        return Err(syntax(format!(
            "'{}' tag with name '{name}' appears more than once",
            bits[0]
        )));
    }
    p.block_names.push(name.to_owned());
    let body = p.parse(&["endblock"])?;
    let end = p.next_token().expect("parse stopped at an end tag");
    let endbits: Vec<&str> = end.contents.split_whitespace().collect();
    if endbits.len() > 1 && endbits[1] != name {
        return Err(p.invalid_block_tag(&end, "endblock", &["endblock"]));
    }
    Ok(Node::Block(Arc::new(BlockDef {
        name: Arc::from(name),
        body,
    })))
}

/// Django's `construct_relative_path`.
pub(crate) fn relative_path<'n>(
    current: Option<&str>,
    name: &'n str,
    allow_recursion: bool,
) -> Result<Cow<'n, str>, Error> {
    let new_name = name.trim_matches(|c| c == '"' || c == '\'');
    if !(new_name.starts_with("./") || new_name.starts_with("../")) {
        return Ok(Cow::Borrowed(name));
    }
    let Some(current) = current else {
        return Err(syntax(format!(
            "The relative path {name} cannot be evaluated due to an unknown template origin."
        )));
    };
    let cur = current.trim_start_matches('/');
    let dir = cur.rfind('/').map_or("", |i| &cur[..i]);
    let joined = if dir.is_empty() {
        new_name.to_owned()
    } else {
        format!("{dir}/{new_name}")
    };
    // posixpath.normpath
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let normalized = if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    };
    if normalized.starts_with("../") || normalized == ".." {
        return Err(syntax(format!(
            "The relative path '{name}' points outside the file hierarchy that template '{current}' is in."
        )));
    }
    if !allow_recursion && cur == normalized {
        return Err(syntax(format!(
            "The relative path '{name}' was translated to template name '{normalized}', the same template in which the tag appears."
        )));
    }
    let quoted = (name.starts_with('"') || name.starts_with('\''))
        && name.len() > 1
        && name.ends_with(&name[..1]);
    Ok(Cow::Owned(if quoted {
        format!("\"{normalized}\"")
    } else {
        normalized
    }))
}

fn do_extends(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() != 2 {
        return Err(syntax(format!("'{}' takes one argument", bits[0])));
    }
    let name = relative_path(p.template_name(), &bits[1], false)?;
    let parent = p.filter_expr(&name)?;
    let body = p.parse(&[])?;
    if contains_extends(&body) {
        return Err(syntax(format!(
            "'{}' cannot appear more than once in the same template",
            bits[0]
        )));
    }
    let mut blocks = Vec::new();
    collect_blocks(&body, &mut blocks);
    Ok(Node::Extends(Box::new(ExtendsNode {
        parent,
        body,
        blocks,
        origin: p.origin.clone(),
    })))
}

fn do_include(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() < 2 {
        return Err(syntax(format!(
            "'{}' tag takes at least one argument: the name of the template to be included.",
            bits[0]
        )));
    }
    let mut rest = bits[2..].to_vec();
    let mut seen: Vec<Cow<'_, str>> = Vec::new();
    let mut extra = Vec::new();
    let mut only = false;
    while !rest.is_empty() {
        let option = rest.remove(0);
        if seen.contains(&option) {
            return Err(syntax(format!(
                "The '{option}' option was specified more than once."
            )));
        }
        match option.as_str() {
            "with" => {
                extra = token_kwargs(p, &mut rest, false)?;
                if extra.is_empty() {
                    return Err(syntax(format!(
                        "\"with\" in '{}' tag needs at least one keyword argument.",
                        bits[0]
                    )));
                }
            }
            "only" => only = true,
            _ => {
                return Err(syntax(format!(
                    "Unknown argument for '{}' tag: '{option}'.",
                    bits[0]
                )));
            }
        }
        seen.push(option);
    }
    let name = relative_path(p.template_name(), &bits[1], true)?;
    let template = p.filter_expr(&name)?;
    let current_name = Arc::from(p.origin.template_name.as_str());
    Ok(Node::Include(Box::new(IncludeNode {
        template,
        extra,
        only,
        current_name,
    })))
}

fn do_comment(p: &mut Parser<'_>, _: &Token<'_>) -> R {
    p.skip_past("endcomment")?;
    Ok(Node::Nothing)
}

fn do_autoescape(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_filter(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_firstof(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    bits.remove(0);
    if bits.is_empty() {
        return Err(syntax("'firstof' statement requires at least one argument"));
    }
    let mut asvar = None;
    if bits.len() >= 2 && bits[bits.len() - 2] == "as" {
        asvar = bits.pop().map(Arc::from);
        bits.pop();
    }
    let vars = bits
        .iter()
        .map(|b| p.filter_expr(b))
        .collect::<Result<_, _>>()?;
    Ok(Node::FirstOf(vars, asvar))
}

fn do_cycle(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut args = p.split(token);
    if args.len() < 2 {
        return Err(syntax("'cycle' tag requires at least two arguments"));
    }
    if args.len() == 2 {
        let name = &args[1];
        let Some(named) = &p.named_cycles else {
            return Err(syntax(format!(
                "No named cycles in template. '{name}' is not defined"
            )));
        };
        let Some(def) = named.get(name.as_str()) else {
            return Err(syntax(format!("Named cycle '{name}' does not exist")));
        };
        return Ok(Node::Cycle(def.clone()));
    }
    let mut as_form = false;
    let mut silent = false;
    if args.len() > 4 {
        let n = args.len();
        if args[n - 3] == "as" {
            if args[n - 1] != "silent" {
                return Err(syntax(format!(
                    "Only 'silent' flag is allowed after cycle's name, not '{}'.",
                    args[n - 1]
                )));
            }
            as_form = true;
            silent = true;
            args.pop();
        } else if args[n - 2] == "as" {
            as_form = true;
        }
    }
    let def = if as_form {
        let n = args.len();
        let name = args[n - 1].clone();
        let values = args[1..n - 2]
            .iter()
            .map(|a| p.filter_expr(a))
            .collect::<Result<_, _>>()?;
        let def = Arc::new(CycleDef {
            values,
            name: Some(Arc::from(name.as_str())),
            silent,
        });
        p.named_cycles
            .get_or_insert_default()
            .insert(name.into_owned(), def.clone());
        def
    } else {
        let values = args[1..]
            .iter()
            .map(|a| p.filter_expr(a))
            .collect::<Result<_, _>>()?;
        Arc::new(CycleDef {
            values,
            name: None,
            silent: false,
        })
    };
    p.last_cycle = Some(def.clone());
    Ok(Node::Cycle(def))
}

fn do_resetcycle(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let args = p.split(token);
    if args.len() > 2 {
        return Err(syntax(format!(
            "'{}' tag accepts at most one argument.",
            args[0]
        )));
    }
    if args.len() == 2 {
        let name = &args[1];
        return match p.named_cycles.as_ref().and_then(|m| m.get(name.as_str())) {
            Some(def) => Ok(Node::ResetCycle(def.clone())),
            None => Err(syntax(format!("Named cycle '{name}' does not exist."))),
        };
    }
    match &p.last_cycle {
        Some(def) => Ok(Node::ResetCycle(def.clone())),
        None => Err(syntax("No cycles in template.")),
    }
}

fn do_ifchanged(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let yes = p.parse(&["else", "endifchanged"])?;
    let tok = p.next_token().expect("parse stopped at an end tag");
    let no = if tok.contents == "else" {
        let l = p.parse(&["endifchanged"])?;
        p.delete_first_token();
        l
    } else {
        Vec::new()
    };
    let vars = bits[1..]
        .iter()
        .map(|b| p.filter_expr(b))
        .collect::<Result<_, _>>()?;
    Ok(Node::IfChanged(Box::new(IfChangedNode { vars, yes, no })))
}

fn do_spaceless(p: &mut Parser<'_>, _: &Token<'_>) -> R {
    let body = p.parse(&["endspaceless"])?;
    p.delete_first_token();
    Ok(Node::Spaceless(body))
}

fn do_templatetag(_: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_verbatim(p: &mut Parser<'_>, _: &Token<'_>) -> R {
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

fn do_widthratio(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_now(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_load(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_lorem(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_regroup(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() != 6 {
        return Err(syntax("'regroup' tag takes five arguments"));
    }
    let target = p.filter_expr(&bits[1])?;
    if bits[2] != "by" {
        return Err(syntax("second argument to 'regroup' tag must be 'by'"));
    }
    if bits[4] != "as" {
        return Err(syntax(
            "next-to-last argument to 'regroup' tag must be 'as'",
        ));
    }
    let expr = p.filter_expr(&format!("{}.{}", bits[5], bits[3]))?;
    Ok(Node::Regroup(
        Box::new(target),
        Box::new(expr),
        Arc::from(bits[5].as_str()),
    ))
}

/// Django's `kwarg_re`: `(?:(\w+)=)?(.+)`.
pub(crate) fn kwarg(bit: &str) -> (Option<&str>, &str) {
    if let Some((k, v)) = bit.split_once('=')
        && !k.is_empty()
        && k.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !v.is_empty()
    {
        return (Some(k), v);
    }
    (None, bit)
}

fn do_url(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_querystring(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

fn do_partialdef(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let (name, inline) = match bits.len() {
        3 if bits[2] == "inline" => (bits[1].clone(), true),
        3 => {
            return Err(syntax(
                "The 'inline' argument does not have any parameters; either use 'inline' or remove it completely.",
            ));
        }
        2 => (bits[1].clone(), false),
        1 => return Err(syntax("'partialdef' tag requires a name")),
        _ => return Err(syntax("'partialdef' tag takes at most 2 arguments")),
    };
    let named_end = format!("endpartialdef {name}");
    let body = p.parse(&["endpartialdef"])?;
    let end = p.next_token().expect("parse stopped at an end tag");
    if end.contents != "endpartialdef" && end.contents != named_end {
        let valid = ["endpartialdef", named_end.as_str()];
        return Err(p.invalid_block_tag(&end, "endpartialdef", &valid));
    }
    if p.partials.contains_key(&*name) {
        return Err(syntax(format!(
            "Partial '{name}' is already defined in the '{}' template.",
            p.origin.name
        )));
    }
    let body = Arc::new(body);
    p.partials.insert(name.into_owned(), body.clone());
    Ok(Node::PartialDef(inline, body))
}

fn do_partial(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() != 2 {
        return Err(syntax("'partial' tag requires a single argument"));
    }
    Ok(Node::Partial(
        Arc::from(bits[1].as_str()),
        Arc::downgrade(&p.partials_cell),
    ))
}

// ---- Django's `static`, `cache` and `i18n` libraries --------------------------------

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
                format!("{}{}", self.prefix, urlquote(&p))
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

/// Django's `quote(path, safe="/~")`-like escaping for static paths.
fn urlquote(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn as_var(bits: &mut Vec<Cow<'_, str>>) -> Option<Arc<str>> {
    if bits.len() >= 2 && bits[bits.len() - 2] == "as" {
        let v = bits.pop().map(|s| Arc::from(s.as_str()));
        bits.pop();
        v
    } else {
        None
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

#[derive(Debug)]
struct TransNode {
    /// The message and its filters.
    value: FilterExpr,
    /// The message alone (the filters apply after translation).
    head: FilterExpr,
    noop: bool,
    asvar: Option<Arc<str>>,
    context: Option<FilterExpr>,
}

/// A `context` option's resolved value, when it is true (Django tests `if message_context`).
fn message_context(r: &mut Renderer<'_>, e: Option<&FilterExpr>) -> Result<Option<String>, Error> {
    let Some(e) = e else { return Ok(None) };
    let v = r.resolve(e, false)?;
    Ok(v.is_true().then(|| v.to_string()))
}

impl CustomNode for TransNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let mut v = r.resolve(&self.head, false)?;
        if !self.noop {
            let context = message_context(r, self.context.as_ref())?;
            v = crate::i18n::translate_value(r, &v, context.as_deref())?;
        }
        if !self.value.filters.is_empty() {
            let e = FilterExpr {
                head: crate::expr::Head::Constant(v),
                filters: self.value.filters.clone(),
                token: self.value.token.clone(),
            };
            v = r.resolve(&e, false)?;
        }
        let mut text = String::new();
        r.write_value(&v, &mut text);
        let safe = r.autoescape || v.is_safe();
        // Django restores the `%` signs it doubled for gettext.
        if text.contains("%%") {
            text = text.replace("%%", "%");
        }
        match &self.asvar {
            Some(name) => r.set_var(
                name,
                if safe {
                    Value::safe(text)
                } else {
                    Value::from(text)
                },
            ),
            None => out.push_str(&text),
        }
        Ok(())
    }
}

pub(crate) fn do_translate(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() < 2 {
        return Err(syntax(format!("'{}' takes at least one argument", bits[0])));
    }
    let mut value = bits[1].clone();
    // A quoted message is a constant.
    if let Some(lit) = crate::expr::unescape_string_literal(&value) {
        value = format!("\"{}\"", lit.replace('\\', "\\\\").replace('"', "\\\"")).into();
    }
    let value = p.filter_expr(&value)?;
    let head = FilterExpr {
        head: value.head.clone(),
        filters: Vec::new(),
        token: value.token.clone(),
    };
    let mut noop = false;
    let mut asvar = None;
    let mut context = None;
    let mut seen: Vec<&str> = Vec::new();
    let mut i = 2;
    while i < bits.len() {
        let opt = bits[i].as_str();
        if seen.contains(&opt) {
            return Err(syntax(format!(
                "The '{opt}' option was specified more than once."
            )));
        }
        match opt {
            "noop" => noop = true,
            "context" | "as" => {
                let Some(v) = bits.get(i + 1) else {
                    return Err(syntax(format!(
                        "No argument provided to the '{}' tag for the {opt} option.",
                        bits[0]
                    )));
                };
                if opt == "as" {
                    asvar = Some(Arc::from(v.as_str()));
                } else {
                    context = Some(p.filter_expr(v)?);
                }
                i += 1;
            }
            _ => {
                return Err(syntax(format!(
                    "Unknown argument for '{}' tag: '{opt}'. The only options available are 'noop', 'context' \"xxx\", and 'as VAR'.",
                    bits[0]
                )));
            }
        }
        seen.push(opt);
        i += 1;
    }
    Ok(Node::Custom(Box::new(TransNode {
        value,
        head,
        noop,
        asvar,
        context,
    })))
}

#[derive(Debug)]
struct BlockTransNode {
    tag: String,
    singular: Vec<(bool, String)>,
    plural: Option<Vec<(bool, String)>>,
    counter: Option<(Arc<str>, FilterExpr)>,
    extra: Vec<(Arc<str>, FilterExpr)>,
    context: Option<FilterExpr>,
    asvar: Option<Arc<str>>,
    trimmed: bool,
}

fn trim_whitespace(s: &str) -> String {
    let lines: Vec<&str> = s
        .trim()
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" ").trim().to_owned()
}

/// Python's `message % data` for the `%(name)s` and `%%` a translation may
/// hold; `None` where Python raises `KeyError` or `ValueError`.
fn py_format(message: &str, data: &[(&str, String)]) -> Option<String> {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        if let Some(t) = tail.strip_prefix('%') {
            out.push('%');
            rest = t;
        } else {
            let t = tail.strip_prefix('(')?;
            let j = t.find(')')?;
            let t2 = t[j + 1..].strip_prefix('s')?;
            out.push_str(&data.iter().find(|(k, _)| *k == &t[..j])?.1);
            rest = t2;
        }
    }
    out.push_str(rest);
    Some(out)
}

impl BlockTransNode {
    /// Django's `render_token_list`: the message id and its variables.
    fn message<'a>(&self, parts: &'a [(bool, String)], vars: &mut Vec<&'a str>) -> String {
        let mut text = String::new();
        for (is_var, s) in parts {
            if *is_var {
                text.push_str(&format!("%({s})s"));
                vars.push(s);
            } else {
                text.push_str(&s.replace('%', "%%"));
            }
        }
        if self.trimmed {
            trim_whitespace(&text)
        } else {
            text
        }
    }

    fn render_text(&self, r: &mut Renderer<'_>, nested: bool) -> Result<String, Error> {
        let context = message_context(r, self.context.as_ref())?;
        let mut frame = Vec::new();
        for (k, e) in &self.extra {
            frame.push((k.clone(), r.resolve(e, false)?));
        }
        r.push_frame(frame);
        let result = self.translated(r, context.as_deref());
        let result = result.map(|(message, vars)| {
            let data: Vec<(&str, String)> = vars
                .iter()
                .map(|&v| {
                    let mut s = String::new();
                    r.write_value(&r.lookup_name_or_invalid(v), &mut s);
                    (v, s)
                })
                .collect();
            (py_format(&message, &data), message, data)
        });
        r.pop_frame();
        let (formatted, message, data) = result?;
        match formatted {
            Some(text) => Ok(text),
            None if nested => {
                let data: Vec<String> = data
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}: {}",
                            Value::from(*k).repr(),
                            Value::from(v.as_str()).repr()
                        )
                    })
                    .collect();
                Err(syntax(format!(
                    "'{}' is unable to format string returned by gettext: {} using {{{}}}",
                    self.tag,
                    Value::from(message).repr(),
                    data.join(", ")
                )))
            }
            None => {
                // A translation that does not format: render untranslated, as Django does.
                let saved = std::mem::replace(&mut r.language, crate::gettext::Active::Off);
                let text = self.render_text(r, true);
                r.language = saved;
                text
            }
        }
    }

    /// The translated message and the variables it may use.
    fn translated<'a>(
        &'a self,
        r: &mut Renderer<'_>,
        context: Option<&str>,
    ) -> Result<(String, Vec<&'a str>), Error> {
        let mut vars = Vec::new();
        let singular = self.message(&self.singular, &mut vars);
        if let (Some(plural), Some((name, e))) = (
            self.plural.as_ref().filter(|p| !p.is_empty()),
            &self.counter,
        ) {
            let v = r.resolve(e, false)?;
            let n = match &v {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                Value::Bool(b) => f64::from(u8::from(*b)),
                Value::Decimal(_) => v.to_string().parse().unwrap_or(0.0),
                _ => {
                    return Err(syntax(format!(
                        "'{name}' argument to '{}' tag must be a number.",
                        self.tag
                    )));
                }
            };
            r.set_var(name, v);
            let plural = self.message(plural, &mut vars);
            let (set, active) = (r.translations(), &r.language);
            let result = match context {
                Some(c) => set
                    .npgettext(active, c, &singular, &plural, n)?
                    .into_owned(),
                None => set.ngettext(active, &singular, &plural, n)?.into_owned(),
            };
            return Ok((result, vars));
        }
        let (set, active) = (r.translations(), &r.language);
        let result = match context {
            Some(c) => set.pgettext(active, c, &singular)?.into_owned(),
            None => set.gettext(active, &singular)?.into_owned(),
        };
        Ok((result, vars))
    }
}

impl CustomNode for BlockTransNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let text = self.render_text(r, false)?;
        match &self.asvar {
            Some(name) => r.set_var(name, Value::safe(text)),
            None => out.push_str(&text),
        }
        Ok(())
    }
}

pub(crate) fn do_blocktranslate(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let tag = bits[0].clone();
    let mut extra = Vec::new();
    let mut counter = None;
    let mut asvar = None;
    let mut context = None;
    let mut trimmed = false;
    let mut seen: Vec<Cow<'_, str>> = Vec::new();
    let mut rest: Vec<Cow<'_, str>> = bits[1..].to_vec();
    while !rest.is_empty() {
        let option = rest.remove(0);
        if seen.contains(&option) {
            return Err(syntax(format!(
                "The '{option}' option was specified more than once."
            )));
        }
        match option.as_str() {
            "with" => {
                extra = token_kwargs(p, &mut rest, true)?;
                if extra.is_empty() {
                    return Err(syntax(format!(
                        "\"with\" in '{tag}' tag needs at least one keyword argument."
                    )));
                }
            }
            "count" => {
                let v = token_kwargs(p, &mut rest, true)?;
                if v.len() != 1 {
                    return Err(syntax(format!(
                        "\"count\" in '{tag}' tag expected exactly one keyword argument."
                    )));
                }
                counter = v.into_iter().next();
            }
            "context" => {
                if rest.is_empty() {
                    return Err(syntax(format!(
                        "\"context\" in '{tag}' tag expected exactly one argument."
                    )));
                }
                context = Some(p.filter_expr(&rest.remove(0))?);
            }
            "trimmed" => trimmed = true,
            "asvar" => {
                if rest.is_empty() {
                    return Err(syntax(format!(
                        "No argument provided to the '{tag}' tag for the asvar option."
                    )));
                }
                asvar = Some(Arc::from(rest.remove(0).as_str()));
            }
            _ => {
                return Err(syntax(format!(
                    "Unknown argument for '{tag}' tag: '{option}'."
                )));
            }
        }
        seen.push(option);
    }
    let mut singular = Vec::new();
    let mut plural = None;
    let end_tag = format!("end{tag}");
    loop {
        let Some(t) = p.next_token() else {
            return Err(syntax(format!(
                "Unclosed tag on line {}: '{tag}'. Looking for one of: {end_tag}.",
                token.line
            )));
        };
        match t.kind {
            crate::lexer::TokenKind::Text => {
                singular_or(&mut singular, &mut plural).push((false, t.contents.to_owned()))
            }
            crate::lexer::TokenKind::Var => {
                let c = t.contents;
                if c.is_empty() || !c.chars().all(|ch| ch.is_alphanumeric() || ch == '_') {
                    return Err(syntax(format!(
                        "Variables and attributes may not begin with underscores or contain filters in '{tag}' tag: {c}"
                    ))
                    .with_detail(format!("Searching for value. '{tag}' tag only allows simple variables.")));
                }
                singular_or(&mut singular, &mut plural).push((true, c.to_owned()));
            }
            crate::lexer::TokenKind::Comment => {}
            crate::lexer::TokenKind::Block => {
                if t.contents == "plural" && counter.is_some() && plural.is_none() {
                    plural = Some(Vec::new());
                    continue;
                }
                if t.contents == end_tag {
                    break;
                }
                if t.contents.starts_with("plural") {
                    return Err(syntax(format!(
                        "'{tag}' doesn't allow other block tags inside it"
                    )));
                }
                return Err(syntax(format!(
                    "'{tag}' doesn't allow other block tags (seen '{}') inside it",
                    t.contents
                )));
            }
        }
    }
    if let Some((_, e)) = &counter
        && let crate::expr::Head::Constant(v) = &e.head
        && v.as_i64().is_none()
    {
        return Err(syntax(format!(
            "'counter' argument to '{tag}' tag must be a number."
        )));
    }
    Ok(Node::Custom(Box::new(BlockTransNode {
        tag: tag.into_owned(),
        singular,
        plural,
        counter,
        extra,
        context,
        asvar,
        trimmed,
    })))
}

fn singular_or<'a>(
    s: &'a mut Vec<(bool, String)>,
    p: &'a mut Option<Vec<(bool, String)>>,
) -> &'a mut Vec<(bool, String)> {
    match p {
        Some(p) => p,
        None => s,
    }
}

#[derive(Debug)]
struct SetConst(Arc<str>, Value);

impl CustomNode for SetConst {
    fn render(&self, r: &mut Renderer<'_>, _: &mut String) -> Result<(), Error> {
        r.set_var(&self.0, self.1.clone());
        Ok(())
    }
}

fn as_only(p: &Parser<'_>, token: &Token<'_>, what: &str) -> Result<Arc<str>, Error> {
    let bits = p.split(token);
    if bits.len() != 3 || bits[1] != "as" {
        return Err(syntax(format!(
            "'{}' requires 'as variable' (got {})",
            what,
            crate::i18n::py_list_repr(&bits)
        )));
    }
    Ok(Arc::from(bits[2].as_str()))
}

/// `{% get_current_language as x %}` and `{% get_current_language_bidi as x %}`.
#[derive(Debug)]
struct CurrentLanguage {
    var: Arc<str>,
    bidi: bool,
}

impl CustomNode for CurrentLanguage {
    fn render(&self, r: &mut Renderer<'_>, _: &mut String) -> Result<(), Error> {
        let set = r.translations();
        let v = if self.bidi {
            Value::Bool(set.bidi(&r.language))
        } else {
            set.current(&r.language).map_or(Value::None, Value::from)
        };
        r.set_var(&self.var, v);
        Ok(())
    }
}

pub(crate) fn do_get_current_language(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let var = as_only(p, token, "get_current_language")?;
    Ok(Node::Custom(Box::new(CurrentLanguage { var, bidi: false })))
}

pub(crate) fn do_get_current_language_bidi(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let var = as_only(p, token, "get_current_language_bidi")?;
    Ok(Node::Custom(Box::new(CurrentLanguage { var, bidi: true })))
}

pub(crate) fn do_get_available_languages(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let name = as_only(p, token, "get_available_languages")?;
    Ok(Node::Custom(Box::new(SetConst(
        name,
        crate::i18n::available_languages(),
    ))))
}

/// `{% language code %}...{% endlanguage %}`: Django's `translation.override(code)`.
#[derive(Debug)]
struct LanguageNode {
    language: FilterExpr,
    body: NodeList,
}

impl CustomNode for LanguageNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let code = r.resolve(&self.language, false)?;
        let code = (!matches!(code, Value::None)).then(|| code.to_string());
        let active = r.translations().activate(&r.language, code.as_deref());
        let saved = std::mem::replace(&mut r.language, active);
        let res = r.render_list(&self.body, out);
        r.language = saved;
        res
    }

    fn children(&self) -> Option<&NodeList> {
        Some(&self.body)
    }
}

pub(crate) fn do_language(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() != 2 {
        return Err(syntax(format!(
            "'{}' takes one argument (language)",
            bits[0]
        )));
    }
    let language = p.filter_expr(&bits[1])?;
    let body = p.parse(&["endlanguage"])?;
    p.delete_first_token();
    Ok(Node::Custom(Box::new(LanguageNode { language, body })))
}

/// Django 6's `{% csp_nonce_attr %}`.
#[derive(Debug)]
struct CspNonce;

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
