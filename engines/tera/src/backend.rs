//! The backend: builds a [`TeraEngine`] from a settings entry.

use std::fmt;
use std::sync::Arc;

use platen_core::{Backend, BuildEnv, Engine, EngineSettings, Error, LoaderChain, Result};
use tera::{ArgFromValue, Filter, Function, FunctionResult, Kwargs, State, Tera, Test, TestResult};

use crate::engine::{Library, TeraEngine};

type Registrar = Arc<dyn Fn(&mut Tera) + Send + Sync>;

/// The engine options `platen.tera` reads besides the common ones.
pub const OPTIONS: &[&str] = &[
    "autoescape_on",
    "filters",
    "tests",
    "functions",
    "components",
    "max_output_bytes",
];

/// The suffixes Tera escapes by default.
pub const DEFAULT_AUTOESCAPE_ON: &[&str] = &[".html", ".htm", ".xml"];

/// Builds Tera engines (the `platen.tera` backend); holds the filters, tests
/// and functions that engines select by name in their settings.
///
/// ```
/// use platen_core::Registry;
/// use platen_tera::{TeraBackend, tera::{Kwargs, State}};
///
/// let backend = TeraBackend::new()
///     .filter("shout", |s: &str, _: Kwargs, _: &State| format!("{}!", s.to_uppercase()))
///     .test("short", |s: &str, _: Kwargs, _: &State| s.len() < 5);
/// let mut registry = Registry::new();
/// registry.register_backend(platen_tera::BACKEND_NAME, backend);
/// ```
#[derive(Clone, Default)]
pub struct TeraBackend {
    filters: Vec<(String, Registrar)>,
    tests: Vec<(String, Registrar)>,
    functions: Vec<(String, Registrar)>,
    configure: Vec<Registrar>,
}

impl fmt::Debug for TeraBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeraBackend")
            .field("filters", &names(&self.filters))
            .field("tests", &names(&self.tests))
            .field("functions", &names(&self.functions))
            .field("configure", &self.configure.len())
            .finish()
    }
}

fn names(list: &[(String, Registrar)]) -> Vec<&str> {
    list.iter().map(|(n, _)| n.as_str()).collect()
}

fn put(list: &mut Vec<(String, Registrar)>, name: &str, registrar: Registrar) {
    list.retain(|(n, _)| n != name);
    list.push((name.to_owned(), registrar));
}

/// Shares one user function between the Tera instances of every engine
/// (Tera wants to own what it registers).
struct Shared<F>(Arc<F>);

impl<F> Clone for Shared<F> {
    fn clone(&self) -> Shared<F> {
        Shared(self.0.clone())
    }
}

impl<F, A, R> Filter<A, R> for Shared<F>
where
    F: Filter<A, R>,
    R: FunctionResult,
{
    fn call(&self, value: A, kwargs: Kwargs, state: &State) -> R {
        self.0.call(value, kwargs, state)
    }
    fn is_safe(&self) -> bool {
        self.0.is_safe()
    }
}

impl<F, A, R> Test<A, R> for Shared<F>
where
    F: Test<A, R>,
    R: TestResult,
{
    fn call(&self, value: A, kwargs: Kwargs, state: &State) -> R {
        self.0.call(value, kwargs, state)
    }
}

impl<F, R> Function<R> for Shared<F>
where
    F: Function<R>,
    R: FunctionResult,
{
    fn call(&self, kwargs: Kwargs, state: &State) -> R {
        self.0.call(kwargs, state)
    }
    fn is_safe(&self) -> bool {
        self.0.is_safe()
    }
}

impl TeraBackend {
    /// A backend with no user filters, tests or functions (Tera's built-in
    /// ones are always there).
    pub fn new() -> TeraBackend {
        TeraBackend::default()
    }

    /// Registers a filter under `name`: a Tera 2 filter, such as a function
    /// of the value, [`Kwargs`] and [`&State`](State). It replaces a built-in
    /// filter of the same name. Engines get it unless their
    /// `options.filters` leaves it out.
    pub fn filter<F, A, R>(mut self, name: &str, filter: F) -> TeraBackend
    where
        F: Filter<A, R> + for<'a> Filter<<A as ArgFromValue<'a>>::Output, R>,
        A: for<'a> ArgFromValue<'a>,
        R: FunctionResult,
    {
        let (owned, shared) = (name.to_owned(), Shared(Arc::new(filter)));
        let registrar: Registrar = Arc::new(move |tera: &mut Tera| {
            tera.register_filter::<Shared<F>, A, R>(owned.clone(), shared.clone());
        });
        put(&mut self.filters, name, registrar);
        self
    }

    /// Registers a test (`{% if x is name %}`) under `name`. Engines get it
    /// unless their `options.tests` leaves it out.
    pub fn test<F, A, R>(mut self, name: &str, test: F) -> TeraBackend
    where
        F: Test<A, R> + for<'a> Test<<A as ArgFromValue<'a>>::Output, R>,
        A: for<'a> ArgFromValue<'a>,
        R: TestResult,
    {
        let (owned, shared) = (name.to_owned(), Shared(Arc::new(test)));
        let registrar: Registrar = Arc::new(move |tera: &mut Tera| {
            tera.register_test::<Shared<F>, A, R>(owned.clone(), shared.clone());
        });
        put(&mut self.tests, name, registrar);
        self
    }

