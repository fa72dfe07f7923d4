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
//! Environment variables (prefix `PLATEN_`, nesting with `__`):
//! - `PLATEN_DEBUG=true`, `PLATEN_STATIC_URL=/assets/`, `PLATEN_APPS=[blog,shop]`;
//! - `PLATEN_PROFILE=dev` picks the profile section;
//! - `PLATEN_TEMPLATES__<engine>__<key>[__<subkey>...]=value` changes one key
//!   of one engine entry, named by its position (`0`) or its `name`
//!   (`PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE=false`);
//! - `PLATEN_TEMPLATES=[{backend="platen.tera",dirs=["t"]}]` replaces the list.
//!
//! Values are read as TOML-like literals: `true`, `3`, `[a, b]`, `{k=v}`,
//! otherwise a string. Relative paths resolve against the settings file's
//! directory. Every error names the key and the file or variable the value
//! came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use figment::providers::{Env, Format, Json, Serialized, Toml, Yaml};
use figment::value::{Dict, Tag, Value as FigValue};
use figment::{Figment, Metadata, Profile, Provider};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};

/// The environment variable prefix.
pub const ENV_PREFIX: &str = "PLATEN_";

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
    /// The app's name.
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
    /// The engine's unique name (default: the backend's last segment).
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

    /// Where the value at `sub` (a dotted path inside the entry) came from.
    pub fn source_of(&self, sub: &str) -> Option<String> {
        let mut value = &self.raw;
        for part in sub.split('.').filter(|p| !p.is_empty()) {
            match value {
                FigValue::Dict(_, d) => match d.get(part) {
                    Some(v) => value = v,
                    None => break,
                },
                FigValue::Array(_, a) => match part.parse::<usize>().ok().and_then(|i| a.get(i)) {
                    Some(v) => value = v,
                    None => break,
                },
                _ => break,
            }
        }
        self.meta.describe(value.tag(), &self.key(sub))
    }

    /// An error about `sub` in this entry, naming the key and its source.
    pub fn error(&self, sub: &str, detail: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::bad_setting(self.key(sub), self.source_of(sub), detail)
    }

    /// Reads the engine-specific option `name` as a `T`; `None` when unset.
    pub fn option<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let Some(value) = self.options.extra.get(name) else {
            return Ok(None);
        };
        value.deserialize::<T>().map(Some).map_err(|e| {
            let sub = format!("options.{name}");
            self.error(&sub, format!("{}", e.kind))
        })
    }

    /// Fails on the first engine-specific option not in `known`, suggesting
    /// the closest known name.
    pub fn deny_unknown_options(&self, known: &[&str]) -> Result<()> {
        for key in self.options.extra.keys() {
            if !known.contains(&key.as_str()) {
                let mut detail = format!("unknown option `{key}` for backend `{}`", self.backend);
                let mut all: Vec<&str> = COMMON_OPTIONS.to_vec();
                all.extend_from_slice(known);
                if let Some(best) = closest(key, &all) {
                    detail.push_str(&format!(" (did you mean `{best}`?)"));
                }
                return Err(self.error(&format!("options.{key}"), detail));
            }
        }
        Ok(())
    }
}

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

/// The closest candidate by edit distance, if close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let cost = usize::from(ca != *cb);
                cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Finds the source (file or variable) of a tagged figment value.
struct MetaLookup {
    figment: Figment,
}

impl MetaLookup {
    fn describe(&self, tag: Tag, key: &str) -> Option<String> {
        let meta = self.figment.get_metadata(tag)?;
        Some(describe_metadata(meta, &Profile::Default, key))
    }
}

fn describe_metadata(meta: &Metadata, profile: &Profile, key: &str) -> String {
    match &meta.source {
        Some(figment::Source::File(path)) => path.display().to_string(),
        _ if meta.name.contains("environment") => {
            let parts: Vec<&str> = key.split(['.', '[', ']']).filter(|s| !s.is_empty()).collect();
            let var = meta.interpolate(profile, &parts).replace('.', "__").to_ascii_uppercase();
            if var.starts_with(ENV_PREFIX) {
                format!("environment variable {var}")
            } else {
                format!("environment variable {ENV_PREFIX}{var}")
            }
        }
        _ => meta.name.to_string(),
    }
}

