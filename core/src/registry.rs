//! Backends and loaders registered by name, and building [`Engines`] from
//! [`Settings`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use crate::cache::{
    CacheBackend, Caches, DummyBackend, FragmentCache, MemoryBackend, MemoryLimits, Ttl,
};
use crate::closest::did_you_mean;
use crate::engine::Engine;
use crate::engines::Engines;
use crate::error::{Error, ErrorKind, Result};
use crate::loader::Loader;
use crate::settings::{CacheSettings, EngineSettings, LoaderSpec, Settings};

/// Builds an engine from one settings entry (Django's backend class).
pub trait Backend: Send + Sync {
    /// Builds the engine. `env.loaders` is the entry's loader chain, ready.
    fn build(&self, settings: &EngineSettings, env: &BuildEnv<'_>) -> Result<Arc<dyn Engine>>;
}

impl<F> Backend for F
where
    F: Fn(&EngineSettings, &BuildEnv<'_>) -> Result<Arc<dyn Engine>> + Send + Sync,
{
    fn build(&self, settings: &EngineSettings, env: &BuildEnv<'_>) -> Result<Arc<dyn Engine>> {
        self(settings, env)
    }
}

/// What a backend gets besides its own entry.
pub struct BuildEnv<'a> {
    /// The whole settings.
    pub settings: &'a Settings,
    /// The entry's loader chain, built from `options.loaders` or the default.
    pub loaders: Vec<Arc<dyn Loader>>,
    /// Whether the engine runs in debug mode.
    pub debug: bool,
    /// The registry (for backends that look up more by name).
    pub registry: &'a Registry,
    /// The fragment caches of the settings, shared by every engine.
    pub caches: Caches,
}

/// Builds a fragment cache backend from one `[caches.<alias>]` table.
pub trait CacheFactory: Send + Sync {
    /// Builds the backend described by `settings`.
    fn build(&self, settings: &CacheSettings) -> Result<Arc<dyn CacheBackend>>;
}

impl<F> CacheFactory for F
where
    F: Fn(&CacheSettings) -> Result<Arc<dyn CacheBackend>> + Send + Sync,
{
    fn build(&self, settings: &CacheSettings) -> Result<Arc<dyn CacheBackend>> {
        self(settings)
    }
}

/// The name of the built-in in-memory cache backend.
pub const MEMORY_CACHE: &str = "memory";
/// The name of the built-in backend that caches nothing.
pub const DUMMY_CACHE: &str = "dummy";

/// Builds a loader from one `options.loaders` entry.
pub trait LoaderFactory: Send + Sync {
    /// Builds the loader described by `spec`.
    fn build(&self, spec: &LoaderSpec, env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>>;
}

impl<F> LoaderFactory for F
where
    F: Fn(&LoaderSpec, &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> + Send + Sync,
{
    fn build(&self, spec: &LoaderSpec, env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> {
        self(spec, env)
    }
}

/// What a loader factory gets besides its own entry.
pub struct LoaderEnv<'a> {
    /// The engine entry the loader serves.
    pub engine: &'a EngineSettings,
    /// The whole settings.
    pub settings: &'a Settings,
    /// The registry, to build inner loaders.
    pub registry: &'a Registry,
    /// Whether caches must notice edited files (debug mode).
    pub auto_reload: bool,
}

impl LoaderEnv<'_> {
    /// Builds a loader by its spec through the registry (used by wrapping loaders).
    pub fn build(&self, spec: &LoaderSpec) -> Result<Arc<dyn Loader>> {
        self.registry.build_loader(spec, self)
    }
}

/// The name of the filesystem loader, used by the default chain.
pub const FILESYSTEM_LOADER: &str = "platen.loaders.filesystem";
/// The name of the app directories loader, used by the default chain.
pub const APP_DIRECTORIES_LOADER: &str = "platen.loaders.app_directories";
/// The name of the cached loader, which wraps the default chain.
pub const CACHED_LOADER: &str = "platen.loaders.cached";

/// Backends and loaders by name.
#[derive(Default, Clone)]
pub struct Registry {
    backends: BTreeMap<String, Arc<dyn Backend>>,
    loaders: BTreeMap<String, Arc<dyn LoaderFactory>>,
    /// The loaders that wrap others (take child `loaders`).
    wrapping: BTreeSet<String>,
    aliases: BTreeMap<String, String>,
    caches: BTreeMap<String, Arc<dyn CacheFactory>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("backends", &self.backends.keys().collect::<Vec<_>>())
            .field("loaders", &self.loaders.keys().collect::<Vec<_>>())
            .field("caches", &self.caches.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers (or replaces) the backend `name`.
    pub fn register_backend(
        &mut self,
        name: &str,
        backend: impl Backend + 'static,
    ) -> &mut Registry {
        self.backends.insert(name.to_owned(), Arc::new(backend));
        self
    }

    /// Registers (or replaces) the loader `name`.
    pub fn register_loader(
        &mut self,
        name: &str,
        factory: impl LoaderFactory + 'static,
    ) -> &mut Registry {
        self.loaders.insert(name.to_owned(), Arc::new(factory));
        self.wrapping.remove(name);
        self
    }

    /// Registers (or replaces) the loader `name`, declaring that it wraps
    /// other loaders (as `platen.loaders.cached` does): its entry takes child
    /// `loaders`, and in Django's pair form (`["name", [...]]`) the list is
    /// read as loaders, where for other loaders it is a list of directories.
    pub fn register_wrapping_loader(
        &mut self,
        name: &str,
        factory: impl LoaderFactory + 'static,
    ) -> &mut Registry {
        self.register_loader(name, factory);
        self.wrapping.insert(name.to_owned());
        self
    }

    /// Whether the loader `name` (or the loader it is an alias of) was
    /// registered as wrapping others ([`Registry::register_wrapping_loader`]).
    pub fn wraps_loaders(&self, name: &str) -> bool {
        self.wrapping.contains(self.resolve(name))
    }

    /// Lets settings name a registered loader or backend by another name
    /// (`django.template.loaders.filesystem.Loader`).
    pub fn register_alias(&mut self, alias: &str, name: &str) -> &mut Registry {
        self.aliases.insert(alias.to_owned(), name.to_owned());
        self
    }

    /// Registers (or replaces) the fragment cache backend `name` (`redis`).
    /// `memory` is built in.
    pub fn register_cache(
        &mut self,
        name: &str,
        factory: impl CacheFactory + 'static,
    ) -> &mut Registry {
        self.caches.insert(name.to_owned(), Arc::new(factory));
        self
    }

    /// The fragment cache backend names: `memory`, `dummy` and the registered ones.
    pub fn cache_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.caches.keys().map(String::as_str).collect();
        for builtin in [MEMORY_CACHE, DUMMY_CACHE] {
            if !names.contains(&builtin) {
                names.push(builtin);
            }
        }
        names.sort_unstable();
        names
    }

