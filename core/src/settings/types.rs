//! The settings types: [`Settings`], its engines ([`EngineSettings`],
//! [`EngineOptions`]), applications ([`App`]) and loader entries
//! ([`LoaderSpec`]), with the keys platen knows.

use super::*;

/// The keys of the top level of the settings.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "debug",
    "profile",
    "profiles",
    "apps",
    "static_url",
    "templates",
    "caches",
];

/// The keys of one `[[templates]]` entry.
pub const ENGINE_KEYS: &[&str] = &["backend", "name", "dirs", "app_dirs", "options"];

/// The options every engine entry understands.
pub const COMMON_OPTIONS: &[&str] = &[
    "autoescape",
    "debug",
    "string_if_invalid",
    "file_charset",
    "context_processors",
    "loaders",
    "libraries",
    "builtins",
];

/// The default of `static_url`.
pub const DEFAULT_STATIC_URL: &str = "static/";

/// The whole settings: the global keys and the engines, in order.
#[derive(Clone)]
pub struct Settings {
    /// Django's `DEBUG`: debug pages and, by default, template auto-reload.
    pub debug: bool,
    /// The active profile, if any.
    pub profile: Option<String>,
    /// The applications whose `templates/` directories `app_dirs` searches, in order.
    pub apps: Vec<App>,
    /// The URL prefix of static files (Django's `STATIC_URL`).
    pub static_url: String,
    /// The engines, in the order they are tried.
    pub templates: Vec<EngineSettings>,
    /// The fragment caches by alias (Django's `CACHES`); empty means one
    /// in-memory `default`.
    pub caches: BTreeMap<String, CacheSettings>,
    /// The directory relative paths resolve against.
    pub base_dir: PathBuf,
    /// The settings file, when one was read.
    pub file: Option<PathBuf>,
    pub(super) meta: Option<Arc<MetaLookup>>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("debug", &self.debug)
            .field("profile", &self.profile)
            .field("apps", &self.apps)
            .field("static_url", &self.static_url)
            .field("templates", &self.templates)
            .field("caches", &self.caches)
            .field("file", &self.file)
            .finish()
    }
}

/// One application: a name and its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The app's name: its `name`, or the string it was given as.
    pub name: String,
    /// The app's directory; its templates are in `<path>/templates`.
    pub path: PathBuf,
}

/// One `[[templates]]` entry.
#[derive(Clone)]
pub struct EngineSettings {
    /// The position in the list.
    pub index: usize,
    /// The registered backend name (`platen.dtl`, `platen.tera`, ...).
    pub backend: String,
    /// The engine's unique name (default: see [`default_engine_name`]).
    pub name: String,
    /// Template directories, in order, resolved to absolute paths.
    pub dirs: Vec<PathBuf>,
    /// Whether to search `<app>/templates` of each app (Django's `APP_DIRS`).
    pub app_dirs: bool,
    /// The options.
    pub options: EngineOptions,
    pub(super) raw: FigValue,
    pub(super) meta: Arc<MetaLookup>,
}

impl fmt::Debug for EngineSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineSettings")
            .field("index", &self.index)
            .field("backend", &self.backend)
            .field("name", &self.name)
            .field("dirs", &self.dirs)
            .field("app_dirs", &self.app_dirs)
            .field("options", &self.options)
            .finish()
    }
}

/// The `options` of an engine entry: the common keys, typed, and the
/// engine-specific rest.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Escape variable output by default (default `true`).
    pub autoescape: bool,
    /// Template debug mode; `None` follows the global `debug`.
    pub debug: Option<bool>,
    /// What an invalid variable renders as (default empty).
    pub string_if_invalid: String,
    /// The encoding of template files (`utf-8`, the default, or `latin-1`).
    pub file_charset: String,
    /// Context processors run per request, by registered name.
    pub context_processors: Vec<String>,
    /// The loader chain; `None` means the default chain.
    pub loaders: Option<Vec<LoaderSpec>>,
    /// Extra tag libraries: the name `{% load %}` uses -> the registered library.
    pub libraries: BTreeMap<String, String>,
    /// Libraries loaded into every template, by registered name.
    pub builtins: Vec<String>,
    /// Every other option, for the engine to read ([`EngineSettings::option`]).
    pub extra: Dict,
}

/// One entry of `options.loaders`: a loader name, or a table with the name
/// in `loader` and the loader's arguments.
#[derive(Debug, Clone)]
pub struct LoaderSpec {
    /// The registered loader name (`platen.loaders.filesystem`).
    pub loader: String,
    /// Inner loaders (for a loader that wraps others, such as
    /// `platen.loaders.cached`).
    pub loaders: Option<Vec<LoaderSpec>>,
    /// Directories (for `platen.loaders.filesystem`), resolved to absolute paths.
    pub dirs: Option<Vec<PathBuf>>,
    /// Templates by name (for `platen.loaders.locmem`).
    pub templates: Option<BTreeMap<String, String>>,
    /// Any other argument.
    pub extra: Dict,
    /// The settings key of this entry (`templates[0].options.loaders[1]`).
    pub key: String,
    /// Where the entry came from.
    pub source: Option<String>,
    /// The list argument of Django's pair form (`["name", [...]]`), not yet
    /// read: whether it lists inner loaders or directories depends on the
    /// loader, which only the [`Registry`](crate::Registry) knows
    /// ([`Registry::register_wrapping_loader`](crate::Registry::register_wrapping_loader)).
    /// The registry reads it ([`LoaderSpec::with_pair_list`]) before it
    /// builds the loader, so a factory never sees it set.
    pub pair_list: Option<PairList>,
}

