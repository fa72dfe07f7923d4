//! The settings file: Django's `TEMPLATES`, layered with figment.
//!
//! Layers, each over the one before: built-in defaults < the settings file
//! (`platen.toml`, or `.yaml`/`.yml`/`.json`) < the file's
//! `[profiles.<name>]` section for the active profile < environment
//! variables.
//!
//! ```toml
//! debug = false
//! apps = ["blog", "shop"]
//!
//! [[templates]]
//! backend = "platen.handlebars"
//! name = "hbs"
//! dirs = ["templates/hbs"]
//! options = { strict_mode = true }
//!
//! [profiles.dev]
//! debug = true
//! ```
//!
//! # Environment variables
//!
//! Every variable whose name starts with `PLATEN_` (except
//! `PLATEN_SETTINGS`, which names the settings file for the `platen`
//! command) sets one key; `__` separates the parts of a nested key, and the
//! parts are case-insensitive:
//!
//! - `PLATEN_DEBUG=true`, `PLATEN_STATIC_URL=/assets/`, `PLATEN_APPS=[blog,shop]`;
//! - `PLATEN_PROFILE=dev` picks the profile section (empty: none);
//! - `PLATEN_TEMPLATES__<engine>__<key>[__<subkey>...]=value` changes one key
//!   of one engine entry, named by its position (`0`) or its `name`
//!   (`PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE=false`,
//!   `PLATEN_TEMPLATES__0__DIRS=[a,b]`); a position also picks one item of a
//!   list (`PLATEN_TEMPLATES__0__DIRS__1=other`);
//! - `PLATEN_TEMPLATES=[{backend="platen.tera",dirs=["t"]}]` replaces the list.
//!
//! A key platen knows to be a string (`static_url`, `backend`, `name`,
//! `dirs` items, ...) takes the value verbatim; a boolean key takes
//! `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`); any other value
//! is read as a TOML-like literal: `3`, `[a, b]`, `{k=v}`, `"quoted"`,
//! otherwise a string. An unknown `PLATEN_` variable is an error, as an
//! unknown key in the file is.
//!
//! Relative paths (wherever they come from) resolve against the settings
//! file's directory. Every error names the key and the file (with its
//! profile section) or the variable the value came from.
//!
//! `docs/settings.md` is the full reference: every key, the loader entry
//! forms (`"platen.loaders.filesystem"`, `{ loader = "...", ... }`, Django's
//! `["name", argument]`) and the default loader chain.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use figment::providers::{Format, Json, Toml, Yaml};
use figment::value::{Dict, Num, Tag, Value as FigValue};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};

/// The environment variable prefix.
pub const ENV_PREFIX: &str = "PLATEN_";

/// Variables with the [`ENV_PREFIX`] that are not settings and are ignored:
/// `PLATEN_SETTINGS` names the settings file for the `platen` command.
pub const ENV_NOT_SETTINGS: &[&str] = &["PLATEN_SETTINGS"];

/// The keys of the top level of the settings.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "debug",
    "profile",
    "profiles",
    "apps",
    "static_url",
    "templates",
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

/// Django's loader names for the cached loader, whose tuple form
/// (`["...cached.Loader", [inner loaders]]`) takes a list of loaders.
const CACHED_NAMES: &[&str] = &[
    "platen.loaders.cached",
    "django.template.loaders.cached.Loader",
];

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
    /// The directory relative paths resolve against.
    pub base_dir: PathBuf,
    /// The settings file, when one was read.
    pub file: Option<PathBuf>,
    meta: Option<Arc<MetaLookup>>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("debug", &self.debug)
            .field("profile", &self.profile)
            .field("apps", &self.apps)
            .field("static_url", &self.static_url)
            .field("templates", &self.templates)
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
    raw: FigValue,
    meta: Arc<MetaLookup>,
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
    /// Inner loaders (for `platen.loaders.cached`).
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
fn descend<'a>(mut value: &'a FigValue, parts: &[&str]) -> &'a FigValue {
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

/// The other readings of a scalar an environment variable set.
fn relaxed_forms(value: &FigValue) -> Vec<FigValue> {
    let tag = value.tag();
    let mut out = Vec::new();
    if let Some(b) = value.to_bool_lossy() {
        out.push(FigValue::Bool(tag, b));
    }
    if let Some(n) = value.to_num_lossy() {
        out.push(FigValue::Num(tag, n));
    }
    if let Some(text) = scalar_text(value) {
        out.push(FigValue::String(tag, text));
    }
    out
}

/// The text of a scalar value (as an environment variable would spell it).
fn scalar_text(value: &FigValue) -> Option<String> {
    match value {
        FigValue::String(_, s) => Some(s.clone()),
        FigValue::Char(_, c) => Some(c.to_string()),
        FigValue::Bool(_, b) => Some(b.to_string()),
        FigValue::Num(_, n) => Some(num_text(*n)),
        _ => None,
    }
}

fn num_text(n: Num) -> String {
    if let Some(i) = n.to_i128() {
        i.to_string()
    } else if let Some(u) = n.to_u128() {
        u.to_string()
    } else {
        n.to_f64().map_or_else(String::new, |f| f.to_string())
    }
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

/// Finds the source (file or variable) of a tagged figment value.
struct MetaLookup {
    figment: Figment,
}

impl MetaLookup {
    fn describe(&self, tag: Tag) -> Option<String> {
        Some(describe_metadata(self.figment.get_metadata(tag)?, &[]))
    }

    fn is_env(&self, tag: Tag) -> bool {
        self.figment
            .get_metadata(tag)
            .is_some_and(|m| m.name.contains("environment variable"))
    }
}

/// The metadata name of the layer one environment variable makes.
fn env_layer_name(var: &str) -> String {
    format!("environment variable {var}")
}

/// Says where a value came from: the file (and profile section), the
/// environment variable, the built-in defaults, or the provider's name.
fn describe_metadata(meta: &Metadata, key: &[&str]) -> String {
    let name: &str = &meta.name;
    if name.starts_with("environment variable ") {
        // One of our own layers: one variable each.
        return name.to_owned();
    }
    match &meta.source {
        Some(Source::File(path)) if name.starts_with("[profiles.") => {
            format!("{}, section {name}", path.display())
        }
        Some(Source::File(path)) => path.display().to_string(),
        _ if name.contains("environment variable") => {
            // figment's own `Env` provider, added by an application.
            let var = meta
                .interpolate(&Profile::Default, key)
                .replace('.', "__")
                .to_ascii_uppercase();
            if key.is_empty() {
                name.to_owned()
            } else if var.starts_with(ENV_PREFIX) {
                format!("environment variable {var}")
            } else {
                format!("environment variable {ENV_PREFIX}{var}")
            }
        }
        _ => name.to_owned(),
    }
}

// The typed shapes read by figment. `apps`, `profiles` and
// `options.loaders` are read from the tagged values instead, so their
// errors can say exactly what is wrong and where.

#[derive(Deserialize)]
#[serde(expecting = "a table of settings")]
struct RawSettings {
    #[serde(default)]
    debug: bool,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default = "default_static_url")]
    static_url: String,
    #[serde(default)]
    templates: Vec<RawEngine>,
}

