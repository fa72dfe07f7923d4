//! The engine, its templates and the backend registered as `platen.dtl`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use platen_core::cache::Caches;

use crate::render::budget::RenderLimits;
use platen_core::{
    Backend, BuildEnv, Compiled, Compiler, Context, Engine, EngineSettings, Error, ErrorKind,
    LoaderChain, Origin, Request, Template,
};

use crate::library::Library;
use crate::nodes::CompiledTemplate;
use crate::nodes::{Node, NodeList, collect_blocks};
use crate::parser::Parser;
use crate::render::{RenderSettings, Renderer, SiteData, Templates};
use crate::resolver::UrlResolver;
use crate::tags::django_library;

/// The engine's configuration and loaders.
pub(crate) struct EngineInner {
    pub(crate) name: String,
    pub(crate) chain: LoaderChain,
    /// What its templates' renders read: autoescape, translations, ...
    pub(crate) settings: RenderSettings,
    pub(crate) libraries: HashMap<String, Arc<Library>>,
    pub(crate) builtins: Vec<Arc<Library>>,
}

impl fmt::Debug for EngineInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DtlEngine")
            .field("name", &self.name)
            .field("autoescape", &self.settings.autoescape)
            .field("string_if_invalid", &self.settings.string_if_invalid)
            .field("libraries", &self.libraries.keys().collect::<Vec<_>>())
            .field("translations", &self.settings.translations)
            .finish()
    }
}

impl Compiler for EngineInner {
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled, Error> {
        Ok(self.compile_template(origin, source)?)
    }
}

impl EngineInner {
    /// Compiles `source` read from `origin`.
    pub(crate) fn compile_template(
        &self,
        origin: &Origin,
        source: &str,
    ) -> Result<Arc<CompiledTemplate>, Error> {
        self.compile_shared(Arc::new(origin.clone()), source)
    }

    /// [`EngineInner::compile_template`] with the origin already shared.
    fn compile_shared(
        &self,
        shared_origin: Arc<Origin>,
        source: &str,
    ) -> Result<Arc<CompiledTemplate>, Error> {
        let origin = &*shared_origin;
        let src: Arc<str> = Arc::from(source);
        let _names = crate::names::Sharing::start();
        let mut parser = Parser::new(
            source,
            origin,
            &self.libraries,
            &self.builtins,
            crate::tags::builtin,
        );
        let nodes = parser
            .parse(&[])
            .map_err(|e| e.with_origin(origin).with_source_text(src.clone()))?;
        let mut blocks = Vec::new();
        collect_blocks(&nodes, &mut blocks);
        let first_is_extends = nodes
            .iter()
            .find(|i| !matches!(i.node, Node::Text(_)))
            .is_some_and(|i| matches!(i.node, Node::Extends(_)));
        let partials = parser.partials_cell.clone();
        let _ = partials.set(std::mem::take(&mut parser.partials));
        let name: Arc<str> = Arc::from(origin.template_name.as_str());
        let site = Arc::new(SiteData {
            name: name.clone(),
            source: src,
            origin: shared_origin.clone(),
        });
        Ok(Arc::new(CompiledTemplate {
            name,
            origin: shared_origin.clone(),
            site,
            nodes,
            blocks,
            first_is_extends,
            partials,
            last_len: Default::default(),
        }))
    }

    /// A renderer over this engine's settings and templates.
    pub(crate) fn renderer<'a>(
        &'a self,
        context: &'a Context,
        request: Option<&'a Request>,
        site: crate::render::Site,
    ) -> Renderer<'a> {
        Renderer::new(&self.settings, self, context, request, site)
    }
}

impl Templates for EngineInner {
    /// Django's `find_template(name, skip)`.
    fn find(&self, name: &str, skip: &[Origin]) -> Result<Arc<CompiledTemplate>, Error> {
        let compiled = self.chain.find(name, skip, self)?;
        compiled.downcast::<CompiledTemplate>().map_err(|_| {
            Error::new(
                ErrorKind::RenderError,
                format!("template `{name}` was compiled by another engine"),
            )
        })
    }

