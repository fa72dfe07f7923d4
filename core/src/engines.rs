//! All the engines of the settings, tried in order.

use std::sync::Arc;

use crate::cache::Caches;
use crate::context::Context;
use crate::engine::{Engine, Template};
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;

/// The engines declared in settings, in order: Django's
/// `django.template.engines` with `loader.get_template`,
/// `select_template` and `render_to_string`.
#[derive(Debug, Clone, Default)]
pub struct Engines {
    engines: Vec<Arc<dyn Engine>>,
    caches: Caches,
}

impl Engines {
    /// Engines from a list, in the order to try them.
    ///
    /// Names must be unique; a duplicate name is an error.
    pub fn new(engines: Vec<Arc<dyn Engine>>) -> Result<Engines> {
        for (i, e) in engines.iter().enumerate() {
            if engines[..i].iter().any(|o| o.name() == e.name()) {
                return Err(Error::new(
                    ErrorKind::BadSettings,
                    format!(
                        "two engines are named `{}`; engine names must be unique",
                        e.name()
                    ),
                ));
            }
        }
        Ok(Engines {
            engines,
            caches: Caches::default(),
        })
    }

    /// The same engines, saying they use `caches` for fragments.
    pub fn with_caches(mut self, caches: Caches) -> Engines {
        self.caches = caches;
        self
    }

    /// The fragment caches the engines use (to expire what a content change
    /// makes stale: `engines.caches().default_cache().expire("post:42")`).
    pub fn caches(&self) -> &Caches {
        &self.caches
    }

    /// The engine named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Engine>> {
        self.engines.iter().find(|e| e.name() == name)
    }

    /// Every engine, in order.
    pub fn all(&self) -> &[Arc<dyn Engine>] {
        &self.engines
    }

    /// Whether there is no engine.
    pub fn is_empty(&self) -> bool {
        self.engines.is_empty()
    }

    /// Finds `name` in the first engine that has it (or only in engine `using`).
    ///
    /// When none has it, the error lists every place every engine tried.
    pub fn get_template(&self, name: &str, using: Option<&str>) -> Result<Arc<dyn Template>> {
        let mut tried = Vec::new();
        for engine in self.candidates(using)? {
            match engine.get_template(name) {
                Ok(t) => return Ok(t),
                Err(mut err) if is_miss(&err, name) => {
                    tried.extend(err.take_tried().into_iter().map(|mut t| {
                        t.engine.get_or_insert_with(|| engine.name().to_owned());
                        t
                    }));
                }
                Err(err) => return Err(err),
            }
        }
        Err(Error::not_found(name, tried))
    }

    /// Finds the first of `names` that any engine has (Django's `select_template`).
    pub fn select_template(
        &self,
        names: &[&str],
        using: Option<&str>,
    ) -> Result<Arc<dyn Template>> {
        if names.is_empty() {
            return Err(Error::new(
                ErrorKind::TemplateNotFound,
                "no template names given",
            ));
        }
        let mut tried = Vec::new();
        for name in names {
            match self.get_template(name, using) {
                Ok(t) => return Ok(t),
                Err(mut err) if is_miss(&err, name) => tried.extend(err.take_tried()),
                Err(err) => return Err(err),
            }
        }
        Err(Error::not_found(&names.join(", "), tried))
    }

    /// Renders the first of `names` found with `context` (Django's `render_to_string`).
    pub fn render_to_string(
        &self,
        names: &[&str],
        context: &Context,
        request: Option<&Request>,
        using: Option<&str>,
    ) -> Result<String> {
        self.select_template(names, using)?.render(context, request)
    }

    /// Runs `check` on every engine and returns every error.
    pub fn check(&self) -> Vec<Error> {
        self.engines.iter().flat_map(|e| e.check()).collect()
    }

    /// Resets every engine's caches.
    pub fn reset(&self) {
        for e in &self.engines {
            e.reset();
        }
    }

    /// The engines to ask, in order: every one, or the one named `using`.
    fn candidates(&self, using: Option<&str>) -> Result<&[Arc<dyn Engine>]> {
        match using {
            None => Ok(&self.engines),
            Some(name) => match self.get(name) {
                Some(e) => Ok(std::slice::from_ref(e)),
                None => Err(Error::new(
                    ErrorKind::UnknownBackend,
                    format!(
                        "no engine named `{name}`; the engines are: {}",
                        self.engines
                            .iter()
                            .map(|e| e.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            },
        }
    }
}

/// Whether `err` says that `name` itself was not found (rather than a
/// template it includes, which is a real error of the found template).
fn is_miss(err: &Error, name: &str) -> bool {
    err.kind() == ErrorKind::TemplateNotFound
        && err.detail() == Some(name)
        && err.origin().is_none()
}
