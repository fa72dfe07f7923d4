//! The engine: compiles a template with every partial it names, each found
//! through platen's loader chain.
//!
//! # How partials are resolved
//!
//! A compiled template ([`HandlebarsTemplate`]) is its parsed source plus
//! its *closure*: every partial it names literally, transitively, each
//! looked up through the loader chain as `name`, then `name` + each
//! extension. The lookups happen while the template is being compiled, so:
//!
//! - a partial is a template like any other for the loaders: it is found in
//!   `dirs` or `app_dirs`, compiled once and kept by the cached loader;
//! - the cached loader records what a template's partials were read from
//!   (and where a newer file could appear) as what the template depends on:
//!   in auto-reload mode an edited partial makes every template that
//!   includes it recompile on next use; after `reset()` everything does;
//! - a render does no lookup, takes no lock and parses nothing: the parsed
//!   partials are shared (`Arc`) by every template whose closure has them
//!   and handed to each render's context by reference.
//!
//! A template merges the closures of the partials it names (already
//! compiled, so a partial's own partials are not looked up again). Partials
//! that include each other are resolved with a stack of the templates being
//! compiled on this thread: a name that is being compiled further up takes
//! that template's parsed form, instead of compiling it again forever.
//! Templates on such a cycle render with a depth guard (see
//! [`crate::partials`]) so that a recursion that never ends is an error,
//! not a stack overflow.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use handlebars::Handlebars;
use handlebars::template::Template as Ast;
use platen_core::{
    Compiled, Compiler, Engine, Error, ErrorKind, LoaderChain, Origin, Result, Template,
};

use crate::budget::{
    BOUNDED_HELPER, BoundedHelper, DEFAULT_MAX_OUTPUT_BYTES, bound_partial_blocks,
};
use crate::error::syntax_error;
use crate::partials::{DepthGuard, GUARD_DECORATOR, Refs, file_name, guarded, on_cycle};
use crate::template::{Entry, HandlebarsTemplate, Missing, Unit};

/// How many templates may be compiling inside each other on one thread
/// (partials of partials...) before it is reported as a recursion.
const MAX_NESTED_COMPILES: usize = 64;

/// A Handlebars engine over a platen loader chain.
///
/// Build it from settings through the `platen.handlebars` backend
/// ([`crate::HandlebarsBackend`]), or directly with [`HandlebarsEngine::new`].
pub struct HandlebarsEngine {
    name: String,
    inner: Inner,
}

struct Inner {
    /// Identifies the engine in the per-thread compile stack.
    id: usize,
    chain: LoaderChain,
    /// Helpers, decorators, escaping and modes; no templates are added to it.
    registry: Arc<Handlebars<'static>>,
    extensions: Vec<String>,
    /// The most bytes a render may write (`None`: no limit).
    max_output_bytes: Option<usize>,
}

impl fmt::Debug for HandlebarsEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlebarsEngine")
            .field("name", &self.name)
            .field("extensions", &self.inner.extensions)
            .field("chain", &self.inner.chain)
            .finish()
    }
}

