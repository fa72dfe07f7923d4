//! The backend: builds a [`HandlebarsEngine`] from a settings entry.

use std::sync::Arc;

use handlebars::{
    Context as HbsContext, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError, ScopedJson,
};
use platen_core::{Backend, BuildEnv, Engine, EngineSettings, LoaderChain, Result};

use crate::engine::HandlebarsEngine;

type Registrar = Arc<dyn Fn(&mut Handlebars<'static>) + Send + Sync>;

/// Builds Handlebars engines; holds the user helpers engines may select by name.
#[derive(Clone, Default)]
pub struct HandlebarsBackend {
    helpers: Vec<(String, Registrar)>,
}

impl std::fmt::Debug for HandlebarsBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlebarsBackend")
            .field("helpers", &self.helpers.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .finish()
    }
}

impl HandlebarsBackend {
    /// A backend with no user helpers.
    pub fn new() -> HandlebarsBackend {
        HandlebarsBackend::default()
    }

    /// Registers a helper under `name` (anything the `handlebars` crate takes
    /// as a helper: a function, a `handlebars_helper!` type, a struct
    /// implementing `HelperDef`). Engines get it unless their
    /// `options.helpers` leaves it out.
    pub fn helper<H>(mut self, name: &str, helper: H) -> HandlebarsBackend
    where
        H: HelperDef + Send + Sync + 'static,
    {
        let owned = name.to_owned();
        let shared: Arc<dyn HelperDef + Send + Sync> = Arc::new(helper);
        let registrar: Registrar = Arc::new(move |reg: &mut Handlebars<'static>| {
            reg.register_helper(&owned, Box::new(Shared(shared.clone())));
        });
        self.helpers.retain(|(n, _)| n != name);
        self.helpers.push((name.to_owned(), registrar));
        self
    }

    /// The names of the registered helpers.
    pub fn helper_names(&self) -> Vec<&str> {
        self.helpers.iter().map(|(n, _)| n.as_str()).collect()
    }
}

impl Backend for HandlebarsBackend {
    fn build(&self, settings: &EngineSettings, env: &BuildEnv<'_>) -> Result<Arc<dyn Engine>> {
        settings.deny_unknown_options(&["strict_mode", "dev_mode", "helpers", "extensions"])?;
        let mut base = Handlebars::new();
        base.set_strict_mode(settings.option::<bool>("strict_mode")?.unwrap_or(false));
        base.set_dev_mode(settings.option::<bool>("dev_mode")?.unwrap_or(env.debug));
        if !settings.options.autoescape {
            base.register_escape_fn(handlebars::no_escape);
        }
        let extensions = settings
            .option::<Vec<String>>("extensions")?
            .unwrap_or_else(|| vec![".hbs".into(), ".handlebars".into()]);
        for (i, ext) in extensions.iter().enumerate() {
            if ext.is_empty() || ext.contains(['/', '\\']) {
                return Err(settings.error(
                    &format!("options.extensions.{i}"),
                    format!("`{ext}` is not a file extension (write it like \".hbs\")"),
                ));
            }
        }
        match settings.option::<Vec<String>>("helpers")? {
            None => self.helpers.iter().for_each(|(_, reg)| reg(&mut base)),
            Some(wanted) => {
                for (i, name) in wanted.iter().enumerate() {
                    let Some((_, reg)) = self.helpers.iter().find(|(n, _)| n == name) else {
                        let known = self.helper_names();
                        let mut detail = format!("no helper named `{name}` is registered on the Handlebars backend");
                        if let Some(best) = platen_core::settings::closest(name, &known) {
                            detail.push_str(&format!(" (did you mean `{best}`?)"));
                        }
                        detail.push_str(&format!("; registered: {}", known.join(", ")));
                        return Err(settings.error(&format!("options.helpers.{i}"), detail));
                    };
                    reg(&mut base);
                }
            }
        }
        Ok(Arc::new(HandlebarsEngine::new(
            settings.name.clone(),
            LoaderChain::new(env.loaders.clone()),
            base,
            extensions,
        )))
    }
}

/// One helper shared by every registry the backend builds.
struct Shared(Arc<dyn HelperDef + Send + Sync>);

impl HelperDef for Shared {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc HbsContext,
        rc: &mut RenderContext<'reg, 'rc>,
    ) -> std::result::Result<ScopedJson<'rc>, RenderError> {
        self.0.call_inner(h, r, ctx, rc)
    }

    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc HbsContext,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        self.0.call(h, r, ctx, rc, out)
    }
}
