//! The parser: turns tokens into the compiled node tree, with Django's error
//! messages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Origin, Span, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, FindFilter};
use crate::filter_ref::FilterRef;
use crate::filters;
use crate::lexer::split_contents;
use crate::lexer::{Token, TokenKind, tokenize};
use crate::library::{Expr, Library, Nodes, TagFn, TagImpl};
use crate::nodes::{CycleDef, Item, Node, NodeList, Partials};

/// Parses one template source.
pub struct Parser<'s> {
    pub(crate) source: &'s str,
    tokens: Vec<Token<'s>>,
    pos: usize,
    tags: HashMap<String, TagImpl>,
    filters: HashMap<String, FilterRef>,
    command_stack: Vec<(&'s str, Token<'s>)>,
    /// The node lists being parsed, innermost last (see `parse_level`).
    scratch: Vec<Item>,
    pub(crate) libraries: &'s HashMap<String, Arc<Library>>,
    pub(crate) origin: &'s Origin,
    pub(crate) named_cycles: Option<HashMap<String, Arc<CycleDef>>>,
    pub(crate) last_cycle: Option<Arc<CycleDef>>,
    pub(crate) block_names: Vec<String>,
    pub(crate) partials: HashMap<String, Arc<NodeList>>,
    pub(crate) partials_cell: Arc<Partials>,
    depth: usize,
    /// Django's default tags, looked up after the loaded libraries.
    builtin_tags: fn(&str) -> Option<TagFn>,
}

/// How deeply block tags may nest in one template. Deeper sources fail to
/// compile instead of exhausting the stack (Django stops at Python's
/// recursion limit, around the same depth).
pub(crate) const MAX_NESTING: usize = 200;

impl FindFilter for Parser<'_> {
    fn find_filter(&self, name: &str) -> Option<FilterRef> {
        self.filters
            .get(name)
            .cloned()
            .or_else(|| filters::lookup(name).map(FilterRef::Builtin))
    }
}