    /// Builds every fragment cache of `settings` (an in-memory `default`
    /// when they name none).
    pub fn build_caches(&self, settings: &Settings) -> Result<Caches> {
        let mut caches = Vec::with_capacity(settings.caches.len());
        for cache in settings.caches.values() {
            caches.push(self.build_cache(cache)?);
        }
        Ok(Caches::new(caches))
    }

    /// Builds one fragment cache from its table.
    pub fn build_cache(&self, settings: &CacheSettings) -> Result<FragmentCache> {
        let name = match self.resolve(&settings.backend) {
            // Django's names for the built-in backends.
            "django.core.cache.backends.locmem.LocMemCache" => MEMORY_CACHE,
            "django.core.cache.backends.dummy.DummyCache" => DUMMY_CACHE,
            other => other,
        };
        let backend: Arc<dyn CacheBackend> = match self.caches.get(name) {
            Some(factory) => factory.build(settings)?,
            None if name == MEMORY_CACHE => Arc::new(MemoryBackend::new(MemoryLimits {
                max_entries: settings.max_entries,
                max_bytes: settings.max_bytes,
            })),
            None if name == DUMMY_CACHE => Arc::new(DummyBackend::default()),
            None => {
                let names = self.cache_names();
                let mut detail = format!("unknown cache backend `{}`", settings.backend);
                detail.push_str(&did_you_mean(&settings.backend, &names));
                detail.push_str(&format!(
                    "; registered cache backends: {}",
                    names.join(", ")
                ));
                if settings.backend == "redis" {
                    detail.push_str(" (the `redis` backend comes with platen's `redis` feature)");
                }
                return Err(settings.error("backend", detail));
            }
        };
        let timeout = match settings.timeout {
            Some(s) => Ttl::Seconds(s),
            None => Ttl::Forever,
        };
        Ok(FragmentCache::new(
            settings.alias.clone(),
            backend,
            settings.key_prefix.clone(),
            settings.version,
            timeout,
        ))
    }

    /// The registered backend names.
    pub fn backend_names(&self) -> Vec<&str> {
        self.backends.keys().map(String::as_str).collect()
    }

    /// The registered loader names.
    pub fn loader_names(&self) -> Vec<&str> {
        self.loaders.keys().map(String::as_str).collect()
    }