// The raw shapes read by figment; `deny_unknown_fields` turns typos into errors.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    debug: bool,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    profiles: Option<Dict>,
    #[serde(default)]
    apps: Vec<RawApp>,
    #[serde(default = "default_static_url")]
    static_url: String,
    #[serde(default)]
    templates: Vec<RawEngine>,
}

fn default_static_url() -> String {
    "static/".into()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawApp {
    Name(String),
    Table { name: String, path: Option<PathBuf> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
    loaders: Option<Vec<RawLoader>>,
    #[serde(default)]
    libraries: BTreeMap<String, String>,
    #[serde(default)]
    builtins: Vec<String>,
    #[serde(flatten)]
    extra: Dict,
}

impl Default for RawOptions {
    fn default() -> RawOptions {
        RawOptions {
            autoescape: true,
            debug: None,
            string_if_invalid: String::new(),
            file_charset: utf8(),
            context_processors: Vec::new(),
            loaders: None,
            libraries: BTreeMap::new(),
            builtins: Vec::new(),
            extra: Dict::new(),
        }
    }
}

fn yes() -> bool {
    true
}

fn utf8() -> String {
    "utf-8".into()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawLoader {
    Name(String),
    Table {
        loader: String,
        loaders: Option<Vec<RawLoader>>,
        dirs: Option<Vec<PathBuf>>,
        templates: Option<BTreeMap<String, String>>,
        #[serde(flatten)]
        extra: Dict,
    },
}

/// A provider that layers the active profile section, or the per-engine
/// environment overrides, over the figment it was made from. Values taken
/// from the lower layers keep their tags, so errors still name their file.
struct Layer {
    name: String,
    data: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        if self.name.starts_with("environment") {
            Metadata::named(self.name.clone()).interpolater(|_, keys| {
                let mut var = ENV_PREFIX.to_owned();
                var.push_str(&keys.join("__").to_ascii_uppercase());
                var
            })
        } else {
            Metadata::named(self.name.clone())
        }
    }

    fn data(&self) -> std::result::Result<figment::value::Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.data.clone()))
    }
}

