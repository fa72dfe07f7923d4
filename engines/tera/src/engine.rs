//! The engine: compiles a template together with every template it extends
//! or includes, all found through platen's loader chain.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use platen_core::{
    Compiled, Compiler, Context, Engine, Error, ErrorKind, LoaderChain, Origin, Request, Result, Template,
};
use tera::Tera;

use crate::error::{map_error, missing_template};

/// How many templates one inheritance/include closure may hold before the
/// compile gives up (a guard against runaway chains).
const MAX_CLOSURE: usize = 512;

/// The name `from_string` templates get; `.html` so that autoescaping applies.
const STRING_NAME: &str = "<string>.html";

/// A Tera engine over a platen loader chain.
pub struct TeraEngine {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    chain: LoaderChain,
    /// A Tera instance with the filters and escaping settings, and no templates.
    base: Tera,
}

impl fmt::Debug for TeraEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeraEngine").field("name", &self.inner.name).field("chain", &self.inner.chain).finish()
    }
}

/// A compiled Tera template: a Tera instance holding the template and every
/// template it extends or includes, transitively.
pub struct TeraTemplate {
    name: String,
    origin: Origin,
    /// Every template of the closure: name -> (source, origin).
    sources: BTreeMap<String, (Arc<str>, Origin)>,
    tera: Tera,
}

impl fmt::Debug for TeraTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeraTemplate")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .field("closure", &self.sources.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TeraEngine {
    /// An engine named `name` reading through `chain`, compiling with a clone
    /// of `base` (a Tera instance configured with filters and escaping).
    pub fn new(name: String, chain: LoaderChain, base: Tera) -> TeraEngine {
        TeraEngine { inner: Arc::new(Inner { name, chain, base }) }
    }
}

impl Inner {
    fn find(&self, name: &str) -> Result<Arc<TeraTemplate>> {
        let compiled = self.chain.find(name, &[], &TeraCompiler { inner: self })?;
        downcast(compiled)
    }

    /// Builds a Tera instance holding `origin`'s template and everything it
    /// refers to. Tera checks references when templates are added, so each
    /// missing name it reports is loaded through the chain and the build is
    /// tried again.
    fn compile(&self, origin: &Origin, source: &str) -> Result<TeraTemplate> {
        let name = origin.template_name.clone();
        let mut sources: BTreeMap<String, (Arc<str>, Origin)> = BTreeMap::new();
        sources.insert(name.clone(), (Arc::from(source), origin.clone()));
        loop {
            let mut tera = self.base.clone();
            let added = tera.add_raw_templates(sources.iter().map(|(n, (s, _))| (n.as_str(), &**s)));
            let err = match added {
                Ok(()) => return Ok(TeraTemplate { name, origin: origin.clone(), sources, tera }),
                Err(err) => err,
            };
            let missing = missing_template(&err).filter(|m| !sources.contains_key(m));
            let Some(missing) = missing else {
                return Err(map_error(&err, &sources, origin));
            };
            if sources.len() >= MAX_CLOSURE {
                return Err(Error::new(
                    ErrorKind::Recursion,
                    format!("{name} extends or includes more than {MAX_CLOSURE} templates"),
                )
                .with_origin(origin));
            }
            // A missing target is an error of this template (it has an origin),
            // not a miss of the name asked for.
            let dep = self.find(&missing).map_err(|e| {
                if e.kind() == ErrorKind::TemplateNotFound && e.origin().is_none() {
                    let tried = e.tried().to_vec();
                    let mut err = Error::not_found(&missing, tried).with_origin(origin);
                    err = err.with_detail(format!("{missing} (extended or included by {name})"));
                    err
                } else {
                    e
                }
            })?;
            for (n, entry) in &dep.sources {
                sources.entry(n.clone()).or_insert_with(|| entry.clone());
            }
        }
    }
}

fn downcast(compiled: Compiled) -> Result<Arc<TeraTemplate>> {
    (compiled as Arc<dyn Any + Send + Sync>).downcast::<TeraTemplate>().map_err(|_| {
        Error::new(ErrorKind::Unsupported, "the loader returned a template compiled by another engine")
    })
}

struct TeraCompiler<'a> {
    inner: &'a Inner,
}

impl Compiler for TeraCompiler<'_> {
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled> {
        Ok(Arc::new(self.inner.compile(origin, source)?))
    }
}

impl Engine for TeraEngine {
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
        self.inner.chain.warm(&TeraCompiler { inner: &self.inner })
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

    /// Renders into `out`. Tera renders the whole page before it is appended,
    /// so on an error nothing of this template is added to `out`.
    fn render_to(&self, out: &mut String, context: &Context, _request: Option<&Request>) -> Result<()> {
        let ctx = crate::convert::context(context);
        let page = self.tera.render(&self.name, &ctx).map_err(|e| map_error(&e, &self.sources, &self.origin))?;
        out.push_str(&page);
        Ok(())
    }
}
