//! The compiled form: a tree of resolved nodes with source spans.
//!
//! Everything here is immutable after compilation and `Send + Sync`; all
//! per-render state lives in [`crate::render::Renderer`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

use std::fmt;

use platen_core::{Error, Object, Origin, Value};

use crate::expr::FilterExpr;
use crate::render::{Renderer, Site};
use crate::smartif::Cond;

/// A compiled template: immutable, shared by every render on every thread.
#[derive(Debug)]
pub struct CompiledTemplate {
    pub(crate) origin: Arc<Origin>,
    pub(crate) name: Arc<str>,
    pub(crate) nodes: NodeList,
    pub(crate) blocks: Vec<Arc<BlockDef>>,
    pub(crate) first_is_extends: bool,
    pub(crate) partials: Arc<Partials>,
    /// The length of the last whole render's output: the next render
    /// reserves that much up front.
    pub(crate) last_len: std::sync::atomic::AtomicUsize,
    /// The name, source and origin together, for error positions while rendering.
    pub(crate) site: Site,
}

impl CompiledTemplate {
    pub(crate) fn site(&self) -> Site {
        self.site.clone()
    }

    /// The partial `name`'s nodes.
    pub(crate) fn partial(&self, name: &str) -> Option<Arc<NodeList>> {
        self.partials.get().and_then(|m| m.get(name).cloned())
    }
}

/// A node with the byte range of its tag in the source.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) node: Node,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// A list of nodes.
pub(crate) type NodeList = Vec<Item>;

/// The partials of one template, filled when its parse ends.
pub(crate) type Partials = OnceLock<HashMap<String, Arc<NodeList>>>;

/// A compiled node.
#[derive(Debug)]
pub(crate) enum Node {
    Text(Box<str>),
    Var(Box<FilterExpr>),
    If(Vec<(Option<Cond>, NodeList)>),
    For(Box<ForNode>),
    With(Vec<(Arc<str>, FilterExpr)>, NodeList),
    Block(Arc<BlockDef>),
    Extends(Box<ExtendsNode>),
    Include(Box<IncludeNode>),
    Autoescape(bool, NodeList),
    Filter(Box<FilterExpr>, NodeList),
    FirstOf(Vec<FilterExpr>, Option<Arc<str>>),
    Cycle(Arc<CycleDef>),
    ResetCycle(Arc<CycleDef>),
    IfChanged(Box<IfChangedNode>),
    Spaceless(NodeList),
    WidthRatio(Box<[FilterExpr; 3]>, Option<Arc<str>>),
    Now(Box<str>, Option<Arc<str>>),
    Lorem(Box<FilterExpr>, u8, bool),
    CsrfToken,
    Debug,
    Regroup(Box<FilterExpr>, Box<FilterExpr>, Arc<str>),
    Url(Box<UrlNode>),
    Querystring(
        Vec<FilterExpr>,
        Vec<(Arc<str>, FilterExpr)>,
        Option<Arc<str>>,
    ),
    PartialDef(bool, Arc<NodeList>),
    Partial(Arc<str>, Weak<Partials>),
    Custom(Box<dyn CustomNode>),
    /// Renders nothing (`load`, comments) but counts as a tag.
    Nothing,
}

/// `{% for %}`.
#[derive(Debug)]
pub(crate) struct ForNode {
    pub(crate) vars: Vec<Arc<str>>,
    pub(crate) seq: FilterExpr,
    pub(crate) reversed: bool,
    pub(crate) body: NodeList,
    pub(crate) empty: NodeList,
}

/// `{% block %}`: shared by reference with the block context of a render.
#[derive(Debug)]
pub(crate) struct BlockDef {
    pub(crate) name: Arc<str>,
    pub(crate) body: NodeList,
}

/// `{% extends %}`.
#[derive(Debug)]
pub(crate) struct ExtendsNode {
    pub(crate) parent: FilterExpr,
    pub(crate) body: NodeList,
    pub(crate) blocks: Vec<Arc<BlockDef>>,
    pub(crate) origin: Origin,
}

