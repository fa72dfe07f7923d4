//! The engine: compiles a template together with every template it extends
//! or includes, all found through platen's loader chain.
//!
//! # How `extends` and `include` are resolved
//!
//! Tera resolves inheritance and includes inside one `Tera` instance, by
//! name, and checks every reference when templates are added. platen's
//! loaders, not Tera, must find those templates, so each compiled template
//! carries its own immutable `Tera` instance holding exactly its *closure*:
//! itself and everything it extends or includes, transitively.
//!
//! Compiling a template `t` (the [`Compiler`] handed to the loader chain):
//! 1. scan `t`'s source for the names of its `extends` and `include` tags
//!    (`scan.rs`, which follows Tera's lexer);
//! 2. get each name through the chain with this same compiler, so each is
//!    compiled (and cached by the cached loader, which also records it as a
//!    source of `t` for auto-reload) as a template of its own, with its own
//!    closure; a name already being compiled further up is a cycle
//!    ([`ErrorKind::Recursion`]), detected before any loader is asked;
//! 3. add `t` and the union of those closures to a clone of the engine's
//!    configured `Tera`; Tera checks the whole and has the last word: a name
//!    it still reports missing (the scan is a prediction) is loaded the same
//!    way and the build is tried again.
//!
//! Rendering then only reads the instance, from any number of threads,
//! without a lock, and nothing is parsed per render. `reset()` and
//! auto-reload make the chain recompile the templates that include a changed
//! one, since the cached loader records the templates loaded while compiling
//! another as sources of it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use platen_core::cache::Caches;
use platen_core::{
    Compiled, Compiler, Context, Engine, Error, ErrorKind, LoaderChain, Origin, Request, Result,
    Template,
};
use tera::Tera;

use crate::budget::{DEFAULT_MAX_OUTPUT_BYTES, Failure, render_bounded, too_much_output};
use crate::cache::{CACHE_FUNCTION, CacheFunction, DEPENDS_ON_FUNCTION, depends_on};
use crate::error::{Part, Phase, map_error, missing_templates};
use crate::scan::{RefKind, references};

/// How deeply templates may extend or include each other (a guard for the stack).
const MAX_DEPTH: usize = 64;

/// A template whose components every other template of the engine can call
/// (`options.components`).
#[derive(Debug, Clone)]
pub(crate) struct Library {
    pub(crate) name: String,
    /// The settings key naming it, for errors.
    pub(crate) key: String,
    /// Where that key came from.
    pub(crate) source: Option<String>,
}

/// A Tera engine over a platen loader chain (the `platen.tera` backend).
pub struct TeraEngine {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    name: String,
    /// The fragment caches of `cache()`.
    caches: Caches,
    chain: LoaderChain,
    /// A Tera instance with the filters, tests, functions and escaping
    /// settings, and no templates: each compile starts from a clone.
    base: Tera,
    libraries: Vec<Library>,
    /// The name `from_string` templates get inside their Tera instance.
    string_name: String,
    /// The most bytes a render may write; `usize::MAX` for no limit (the option
    /// `max_output_bytes`; set once, before any template is compiled).
    max_output_bytes: AtomicUsize,
}

