//! Engine-specific options, checked by the backend, and building engines
//! through the registry.

use super::*;

// ---------------------------------------------------------------------------
// Engine-specific options, checked by the backend

#[test]
fn engine_options_are_checked_by_the_engine() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        let s = load(j, "platen.toml").unwrap();
        let file = file_of(j, "platen.toml");
        let hbs = &s.templates[0];
        hbs.deny_unknown_options(&["strict_mode", "dev_mode"])
            .unwrap();
        let text = assert_bad(
            &hbs.deny_unknown_options(&["dev_mode"]).unwrap_err(),
            "templates[0].options.strict_mode",
            &file,
        );
        insta::assert_snapshot!(text);
        let text = hbs
            .deny_unknown_options(&["strict_modes"])
            .unwrap_err()
            .to_string();
        insta::assert_snapshot!(redact(&text));
        let text = hbs.deny_unknown_options(&[]).unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        let text = assert_bad(
            &hbs.option::<Vec<String>>("strict_mode").unwrap_err(),
            "templates[0].options.strict_mode",
            &file,
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"platen.tera\"\noptions = { autoescpae = false }\n",
        )?;
        let s = load(j, "platen.toml").unwrap();
        let text = s.templates[0]
            .deny_unknown_options(&["autoescape_on", "filters"])
            .unwrap_err()
            .to_string();
        insta::assert_snapshot!(redact(&text));
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Building engines through the registry

#[derive(Debug)]
struct Dummy {
    name: String,
}

impl Engine for Dummy {
    fn name(&self) -> &str {
        &self.name
    }
    fn backend(&self) -> &str {
        "test.dummy"
    }
    fn get_template(&self, name: &str) -> platen_core::Result<Arc<dyn Template>> {
        Err(Error::not_found(name, Vec::new()))
    }
    fn from_string(&self, _source: &str) -> platen_core::Result<Arc<dyn Template>> {
        Err(Error::new(ErrorKind::Unsupported, "dummy"))
    }
    fn check(&self) -> Vec<Error> {
        Vec::new()
    }
    fn template_names(&self) -> platen_core::Result<Vec<String>> {
        Ok(Vec::new())
    }
    fn reset(&self) {}
}

#[derive(Debug)]
struct NamedLoader(String);

impl Loader for NamedLoader {
    fn kind(&self) -> &str {
        &self.0
    }
    fn get_template_sources(&self, _name: &str) -> Vec<Origin> {
        Vec::new()
    }
    fn get_contents(&self, origin: &Origin) -> platen_core::Result<String> {
        Err(Error::not_found(&origin.template_name, Vec::new()))
    }
}

/// A loader kind, with the kinds of its inner loaders: `cached(filesystem)`.
fn describe_loader(spec: &LoaderSpec, env: &LoaderEnv<'_>) -> platen_core::Result<Arc<dyn Loader>> {
    let mut name = spec.loader.clone();
    if let Some(inner) = &spec.loaders {
        let inner: Vec<String> = inner
            .iter()
            .map(|s| env.build(s).map(|l| l.kind().to_owned()))
            .collect::<platen_core::Result<_>>()?;
        name = format!("{name}({})", inner.join(","));
    }
    if env.auto_reload {
        name.push('!');
    }
    Ok(Arc::new(NamedLoader(name)))
}

/// What the dummy backend was given, per engine: its loaders' kinds and its debug mode.
type Built = Arc<Mutex<Vec<(String, Vec<String>, bool)>>>;

pub(super) fn registry() -> Registry {
    registry_recording(Built::default())
}

fn registry_recording(built: Built) -> Registry {
    let mut r = Registry::new();
    r.register_backend(
        "test.dummy",
        move |entry: &EngineSettings, env: &BuildEnv<'_>| -> platen_core::Result<Arc<dyn Engine>> {
            entry.deny_unknown_options(&["flag"])?;
            entry.option::<bool>("flag")?;
            let loaders = env.loaders.iter().map(|l| l.kind().to_owned()).collect();
            built
                .lock()
                .unwrap()
                .push((entry.name.clone(), loaders, env.debug));
            Ok(Arc::new(Dummy {
                name: entry.name.clone(),
            }))
        },
    );
    for name in [
        platen_core::FILESYSTEM_LOADER,
        platen_core::APP_DIRECTORIES_LOADER,
        platen_core::CACHED_LOADER,
        "platen.loaders.locmem",
    ] {
        r.register_loader(name, describe_loader);
    }
    r.register_wrapping_loader(platen_core::CACHED_LOADER, describe_loader);
    r.register_alias(
        "django.template.loaders.filesystem.Loader",
        platen_core::FILESYSTEM_LOADER,
    );
    r.register_alias(
        "django.template.loaders.cached.Loader",
        platen_core::CACHED_LOADER,
    );
    r.register_alias(
        "django.template.loaders.locmem.Loader",
        "platen.loaders.locmem",
    );
    r
}

