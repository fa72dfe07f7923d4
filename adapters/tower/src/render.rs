//! Rendering a template for a request: pick the template, run the context
//! processors, render; and [`SharedEngines`], the handle handlers get.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use platen_core::{Context, Engines, Error, ErrorKind, Request, Result, Template};

use crate::layer::Shared;
use crate::processors::{ProcessorEnv, run_all};

/// What one request shares between the layer, its response future and the
/// handler's [`SharedEngines`].
pub(crate) struct PerRequest {
    pub(crate) shared: Arc<Shared>,
    pub(crate) request: Arc<Request>,
    /// The templates rendered so far (debug mode only).
    log: Option<Mutex<Vec<String>>>,
}

/// A failed render, with the context it had reached (for the debug page).
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) context: Option<Context>,
}

impl PerRequest {
    pub(crate) fn new(shared: Arc<Shared>, request: Request) -> PerRequest {
        let log = shared.debug.then(|| Mutex::new(Vec::new()));
        PerRequest {
            shared,
            request: Arc::new(request),
            log,
        }
    }

    /// Renders the first of `names` found (in engine `using`, or any), with
    /// the processors of the engine that has it under `context`.
    pub(crate) fn render(
        &self,
        names: &[String],
        context: Context,
        using: Option<&str>,
    ) -> std::result::Result<String, Failure> {
        let (index, template) =
            select(&self.shared.engines, names, using).map_err(|error| Failure {
                error,
                context: Some(context.clone()),
            })?;
        let rendered = match &self.log {
            Some(log) => {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                log.push(template.origin().template_name.clone());
                log.clone()
            }
            None => Vec::new(),
        };
        let env = ProcessorEnv {
            debug: self.shared.debug,
            static_url: &self.shared.static_url,
            rendered: &rendered,
        };
        // The handler's variables override the processors' (Django's order).
        let mut full = run_all(self.shared.processors(index), &self.request, &env);
        full.extend(context);
        template
            .render(&full, Some(&self.request))
            .map_err(|error| Failure {
                error,
                context: Some(full),
            })
    }
}

/// Django's `select_template` over the engines, also telling which engine
/// (its position) has the template.
fn select(
    engines: &Engines,
    names: &[String],
    using: Option<&str>,
) -> Result<(usize, Arc<dyn Template>)> {
    if names.is_empty() {
        return Err(Error::new(
            ErrorKind::TemplateNotFound,
            "no template names given",
        ));
    }
    if let Some(using) = using
        && engines.get(using).is_none()
    {
        // Let `Engines` word the error, listing the engines.
        return engines.get_template(&names[0], Some(using)).map(|t| (0, t));
    }
    let mut tried = Vec::new();
    for name in names {
        for (index, engine) in engines.all().iter().enumerate() {
            if using.is_some_and(|u| u != engine.name()) {
                continue;
            }
            match engine.get_template(name) {
                Ok(t) => return Ok((index, t)),
                Err(mut err)
                    if err.kind() == ErrorKind::TemplateNotFound
                        && err.detail() == Some(name.as_str())
                        && err.origin().is_none() =>
                {
                    tried.extend(err.take_tried().into_iter().map(|mut t| {
                        t.engine.get_or_insert_with(|| engine.name().to_owned());
                        t
                    }));
                }
                Err(err) => return Err(err),
            }
        }
    }
    Err(Error::not_found(&names.join(", "), tried))
}

/// The engines, for a handler, with what this request's context processors
/// need: the layer puts one in every request's extensions (and, with the
/// `axum` feature, it is an extractor).
///
/// It dereferences to [`Engines`]; [`render`](Self::render) renders with
/// the context processors, as Django's `render_to_string(name, context,
/// request)` does.
#[derive(Clone)]
pub struct SharedEngines {
    inner: Arc<PerRequest>,
}

impl fmt::Debug for SharedEngines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedEngines")
            .field("engines", &self.inner.shared.engines)
            .field("request", &self.inner.request)
            .finish()
    }
}

impl SharedEngines {
    pub(crate) fn new(inner: Arc<PerRequest>) -> SharedEngines {
        SharedEngines { inner }
    }

    /// The shared engines.
    pub fn engines(&self) -> &Arc<Engines> {
        &self.inner.shared.engines
    }

    /// The request, as templates see it.
    pub fn request(&self) -> &Request {
        &self.inner.request
    }

    /// Renders the first of `names` found with `context` over the context
    /// processors' variables, now (Django's `render_to_string` with a
    /// request). In debug mode, the name joins `rendered_templates`.
    pub fn render<I, N>(&self, names: I, context: Context) -> Result<String>
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        self.inner
            .render(&names, context, None)
            .map_err(|f| f.error)
    }
}

impl Deref for SharedEngines {
    type Target = Engines;

    fn deref(&self) -> &Engines {
        &self.inner.shared.engines
    }
}

#[cfg(feature = "axum")]
impl<S: Send + Sync> axum_core::extract::FromRequestParts<S> for SharedEngines {
    type Rejection = (http::StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<SharedEngines>().cloned().ok_or((
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "platen-tower: no SharedEngines in the request; add TemplatesLayer around the router",
        ))
    }
}
