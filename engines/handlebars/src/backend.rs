//! The backend: builds a [`HandlebarsEngine`] from a settings entry.

use std::sync::Arc;

use handlebars::{
    Context as HbsContext, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext,
    RenderError, ScopedJson,
};
use platen_core::cache::Caches;
use platen_core::{Backend, BuildEnv, Engine, EngineSettings, LoaderChain, Result};

use crate::cache::register_cache_helpers;
use crate::engine::HandlebarsEngine;

/// The options of `platen.handlebars` besides the common ones.
pub const OPTIONS: &[&str] = &[
    "strict_mode",
    "dev_mode",
    "helpers",
    "extensions",
    "max_output_bytes",
];

/// The extensions tried after a bare name when `options.extensions` is unset.
pub const DEFAULT_EXTENSIONS: &[&str] = &[".hbs", ".handlebars"];

/// Builds Handlebars engines, and holds the helpers they may use.
///
/// ```
/// use platen_handlebars::HandlebarsBackend;
/// use platen_handlebars::handlebars::handlebars_helper;
///
/// handlebars_helper!(upper: |s: str| s.to_uppercase());
///
/// let mut registry = platen_core::Registry::new();
/// registry.register_backend("platen.handlebars", HandlebarsBackend::new().helper("upper", upper));
/// ```
///
/// An engine gets every registered helper, or only those its
/// `options.helpers` lists.
#[derive(Clone, Default)]
pub struct HandlebarsBackend {
    helpers: Vec<(String, Arc<dyn HelperDef + Send + Sync>)>,
}

impl std::fmt::Debug for HandlebarsBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlebarsBackend")
            .field("helpers", &self.helper_names())
            .finish()
    }
}

impl HandlebarsBackend {
    /// A backend with no helpers of its own (Handlebars' built-in ones,
    /// `if`, `each`, `with`, `lookup`, `len`, `eq`, ..., and platen's
    /// `cache` and `depends_on` are always there).
    pub fn new() -> HandlebarsBackend {
        HandlebarsBackend::default()
    }

    /// Registers `helper` under `name` (replacing a helper of that name):
    /// anything the `handlebars` crate takes as a helper, a function, a
    /// `handlebars_helper!` type or a type implementing [`HelperDef`].
    pub fn helper<H>(mut self, name: &str, helper: H) -> HandlebarsBackend
    where
        H: HelperDef + Send + Sync + 'static,
    {
        self.helpers.retain(|(n, _)| n != name);
        self.helpers.push((name.to_owned(), Arc::new(helper)));
        self
    }

    /// The names of the registered helpers, in registration order.
    pub fn helper_names(&self) -> Vec<&str> {
        self.helpers.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The registry an engine built from `settings` renders with.
    fn registry(
        &self,
        settings: &EngineSettings,
        debug: bool,
        caches: Caches,
    ) -> Result<Handlebars<'static>> {
        let mut registry = Handlebars::new();
        // Before the backend's helpers, which may replace them.
        register_cache_helpers(&mut registry, caches);
        registry.set_strict_mode(settings.option::<bool>("strict_mode")?.unwrap_or(false));
        registry.set_dev_mode(settings.option::<bool>("dev_mode")?.unwrap_or(debug));
        if !settings.options.autoescape {
            registry.register_escape_fn(handlebars::no_escape);
        }
        let chosen: Vec<&(String, Arc<dyn HelperDef + Send + Sync>)> =
            match settings.option::<Vec<String>>("helpers")? {
                None => self.helpers.iter().collect(),
                Some(wanted) => {
                    let mut chosen = Vec::with_capacity(wanted.len());
                    for (i, name) in wanted.iter().enumerate() {
                        match self.helpers.iter().find(|(n, _)| n == name) {
                            Some(helper) => chosen.push(helper),
                            None => return Err(self.unknown_helper(settings, i, name)),
                        }
                    }
                    chosen
                }
            };
        for (name, helper) in chosen {
            registry.register_helper(name, Box::new(Shared(helper.clone())));
        }
        Ok(registry)
    }

    fn unknown_helper(
        &self,
        settings: &EngineSettings,
        i: usize,
        name: &str,
    ) -> platen_core::Error {
        let known = self.helper_names();
        let mut detail =
            format!("no helper named `{name}` is registered on the Handlebars backend");
        detail.push_str(&platen_core::closest::did_you_mean(name, &known));
        if known.is_empty() {
            detail.push_str("; register helpers with `HandlebarsBackend::helper`");
        } else {
            detail.push_str(&format!("; registered: {}", known.join(", ")));
        }
        settings.error(&format!("options.helpers.{i}"), detail)
    }
}

/// The extensions of `options.extensions`, checked.
fn extensions(settings: &EngineSettings) -> Result<Vec<String>> {
    let Some(list) = settings.option::<Vec<String>>("extensions")? else {
        return Ok(DEFAULT_EXTENSIONS.iter().map(|e| (*e).to_owned()).collect());
    };
    for (i, ext) in list.iter().enumerate() {
        if ext.is_empty() || ext.contains(['/', '\\']) {
            return Err(settings.error(
                &format!("options.extensions.{i}"),
                format!(
                    "`{ext}` is not a file name extension; write it with its dot, like \".hbs\""
                ),
            ));
        }
    }
    Ok(list)
}

/// Refuses the common options that mean nothing to Handlebars, rather than
/// ignoring them. (`string_if_invalid` is ignored: see the crate docs.)
fn deny_dtl_options(settings: &EngineSettings) -> Result<()> {
    let o = &settings.options;
    let why = "tag libraries are a DTL feature; register Handlebars helpers with `HandlebarsBackend::helper` \
               and choose them with `options.helpers`";
    for (key, set) in [
        ("libraries", !o.libraries.is_empty()),
        ("builtins", !o.builtins.is_empty()),
    ] {
        if set {
            let detail = format!(
                "`{key}` is not supported by the `{}` backend: {why}",
                crate::BACKEND_NAME
            );
            return Err(settings.error(&format!("options.{key}"), detail));
        }
    }
    Ok(())
}

impl Backend for HandlebarsBackend {
    fn build(&self, settings: &EngineSettings, env: &BuildEnv<'_>) -> Result<Arc<dyn Engine>> {
        settings.deny_unknown_options(OPTIONS)?;
        deny_dtl_options(settings)?;
        let registry = self.registry(settings, env.debug, env.caches.clone())?;
        let extensions = extensions(settings)?;
        let max_output_bytes = crate::budget::max_output_bytes(settings)?;
        let chain = LoaderChain::new(env.loaders.clone());
        Ok(Arc::new(
            HandlebarsEngine::new(settings.name.clone(), chain, registry, extensions)
                .with_max_output_bytes(max_output_bytes),
        ))
    }
}

/// One helper, shared by the registries of every engine the backend builds.
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