    /// Django's `get_template`, with `name#partial`.
    fn get(&self, full: &str) -> Result<(Arc<CompiledTemplate>, Option<Arc<NodeList>>), Error> {
        let (name, partial) = match full.split_once('#') {
            Some((n, p)) => (n, Some(p)),
            None => (full, None),
        };
        if name.is_empty() {
            return Err(Error::not_found(full, Vec::new()));
        }
        let t = self.find(name, &[])?;
        match partial {
            None | Some("") => Ok((t, None)),
            Some(p) => match t.partial(p) {
                Some(nodes) => Ok((t, Some(nodes))),
                None => Err(Error::not_found(p, Vec::new())),
            },
        }
    }

    /// Django's `select_template`.
    fn select(
        &self,
        names: &[String],
    ) -> Result<(Arc<CompiledTemplate>, Option<Arc<NodeList>>), Error> {
        let mut tried = Vec::new();
        for name in names {
            match self.get(name) {
                Ok(t) => return Ok(t),
                Err(mut e) if e.kind() == ErrorKind::TemplateNotFound => {
                    tried.extend(e.take_tried())
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::not_found(&names.join(", "), tried))
    }
}

/// The native DTL engine.
#[derive(Debug, Clone)]
pub struct DtlEngine {
    inner: Arc<EngineInner>,
}

/// Options for building a [`DtlEngine`] directly.
#[derive(Debug, Clone)]
pub struct DtlOptions {
    /// The engine name.
    pub name: String,
    /// Escape output by default.
    pub autoescape: bool,
    /// Template debug mode.
    pub debug: bool,
    /// What an invalid variable renders as.
    pub string_if_invalid: String,
    /// Libraries `{% load %}` can load, by name.
    pub libraries: HashMap<String, Arc<Library>>,
    /// Libraries loaded into every template.
    pub builtins: Vec<Arc<Library>>,
    /// The `{% url %}` resolver.
    pub url_resolver: Option<Arc<dyn UrlResolver>>,
    /// The language templates render in when no other is active (Django's
    /// `LANGUAGE_CODE`, default `en-us`).
    pub language_code: String,
    /// Whether translation is on (Django's `USE_I18N`, default `true`). Off,
    /// every message renders untranslated and the language is always
    /// `language_code`.
    pub use_i18n: bool,
    /// Directories of translation catalogues (Django's `LOCALE_PATHS`):
    /// `<path>/<locale>/LC_MESSAGES/django.mo`. A message is looked up in the
    /// first path's catalogue first.
    pub locale_paths: Vec<std::path::PathBuf>,
    /// Django's global format settings (`USE_THOUSAND_SEPARATOR`,
    /// `DECIMAL_SEPARATOR`, `DATE_FORMAT`, ...): used where the active
    /// language has no format of its own, and with localisation off.
    pub formats: crate::formats::FormatSettings,
    /// The fragment caches `{% cache %}` stores into (the settings'
    /// `[caches]`; by default one in-memory `default` per engine).
    pub caches: Caches,
    /// Whether objects with a cache identity that a cache block's body
    /// looks at register themselves as its dependencies (option
    /// `auto_depends`, default on).
    pub auto_depends: bool,
    /// Each render's budget of work and output (options `fuel` and
    /// `max_output_bytes`; on by default).
    pub limits: RenderLimits,
}

impl Default for DtlOptions {
    fn default() -> DtlOptions {
        DtlOptions {
            name: "dtl".into(),
            autoescape: true,
            debug: false,
            string_if_invalid: String::new(),
            libraries: HashMap::new(),
            builtins: Vec::new(),
            url_resolver: None,
            language_code: "en-us".into(),
            use_i18n: true,
            locale_paths: Vec::new(),
            formats: crate::formats::FormatSettings::default(),
            caches: Caches::default(),
            auto_depends: true,
            limits: RenderLimits::default(),
        }
    }
}

impl DtlEngine {
    /// An engine over `chain` with `options`.
    ///
    /// Fails when a locale path cannot be listed (catalogues themselves are
    /// read on first use; [`Engine::check`] reads them all).
    pub fn try_new(chain: LoaderChain, options: DtlOptions) -> Result<DtlEngine, Error> {
        let engine = DtlEngine::new(chain, options);
        match engine.inner.settings.translations.listing_error() {
            Some(e) => Err(e),
            None => Ok(engine),
        }
    }

    /// An engine over `chain` with `options`.
    ///
    /// A locale path that cannot be listed does not stop it: [`Engine::check`]
    /// reports it, and so does every render that needs a translation
    /// catalogue. [`DtlEngine::try_new`] fails instead.
    pub fn new(chain: LoaderChain, options: DtlOptions) -> DtlEngine {
        let mut translations = crate::gettext::Translations::new(
            &options.language_code,
            options.use_i18n,
            &options.locale_paths,
        );
        translations.formats = options.formats.clone();
        DtlEngine {
            inner: Arc::new(EngineInner {
                name: options.name,
                chain,
                settings: RenderSettings {
                    autoescape: options.autoescape,
                    string_if_invalid: options.string_if_invalid,
                    url_resolver: options.url_resolver,
                    translations,
                    caches: options.caches,
                    auto_depends: options.auto_depends,
                    limits: options.limits,
                },
                libraries: options.libraries,
                builtins: options.builtins,
            }),
        }
    }

    /// Finds and compiles `name` (which may be `page#partial`).
    pub fn template(&self, name: &str) -> Result<DtlTemplate, Error> {
        let (compiled, entry) = self.inner.get(name)?;
        Ok(DtlTemplate {
            compiled,
            entry,
            engine: self.inner.clone(),
        })
    }

    /// Compiles a template from a string.
    pub fn template_from_str(&self, source: &str) -> Result<DtlTemplate, Error> {
        // Every template made from a string has the same origin: share one.
        static UNKNOWN: std::sync::LazyLock<Arc<Origin>> =
            std::sync::LazyLock::new(|| Arc::new(Origin::unknown()));
        let compiled = self.inner.compile_shared(UNKNOWN.clone(), source)?;
        Ok(DtlTemplate {
            compiled,
            entry: None,
            engine: self.inner.clone(),
        })
    }
}

impl Engine for DtlEngine {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn backend(&self) -> &str {
        crate::BACKEND_NAME
    }

    fn get_template(&self, name: &str) -> Result<Arc<dyn Template>, Error> {
        let found = match self.inner.get(name) {
            Ok((compiled, entry)) => Ok(Arc::new(DtlTemplate {
                compiled,
                entry,
                engine: self.inner.clone(),
            }) as Arc<dyn Template>),
            Err(e) => Err(e),
        };
        found.map_err(|e| e.with_engine(&self.inner.name))
    }

    fn from_string(&self, source: &str) -> Result<Arc<dyn Template>, Error> {
        Ok(Arc::new(self.template_from_str(source)?))
    }

    fn check(&self) -> Vec<Error> {
        let mut errors = self.inner.chain.warm(&*self.inner);
        errors.extend(self.inner.settings.translations.check());
        errors
    }

    fn template_names(&self) -> Result<Vec<String>, Error> {
        self.inner.chain.template_names()
    }

    fn reset(&self) {
        self.inner.chain.reset();
    }
}

/// A DTL template bound to its engine.
pub struct DtlTemplate {
    compiled: Arc<CompiledTemplate>,
    entry: Option<Arc<NodeList>>,
    engine: Arc<EngineInner>,
}

impl fmt::Debug for DtlTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DtlTemplate")
            .field("name", &self.compiled.name)
            .finish()
    }
}

