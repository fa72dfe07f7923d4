//! The renderer: walks the compiled tree and writes into one `String`.
//!
//! All per-render state (the context stack, cycle positions, ifchanged
//! memory, the block context of an inheritance chain, the include depth)
//! lives in [`Renderer`], created per render and passed by `&mut`.

use std::collections::HashMap;
use std::sync::Arc;

use platen_core::{Context, Error, ErrorKind, Origin, Request, Span, Value};

use crate::expr::Head;
use crate::filters::FilterEnv;
use crate::nodes::*;
use crate::resolver::UrlResolver;
use crate::scope::{Scopes, Slot};
use smallvec::SmallVec;

pub(crate) mod budget;
mod forloop;
mod lookup;

pub(crate) use lookup::translate_value;

pub(crate) use forloop::{EMPTY_MAP, FORLOOP, LiveLoop};

/// How deep includes and extends may nest before the render fails.
pub(crate) const MAX_DEPTH: usize = 64;

pub use crate::escape::escape_html_into as escape_into;

type Frame = Vec<Slot>;
/// Per-render state of user tag nodes, by node and type.
type UserState = HashMap<(usize, std::any::TypeId), Box<dyn std::any::Any>>;
/// The block context of an inheritance chain: block name -> definitions (FIFO).
pub(crate) type BlockContext = HashMap<Arc<str>, Vec<(Arc<BlockDef>, Site)>>;
/// Included templates, per include node and names.
type IncludeCache = HashMap<usize, (Vec<String>, Arc<CompiledTemplate>, Option<Arc<NodeList>>)>;

#[derive(Debug, Clone)]
pub(crate) enum Mem {
    Output(String),
    Values(Vec<Value>),
}

#[derive(Default)]
pub(crate) struct RenderFrame {
    pub(crate) cycles: HashMap<usize, usize>,
    pub(crate) ifchanged: HashMap<usize, Option<Mem>>,
    pub(crate) blocks: Option<BlockContext>,
    pub(crate) history: Option<Vec<Origin>>,
}

/// Where the nodes being rendered come from, for error positions.
#[derive(Clone)]
pub(crate) struct SiteData {
    pub(crate) name: Arc<str>,
    pub(crate) source: Arc<str>,
    pub(crate) origin: Arc<Origin>,
}

/// Where the nodes being rendered come from, shared: cloned for every block
/// and include, so one reference count, not three.
pub(crate) type Site = Arc<SiteData>;

/// What renders read of the engine that compiled their templates, fixed
/// when the engine is built.
#[derive(Debug)]
pub(crate) struct RenderSettings {
    /// Escape output by default.
    pub(crate) autoescape: bool,
    /// What an invalid variable renders as.
    pub(crate) string_if_invalid: String,
    /// The `{% url %}` resolver.
    pub(crate) url_resolver: Option<Arc<dyn UrlResolver>>,
    /// `language_code`, `use_i18n`, the catalogues of `locale_paths` and
    /// the format settings.
    pub(crate) translations: crate::gettext::Translations,
    /// The fragment caches of `{% cache %}`.
    pub(crate) caches: platen_core::cache::Caches,
    /// Whether objects with a cache identity register themselves.
    pub(crate) auto_depends: bool,
    /// Each render's fuel and output budget.
    pub(crate) limits: budget::RenderLimits,
}

/// The templates a render may load while it runs (`{% include %}`,
/// `{% extends %}`, inclusion tags): the engine's loader chain, compiled by
/// the engine. Passed in per render, so a compiled template holds no link
/// to its engine.
pub(crate) trait Templates {
    /// Django's `find_template(name, skip)`.
    fn find(&self, name: &str, skip: &[Origin]) -> Result<Arc<CompiledTemplate>, Error>;
    /// Django's `get_template`, with `name#partial`.
    fn get(&self, full: &str) -> Result<(Arc<CompiledTemplate>, Option<Arc<NodeList>>), Error>;
    /// Django's `select_template`.
    fn select(
        &self,
        names: &[String],
    ) -> Result<(Arc<CompiledTemplate>, Option<Arc<NodeList>>), Error>;
}

