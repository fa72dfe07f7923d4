//! Tag and filter libraries for `{% load %}`, `options.libraries` and
//! `options.builtins`, and the extension API for user filters and tags.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::filter_ref::{FilterRef, UserFilter};
use crate::filters::{FilterDef, FilterEnv};
use crate::lexer::Token;
use crate::nodes::{CustomNode, Node, NodeList};

pub use crate::filter_ref::FilterOptions;
use crate::parser::Parser;
use crate::render::Renderer;

/// Compiles one built-in tag: gets the parser (to read ahead) and the tag token.
pub(crate) type TagFn = fn(&mut Parser<'_>, &Token<'_>) -> Result<Node, Error>;

/// A user tag's compile function.
type DynTagFn =
    dyn Fn(&mut Parser<'_>, &Token<'_>) -> Result<Box<dyn TagNode>, Error> + Send + Sync;

/// The node a user tag compiles to (Django's `Node` subclass).
///
/// A node is compiled once and shared by every render on every thread, so it
/// holds no per-render state itself: keep that in
/// [`Renderer::state`], which is per node and lives for one render only.
pub trait TagNode: Send + Sync + fmt::Debug {
    /// Writes the node's output into `out`.
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error>;

    /// The node lists the node holds (parsed with [`Parser::parse_until`]),
    /// so that `{% block %}`s inside them take part in inheritance.
    fn nodelists(&self) -> Vec<&Nodes> {
        Vec::new()
    }
}

/// A compiled list of nodes, as [`Parser::parse_until`] returns it.
#[derive(Debug, Default)]
pub struct Nodes(pub(crate) NodeList);

impl Nodes {
    /// Renders the nodes into `out`.
    pub fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        r.render_list(&self.0, out)
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A compiled filter expression (`var.path|filter:arg`), from
/// [`Parser::compile_filter`].
#[derive(Debug, Clone)]
pub struct Expr(pub(crate) FilterExpr);

impl Expr {
    /// The value in the current render (Django's `FilterExpression.resolve`):
    /// a missing variable gives the engine's `string_if_invalid`.
    pub fn resolve(&self, r: &mut Renderer<'_>) -> Result<Value, Error> {
        r.resolve(&self.0, false)
    }

    /// The value, with a missing variable giving `None` (Django's
    /// `resolve(context, ignore_failures=True)`).
    pub fn resolve_or_none(&self, r: &mut Renderer<'_>) -> Result<Value, Error> {
        r.resolve(&self.0, true)
    }

    /// The source text of the expression.
    pub fn text(&self) -> &str {
        &self.0.token
    }
}

/// A tag bound in a library.
#[derive(Clone)]
pub(crate) enum TagImpl {
    Builtin(TagFn),
    User(Arc<DynTagFn>),
}

impl TagImpl {
    pub(crate) fn compile(&self, p: &mut Parser<'_>, token: &Token<'_>) -> Result<Node, Error> {
        match self {
            TagImpl::Builtin(f) => f(p, token),
            TagImpl::User(f) => Ok(Node::Custom(Box::new(UserNode(f(p, token)?)))),
        }
    }
}

/// Adapts a user [`TagNode`] to the engine's node type.
#[derive(Debug)]
struct UserNode(Box<dyn TagNode>);

impl CustomNode for UserNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        // The wrapper is never zero-sized, so its address names the node.
        let saved = r.enter_user_node(self as *const UserNode as usize);
        let res = self.0.render(r, out);
        r.leave_user_node(saved);
        res
    }

    fn children(&self) -> Option<&NodeList> {
        // Block discovery goes through `user_children`.
        None
    }

    fn user_children(&self) -> Vec<&NodeList> {
        self.0.nodelists().into_iter().map(|n| &n.0).collect()
    }
}

/// The arguments of a [`Library::simple_tag`] call, resolved for this render.
pub struct TagCall<'c, 'r> {
    /// Positional arguments, in order.
    pub args: Vec<Value>,
    /// Keyword arguments (`name=value`), in order.
    pub kwargs: Vec<(String, Value)>,
    renderer: &'c mut Renderer<'r>,
}

impl<'r> TagCall<'_, 'r> {
    /// The render's context (Django's `takes_context=True`).
    pub fn context(&mut self) -> &mut Renderer<'r> {
        self.renderer
    }

    /// The keyword argument `name`, when given.
    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

type SimpleFn = dyn Fn(&mut TagCall<'_, '_>) -> Result<Value, Error> + Send + Sync;

/// The arguments of a simple or inclusion tag: Django's `parse_bits`
/// (positional then `name=value` bits) and a trailing `as var`.
#[derive(Debug)]
struct TagBits {
    args: Vec<FilterExpr>,
    kwargs: Vec<(String, FilterExpr)>,
    target: Option<Arc<str>>,
}