impl Template for DtlTemplate {
    fn origin(&self) -> &Origin {
        &self.compiled.origin
    }

    fn render_to(
        &self,
        out: &mut String,
        context: &Context,
        request: Option<&Request>,
    ) -> Result<(), Error> {
        match self.entry.as_deref() {
            None => self
                .compiled
                .render_whole(&self.engine, out, context, request),
            Some(entry) => self
                .engine
                .renderer(context, request, self.compiled.site())
                .render_list(entry, out),
        }
    }
}

impl CompiledTemplate {
    /// Renders the whole template with `engine`, reserving what the last
    /// render wrote.
    fn render_whole(
        &self,
        engine: &EngineInner,
        out: &mut String,
        context: &Context,
        request: Option<&Request>,
    ) -> Result<(), Error> {
        use std::sync::atomic::Ordering;
        let mut r = engine.renderer(context, request, self.site());
        let start = out.len();
        out.reserve(self.last_len.load(Ordering::Relaxed));
        r.render_list(&self.nodes, out)?;
        self.last_len.store(out.len() - start, Ordering::Relaxed);
        Ok(())
    }
}

impl DtlTemplate {
    /// Renders only the `{% block name %}` of this template, with its
    /// inheritance resolved: the most derived definition in the
    /// `{% extends %}` chain, with `{{ block.super }}` working, and nothing
    /// outside the block (a partial response for htmx-style requests).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use platen_core::{Context, LoaderChain};
    /// # use platen_dtl::{DtlEngine, DtlOptions};
    /// # use platen_loaders::LocmemLoader;
    /// let templates = LocmemLoader::new([
    ///     ("base.html", "<main>{% block content %}base{% endblock %}</main>"),
    ///     ("page.html", "{% extends 'base.html' %}{% block content %}{{ block.super }}+page{% endblock %}"),
    /// ]);
    /// let engine = DtlEngine::new(LoaderChain::new(vec![Arc::new(templates)]), DtlOptions::default());
    /// let page = engine.template("page.html")?;
    /// assert_eq!(page.render_block("content", &Context::new(), None)?, "base+page");
    /// # Ok::<(), platen_core::Error>(())
    /// ```
    pub fn render_block(
        &self,
        name: &str,
        context: &Context,
        request: Option<&Request>,
    ) -> Result<String, Error> {
        let mut out = String::new();
        let mut r = self.engine.renderer(context, request, self.compiled.site());
        r.render_named_block(&self.compiled, name, &mut out)?;
        Ok(out)
    }
}

