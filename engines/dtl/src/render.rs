//! The renderer: walks the compiled tree and writes into one `String`.
//!
//! All per-render state (the context stack, cycle positions, ifchanged
//! memory, the block context of an inheritance chain, the include depth)
//! lives in [`Renderer`], created per render and passed by `&mut`.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use platen_core::value::map_get;
use platen_core::{Context, Error, ErrorKind, Object, Origin, Request, Span, Value};

use crate::engine::EngineInner;
use crate::expr::{FilterArg, FilterExpr, Head, LoopField, Var, syntax};
use crate::filters::FilterEnv;
use crate::nodes::*;
use crate::scope::{Scopes, Slot};
use crate::smartif::{Cond, Op, py_contains, py_is};
use smallvec::SmallVec;

/// How deep includes and extends may nest before the render fails.
pub(crate) const MAX_DEPTH: usize = 64;

pub use crate::escape::escape_html_into as escape_into;

type Frame = Vec<Slot>;
/// Per-render state of user tag nodes, by node and type.
type UserState = HashMap<(usize, std::any::TypeId), Box<dyn std::any::Any>>;
/// The block context of an inheritance chain: block name -> definitions (FIFO).
type BlockContext = HashMap<Arc<str>, Vec<(Arc<BlockDef>, Site)>>;
/// Included templates, per include node and names.
type IncludeCache = HashMap<
    usize,
    (
        Vec<String>,
        Arc<crate::engine::CompiledTemplate>,
        Option<Arc<NodeList>>,
    ),
>;

#[derive(Debug, Clone)]
enum Mem {
    Output(String),
    Values(Vec<Value>),
}

#[derive(Default)]
struct RenderFrame {
    cycles: HashMap<usize, usize>,
    ifchanged: HashMap<usize, Option<Mem>>,
    blocks: Option<BlockContext>,
    history: Option<Vec<Origin>>,
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

/// The state of one render.
pub struct Renderer<'a> {
    engine: &'a EngineInner,
    base: &'a Context,
    scopes: Scopes,
    barrier: usize,
    base_visible: bool,
    pub(crate) autoescape: bool,
    /// `{% localize on|off %}` (Django's `context.use_l10n`; `None` = the setting).
    pub(crate) use_l10n: Option<bool>,
    /// `{% localtime on|off %}` (Django's `context.use_tz`; the setting, `USE_TZ`, is off).
    pub(crate) use_tz: bool,
    /// The zone `{% timezone %}` activated (`None` = `TIME_ZONE`).
    pub(crate) timezone: Option<chrono_tz::Tz>,
    /// The active language (the request's, or `{% language %}`'s).
    pub(crate) language: crate::gettext::Active,
    rctx: SmallVec<[RenderFrame; 2]>,
    loops: SmallVec<[HashMap<usize, Option<Mem>>; 4]>,
    depth: usize,
    request: Option<&'a Request>,
    site: Site,
    includes: IncludeCache,
    /// Inclusion tags' templates found so far in this render, by name.
    isolated: Vec<IsolatedTemplate>,
    user_state: Option<Box<UserState>>,
    user_node: usize,
    nesting: usize,
}

/// An inclusion tag's template found in this render: its name, the compiled
/// template and, for a `#partial` name, the partial's nodes.
type IsolatedTemplate = (
    Box<str>,
    Arc<crate::engine::CompiledTemplate>,
    Option<Arc<NodeList>>,
);

/// How deeply node lists may nest in one render, across includes and
/// inheritance: deeper renders fail instead of exhausting the stack.
pub(crate) const MAX_RENDER_NESTING: usize = 250;

/// `forloop`: built lazily from the loop position.
#[derive(Debug)]
struct ForLoop {
    i: usize,
    len: usize,
    parent: Value,
}

impl ForLoop {
    fn field(&self, name: &str) -> Option<Value> {
        match LoopField::parse(name) {
            Some(f) => Some(f.value(self.i, self.len)),
            None => (name == "parentloop").then(|| self.parent.clone()),
        }
    }
}

impl Object for ForLoop {
    fn get_attr(&self, _: &str) -> Option<Value> {
        None
    }
    fn get_item(&self, key: &Value) -> Option<Value> {
        key.as_str().and_then(|k| self.field(k))
    }
    fn len(&self) -> Option<usize> {
        Some(7)
    }
    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        let keys = [
            "parentloop",
            "counter0",
            "counter",
            "revcounter",
            "revcounter0",
            "first",
            "last",
        ];
        Some(Box::new(keys.into_iter().map(Value::from)))
    }
    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{'parentloop': {}", self.parent.repr())?;
        for k in [
            "counter0",
            "counter",
            "revcounter",
            "revcounter0",
            "first",
            "last",
        ] {
            write!(f, ", '{k}': {}", self.field(k).unwrap_or_default().repr())?;
        }
        f.write_str("}")
    }
}