fn default_static_url() -> String {
    DEFAULT_STATIC_URL.into()
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an engine table such as { backend = \"platen.dtl\" }"
)]
struct RawEngine {
    backend: String,
    name: Option<String>,
    #[serde(default)]
    dirs: Vec<PathBuf>,
    #[serde(default)]
    app_dirs: bool,
    #[serde(default)]
    options: RawOptions,
}

#[derive(Deserialize)]
#[serde(expecting = "a table of options")]
struct RawOptions {
    #[serde(default = "yes")]
    autoescape: bool,
    debug: Option<bool>,
    #[serde(default)]
    string_if_invalid: String,
    #[serde(default = "utf8")]
    file_charset: String,
    #[serde(default)]
    context_processors: Vec<String>,
    #[serde(default)]
    libraries: BTreeMap<String, String>,
    #[serde(default)]
    builtins: Vec<String>,
}

impl Default for RawOptions {
    fn default() -> RawOptions {
        RawOptions {
            autoescape: true,
            debug: None,
            string_if_invalid: String::new(),
            file_charset: utf8(),
            context_processors: Vec::new(),
            libraries: BTreeMap::new(),
            builtins: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

fn utf8() -> String {
    "utf-8".into()
}

/// A provider of one layer of already-tagged values: the built-in defaults,
/// the active profile section, or one environment variable. Values taken
/// from lower layers keep their tags, so errors still name their source.
struct Layer {
    meta: Metadata,
    data: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.meta.clone()
    }

    fn data(&self) -> std::result::Result<figment::value::Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.data.clone()))
    }
}

/// One `PLATEN_` variable: its name, its key path (lowercased) and value.
struct EnvVar {
    name: String,
    path: Vec<String>,
    raw: String,
}

