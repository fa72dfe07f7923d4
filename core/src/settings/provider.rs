//! [`Settings`] as a figment [`Provider`], and settings read from any
//! provider, as figment's "For Library Authors" guide shows.
//!
//! `impl Provider for Settings` gives the settings' values (paths already
//! resolved), so an application can merge them into a figment of its own,
//! under values of its own, and read them back with
//! [`Settings::from_provider`].

use super::*;

/// The metadata name of settings used as a provider.
const PROVIDER_NAME: &str = "platen settings";

impl Settings {
    /// Reads settings from any figment provider (a [`Figment`], a
    /// `Toml::string`, [`Settings`] itself, ...), checked as a settings file
    /// is; relative paths resolve against the current directory.
    ///
    /// Unlike [`Settings::load`], no layer is added: no built-in defaults
    /// layer, profile section or `PLATEN_` variables (merge
    /// [`Settings::figment`] under the provider for those).
    pub fn from_provider(provider: impl Provider) -> Result<Settings> {
        let base = std::env::current_dir()?;
        Settings::from_figment(Figment::from(provider), &base, None)
    }
}

impl Provider for Settings {
    fn metadata(&self) -> Metadata {
        let meta = Metadata::named(PROVIDER_NAME);
        match &self.file {
            Some(path) => meta.source(Source::File(path.clone())),
            None => meta,
        }
    }

    fn data(&self) -> std::result::Result<figment::value::Map<Profile, Dict>, figment::Error> {
        let mut d = Dict::new();
        d.insert("debug".into(), self.debug.into());
        d.insert("static_url".into(), self.static_url.clone().into());
        let apps: Vec<FigValue> = self
            .apps
            .iter()
            .map(|app| {
                let mut a = Dict::new();
                a.insert("name".into(), app.name.clone().into());
                a.insert("path".into(), path_value(&app.path));
                a.into()
            })
            .collect();
        d.insert("apps".into(), apps.into());
        let templates: Vec<FigValue> = self.templates.iter().map(engine_value).collect();
        d.insert("templates".into(), templates.into());
        if !self.caches.is_empty() {
            let caches: Dict = self
                .caches
                .iter()
                .map(|(alias, c)| (alias.clone(), cache_value(c)))
                .collect();
            d.insert("caches".into(), caches.into());
        }
        Ok(Profile::Default.collect(d))
    }
}

fn path_value(path: &Path) -> FigValue {
    path.display().to_string().into()
}

fn paths_value(paths: &[PathBuf]) -> FigValue {
    paths
        .iter()
        .map(|p| path_value(p))
        .collect::<Vec<_>>()
        .into()
}

fn strings_value(items: &[String]) -> FigValue {
    items
        .iter()
        .cloned()
        .map(FigValue::from)
        .collect::<Vec<_>>()
        .into()
}

/// One cache table, as the settings file would spell it.
fn cache_value(cache: &CacheSettings) -> FigValue {
    let mut d = Dict::new();
    d.insert("backend".into(), cache.backend.clone().into());
    if let Some(location) = &cache.location {
        d.insert("location".into(), location.clone().into());
    }
    let timeout: FigValue = match cache.timeout {
        Some(t) => t.into(),
        None => "none".into(),
    };
    d.insert("timeout".into(), timeout);
    d.insert("key_prefix".into(), cache.key_prefix.clone().into());
    d.insert("version".into(), cache.version.into());
    d.insert("channel".into(), cache.channel.clone().into());
    d.insert("l1".into(), cache.l1.into());
    d.insert("max_entries".into(), cache.max_entries.into());
    d.insert("max_bytes".into(), cache.max_bytes.into());
    if !cache.options.is_empty() {
        d.insert("options".into(), cache.options.clone().into());
    }
    d.into()
}

/// One engine entry, as the settings file would spell it.
fn engine_value(engine: &EngineSettings) -> FigValue {
    let mut e = Dict::new();
    e.insert("backend".into(), engine.backend.clone().into());
    e.insert("name".into(), engine.name.clone().into());
    e.insert("dirs".into(), paths_value(&engine.dirs));
    e.insert("app_dirs".into(), engine.app_dirs.into());
    let o = &engine.options;
    let mut options = o.extra.clone();
    options.insert("autoescape".into(), o.autoescape.into());
    if let Some(debug) = o.debug {
        options.insert("debug".into(), debug.into());
    }
    options.insert(
        "string_if_invalid".into(),
        o.string_if_invalid.clone().into(),
    );
    options.insert("file_charset".into(), o.file_charset.clone().into());
    options.insert(
        "context_processors".into(),
        strings_value(&o.context_processors),
    );
    if let Some(loaders) = &o.loaders {
        options.insert("loaders".into(), loaders_value(loaders));
    }
    let libraries: Dict = o
        .libraries
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    options.insert("libraries".into(), libraries.into());
    options.insert("builtins".into(), strings_value(&o.builtins));
    e.insert("options".into(), options.into());
    e.into()
}

/// Loader entries, in the table form (`{ loader = "...", ... }`), but for
/// pairs whose list the registry has not read yet.
fn loaders_value(specs: &[LoaderSpec]) -> FigValue {
    specs
        .iter()
        .map(|spec| {
            if let Some(list) = &spec.pair_list {
                // Django's pair, still unread: as it was written.
                return FigValue::from(vec![
                    FigValue::from(spec.loader.clone()),
                    list.value.clone(),
                ]);
            }
            let mut l = spec.extra.clone();
            l.insert("loader".into(), spec.loader.clone().into());
            if let Some(inner) = &spec.loaders {
                l.insert("loaders".into(), loaders_value(inner));
            }
            if let Some(dirs) = &spec.dirs {
                l.insert("dirs".into(), paths_value(dirs));
            }
            if let Some(templates) = &spec.templates {
                let t: Dict = templates
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone().into()))
                    .collect();
                l.insert("templates".into(), t.into());
            }
            FigValue::from(l)
        })
        .collect::<Vec<_>>()
        .into()
}