/// The `forloop` slot of a running loop: one per loop, its position updated
/// in place each iteration. It never leaves the context stack: a lookup
/// turns it into a [`ForLoop`] snapshot (see [`materialize`]).
#[derive(Debug)]
struct LiveLoop {
    i: AtomicUsize,
    len: usize,
    parent: Value,
    /// The snapshot of iteration `.0`: lookups in one iteration share it, so
    /// `forloop is forloop` holds as in Django.
    made: std::sync::Mutex<Option<(usize, Value)>>,
}

impl Object for LiveLoop {
    fn get_attr(&self, _: &str) -> Option<Value> {
        None
    }
}

/// A context slot's value as a lookup sees it: a live `forloop` becomes a snapshot.
#[inline]
fn materialize(v: &Value) -> Value {
    if let Value::Object(o) = v
        && let Some(l) = o.downcast_ref::<LiveLoop>()
    {
        let i = l.i.load(Ordering::Relaxed);
        let mut made = l
            .made
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, v)) = &*made
            && *at == i
        {
            return v.clone();
        }
        let v = Value::from_object(ForLoop {
            i,
            len: l.len,
            parent: l.parent.clone(),
        });
        *made = Some((i, v.clone()));
        return v;
    }
    v.clone()
}

/// The name `forloop`, shared.
static FORLOOP: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("forloop"));
/// An empty map (the outermost loop's `parentloop`), shared.
static EMPTY_MAP: LazyLock<Value> =
    LazyLock::new(|| Value::from(platen_core::value::Map::default()));
/// The name `block`, shared.
static BLOCK: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("block"));
/// The name `var` (`{% filter %}`'s body), shared.
static VAR: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("var"));

/// `block` inside a block: gives `{{ block.super }}`.
#[derive(Debug)]
struct BlockRef {
    def: Arc<BlockDef>,
    site: Site,
    has_context: bool,
}

impl std::fmt::Debug for SiteData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl Object for BlockRef {
    fn get_attr(&self, name: &str) -> Option<Value> {
        (name == "name").then(|| Value::from(&*self.def.name))
    }
    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Block Node: {}>", self.def.name)
    }
}

/// Regroup's `GroupedResult(grouper, list)`.
#[derive(Debug)]
struct Grouped {
    grouper: Value,
    list: Value,
}

impl Object for Grouped {
    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "grouper" => Some(self.grouper.clone()),
            "list" => Some(self.list.clone()),
            _ => None,
        }
    }
    fn get_item(&self, key: &Value) -> Option<Value> {
        match key.as_i64() {
            Some(0) => Some(self.grouper.clone()),
            Some(1) => Some(self.list.clone()),
            _ => None,
        }
    }
    fn len(&self) -> Option<usize> {
        Some(2)
    }
    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        Some(Box::new(
            [self.grouper.clone(), self.list.clone()].into_iter(),
        ))
    }
    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GroupedResult(grouper={}, list={})",
            self.grouper.repr(),
            self.list.repr()
        )
    }
}

fn not_found_var(text: &str) -> Error {
    Error::new(
        ErrorKind::UndefinedVariable,
        format!("Failed lookup for key [{text}]"),
    )
}

/// Python's `int()` of a template value.
fn py_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        Value::Decimal(d) if d.is_finite() => Some(d.to_f64().trunc() as i64),
        Value::Str(s) | Value::SafeStr(s) => s.trim().replace('_', "").parse().ok(),
        _ => None,
    }
}

