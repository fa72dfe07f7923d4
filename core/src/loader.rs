//! Loaders find and read template sources; engines compile them.
//!
//! This is Django's loader API: a loader yields the [`Origin`]s where a name
//! could live ([`Loader::get_template_sources`]) and reads one
//! ([`Loader::get_contents`]). [`Loader::get_template`] walks the sources and
//! hands the first readable one to the engine's [`Compiler`]; a caching loader
//! overrides it to remember the result. A custom loader (a database table, an
//! HTTP store, a zip file) implements the first two methods and nothing else.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crate::error::{Error, ErrorKind, Result, Tried};
use crate::origin::Origin;

/// A compiled template in the engine's own form. Loaders store and return it
/// without knowing what it is; the engine downcasts it.
pub type Compiled = Arc<dyn Any + Send + Sync>;

/// Turns a template source into a [`Compiled`] template. Engines implement it
/// and pass it to their loaders.
pub trait Compiler: Send + Sync {
    /// Compiles `source`, read from `origin`.
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled>;
}

impl<F> Compiler for F
where
    F: Fn(&Origin, &str) -> Result<Compiled> + Send + Sync,
{
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled> {
        self(origin, source)
    }
}

/// A source of templates.
pub trait Loader: Send + Sync + fmt::Debug {
    /// The registered name of the loader kind (`platen.loaders.filesystem`).
    fn kind(&self) -> &str;

    /// Every place `name` could be found, in the order to try them.
    ///
    /// A loader that refuses a name (one that would leave its directory) may
    /// still yield the place, and refuse it in [`Loader::get_contents`] without
    /// reading it, so that the refusal shows in the tried list.
    fn get_template_sources(&self, name: &str) -> Vec<Origin>;

    /// Reads the source at `origin`.
    ///
    /// Returns an error of kind [`ErrorKind::TemplateNotFound`] when there is
    /// nothing there (the next place is tried), and any other kind for a real
    /// failure (reported to the user at once).
    fn get_contents(&self, origin: &Origin) -> Result<String>;

    /// Finds `name`, skipping the origins in `skip`, and compiles it.
    ///
    /// On a miss, the error is [`ErrorKind::TemplateNotFound`] and lists every
    /// place tried. The default walks [`Loader::get_template_sources`]; caching
    /// loaders override it.
    fn get_template(
        &self,
        name: &str,
        skip: &[Origin],
        compiler: &dyn Compiler,
    ) -> Result<Compiled> {
        let mut tried = Vec::new();
        for origin in self.get_template_sources(name) {
            if skip.contains(&origin) {
                tried.push(Tried {
                    engine: None,
                    origin,
                    reason: "skipped to avoid recursion".into(),
                });
                continue;
            }
            match self.get_contents(&origin) {
                Ok(source) => return compiler.compile(&origin, &source),
                Err(err) => tried.push(tried_or_error(origin, err)?),
            }
        }
        Err(Error::not_found(name, tried))
    }