    /// Registers a function (`{{ name(arg=1) }}`) under `name`. Engines get
    /// it unless their `options.functions` leaves it out.
    pub fn function<F, R>(mut self, name: &str, function: F) -> TeraBackend
    where
        F: Function<R>,
        R: FunctionResult,
    {
        let (owned, shared) = (name.to_owned(), Shared(Arc::new(function)));
        let registrar: Registrar = Arc::new(move |tera: &mut Tera| {
            tera.register_function::<Shared<F>, R>(owned.clone(), shared.clone());
        });
        put(&mut self.functions, name, registrar);
        self
    }

    /// Runs `f` on every engine's Tera instance after its filters, tests,
    /// functions and escaping are set (for a global context or an escape
    /// function). Templates added here are in every template's instance but
    /// are not read through the loaders, and the `extends`/`include` names
    /// platen resolves are found with Tera's default delimiters.
    pub fn configure(mut self, f: impl Fn(&mut Tera) + Send + Sync + 'static) -> TeraBackend {
        self.configure.push(Arc::new(f));
        self
    }

    /// The names of the registered filters.
    pub fn filter_names(&self) -> Vec<&str> {
        names(&self.filters)
    }

    /// The names of the registered tests.
    pub fn test_names(&self) -> Vec<&str> {
        names(&self.tests)
    }

    /// The names of the registered functions.
    pub fn function_names(&self) -> Vec<&str> {
        names(&self.functions)
    }

    /// The Tera instance an engine of `settings` compiles with (escaping,
    /// the selected filters, tests and functions, then the `configure`
    /// hooks), and the name `from_string` templates get in it: one Tera
    /// escapes exactly when the engine escapes anything.
    fn base(&self, settings: &EngineSettings) -> Result<(Tera, String)> {
        let mut base = Tera::new();
        let suffixes: Vec<String> = if settings.options.autoescape {
            match settings.option::<Vec<String>>("autoescape_on")? {
                Some(suffixes) => suffixes,
                None => DEFAULT_AUTOESCAPE_ON
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            }
        } else {
            Vec::new()
        };
        let string_name = format!("<string>{}", suffixes.first().map_or("", String::as_str));
        base.autoescape_on(suffixes);
        for (option, what, list) in [
            ("filters", "filter", &self.filters),
            ("tests", "test", &self.tests),
            ("functions", "function", &self.functions),
        ] {
            for registrar in select(settings, option, what, list)? {
                registrar(&mut base);
            }
        }
        for hook in &self.configure {
            hook(&mut base);
        }
        Ok((base, string_name))
    }
}

/// The registrars `options.<option>` selects (all when unset), or an error
/// naming the first unknown name's key.
fn select<'a>(
    settings: &EngineSettings,
    option: &str,
    what: &str,
    list: &'a [(String, Registrar)],
) -> Result<Vec<&'a Registrar>> {
    let Some(wanted) = settings.option::<Vec<String>>(option)? else {
        return Ok(list.iter().map(|(_, r)| r).collect());
    };
    let mut out = Vec::with_capacity(wanted.len());
    for (i, name) in wanted.iter().enumerate() {
        match list.iter().find(|(n, _)| n == name) {
            Some((_, registrar)) => out.push(registrar),
            None => {
                let known = names(list);
                let mut detail =
                    format!("no {what} named `{name}` is registered on the Tera backend");
                detail.push_str(&platen_core::closest::did_you_mean(name, &known));
                if known.is_empty() {
                    detail.push_str(&format!("; register {what}s with `TeraBackend::{what}`"));
                } else {
                    detail.push_str(&format!("; registered: {}", known.join(", ")));
                }
                return Err(settings.error(&format!("options.{option}.{i}"), detail));
            }
        }
    }
    Ok(out)
}

/// Refuses common options that mean nothing to Tera, rather than ignoring them.
fn deny_dtl_options(settings: &EngineSettings) -> Result<()> {
    let o = &settings.options;
    let unsupported: [(&str, bool, &str); 3] = [
        (
            "string_if_invalid",
            !o.string_if_invalid.is_empty(),
            "Tera 2 raises an error for an undefined variable; use `default(value=...)` or `?.` in the template",
        ),
        (
            "libraries",
            !o.libraries.is_empty(),
            "tag libraries are a DTL feature; register Tera filters on `TeraBackend`",
        ),
        (
            "builtins",
            !o.builtins.is_empty(),
            "tag libraries are a DTL feature; register Tera filters on `TeraBackend`",
        ),
    ];
    for (key, set, why) in unsupported {
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

impl Backend for TeraBackend {
    fn build(&self, settings: &EngineSettings, env: &BuildEnv<'_>) -> Result<Arc<dyn Engine>> {
        settings.deny_unknown_options(OPTIONS)?;
        deny_dtl_options(settings)?;
        let (base, string_name) = self.base(settings)?;
        let libraries = settings
            .option::<Vec<String>>("components")?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let sub = format!("options.components.{i}");
                if name.is_empty() {
                    return Err(settings.error(&sub, "a component template name cannot be empty"));
                }
                Ok(Library {
                    key: settings.key(&sub),
                    source: settings.source_of(&sub),
                    name,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let max_output_bytes = crate::budget::max_output_bytes(settings)?;
        let chain = LoaderChain::new(env.loaders.clone());
        // A function of the backend's own named `cache` or `depends_on` wins.
        let keep = self.function_names();
        Ok(Arc::new(
            TeraEngine::with_options(
                settings.name.clone(),
                chain,
                base,
                libraries,
                string_name,
                env.caches.clone(),
                &keep,
            )
            .with_max_output_bytes(max_output_bytes),
        ))
    }
}