impl fmt::Debug for TeraEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeraEngine")
            .field("name", &self.inner.name)
            .field("chain", &self.inner.chain)
            .field(
                "components",
                &self
                    .inner
                    .libraries
                    .iter()
                    .map(|l| &l.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A compiled Tera template: an immutable Tera instance holding the template
/// and every template it extends or includes, transitively.
pub struct TeraTemplate {
    origin: Origin,
    /// The closure, this template first.
    closure: Arc<[Part]>,
    tera: Tera,
    /// Whether a source of the closure mentions `cache`: its renders keep
    /// their context for `cache()` calls.
    may_cache: bool,
    /// The most bytes a render may write (`None`: no limit).
    max_output_bytes: Option<usize>,
    /// The size of the last output, to size the next one's buffer.
    last_len: AtomicUsize,
}

impl fmt::Debug for TeraTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeraTemplate")
            .field("origin", &self.origin)
            .field(
                "closure",
                &self.closure.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl TeraTemplate {
    /// The platen error of a failed bounded render.
    fn failure(&self, failure: Failure) -> Error {
        match failure {
            Failure::Limit(limit) => too_much_output(limit).with_origin(&self.origin),
            Failure::Tera(err) => map_error(&err, &self.closure, &self.closure[0], Phase::Render),
        }
    }

    /// The name of the template inside its Tera instance.
    pub fn name(&self) -> &str {
        &self.closure[0].name
    }

    /// The names of the templates compiled into this one's Tera instance:
    /// itself first, then what it extends and includes, transitively (and
    /// the engine's component templates).
    pub fn closure(&self) -> impl Iterator<Item = &str> {
        self.closure.iter().map(|p| p.name.as_str())
    }

    /// The Tera instance (for Tera's own API, such as `render_block`).
    pub fn tera(&self) -> &Tera {
        &self.tera
    }
}

impl TeraEngine {
    /// An engine named `name` reading through `chain`, compiling with clones
    /// of `base` (a Tera instance configured with filters and escaping, and
    /// no templates). `from_string` templates are named `<string>.html`
    /// inside Tera (so escaped under Tera's default suffixes).
    ///
    /// The `cache` and `depends_on` functions are added to `base`, over an
    /// in-memory cache of the engine's own ([`TeraEngine::with_caches`]
    /// shares caches).
    pub fn new(name: impl Into<String>, chain: LoaderChain, base: Tera) -> TeraEngine {
        TeraEngine::with_caches(name, chain, base, Caches::default())
    }

    /// [`TeraEngine::new`], its `cache()` calls storing fragments in `caches`.
    pub fn with_caches(
        name: impl Into<String>,
        chain: LoaderChain,
        base: Tera,
        caches: Caches,
    ) -> TeraEngine {
        TeraEngine::with_options(
            name.into(),
            chain,
            base,
            Vec::new(),
            "<string>.html".to_owned(),
            caches,
            &[],
        )
    }

    /// `keep`: function names the backend registered itself, which the
    /// cache functions do not replace.
    pub(crate) fn with_options(
        name: String,
        chain: LoaderChain,
        mut base: Tera,
        libraries: Vec<Library>,
        string_name: String,
        caches: Caches,
        keep: &[&str],
    ) -> TeraEngine {
        TeraEngine {
            inner: Arc::new_cyclic(|engine| {
                if !keep.contains(&CACHE_FUNCTION) {
                    base.register_function(
                        CACHE_FUNCTION,
                        CacheFunction {
                            engine: engine.clone(),
                            caches: caches.clone(),
                        },
                    );
                }
                if !keep.contains(&DEPENDS_ON_FUNCTION) {
                    base.register_function(DEPENDS_ON_FUNCTION, depends_on);
                }
                Inner {
                    name,
                    caches,
                    chain,
                    base,
                    libraries,
                    string_name,
                    max_output_bytes: AtomicUsize::new(DEFAULT_MAX_OUTPUT_BYTES),
                }
            }),
        }
    }

    /// Sets the most bytes one render may write (the option
    /// `max_output_bytes`; `None`: no limit; the default is
    /// [`DEFAULT_MAX_OUTPUT_BYTES`], 64 MiB). A render that would write
    /// more stops with an error of kind `LimitExceeded` naming the option;
    /// a `cache()` fragment is held to the limit too, on its own. Applies
    /// to the templates compiled after it: set it before rendering.
    pub fn with_max_output_bytes(self, limit: Option<usize>) -> TeraEngine {
        self.inner
            .max_output_bytes
            .store(limit.unwrap_or(usize::MAX), Ordering::Relaxed);
        self
    }

    /// The most bytes one render may write (`None`: no limit).
    pub fn max_output_bytes(&self) -> Option<usize> {
        self.inner.max_output_bytes()
    }

    /// The fragment caches `cache()` stores in (the settings' caches, for
    /// an engine built by the backend).
    pub fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    /// The loader chain.
    pub fn loaders(&self) -> &LoaderChain {
        &self.inner.chain
    }

    /// Finds and compiles `name`, as its concrete type.
    pub fn get_tera_template(&self, name: &str) -> Result<Arc<TeraTemplate>> {
        let compiler = TeraCompiler {
            inner: &self.inner,
            frame: None,
        };
        downcast(self.inner.chain.find(name, &[], &compiler)?)
    }
}

/// The templates being compiled around a nested compile, innermost first.
struct Frame<'a> {
    name: &'a str,
    parent: Option<&'a Frame<'a>>,
}

impl<'a> Frame<'a> {
    fn iter(self: &'a Frame<'a>) -> impl Iterator<Item = &'a str> {
        std::iter::successors(Some(self), |f| f.parent).map(|f| f.name)
    }
}

/// The [`Compiler`] handed to the loader chain: compiles a template with its closure.
struct TeraCompiler<'a> {
    inner: &'a Inner,
    /// The templates whose compile asked for this one.
    frame: Option<&'a Frame<'a>>,
}