impl Settings {
    /// Reads the settings file at `path` (which must exist), with the profile
    /// section and environment variables over it. Relative paths resolve
    /// against the file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Settings> {
        let path = settings_path(path.as_ref())?;
        let base = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Settings::from_figment(Settings::figment(Some(&path))?, &base, Some(path))
    }

    /// The built-in defaults with environment variables over them, for a
    /// program run without a settings file. Relative paths resolve against
    /// the current directory.
    pub fn from_env() -> Result<Settings> {
        let base = std::env::current_dir()?;
        Settings::from_figment(Settings::figment(None)?, &base, None)
    }

    /// The layered figment: defaults < file < profile section < environment.
    ///
    /// Applications can merge providers of their own over it (values set in
    /// code) and pass it to [`Settings::from_figment`]; keys of their own
    /// must be named to [`Settings::from_figment_allowing`].
    pub fn figment(file: Option<&Path>) -> Result<Figment> {
        let mut base = Figment::from(Layer {
            meta: Metadata::named("built-in defaults"),
            data: defaults(),
        });
        let file = match file {
            Some(path) => {
                let path = settings_path(path)?;
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                base = match ext.as_deref() {
                    Some("yaml" | "yml") => base.merge(Yaml::file_exact(&path)),
                    Some("json") => base.merge(Json::file_exact(&path)),
                    None | Some("toml") => base.merge(Toml::file_exact(&path)),
                    Some(other) => {
                        return Err(Error::new(
                            ErrorKind::BadSettings,
                            format!(
                                "cannot read the settings file {}: unknown format `.{other}` \
                                 (use .toml, .yaml, .yml or .json)",
                                path.display()
                            ),
                        ));
                    }
                };
                Some(path)
            }
            None => None,
        };
        // A file that does not parse is reported now, before anything is read from it.
        if let Err(e) = base.find_value("") {
            return Err(figment_error(e));
        }
        let vars = env_vars()?;

        // The profile may be chosen by the file or by the environment, so the
        // variables that choose or change profiles come first. A profile
        // section sets neither `profile` nor `profiles`, so these variables
        // still have the last word.
        let (profile_vars, other_vars): (Vec<&EnvVar>, Vec<&EnvVar>) = vars
            .iter()
            .partition(|v| v.path[0] == "profile" || v.path[0] == "profiles");
        let mut figment = base;
        for var in profile_vars {
            figment = apply_env_var(figment, var)?;
        }
        let probe = figment.clone();
        let profile = match probe.find_value("profile") {
            Ok(FigValue::String(_, p)) if !p.is_empty() => Some(p),
            // Any other type is reported by `from_figment`.
            _ => None,
        };
        if let Some(profile) = profile {
            let source = probe
                .find_metadata("profile")
                .map(|m| describe_metadata(m, &["profile"]));
            let sections = match probe.find_value("profiles") {
                Ok(FigValue::Dict(_, d)) => d,
                _ => Dict::new(),
            };
            match sections.get(&profile) {
                Some(FigValue::Dict(_, section)) => {
                    let data = section
                        .iter()
                        .map(|(k, v)| (k.clone(), untag_file_values(v, &probe)))
                        .collect();
                    let mut meta = Metadata::named(format!("[profiles.{profile}]"));
                    if let Some(path) = &file {
                        meta = meta.source(Source::File(path.clone()));
                    }
                    figment = figment.merge(Layer { meta, data });
                }
                Some(other) => {
                    let source = probe
                        .get_metadata(other.tag())
                        .map(|m| describe_metadata(m, &[]));
                    return Err(Error::bad_setting(
                        format!("profiles.{profile}"),
                        source,
                        "a profile section must be a table of settings, such as `[profiles.dev]` with `debug = true`",
                    ));
                }
                None => {
                    let names: Vec<&str> = sections.keys().map(String::as_str).collect();
                    let mut detail = format!("there is no profile `{profile}`");
                    detail.push_str(&crate::closest::did_you_mean(&profile, &names));
                    if names.is_empty() {
                        detail.push_str(&format!(
                            "; the settings have no profiles: add a `[profiles.{profile}]` section to the settings file"
                        ));
                    } else {
                        detail.push_str(&format!(
                            "; the profiles are: {}; or add a `[profiles.{profile}]` section",
                            names.join(", ")
                        ));
                    }
                    return Err(Error::bad_setting("profile", source, detail));
                }
            }
        }
        for var in other_vars {
            figment = apply_env_var(figment, var)?;
        }
        Ok(figment)
    }

    /// Reads settings from a prepared figment; relative paths resolve against `base_dir`.
    pub fn from_figment(
        figment: Figment,
        base_dir: &Path,
        file: Option<PathBuf>,
    ) -> Result<Settings> {
        Settings::from_figment_allowing(figment, base_dir, file, &[])
    }

    /// Like [`Settings::from_figment`], but also accepts the top-level keys
    /// `own_keys` (an application's own sections, which it reads from the
    /// figment itself) instead of refusing them as unknown.
    pub fn from_figment_allowing(
        figment: Figment,
        base_dir: &Path,
        file: Option<PathBuf>,
        own_keys: &[&str],
    ) -> Result<Settings> {
        let root = match figment.find_value("") {
            Ok(FigValue::Dict(_, d)) => d,
            Ok(_) => Dict::new(),
            Err(e) => return Err(figment_error(e)),
        };
        let meta = Arc::new(MetaLookup {
            figment: figment.clone(),
        });
        let mut top: Vec<&str> = TOP_LEVEL_KEYS.to_vec();
        top.extend_from_slice(own_keys);
        // Profile sections first: the active one is also merged into the root.
        check_profiles(&root, &figment, &meta, own_keys)?;
        check_keys(&root, "", &top, "a top-level key", &meta)?;
        check_engine_keys(root.get("templates"), "", &meta)?;

        let raw: RawSettings = figment.extract().map_err(figment_error)?;
        let raw_engines: Vec<FigValue> = match root.get("templates") {
            Some(FigValue::Array(_, items)) => items.clone(),
            _ => Vec::new(),
        };
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            }
        };

        let apps = parse_apps(root.get("apps"), &meta, &resolve)?;

        let mut templates: Vec<EngineSettings> = Vec::new();
        for (index, (engine, raw_value)) in raw.templates.into_iter().zip(raw_engines).enumerate() {
            let name = engine
                .name
                .clone()
                .unwrap_or_else(|| default_engine_name(&engine.backend));
            let extra: Dict = match raw_value.find_ref("options") {
                Some(FigValue::Dict(_, d)) => d
                    .iter()
                    .filter(|(k, _)| !COMMON_OPTIONS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                _ => Dict::new(),
            };
            let mut settings = EngineSettings {
                index,
                backend: engine.backend,
                name,
                dirs: Vec::new(),
                app_dirs: engine.app_dirs,
                options: EngineOptions {
                    autoescape: engine.options.autoescape,
                    debug: engine.options.debug,
                    string_if_invalid: engine.options.string_if_invalid,
                    file_charset: engine.options.file_charset,
                    context_processors: engine.options.context_processors,
                    loaders: None,
                    libraries: engine.options.libraries,
                    builtins: engine.options.builtins,
                    extra,
                },
                raw: raw_value,
                meta: meta.clone(),
            };
            if settings.backend.trim().is_empty() {
                return Err(settings.error(
                    "backend",
                    "the backend cannot be empty; name a registered backend such as \"platen.dtl\"",
                ));
            }
            if settings.name.is_empty() {
                return Err(settings.error("name", "an engine name cannot be empty"));
            }
            if let Some(first) = templates.iter().find(|e| e.name == settings.name) {
                let detail = if engine.name.is_some() {
                    format!(
                        "the engine name `{}` is already used by templates[{}]; give each engine a unique `name`",
                        settings.name, first.index
                    )
                } else {
                    format!(
                        "the engine name `{}` (the default name for backend `{}`) is already used by \
                         templates[{}]; give this entry a unique `name`",
                        settings.name, settings.backend, first.index
                    )
                };
                return Err(settings.error(
                    if engine.name.is_some() {
                        "name"
                    } else {
                        "backend"
                    },
                    detail,
                ));
            }
            for (i, dir) in engine.dirs.iter().enumerate() {
                let dir = resolve(dir);
                if !dir.is_dir() {
                    return Err(settings.error(
                        &format!("dirs.{i}"),
                        missing_dir("template directory", &dir),
                    ));
                }
                settings.dirs.push(dir);
            }
            let charset = settings
                .options
                .file_charset
                .to_ascii_lowercase()
                .replace('_', "-");
            if !matches!(
                charset.as_str(),
                "utf-8" | "utf8" | "latin-1" | "latin1" | "iso-8859-1"
            ) {
                return Err(settings.error(
                    "options.file_charset",
                    format!(
                        "unsupported file charset `{}` (supported: utf-8, latin-1); convert the templates to UTF-8",
                        settings.options.file_charset
                    ),
                ));
            }
            if let Some(loaders) = settings.raw.find_ref("options.loaders").cloned() {
                let specs = parse_loaders(&loaders, "options.loaders", &settings, &resolve)?;
                settings.options.loaders = Some(specs);
            }
            templates.push(settings);
        }

        Ok(Settings {
            debug: raw.debug,
            profile: raw.profile.filter(|p| !p.is_empty()),
            apps,
            static_url: raw.static_url,
            templates,
            base_dir: base_dir.to_path_buf(),
            file,
            meta: Some(meta),
        })
    }

    /// The engine entry named `name`.
    pub fn engine(&self, name: &str) -> Option<&EngineSettings> {
        self.templates.iter().find(|e| e.name == name)
    }

    /// Where the value of `key` (`debug`, `apps[1]`, `templates[0].dirs`)
    /// came from: the settings file (and profile section), an environment
    /// variable or the built-in defaults. When `key` is not set, the source
    /// of the closest enclosing value; `None` for settings not read through
    /// figment.
    pub fn source_of(&self, key: &str) -> Option<String> {
        let meta = self.meta.as_ref()?;
        let root = meta.figment.find_value("").ok()?;
        let parts: Vec<&str> = key
            .split(['.', '[', ']'])
            .filter(|p| !p.is_empty())
            .collect();
        let value = descend(&root, &parts);
        if std::ptr::eq(value, &root) {
            return None;
        }
        meta.describe(value.tag())
    }

    /// An error about `key` (`static_url`, `apps[0]`), naming the key and its source.
    pub fn error(&self, key: &str, detail: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        let dotted = key.replace('[', ".").replace(']', "");
        Error::bad_setting(format_key(&dotted), self.source_of(key), detail)
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
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            file: None,
            meta: None,
        }
    }
}