impl HandlebarsEngine {
    /// An engine named `name` reading templates and partials through
    /// `chain`, rendering with `registry` (its helpers, decorators, escape
    /// function, strict and dev modes). `extensions` (`".hbs"`) are tried
    /// after a bare name, for templates and partials alike.
    ///
    /// Templates registered in `registry` itself are still found as
    /// partials, after inline ones and those of the loaders. The engine adds
    /// one decorator to `registry`, `platen:depth`, the guard of recursive
    /// partials, and one helper, `platen:bounded`, which holds the content
    /// of partial blocks to the output budget.
    ///
    /// Renders may write at most [`DEFAULT_MAX_OUTPUT_BYTES`] (64 MiB); see
    /// [`HandlebarsEngine::with_max_output_bytes`].
    pub fn new(
        name: impl Into<String>,
        chain: LoaderChain,
        mut registry: Handlebars<'static>,
        extensions: Vec<String>,
    ) -> HandlebarsEngine {
        static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
        registry.register_decorator(GUARD_DECORATOR, Box::new(DepthGuard));
        registry.register_helper(BOUNDED_HELPER, Box::new(BoundedHelper));
        HandlebarsEngine {
            name: name.into(),
            inner: Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                chain,
                registry: Arc::new(registry),
                extensions,
                max_output_bytes: Some(DEFAULT_MAX_OUTPUT_BYTES),
            },
        }
    }

    /// Sets the most bytes one render may write (the option
    /// `max_output_bytes`; `None`: no limit). A render that would write
    /// more stops with an error of kind `LimitExceeded` naming the option;
    /// each text rendered aside (a partial block's content, a `{{#cache}}`
    /// body) is held to the limit too, on its own.
    pub fn with_max_output_bytes(mut self, limit: Option<usize>) -> HandlebarsEngine {
        self.inner.max_output_bytes = limit;
        self
    }

    /// The most bytes one render may write (`None`: no limit).
    pub fn max_output_bytes(&self) -> Option<usize> {
        self.inner.max_output_bytes
    }

    /// The loader chain.
    pub fn loaders(&self) -> &LoaderChain {
        &self.inner.chain
    }

    /// The `handlebars` registry templates render with.
    pub fn registry(&self) -> &Handlebars<'static> {
        &self.inner.registry
    }

    /// The extensions tried after a bare name.
    pub fn extensions(&self) -> &[String] {
        &self.inner.extensions
    }

    /// Finds and compiles `name` (see [`Engine::get_template`]), as the
    /// concrete template type.
    pub fn template(&self, name: &str) -> Result<Arc<HandlebarsTemplate>> {
        self.inner.find(name)
    }

    /// Compiles `source` (see [`Engine::from_string`]), as the concrete type.
    pub fn template_from_string(&self, source: &str) -> Result<Arc<HandlebarsTemplate>> {
        Ok(Arc::new(self.inner.compile(&Origin::unknown(), source)?))
    }
}

/// Whether `err` says that `name` itself was not found.
fn is_miss(err: &Error, name: &str) -> bool {
    err.kind() == ErrorKind::TemplateNotFound
        && err.detail() == Some(name)
        && err.origin().is_none()
}

fn downcast(compiled: Compiled) -> Result<Arc<HandlebarsTemplate>> {
    (compiled as Arc<dyn Any + Send + Sync>)
        .downcast::<HandlebarsTemplate>()
        .map_err(|_| {
            Error::new(
                ErrorKind::Unsupported,
                "a loader returned a template compiled by another engine",
            )
        })
}

impl Inner {
    /// The names to try for `name`: itself, then with each extension unless
    /// it already ends with one.
    fn candidates<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = std::borrow::Cow<'a, str>> + 'a {
        let has_ext = self.extensions.iter().any(|e| name.ends_with(e.as_str()));
        let more = if has_ext {
            &[][..]
        } else {
            &self.extensions[..]
        };
        std::iter::once(std::borrow::Cow::Borrowed(name)).chain(
            more.iter()
                .map(move |e| std::borrow::Cow::Owned(format!("{name}{e}"))),
        )
    }

    fn find(&self, name: &str) -> Result<Arc<HandlebarsTemplate>> {
        let template = self.find_compiled(name)?;
        if template.entries.iter().any(|e| e.from_ancestor) {
            return self.refreshed(template);
        }
        Ok(template)
    }

    /// The compiled template the loaders have for `name` (or `name` + an extension).
    fn find_compiled(&self, name: &str) -> Result<Arc<HandlebarsTemplate>> {
        let mut tried = Vec::new();
        for candidate in self.candidates(name) {
            match self.chain.find(&candidate, &[], self) {
                Ok(compiled) => return downcast(compiled),
                Err(mut err) if is_miss(&err, &candidate) => tried.extend(err.take_tried()),
                Err(err) => return Err(err),
            }
        }
        Err(Error::not_found(name, tried))
    }

    /// `template` with its closure resolved again, when it was compiled as
    /// a partial of a template that it includes in turn (a cycle): the
    /// cached loader does not count the sources of that outer template,
    /// still being compiled then, among what `template` depends on.
    /// Resolving again is a few cache hits; the result is the same template
    /// unless a source changed (auto-reload) since.
    fn refreshed(&self, template: Arc<HandlebarsTemplate>) -> Result<Arc<HandlebarsTemplate>> {
        let unit = template.unit().clone();
        let _frame = stack::enter(self.id, unit.clone())
            .map_err(|chain| self.too_deep(&unit.origin, &chain))?;
        let (entries, missing) = self.resolve(&unit)?;
        let same = entries.len() == template.entries.len()
            && entries.iter().all(|e| {
                template
                    .entries
                    .iter()
                    .any(|old| old.name == e.name && Arc::ptr_eq(&old.unit, &e.unit))
            });
        if same {
            return Ok(template);
        }
        Ok(Arc::new(self.assemble(unit, entries, missing)))
    }

