//! The tags of Django's `i18n` library that translate: `translate`,
//! `blocktranslate`, `language`, `get_current_language(_bidi)` and
//! `get_available_languages`.

use std::sync::Arc;

use platen_core::{Error, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::{Parser, TagOptions, token_kwargs};
use crate::render::Renderer;

type R = Result<Node, Error>;

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
            v = crate::render::translate_value(r, &v, context.as_deref())?;
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
    let mut options = TagOptions::new(&bits[2..]);
    while let Some(opt) = options.next_option()? {
        match opt.as_str() {
            "noop" => noop = true,
            "context" | "as" => {
                let Some(v) = options.value() else {
                    return Err(syntax(format!(
                        "No argument provided to the '{}' tag for the {opt} option.",
                        bits[0]
                    )));
                };
                if opt == "as" {
                    asvar = Some(Arc::from(v.as_str()));
                } else if v == "as" || v == "noop" {
                    return Err(syntax(format!(
                        "Invalid argument '{v}' provided to the '{}' tag for the context option",
                        bits[0]
                    )));
                } else {
                    context = Some(p.filter_expr(&v)?);
                }
            }
            _ => {
                return Err(syntax(format!(
                    "Unknown argument for '{}' tag: '{opt}'. The only options available are 'noop', 'context' \"xxx\", and 'as VAR'.",
                    bits[0]
                )));
            }
        }
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
    let mut options = TagOptions::new(&bits[1..]);
    while let Some(option) = options.next_option()? {
        match option.as_str() {
            "with" => extra = options.with_kwargs(p, &tag, true)?,
            "count" => {
                let v = token_kwargs(p, &mut options.rest, true)?;
                if v.len() != 1 {
                    return Err(syntax(format!(
                        "\"count\" in '{tag}' tag expected exactly one keyword argument."
                    )));
                }
                counter = v.into_iter().next();
            }
            "context" => {
                let Some(v) = options.value() else {
                    return Err(syntax(format!(
                        "\"context\" in '{tag}' tag expected exactly one argument."
                    )));
                };
                context = Some(p.filter_expr(&v)?);
            }
            "trimmed" => trimmed = true,
            "asvar" => {
                let Some(v) = options.value() else {
                    return Err(syntax(format!(
                        "No argument provided to the '{tag}' tag for the asvar option."
                    )));
                };
                asvar = Some(Arc::from(v.as_str()));
            }
            _ => {
                return Err(syntax(format!(
                    "Unknown argument for '{tag}' tag: '{option}'."
                )));
            }
        }
    }
    // Django's loop: text and variables make the singular; the first other
    // token must be `plural` (with a counter) or the end tag, and a template
    // that ends first names the last token read.
    let mut last = token.contents.to_owned();
    let singular = read_message(p, &tag, &mut last)?;
    let plural = match counter {
        Some(_) => {
            if last.trim() != "plural" {
                return Err(syntax(format!(
                    "'{tag}' doesn't allow other block tags inside it"
                )));
            }
            Some(read_message(p, &tag, &mut last)?)
        }
        None => None,
    };
    if last.trim() != format!("end{tag}") {
        return Err(syntax(format!(
            "'{tag}' doesn't allow other block tags (seen {}) inside it",
            Value::from(last.as_str()).repr()
        )));
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

/// Reads the text and variables of a `blocktranslate` message up to the next
/// other token; `last` ends as the contents of the last token read (Django's
/// `token` after its loop).
fn read_message(
    p: &mut Parser<'_>,
    tag: &str,
    last: &mut String,
) -> Result<Vec<(bool, String)>, Error> {
    let mut parts = Vec::new();
    while let Some(t) = p.next_token() {
        *last = t.contents.to_owned();
        match t.kind {
            crate::lexer::TokenKind::Text => parts.push((false, t.contents.to_owned())),
            crate::lexer::TokenKind::Var => {
                let c = t.contents;
                if c.is_empty() || !c.chars().all(|ch| ch.is_alphanumeric() || ch == '_') {
                    return Err(syntax(format!(
                        "Variables and attributes may not begin with underscores or contain filters in '{tag}' tag: {c}"
                    ))
                    .with_detail(format!("Searching for value. '{tag}' tag only allows simple variables.")));
                }
                parts.push((true, c.to_owned()));
            }
            crate::lexer::TokenKind::Comment | crate::lexer::TokenKind::Block => break,
        }
    }
    Ok(parts)
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
            crate::parser::py_list_repr(&bits)
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
        crate::tags::language_info::available_languages(),
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