fn parse_tag_bits(p: &mut Parser<'_>, token: &Token<'_>, allow_as: bool) -> Result<TagBits, Error> {
    let mut bits = p.split(token);
    let name = bits.remove(0);
    let mut target = None;
    if allow_as && bits.len() >= 2 && bits[bits.len() - 2] == "as" {
        target = bits.pop().map(|t| Arc::from(t.as_str()));
        bits.pop();
    }
    let mut args = Vec::new();
    let mut kwargs: Vec<(String, FilterExpr)> = Vec::new();
    for bit in &bits {
        match crate::parser::kwarg(bit) {
            (Some(k), v) => {
                if kwargs.iter().any(|(n, _)| n == k) {
                    return Err(syntax(format!(
                        "'{name}' received multiple values for keyword argument '{k}'"
                    )));
                }
                kwargs.push((k.to_owned(), p.filter_expr(v)?));
            }
            (None, v) => {
                if !kwargs.is_empty() {
                    return Err(syntax(format!(
                        "'{name}' received some positional argument(s) after some keyword argument(s)"
                    )));
                }
                args.push(p.filter_expr(v)?);
            }
        }
    }
    Ok(TagBits {
        args,
        kwargs,
        target,
    })
}

fn call_with_bits(r: &mut Renderer<'_>, bits: &TagBits, func: &SimpleFn) -> Result<Value, Error> {
    let mut args = Vec::with_capacity(bits.args.len());
    for a in &bits.args {
        args.push(r.resolve(a, false)?);
    }
    let mut kwargs = Vec::with_capacity(bits.kwargs.len());
    for (k, e) in &bits.kwargs {
        kwargs.push((k.clone(), r.resolve(e, false)?));
    }
    let mut call = TagCall {
        args,
        kwargs,
        renderer: r,
    };
    func(&mut call)
}

struct SimpleNode {
    bits: TagBits,
    func: Arc<SimpleFn>,
}

impl fmt::Debug for SimpleNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleNode")
            .field("bits", &self.bits)
            .finish()
    }
}

impl TagNode for SimpleNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let v = call_with_bits(r, &self.bits, &*self.func)?;
        match &self.bits.target {
            Some(name) => r.set(name, v),
            None => r.write_value(&v, out),
        }
        Ok(())
    }
}

struct InclusionNode {
    bits: TagBits,
    template: Arc<str>,
    func: Arc<SimpleFn>,
}

impl fmt::Debug for InclusionNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InclusionNode")
            .field("template", &self.template)
            .field("bits", &self.bits)
            .finish()
    }
}

impl TagNode for InclusionNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let v = call_with_bits(r, &self.bits, &*self.func)?;
        let mut frame: Vec<(Arc<str>, Value)> = match &v {
            Value::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Value::None => Vec::new(),
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidType,
                    format!(
                        "an inclusion tag must return a mapping, not '{}'",
                        other.kind_name()
                    ),
                ));
            }
        };
        // Django copies the CSRF token into the new context.
        if !frame.iter().any(|(k, _)| &**k == "csrf_token")
            && let Some(token) = r.get("csrf_token")
        {
            frame.push((Arc::from("csrf_token"), token));
        }
        r.render_template_isolated(&self.template, frame, out)
    }
}

/// A library of filters and tags, loadable with `{% load name %}` (or
/// loaded into every template with `options.builtins`).
///
/// User filters take Django's `filter` shapes ([`FilterOptions`]); user tags
/// take the `simple_tag` and `inclusion_tag` shapes, or the full tag API:
/// a compile function that reads the tag (and, with
/// [`Parser::parse_until`], the template up to an end tag) and returns its
/// own [`TagNode`].
///
/// ```
/// use std::sync::Arc;
/// use platen_core::{Context, Error, LoaderChain, Template, Value};
/// use platen_dtl::{Arg, DtlEngine, DtlOptions, FilterOptions, Library, Nodes, Parser, Renderer, TagNode, Token};
///
/// let mut lib = Library::new();
/// // {{ name|shout:"!" }}
/// lib.filter_fn("shout", FilterOptions { arg: Arg::Required, ..Default::default() }, |v, arg, _env| {
///     Ok(Value::from(format!("{}{}", v.to_string().to_uppercase(), arg.map(|a| a.to_string()).unwrap_or_default())))
/// });
/// // {% greet name greeting="Hi" %} or {% greet name as text %}
/// lib.simple_tag("greet", |call| {
///     let greeting = call.kwarg("greeting").map(|g| g.to_string()).unwrap_or_else(|| "Hello".into());
///     Ok(Value::from(format!("{greeting}, {}!", call.args[0])))
/// });
/// // {% twice %}...{% endtwice %}: a tag with a body and its own node type.
/// #[derive(Debug)]
/// struct Twice(Nodes);
/// impl TagNode for Twice {
///     fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
///         self.0.render(r, out)?;
///         self.0.render(r, out)
///     }
///     fn nodelists(&self) -> Vec<&Nodes> {
///         vec![&self.0]
///     }
/// }
/// lib.tag_fn("twice", |parser: &mut Parser<'_>, _token: &Token<'_>| {
///     let body = parser.parse_until(&["endtwice"])?;
///     parser.skip_end_tag();
///     Ok(Box::new(Twice(body)) as Box<dyn TagNode>)
/// });
///
/// let mut options = DtlOptions::default();
/// options.libraries.insert("mytags".into(), Arc::new(lib));
/// let engine = DtlEngine::new(LoaderChain::new(Vec::new()), options);
/// let t = engine.template_from_str(
///     r#"{% load mytags %}{{ name|shout:"!" }} {% greet name greeting="Hi" %} {% twice %}<{{ name }}>{% endtwice %}"#,
/// )?;
/// let out = t.render(&Context::new().with("name", "<b>"), None)?;
/// assert_eq!(out, "&lt;B&gt;! Hi, &lt;b&gt;! <&lt;b&gt;><&lt;b&gt;>");
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Library {
    pub(crate) filters: HashMap<String, FilterRef>,
    pub(crate) tags: HashMap<String, TagImpl>,
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (filters, tags) = self.names();
        f.debug_struct("Library")
            .field("filters", &filters)
            .field("tags", &tags)
            .finish()
    }
}

