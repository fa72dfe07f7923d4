//! The factories that build each loader from its settings entry.

use std::sync::Arc;

use platen_core::{
    APP_DIRECTORIES_LOADER, CACHED_LOADER, Error, FILESYSTEM_LOADER, Loader, LoaderEnv, LoaderSpec,
    Registry, Result,
};

use crate::locmem::LOCMEM_LOADER;
use crate::{
    AppDirectoriesLoader, CacheOptions, CachedLoader, Charset, FilesystemLoader, LocmemLoader,
};

/// Django's loader names, accepted in settings as aliases of ours.
pub const DJANGO_ALIASES: &[(&str, &str)] = &[
    (
        "django.template.loaders.filesystem.Loader",
        FILESYSTEM_LOADER,
    ),
    (
        "django.template.loaders.app_directories.Loader",
        APP_DIRECTORIES_LOADER,
    ),
    ("django.template.loaders.locmem.Loader", LOCMEM_LOADER),
    ("django.template.loaders.cached.Loader", CACHED_LOADER),
];

/// Registers the filesystem, app directories, locmem and cached loaders
/// under their names (`platen.loaders.filesystem`, ...) and Django's
/// (`django.template.loaders.filesystem.Loader`, ...); the cached loader is
/// registered as wrapping others, so Django's pair `["...cached.Loader",
/// [...]]` lists its inner loaders.
pub fn register(registry: &mut Registry) {
    registry
        .register_loader(FILESYSTEM_LOADER, build_filesystem)
        .register_loader(APP_DIRECTORIES_LOADER, build_app_directories)
        .register_loader(LOCMEM_LOADER, build_locmem)
        .register_wrapping_loader(CACHED_LOADER, build_cached);
    for (alias, name) in DJANGO_ALIASES {
        registry.register_alias(alias, name);
    }
}

/// `platen.loaders.filesystem`: `dirs` of the entry, else the engine's `dirs`.
fn build_filesystem(spec: &LoaderSpec, env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> {
    check_arguments(spec, &["dirs"])?;
    let dirs = spec.dirs.clone().unwrap_or_else(|| env.engine.dirs.clone());
    Ok(Arc::new(
        FilesystemLoader::new(dirs).with_charset(charset(env)?),
    ))
}

/// `platen.loaders.app_directories`: `<app>/templates` of each of `apps`.
fn build_app_directories(spec: &LoaderSpec, env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> {
    check_arguments(spec, &[])?;
    Ok(Arc::new(
        AppDirectoriesLoader::from_apps(&env.settings.apps).with_charset(charset(env)?),
    ))
}

/// `platen.loaders.locmem`: the entry's `templates` table.
fn build_locmem(spec: &LoaderSpec, _env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> {
    check_arguments(spec, &["templates"])?;
    let templates = spec.templates.clone().unwrap_or_default();
    Ok(Arc::new(LocmemLoader::new(templates)))
}

/// `platen.loaders.cached`: the entry's `loaders`, else the filesystem
/// loader over the engine's `dirs`; auto-reloading in debug mode.
fn build_cached(spec: &LoaderSpec, env: &LoaderEnv<'_>) -> Result<Arc<dyn Loader>> {
    check_arguments(spec, &["loaders"])?;
    let inner = match &spec.loaders {
        Some(specs) => specs
            .iter()
            .map(|s| env.build(s))
            .collect::<Result<Vec<_>>>()?,
        None => {
            let mut names = vec![FILESYSTEM_LOADER];
            if env.engine.app_dirs {
                names.push(APP_DIRECTORIES_LOADER);
            }
            names
                .into_iter()
                .enumerate()
                .map(|(i, name)| {
                    env.build(&LoaderSpec {
                        loader: name.to_owned(),
                        loaders: None,
                        dirs: None,
                        templates: None,
                        extra: Default::default(),
                        key: format!("{}.loaders[{i}]", spec.key),
                        source: spec.source.clone(),
                        pair_list: None,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }
    };
    let options = CacheOptions {
        auto_reload: env.auto_reload,
        watch: true,
    };
    Ok(Arc::new(CachedLoader::with_options(inner, options)))
}

/// The engine's `options.file_charset`.
fn charset(env: &LoaderEnv<'_>) -> Result<Charset> {
    let name = &env.engine.options.file_charset;
    Charset::from_name(name).ok_or_else(|| {
        env.engine.error(
            "options.file_charset",
            format!("unsupported file charset `{name}` (supported: utf-8, latin-1)"),
        )
    })
}

/// Fails on an argument the loader does not take, naming its key.
fn check_arguments(spec: &LoaderSpec, allowed: &[&str]) -> Result<()> {
    let mut given: Vec<&str> = Vec::new();
    if spec.dirs.is_some() {
        given.push("dirs");
    }
    if spec.loaders.is_some() {
        given.push("loaders");
    }
    if spec.templates.is_some() {
        given.push("templates");
    }
    given.extend(spec.extra.keys().map(String::as_str));
    match given.into_iter().find(|arg| !allowed.contains(arg)) {
        None => Ok(()),
        Some(arg) => {
            let takes = match allowed {
                [] => "no arguments".to_owned(),
                [one] => format!("only `{one}`"),
                many => format!(
                    "only {}",
                    many.iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            Err(Error::bad_setting(
                format!("{}.{arg}", spec.key),
                spec.source.clone(),
                format!(
                    "`{arg}` is not an argument of the `{}` loader (it takes {takes})",
                    spec.loader
                ),
            ))
        }
    }
}