/// The state of one render.
pub struct Renderer<'a> {
    /// The engine's settings.
    pub(crate) settings: &'a RenderSettings,
    /// Where includes, parents and inclusion tags' templates come from.
    pub(crate) templates: &'a dyn Templates,
    pub(crate) base: &'a Context,
    pub(crate) scopes: Scopes,
    pub(crate) barrier: usize,
    pub(crate) base_visible: bool,
    pub(crate) autoescape: bool,
    /// `{% localize on|off %}` (Django's `context.use_l10n`; `None` = the setting).
    pub(crate) use_l10n: Option<bool>,
    /// `{% localtime on|off %}` (Django's `context.use_tz`; the setting, `USE_TZ`, is off).
    pub(crate) use_tz: bool,
    /// The zone `{% timezone %}` activated (`None` = `TIME_ZONE`).
    pub(crate) timezone: Option<chrono_tz::Tz>,
    /// The active language (the request's, or `{% language %}`'s).
    pub(crate) language: crate::gettext::Active,
    pub(crate) rctx: SmallVec<[RenderFrame; 2]>,
    pub(crate) loops: SmallVec<[HashMap<usize, Option<Mem>>; 4]>,
    pub(crate) depth: usize,
    pub(crate) request: Option<&'a Request>,
    pub(crate) site: Site,
    pub(crate) includes: IncludeCache,
    /// Inclusion tags' templates found so far in this render, by name.
    pub(crate) isolated: Vec<IsolatedTemplate>,
    pub(crate) user_state: Option<Box<UserState>>,
    pub(crate) user_node: usize,
    pub(crate) nesting: usize,
    /// What the cache blocks being rendered have shown.
    pub(crate) deps: platen_core::cache::DepRecorder,
    /// What is left of this render's fuel and output.
    pub(crate) budget: budget::Budget,
}

/// An inclusion tag's template found in this render: its name, the compiled
/// template and, for a `#partial` name, the partial's nodes.
type IsolatedTemplate = (Box<str>, Arc<CompiledTemplate>, Option<Arc<NodeList>>);

/// How deeply node lists may nest in one render, across includes and
/// inheritance: deeper renders fail instead of exhausting the stack.
pub(crate) const MAX_RENDER_NESTING: usize = 250;