    fn resolve<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map_or(name, String::as_str)
    }

    /// Builds every engine of `settings`, in order, sharing the settings'
    /// fragment caches ([`Registry::build_caches`]).
    pub fn build_engines(&self, settings: &Settings) -> Result<Engines> {
        let caches = self.build_caches(settings)?;
        let mut engines = Vec::with_capacity(settings.templates.len());
        for entry in &settings.templates {
            engines.push(self.build_engine_with(entry, settings, caches.clone())?);
        }
        Ok(Engines::new(engines)?.with_caches(caches))
    }

    /// Builds one engine from its entry, with fragment caches of its own.
    pub fn build_engine(
        &self,
        entry: &EngineSettings,
        settings: &Settings,
    ) -> Result<Arc<dyn Engine>> {
        let caches = self.build_caches(settings)?;
        self.build_engine_with(entry, settings, caches)
    }

    /// Builds one engine from its entry, using `caches` for its fragments.
    pub fn build_engine_with(
        &self,
        entry: &EngineSettings,
        settings: &Settings,
        caches: Caches,
    ) -> Result<Arc<dyn Engine>> {
        let name = self.resolve(&entry.backend);
        let Some(backend) = self.backends.get(name) else {
            return Err(unknown(
                "backend",
                &entry.backend,
                &self.backend_names(),
                entry,
                "backend",
            ));
        };
        let debug = entry.debug(settings);
        let loaders = self.build_loaders(entry, settings)?;
        let env = BuildEnv {
            settings,
            loaders,
            debug,
            registry: self,
            caches,
        };
        backend.build(entry, &env)
    }

    /// Builds the loader chain of an entry: `options.loaders` when set, else
    /// Django's default, filesystem (+ app_directories when `app_dirs`)
    /// wrapped in the cached loader.
    pub fn build_loaders(
        &self,
        entry: &EngineSettings,
        settings: &Settings,
    ) -> Result<Vec<Arc<dyn Loader>>> {
        let env = LoaderEnv {
            engine: entry,
            settings,
            registry: self,
            auto_reload: entry.debug(settings),
        };
        let specs = match &entry.options.loaders {
            Some(specs) => {
                if entry.app_dirs {
                    return Err(entry.error(
                        "app_dirs",
                        "`app_dirs` must not be set when `options.loaders` is set; add \
                         platen.loaders.app_directories to the loaders instead",
                    ));
                }
                specs.clone()
            }
            None => {
                let mut inner = vec![plain_spec(FILESYSTEM_LOADER, entry, "dirs")];
                if entry.app_dirs {
                    inner.push(plain_spec(APP_DIRECTORIES_LOADER, entry, "app_dirs"));
                }
                let mut cached = plain_spec(CACHED_LOADER, entry, "backend");
                cached.loaders = Some(inner);
                vec![cached]
            }
        };
        specs
            .iter()
            .map(|spec| self.build_loader(spec, &env))
            .collect()
    }

    /// Builds one loader by its spec.
    pub fn build_loader(&self, spec: &LoaderSpec, env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> {
        let name = self.resolve(&spec.loader);
        match self.loaders.get(name) {
            Some(factory) => {
                let spec = spec.with_pair_list(
                    self.wrapping.contains(name),
                    env.engine,
                    &env.settings.base_dir,
                )?;
                factory.build(&spec, env)
            }
            None => {
                let mut detail = format!("unknown loader `{}`", spec.loader);
                let names = self.loader_names();
                detail.push_str(&did_you_mean(&spec.loader, &names));
                detail.push_str(&format!("; registered loaders: {}", names.join(", ")));
                Err(Error::bad_setting(
                    spec.key.clone(),
                    spec.source.clone(),
                    detail,
                ))
            }
        }
    }
}

fn plain_spec(loader: &str, entry: &EngineSettings, sub: &str) -> LoaderSpec {
    LoaderSpec {
        loader: loader.to_owned(),
        loaders: None,
        dirs: None,
        templates: None,
        extra: Default::default(),
        key: entry.key(sub),
        source: entry.source_of(sub),
        pair_list: None,
    }
}

fn unknown(what: &str, name: &str, known: &[&str], entry: &EngineSettings, sub: &str) -> Error {
    let mut detail = format!("unknown {what} `{name}`");
    detail.push_str(&did_you_mean(name, known));
    detail.push_str(&format!("; registered: {}", known.join(", ")));
    let err = entry.error(sub, detail);
    debug_assert_eq!(err.kind(), ErrorKind::BadSettings);
    err
}