/// Python's `float()` of a template value.
fn py_float(v: &Value) -> Option<f64> {
    match v {
        Value::Str(s) | Value::SafeStr(s) => s.trim().parse().ok(),
        other => other.as_f64(),
    }
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

impl<'a> Renderer<'a> {
    #[inline]
    pub(crate) fn new(
        engine: &'a EngineInner,
        base: &'a Context,
        request: Option<&'a Request>,
        site: Site,
    ) -> Renderer<'a> {
        Renderer {
            engine,
            base,
            scopes: Scopes::new(),
            barrier: 0,
            base_visible: true,
            autoescape: engine.autoescape,
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
        }
    }

    /// What a filter sees of this render.
    pub(crate) fn filter_env(&self) -> FilterEnv<'_> {
        let i18n = crate::gettext::Lang {
            set: &self.engine.translations,
            active: &self.language,
        };
        FilterEnv {
            autoescape: self.autoescape,
            timezone: self.timezone,
            i18n: Some(i18n),
        }
    }

    /// The engine's translations.
    pub(crate) fn translations(&self) -> &crate::gettext::Translations {
        &self.engine.translations
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
                let (t, e) = self.engine.get(name)?;
                self.isolated.push((name.into(), t.clone(), e.clone()));
                (t, e)
            }
        };
        self.render_nested(&tmpl, entry.as_deref(), frame, true, out)
    }

    /// Renders another template (or one partial of it, `entry`) with `frame`
    /// as a new innermost scope and a fresh render frame; with `isolated`,
    /// the outer context is hidden (`{% include ... only %}`, inclusion tags).
    fn render_nested(
        &mut self,
        tmpl: &crate::engine::CompiledTemplate,
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
    fn set_upward(&mut self, name: &Arc<str>, value: Value) {
        self.scopes.set_upward(self.barrier, name, value);
    }

    fn lookup_name(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.scopes.get(self.barrier, name) {
            return Some(materialize(v));
        }
        if self.base_visible
            && let Some(v) = self.base.get(name)
        {
            return Some(v.clone());
        }
        match name {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::None),
            _ => None,
        }
    }

    /// The context slot of `name` as stored (a live `forloop` as it is), for
    /// the names [`Renderer::lookup_name`] finds in the frames or the base.
    fn lookup_slot(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.scopes.get(self.barrier, name) {
            return Some(v);
        }
        if self.base_visible {
            self.base.get(name)
        } else {
            None
        }
    }

    /// A variable's value by reference, when it is found through plain
    /// context slots and map keys only (no objects, no live `forloop`, no
    /// methods or indexes); `None` sends the caller to [`Renderer::resolve_var`],
    /// which gives the same answer in every case this one answers.
    fn resolve_ref(&self, var: &Var) -> Option<&Value> {
        let Var::Path { parts, .. } = var else {
            return None;
        };
        let mut cur = self.lookup_slot(&parts[0])?;
        if matches!(cur, Value::Object(_)) {
            return None;
        }
        for seg in &parts[1..] {
            match cur {
                Value::Map(m) => cur = map_get(m, seg)?,
                _ => return None,
            }
        }
        Some(cur)
    }

    /// A name's value, or the invalid-variable value.
    pub(crate) fn has_name(&self, name: &str) -> bool {
        self.lookup_name(name).is_some()
    }

    /// A name's value, or the invalid-variable value.
    pub(crate) fn lookup_name_or_invalid(&self, name: &str) -> Value {
        self.lookup_name(name)
            .unwrap_or_else(|| Value::from(self.engine.string_if_invalid.as_str()))
    }

    // ---- variables -------------------------------------------------------------------

    fn lookup_segment(&mut self, cur: &Value, seg: &str) -> Result<Option<Value>, Error> {
        match cur {
            Value::Map(m) => {
                if let Some(v) = map_get(m, seg) {
                    return Ok(Some(v.clone()));
                }
                let v = match seg {
                    "items" => m
                        .iter()
                        .map(|(k, v)| Value::from(vec![Value::Str(k.clone()), v.clone()]))
                        .collect(),
                    "keys" => m.keys().map(|k| Value::Str(k.clone())).collect(),
                    "values" => m.values().cloned().collect(),
                    _ => return Ok(None),
                };
                return Ok(Some(v));
            }
            Value::Object(o) => {
                if let Some(b) = o.downcast_ref::<BlockRef>()
                    && seg == "super"
                {
                    return self.block_super(b).map(Some);
                }
                if let Some(v) = o.get_item(&Value::from(seg)) {
                    return Ok(Some(v));
                }
                if let Some(v) = o.get_attr(seg) {
                    return Ok(Some(v));
                }
            }
            // Strings, numbers, dates and times: Python's attributes and
            // no-argument methods (`{{ name.upper }}`, `{{ d.year }}`).
            _ => {
                if let Some(v) = crate::builtin_attrs::attr(cur, seg) {
                    return Ok(Some(v));
                }
            }
        }
        let Ok(index) = seg.trim().parse::<i64>() else {
            return Ok(None);
        };
        Ok(match cur {
            Value::List(l) => {
                let i = if index < 0 {
                    index + l.len() as i64
                } else {
                    index
                };
                usize::try_from(i).ok().and_then(|i| l.get(i).cloned())
            }
            Value::Str(s) | Value::SafeStr(s) => {
                let n = s.chars().count() as i64;
                let i = if index < 0 { index + n } else { index };
                usize::try_from(i)
                    .ok()
                    .and_then(|i| s.chars().nth(i))
                    .map(|c| Value::from(c.to_string()))
            }
            Value::Object(o) => o.get_item(&Value::Int(index)),
            _ => None,
        })
    }

    /// Resolves a variable; `None` when it does not exist.
    fn resolve_var(&mut self, var: &Var) -> Result<Option<Value>, Error> {
        match var {
            Var::Literal(v) => Ok(Some(v.clone())),
            Var::Trans(inner) => match self.resolve_var(inner)? {
                Some(v) => crate::i18n::translate_value(self, &v, None).map(Some),
                None => Ok(None),
            },
            Var::Path {
                parts, loop_field, ..
            } => {
                // `forloop.counter` and the like: read from the live loop,
                // without a snapshot object (`parentloop` takes the long way).
                let mut rest = &parts[1..];
                let head = match loop_field {
                    Some(field) => match self.lookup_slot(&parts[0]) {
                        Some(Value::Object(o)) => o
                            .downcast_ref::<LiveLoop>()
                            .map(|l| field.value(l.i.load(Ordering::Relaxed), l.len)),
                        _ => None,
                    },
                    None => None,
                };
                let mut cur = match head {
                    Some(v) => {
                        rest = &rest[1..];
                        v
                    }
                    None => match self.lookup_name(&parts[0]) {
                        Some(v) => v,
                        None => return Ok(None),
                    },
                };
                for seg in rest {
                    match self.lookup_segment(&cur, seg)? {
                        Some(v) => cur = v,
                        None => return Ok(None),
                    }
                }
                Ok(Some(cur))
            }
        }
    }

    /// Django's `FilterExpression.resolve`.
    pub(crate) fn resolve(
        &mut self,
        e: &FilterExpr,
        ignore_failures: bool,
    ) -> Result<Value, Error> {
        let mut filters = e.filters.iter();
        let mut obj = match &e.head {
            Head::Constant(v) => v.clone(),
            Head::Var(var) => {
                // Fast path: the head found by reference goes straight into a
                // first filter whose argument is no variable (no clone of it).
                if let Some(first) = e.filters.first()
                    && !matches!(
                        first.arg,
                        Some(FilterArg::Var(Var::Path { .. } | Var::Trans(_)))
                    )
                    && let Some(v) = self.resolve_ref(var)
                {
                    let arg = first.arg.as_ref().map(|a| match a {
                        FilterArg::Constant(Value::Str(s)) => Value::SafeStr(s.clone()),
                        FilterArg::Constant(other) | FilterArg::Var(Var::Literal(other)) => {
                            other.clone()
                        }
                        FilterArg::Var(Var::Path { .. } | Var::Trans(_)) => {
                            unreachable!("excluded above")
                        }
                    });
                    let new = self.apply_filter(first, v, arg)?;
                    filters.next();
                    new
                } else {
                    match self.resolve_var(var)? {
                        Some(v) => v,
                        None if ignore_failures => Value::None,
                        None => {
                            let sii = &self.engine.string_if_invalid;
                            if !sii.is_empty() {
                                return Ok(Value::from(sii.replace("%s", &var.text())));
                            }
                            Value::from("")
                        }
                    }
                }
            }
        };
        for f in filters {
            let arg = match &f.arg {
                None => None,
                Some(FilterArg::Constant(v)) => Some(match v {
                    Value::Str(s) => Value::SafeStr(s.clone()),
                    other => other.clone(),
                }),
                Some(FilterArg::Var(var)) => match self.resolve_var(var)? {
                    Some(v) => Some(v),
                    None => {
                        return Err(not_found_var(&var.text()));
                    }
                },
            };
            obj = self.apply_filter(f, &obj, arg)?;
        }
        Ok(obj)
    }

    /// One filter of a filter expression applied to `obj`.
    #[inline]
    fn apply_filter(
        &self,
        f: &crate::expr::FilterCall,
        obj: &Value,
        arg: Option<Value>,
    ) -> Result<Value, Error> {
        if f.def.arg() == crate::filters::Arg::None && arg.is_some() {
            return Err(Error::new(
                ErrorKind::InvalidType,
                format!(
                    "{}() got multiple values for argument 'autoescape'",
                    f.def.name()
                ),
            ));
        }
        let env = self.filter_env();
        let new = f.def.call(obj, arg.as_ref(), &env)?;
        Ok(if f.def.is_safe() && obj.is_safe() {
            match new {
                Value::Str(s) => Value::SafeStr(s),
                v @ (Value::List(_) | Value::Map(_)) => Value::safe(v.to_string()),
                v => v,
            }
        } else {
            new
        })
    }

    /// Writes a value as `{{ }}` does (Django's `render_value_in_context`):
    /// localized, and escaped under autoescape unless it is safe.
    pub fn write_value(&self, v: &Value, out: &mut String) {
        // Django's `template_localtime`: inside `{% localtime on %}`, aware
        // datetimes show in the current time zone.
        if self.use_tz
            && matches!(v, Value::AwareDateTime(_))
            && let Some(local) =
                crate::tz::convert(v, self.timezone.unwrap_or(crate::tz::DEFAULT_TZ))
        {
            return self.write_localized(&local, out);
        }
        self.write_localized(v, out)
    }

    /// [`Renderer::write_value`] without the time zone conversion.
    fn write_localized(&self, v: &Value, out: &mut String) {
        match v {
            Value::Str(s) => {
                if self.autoescape {
                    escape_into(out, s)
                } else {
                    out.push_str(s)
                }
            }
            Value::SafeStr(s) => out.push_str(s),
            // Grouped only with `use_thousand_separator`.
            Value::Int(i) if !self.engine.translations.formats.use_thousand_separator => {
                out.push_str(itoa::Buffer::new().format(*i))
            }
            Value::Object(o) if o.is_safe() => {
                let _ = write!(out, "{v}");
            }
            other => {
                let s = crate::l10n::render_text(self, other);
                if self.autoescape {
                    escape_into(out, &s)
                } else {
                    out.push_str(&s)
                }
            }
        }
    }

    // ---- nodes -----------------------------------------------------------------------

    fn locate(&self, err: Error, item: &Item) -> Error {
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
        self.nesting += 1;
        let r = self.render_list_level(list, out);
        self.nesting -= 1;
        r
    }

    fn render_list_level(&mut self, list: &NodeList, out: &mut String) -> Result<(), Error> {
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

    fn render_to_string(&mut self, list: &NodeList) -> Result<String, Error> {
        let mut s = String::new();
        self.render_list(list, &mut s)?;
        Ok(s)
    }

    fn render_node(&mut self, item: &Item, out: &mut String) -> Result<(), Error> {
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
                    && e.filters.last().is_some_and(|f| matches!(f.def, crate::library::FilterRef::Builtin(d) if crate::tz::is_tz_filter(d)));
                if keep_zone {
                    self.write_localized(&v, out);
                } else {
                    self.write_value(&v, out);
                }
            }
            Node::If(branches) => {
                for (cond, body) in branches {
                    let matched = match cond {
                        None => true,
                        Some(Cond::Literal(e))
                            if e.filters.is_empty()
                                && let Head::Var(var) = &e.head
                                && let Some(v) = self.resolve_ref(var) =>
                        {
                            v.is_true()
                        }
                        Some(c) => match self.eval(c) {
                            Ok(v) => v.is_true(),
                            Err(e) if e.kind() == ErrorKind::UndefinedVariable => false,
                            Err(e) => return Err(e),
                        },
                    };
                    if matched {
                        return self.render_list(body, out);
                    }
                }
            }
            Node::For(f) => self.render_for(f, out)?,
            Node::With(vars, body) => {
                // Resolved before the scope opens: `{% with a=b b=a %}` sees the outer names.
                let mut frame: smallvec::SmallVec<[Slot; 4]> =
                    smallvec::SmallVec::with_capacity(vars.len());
                for (k, e) in vars {
                    frame.push((k.clone(), self.resolve(e, false)?));
                }
                self.scopes.push_with(frame);
                let r = self.render_list(body, out);
                self.scopes.pop();
                r?;
            }
            Node::Block(b) => self.render_block(b, self.site.clone(), out)?,
            Node::Extends(e) => self.render_extends(e, out)?,
            Node::Include(n) => self.render_include(n, out)?,
            Node::Autoescape(on, body) => {
                let saved = self.autoescape;
                self.autoescape = *on;
                let r = self.render_list(body, out);
                self.autoescape = saved;
                r?;
            }
            Node::Filter(e, body) => {
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
                        crate::l10n::render_text(self, &v)
                    }
                );
            }
            Node::FirstOf(vars, asvar) => {
                let mut first = String::new();
                for e in vars {
                    let v = self.resolve(e, true)?;
                    if v.is_true() {
                        self.write_value(&v, &mut first);
                        break;
                    }
                }
                match asvar {
                    Some(name) => self.set_var(name, Value::safe(first)),
                    None => out.push_str(&first),
                }
            }
            Node::Cycle(def) => {
                let key = Arc::as_ptr(def) as usize;
                let n = def.values.len();
                let idx = {
                    let pos = self
                        .rctx
                        .last_mut()
                        .expect("render frame")
                        .cycles
                        .entry(key)
                        .or_insert(0);
                    let i = *pos % n;
                    *pos = i + 1;
                    i
                };
                let v = self.resolve(&def.values[idx], false)?;
                if let Some(name) = &def.name {
                    self.set_upward(name, v.clone());
                }
                if !def.silent {
                    self.write_value(&v, out);
                }
            }
            Node::ResetCycle(def) => {
                let key = Arc::as_ptr(def) as usize;
                self.rctx
                    .last_mut()
                    .expect("render frame")
                    .cycles
                    .insert(key, 0);
            }
            Node::IfChanged(n) => self.render_ifchanged(n, out)?,
            Node::Spaceless(body) => {
                let text = self.render_to_string(body)?;
                out.push_str(&strip_spaces_between_tags(text.trim()));
            }
            Node::WidthRatio(exprs, asvar) => {
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
                let Some(width) = py_int(&width) else {
                    return Err(syntax("widthratio final argument must be a number"));
                };
                let result = match (py_float(&value), py_float(&max)) {
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
            }
            Node::Now(fmt, asvar) => {
                let now = Value::DateTime(chrono::Local::now().naive_local());
                let text = match crate::filters::lookup("date") {
                    Some(def) => (def.func)(&now, Some(&Value::from(&**fmt)), &self.filter_env())?
                        .to_string(),
                    None => now.to_string(),
                };
                match asvar {
                    Some(name) => self.set_var(name, Value::from(text)),
                    None => out.push_str(&text),
                }
            }
            Node::Lorem(count, method, common) => {
                let c = self.resolve(count, false)?;
                // Django: int(count), 1 when that is a ValueError or TypeError.
                let count = match crate::filters::py_int(&c) {
                    Ok(n) => n.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                    Err(e) if e.kind() == ErrorKind::RenderError => return Err(e),
                    Err(_) => 1,
                };
                // The count sets the length: the longest word is 14 bytes,
                // a random paragraph under 4 KiB.
                let per_item = if *method == b'w' { 15 } else { 4096 };
                crate::filters::check_output_size(
                    usize::try_from(count.max(0))
                        .map_or(usize::MAX, |n| n.saturating_mul(per_item)),
                )?;
                if *method == b'w' {
                    out.push_str(&crate::lorem::words(count, *common));
                } else {
                    let paras = crate::lorem::paragraphs(count, *common);
                    for (i, p) in paras.iter().enumerate() {
                        if i > 0 {
                            out.push_str("\n\n");
                        }
                        if *method == b'p' {
                            let _ = write!(out, "<p>{p}</p>");
                        } else {
                            out.push_str(p);
                        }
                    }
                }
            }
            Node::CsrfToken => {
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
                        out.push_str(
                            "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"",
                        );
                        escape_into(out, &t);
                        out.push_str("\">");
                    }
                }
            }
            Node::Debug => {
                let mut s = String::new();
                for (k, v) in self.base.iter() {
                    let _ = writeln!(s, "{k}: {}", v.repr());
                }
                escape_into(out, &s);
            }
            Node::Regroup(target, expr, name) => {
                let list = self.resolve(target, true)?;
                if list.is_none() {
                    self.set_var(name, Value::from(Vec::<Value>::new()));
                    return Ok(());
                }
                let items: Vec<Value> = match list.try_iter() {
                    Some(it) => it.collect(),
                    None => {
                        return Err(Error::new(
                            ErrorKind::InvalidType,
                            format!("'{}' object is not iterable", list.kind_name()),
                        ));
                    }
                };
                let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
                for item in items {
                    self.set_var(name, item.clone());
                    let key = self.resolve(expr, true)?;
                    match groups.last_mut() {
                        Some((k, l)) if *k == key => l.push(item),
                        _ => groups.push((key, vec![item])),
                    }
                }
                let v: Value = groups
                    .into_iter()
                    .map(|(grouper, list)| {
                        Value::from_object(Grouped {
                            grouper,
                            list: Value::from(list),
                        })
                    })
                    .collect();
                self.set_var(name, v);
            }
            Node::Url(u) => self.render_url(u, out)?,
            Node::Querystring(args, kwargs, asvar) => {
                self.render_querystring(args, kwargs, asvar.as_ref(), out)?
            }
            Node::PartialDef(inline, body) => {
                if *inline {
                    self.render_list(body, out)?;
                }
            }
            Node::Partial(name, partials) => {
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
            }
            Node::Custom(c) => c.render(self, out)?,
        }
        Ok(())
    }

    fn eval(&mut self, c: &Cond) -> Result<Value, Error> {
        match c {
            Cond::Literal(e) => self.resolve(e, true),
            Cond::Not(inner) => Ok(match self.eval(inner) {
                Ok(v) => Value::Bool(!v.is_true()),
                Err(_) => Value::Bool(false),
            }),
            Cond::Binary(op, a, b) => {
                let r = (|| -> Result<Value, Error> {
                    Ok(match op {
                        Op::Or => {
                            let x = self.eval(a)?;
                            if x.is_true() { x } else { self.eval(b)? }
                        }
                        Op::And => {
                            let x = self.eval(a)?;
                            if !x.is_true() { x } else { self.eval(b)? }
                        }
                        _ => {
                            let x = self.eval(a)?;
                            let y = self.eval(b)?;
                            let fail =
                                || Error::new(ErrorKind::InvalidType, "unsupported comparison");
                            Value::Bool(match op {
                                Op::In => py_contains(&y, &x).ok_or_else(fail)?,
                                Op::NotIn => !py_contains(&y, &x).ok_or_else(fail)?,
                                Op::Is => py_is(&x, &y),
                                Op::IsNot => !py_is(&x, &y),
                                Op::Eq => x == y,
                                Op::Ne => x != y,
                                Op::Lt => x.partial_cmp_py(&y).ok_or_else(fail)?.is_lt(),
                                Op::Le => x.partial_cmp_py(&y).ok_or_else(fail)?.is_le(),
                                Op::Gt => x.partial_cmp_py(&y).ok_or_else(fail)?.is_gt(),
                                Op::Ge => x.partial_cmp_py(&y).ok_or_else(fail)?.is_ge(),
                                _ => false,
                            })
                        }
                    })
                })();
                Ok(r.unwrap_or(Value::Bool(false)))
            }
        }
    }

    fn render_for(&mut self, f: &ForNode, out: &mut String) -> Result<(), Error> {
        let parent = self
            .lookup_name("forloop")
            .unwrap_or_else(|| EMPTY_MAP.clone());
        self.scopes.push();
        let r = self.render_for_inner(f, parent, out);
        self.scopes.pop();
        r
    }

    fn render_for_inner(
        &mut self,
        f: &ForNode,
        parent: Value,
        out: &mut String,
    ) -> Result<(), Error> {
        let seq = self.resolve(&f.seq, true)?;
        // A list is walked in place; anything else iterable is collected first.
        let collected: Vec<Value>;
        let items: &[Value] = match &seq {
            Value::None => &[],
            Value::List(l) => l,
            other => match other.try_iter() {
                Some(it) => {
                    collected = it.collect();
                    &collected
                }
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidType,
                        format!("'{}' object is not iterable", other.kind_name()),
                    ));
                }
            },
        };
        if items.is_empty() {
            return self.render_list(&f.empty, out);
        }
        let len = items.len();
        let forloop: &Arc<str> = &FORLOOP;
        let live = Arc::new(LiveLoop {
            i: AtomicUsize::new(0),
            len,
            parent,
            made: Default::default(),
        });
        let live_ptr = Arc::as_ptr(&live) as *const ();
        let live_val = Value::Object(live.clone());
        self.loops.push(HashMap::new());
        let result = (|| {
            for i in 0..len {
                let item = if f.reversed {
                    &items[len - 1 - i]
                } else {
                    &items[i]
                };
                live.i.store(i, Ordering::Relaxed);
                // Django sets `context['forloop']` anew each iteration: put the
                // live slot back unless it is still there.
                let top = self.scopes.top_mut();
                let in_place = matches!(top.first(), Some((k, Value::Object(o)))
                    if Arc::ptr_eq(k, forloop) && Arc::as_ptr(o) as *const () == live_ptr);
                if !in_place {
                    self.set_var(forloop, live_val.clone());
                }
                if f.vars.len() > 1 {
                    let parts: Vec<Value> = match item {
                        Value::List(_)
                        | Value::Map(_)
                        | Value::Str(_)
                        | Value::SafeStr(_)
                        | Value::Object(_) => item
                            .try_iter()
                            .map(|it| it.collect())
                            .unwrap_or_else(|| vec![item.clone()]),
                        _ => vec![item.clone()],
                    };
                    if parts.len() != f.vars.len() {
                        return Err(Error::new(
                            ErrorKind::InvalidValue,
                            format!(
                                "Need {} values to unpack in for loop; got {}. ",
                                f.vars.len(),
                                parts.len()
                            ),
                        ));
                    }
                    self.scopes.push_with(f.vars.iter().cloned().zip(parts));
                    let r = self.render_list(&f.body, out);
                    self.scopes.pop();
                    r?;
                } else {
                    let top = self.scopes.top_mut();
                    match top.get_mut(1) {
                        Some((k, v)) if Arc::ptr_eq(k, &f.vars[0]) => *v = item.clone(),
                        _ => self.set_var(&f.vars[0], item.clone()),
                    }
                    self.render_list(&f.body, out)?;
                }
            }
            Ok(())
        })();
        self.loops.pop();
        result
    }

    fn render_ifchanged(&mut self, n: &IfChangedNode, out: &mut String) -> Result<(), Error> {
        let key = n as *const IfChangedNode as usize;
        let mut rendered = None;
        let compare = if n.vars.is_empty() {
            let s = self.render_to_string(&n.yes)?;
            rendered = Some(s.clone());
            Mem::Output(s)
        } else {
            let mut vals = Vec::new();
            for e in &n.vars {
                vals.push(self.resolve(e, true)?);
            }
            Mem::Values(vals)
        };
        let store = match self.loops.last_mut() {
            Some(m) => m,
            None => &mut self.rctx.last_mut().expect("render frame").ifchanged,
        };
        let prev = store.entry(key).or_insert(None);
        let changed = match (&*prev, &compare) {
            (None, _) => true,
            (Some(Mem::Output(a)), Mem::Output(b)) => a != b,
            (Some(Mem::Values(a)), Mem::Values(b)) => a != b,
            _ => true,
        };
        if changed {
            *prev = Some(compare);
            match rendered {
                Some(s) if !s.is_empty() => out.push_str(&s),
                _ => self.render_list(&n.yes, out)?,
            }
        } else {
            self.render_list(&n.no, out)?;
        }
        Ok(())
    }

    // ---- inheritance and inclusion -----------------------------------------------------

    fn block_context(&mut self) -> Option<&mut BlockContext> {
        self.rctx.last_mut().and_then(|f| f.blocks.as_mut())
    }

    fn render_block(
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

    fn block_super(&mut self, b: &BlockRef) -> Result<Value, Error> {
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

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                ErrorKind::Recursion,
                format!("templates include or extend each other more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn render_extends(&mut self, e: &ExtendsNode, out: &mut String) -> Result<(), Error> {
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
        let tmpl = self.engine.find(&name, &history)?;
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
        tmpl: &Arc<crate::engine::CompiledTemplate>,
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
                .engine
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

    fn render_include(&mut self, n: &IncludeNode, out: &mut String) -> Result<(), Error> {
        let v = self.resolve(&n.template, false)?;
        let names: SmallVec<[std::borrow::Cow<'_, str>; 1]> = match &v {
            Value::Str(s) | Value::SafeStr(s) => {
                if s.is_empty() {
                    SmallVec::new()
                } else {
                    smallvec::smallvec![crate::tags::relative_path(
                        Some(&n.current_name),
                        s,
                        false
                    )?]
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
                let asked: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                let (t, e) = self.engine.select(&asked)?;
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

    fn render_url(&mut self, u: &UrlNode, out: &mut String) -> Result<(), Error> {
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
        let result = match &self.engine.url_resolver {
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

    fn render_querystring(
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
                qs.push_str(&urlencode(k));
                qs.push('=');
                qs.push_str(&urlencode(v));
            }
        }
        match asvar {
            Some(name) => self.set_var(name, Value::from(qs)),
            None => self.write_value(&Value::from(qs), out),
        }
        Ok(())
    }
}

/// `urllib.parse.quote_plus`.
fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) => out.push(b as char),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
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