impl std::fmt::Debug for SiteData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl<'a> Renderer<'a> {
    #[inline]
    pub(crate) fn new(
        settings: &'a RenderSettings,
        templates: &'a dyn Templates,
        base: &'a Context,
        request: Option<&'a Request>,
        site: Site,
    ) -> Renderer<'a> {
        Renderer {
            settings,
            templates,
            base,
            scopes: Scopes::new(),
            barrier: 0,
            base_visible: true,
            autoescape: settings.autoescape,
            use_l10n: None,
            use_tz: false,
            timezone: None,
            language: crate::gettext::Active::from_request(request),
            rctx: smallvec::smallvec![RenderFrame::default()],
            loops: SmallVec::new(),
            depth: 0,
            request,
            site,
            includes: HashMap::new(),
            isolated: Vec::new(),
            user_state: None,
            user_node: 0,
            nesting: 0,
            deps: platen_core::cache::DepRecorder::new(),
            budget: budget::Budget::new(settings.limits),
        }
    }

    /// What a filter sees of this render.
    pub(crate) fn filter_env(&self) -> FilterEnv<'_> {
        let i18n = crate::gettext::Lang {
            set: &self.settings.translations,
            active: &self.language,
        };
        FilterEnv {
            autoescape: self.autoescape,
            timezone: self.timezone,
            i18n: Some(i18n),
            max_output: self
                .settings
                .limits
                .max_output_bytes
                .map_or(crate::filters::MAX_SIZED_OUTPUT, |m| {
                    m.min(crate::filters::MAX_SIZED_OUTPUT)
                }),
        }
    }

    /// The engine's translations.
    pub(crate) fn translations(&self) -> &crate::gettext::Translations {
        &self.settings.translations
    }

    // ---- the API for user tags ------------------------------------------------------

    /// The value of `name` in the context (innermost scope first).
    pub fn get(&self, name: &str) -> Option<Value> {
        self.lookup_name(name)
    }

    /// Sets `name` in the innermost scope (Django's `context[name] = value`).
    pub fn set(&mut self, name: &str, value: Value) {
        self.set_var(&Arc::from(name), value);
    }

    /// Opens a scope: names set until [`Renderer::pop_scope`] vanish then
    /// (Django's `context.push()`).
    pub fn push_scope(&mut self) {
        self.scopes.push();
    }

    /// Closes the scope opened by the last [`Renderer::push_scope`].
    pub fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    /// Whether autoescaping is on here.
    pub fn autoescape(&self) -> bool {
        self.autoescape
    }

    /// The request being answered, when the render has one.
    pub fn request(&self) -> Option<&'a Request> {
        self.request
    }

    /// Per-render state of the user tag node being rendered (Django's
    /// `render_context[self]`): created with `T::default()` on the node's
    /// first use in this render, dropped when the render ends.
    pub fn state<T: Default + 'static>(&mut self) -> &mut T {
        let key = (self.user_node, std::any::TypeId::of::<T>());
        let map = self.user_state.get_or_insert_with(Default::default);
        map.entry(key)
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("state keyed by its type")
    }

    pub(crate) fn enter_user_node(&mut self, key: usize) -> usize {
        std::mem::replace(&mut self.user_node, key)
    }

    pub(crate) fn leave_user_node(&mut self, saved: usize) {
        self.user_node = saved;
    }

    /// Renders the template `name` with only `frame` as its context (an
    /// inclusion tag's template).
    pub(crate) fn render_template_isolated(
        &mut self,
        name: &str,
        frame: Frame,
        out: &mut String,
    ) -> Result<(), Error> {
        // Looked up once per render, however often the tag is used.
        let (tmpl, entry) = match self.isolated.iter().find(|(n, ..)| **n == *name) {
            Some((_, t, e)) => (t.clone(), e.clone()),
            None => {
                let (t, e) = self.templates.get(name)?;
                self.isolated.push((name.into(), t.clone(), e.clone()));
                (t, e)
            }
        };
        self.render_nested(&tmpl, entry.as_deref(), frame, true, out)
    }

    /// Renders another template (or one partial of it, `entry`) with `frame`
    /// as a new innermost scope and a fresh render frame; with `isolated`,
    /// the outer context is hidden (`{% include ... only %}`, inclusion tags).
    pub(crate) fn render_nested(
        &mut self,
        tmpl: &CompiledTemplate,
        entry: Option<&NodeList>,
        frame: Frame,
        isolated: bool,
        out: &mut String,
    ) -> Result<(), Error> {
        self.enter()?;
        let saved = (
            self.barrier,
            self.base_visible,
            std::mem::replace(&mut self.site, tmpl.site()),
        );
        if isolated {
            self.barrier = self.scopes.depth();
            self.base_visible = false;
        }
        self.scopes.push_with(frame);
        self.rctx.push(RenderFrame::default());
        let r = self.render_list(entry.unwrap_or(&tmpl.nodes), out);
        self.rctx.pop();
        self.scopes.pop();
        self.barrier = saved.0;
        self.base_visible = saved.1;
        self.site = saved.2;
        self.depth -= 1;
        r
    }

    // ---- context stack ---------------------------------------------------------------

    pub(crate) fn push_frame(&mut self, frame: Frame) {
        self.scopes.push_with(frame);
    }

    pub(crate) fn pop_frame(&mut self) {
        self.scopes.pop();
    }

    /// Sets `name` in the innermost frame (Django's `context[name] = value`).
    pub(crate) fn set_var(&mut self, name: &Arc<str>, value: Value) {
        self.scopes.set(name, value);
    }

    /// Django's `set_upward`.
    pub(crate) fn set_upward(&mut self, name: &Arc<str>, value: Value) {
        self.scopes.set_upward(self.barrier, name, value);
    }

    // ---- nodes -----------------------------------------------------------------------

    pub(crate) fn locate(&self, err: Error, item: &Item) -> Error {
        if err.template_name().is_some() {
            return err;
        }
        let span = Span::from_range(&self.site.source, item.start as usize, item.end as usize);
        err.with_origin(&self.site.origin)
            .with_span(span)
            .with_source_text(self.site.source.clone())
    }

    /// Renders a node list into `out`.
    pub(crate) fn render_list(&mut self, list: &NodeList, out: &mut String) -> Result<(), Error> {
        if self.nesting >= MAX_RENDER_NESTING {
            return Err(Error::new(
                ErrorKind::Recursion,
                format!("block tags and includes nest more than {MAX_RENDER_NESTING} levels deep"),
            ));
        }
        // The budget is kept per node list, not per node, so that its cost
        // stays out of the node walk: fuel is the list's length and one
        // (every loop iteration renders its body's list), output the length
        // of the text being written.
        self.budget.spend(list.len() as u64 + 1)?;
        self.nesting += 1;
        let r = self.render_list_level(list, out);
        self.nesting -= 1;
        r?;
        self.budget.check_output(out.len())
    }

    pub(crate) fn render_list_level(
        &mut self,
        list: &NodeList,
        out: &mut String,
    ) -> Result<(), Error> {
        for item in list {
            if let Node::Text(t) = &item.node {
                out.push_str(t);
                continue;
            }
            if let Err(e) = self.render_node(item, out) {
                return Err(self.locate(e, item));
            }
        }
        Ok(())
    }

    pub(crate) fn render_to_string(&mut self, list: &NodeList) -> Result<String, Error> {
        let mut s = String::new();
        self.render_list(list, &mut s)?;
        Ok(s)
    }

    pub(crate) fn render_node(&mut self, item: &Item, out: &mut String) -> Result<(), Error> {
        match &item.node {
            Node::Text(t) => out.push_str(t),
            Node::Nothing => {}
            Node::Var(e) => {
                if e.filters.is_empty()
                    && let Head::Var(var) = &e.head
                    && let Some(v) = self.resolve_ref(var)
                {
                    self.write_value(v, out);
                    return Ok(());
                }
                let v = self.resolve(e, false)?;
                // The `tz` filters' results are never converted again.
                let keep_zone = self.use_tz
                    && e.filters.last().is_some_and(|f| matches!(f.def, crate::filter_ref::FilterRef::Builtin(d) if crate::timezone::is_tz_filter(d)));
                if keep_zone {
                    self.write_localized(&v, out);
                } else {
                    self.write_value(&v, out);
                }
            }
            Node::If(branches) => self.render_if(branches, out)?,
            Node::For(f) => self.render_for(f, out)?,
            Node::With(vars, body) => self.render_with(vars, body, out)?,
            Node::Block(b) => self.render_block(b, self.site.clone(), out)?,
            Node::Extends(e) => self.render_extends(e, out)?,
            Node::Include(n) => self.render_include(n, out)?,
            Node::Autoescape(on, body) => self.render_autoescape(*on, body, out)?,
            Node::Filter(e, body) => self.render_filter(e, body, out)?,
            Node::FirstOf(vars, asvar) => self.render_firstof(vars, asvar.as_ref(), out)?,
            Node::Cycle(def) => self.render_cycle(def, out)?,
            Node::ResetCycle(def) => self.reset_cycle(def)?,
            Node::IfChanged(n) => self.render_ifchanged(n, out)?,
            Node::Spaceless(body) => self.render_spaceless(body, out)?,
            Node::WidthRatio(exprs, asvar) => self.render_widthratio(exprs, asvar.as_ref(), out)?,
            Node::Now(fmt, asvar) => self.render_now(fmt, asvar.as_ref(), out)?,
            Node::Lorem(count, method, common) => {
                self.render_lorem(count, *method, *common, out)?
            }
            Node::CsrfToken => self.render_csrf_token(out)?,
            Node::Debug => self.render_debug(out)?,
            Node::Regroup(target, expr, name) => self.render_regroup(target, expr, name)?,
            Node::Url(u) => self.render_url(u, out)?,
            Node::Querystring(args, kwargs, asvar) => {
                self.render_querystring(args, kwargs, asvar.as_ref(), out)?
            }
            Node::PartialDef(inline, body) => self.render_partialdef(*inline, body, out)?,
            Node::Partial(name, partials) => self.render_partial(name, partials, out)?,
            Node::Custom(c) => c.render(self, out)?,
        }
        Ok(())
    }

    // ---- inheritance and inclusion -----------------------------------------------------

    pub(crate) fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                ErrorKind::Recursion,
                format!("templates include or extend each other more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }
}