/// Django's `get_text_list(items, "or")`.
fn text_list(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

impl<'s> Parser<'s> {
    pub(crate) fn new(
        source: &'s str,
        origin: &'s Origin,
        libraries: &'s HashMap<String, Arc<Library>>,
        builtins: &[Arc<Library>],
        builtin_tags: fn(&str) -> Option<TagFn>,
    ) -> Parser<'s> {
        let mut p = Parser {
            source,
            tokens: tokenize(source),
            pos: 0,
            tags: HashMap::new(),
            filters: HashMap::new(),
            command_stack: Vec::new(),
            scratch: Vec::new(),
            libraries,
            origin,
            named_cycles: None,
            last_cycle: None,
            block_names: Vec::new(),
            partials: HashMap::new(),
            partials_cell: Arc::new(Partials::new()),
            depth: 0,
            builtin_tags,
        };
        for lib in builtins {
            p.add_library(lib);
        }
        p
    }

    /// Adds every tag and filter of `lib`.
    pub(crate) fn add_library(&mut self, lib: &Library) {
        self.tags
            .extend(lib.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.filters
            .extend(lib.filters.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    /// Adds the named tags and filters of `lib`; false when one is missing.
    pub(crate) fn add_from_library(&mut self, lib: &Library, name: &str) -> bool {
        let mut found = false;
        if let Some(t) = lib.tags.get(name) {
            self.tags.insert(name.to_owned(), t.clone());
            found = true;
        }
        if let Some(f) = lib.filters.get(name) {
            self.filters.insert(name.to_owned(), f.clone());
            found = true;
        }
        found
    }

    /// The template name of the origin, when known.
    pub(crate) fn template_name(&self) -> Option<&str> {
        let n = self.origin.template_name.as_str();
        (n != "<string>").then_some(n)
    }

    /// An error at `token`.
    pub(crate) fn error_at(&self, token: &Token<'_>, err: Error) -> Error {
        err.with_span(Span::from_range(self.source, token.start, token.end))
    }

    /// A syntax error at `token`.
    pub(crate) fn syntax_at(&self, token: &Token<'_>, msg: impl Into<String>) -> Error {
        self.error_at(token, Error::new(ErrorKind::SyntaxError, msg.into()))
    }

    /// Django's `compile_filter`, in the engine's own form.
    pub(crate) fn filter_expr(&self, text: &str) -> Result<FilterExpr, Error> {
        FilterExpr::parse(text, self)
    }

    /// Compiles a filter expression (`var.path|filter:"arg"`), with the
    /// filters loaded so far (Django's `parser.compile_filter`).
    pub fn compile_filter(&self, text: &str) -> Result<Expr, Error> {
        self.filter_expr(text).map(Expr)
    }

    /// Parses nodes up to (not including) the first of the block tags in
    /// `end_tags`; [`Parser::next_token`] then returns that end tag, or
    /// [`Parser::skip_end_tag`] skips it. Errors with Django's "Unclosed
    /// tag" message when none comes (Django's `parser.parse(parse_until)`).
    pub fn parse_until(&mut self, end_tags: &[&str]) -> Result<Nodes, Error> {
        self.parse(end_tags).map(Nodes)
    }

    /// Skips the next token: the end tag that stopped
    /// [`Parser::parse_until`] (Django's `delete_first_token`).
    pub fn skip_end_tag(&mut self) {
        self.delete_first_token();
    }

    /// The name of the template being compiled (`<string>` when it has none).
    pub fn origin_name(&self) -> &str {
        &self.origin.template_name
    }

    /// The next token, consumed (Django's `parser.next_token()`).
    pub fn next_token(&mut self) -> Option<Token<'s>> {
        let t = self.tokens.get(self.pos).copied();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Skips the next token (the end tag that stopped a `parse`).
    pub(crate) fn delete_first_token(&mut self) {
        self.pos += 1;
    }

    /// Skips tokens up to the block tag `end` (Django's `skip_past`).
    pub(crate) fn skip_past(&mut self, end: &str) -> Result<(), Error> {
        while let Some(t) = self.next_token() {
            if t.kind == TokenKind::Block && t.contents == end {
                return Ok(());
            }
        }
        let (command, token) = self.command_stack.last().cloned().unwrap_or_default_token();
        Err(self.syntax_at(
            &token,
            format!(
                "Unclosed tag on line {}: '{command}'. Looking for one of: {end}.",
                token.line
            ),
        ))
    }

    /// Parses until one of the block tags in `until` (left unconsumed) or the
    /// end of the source.
    pub(crate) fn parse(&mut self, until: &[&str]) -> Result<NodeList, Error> {
        if self.depth >= MAX_NESTING {
            let (command, token) = self.command_stack.last().cloned().unwrap_or_default_token();
            return Err(self.error_at(
                &token,
                Error::new(
                    ErrorKind::Recursion,
                    format!("'{command}' on line {} nests block tags more than {MAX_NESTING} levels deep", token.line),
                ),
            ));
        }
        self.depth += 1;
        let r = self.parse_level(until);
        self.depth -= 1;
        r
    }

    fn parse_level(&mut self, until: &[&str]) -> Result<NodeList, Error> {
        // Each level gathers its nodes at the end of one scratch vector
        // shared by all levels, then moves them into a vector of the exact
        // size: no growing vectors per node list.
        let start = self.scratch.len();
        let r = self.parse_level_into_scratch(until, start);
        let list = self.scratch.drain(start..).collect();
        r.map(|()| list)
    }

    fn parse_level_into_scratch(&mut self, until: &[&str], first: usize) -> Result<(), Error> {
        let mut contains_nontext = false;
        while let Some(token) = self.next_token() {
            match token.kind {
                TokenKind::Text => {
                    let (start, end) = (token.start as u32, token.end as u32);
                    if let Some(Item {
                        node: Node::Text(prev),
                        end: pend,
                        ..
                    }) = self.scratch[first..].last_mut()
                        && *pend == start
                    {
                        let mut s = String::with_capacity(prev.len() + token.contents.len());
                        s.push_str(prev);
                        s.push_str(token.contents);
                        *prev = s.into_boxed_str();
                        *pend = end;
                    } else {
                        self.scratch.push(Item {
                            node: Node::Text(token.contents.into()),
                            start,
                            end,
                        });
                    }
                }
                TokenKind::Comment => {}
                TokenKind::Var => {
                    if token.contents.is_empty() {
                        return Err(self.syntax_at(
                            &token,
                            format!("Empty variable tag on line {}", token.line),
                        ));
                    }
                    let expr = self
                        .filter_expr(token.contents)
                        .map_err(|e| self.error_at(&token, e))?;
                    contains_nontext = true;
                    self.scratch.push(Item {
                        node: Node::Var(Box::new(expr)),
                        start: token.start as u32,
                        end: token.end as u32,
                    });
                }
                TokenKind::Block => {
                    let Some(command) = token.contents.split_whitespace().next() else {
                        return Err(self
                            .syntax_at(&token, format!("Empty block tag on line {}", token.line)));
                    };
                    if until.contains(&command) {
                        self.pos -= 1;
                        return Ok(());
                    }
                    self.command_stack.push((command, token));
                    let node = match self.tags.get(command) {
                        Some(t) => t.clone().compile(self, &token),
                        None => match (self.builtin_tags)(command) {
                            Some(f) => f(self, &token),
                            None => return Err(self.invalid_block_tag(&token, command, until)),
                        },
                    }
                    .map_err(|e| self.error_at(&token, e))?;
                    if matches!(node, Node::Extends(_)) && contains_nontext {
                        let origin = match self.template_name() {
                            Some(n) => format!("'{n}'"),
                            None => "the template".to_owned(),
                        };
                        return Err(self.syntax_at(
                            &token,
                            format!(
                                "{{% {} %}} must be the first tag in {origin}.",
                                token.contents
                            ),
                        ));
                    }
                    contains_nontext = true;
                    self.scratch.push(Item {
                        node,
                        start: token.start as u32,
                        end: token.end as u32,
                    });
                    self.command_stack.pop();
                }
            }
        }
        if !until.is_empty() {
            let (command, token) = self.command_stack.pop().unwrap_or_default_token();
            return Err(self.syntax_at(
                &token,
                format!(
                    "Unclosed tag on line {}: '{command}'. Looking for one of: {}.",
                    token.line,
                    until.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Django's `invalid_block_tag`.
    pub(crate) fn invalid_block_tag(
        &self,
        token: &Token<'_>,
        command: &str,
        until: &[&str],
    ) -> Error {
        if until.is_empty() {
            self.syntax_at(
                token,
                format!(
                    "Invalid block tag on line {}: '{command}'. Did you forget to register or load this tag?",
                    token.line
                ),
            )
        } else {
            let items: Vec<String> = until.iter().map(|p| format!("'{p}'")).collect();
            self.syntax_at(
                token,
                format!(
                    "Invalid block tag on line {}: '{command}', expected {}. Did you forget to register or load this tag?",
                    token.line,
                    text_list(&items, "or")
                ),
            )
        }
    }

    /// Django's `split_contents` of a tag token.
    pub(crate) fn split<'t>(&self, token: &Token<'t>) -> Vec<std::borrow::Cow<'t, str>> {
        split_contents(token.contents)
    }
}

trait DefaultToken<'s> {
    fn unwrap_or_default_token(self) -> (&'s str, Token<'s>);
}

impl<'s> DefaultToken<'s> for Option<(&'s str, Token<'s>)> {
    fn unwrap_or_default_token(self) -> (&'s str, Token<'s>) {
        self.unwrap_or((
            "",
            Token {
                kind: TokenKind::Block,
                contents: "",
                start: 0,
                end: 0,
                line: 1,
            },
        ))
    }
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

/// Pops a trailing `as name` off `bits`, giving the name.
pub(crate) fn as_var(bits: &mut Vec<Cow<'_, str>>) -> Option<Arc<str>> {
    if bits.len() >= 2 && bits[bits.len() - 2] == "as" {
        let v = bits.pop().map(|s| Arc::from(s.as_str()));
        bits.pop();
        v
    } else {
        None
    }
}

/// Python's `repr` of a list of strings.
pub(crate) fn py_list_repr(items: &[std::borrow::Cow<'_, str>]) -> String {
    let inner: Vec<String> = items
        .iter()
        .map(|s| Value::from(s.as_str()).repr())
        .collect();
    format!("[{}]", inner.join(", "))
}

/// The options after a tag's fixed arguments, read one at a time the way
/// Django's option loops read them (`include`, `translate`,
/// `blocktranslate`): an option given twice is an error, and an option's own
/// arguments are taken from what follows it.
pub(crate) struct TagOptions<'t> {
    /// The bits not read yet, next first.
    pub(crate) rest: Vec<Cow<'t, str>>,
    seen: Vec<Cow<'t, str>>,
}

impl<'t> TagOptions<'t> {
    /// The options in `bits`.
    pub(crate) fn new(bits: &[Cow<'t, str>]) -> TagOptions<'t> {
        TagOptions {
            rest: bits.to_vec(),
            seen: Vec::new(),
        }
    }

    /// The next option; Django's error when it was given before.
    pub(crate) fn next_option(&mut self) -> Result<Option<Cow<'t, str>>, Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let option = self.rest.remove(0);
        if self.seen.contains(&option) {
            return Err(crate::expr::syntax(format!(
                "The '{option}' option was specified more than once."
            )));
        }
        self.seen.push(option.clone());
        Ok(Some(option))
    }

    /// The bit after an option (`context "x"`, `as name`), if there is one.
    pub(crate) fn value(&mut self) -> Option<Cow<'t, str>> {
        (!self.rest.is_empty()).then(|| self.rest.remove(0))
    }

    /// `with a=b ...` after a `with` option: at least one keyword argument.
    pub(crate) fn with_kwargs(
        &mut self,
        p: &Parser<'_>,
        tag: &str,
        legacy: bool,
    ) -> Result<Vec<(Arc<str>, FilterExpr)>, Error> {
        let extra = token_kwargs(p, &mut self.rest, legacy)?;
        if extra.is_empty() {
            return Err(crate::expr::syntax(format!(
                "\"with\" in '{tag}' tag needs at least one keyword argument."
            )));
        }
        Ok(extra)
    }
}