#[test]
fn the_registry_builds_the_default_and_declared_loader_chains() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.toml",
            r#"
apps = ["apps/blog"]
[[templates]]
backend = "test.dummy"
name = "plain"
dirs = ["t/tera"]
[[templates]]
backend = "test.dummy"
name = "apps"
app_dirs = true
options.debug = true
[[templates]]
backend = "test.dummy"
name = "declared"
options.loaders = ["django.template.loaders.filesystem.Loader", { loader = "platen.loaders.locmem", templates = {} }]
"#,
        )?;
        let s = load(j, "platen.toml").unwrap();
        let built = Built::default();
        let engines = registry_recording(built.clone()).build_engines(&s).unwrap();
        assert_eq!(
            engines.all().iter().map(|e| e.name()).collect::<Vec<_>>(),
            ["plain", "apps", "declared"]
        );
        let built = built.lock().unwrap();
        let cached = |inner: &str| format!("platen.loaders.cached({inner})");
        assert_eq!(
            built[0],
            (
                "plain".into(),
                vec![cached("platen.loaders.filesystem")],
                false
            )
        );
        assert_eq!(
            built[1],
            (
                "apps".into(),
                vec![cached("platen.loaders.filesystem!,platen.loaders.app_directories!") + "!"],
                true
            ),
            "app_dirs adds app_directories; debug turns on auto-reload"
        );
        assert_eq!(
            built[2].1,
            [
                "django.template.loaders.filesystem.Loader",
                "platen.loaders.locmem"
            ],
            "declared loaders, aliases accepted"
        );
        Ok(())
    });
}

#[test]
fn the_registry_refuses_unknown_backends_and_loaders_naming_key_and_source() {
    jail(|j| {
        dirs(j);
        let file = file_of(j, "platen.toml");
        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"test.dummy\"\n[[templates]]\nbackend = \"test.dumy\"\nname = \"b\"\n",
        )?;
        let err = registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap_err();
        let text = assert_bad(&err, "templates[1].backend", &file);
        insta::assert_snapshot!(text);

        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"test.dummy\"\noptions.loaders = [{ loader = \"platen.loaders.cached\", loaders = [\"platen.loaders.filesytem\"] }]\n",
        )?;
        let err = registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap_err();
        let text = assert_bad(&err, "templates[0].options.loaders[0].loaders[0]", &file);
        insta::assert_snapshot!(text);

        // A loader named by an environment variable names the variable.
        j.create_file("platen.toml", "[[templates]]\nbackend = \"test.dummy\"\n")?;
        j.set_env(
            "PLATEN_TEMPLATES__DUMMY__OPTIONS__LOADERS",
            "[platen.loaders.nope]",
        );
        let err = registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap_err();
        insta::assert_snapshot!(assert_bad(
            &err,
            "templates[0].options.loaders[0]",
            "environment variable PLATEN_TEMPLATES__DUMMY__OPTIONS__LOADERS",
        ));
        j.set_env(
            "PLATEN_TEMPLATES__DUMMY__OPTIONS__LOADERS",
            "[platen.loaders.locmem]",
        );

        // The backend checks its options.
        j.set_env("PLATEN_TEMPLATES__DUMMY__OPTIONS__FLAG", "maybe");
        let err = registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap_err();
        insta::assert_snapshot!(assert_bad(
            &err,
            "templates[0].options.flag",
            "environment variable PLATEN_TEMPLATES__DUMMY__OPTIONS__FLAG",
        ));
        j.set_env("PLATEN_TEMPLATES__DUMMY__OPTIONS__FLAG", "on");
        registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap();
        j.set_env("PLATEN_TEMPLATES__DUMMY__OPTIONS__FLGA", "on");
        let err = registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap_err();
        let text = assert_bad(
            &err,
            "templates[0].options.flga",
            "PLATEN_TEMPLATES__DUMMY__OPTIONS__FLGA",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
}

#[test]
fn the_registry_refuses_app_dirs_beside_declared_loaders() {
    jail(|j| {
        j.create_file("platen.toml", "[[templates]]\nbackend = \"test.dummy\"\napp_dirs = true\noptions.loaders = [\"platen.loaders.filesystem\"]\n")?;
        let err = registry()
            .build_engines(&load(j, "platen.toml").unwrap())
            .unwrap_err();
        insta::assert_snapshot!(assert_bad(
            &err,
            "templates[0].app_dirs",
            &file_of(j, "platen.toml")
        ));
        Ok(())
    });
}