/// The backend registered as `platen.dtl`, with the user libraries that
/// settings may name.
///
/// `options.libraries = { mytags = "myapp.tags" }` makes the library
/// registered as `myapp.tags` loadable with `{% load mytags %}`;
/// `options.builtins = ["myapp.tags"]` loads it into every template. Django's
/// own `static`, `cache` and `i18n` are always known.
///
/// ```
/// use platen_dtl::{DtlBackend, Library};
///
/// let mut tags = Library::new();
/// tags.simple_tag("answer", |_| Ok(42.into()));
/// let backend = DtlBackend::new().library("myapp.tags", tags);
/// let mut registry = platen_core::Registry::new();
/// registry.register_backend(platen_dtl::BACKEND_NAME, backend);
/// ```
#[derive(Debug, Default, Clone)]
pub struct DtlBackend {
    libraries: HashMap<String, Arc<Library>>,
    url_resolver: Option<Arc<dyn UrlResolver>>,
}

impl DtlBackend {
    /// A backend knowing only Django's libraries.
    pub fn new() -> DtlBackend {
        DtlBackend::default()
    }

    /// Registers `library` under `name`, for `options.libraries` and
    /// `options.builtins` (and for `{% load name %}` when settings do not
    /// rename it).
    pub fn library(mut self, name: &str, library: Library) -> DtlBackend {
        self.libraries.insert(name.to_owned(), Arc::new(library));
        self
    }

    /// Reverses `{% url %}` names with `resolver` in every engine this
    /// backend builds (an application's route table; without one every
    /// `{% url %}` is a `NoReverseMatch` error).
    pub fn url_resolver(mut self, resolver: Arc<dyn UrlResolver>) -> DtlBackend {
        self.url_resolver = Some(resolver);
        self
    }

    fn registered(&self, name: &str) -> Option<Arc<Library>> {
        self.libraries
            .get(name)
            .cloned()
            .or_else(|| django_library(name))
    }

    fn known(&self) -> String {
        let mut names: Vec<&str> = self
            .libraries
            .keys()
            .map(String::as_str)
            .chain(["cache", "humanize", "i18n", "l10n", "static", "tz"])
            .collect();
        names.sort_unstable();
        names.dedup();
        names.join(", ")
    }
}

