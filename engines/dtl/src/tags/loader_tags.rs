//! Django's `loader_tags` (`block`, `extends`, `include`) and the partials
//! of Django 6 (`partialdef`, `partial`): compiling them, and rendering
//! inheritance and inclusion.

use std::borrow::Cow;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use crate::expr::BitStr;
use crate::expr::syntax;
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::{Parser, TagOptions};
use crate::render::Renderer;

use std::collections::HashMap;
use std::sync::{LazyLock, Weak};

use platen_core::Origin;
use smallvec::SmallVec;

use crate::render::{BlockContext, MAX_DEPTH, Site};

type R = Result<Node, Error>;

pub(crate) fn do_block(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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
    // Django compares the whole tag: `endblock` or `endblock <name>`, exactly.
    let named = format!("endblock {name}");
    if end.contents != "endblock" && end.contents != named {
        return Err(p.invalid_block_tag(&end, "endblock", &["endblock", &named]));
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

pub(crate) fn do_extends(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

pub(crate) fn do_include(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() < 2 {
        return Err(syntax(format!(
            "'{}' tag takes at least one argument: the name of the template to be included.",
            bits[0]
        )));
    }
    let mut options = TagOptions::new(&bits[2..]);
    let mut extra = Vec::new();
    let mut only = false;
    while let Some(option) = options.next_option()? {
        match option.as_str() {
            "with" => extra = options.with_kwargs(p, &bits[0], false)?,
            "only" => only = true,
            _ => {
                return Err(syntax(format!(
                    "Unknown argument for '{}' tag: '{option}'.",
                    bits[0]
                )));
            }
        }
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

pub(crate) fn do_partialdef(p: &mut Parser<'_>, token: &Token<'_>) -> R {
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

pub(crate) fn do_partial(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() != 2 {
        return Err(syntax("'partial' tag requires a single argument"));
    }
    Ok(Node::Partial(
        Arc::from(bits[1].as_str()),
        Arc::downgrade(&p.partials_cell),
    ))
}

impl Renderer<'_> {
    pub(crate) fn render_partialdef(
        &mut self,
        inline: bool,
        body: &NodeList,
        out: &mut String,
    ) -> Result<(), Error> {
        if inline {
            self.render_list(body, out)?;
        }
        Ok(())
    }

    pub(crate) fn render_partial(
        &mut self,
        name: &Arc<str>,
        partials: &Weak<Partials>,
        out: &mut String,
    ) -> Result<(), Error> {
        let body = partials
            .upgrade()
            .and_then(|p| p.get().and_then(|m| m.get(&**name).cloned()));
        match body {
            Some(body) => self.render_list(&body, out)?,
            None => {
                return Err(syntax(format!(
                    "Partial '{name}' is not defined in the current template."
                )));
            }
        }
        Ok(())
    }
}

impl Renderer<'_> {
    pub(crate) fn block_context(&mut self) -> Option<&mut BlockContext> {
        self.rctx.last_mut().and_then(|f| f.blocks.as_mut())
    }

    pub(crate) fn render_block(
        &mut self,
        b: &Arc<BlockDef>,
        site: Site,
        out: &mut String,
    ) -> Result<(), Error> {
        self.scopes.push();
        let saved_site = std::mem::replace(&mut self.site, site.clone());
        let block_name: &Arc<str> = &BLOCK;
        let r = if self.block_context().is_none() {
            self.set_var(
                block_name,
                Value::from_object(BlockRef {
                    def: b.clone(),
                    site,
                    has_context: false,
                }),
            );
            self.render_list(&b.body, out)
        } else {
            let popped = self
                .block_context()
                .and_then(|bc| bc.get_mut(&b.name).and_then(Vec::pop));
            let (block, bsite) = match &popped {
                Some((def, s)) => (def.clone(), s.clone()),
                None => (b.clone(), site),
            };
            self.site = bsite.clone();
            self.set_var(
                block_name,
                Value::from_object(BlockRef {
                    def: block.clone(),
                    site: bsite,
                    has_context: true,
                }),
            );
            let r = self.render_list(&block.body, out);
            if let Some(p) = popped
                && let Some(bc) = self.block_context()
            {
                bc.entry(b.name.clone()).or_default().push(p);
            }
            r
        };
        self.site = saved_site;
        self.scopes.pop();
        r
    }

    pub(crate) fn block_super(&mut self, b: &BlockRef) -> Result<Value, Error> {
        if !b.has_context {
            return Err(syntax(
                "'BlockNode' object has no attribute 'context'. Did you use {{ block.super }} in a base template?",
            ));
        }
        let has = self
            .block_context()
            .and_then(|bc| bc.get(&b.def.name))
            .is_some_and(|l| !l.is_empty());
        if !has {
            return Ok(Value::from(""));
        }
        let mut s = String::new();
        self.render_block(&b.def.clone(), b.site.clone(), &mut s)?;
        Ok(Value::safe(s))
    }

    pub(crate) fn render_extends(
        &mut self,
        e: &ExtendsNode,
        out: &mut String,
    ) -> Result<(), Error> {
        let parent = self.resolve(&e.parent, false)?;
        if !parent.is_true() {
            let mut msg = format!("Invalid template name in 'extends' tag: {}.", parent.repr());
            if !e.parent.filters.is_empty() || e.parent.is_var() {
                msg.push_str(&format!(
                    " Got this from the '{}' variable.",
                    e.parent.token
                ));
            }
            return Err(syntax(msg));
        }
        let name = parent.to_string();
        let history = self
            .rctx
            .last_mut()
            .expect("render frame")
            .history
            .get_or_insert_with(|| vec![e.origin.clone()])
            .clone();
        let tmpl = self.templates.find(&name, &history)?;
        self.rctx
            .last_mut()
            .expect("render frame")
            .history
            .as_mut()
            .expect("history")
            .push(Origin::clone(&tmpl.origin));
        let own_site = self.site.clone();
        let psite = tmpl.site();
        let frame = self.rctx.last_mut().expect("render frame");
        let bc = frame.blocks.get_or_insert_with(HashMap::new);
        for b in &e.blocks {
            bc.entry(b.name.clone())
                .or_default()
                .insert(0, (b.clone(), own_site.clone()));
        }
        if !tmpl.first_is_extends {
            for b in &tmpl.blocks {
                bc.entry(b.name.clone())
                    .or_default()
                    .insert(0, (b.clone(), psite.clone()));
            }
        }
        self.enter()?;
        let saved = std::mem::replace(&mut self.site, psite);
        let r = self.render_list(&tmpl.nodes, out);
        self.site = saved;
        self.depth -= 1;
        r
    }

    /// Renders only the block `name` of `tmpl`, with the blocks of its whole
    /// `{% extends %}` chain in place (so the most derived definition wins
    /// and `{{ block.super }}` works), and nothing outside the block.
    pub(crate) fn render_named_block(
        &mut self,
        tmpl: &Arc<CompiledTemplate>,
        name: &str,
        out: &mut String,
    ) -> Result<(), Error> {
        let mut bc: BlockContext = HashMap::new();
        let mut history = vec![Origin::clone(&tmpl.origin)];
        let mut cur = tmpl.clone();
        loop {
            let site = cur.site();
            let extends = cur
                .nodes
                .iter()
                .find(|i| !matches!(i.node, Node::Text(_)))
                .and_then(|i| match &i.node {
                    Node::Extends(e) => Some((e, i)),
                    _ => None,
                });
            let Some((e, item)) = extends else {
                for b in &cur.blocks {
                    bc.entry(b.name.clone())
                        .or_default()
                        .insert(0, (b.clone(), site.clone()));
                }
                break;
            };
            for b in &e.blocks {
                bc.entry(b.name.clone())
                    .or_default()
                    .insert(0, (b.clone(), site.clone()));
            }
            self.site = site;
            let parent = self
                .resolve(&e.parent, false)
                .map_err(|err| self.locate(err, item))?;
            if !parent.is_true() {
                let err = syntax(format!(
                    "Invalid template name in 'extends' tag: {}.",
                    parent.repr()
                ));
                return Err(self.locate(err, item));
            }
            let next = self
                .templates
                .find(&parent.to_string(), &history)
                .map_err(|err| self.locate(err, item))?;
            history.push(Origin::clone(&next.origin));
            if history.len() > MAX_DEPTH {
                return Err(Error::new(
                    ErrorKind::Recursion,
                    format!("templates extend each other more than {MAX_DEPTH} levels deep"),
                ));
            }
            cur = next;
        }
        let Some((def, site)) = bc.get(name).and_then(|l| l.last()).cloned() else {
            return Err(Error::new(
                ErrorKind::RenderError,
                format!(
                    "Block '{name}' is not defined in template '{}' or the templates it extends.",
                    tmpl.name
                ),
            ));
        };
        let frame = self.rctx.last_mut().expect("render frame");
        frame.blocks = Some(bc);
        frame.history = Some(history);
        self.render_block(&def, site, out)
    }

    pub(crate) fn render_include(
        &mut self,
        n: &IncludeNode,
        out: &mut String,
    ) -> Result<(), Error> {
        let v = self.resolve(&n.template, false)?;
        let names: SmallVec<[std::borrow::Cow<'_, str>; 1]> = match &v {
            Value::Str(s) | Value::SafeStr(s) => {
                if s.is_empty() {
                    SmallVec::new()
                } else {
                    smallvec::smallvec![relative_path(Some(&n.current_name), s, false)?]
                }
            }
            Value::None => SmallVec::new(),
            Value::List(l) => l.iter().map(|x| x.to_string().into()).collect(),
            other => smallvec::smallvec![other.to_string().into()],
        };
        if names.is_empty() {
            return Err(Error::new(
                ErrorKind::TemplateNotFound,
                "No template names provided",
            ));
        }
        // Found once per render and include node, for the names it asked for.
        let key = n as *const IncludeNode as usize;
        let (tmpl, entry) = match self.includes.get(&key) {
            Some((asked, t, e))
                if asked.len() == names.len()
                    && asked.iter().zip(&names).all(|(a, b)| **a == **b) =>
            {
                (t.clone(), e.clone())
            }
            _ => {
                // Finding (and, without a cached loader, compiling) a
                // template is work of its own: an include fan-out over a
                // loader that compiles every time must run out of fuel
                // long before it runs out of time.
                self.budget.spend(INCLUDE_FUEL)?;
                let asked: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                let (t, e) = self.templates.select(&asked)?;
                // Without a cached loader every include compiles new nodes,
                // so node addresses never repeat: keep the memory bounded.
                if self.includes.len() >= MAX_REMEMBERED_INCLUDES {
                    self.includes.clear();
                }
                self.includes.insert(key, (asked, t.clone(), e.clone()));
                (t, e)
            }
        };
        let mut frame = Vec::with_capacity(n.extra.len());
        for (k, e) in &n.extra {
            frame.push((k.clone(), self.resolve(e, false)?));
        }
        self.render_nested(&tmpl, entry.as_deref(), frame, n.only, out)
    }
}

/// The fuel a render spends to find the template of an include node it has
/// not found before (the include's own nodes are spent as they render).
const INCLUDE_FUEL: u64 = 1000;

/// How many include nodes' templates one render remembers at most.
const MAX_REMEMBERED_INCLUDES: usize = 512;

/// The name `block`, shared.
static BLOCK: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("block"));