    fn too_deep(&self, origin: &Origin, chain: &[String]) -> Error {
        Error::new(
            ErrorKind::Recursion,
            format!(
                "partials nest more than {MAX_NESTED_COMPILES} deep while compiling: {}",
                chain.join(" -> ")
            ),
        )
        .with_origin(origin)
    }

    /// Parses `source` as `handlebars` would register it.
    fn parse(&self, origin: &Origin, source: &str) -> Result<Ast> {
        let name = &origin.template_name;
        let parsed = if self.registry.prevent_indent() {
            // The crate parses with this option only when registering.
            let mut scratch = Handlebars::new();
            scratch.set_prevent_indent(true);
            scratch
                .register_template_string(name, source)
                .map(|()| scratch.get_template(name).cloned())
        } else {
            Ast::compile_with_name(source, name.clone()).map(Some)
        };
        match parsed {
            Ok(Some(mut ast)) => {
                bound_partial_blocks(&mut ast);
                Ok(ast)
            }
            Ok(None) => Err(
                Error::new(ErrorKind::SyntaxError, "the template could not be parsed")
                    .with_origin(origin),
            ),
            Err(e) => Err(syntax_error(&e, origin, source)),
        }
    }

    /// Parses `source` and resolves its closure.
    fn compile(&self, origin: &Origin, source: &str) -> Result<HandlebarsTemplate> {
        let ast = self.parse(origin, source)?;
        let refs = Refs::of(&ast);
        let unit = Arc::new(Unit {
            origin: origin.clone(),
            source: Arc::from(source),
            ast: Arc::new(ast),
            refs,
        });
        let _frame =
            stack::enter(self.id, unit.clone()).map_err(|chain| self.too_deep(origin, &chain))?;
        let (entries, missing) = self.resolve(&unit)?;
        Ok(self.assemble(unit, entries, missing))
    }

    /// Finds every partial `root` needs, transitively.
    fn resolve(&self, root: &Arc<Unit>) -> Result<(Vec<Entry>, Vec<Missing>)> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut missing: Vec<Missing> = Vec::new();
        let mut queue: VecDeque<String> = root.refs.names.iter().cloned().collect();
        let known = |entries: &[Entry], missing: &[Missing], name: &str| {
            entries.iter().any(|e| e.name == name) || missing.iter().any(|(n, _)| n == name)
        };
        while let Some(name) = queue.pop_front() {
            if known(&entries, &missing, &name) {
                continue;
            }
            let mut tried = Vec::new();
            let mut found = false;
            for candidate in self.candidates(file_name(&name)) {
                // Being compiled further up this thread: a cycle of partials.
                if let Some(unit) = stack::find(self.id, &candidate) {
                    queue.extend(unit.refs.names.iter().cloned());
                    let from_ancestor = !Arc::ptr_eq(&unit, root);
                    entries.push(Entry {
                        name: name.clone(),
                        unit,
                        from_ancestor,
                    });
                    found = true;
                    break;
                }
                match self.chain.find(&candidate, &[], self) {
                    Ok(compiled) => {
                        let partial = downcast(compiled)?;
                        entries.push(Entry {
                            name: name.clone(),
                            unit: partial.unit().clone(),
                            from_ancestor: false,
                        });
                        for e in &partial.entries {
                            if e.from_ancestor {
                                queue.push_back(e.name.clone());
                            } else if !known(&entries, &missing, &e.name) {
                                entries.push(e.clone());
                            }
                        }
                        for (n, t) in &partial.missing {
                            if !known(&entries, &missing, n) {
                                missing.push((n.clone(), t.clone()));
                            }
                        }
                        found = true;
                        break;
                    }
                    Err(mut err) if is_miss(&err, &candidate) => tried.extend(err.take_tried()),
                    Err(err) => return Err(err),
                }
            }
            if !found {
                // It may be defined inline, by an including template, or have default content.
                missing.push((name, tried));
            }
        }
        Ok((entries, missing))
    }

    /// Builds the compiled template: guards the templates on a cycle.
    fn assemble(
        &self,
        unit: Arc<Unit>,
        entries: Vec<Entry>,
        missing: Vec<Missing>,
    ) -> HandlebarsTemplate {
        // The nodes: the root, then each distinct partial source.
        let mut nodes: Vec<&Arc<Unit>> = vec![&unit];
        for e in &entries {
            if !nodes.iter().any(|n| Arc::ptr_eq(n, &e.unit)) {
                nodes.push(&e.unit);
            }
        }
        let index = |u: &Arc<Unit>| nodes.iter().position(|n| Arc::ptr_eq(n, u));
        let successors: Vec<Vec<usize>> = nodes
            .iter()
            .map(|node| {
                if node.refs.dynamic {
                    return (0..nodes.len()).collect();
                }
                let mut next = Vec::new();
                for name in &node.refs.names {
                    next.extend(
                        entries
                            .iter()
                            .filter(|e| &e.name == name)
                            .filter_map(|e| index(&e.unit)),
                    );
                    // An inline partial of that name runs inside the template defining it.
                    next.extend((0..nodes.len()).filter(|&i| nodes[i].refs.may_define(name)));
                }
                next
            })
            .collect();
        let cyclic = on_cycle(&successors);
        let mut guarded_asts: HashMap<usize, Arc<Ast>> = HashMap::new();
        let mut ast_of = |u: &Arc<Unit>| match index(u) {
            Some(i) if cyclic[i] => guarded_asts
                .entry(i)
                .or_insert_with(|| Arc::new(guarded(&u.ast)))
                .clone(),
            _ => u.ast.clone(),
        };
        let root = ast_of(&unit);
        let partials = entries
            .iter()
            .map(|e| (e.name.clone(), ast_of(&e.unit)))
            .collect();
        HandlebarsTemplate::new(
            unit,
            root,
            entries,
            partials,
            missing,
            self.registry.clone(),
            self.max_output_bytes,
        )
    }
}

