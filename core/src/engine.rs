//! Engines compile templates; templates render.

use std::fmt;
use std::sync::Arc;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::origin::Origin;
use crate::request::Request;

/// A compiled template, ready to render from any number of threads at once.
///
/// All per-render state lives in the render call, never in the template.
pub trait Template: Send + Sync + fmt::Debug {
    /// Where the template came from.
    fn origin(&self) -> &Origin;

    /// Renders into `out`, appending. On an error, what was written before
    /// it stays in `out`.
    fn render_to(
        &self,
        out: &mut String,
        context: &Context,
        request: Option<&Request>,
    ) -> Result<()>;

    /// Renders into a new string.
    fn render(&self, context: &Context, request: Option<&Request>) -> Result<String> {
        let mut out = String::new();
        self.render_to(&mut out, context, request)?;
        Ok(out)
    }
}

/// A template engine: one entry of the settings' `templates` list.
pub trait Engine: Send + Sync + fmt::Debug {
    /// The engine's name (the entry's `name`, unique in the settings).
    fn name(&self) -> &str;

    /// The registered name of the backend that built it (`platen.tera`).
    fn backend(&self) -> &str;

    /// Finds and compiles the template `name` through the engine's loaders.
    ///
    /// A miss is an error of kind `TemplateNotFound` listing every place tried.
    fn get_template(&self, name: &str) -> Result<Arc<dyn Template>>;

    /// Compiles a template from a string.
    #[allow(clippy::wrong_self_convention)] // Django's name for it.
    fn from_string(&self, source: &str) -> Result<Arc<dyn Template>>;

    /// Compiles every template the engine's loaders can list and returns
    /// every error, not only the first (the deploy-time precompile).
    fn check(&self) -> Vec<Error>;

    /// Every template name the engine's loaders can list, sorted.
    fn template_names(&self) -> Result<Vec<String>>;

    /// Forgets every cached template (Django's `engine.template_loaders[*].reset()`).
    fn reset(&self);
}