impl Library {
    /// An empty library.
    pub fn new() -> Library {
        Library::default()
    }

    /// Adds a filter definition under its own name.
    pub fn filter(&mut self, def: &'static FilterDef) -> &mut Library {
        self.filters
            .insert(def.name.to_owned(), FilterRef::Builtin(def));
        self
    }

    /// Adds a filter definition under another name.
    pub fn filter_as(&mut self, name: &str, def: &'static FilterDef) -> &mut Library {
        self.filters
            .insert(name.to_owned(), FilterRef::Builtin(def));
        self
    }

    /// Adds a filter function (Django's `@register.filter(name, is_safe=...,
    /// needs_autoescape=...)`). The function gets the input, the argument
    /// when one was given, and the environment (`autoescape`).
    pub fn filter_fn<F>(&mut self, name: &str, options: FilterOptions, func: F) -> &mut Library
    where
        F: Fn(&Value, Option<&Value>, &FilterEnv) -> Result<Value, Error> + Send + Sync + 'static,
    {
        let f = UserFilter {
            name: Arc::from(name),
            func: Box::new(func),
            options,
        };
        self.filters
            .insert(name.to_owned(), FilterRef::User(Arc::new(f)));
        self
    }

    /// Adds a tag with the full API: `compile` reads the tag token (and may
    /// read ahead with the parser) and returns the node to render.
    pub fn tag_fn<F>(&mut self, name: &str, compile: F) -> &mut Library
    where
        F: Fn(&mut Parser<'_>, &Token<'_>) -> Result<Box<dyn TagNode>, Error>
            + Send
            + Sync
            + 'static,
    {
        self.tags
            .insert(name.to_owned(), TagImpl::User(Arc::new(compile)));
        self
    }

    /// Adds a tag of Django's `simple_tag` shape: `{% name arg kw=value %}`
    /// calls `func` with the resolved arguments and writes its result
    /// (escaped under autoescape unless safe); `{% name ... as var %}` stores
    /// the result in `var` instead. The context is always reachable through
    /// [`TagCall::context`] (Django's `takes_context=True`).
    pub fn simple_tag<F>(&mut self, name: &str, func: F) -> &mut Library
    where
        F: Fn(&mut TagCall<'_, '_>) -> Result<Value, Error> + Send + Sync + 'static,
    {
        let func: Arc<SimpleFn> = Arc::new(func);
        self.tag_fn(name, move |p, token| {
            let bits = parse_tag_bits(p, token, true)?;
            Ok(Box::new(SimpleNode {
                bits,
                func: func.clone(),
            }) as Box<dyn TagNode>)
        })
    }

    /// Adds a tag of Django's `inclusion_tag` shape: `func` returns a mapping
    /// (a [`Value::Map`]) and the tag renders `template` with only that
    /// mapping as its context (plus `csrf_token`, as Django does).
    pub fn inclusion_tag<F>(&mut self, name: &str, template: &str, func: F) -> &mut Library
    where
        F: Fn(&mut TagCall<'_, '_>) -> Result<Value, Error> + Send + Sync + 'static,
    {
        let func: Arc<SimpleFn> = Arc::new(func);
        let template: Arc<str> = Arc::from(template);
        self.tag_fn(name, move |p, token| {
            let bits = parse_tag_bits(p, token, false)?;
            Ok(Box::new(InclusionNode {
                bits,
                template: template.clone(),
                func: func.clone(),
            }) as Box<dyn TagNode>)
        })
    }

    /// The names of the filters and tags, sorted.
    pub fn names(&self) -> (Vec<&str>, Vec<&str>) {
        let mut f: Vec<&str> = self.filters.keys().map(String::as_str).collect();
        let mut t: Vec<&str> = self.tags.keys().map(String::as_str).collect();
        f.sort_unstable();
        t.sort_unstable();
        (f, t)
    }

    pub(crate) fn tag(&mut self, name: &str, f: TagFn) -> &mut Library {
        self.tags.insert(name.to_owned(), TagImpl::Builtin(f));
        self
    }
}