impl Settings {
    /// Reads the settings file at `path` (which must exist), with the profile
    /// section and environment variables over it.
    pub fn load(path: impl AsRef<Path>) -> Result<Settings> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::new(
                ErrorKind::BadSettings,
                format!("the settings file {} does not exist", path.display()),
            ));
        }
        let path = std::path::absolute(path)?;
        let base = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
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
    /// Applications that extend the settings with keys of their own can add
    /// providers to it and pass it to [`Settings::from_figment`].
    pub fn figment(file: Option<&Path>) -> Result<Figment> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(path) = file {
            figment = match path.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => figment.merge(Yaml::file_exact(path)),
                Some("json") => figment.merge(Json::file_exact(path)),
                _ => figment.merge(Toml::file_exact(path)),
            };
        }
        let env = Env::prefixed(ENV_PREFIX)
            .filter(|k| !k.as_str().to_ascii_lowercase().starts_with("templates__"))
            .split("__");
        // The profile may be chosen by the file or by the environment.
        let probe = figment.clone().merge(env.clone());
        let profile: Option<String> = probe.extract_inner("profile").ok();
        if let Some(profile) = profile.filter(|p| !p.is_empty()) {
            let section = probe.find_value(&format!("profiles.{profile}")).ok();
            match section {
                Some(FigValue::Dict(_, data)) => {
                    figment = figment.merge(Layer { name: format!("profile `{profile}`"), data });
                }
                Some(_) => {
                    return Err(Error::bad_setting(
                        format!("profiles.{profile}"),
                        file.map(|p| p.display().to_string()),
                        "a profile section must be a table",
                    ));
                }
                None => {
                    return Err(Error::bad_setting(
                        "profile",
                        None,
                        format!("the profile `{profile}` has no `[profiles.{profile}]` section"),
                    ));
                }
            }
        }
        figment = figment.merge(env);
        figment = apply_engine_env(figment)?;
        Ok(figment)
    }

    /// Reads settings from a prepared figment; relative paths resolve against `base_dir`.
    pub fn from_figment(figment: Figment, base_dir: &Path, file: Option<PathBuf>) -> Result<Settings> {
        let raw: RawSettings = figment.extract().map_err(figment_error)?;
        let raw_engines: Vec<FigValue> = match figment.find_value("templates") {
            Ok(FigValue::Array(_, items)) => items,
            _ => Vec::new(),
        };
        let meta = Arc::new(MetaLookup { figment: figment.clone() });
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base_dir.join(p) };

        let mut apps = Vec::new();
        for (i, app) in raw.apps.into_iter().enumerate() {
            let (name, path) = match app {
                RawApp::Name(name) => (name.clone(), PathBuf::from(name)),
                RawApp::Table { name, path } => {
                    let path = path.unwrap_or_else(|| PathBuf::from(&name));
                    (name, path)
                }
            };
            let path = resolve(&path);
            if !path.is_dir() {
                let source = figment.find_value("apps").ok().and_then(|v| meta.describe(v.tag(), "apps"));
                return Err(Error::bad_setting(
                    format!("apps[{i}]"),
                    source,
                    format!("the app directory {} does not exist", path.display()),
                ));
            }
            apps.push(App { name, path });
        }

        let mut templates: Vec<EngineSettings> = Vec::new();
        for (index, (engine, raw_value)) in raw
            .templates
            .into_iter()
            .zip(raw_engines.into_iter().map(Some).chain(std::iter::repeat(None)))
            .enumerate()
        {
            let raw_value = raw_value.unwrap_or_else(|| FigValue::from(Dict::new()));
            let name = engine
                .name
                .clone()
                .unwrap_or_else(|| engine.backend.rsplit('.').next().unwrap_or(&engine.backend).to_owned());
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
                    extra: engine.options.extra,
                },
                raw: raw_value,
                meta: meta.clone(),
            };
            if settings.name.is_empty() {
                return Err(settings.error("name", "an engine name cannot be empty"));
            }
            if let Some(first) = templates.iter().find(|e| e.name == settings.name) {
                return Err(settings.error(
                    if engine.name.is_some() { "name" } else { "backend" },
                    format!(
                        "the engine name `{}` is already used by templates[{}]; give each engine a unique `name`",
                        settings.name, first.index
                    ),
                ));
            }
            for (i, dir) in engine.dirs.iter().enumerate() {
                let dir = resolve(dir);
                if !dir.is_dir() {
                    return Err(settings.error(
                        &format!("dirs.{i}"),
                        format!("the template directory {} does not exist", dir.display()),
                    ));
                }
                settings.dirs.push(dir);
            }
            let charset = settings.options.file_charset.to_ascii_lowercase().replace('_', "-");
            if !matches!(charset.as_str(), "utf-8" | "utf8" | "latin-1" | "latin1" | "iso-8859-1") {
                return Err(settings.error(
                    "options.file_charset",
                    format!(
                        "unsupported file charset `{}` (supported: utf-8, latin-1)",
                        settings.options.file_charset
                    ),
                ));
            }
            if let Some(loaders) = engine.options.loaders {
                let specs = loaders
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| loader_spec(l, &format!("options.loaders.{i}"), &settings, &resolve))
                    .collect::<Result<Vec<_>>>()?;
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
        })
    }

    /// The engine entry named `name`.
    pub fn engine(&self, name: &str) -> Option<&EngineSettings> {
        self.templates.iter().find(|e| e.name == name)
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
        }
    }
}

