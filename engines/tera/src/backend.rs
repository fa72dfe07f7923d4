//! The backend: builds a [`TeraEngine`] from a settings entry.

use std::sync::Arc;

use platen_core::{Backend, BuildEnv, Engine, EngineSettings, LoaderChain, Result};
use tera::{ArgFromValue, Filter, FunctionResult, Tera};

use crate::engine::TeraEngine;

type Registrar = Arc<dyn Fn(&mut Tera) + Send + Sync>;

/// Builds Tera engines; holds the user filters engines may select by name.
#[derive(Clone, Default)]
pub struct TeraBackend {
    filters: Vec<(String, Registrar)>,
}

impl std::fmt::Debug for TeraBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeraBackend")
            .field("filters", &self.filters.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .finish()
    }
}

impl TeraBackend {
    /// A backend with no user filters.
    pub fn new() -> TeraBackend {
        TeraBackend::default()
    }

    /// Registers a filter under `name` (a Tera 2 filter function: value,
    /// `Kwargs`, `&State`). Engines get it unless their `options.filters`
    /// leaves it out.
    pub fn filter<F, A, R>(mut self, name: &str, filter: F) -> TeraBackend
    where
        F: Filter<A, R> + for<'a> Filter<<A as ArgFromValue<'a>>::Output, R> + Clone,
        A: for<'a> ArgFromValue<'a>,
        R: FunctionResult,
    {
        let owned = name.to_owned();
        let registrar: Registrar = Arc::new(move |tera: &mut Tera| {
            tera.register_filter::<F, A, R>(owned.clone(), filter.clone());
        });
        self.filters.retain(|(n, _)| n != name);
        self.filters.push((name.to_owned(), registrar));
        self
    }

    /// The names of the registered filters.
    pub fn filter_names(&self) -> Vec<&str> {
        self.filters.iter().map(|(n, _)| n.as_str()).collect()
    }
}

impl Backend for TeraBackend {
    fn build(&self, settings: &EngineSettings, env: &BuildEnv<'_>) -> Result<Arc<dyn Engine>> {
        settings.deny_unknown_options(&["autoescape_on", "filters"])?;
        let mut base = Tera::new();
        let suffixes: Vec<String> = match settings.option::<Vec<String>>("autoescape_on")? {
            Some(s) => s,
            None => vec![".html".into(), ".htm".into(), ".xml".into()],
        };
        if settings.options.autoescape {
            base.autoescape_on(suffixes);
        } else {
            base.autoescape_on(Vec::<String>::new());
        }
        match settings.option::<Vec<String>>("filters")? {
            None => self.filters.iter().for_each(|(_, reg)| reg(&mut base)),
            Some(wanted) => {
                for (i, name) in wanted.iter().enumerate() {
                    let Some((_, reg)) = self.filters.iter().find(|(n, _)| n == name) else {
                        let known = self.filter_names();
                        let mut detail = format!("no filter named `{name}` is registered on the Tera backend");
                        if let Some(best) = platen_core::settings::closest(name, &known) {
                            detail.push_str(&format!(" (did you mean `{best}`?)"));
                        }
                        detail.push_str(&format!("; registered: {}", known.join(", ")));
                        return Err(settings.error(&format!("options.filters.{i}"), detail));
                    };
                    reg(&mut base);
                }
            }
        }
        Ok(Arc::new(TeraEngine::new(
            settings.name.clone(),
            LoaderChain::new(env.loaders.clone()),
            base,
        )))
    }
}