/// The options of `platen.dtl` that set Django's format settings.
const FORMAT_OPTIONS: &[&str] = &[
    "use_thousand_separator",
    "decimal_separator",
    "thousand_separator",
    "number_grouping",
    "date_format",
    "datetime_format",
    "time_format",
    "year_month_format",
    "month_day_format",
    "short_date_format",
    "short_datetime_format",
    "first_day_of_week",
];

/// The format settings of an engine's options (Django's defaults for those unset).
fn format_settings(settings: &EngineSettings) -> Result<crate::formats::FormatSettings, Error> {
    use crate::formats::NumberGrouping;
    let mut f = crate::formats::FormatSettings::default();
    if let Some(v) = settings.option("use_thousand_separator")? {
        f.use_thousand_separator = v;
    }
    for (name, slot) in [
        ("decimal_separator", &mut f.decimal_separator),
        ("thousand_separator", &mut f.thousand_separator),
        ("date_format", &mut f.date_format),
        ("datetime_format", &mut f.datetime_format),
        ("time_format", &mut f.time_format),
        ("year_month_format", &mut f.year_month_format),
        ("month_day_format", &mut f.month_day_format),
        ("short_date_format", &mut f.short_date_format),
        ("short_datetime_format", &mut f.short_datetime_format),
    ] {
        if let Some(v) = settings.option::<String>(name)? {
            *slot = v;
        }
    }
    if let Some(g) = settings.option::<NumberGrouping>("number_grouping")? {
        if matches!(&g, NumberGrouping::Sequence(s) if s.is_empty()) {
            return Err(settings.error(
                "options.number_grouping",
                "the grouping list is empty; use a number like 3, or a list like [3, 2, 0]",
            ));
        }
        f.number_grouping = g;
    }
    if let Some(d) = settings.option::<u8>("first_day_of_week")? {
        if d > 6 {
            return Err(settings.error(
                "options.first_day_of_week",
                format!("{d} is not a day of the week; use 0 (Sunday) to 6 (Saturday)"),
            ));
        }
        f.first_day_of_week = d;
    }
    Ok(f)
}

/// A limit option: a positive number, or `"none"` (or `false`) for none;
/// unset, the default.
fn limit_option(settings: &EngineSettings, name: &str, default: u64) -> Result<Option<u64>, Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Limit {
        Number(u64),
        Off(bool),
        Text(String),
    }
    let bad = || {
        settings.error(
            &format!("options.{name}"),
            format!(
                "`{name}` takes a positive number, or \"none\" for no limit (default {default})"
            ),
        )
    };
    match settings.option::<Limit>(name)? {
        None => Ok(Some(default)),
        Some(Limit::Number(0)) => Err(bad()),
        Some(Limit::Number(n)) => Ok(Some(n)),
        Some(Limit::Off(false)) => Ok(None),
        Some(Limit::Text(t)) if t.trim().eq_ignore_ascii_case("none") => Ok(None),
        Some(Limit::Text(t)) => t
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(bad),
        Some(Limit::Off(true)) => Err(bad()),
    }
}

/// The options `fuel` and `max_output_bytes`.
fn render_limits(settings: &EngineSettings) -> Result<RenderLimits, Error> {
    let fuel = limit_option(settings, "fuel", crate::render::budget::DEFAULT_FUEL)?;
    let max = crate::render::budget::DEFAULT_MAX_OUTPUT_BYTES as u64;
    let max_output_bytes = limit_option(settings, "max_output_bytes", max)?
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    Ok(RenderLimits {
        fuel,
        max_output_bytes,
    })
}

