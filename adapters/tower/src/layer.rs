//! [`TemplatesLayer`]: the configuration, shared by every service it builds.

use std::fmt;
use std::sync::Arc;

use platen_core::{Engines, Result, Settings};
use tower_layer::Layer;

use crate::processors::{ContextProcessors, Processor};
use crate::service::Templates;

/// What every request of a layer shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) engines: Arc<Engines>,
    pub(crate) debug: bool,
    pub(crate) static_url: String,
    /// The processors of each engine, in the order of `engines.all()`.
    pub(crate) per_engine: Vec<Arc<[Processor]>>,
    /// A list for every engine, overriding `per_engine`.
    pub(crate) for_all: Option<Arc<[Processor]>>,
}

impl Shared {
    /// The processors to run for a template of the engine at `index`.
    pub(crate) fn processors(&self, index: usize) -> &[Processor] {
        match &self.for_all {
            Some(all) => all,
            None => self.per_engine.get(index).map_or(&[], |p| p),
        }
    }
}

/// A [`Layer`] that renders [`TemplateResponse`](crate::TemplateResponse)s
/// with the engines of a platen settings file, running context processors,
/// and turns render errors into 500 pages.
///
/// Build it from the settings the engines came from
/// ([`from_settings`](Self::from_settings)) to take `debug`, `static_url`
/// and each engine's `options.context_processors` from them, or with
/// [`new`](Self::new) and the builder methods.
#[derive(Clone)]
pub struct TemplatesLayer {
    shared: Arc<Shared>,
}

impl fmt::Debug for TemplatesLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplatesLayer")
            .field(
                "engines",
                &self
                    .shared
                    .engines
                    .all()
                    .iter()
                    .map(|e| e.name())
                    .collect::<Vec<_>>(),
            )
            .field("debug", &self.shared.debug)
            .field("static_url", &self.shared.static_url)
            .field("per_engine", &self.shared.per_engine)
            .field("for_all", &self.shared.for_all)
            .finish()
    }
}

impl TemplatesLayer {
    /// A layer over `engines`: debug off, `static_url` `"static/"`, no
    /// context processors.
    pub fn new(engines: impl Into<Arc<Engines>>) -> TemplatesLayer {
        let engines = engines.into();
        TemplatesLayer {
            shared: Arc::new(Shared {
                per_engine: vec![Arc::from(Vec::new()); engines.all().len()],
                engines,
                debug: false,
                static_url: platen_core::settings::DEFAULT_STATIC_URL.to_owned(),
                for_all: None,
            }),
        }
    }

    /// A layer over `engines` (built from `settings`) with `debug`,
    /// `static_url` and every engine's `options.context_processors` from
    /// `settings`, resolved among the built-in processors.
    ///
    /// An unknown processor name is a settings error naming its key
    /// (`templates[0].options.context_processors[1]`) and file.
    pub fn from_settings(
        settings: &Settings,
        engines: impl Into<Arc<Engines>>,
    ) -> Result<TemplatesLayer> {
        TemplatesLayer::from_settings_with(settings, engines, &ContextProcessors::new())
    }

    /// Like [`from_settings`](Self::from_settings), resolving processor names
    /// among `processors` (the built-ins and those registered on it).
    pub fn from_settings_with(
        settings: &Settings,
        engines: impl Into<Arc<Engines>>,
        processors: &ContextProcessors,
    ) -> Result<TemplatesLayer> {
        let mut layer = TemplatesLayer::new(engines)
            .debug(settings.debug)
            .static_url(&settings.static_url);
        let lists = processors.resolve_settings(settings)?;
        let shared = Arc::make_mut(&mut layer.shared);
        for (i, engine) in shared.engines.clone().all().iter().enumerate() {
            if let Some((_, list)) = lists.iter().find(|(name, _)| name == engine.name()) {
                shared.per_engine[i] = list.clone();
            }
        }
        Ok(layer)
    }

    /// Runs the processors `names` (resolved among `processors`) for every
    /// engine, instead of each engine's own list.
    ///
    /// An unknown name is a settings error naming `context_processors[i]`.
    pub fn context_processors<I, N>(
        mut self,
        processors: &ContextProcessors,
        names: I,
    ) -> Result<TemplatesLayer>
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        let list =
            processors.resolve_list(&names, |i| format!("context_processors[{i}]"), |_| None)?;
        Arc::make_mut(&mut self.shared).for_all = Some(Arc::from(list));
        Ok(self)
    }

    /// Debug mode (Django's `DEBUG`): render errors show the debug page, and
    /// `platen.debug` adds `rendered_templates`.
    pub fn debug(mut self, debug: bool) -> TemplatesLayer {
        Arc::make_mut(&mut self.shared).debug = debug;
        self
    }

    /// The `STATIC_URL` that `platen.static` exposes.
    pub fn static_url(mut self, url: impl Into<String>) -> TemplatesLayer {
        Arc::make_mut(&mut self.shared).static_url = url.into();
        self
    }

    /// The engines the layer renders with.
    pub fn engines(&self) -> &Arc<Engines> {
        &self.shared.engines
    }

    /// Whether debug mode is on.
    pub fn is_debug(&self) -> bool {
        self.shared.debug
    }
}

impl<S> Layer<S> for TemplatesLayer {
    type Service = Templates<S>;

    fn layer(&self, inner: S) -> Templates<S> {
        Templates::from_shared(inner, self.shared.clone())
    }
}
