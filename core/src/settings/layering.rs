//! Layering: built-in defaults < the settings file < the active
//! `[profiles.<name>]` section < environment variables, and reading the
//! typed settings from the merged figment.

use super::*;

// The typed shapes read by figment. `apps`, `profiles` and
// `options.loaders` are read from the tagged values instead, so their
// errors can say exactly what is wrong and where.

#[derive(Deserialize)]
#[serde(expecting = "a table of settings")]
pub(super) struct RawSettings {
    #[serde(default)]
    pub(super) debug: bool,
    #[serde(default)]
    pub(super) profile: Option<String>,
    #[serde(default = "default_static_url")]
    pub(super) static_url: String,
    #[serde(default)]
    pub(super) templates: Vec<RawEngine>,
}

pub(super) fn default_static_url() -> String {
    DEFAULT_STATIC_URL.into()
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an engine table such as { backend = \"platen.dtl\" }"
)]
pub(super) struct RawEngine {
    pub(super) backend: String,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) dirs: Vec<PathBuf>,
    #[serde(default)]
    pub(super) app_dirs: bool,
    #[serde(default)]
    pub(super) options: RawOptions,
}

#[derive(Deserialize)]
#[serde(expecting = "a table of options")]
pub(super) struct RawOptions {
    #[serde(default = "yes")]
    pub(super) autoescape: bool,
    pub(super) debug: Option<bool>,
    #[serde(default)]
    pub(super) string_if_invalid: String,
    #[serde(default = "utf8")]
    pub(super) file_charset: String,
    #[serde(default)]
    pub(super) context_processors: Vec<String>,
    #[serde(default)]
    pub(super) libraries: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) builtins: Vec<String>,
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

pub(super) fn yes() -> bool {
    true
}

pub(super) fn utf8() -> String {
    "utf-8".into()
}

/// A provider of one layer of already-tagged values: the built-in defaults,
/// the active profile section, or one environment variable. Values taken
/// from lower layers keep their tags, so errors still name their source.
pub(super) struct Layer {
    pub(super) meta: Metadata,
    pub(super) data: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.meta.clone()
    }

    fn data(&self) -> std::result::Result<figment::value::Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.data.clone()))
    }
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
        let caches = parse_caches(root.get("caches"), &meta)?;

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
            caches,
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

/// The built-in defaults layer.
pub(super) fn defaults() -> Dict {
    let mut d = Dict::new();
    d.insert("debug".into(), FigValue::from(false));
    d.insert("static_url".into(), FigValue::from(DEFAULT_STATIC_URL));
    d
}

/// The settings file's path, absolute and, when that names the same file,
/// without `.` and `..` parts; checked to be a file.
pub(super) fn settings_path(path: &Path) -> Result<PathBuf> {
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

pub(super) fn check_settings_file(path: &Path) -> Result<()> {
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

/// Takes the tags off values that came from a file, so that a layer made
/// of them (the profile section) gets its own tag and metadata.
pub(super) fn untag_file_values(value: &FigValue, figment: &Figment) -> FigValue {
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
