//! The engine: compiles a template with every partial it names, all found
//! through platen's loader chain.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use handlebars::Handlebars;
use handlebars::template::Template as HbsAst;
use platen_core::{
    Compiled, Compiler, Context, Engine, Error, ErrorKind, LoaderChain, Origin, Request, Result, Template, Tried,
};

use crate::error::{render_error, template_error};
use crate::partials::referenced;

/// The name `from_string` templates get.
const STRING_NAME: &str = "<string>";

/// A Handlebars engine over a platen loader chain.
pub struct HandlebarsEngine {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    chain: LoaderChain,
    /// A registry with the helpers and modes set, and no templates.
    base: Handlebars<'static>,
    extensions: Vec<String>,
}

impl fmt::Debug for HandlebarsEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlebarsEngine")
            .field("name", &self.inner.name)
            .field("extensions", &self.inner.extensions)
            .field("chain", &self.inner.chain)
            .finish()
    }
}

/// A compiled Handlebars template: a registry holding the template and every
/// partial it names, transitively.
pub struct HandlebarsTemplate {
    name: String,
    origin: Origin,
    source: Arc<str>,
    /// The partials of the closure: the name used -> (source, origin).
    partials: BTreeMap<String, (Arc<str>, Origin)>,
    /// Partials no loader had, with the places tried (reported if a render needs them).
    missing: Vec<(String, Vec<Tried>)>,
    registry: Handlebars<'static>,
}

impl fmt::Debug for HandlebarsTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlebarsTemplate")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .field("partials", &self.partials.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl HandlebarsEngine {
    /// An engine named `name` reading through `chain`, compiling into clones
    /// of `base` (a registry with helpers and modes set). `extensions` are
    /// tried after a bare name (`.hbs`).
    pub fn new(name: String, chain: LoaderChain, base: Handlebars<'static>, extensions: Vec<String>) -> HandlebarsEngine {
        HandlebarsEngine { inner: Arc::new(Inner { name, chain, base, extensions }) }
    }
}

impl Inner {
    /// The names to try for `name`: itself, then with each extension unless
    /// it already has one.
    fn candidates(&self, name: &str) -> Vec<String> {
        let mut names = vec![name.to_owned()];
        if !self.extensions.iter().any(|e| name.ends_with(e.as_str())) {
            names.extend(self.extensions.iter().map(|e| format!("{name}{e}")));
        }
        names
    }

    fn find(&self, name: &str) -> Result<Arc<HandlebarsTemplate>> {
        let mut tried = Vec::new();
        for candidate in self.candidates(name) {
            match self.chain.find(&candidate, &[], &HbsCompiler { inner: self }) {
                Ok(compiled) => return downcast(compiled),
                Err(mut err) if is_miss(&err, &candidate) => tried.extend(err.take_tried()),
                Err(err) => return Err(err),
            }
        }
        Err(Error::not_found(name, tried))
    }

    fn compile(&self, origin: &Origin, source: &str) -> Result<HandlebarsTemplate> {
        let name = origin.template_name.clone();
        let ast = HbsAst::compile_with_name(source, name.clone()).map_err(|e| template_error(&e, origin, source))?;
        let (used, inline) = referenced(&ast);
        let mut partials: BTreeMap<String, (Arc<str>, Origin)> = BTreeMap::new();
        let mut missing = Vec::new();
        for partial in used {
            if partial == name || partials.contains_key(&partial) {
                continue;
            }
            match self.find(&partial) {
                Ok(dep) => {
                    partials.insert(partial, (dep.source.clone(), dep.origin.clone()));
                    for (n, entry) in &dep.partials {
                        partials.entry(n.clone()).or_insert_with(|| entry.clone());
                    }
                    missing.extend(dep.missing.iter().cloned());
                }
                // Not found: it may be defined inline, by a caller, or have default content.
                Err(mut err) if is_miss(&err, &partial) => {
                    if !inline.contains(&partial) {
                        missing.push((partial, err.take_tried()));
                    }
                }
                // Partials that call each other are compiled into the outer one.
                Err(err) if err.kind() == ErrorKind::Recursion => missing.push((partial, Vec::new())),
                Err(err) => return Err(err),
            }
        }
        missing.retain(|(n, _)| !partials.contains_key(n) && *n != name);
        let mut registry = self.base.clone();
        registry.register_template(&name, ast);
        for (partial, (src, partial_origin)) in &partials {
            registry.register_partial(partial, &**src).map_err(|e| template_error(&e, partial_origin, src))?;
        }
        Ok(HandlebarsTemplate { name, origin: origin.clone(), source: Arc::from(source), partials, missing, registry })
    }
}

/// Whether `err` says `name` itself was not found.
fn is_miss(err: &Error, name: &str) -> bool {
    err.kind() == ErrorKind::TemplateNotFound && err.detail() == Some(name) && err.origin().is_none()
}

fn downcast(compiled: Compiled) -> Result<Arc<HandlebarsTemplate>> {
    (compiled as Arc<dyn Any + Send + Sync>).downcast::<HandlebarsTemplate>().map_err(|_| {
        Error::new(ErrorKind::Unsupported, "the loader returned a template compiled by another engine")
    })
}

struct HbsCompiler<'a> {
    inner: &'a Inner,
}

impl Compiler for HbsCompiler<'_> {
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled> {
        Ok(Arc::new(self.inner.compile(origin, source)?))
    }
}

impl Engine for HandlebarsEngine {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn backend(&self) -> &str {
        crate::BACKEND_NAME
    }

    fn get_template(&self, name: &str) -> Result<Arc<dyn Template>> {
        Ok(self.inner.find(name)?)
    }

    fn from_string(&self, source: &str) -> Result<Arc<dyn Template>> {
        let origin = Origin::new("<string>", STRING_NAME, "none");
        Ok(Arc::new(self.inner.compile(&origin, source)?))
    }

    fn check(&self) -> Vec<Error> {
        self.inner.chain.warm(&HbsCompiler { inner: &self.inner })
    }

    fn template_names(&self) -> Result<Vec<String>> {
        self.inner.chain.template_names()
    }

    fn reset(&self) {
        self.inner.chain.reset();
    }
}

impl HandlebarsTemplate {
    /// The source of the template or partial registered as `name`.
    pub(crate) fn source_of(&self, name: &str) -> Option<(&Arc<str>, &Origin)> {
        if name == self.name {
            return Some((&self.source, &self.origin));
        }
        self.partials.get(name).map(|(s, o)| (s, o))
    }

    /// Where a partial that no loader had was looked for.
    pub(crate) fn tried_for(&self, partial: &str) -> Option<&[Tried]> {
        self.missing.iter().find(|(n, _)| n == partial).map(|(_, t)| t.as_slice())
    }
}

impl Template for HandlebarsTemplate {
    fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Renders into `out`. Handlebars renders the whole page before it is
    /// appended, so on an error nothing of this template is added to `out`.
    fn render_to(&self, out: &mut String, context: &Context, _request: Option<&Request>) -> Result<()> {
        let page = self.registry.render(&self.name, context).map_err(|e| render_error(&e, self))?;
        out.push_str(&page);
        Ok(())
    }
}