/// The built-in defaults layer.
fn defaults() -> Dict {
    let mut d = Dict::new();
    d.insert("debug".into(), FigValue::from(false));
    d.insert("static_url".into(), FigValue::from(DEFAULT_STATIC_URL));
    d
}

/// The settings file's path, absolute and, when that names the same file,
/// without `.` and `..` parts; checked to be a file.
fn settings_path(path: &Path) -> Result<PathBuf> {
    use std::path::Component;
    let path = std::path::absolute(path)?;
    check_settings_file(&path)?;
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !clean.pop() {
                    return Ok(path);
                }
            }
            other => clean.push(other),
        }
    }
    // With a symbolic link before a `..`, the lexical form is another file.
    let same = match (std::fs::canonicalize(&clean), std::fs::canonicalize(&path)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    Ok(if same { clean } else { path })
}

fn check_settings_file(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::new(
            ErrorKind::BadSettings,
            format!(
                "the settings file {} is a directory; name the file (platen.toml) inside it",
                path.display()
            ),
        ));
    }
    if !path.is_file() {
        return Err(Error::new(
            ErrorKind::BadSettings,
            format!(
                "the settings file {} does not exist; create it or give the right path",
                path.display()
            ),
        ));
    }
    Ok(())
}

fn missing_dir(what: &str, dir: &Path) -> String {
    format!(
        "the {what} {} does not exist; create it or fix the path (relative paths start at the settings file's directory)",
        dir.display()
    )
}

/// Refuses keys of `dict` (at `prefix`) not in `known`.
fn check_keys(
    dict: &Dict,
    prefix: &str,
    known: &[&str],
    what: &str,
    meta: &MetaLookup,
) -> Result<()> {
    for (key, value) in dict {
        if known.contains(&key.as_str()) {
            continue;
        }
        let from_env = meta.is_env(value.tag());
        let mut detail = format!("unknown key `{key}`");
        if let Some(best) = closest(key, known) {
            if from_env && prefix.is_empty() {
                detail.push_str(&format!(
                    " (did you mean {ENV_PREFIX}{}?)",
                    best.to_ascii_uppercase()
                ));
            } else {
                detail.push_str(&format!(" (did you mean `{best}`?"));
                if key.to_lowercase() == best {
                    detail.push_str(" keys are lowercase");
                }
                detail.push(')');
            }
        }
        detail.push_str(&format!("; {what} is one of: {}", known.join(", ")));
        if from_env && prefix.is_empty() {
            detail.push_str(&format!(
                "; every variable starting with {ENV_PREFIX} sets a key (except {})",
                ENV_NOT_SETTINGS.join(", ")
            ));
        }
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        return Err(Error::bad_setting(
            format_key(&full),
            meta.describe(value.tag()),
            detail,
        ));
    }
    Ok(())
}

/// Checks the keys of every engine entry of a `templates` value.
fn check_engine_keys(templates: Option<&FigValue>, prefix: &str, meta: &MetaLookup) -> Result<()> {
    if let Some(FigValue::Array(_, items)) = templates {
        for (i, item) in items.iter().enumerate() {
            if let FigValue::Dict(_, d) = item {
                check_keys(
                    d,
                    &format!("{prefix}templates.{i}"),
                    ENGINE_KEYS,
                    "a key of an engine entry",
                    meta,
                )?;
            }
        }
    }
    Ok(())
}

/// Checks every profile section, active or not: its keys and their types.
fn check_profiles(
    root: &Dict,
    figment: &Figment,
    meta: &MetaLookup,
    own_keys: &[&str],
) -> Result<()> {
    let sections = match root.get("profiles") {
        None => return Ok(()),
        Some(FigValue::Dict(_, d)) => d,
        Some(other) => {
            return Err(Error::bad_setting(
                "profiles",
                meta.describe(other.tag()),
                "`profiles` must be a table of profile sections, such as `[profiles.dev]`",
            ));
        }
    };
    let mut allowed: Vec<&str> = TOP_LEVEL_KEYS
        .iter()
        .copied()
        .filter(|k| !k.starts_with("profile"))
        .collect();
    allowed.extend_from_slice(own_keys);
    for (name, section) in sections {
        let key = format!("profiles.{name}");
        let FigValue::Dict(_, dict) = section else {
            return Err(Error::bad_setting(
                key,
                meta.describe(section.tag()),
                "a profile section must be a table of settings, such as `[profiles.dev]` with `debug = true`",
            ));
        };
        if name.is_empty() || name.contains('.') {
            return Err(Error::bad_setting(
                key,
                meta.describe(section.tag()),
                "a profile name must be non-empty and cannot contain `.`",
            ));
        }
        if let Some((k, v)) = dict
            .iter()
            .find(|(k, _)| k.as_str() == "profile" || k.as_str() == "profiles")
        {
            return Err(Error::bad_setting(
                format!("{key}.{k}"),
                meta.describe(v.tag()),
                "a profile section cannot choose a profile or hold profiles; set `profile` at the top level",
            ));
        }
        check_keys(dict, &key, &allowed, "a key of a profile section", meta)?;
        check_engine_keys(dict.get("templates"), &format!("{key}."), meta)?;
        figment.focus(&key).extract::<RawSettings>().map_err(|e| {
            let mut e = figment_error(e);
            if let Some(k) = e.settings_key().map(str::to_owned) {
                let full = if k.is_empty() {
                    key.clone()
                } else {
                    format!("{key}.{k}")
                };
                let full = full.replace('[', ".").replace(']', "");
                e = Error::bad_setting(
                    format_key(&full),
                    e.settings_source().map(str::to_owned),
                    e.detail().unwrap_or_default().to_owned(),
                );
            }
            e
        })?;
    }
    Ok(())
}