    /// Every template name this loader can list, for `warm()` and `platen check`.
    /// Loaders that cannot list (a remote store) return an empty list.
    fn list_templates(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Directories whose changes should invalidate caches in auto-reload mode.
    fn watch_paths(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// The modification time of the source at `origin`, when the loader knows it.
    fn modified(&self, _origin: &Origin) -> Option<SystemTime> {
        None
    }

    /// Forgets anything cached (Django's `Loader.reset`).
    fn reset(&self) {}

    /// Compiles every template the loader can list and returns every error
    /// (not only the first). Caching loaders keep the compiled templates.
    fn warm(&self, compiler: &dyn Compiler) -> Vec<Error> {
        let names = match self.list_templates() {
            Ok(names) => names,
            Err(err) => return vec![err],
        };
        names
            .iter()
            .filter_map(|name| self.get_template(name, &[], compiler).err())
            .collect()
    }
}

/// What a failed [`Loader::get_contents`] of `origin` means while searching
/// for a template: a place tried (the source is absent, or the loader
/// refused the name: listed as "refused"), or an error that ends the search.
pub fn tried_or_error(origin: Origin, err: Error) -> Result<Tried> {
    let reason = match err.kind() {
        ErrorKind::TemplateNotFound => err.detail().unwrap_or("source does not exist").to_owned(),
        ErrorKind::Suspicious => format!("refused: {}", err.detail().unwrap_or("unsafe name")),
        _ => return Err(err.with_origin(&origin)),
    };
    Ok(Tried {
        engine: None,
        origin,
        reason,
    })
}

/// Tries each loader in order for `name` (Django's `Engine.find_template`) and
/// aggregates the places tried when none has it.
pub fn find_template(
    loaders: &[Arc<dyn Loader>],
    name: &str,
    skip: &[Origin],
    compiler: &dyn Compiler,
) -> Result<Compiled> {
    let mut tried = Vec::new();
    for loader in loaders {
        match loader.get_template(name, skip, compiler) {
            Ok(compiled) => return Ok(compiled),
            Err(mut err)
                if err.kind() == ErrorKind::TemplateNotFound && err.detail() == Some(name) =>
            {
                tried.extend(err.take_tried());
            }
            Err(err) => return Err(err),
        }
    }
    Err(Error::not_found(name, tried))
}

/// An engine's loaders, in order: what every engine does with them.
#[derive(Debug, Clone, Default)]
pub struct LoaderChain {
    loaders: Vec<Arc<dyn Loader>>,
}

impl LoaderChain {
    /// A chain of `loaders`, tried in order.
    pub fn new(loaders: Vec<Arc<dyn Loader>>) -> LoaderChain {
        LoaderChain { loaders }
    }

    /// The loaders.
    pub fn loaders(&self) -> &[Arc<dyn Loader>] {
        &self.loaders
    }

    /// Finds and compiles `name` (see [`find_template`]).
    pub fn find(&self, name: &str, skip: &[Origin], compiler: &dyn Compiler) -> Result<Compiled> {
        find_template(&self.loaders, name, skip, compiler)
    }

    /// Compiles everything every loader can list; returns every error.
    pub fn warm(&self, compiler: &dyn Compiler) -> Vec<Error> {
        self.loaders.iter().flat_map(|l| l.warm(compiler)).collect()
    }

    /// Every template name any loader can list, sorted, without duplicates.
    pub fn template_names(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for loader in &self.loaders {
            names.extend(loader.list_templates()?);
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Resets every loader.
    pub fn reset(&self) {
        for loader in &self.loaders {
            loader.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Debug)]
    struct MapLoader(HashMap<&'static str, &'static str>, &'static str);

    impl Loader for MapLoader {
        fn kind(&self) -> &str {
            "test.map"
        }
        fn get_template_sources(&self, name: &str) -> Vec<Origin> {
            vec![Origin::new(format!("{}:{name}", self.1), name, "test.map")]
        }
        fn get_contents(&self, origin: &Origin) -> Result<String> {
            self.0
                .get(origin.template_name.as_str())
                .map(|s| s.to_string())
                .ok_or_else(|| Error::new(ErrorKind::TemplateNotFound, "source does not exist"))
        }
    }

    fn echo(_: &Origin, src: &str) -> Result<Compiled> {
        Ok(Arc::new(src.to_owned()))
    }

    #[test]
    fn chain_tries_in_order_and_aggregates() {
        let a: Arc<dyn Loader> = Arc::new(MapLoader(HashMap::from([("x", "from a")]), "a"));
        let b: Arc<dyn Loader> = Arc::new(MapLoader(
            HashMap::from([("x", "from b"), ("y", "y from b")]),
            "b",
        ));
        let chain = [a, b];
        let got = find_template(&chain, "x", &[], &echo).unwrap();
        assert_eq!(got.downcast_ref::<String>().unwrap(), "from a");
        let got = find_template(&chain, "y", &[], &echo).unwrap();
        assert_eq!(got.downcast_ref::<String>().unwrap(), "y from b");
        let err = find_template(&chain, "z", &[], &echo).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
        let names: Vec<_> = err.tried().iter().map(|t| t.origin.name.as_str()).collect();
        assert_eq!(names, ["a:z", "b:z"]);
    }

    #[test]
    fn skip_list_moves_to_next_source() {
        let a: Arc<dyn Loader> = Arc::new(MapLoader(HashMap::from([("x", "from a")]), "a"));
        let b: Arc<dyn Loader> = Arc::new(MapLoader(HashMap::from([("x", "from b")]), "b"));
        let skip = [Origin::new("a:x", "x", "test.map")];
        let got = find_template(&[a, b], "x", &skip, &echo).unwrap();
        assert_eq!(got.downcast_ref::<String>().unwrap(), "from b");
    }
}