/// The list argument of a loader pair (`["name", [...]]`), kept as written
/// until the registry says whether the loader wraps others.
#[derive(Debug, Clone)]
pub struct PairList {
    /// The list as written.
    pub(super) value: FigValue,
    /// Its path inside the engine entry (`options.loaders.0.1`).
    pub(super) sub: String,
}

impl EngineSettings {
    /// The debug mode of this engine: `options.debug`, else the global `debug`.
    pub fn debug(&self, settings: &Settings) -> bool {
        self.options.debug.unwrap_or(settings.debug)
    }

    /// The settings key of this entry, or of `sub` inside it (`templates[1].options.x`).
    pub fn key(&self, sub: &str) -> String {
        format_key(&format!("templates.{}.{sub}", self.index))
    }

    /// Where the value at `sub` (a dotted path inside the entry, `""` for the
    /// entry itself) came from: the settings file's absolute path (with its
    /// profile section, if any) or the environment variable. When `sub` is
    /// not set, the source of the closest enclosing value.
    pub fn source_of(&self, sub: &str) -> Option<String> {
        let parts: Vec<&str> = sub.split('.').filter(|p| !p.is_empty()).collect();
        let value = descend(&self.raw, &parts);
        self.meta.describe(value.tag())
    }

    /// An error about `sub` in this entry, naming the key and its source.
    pub fn error(&self, sub: &str, detail: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::bad_setting(self.key(sub), self.source_of(sub), detail)
    }

    /// Reads the engine-specific option `name` as a `T`; `None` when unset.
    ///
    /// A value set by an environment variable is also accepted in the other
    /// forms a variable can spell it: `"yes"`/`"on"`/`"1"` for a boolean,
    /// `8080` for a string.
    pub fn option<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let Some(value) = self.options.extra.get(name) else {
            return Ok(None);
        };
        match value.deserialize::<T>() {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                if self.meta.is_env(value.tag()) {
                    for relaxed in relaxed_forms(value) {
                        if let Ok(v) = relaxed.deserialize::<T>() {
                            return Ok(Some(v));
                        }
                    }
                }
                Err(self.error(
                    &format!("options.{name}"),
                    describe_kind(&e.kind, self.meta.is_env(value.tag())),
                ))
            }
        }
    }

    /// Fails on the first engine-specific option not in `known`, suggesting
    /// the closest known name and listing the valid ones.
    pub fn deny_unknown_options(&self, known: &[&str]) -> Result<()> {
        for key in self.options.extra.keys() {
            if !known.contains(&key.as_str()) {
                let mut detail = format!("unknown option `{key}` for backend `{}`", self.backend);
                let mut all: Vec<&str> = COMMON_OPTIONS.to_vec();
                all.extend_from_slice(known);
                detail.push_str(&crate::closest::did_you_mean(key, &all));
                if known.is_empty() {
                    detail.push_str(&format!(
                        "; it takes only the common options: {}",
                        COMMON_OPTIONS.join(", ")
                    ));
                } else {
                    detail.push_str(&format!(
                        "; its own options are: {}; every engine also takes: {}",
                        known.join(", "),
                        COMMON_OPTIONS.join(", ")
                    ));
                }
                return Err(self.error(&format!("options.{key}"), detail));
            }
        }
        Ok(())
    }
}

/// The deepest value along `parts` (dict keys or list positions) inside `value`.
pub(super) fn descend<'a>(mut value: &'a FigValue, parts: &[&str]) -> &'a FigValue {
    for part in parts {
        let next = match value {
            FigValue::Dict(_, d) => d.get(*part),
            FigValue::Array(_, a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => value = v,
            None => break,
        }
    }
    value
}

/// The closest candidate by edit distance (ignoring case); moved to
/// [`crate::closest`], kept here for existing callers.
pub use crate::closest::closest;

/// The name an engine gets when its entry has no `name`: the backend's last
/// dotted segment (`platen.handlebars` -> `handlebars`), or, for a Python
/// class path whose last segment is a class name, the module before it, as
/// Django does (`django.template.backends.django.DjangoTemplates` -> `django`).
pub fn default_engine_name(backend: &str) -> String {
    let mut parts = backend.rsplit('.');
    let last = parts.next().unwrap_or(backend);
    match parts.next() {
        Some(module) if last.starts_with(|c: char| c.is_ascii_uppercase()) => module.to_owned(),
        _ => last.to_owned(),
    }
}

impl Default for Settings {
    /// No engines, `debug` off, paths relative to the current directory.
    fn default() -> Settings {
        Settings {
            debug: false,
            profile: None,
            apps: Vec::new(),
            static_url: default_static_url(),
            templates: Vec::new(),
            caches: BTreeMap::new(),
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            file: None,
            meta: None,
        }
    }
}