/// Reads `apps`: each a path string, or `{ name, path }`.
fn parse_apps(
    value: Option<&FigValue>,
    meta: &MetaLookup,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<App>> {
    let items = match value {
        None => return Ok(Vec::new()),
        Some(FigValue::Array(_, items)) => items,
        Some(other) => {
            return Err(Error::bad_setting(
                "apps",
                meta.describe(other.tag()),
                format!(
                    "expected a list of apps, such as [\"blog\", {{ name = \"shop\", path = \"vendor/shop\" }}], found {}",
                    kind_name(other)
                ),
            ));
        }
    };
    let mut apps: Vec<App> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("apps[{i}]");
        let bad = |key: String, v: &FigValue, detail: String| {
            Error::bad_setting(key, meta.describe(v.tag()), detail)
        };
        let (name, path, path_value) = match item {
            FigValue::String(_, s) if !s.is_empty() => (s.clone(), PathBuf::from(s), item),
            FigValue::Dict(_, d) => {
                check_keys(
                    d,
                    &format!("apps.{i}"),
                    &["name", "path"],
                    "a key of an app",
                    meta,
                )?;
                let name = match d.get("name") {
                    Some(FigValue::String(_, s)) if !s.is_empty() => s.clone(),
                    Some(v) => {
                        return Err(bad(
                            format!("{key}.name"),
                            v,
                            format!("expected the app's name, found {}", kind_name(v)),
                        ));
                    }
                    None => return Err(bad(key, item, "an app table needs a `name`".into())),
                };
                match d.get("path") {
                    Some(FigValue::String(_, p)) if !p.is_empty() => {
                        (name, PathBuf::from(p), &d["path"])
                    }
                    Some(v) => {
                        return Err(bad(
                            format!("{key}.path"),
                            v,
                            format!("expected the app's directory, found {}", kind_name(v)),
                        ));
                    }
                    None => (name.clone(), PathBuf::from(name), item),
                }
            }
            other => {
                return Err(bad(
                    key,
                    other,
                    format!(
                        "an app is a path (\"blog\") or a table {{ name = \"shop\", path = \"vendor/shop\" }}, found {}",
                        kind_name(other)
                    ),
                ));
            }
        };
        let path = resolve(&path);
        if !path.is_dir() {
            return Err(bad(key, path_value, missing_dir("app directory", &path)));
        }
        if let Some(j) = apps.iter().position(|a| a.name == name) {
            return Err(bad(
                key,
                item,
                format!(
                    "the app name `{name}` is already used by apps[{j}]; give each app a unique name"
                ),
            ));
        }
        apps.push(App { name, path });
    }
    Ok(apps)
}

