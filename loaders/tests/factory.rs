//! Building the loaders from settings through the registry, by platen's
//! names and Django's.

mod common;

use std::path::Path;

use common::{TestCompiler, get, write};
use figment::Figment;
use figment::providers::{Format, Toml};
use platen_core::{
    APP_DIRECTORIES_LOADER, CACHED_LOADER, ErrorKind, FILESYSTEM_LOADER, Loader, Registry, Settings,
};
use platen_loaders::{DJANGO_ALIASES, LOCMEM_LOADER, register};

fn registry() -> Registry {
    let mut registry = Registry::new();
    register(&mut registry);
    registry
}

fn settings(base: &Path, toml: &str) -> Settings {
    Settings::from_figment(Figment::from(Toml::string(toml)), base, None).unwrap()
}

/// A project: two template dirs, an app with templates, a latin-1 file.
fn project() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "templates/page.html", "page from dirs");
    write(root.path(), "more/extra.html", "extra");
    write(
        root.path(),
        "blog/templates/blog/post.html",
        "post from app",
    );
    std::fs::write(root.path().join("more/latin.html"), b"caf\xe9").unwrap();
    root
}

#[test]
fn registers_every_loader_and_djangos_names() {
    let registry = registry();
    let names = registry.loader_names();
    for name in [
        FILESYSTEM_LOADER,
        APP_DIRECTORIES_LOADER,
        LOCMEM_LOADER,
        CACHED_LOADER,
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(DJANGO_ALIASES.len(), 4);
}

#[test]
fn the_default_chain_is_cached_filesystem_and_app_directories() {
    let root = project();
    let s = settings(
        root.path(),
        r#"
        apps = ["blog"]
        [[templates]]
        backend = "test.engine"
        dirs = ["templates"]
        app_dirs = true
        "#,
    );
    let loaders = registry().build_loaders(&s.templates[0], &s).unwrap();
    assert_eq!(loaders.len(), 1);
    assert_eq!(loaders[0].kind(), CACHED_LOADER);
    let debug = format!("{:?}", loaders[0]);
    assert!(debug.contains("auto_reload: false"), "{debug}");
    let c = TestCompiler::new();
    assert_eq!(
        get(&*loaders[0], "page.html", &c).unwrap(),
        "page from dirs"
    );
    assert_eq!(
        get(&*loaders[0], "blog/post.html", &c).unwrap(),
        "post from app"
    );
}

fn explicit_chain(root: &Path, prefix: &str, debug: bool) -> Vec<std::sync::Arc<dyn Loader>> {
    let (fs, app, mem, cached) = if prefix == "django" {
        (
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
            "django.template.loaders.locmem.Loader",
            "django.template.loaders.cached.Loader",
        )
    } else {
        (
            FILESYSTEM_LOADER,
            APP_DIRECTORIES_LOADER,
            LOCMEM_LOADER,
            CACHED_LOADER,
        )
    };
    let toml = format!(
        r#"
        debug = {debug}
        apps = [{{ name = "blog", path = "blog" }}]
        [[templates]]
        backend = "test.engine"
        dirs = ["templates"]
        [templates.options]
        file_charset = "latin-1"
        loaders = [
            {{ loader = "{fs}", dirs = ["more"] }},
            "{fs}",
            "{app}",
            {{ loader = "{mem}", templates = {{ "mem.html" = "in memory" }} }},
            {{ loader = "{cached}", loaders = [{{ loader = "{mem}", templates = {{ "c.html" = "cached mem" }} }}] }},
            "{cached}",
        ]
        "#
    );
    let s = settings(root, &toml);
    registry().build_loaders(&s.templates[0], &s).unwrap()
}

#[test]
fn explicit_chains_by_platen_and_django_names() {
    let root = project();
    for prefix in ["platen", "django"] {
        let loaders = explicit_chain(root.path(), prefix, false);
        let kinds: Vec<&str> = loaders.iter().map(|l| l.kind()).collect();
        assert_eq!(
            kinds,
            [
                FILESYSTEM_LOADER,
                FILESYSTEM_LOADER,
                APP_DIRECTORIES_LOADER,
                LOCMEM_LOADER,
                CACHED_LOADER,
                CACHED_LOADER
            ],
            "{prefix}"
        );
        let c = TestCompiler::new();
        // The entry's own `dirs`, in the engine's charset.
        assert_eq!(get(&*loaders[0], "extra.html", &c).unwrap(), "extra");
        assert_eq!(get(&*loaders[0], "latin.html", &c).unwrap(), "café");
        assert!(loaders[0].get_template("page.html", &[], &c).is_err());
        // Without `dirs`, the engine's.
        assert_eq!(
            get(&*loaders[1], "page.html", &c).unwrap(),
            "page from dirs"
        );
        assert_eq!(
            get(&*loaders[2], "blog/post.html", &c).unwrap(),
            "post from app"
        );
        assert_eq!(get(&*loaders[3], "mem.html", &c).unwrap(), "in memory");
        assert_eq!(get(&*loaders[4], "c.html", &c).unwrap(), "cached mem");
        // A cached loader without `loaders` wraps the filesystem loader over the engine's dirs.
        assert_eq!(
            get(&*loaders[5], "page.html", &c).unwrap(),
            "page from dirs"
        );
    }
}

#[test]
fn debug_mode_makes_the_cache_auto_reload() {
    let root = project();
    let loaders = explicit_chain(root.path(), "platen", true);
    let debug = format!("{:?}", loaders[5]);
    assert!(debug.contains("auto_reload: true"), "{debug}");
    let c = TestCompiler::new();
    assert_eq!(
        get(&*loaders[5], "page.html", &c).unwrap(),
        "page from dirs"
    );
    write(root.path(), "templates/page.html", "edited");
    assert!(common::eventually(|| get(&*loaders[5], "page.html", &c)
        .unwrap()
        == "edited"));
}

#[test]
fn an_argument_a_loader_does_not_take_is_a_settings_error() {
    let root = project();
    let s = settings(
        root.path(),
        r#"
        [[templates]]
        backend = "test.engine"
        [templates.options]
        loaders = [{ loader = "platen.loaders.locmem", dirs = ["templates"] }]
        "#,
    );
    let err = registry().build_loaders(&s.templates[0], &s).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    assert_eq!(
        err.settings_key(),
        Some("templates[0].options.loaders[0].dirs")
    );
    assert!(err.to_string().contains("only `templates`"), "{err}");

    let s = settings(
        root.path(),
        r#"
        [[templates]]
        backend = "test.engine"
        [templates.options]
        loaders = [{ loader = "django.template.loaders.cached.Loader", loaders = [{ loader = "platen.loaders.filesystem", colour = "red" }] }]
        "#,
    );
    let err = registry().build_loaders(&s.templates[0], &s).unwrap_err();
    assert_eq!(
        err.settings_key(),
        Some("templates[0].options.loaders[0].loaders[0].colour")
    );
}