fn loader_spec(
    raw: RawLoader,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<LoaderSpec> {
    let key = format_key(&format!("templates.{}.{sub}", engine.index));
    let source = engine.source_of(sub);
    Ok(match raw {
        RawLoader::Name(loader) => LoaderSpec {
            loader,
            loaders: None,
            dirs: None,
            templates: None,
            extra: Dict::new(),
            key,
            source,
        },
        RawLoader::Table { loader, loaders, dirs, templates, extra } => {
            let loaders = match loaders {
                Some(inner) => Some(
                    inner
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| loader_spec(l, &format!("{sub}.loaders.{i}"), engine, resolve))
                        .collect::<Result<Vec<_>>>()?,
                ),
                None => None,
            };
            let dirs = match dirs {
                Some(dirs) => {
                    let mut out = Vec::new();
                    for (i, d) in dirs.iter().enumerate() {
                        let d = resolve(d);
                        if !d.is_dir() {
                            return Err(engine.error(
                                &format!("{sub}.dirs.{i}"),
                                format!("the template directory {} does not exist", d.display()),
                            ));
                        }
                        out.push(d);
                    }
                    Some(out)
                }
                None => None,
            };
            LoaderSpec { loader, loaders, dirs, templates, extra, key, source }
        }
    })
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

fn figment_error(err: figment::Error) -> Error {
    let count = err.count();
    let key = format_key(&err.path.join("."));
    let source = err.metadata.as_ref().map(|m| {
        let profile = err.profile.clone().unwrap_or(Profile::Default);
        describe_metadata(m, &profile, &err.path.join("."))
    });
    let mut detail = err.kind.to_string();
    if count > 1 {
        detail.push_str(&format!(" (and {} more error(s))", count - 1));
    }
    if key.is_empty() {
        let mut e = Error::new(ErrorKind::BadSettings, detail);
        if let Some(src) = source {
            e = e.with_detail(format!("{} (in {src})", err.kind));
        }
        e
    } else {
        Error::bad_setting(key, source, detail)
    }
}

/// Applies `PLATEN_TEMPLATES__<index|name>__<key...>` variables to the
/// engine list already in `figment`.
fn apply_engine_env(figment: Figment) -> Result<Figment> {
    let prefix = format!("{ENV_PREFIX}TEMPLATES__");
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.to_ascii_uppercase().starts_with(&prefix))
        .collect();
    if vars.is_empty() {
        return Ok(figment);
    }
    vars.sort();
    let mut engines = match figment.find_value("templates") {
        Ok(FigValue::Array(_, items)) => items,
        _ => Vec::new(),
    };
    for (var, raw) in &vars {
        let rest = &var[prefix.len()..];
        let mut parts = rest.split("__").map(|p| p.to_ascii_lowercase());
        let selector = parts.next().unwrap_or_default();
        let path: Vec<String> = parts.collect();
        if path.is_empty() || path.iter().any(String::is_empty) {
            return Err(Error::bad_setting(
                "templates",
                Some(format!("environment variable {var}")),
                "expected PLATEN_TEMPLATES__<engine index or name>__<key>",
            ));
        }
        let index = match selector.parse::<usize>() {
            Ok(i) => Some(i),
            Err(_) => engines.iter().position(|e| {
                let name = e.find_ref("name").and_then(FigValue::as_str).map(str::to_ascii_lowercase);
                let backend = e.find_ref("backend").and_then(FigValue::as_str);
                name.as_deref() == Some(&selector)
                    || (name.is_none() && backend.and_then(|b| b.rsplit('.').next()) == Some(&selector))
            }),
        };
        let Some(engine) = index.and_then(|i| engines.get_mut(i)) else {
            return Err(Error::bad_setting(
                "templates",
                Some(format!("environment variable {var}")),
                format!("there is no engine `{selector}` to change (engines are named by position or `name`)"),
            ));
        };
        let value: FigValue = raw.parse().unwrap_or_else(|_| FigValue::from(raw.clone()));
        set_path(engine, &path, value);
    }
    let mut data = Dict::new();
    data.insert("templates".into(), FigValue::from(engines));
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    Ok(figment.merge(Layer { name: format!("environment variable(s) {}", names.join(", ")), data }))
}

fn set_path(target: &mut FigValue, path: &[String], value: FigValue) {
    let Some((first, rest)) = path.split_first() else {
        *target = value;
        return;
    };
    if !matches!(target, FigValue::Dict(..)) {
        *target = FigValue::from(Dict::new());
    }
    if let FigValue::Dict(_, dict) = target {
        let slot = dict.entry(first.clone()).or_insert_with(|| FigValue::from(Dict::new()));
        set_path(slot, rest, value);
    }
}

/// The built-in defaults layer.
#[derive(serde::Serialize)]
struct Defaults {
    debug: bool,
    static_url: String,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults { debug: false, static_url: default_static_url() }
    }
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
        assert_eq!(closest("strict_mod", &["strict_mode", "dev_mode"]), Some("strict_mode"));
        assert_eq!(closest("zzz", &["strict_mode"]), None);
    }
}