/// Reads a list of loader entries at `sub` (inside the engine entry).
fn parse_loaders(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<LoaderSpec>> {
    let FigValue::Array(_, items) = value else {
        return Err(engine.error(
            sub,
            format!(
                "expected a list of loaders, such as [\"platen.loaders.filesystem\"], found {}",
                kind_name(value)
            ),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_loader(item, &format!("{sub}.{i}"), engine, resolve))
        .collect()
}

/// Reads one loader entry: `"name"`, `{ loader = "name", args... }`, or
/// Django's tuple form `["name", argument]`.
fn parse_loader(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<LoaderSpec> {
    const FORMS: &str = "a loader is a name (\"platen.loaders.filesystem\"), a table with the name in \
                         `loader` ({ loader = \"platen.loaders.cached\", loaders = [...] }) or Django's \
                         pair [\"name\", argument]";
    let mut spec = LoaderSpec {
        loader: String::new(),
        loaders: None,
        dirs: None,
        templates: None,
        extra: Dict::new(),
        key: engine.key(sub),
        source: engine.source_of(sub),
    };
    match value {
        FigValue::String(_, name) if !name.trim().is_empty() => spec.loader = name.clone(),
        FigValue::Dict(_, d) => {
            spec.loader = match d.get("loader") {
                Some(FigValue::String(_, name)) if !name.trim().is_empty() => name.clone(),
                Some(other) => {
                    return Err(engine.error(
                        &format!("{sub}.loader"),
                        format!("expected a loader name, found {}", kind_name(other)),
                    ));
                }
                None => {
                    let mut detail =
                        "a loader table needs a `loader` key naming the loader".to_owned();
                    if let Some(best) =
                        closest("loader", &d.keys().map(String::as_str).collect::<Vec<_>>())
                    {
                        detail.push_str(&format!(" (is `{best}` a typo of `loader`?)"));
                    }
                    detail.push_str("; ");
                    detail.push_str(FORMS);
                    return Err(engine.error(sub, detail));
                }
            };
            for (k, v) in d {
                let at = format!("{sub}.{k}");
                match k.as_str() {
                    "loader" => {}
                    "loaders" => spec.loaders = Some(parse_loaders(v, &at, engine, resolve)?),
                    "dirs" => spec.dirs = Some(parse_dirs(v, &at, engine, resolve)?),
                    "templates" => spec.templates = Some(parse_templates(v, &at, engine)?),
                    _ => {
                        spec.extra.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        FigValue::Array(_, pair) if pair.len() == 2 => {
            let FigValue::String(_, name) = &pair[0] else {
                return Err(engine.error(
                    &format!("{sub}.0"),
                    format!("expected a loader name, found {}", kind_name(&pair[0])),
                ));
            };
            spec.loader = name.clone();
            let at = format!("{sub}.1");
            match &pair[1] {
                FigValue::Array(..) if CACHED_NAMES.contains(&name.as_str()) => {
                    spec.loaders = Some(parse_loaders(&pair[1], &at, engine, resolve)?);
                }
                FigValue::Array(..) => {
                    spec.dirs = Some(parse_dirs(&pair[1], &at, engine, resolve)?)
                }
                FigValue::Dict(..) => {
                    spec.templates = Some(parse_templates(&pair[1], &at, engine)?)
                }
                other => {
                    return Err(engine.error(
                        &at,
                        format!(
                            "the argument of a loader pair is a list (loaders for the cached loader, else \
                             directories) or a table of templates, found {}",
                            kind_name(other)
                        ),
                    ));
                }
            }
        }
        other => return Err(engine.error(sub, format!("{FORMS}; found {}", kind_name(other)))),
    }
    Ok(spec)
}

fn parse_dirs(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<PathBuf>> {
    let FigValue::Array(_, items) = value else {
        return Err(engine.error(
            sub,
            format!("expected a list of directories, found {}", kind_name(value)),
        ));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{sub}.{i}");
        let FigValue::String(_, d) = item else {
            return Err(engine.error(
                &at,
                format!("expected a directory path, found {}", kind_name(item)),
            ));
        };
        let d = resolve(Path::new(d));
        if !d.is_dir() {
            return Err(engine.error(&at, missing_dir("template directory", &d)));
        }
        out.push(d);
    }
    Ok(out)
}

fn parse_templates(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
) -> Result<BTreeMap<String, String>> {
    let FigValue::Dict(_, d) = value else {
        return Err(engine.error(
            sub,
            format!(
                "expected a table of templates, such as {{ \"a.html\" = \"Hi\" }}, found {}",
                kind_name(value)
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for (name, source) in d {
        let FigValue::String(_, text) = source else {
            return Err(Error::bad_setting(
                format!("{}[{name:?}]", engine.key(sub)),
                engine.meta.describe(source.tag()),
                format!(
                    "the source of template `{name}` must be a string, found {}",
                    kind_name(source)
                ),
            ));
        };
        out.insert(name.clone(), text.clone());
    }
    Ok(out)
}

/// How a value is described in messages (`a string "x"`, `an integer 3`).
fn kind_name(value: &FigValue) -> String {
    match value {
        FigValue::String(_, s) => format!("the string {s:?}"),
        FigValue::Char(_, c) => format!("the character {c:?}"),
        FigValue::Bool(_, b) => format!("the boolean {b}"),
        FigValue::Num(_, n) => format!("the number {}", num_text(*n)),
        FigValue::Empty(..) => "nothing".into(),
        FigValue::Dict(..) => "a table".into(),
        FigValue::Array(..) => "a list".into(),
    }
}

/// Takes the tags off values that came from a file, so that a layer made
/// of them (the profile section) gets its own tag and metadata.
fn untag_file_values(value: &FigValue, figment: &Figment) -> FigValue {
    let from_file = figment
        .get_metadata(value.tag())
        .is_some_and(|m| matches!(m.source, Some(Source::File(_))));
    let tag = if from_file { Tag::Default } else { value.tag() };
    match value {
        FigValue::String(_, v) => FigValue::String(tag, v.clone()),
        FigValue::Char(_, v) => FigValue::Char(tag, *v),
        FigValue::Bool(_, v) => FigValue::Bool(tag, *v),
        FigValue::Num(_, v) => FigValue::Num(tag, *v),
        FigValue::Empty(_, v) => FigValue::Empty(tag, *v),
        FigValue::Dict(_, d) => FigValue::Dict(
            tag,
            d.iter()
                .map(|(k, v)| (k.clone(), untag_file_values(v, figment)))
                .collect(),
        ),
        FigValue::Array(_, a) => FigValue::Array(
            tag,
            a.iter().map(|v| untag_file_values(v, figment)).collect(),
        ),
    }
}

/// Formats a dotted figment path as a settings key: numeric parts become
/// indexes (`templates.0.dirs.1` -> `templates[0].dirs[1]`).
pub fn format_key(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        if part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

/// A figment error kind as a message, with a hint on how to fix it.
fn describe_kind(kind: &figment::error::Kind, from_env: bool) -> String {
    use figment::error::Kind;
    match kind {
        Kind::InvalidType(actual, expected) => {
            let mut s = format!("expected {expected}, found {actual}");
            let hint = match expected.as_str() {
                "a boolean" if from_env => "; set true or false (or 1/0, yes/no, on/off)",
                "a boolean" => "; write true or false, without quotes",
                "a sequence" if from_env => "; write a list as [a, b]",
                "a sequence" => "; write a list: [...]",
                "a string" | "path string" if !from_env => "; put the value in quotes",
                _ => "",
            };
            s.push_str(hint);
            s
        }
        Kind::MissingField(field) if field == "backend" => {
            "the required key `backend` is missing; name a registered backend such as \"platen.dtl\"".into()
        }
        Kind::MissingField(field) => format!("the required key `{field}` is missing"),
        Kind::UnknownField(field, known) => {
            let mut s = format!("unknown key `{field}`");
            s.push_str(&crate::closest::did_you_mean(field, known));
            s.push_str(&format!("; valid keys: {}", known.join(", ")));
            s
        }
        other => other.to_string(),
    }
}

fn figment_error(err: figment::Error) -> Error {
    let count = err.count();
    let mut path = err.path.clone();
    let field: Option<&str> = match &err.kind {
        figment::error::Kind::MissingField(field) => Some(field),
        figment::error::Kind::UnknownField(field, _) => Some(field),
        _ => None,
    };
    if let Some(field) = field {
        // figment's path ends at the table; the key is the field inside it.
        if path.last().map(String::as_str) != Some(field) {
            path.push(field.to_owned());
        }
    }
    let key = format_key(&path.join("."));
    let from_env = err
        .metadata
        .as_ref()
        .is_some_and(|m| m.name.contains("environment variable"));
    let source = err.metadata.as_ref().map(|m| {
        let parts: Vec<&str> = err.path.iter().map(String::as_str).collect();
        describe_metadata(m, &parts)
    });
    let mut detail = describe_kind(&err.kind, from_env);
    if count > 1 {
        detail.push_str(&format!(" (and {} more error(s))", count - 1));
    }
    if key.is_empty() {
        let detail = match source {
            Some(src) => format!("cannot read {src}: {}", detail.trim_end()),
            None => detail,
        };
        Error::new(ErrorKind::BadSettings, detail)
    } else {
        Error::bad_setting(key, source, detail)
    }
}

/// Reads the `PLATEN_` variables, shortest key first (so that
/// `PLATEN_TEMPLATES` comes before `PLATEN_TEMPLATES__0__DIRS`).
fn env_vars() -> Result<Vec<EnvVar>> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.get(ENV_PREFIX.len()..) else {
            continue;
        };
        if !name[..ENV_PREFIX.len()].eq_ignore_ascii_case(ENV_PREFIX)
            || ENV_NOT_SETTINGS
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let source = Some(env_layer_name(name));
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(Error::bad_setting(
                format_key(&path.join(".")),
                source,
                "not a settings variable: after PLATEN_, name a key, with `__` between nested keys \
                 (PLATEN_DEBUG, PLATEN_TEMPLATES__0__DIRS)",
            ));
        }
        let raw = value.into_string().map_err(|_| {
            Error::bad_setting(
                format_key(&path.join(".")),
                source.clone(),
                "the value is not valid UTF-8",
            )
        })?;
        vars.push(EnvVar {
            name: name.to_owned(),
            path,
            raw,
        });
    }
    vars.sort_by(|a, b| (a.path.len(), &a.name).cmp(&(b.path.len(), &b.name)));
    Ok(vars)
}

/// What a key expects, so that an environment variable's text is read right.
#[derive(Clone, Copy)]
enum EnvKind {
    Bool,
    Str,
    StrList,
    Literal,
}

fn env_kind(path: &[String]) -> EnvKind {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    let parts = match parts.as_slice() {
        ["profiles", _, rest @ ..] => rest,
        all => all,
    };
    match parts {
        ["debug"] => EnvKind::Bool,
        ["profile" | "static_url"] => EnvKind::Str,
        ["apps"] => EnvKind::StrList,
        ["apps", _] | ["apps", _, "name" | "path"] => EnvKind::Str,
        ["templates", _, "backend" | "name"] => EnvKind::Str,
        ["templates", _, "app_dirs"] => EnvKind::Bool,
        ["templates", _, "dirs"] => EnvKind::StrList,
        ["templates", _, "dirs", _] => EnvKind::Str,
        ["templates", _, "options", "autoescape" | "debug"] => EnvKind::Bool,
        [
            "templates",
            _,
            "options",
            "string_if_invalid" | "file_charset",
        ] => EnvKind::Str,
        ["templates", _, "options", "context_processors" | "builtins"] => EnvKind::StrList,
        [
            "templates",
            _,
            "options",
            "context_processors" | "builtins" | "libraries",
            _,
        ] => EnvKind::Str,
        _ => EnvKind::Literal,
    }
}

/// Reads a variable's text as the value of the key at `path`.
fn env_value(path: &[String], raw: &str) -> FigValue {
    match env_kind(path) {
        EnvKind::Str => FigValue::from(raw.to_owned()),
        EnvKind::Bool => {
            let text = FigValue::from(raw.trim().to_owned());
            match text.to_bool_lossy() {
                Some(b) => FigValue::from(b),
                None => FigValue::from(raw.to_owned()),
            }
        }
        EnvKind::StrList => match raw.parse::<FigValue>() {
            Ok(FigValue::Array(tag, items)) => FigValue::Array(
                tag,
                items
                    .into_iter()
                    .map(|v| match scalar_text(&v) {
                        Some(text) => FigValue::String(v.tag(), text),
                        None => v,
                    })
                    .collect(),
            ),
            Ok(other) => other,
            Err(_) => FigValue::from(raw.to_owned()),
        },
        EnvKind::Literal => raw
            .parse::<FigValue>()
            .unwrap_or_else(|_| FigValue::from(raw.to_owned())),
    }
}

/// Merges the layer of one variable: its value set at its key, over the
/// current value of its top-level key (so that the rest is kept, with its
/// sources).
fn apply_env_var(figment: Figment, var: &EnvVar) -> Result<Figment> {
    let source = || Some(env_layer_name(&var.name));
    let mut path = var.path.clone();
    let top = path[0].clone();
    let mut current = figment.find_value(&top).ok();
    if top == "templates" && path.len() > 1 {
        let engines: &[FigValue] = match &current {
            Some(FigValue::Array(_, items)) => items,
            Some(other) => {
                return Err(Error::bad_setting(
                    "templates",
                    source(),
                    format!(
                        "cannot change one engine: `templates` is {}, not a list of engines",
                        kind_name(other)
                    ),
                ));
            }
            None => &[],
        };
        let index = select_engine(engines, &path[1]).map_err(|detail| {
            Error::bad_setting(
                format_key(&format!("templates.{}", path[1])),
                source(),
                detail,
            )
        })?;
        path[1] = index.to_string();
    }
    let value = env_value(&path, &var.raw);
    let new = if path.len() == 1 {
        value
    } else {
        let mut target = current
            .take()
            .unwrap_or_else(|| FigValue::from(Dict::new()));
        set_path(&mut target, &path[1..], value).map_err(|(parts, detail)| {
            Error::bad_setting(format_key(&path[..=parts].join(".")), source(), detail)
        })?;
        target
    };
    let mut data = Dict::new();
    data.insert(top, new);
    Ok(figment.merge(Layer {
        meta: Metadata::named(env_layer_name(&var.name)),
        data,
    }))
}

/// The position of the engine `selector` names: a position, or a `name`
/// (compared ignoring case, with `-` read as `_`).
fn select_engine(engines: &[FigValue], selector: &str) -> std::result::Result<usize, String> {
    let listing = || {
        if engines.is_empty() {
            return "there are no engines".to_owned();
        }
        let all: Vec<String> = engines
            .iter()
            .enumerate()
            .map(|(i, e)| match engine_name(e) {
                Some(n) => format!("{i} ({n})"),
                None => i.to_string(),
            })
            .collect();
        format!("the engines are: {}", all.join(", "))
    };
    if let Ok(i) = selector.parse::<usize>() {
        return if i < engines.len() {
            Ok(i)
        } else {
            Err(format!("there is no engine at position {i}; {}", listing()))
        };
    }
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let matches: Vec<usize> = engines
        .iter()
        .enumerate()
        .filter(|(_, e)| engine_name(e).is_some_and(|n| norm(&n) == selector))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [i] => Ok(*i),
        [] => Err(format!(
            "there is no engine `{selector}` to change (an engine is named by its position or its `name`); {}",
            listing()
        )),
        many => Err(format!(
            "`{selector}` names more than one engine (positions {}); name the engine by its position",
            many.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The name of an engine entry: its `name`, else the default for its backend.
fn engine_name(entry: &FigValue) -> Option<String> {
    match entry.find_ref("name") {
        Some(FigValue::String(_, n)) => Some(n.clone()),
        _ => entry
            .find_ref("backend")
            .and_then(FigValue::as_str)
            .map(default_engine_name),
    }
}

/// Sets `value` at `path` inside `target`: dict keys, or positions in
/// lists. On failure, how many parts of `path` the bad key has, and why.
fn set_path(
    target: &mut FigValue,
    path: &[String],
    value: FigValue,
) -> std::result::Result<(), (usize, String)> {
    fn go(
        target: &mut FigValue,
        path: &[String],
        value: FigValue,
        depth: usize,
    ) -> std::result::Result<(), (usize, String)> {
        let Some((first, rest)) = path.split_first() else {
            *target = value;
            return Ok(());
        };
        if matches!(target, FigValue::Empty(..)) {
            *target = FigValue::from(Dict::new());
        }
        let what = kind_name(target);
        match target {
            FigValue::Dict(_, dict) => {
                let slot = dict
                    .entry(first.clone())
                    .or_insert_with(|| FigValue::from(Dict::new()));
                go(slot, rest, value, depth + 1)
            }
            FigValue::Array(_, items) => {
                let len = items.len();
                let Some(slot) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) else {
                    return Err((
                        depth + 1,
                        format!("`{first}` is not a position in this list of {len} item(s)"),
                    ));
                };
                go(slot, rest, value, depth + 1)
            }
            _ => Err((
                depth,
                format!("cannot set `{first}` inside {what}, which is not a table"),
            )),
        }
    }
    go(target, path, value, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_format_with_indexes() {
        assert_eq!(format_key("templates.0.dirs.1"), "templates[0].dirs[1]");
        assert_eq!(format_key("debug"), "debug");
    }

    #[test]
    fn closest_finds_typos() {
        assert_eq!(
            closest("strict_mod", &["strict_mode", "dev_mode"]),
            Some("strict_mode")
        );
        assert_eq!(closest("debgu", TOP_LEVEL_KEYS), Some("debug"));
        assert_eq!(closest("TEMPLATES", TOP_LEVEL_KEYS), Some("templates"));
        assert_eq!(closest("zzz", &["strict_mode"]), None);
        assert_eq!(closest("x", &["ab"]), None);
    }

    #[test]
    fn default_names_follow_django() {
        assert_eq!(default_engine_name("platen.handlebars"), "handlebars");
        assert_eq!(default_engine_name("platen.dtl"), "dtl");
        assert_eq!(
            default_engine_name("django.template.backends.django.DjangoTemplates"),
            "django"
        );
        assert_eq!(
            default_engine_name("django.template.backends.jinja2.Jinja2"),
            "jinja2"
        );
        assert_eq!(default_engine_name("mine"), "mine");
    }

    #[test]
    fn env_text_is_read_by_the_key_it_sets() {
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(env_value(&p("debug"), "yes").to_bool(), Some(true));
        assert_eq!(env_value(&p("debug"), "0").to_bool(), Some(false));
        assert_eq!(env_value(&p("static_url"), "8080").as_str(), Some("8080"));
        assert_eq!(
            env_value(&p("templates.0.options.string_if_invalid"), "[x]").as_str(),
            Some("[x]")
        );
        let dirs = env_value(&p("templates.0.dirs"), "[a, 2024]");
        let items: Vec<_> = dirs
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(items, ["a", "2024"]);
        assert!(
            env_value(&p("templates.0.options.x"), "3")
                .to_num()
                .is_some()
        );
        assert_eq!(
            env_value(&p("profiles.dev.debug"), "on").to_bool(),
            Some(true)
        );
    }

    #[test]
    fn set_path_walks_tables_and_lists() {
        let mut v: FigValue = "{a = [1, {b = 2}]}".parse().unwrap();
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        set_path(&mut v, &p("a.1.b"), FigValue::from(3)).unwrap();
        assert_eq!(
            v.find_ref("a").unwrap().as_array().unwrap()[1]
                .find_ref("b")
                .unwrap()
                .to_i128(),
            Some(3)
        );
        assert_eq!(
            set_path(&mut v, &p("a.5"), FigValue::from(1))
                .unwrap_err()
                .0,
            2,
            "the key is a.5"
        );
        assert_eq!(
            set_path(&mut v, &p("a.0.c"), FigValue::from(1))
                .unwrap_err()
                .0,
            2,
            "the key is a.0"
        );
        let mut scalar = FigValue::from("x");
        assert_eq!(
            set_path(&mut scalar, &p("c"), FigValue::from(1))
                .unwrap_err()
                .0,
            0,
            "the key is the scalar's"
        );
    }
}