impl Compiler for Inner {
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled> {
        Ok(Arc::new(Inner::compile(self, origin, source)?))
    }
}

impl Engine for HandlebarsEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn backend(&self) -> &str {
        crate::BACKEND_NAME
    }

    /// Finds `name`, then `name` + each extension, through the loaders.
    fn get_template(&self, name: &str) -> Result<Arc<dyn Template>> {
        Ok(self.inner.find(name)?)
    }

    /// Compiles `source`; its partials come from the loaders.
    fn from_string(&self, source: &str) -> Result<Arc<dyn Template>> {
        Ok(self.template_from_string(source)?)
    }

    /// Compiles every template the loaders list (and their partials), and
    /// returns every error. A partial no loader has is not an error here:
    /// it may be defined inline by the templates that include it.
    fn check(&self) -> Vec<Error> {
        self.inner.chain.warm(&self.inner)
    }

    fn template_names(&self) -> Result<Vec<String>> {
        self.inner.chain.template_names()
    }

    fn reset(&self) {
        self.inner.chain.reset();
    }
}

/// The templates each thread is compiling, innermost last.
mod stack {
    use super::*;

    thread_local! {
        static STACK: RefCell<Vec<(usize, Arc<Unit>)>> = const { RefCell::new(Vec::new()) };
    }

    /// Marks `unit` as being compiled by engine `engine` until the guard
    /// drops; fails (with the names of the nested compiles) when too many
    /// are nested.
    pub(super) fn enter(engine: usize, unit: Arc<Unit>) -> std::result::Result<Frame, Vec<String>> {
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            let ours = s.iter().filter(|(e, _)| *e == engine);
            if ours.clone().count() >= MAX_NESTED_COMPILES {
                let mut chain: Vec<String> =
                    ours.map(|(_, u)| u.origin.template_name.clone()).collect();
                chain.push(unit.origin.template_name.clone());
                return Err(chain);
            }
            s.push((engine, unit));
            Ok(Frame)
        })
    }

    /// The template named `name` that engine `engine` is compiling on this thread.
    pub(super) fn find(engine: usize, name: &str) -> Option<Arc<Unit>> {
        STACK.with(|s| {
            s.borrow()
                .iter()
                .rev()
                .find(|(e, u)| *e == engine && u.origin.template_name == name)
                .map(|(_, u)| u.clone())
        })
    }

    /// A compile in progress; leaves the stack when dropped.
    pub(super) struct Frame;

    impl Drop for Frame {
        fn drop(&mut self) {
            STACK.with(|s| {
                s.borrow_mut().pop();
            });
        }
    }
}