impl Compiler for TeraCompiler<'_> {
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled> {
        Ok(Arc::new(self.inner.build(
            origin.template_name.clone(),
            origin,
            source,
            self,
        )?))
    }
}

/// Why a template is in a closure: for messages.
#[derive(Clone, Copy)]
enum Why<'a> {
    /// A tag of the template being compiled, at `start..end`.
    Tag {
        kind: RefKind,
        start: usize,
        end: usize,
    },
    /// Reported missing by Tera's build (the scan did not predict it).
    Reported,
    /// A component template of the settings.
    Library(&'a Library),
}

impl Inner {
    fn max_output_bytes(&self) -> Option<usize> {
        match self.max_output_bytes.load(Ordering::Relaxed) {
            usize::MAX => None,
            n => Some(n),
        }
    }

    /// Renders the template `name` (found through the chain) with `ctx`,
    /// for `cache()`.
    pub(crate) fn render_fragment(&self, name: &str, ctx: tera::Context) -> Result<String> {
        let compiler = TeraCompiler {
            inner: self,
            frame: None,
        };
        let template = downcast(self.chain.find(name, &[], &compiler)?)?;
        let mut buf = Vec::with_capacity(template.last_len.load(Ordering::Relaxed));
        // Held to the budget on its own, as the page is.
        crate::cache::with_caller(std::rc::Rc::new(ctx), |ctx| {
            render_bounded(&mut buf, template.max_output_bytes, |out| {
                template.tera.render_to(template.name(), ctx, out)
            })
        })
        .map_err(|failure| template.failure(failure))?;
        Ok(String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Compiles `source` under the name `name` with its closure.
    fn build(
        &self,
        name: String,
        origin: &Origin,
        source: &str,
        cx: &TeraCompiler<'_>,
    ) -> Result<TeraTemplate> {
        let me = Part {
            name,
            source: Arc::from(source),
            origin: origin.clone(),
        };
        let frame = Frame {
            name: &me.name,
            parent: cx.frame,
        };
        let nested = TeraCompiler {
            inner: self,
            frame: Some(&frame),
        };
        let depth = frame.iter().count();
        if depth > MAX_DEPTH {
            let chain: Vec<&str> = frame.iter().collect();
            return Err(Error::new(
                ErrorKind::Recursion,
                format!(
                    "templates extend or include each other more than {MAX_DEPTH} levels deep ({} ...)",
                    chain.iter().rev().take(8).copied().collect::<Vec<_>>().join(" -> ")
                ),
            )
            .with_origin(origin));
        }

        // Everything the template needs, in order: what it names, then the
        // component templates (those listed before it, for one of them).
        let mut deps: Vec<Arc<TeraTemplate>> = Vec::new();
        let mut seen: Vec<String> = vec![me.name.clone()];
        for r in references(source) {
            if seen.contains(&r.name) && r.name != me.name {
                continue;
            }
            let why = Why::Tag {
                kind: r.kind,
                start: r.start,
                end: r.end,
            };
            deps.push(self.load(&r.name, why, &me, &frame, &nested)?);
            seen.push(r.name);
        }
        let position = self.libraries.iter().position(|l| l.name == me.name);
        for library in &self.libraries[..position.unwrap_or(self.libraries.len())] {
            if seen.contains(&library.name) || frame.iter().any(|n| n == library.name) {
                continue;
            }
            deps.push(self.load(&library.name, Why::Library(library), &me, &frame, &nested)?);
            seen.push(library.name.clone());
        }

        // Tera checks the whole; a name it still reports missing is loaded
        // and the build tried again. Each round adds a template, so it ends.
        let mut closure: Vec<Part> = vec![me.clone()];
        let mut merged = 0;
        loop {
            for dep in &deps[merged..] {
                for part in dep.closure.iter() {
                    if !closure.iter().any(|p| p.name == part.name) {
                        closure.push(part.clone());
                    }
                }
            }
            merged = deps.len();
            let mut tera = self.base.clone();
            let err = match tera
                .add_raw_templates(closure.iter().map(|p| (p.name.as_str(), &*p.source)))
            {
                Ok(()) => {
                    let may_cache = closure.iter().any(|p| p.source.contains(CACHE_FUNCTION));
                    return Ok(TeraTemplate {
                        origin: origin.clone(),
                        closure: closure.into(),
                        tera,
                        may_cache,
                        max_output_bytes: self.max_output_bytes(),
                        last_len: AtomicUsize::new(0),
                    });
                }
                Err(err) => err,
            };
            for name in missing_templates(&err) {
                if !seen.contains(&name) {
                    deps.push(self.load(&name, Why::Reported, &me, &frame, &nested)?);
                    seen.push(name);
                }
            }
            if deps.len() == merged {
                return Err(map_error(&err, &closure, &me, Phase::Build));
            }
        }
    }

    /// Gets `name`, needed by `me` for `why`, through the chain.
    fn load(
        &self,
        name: &str,
        why: Why<'_>,
        me: &Part,
        frame: &Frame<'_>,
        cx: &TeraCompiler<'_>,
    ) -> Result<Arc<TeraTemplate>> {
        // Places an error without a place at the tag naming `name`.
        let locate = |err: Error| match why {
            _ if err.origin().is_some() => err,
            Why::Tag { start, end, .. } => err
                .with_origin(&me.origin)
                .with_span(platen_core::Span::from_range(&me.source, start, end))
                .with_source_text(me.source.clone()),
            _ => err.with_origin(&me.origin),
        };
        let how = match why {
            Why::Tag { kind, .. } => kind.verb(),
            Why::Reported => "extended or included",
            Why::Library(_) => "listed in `options.components`",
        };
        if frame.iter().any(|n| n == name) {
            let mut chain: Vec<&str> = frame.iter().collect();
            chain.reverse();
            chain.push(name);
            let detail = if name == me.name {
                format!(
                    "`{name}` {how} by itself; a Tera template cannot extend or include its own name"
                )
            } else {
                format!(
                    "`{name}` is {how} by `{}` while it is being compiled ({}); templates cannot extend or \
                     include each other in a loop",
                    me.name,
                    chain.join(" -> ")
                )
            };
            return Err(locate(Error::new(ErrorKind::Recursion, detail)));
        }
        // Always through the chain (never a memo of this compile): a cached
        // loader then records `name` as a source of `me`, for auto-reload.
        match self.chain.find(name, &[], cx).and_then(downcast) {
            Ok(found) => Ok(found),
            // The name itself is missing: an error of the template naming it.
            Err(mut err) if err.kind() == ErrorKind::TemplateNotFound && err.origin().is_none() => {
                let tried = err.take_tried();
                let detail = match why {
                    Why::Library(library) => {
                        let mut d = format!("{name} ({how}: key `{}`", library.key);
                        if let Some(src) = &library.source {
                            d.push_str(&format!(" in {src}"));
                        }
                        d.push(')');
                        d
                    }
                    _ => format!("{name} ({how} by {})", me.name),
                };
                Err(locate(Error::not_found(name, tried).with_detail(detail)))
            }
            Err(err) if err.kind() == ErrorKind::Recursion => Err(locate(err)),
            Err(err) => Err(err),
        }
    }
}

fn downcast(compiled: Compiled) -> Result<Arc<TeraTemplate>> {
    (compiled as Arc<dyn Any + Send + Sync>).downcast::<TeraTemplate>().map_err(|_| {
        Error::new(
            ErrorKind::Unsupported,
            "the loader returned a template compiled by another engine; a loader cannot be shared between engines",
        )
    })
}

impl Engine for TeraEngine {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn backend(&self) -> &str {
        crate::BACKEND_NAME
    }

    fn get_template(&self, name: &str) -> Result<Arc<dyn Template>> {
        Ok(self.get_tera_template(name)?)
    }

    /// Compiles `source`; its `extends` and `include` names are found
    /// through the loaders. It is escaped when the engine escapes anything.
    fn from_string(&self, source: &str) -> Result<Arc<dyn Template>> {
        let compiler = TeraCompiler {
            inner: &self.inner,
            frame: None,
        };
        let origin = Origin::unknown();
        Ok(Arc::new(self.inner.build(
            self.inner.string_name.clone(),
            &origin,
            source,
            &compiler,
        )?))
    }

    /// Compiles every template the loaders list; returns every error once
    /// (a broken base template is reported once, not once per child).
    fn check(&self) -> Vec<Error> {
        let compiler = TeraCompiler {
            inner: &self.inner,
            frame: None,
        };
        let mut seen = std::collections::HashSet::new();
        let mut errors = self.inner.chain.warm(&compiler);
        errors.retain(|e| seen.insert(format!("{e}")));
        errors
    }

    fn template_names(&self) -> Result<Vec<String>> {
        self.inner.chain.template_names()
    }

    fn reset(&self) {
        self.inner.chain.reset();
    }
}

impl Template for TeraTemplate {
    fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Renders into a new string, sized by the last output (Tera sizes its
    /// own by the template's text, which is short of a page made mostly of
    /// data).
    fn render(&self, context: &Context, request: Option<&Request>) -> Result<String> {
        let mut out = String::new();
        self.render_to(&mut out, context, request)?;
        Ok(out)
    }

    /// Renders into `out`, appending. On an error `out` is left as it was.
    ///
    /// A render may write at most the engine's `max_output_bytes` (64 MiB
    /// by default); one that would write more stops with an error of kind
    /// `LimitExceeded` naming the option.
    fn render_to(
        &self,
        out: &mut String,
        context: &Context,
        request: Option<&Request>,
    ) -> Result<()> {
        let before = out.len();
        let mut buf = std::mem::take(out).into_bytes();
        buf.reserve(self.last_len.load(Ordering::Relaxed));
        // Tera's error is large: mapped here, so that only a pointer travels back.
        let limit = self.max_output_bytes;
        let rendered = crate::kept::with_context(context, request, |ctx| {
            let rendered = if self.may_cache {
                // `cache()` calls render their templates with this context.
                let ctx = std::rc::Rc::new(ctx.clone());
                crate::cache::with_caller(ctx, |ctx| {
                    render_bounded(&mut buf, limit, |out| {
                        self.tera.render_to(self.name(), ctx, out)
                    })
                })
            } else {
                render_bounded(&mut buf, limit, |out| {
                    self.tera.render_to(self.name(), ctx, out)
                })
            };
            rendered.map_err(|failure| self.failure(failure))
        });
        if rendered.is_err() {
            buf.truncate(before);
        }
        *out = String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        if rendered.is_ok() {
            self.last_len.store(out.len() - before, Ordering::Relaxed);
        }
        rendered
    }
}