/// `{% include %}`.
#[derive(Debug)]
pub(crate) struct IncludeNode {
    pub(crate) template: FilterExpr,
    pub(crate) extra: Vec<(Arc<str>, FilterExpr)>,
    pub(crate) only: bool,
    pub(crate) current_name: Arc<str>,
}

/// `{% cycle %}`: one definition, possibly referenced by name again.
#[derive(Debug)]
pub(crate) struct CycleDef {
    pub(crate) values: Vec<FilterExpr>,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) silent: bool,
}

/// `{% ifchanged %}`.
#[derive(Debug)]
pub(crate) struct IfChangedNode {
    pub(crate) vars: Vec<FilterExpr>,
    pub(crate) yes: NodeList,
    pub(crate) no: NodeList,
}

/// `{% url %}`.
#[derive(Debug)]
pub(crate) struct UrlNode {
    pub(crate) view: FilterExpr,
    pub(crate) args: Vec<FilterExpr>,
    pub(crate) kwargs: Vec<(Arc<str>, FilterExpr)>,
    pub(crate) asvar: Option<Arc<str>>,
}

/// Every block definition in a node list, recursively (Django's
/// `get_nodes_by_type(BlockNode)`), in source order.
pub(crate) fn collect_blocks(list: &NodeList, out: &mut Vec<Arc<BlockDef>>) {
    for item in list {
        match &item.node {
            Node::Block(b) => {
                out.push(b.clone());
                collect_blocks(&b.body, out);
            }
            Node::If(branches) => branches.iter().for_each(|(_, l)| collect_blocks(l, out)),
            Node::For(f) => {
                collect_blocks(&f.body, out);
                collect_blocks(&f.empty, out);
            }
            Node::With(_, l) | Node::Autoescape(_, l) | Node::Filter(_, l) | Node::Spaceless(l) => {
                collect_blocks(l, out)
            }
            Node::IfChanged(n) => {
                collect_blocks(&n.yes, out);
                collect_blocks(&n.no, out);
            }
            Node::Extends(e) => collect_blocks(&e.body, out),
            Node::PartialDef(_, l) => collect_blocks(l, out),
            Node::Custom(c) => {
                if let Some(l) = c.children() {
                    collect_blocks(l, out);
                }
                for l in c.user_children() {
                    collect_blocks(l, out);
                }
            }
            _ => {}
        }
    }
}

/// Whether a node list contains an `{% extends %}` anywhere.
pub(crate) fn contains_extends(list: &NodeList) -> bool {
    list.iter().any(|item| match &item.node {
        Node::Extends(_) => true,
        Node::Block(b) => contains_extends(&b.body),
        Node::If(branches) => branches.iter().any(|(_, l)| contains_extends(l)),
        Node::For(f) => contains_extends(&f.body) || contains_extends(&f.empty),
        Node::With(_, l) | Node::Autoescape(_, l) | Node::Filter(_, l) | Node::Spaceless(l) => {
            contains_extends(l)
        }
        Node::IfChanged(n) => contains_extends(&n.yes) || contains_extends(&n.no),
        Node::PartialDef(_, l) => contains_extends(l),
        _ => false,
    })
}

/// `block` inside a block: gives `{{ block.super }}`.
#[derive(Debug)]
pub(crate) struct BlockRef {
    pub(crate) def: Arc<BlockDef>,
    pub(crate) site: Site,
    pub(crate) has_context: bool,
}

impl Object for BlockRef {
    fn get_attr(&self, name: &str) -> Option<Value> {
        (name == "name").then(|| Value::from(&*self.def.name))
    }
    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Block Node: {}>", self.def.name)
    }
}

/// A node produced by a built-in library tag.
pub(crate) trait CustomNode: Send + Sync + fmt::Debug {
    /// Writes the node's output.
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error>;
    /// The nested nodes, for block discovery.
    fn children(&self) -> Option<&NodeList> {
        None
    }
    /// More nested node lists (user tags may hold several).
    fn user_children(&self) -> Vec<&NodeList> {
        Vec::new()
    }
}