impl Backend for DtlBackend {
    fn build(
        &self,
        settings: &EngineSettings,
        env: &BuildEnv<'_>,
    ) -> Result<Arc<dyn Engine>, Error> {
        let mut known = vec![
            "language_code",
            "use_i18n",
            "locale_paths",
            "auto_depends",
            "fuel",
            "max_output_bytes",
        ];
        known.extend_from_slice(FORMAT_OPTIONS);
        settings.deny_unknown_options(&known)?;
        let formats = format_settings(settings)?;
        let language_code: String = settings
            .option("language_code")?
            .unwrap_or_else(|| "en-us".into());
        if language_code.is_empty() {
            return Err(settings.error(
                "options.language_code",
                "the language code is empty; use a code like `en-us` or `de`",
            ));
        }
        let use_i18n: bool = settings.option("use_i18n")?.unwrap_or(true);
        let auto_depends: bool = settings.option("auto_depends")?.unwrap_or(true);
        let limits = render_limits(settings)?;
        let paths: Vec<std::path::PathBuf> = settings.option("locale_paths")?.unwrap_or_default();
        let mut locale_paths = Vec::with_capacity(paths.len());
        for (i, p) in paths.into_iter().enumerate() {
            // Relative paths start at the settings file's directory, as `dirs` do.
            let p = if p.is_absolute() {
                p
            } else {
                env.settings.base_dir.join(p)
            };
            if !p.is_dir() {
                return Err(settings.error(
                    &format!("options.locale_paths.{i}"),
                    format!(
                        "the locale path {} does not exist; create it or fix the path (relative paths start at the settings file's directory)",
                        p.display()
                    ),
                ));
            }
            locale_paths.push(p);
        }
        // Django's own libraries are always loadable, as in a Django project;
        // registered libraries are loadable under their registered names.
        let mut libraries: HashMap<String, Arc<Library>> = [
            "cache",
            "content_cache",
            "humanize",
            "i18n",
            "l10n",
            "static",
            "tz",
        ]
        .into_iter()
        .filter_map(|n| Some((n.to_owned(), django_library(n)?)))
        .collect();
        libraries.extend(self.libraries.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (name, lib) in &settings.options.libraries {
            let Some(l) = self.registered(lib).or_else(|| self.registered(name)) else {
                return Err(settings.error(
                    &format!("options.libraries.{name}"),
                    format!("unknown template library `{lib}`; known: {}", self.known()),
                ));
            };
            libraries.insert(name.clone(), l);
        }
        let mut builtins = Vec::new();
        for (i, lib) in settings.options.builtins.iter().enumerate() {
            match libraries.get(lib).cloned().or_else(|| self.registered(lib)) {
                Some(l) => builtins.push(l),
                None => {
                    return Err(settings.error(
                        &format!("options.builtins.{i}"),
                        format!("unknown template library `{lib}`"),
                    ));
                }
            }
        }
        let options = DtlOptions {
            name: settings.name.clone(),
            autoescape: settings.options.autoescape,
            debug: env.debug,
            string_if_invalid: settings.options.string_if_invalid.clone(),
            libraries,
            builtins,
            url_resolver: self.url_resolver.clone(),
            language_code,
            use_i18n,
            locale_paths,
            formats,
            caches: env.caches.clone(),
            auto_depends,
            limits,
        };
        let engine = DtlEngine::try_new(LoaderChain::new(env.loaders.clone()), options)
            .map_err(|e| settings.error("options.locale_paths", e.to_string()))?;
        Ok(Arc::new(engine))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use platen_core::{Context, Engine, LoaderChain};
    use platen_loaders::{CachedLoader, LocmemLoader};

    use super::{DtlEngine, DtlOptions};

    /// A template taken from the cache renders, includes and all, after every
    /// other handle on its engine is gone: it holds what it needs.
    #[test]
    fn a_template_outlives_its_engine_handle() {
        let templates = LocmemLoader::new([
            ("page.html", "<p>{% include 'part.html' %}</p>"),
            ("part.html", "{{ who }}"),
        ]);
        let cached = CachedLoader::new(vec![Arc::new(templates)]);
        let engine = DtlEngine::new(
            LoaderChain::new(vec![Arc::new(cached)]),
            DtlOptions::default(),
        );
        let page = engine.get_template("page.html").expect("found");
        drop(engine);
        let ctx: Context = [("who".to_owned(), platen_core::Value::from("you"))]
            .into_iter()
            .collect();
        assert_eq!(page.render(&ctx, None).expect("renders"), "<p>you</p>");
    }
}
