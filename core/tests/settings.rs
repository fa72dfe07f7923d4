//! The settings: layering (defaults < file < profile < environment), file
//! formats, paths, environment variables, and every class of error, each
//! checked to name the key and the file or variable it came from.
//!
//! Every test runs in a `figment::Jail`: a temporary current directory and
//! an environment restored afterwards, serialised across tests. Each starts
//! by clearing the environment, so a `PLATEN_` variable of the machine
//! running the tests cannot change the results.

// `Jail`'s closures return `figment::Error`, which is large; that is its API.
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use figment::Jail;
use platen_core::settings;
use platen_core::{
    BuildEnv, Engine, EngineSettings, Error, ErrorKind, Loader, LoaderEnv, LoaderSpec, Origin,
    Registry, Settings, Template,
};

/// Runs `f` in a jail with an empty environment; errors of the jail itself
/// (creating files) fail the test.
fn jail(f: impl FnOnce(&mut Jail) -> Result<(), figment::Error>) {
    Jail::expect_with(|j| {
        clear_env(j);
        f(j)
    });
}

/// Clears the jail's environment but for insta's own variables
/// (`INSTA_UPDATE`, ...) and `CI`, and tells insta where the workspace is
/// (it cannot run `cargo metadata` without `PATH`), so snapshots are found
/// and written as usual.
fn clear_env(j: &mut Jail) {
    let keep: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("INSTA_") || k == "CI")
        .collect();
    j.clear_env();
    for (k, v) in &keep {
        j.set_env(k, v);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    j.set_env("INSTA_WORKSPACE_ROOT", workspace.display());
}

/// The jail's directory.
fn root(j: &Jail) -> std::path::PathBuf {
    j.directory().to_path_buf()
}

fn load(j: &Jail, file: &str) -> platen_core::Result<Settings> {
    Settings::load(root(j).join(file))
}

fn file_of(j: &Jail, file: &str) -> String {
    root(j).join(file).display().to_string()
}

fn mkdirs(j: &Jail, dirs: &[&str]) {
    for d in dirs {
        std::fs::create_dir_all(root(j).join(d)).unwrap();
    }
}

/// The usual directories of these tests.
fn dirs(j: &Jail) {
    mkdirs(
        j,
        &[
            "t/hbs",
            "t/tera",
            "t/shared",
            "t/other",
            "apps/blog/templates",
            "apps/shop",
        ],
    );
}

const TWO: &str = r#"
debug = true
static_url = "/file/"

[[templates]]
backend = "platen.handlebars"
name = "hbs"
dirs = ["t/hbs"]
options = { strict_mode = true }

[[templates]]
backend = "platen.tera"
dirs = ["t/tera", "t/shared"]

[profiles.prod]
debug = false
static_url = "/prod/"

[profiles.staging]
static_url = "/staging/"
"#;

/// Asserts `err` is a settings error naming `key` (exactly) and a source
/// that contains `source`, and returns its text.
#[track_caller]
fn assert_bad(err: &Error, key: &str, source: &str) -> String {
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::BadSettings, "{text}");
    assert_eq!(err.settings_key(), Some(key), "{text}");
    let src = err
        .settings_source()
        .unwrap_or_else(|| panic!("no source in: {text}"));
    assert!(
        src.contains(source),
        "source `{src}` should contain `{source}`: {text}"
    );
    assert!(text.contains(&format!("`{key}`")), "{text}");
    assert!(text.contains(source), "{text}");
    redact(&text)
}

/// `text` with the jail's directory (the current directory, as written and
/// canonical) replaced by `[DIR]`, so that snapshots are the same on any
/// machine.
fn redact(text: &str) -> String {
    let dir = std::env::current_dir().unwrap();
    let mut text = text.to_owned();
    let mut forms = vec![dir.display().to_string()];
    if let Ok(canonical) = dir.canonicalize() {
        forms.push(canonical.display().to_string());
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    for form in forms {
        text = text.replace(&form, "[DIR]");
    }
    text
}

/// Writes `platen.toml`, loads it, expects a refusal naming `key` and the file.
#[track_caller]
fn refused(j: &Jail, toml: &str, key: &str) -> String {
    j.create_file("platen.toml", toml).unwrap();
    let err = load(j, "platen.toml").expect_err("the settings must be refused");
    assert_bad(&err, key, &file_of(j, "platen.toml"))
}

// ---------------------------------------------------------------------------
// Values, defaults and layering

#[test]
fn file_values_and_defaults() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        let s = load(j, "platen.toml").unwrap();
        assert!(s.debug);
        assert_eq!(s.static_url, "/file/");
        assert_eq!(s.profile, None);
        assert_eq!(
            s.file.as_deref(),
            Some(root(j).join("platen.toml").as_path())
        );
        assert_eq!(s.base_dir, root(j));
        assert_eq!(s.templates.len(), 2);
        let hbs = &s.templates[0];
        assert_eq!(
            (hbs.index, hbs.name.as_str(), hbs.backend.as_str()),
            (0, "hbs", "platen.handlebars")
        );
        assert_eq!(hbs.option::<bool>("strict_mode").unwrap(), Some(true));
        assert_eq!(
            hbs.option::<bool>("dev_mode").unwrap(),
            None,
            "an unset option is None"
        );
        assert!(hbs.options.autoescape, "autoescape defaults to true");
        assert_eq!(hbs.options.debug, None);
        assert!(hbs.debug(&s), "an engine's debug follows the global debug");
        assert_eq!(hbs.options.file_charset, "utf-8");
        assert_eq!(hbs.options.string_if_invalid, "");
        assert!(
            hbs.options.loaders.is_none(),
            "no loaders means the default chain"
        );
        assert!(!hbs.app_dirs);
        assert_eq!(
            hbs.options.extra.keys().collect::<Vec<_>>(),
            ["strict_mode"],
            "common options are not extra"
        );
        // The default name is the backend's last segment.
        assert_eq!(s.templates[1].name, "tera");
        assert_eq!(s.engine("tera").unwrap().index, 1);
        assert!(s.engine("nope").is_none());
        assert_eq!(
            s.templates[1].dirs,
            vec![root(j).join("t/tera"), root(j).join("t/shared")]
        );
        Ok(())
    });
}

#[test]
fn built_in_defaults_without_a_file() {
    jail(|_| {
        let s = Settings::from_env().unwrap();
        assert!(!s.debug);
        assert_eq!(s.static_url, "static/");
        assert_eq!(s.static_url, settings::DEFAULT_STATIC_URL);
        assert!(s.templates.is_empty() && s.apps.is_empty());
        assert_eq!(s.file, None);
        assert_eq!(s.source_of("debug").as_deref(), Some("built-in defaults"));
        assert_eq!(s.source_of("templates"), None, "nothing set");
        let d = Settings::default();
        assert_eq!(
            (d.debug, d.static_url.as_str(), d.templates.len()),
            (false, "static/", 0)
        );
        assert_eq!(d.source_of("debug"), None);
        Ok(())
    });
}

#[test]
fn defaults_then_file_then_profile_then_environment() {
    jail(|j| {
        dirs(j);
        let file = file_of(j, "platen.toml");
        // Defaults only (an empty file).
        j.create_file("platen.toml", "")?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!((s.debug, s.static_url.as_str()), (false, "static/"));
        assert_eq!(
            s.source_of("static_url").as_deref(),
            Some("built-in defaults")
        );
        // The file over the defaults.
        j.create_file("platen.toml", TWO)?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!((s.debug, s.static_url.as_str()), (true, "/file/"));
        assert_eq!(s.source_of("static_url"), Some(file.clone()));
        // The profile over the file.
        j.set_env("PLATEN_PROFILE", "prod");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!((s.debug, s.static_url.as_str()), (false, "/prod/"));
        assert_eq!(s.profile.as_deref(), Some("prod"));
        assert_eq!(
            s.source_of("static_url"),
            Some(format!("{file}, section [profiles.prod]"))
        );
        assert_eq!(
            s.source_of("templates[0].dirs").as_deref(),
            Some(file.as_str()),
            "the rest stays the file's"
        );
        // The environment over the profile.
        j.set_env("PLATEN_STATIC_URL", "/env/");
        j.set_env("PLATEN_DEBUG", "true");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!((s.debug, s.static_url.as_str()), (true, "/env/"));
        assert_eq!(
            s.source_of("static_url").as_deref(),
            Some("environment variable PLATEN_STATIC_URL")
        );
        assert_eq!(
            s.source_of("debug").as_deref(),
            Some("environment variable PLATEN_DEBUG")
        );
        Ok(())
    });
}

#[test]
fn the_profile_is_chosen_in_the_file_or_the_environment() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", &format!("profile = \"prod\"\n{TWO}"))?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "/prod/");
        assert!(!s.debug);
        assert_eq!(s.profile.as_deref(), Some("prod"));
        // The environment picks another one...
        j.set_env("PLATEN_PROFILE", "staging");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "/staging/");
        assert!(
            s.debug,
            "staging does not change debug: the file's value stays"
        );
        assert_eq!(s.profile.as_deref(), Some("staging"));
        // ...or none at all.
        j.set_env("PLATEN_PROFILE", "");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "/file/");
        assert_eq!(s.profile, None);
        Ok(())
    });
}

#[test]
fn a_profile_replaces_lists_and_merges_tables() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.toml",
            r#"
profile = "dev"
apps = ["apps/blog"]

[[templates]]
backend = "platen.tera"
dirs = ["t/tera"]

[profiles.dev]
apps = ["apps/shop"]
templates = [{ backend = "platen.dtl", dirs = ["t/other"] }]
"#,
        )?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.apps.len(), 1);
        assert_eq!(s.apps[0].path, root(j).join("apps/shop"));
        assert_eq!(s.templates.len(), 1);
        assert_eq!(s.templates[0].name, "dtl");
        assert_eq!(s.templates[0].dirs, vec![root(j).join("t/other")]);
        let source = s.templates[0].source_of("dirs").unwrap();
        assert!(
            source.ends_with("platen.toml, section [profiles.dev]"),
            "{source}"
        );
        Ok(())
    });
}

#[test]
fn environment_changes_one_engine_by_name() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE", "false");
        j.set_env("PLATEN_TEMPLATES__TERA__OPTIONS__AUTOESCAPE", "false");
        let s = load(j, "platen.toml").unwrap();
        let hbs = &s.templates[0];
        assert_eq!(hbs.option::<bool>("strict_mode").unwrap(), Some(false));
        assert_eq!(
            hbs.source_of("options.strict_mode").as_deref(),
            Some("environment variable PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE"),
            "the variable as it was written, not a reconstruction"
        );
        assert_eq!(hbs.dirs, vec![root(j).join("t/hbs")], "other keys are kept");
        assert_eq!(
            hbs.source_of("dirs"),
            Some(file_of(j, "platen.toml")),
            "and keep their source"
        );
        assert_eq!(hbs.source_of("backend"), Some(file_of(j, "platen.toml")));
        // `tera` is the default name of the second entry.
        assert!(!s.templates[1].options.autoescape);
        assert!(s.templates[0].options.autoescape);
        Ok(())
    });
}

#[test]
fn environment_changes_one_engine_by_position_and_one_list_item() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__0__DIRS", "[t/other, t/shared]");
        j.set_env("PLATEN_TEMPLATES__1__DIRS__1", "t/other");
        j.set_env("PLATEN_TEMPLATES__1__APP_DIRS", "yes");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(
            s.templates[0].dirs,
            vec![root(j).join("t/other"), root(j).join("t/shared")]
        );
        assert_eq!(
            s.templates[1].dirs,
            vec![root(j).join("t/tera"), root(j).join("t/other")]
        );
        assert!(s.templates[1].app_dirs);
        assert_eq!(
            s.templates[1].source_of("dirs.0"),
            Some(file_of(j, "platen.toml"))
        );
        assert_eq!(
            s.templates[1].source_of("dirs.1").as_deref(),
            Some("environment variable PLATEN_TEMPLATES__1__DIRS__1")
        );
        Ok(())
    });
}

#[test]
fn engine_names_in_variables_ignore_case_and_read_dashes_as_underscores() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"platen.tera\"\nname = \"My-Engine\"\n",
        )?;
        j.set_env("PLATEN_TEMPLATES__MY_ENGINE__DIRS", "[t/tera]");
        j.set_env("platen_templates__my_engine__options__debug", "on");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.templates[0].dirs, vec![root(j).join("t/tera")]);
        assert_eq!(s.templates[0].options.debug, Some(true));
        Ok(())
    });
}

#[test]
fn environment_replaces_the_engine_list_then_changes_it() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env(
            "PLATEN_TEMPLATES",
            r#"[{backend="platen.tera",dirs=["t/tera"]}, {backend="platen.dtl"}]"#,
        );
        // Applied after the whole list, however the variables are ordered.
        j.set_env("PLATEN_TEMPLATES__DTL__NAME", "django");
        j.set_env("PLATEN_TEMPLATES__0__OPTIONS__FILTERS", "[upper]");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.templates.len(), 2);
        assert_eq!(s.templates[0].name, "tera");
        assert_eq!(
            s.templates[0].option::<Vec<String>>("filters").unwrap(),
            Some(vec!["upper".to_owned()])
        );
        assert_eq!(s.templates[1].name, "django");
        assert_eq!(
            s.templates[0].source_of("dirs").as_deref(),
            Some("environment variable PLATEN_TEMPLATES")
        );
        Ok(())
    });
}

#[test]
fn environment_text_is_read_by_the_type_of_its_key() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_STATIC_URL", "8080");
        j.set_env("PLATEN_DEBUG", "0");
        j.set_env(
            "PLATEN_TEMPLATES__HBS__OPTIONS__STRING_IF_INVALID",
            "[invalid]",
        );
        j.set_env(
            "PLATEN_TEMPLATES__HBS__OPTIONS__CONTEXT_PROCESSORS",
            "[auth, 42]",
        );
        j.set_env("PLATEN_TEMPLATES__HBS__OPTIONS__DEV_MODE", "yes");
        j.set_env("PLATEN_TEMPLATES__HBS__OPTIONS__PREFIX", "42");
        j.set_env(
            "PLATEN_TEMPLATES__HBS__OPTIONS__EXTENSIONS",
            "[.hbs, .handlebars]",
        );
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "8080", "a string key takes the text verbatim");
        assert!(!s.debug, "0 is false");
        let hbs = &s.templates[0];
        assert_eq!(hbs.options.string_if_invalid, "[invalid]");
        assert_eq!(hbs.options.context_processors, ["auth", "42"]);
        assert_eq!(
            hbs.option::<bool>("dev_mode").unwrap(),
            Some(true),
            "yes is true for an engine option too"
        );
        assert_eq!(
            hbs.option::<String>("prefix").unwrap().as_deref(),
            Some("42")
        );
        assert_eq!(hbs.option::<u32>("prefix").unwrap(), Some(42));
        assert_eq!(
            hbs.option::<Vec<String>>("extensions").unwrap(),
            Some(vec![".hbs".into(), ".handlebars".into()])
        );
        // A quoted value stays a string.
        j.set_env("PLATEN_TEMPLATES__HBS__OPTIONS__PREFIX", "\"007\"");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(
            s.templates[0]
                .option::<String>("prefix")
                .unwrap()
                .as_deref(),
            Some("007")
        );
        Ok(())
    });
}

#[test]
fn file_values_are_not_relaxed_like_environment_text() {
    jail(|j| {
        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"x.y\"\noptions = { flag = \"yes\", text = 3 }\n",
        )?;
        let s = load(j, "platen.toml").unwrap();
        let e = &s.templates[0];
        insta::assert_snapshot!(assert_bad(
            &e.option::<bool>("flag").unwrap_err(),
            "templates[0].options.flag",
            &file_of(j, "platen.toml"),
        ));
        insta::assert_snapshot!(assert_bad(
            &e.option::<String>("text").unwrap_err(),
            "templates[0].options.text",
            &file_of(j, "platen.toml"),
        ));
        Ok(())
    });
}

#[test]
fn environment_sets_a_key_of_a_profile_section() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_PROFILE", "prod");
        j.set_env("PLATEN_PROFILES__PROD__STATIC_URL", "/cdn/");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "/cdn/");
        assert!(!s.debug, "the rest of the profile applies");
        assert_eq!(
            s.source_of("static_url").as_deref(),
            Some("environment variable PLATEN_PROFILES__PROD__STATIC_URL")
        );
        Ok(())
    });
}

#[test]
fn platen_settings_is_not_a_setting() {
    jail(|j| {
        j.create_file("platen.toml", "debug = true\n")?;
        j.set_env("PLATEN_SETTINGS", "platen.toml");
        assert!(load(j, "platen.toml").unwrap().debug);
        assert!(settings::ENV_NOT_SETTINGS.contains(&"PLATEN_SETTINGS"));
        Ok(())
    });
}

#[test]
fn yaml_and_json_files() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.yaml",
            "debug: true\ntemplates:\n  - backend: platen.tera\n    dirs: [t/tera]\n    options:\n      autoescape: false\n      autoescape_on: [.txt]\nprofiles:\n  prod:\n    debug: false\n",
        )?;
        let s = load(j, "platen.yaml").unwrap();
        assert!(s.debug);
        assert!(!s.templates[0].options.autoescape);
        assert_eq!(s.templates[0].dirs, vec![root(j).join("t/tera")]);
        assert_eq!(
            s.templates[0]
                .option::<Vec<String>>("autoescape_on")
                .unwrap(),
            Some(vec![".txt".into()])
        );
        assert_eq!(
            s.templates[0].source_of("dirs"),
            Some(file_of(j, "platen.yaml"))
        );
        j.set_env("PLATEN_PROFILE", "prod");
        assert!(!load(j, "platen.yaml").unwrap().debug);
        j.set_env("PLATEN_PROFILE", "");

        j.create_file("platen.yml", "static_url: /yml/\n")?;
        assert_eq!(load(j, "platen.yml").unwrap().static_url, "/yml/");

        j.create_file(
            "platen.json",
            r#"{"templates": [{"backend": "platen.dtl", "name": "django", "app_dirs": true, "dirs": ["t/shared"]}]}"#,
        )?;
        let s = load(j, "platen.json").unwrap();
        assert_eq!(s.templates[0].name, "django");
        assert!(s.templates[0].app_dirs);
        assert_eq!(
            s.templates[0].source_of("dirs.0"),
            Some(file_of(j, "platen.json"))
        );
        j.set_env("PLATEN_TEMPLATES__DJANGO__APP_DIRS", "false");
        assert!(
            !load(j, "platen.json").unwrap().templates[0].app_dirs,
            "the environment beats JSON too"
        );

        // Errors name the YAML and JSON files too.
        clear_env(j);
        j.create_file("bad.yaml", "debgu: true\n")?;
        let text = assert_bad(
            &load(j, "bad.yaml").unwrap_err(),
            "debgu",
            &file_of(j, "bad.yaml"),
        );
        insta::assert_snapshot!(text);
        j.create_file(
            "bad.json",
            r#"{"templates": [{"backend": "platen.dtl", "dirs": 3}]}"#,
        )?;
        insta::assert_snapshot!(assert_bad(
            &load(j, "bad.json").unwrap_err(),
            "templates[0].dirs",
            &file_of(j, "bad.json"),
        ));
        Ok(())
    });
}

#[test]
fn relative_paths_resolve_against_the_settings_file() {
    jail(|j| {
        mkdirs(
            j,
            &[
                "site/conf",
                "site/templates",
                "site/more",
                "site/apps/blog",
                "elsewhere",
            ],
        );
        j.create_file(
            "site/conf/platen.toml",
            r#"
apps = ["../apps/blog"]

[[templates]]
backend = "platen.tera"
dirs = ["../templates"]
options.loaders = [{ loader = "platen.loaders.filesystem", dirs = ["../more"] }]
"#,
        )?;
        // The current directory is not the file's.
        j.change_dir("elsewhere")?;
        j.set_env("PLATEN_TEMPLATES__0__DIRS", "[../templates, ../more]");
        let s = Settings::load("../site/conf/platen.toml").unwrap();
        let site = root(j).join("site");
        assert_eq!(s.base_dir, site.join("conf"));
        assert!(
            s.file.as_ref().unwrap().is_absolute(),
            "the file is made absolute"
        );
        assert_eq!(s.apps[0].path, site.join("conf/../apps/blog"));
        assert!(s.apps[0].path.is_absolute());
        assert_eq!(
            s.templates[0].dirs,
            vec![site.join("conf/../templates"), site.join("conf/../more")],
            "variables too"
        );
        let loaders = s.templates[0].options.loaders.as_ref().unwrap();
        assert_eq!(
            loaders[0].dirs.as_ref().unwrap(),
            &vec![site.join("conf/../more")]
        );
        // Absolute paths stay as they are.
        let abs = site.join("templates");
        j.set_env(
            "PLATEN_TEMPLATES__0__DIRS",
            format!("[\"{}\"]", abs.display()),
        );
        let s = Settings::load("../site/conf/platen.toml").unwrap();
        assert_eq!(s.templates[0].dirs, vec![abs]);
        Ok(())
    });
}

#[test]
fn default_engine_names() {
    jail(|j| {
        j.create_file(
            "platen.toml",
            r#"
[[templates]]
backend = "platen.handlebars"
[[templates]]
backend = "django.template.backends.django.DjangoTemplates"
[[templates]]
backend = "mine"
"#,
        )?;
        let s = load(j, "platen.toml").unwrap();
        let names: Vec<&str> = s.templates.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["handlebars", "django", "mine"]);
        assert_eq!(settings::default_engine_name("platen.tera"), "tera");
        Ok(())
    });
}

#[test]
fn apps_and_loader_specs() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.toml",
            r#"
apps = ["apps/blog", { name = "shop", path = "apps/shop" }]

[[templates]]
backend = "platen.dtl"
options.loaders = [
  { loader = "platen.loaders.cached", loaders = [
      { loader = "platen.loaders.locmem", templates = { "a.html" = "A" } },
      { loader = "platen.loaders.filesystem", dirs = ["t/shared"] },
      "platen.loaders.app_directories",
      { loader = "app.sqlite", table = "pages" },
  ] },
]
"#,
        )?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.apps.len(), 2);
        assert_eq!(s.apps[0].name, "apps/blog");
        assert_eq!(s.apps[0].path, root(j).join("apps/blog"));
        assert_eq!(
            (s.apps[1].name.as_str(), s.apps[1].path.as_path()),
            ("shop", root(j).join("apps/shop").as_path())
        );
        let loaders = s.templates[0].options.loaders.as_ref().unwrap();
        assert_eq!(loaders.len(), 1);
        assert_eq!(loaders[0].loader, "platen.loaders.cached");
        assert_eq!(loaders[0].key, "templates[0].options.loaders[0]");
        assert_eq!(loaders[0].source, Some(file_of(j, "platen.toml")));
        let inner = loaders[0].loaders.as_ref().unwrap();
        assert_eq!(inner[0].templates.as_ref().unwrap()["a.html"], "A");
        assert_eq!(inner[1].dirs.as_ref().unwrap()[0], root(j).join("t/shared"));
        assert_eq!(inner[1].key, "templates[0].options.loaders[0].loaders[1]");
        assert_eq!(inner[2].loader, "platen.loaders.app_directories");
        assert!(
            inner[2].loaders.is_none() && inner[2].dirs.is_none() && inner[2].templates.is_none()
        );
        assert_eq!(
            inner[3].extra["table"].as_str(),
            Some("pages"),
            "a loader's own arguments are kept"
        );
        assert!(!inner[3].extra.contains_key("loader"));
        Ok(())
    });
}

#[test]
fn django_loader_pairs_are_understood() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.toml",
            r#"
[[templates]]
backend = "platen.dtl"
options.loaders = [
  ["django.template.loaders.cached.Loader", [
      "django.template.loaders.filesystem.Loader",
      ["django.template.loaders.locmem.Loader", { "index.html" = "hi" }],
      ["django.template.loaders.filesystem.Loader", ["t/shared"]],
  ]],
]
"#,
        )?;
        let s = load(j, "platen.toml").unwrap();
        let engine = &s.templates[0];
        // Whether a pair's list holds loaders or directories is the
        // registry's to say: the cached loader wraps others.
        let r = registry();
        let read = |spec: &LoaderSpec| {
            spec.with_pair_list(r.wraps_loaders(&spec.loader), engine, &s.base_dir)
                .unwrap()
                .into_owned()
        };
        assert!(r.wraps_loaders("django.template.loaders.cached.Loader"));
        assert!(!r.wraps_loaders("django.template.loaders.filesystem.Loader"));
        let cached = read(&engine.options.loaders.as_ref().unwrap()[0]);
        assert_eq!(cached.loader, "django.template.loaders.cached.Loader");
        let inner = cached.loaders.as_ref().unwrap();
        assert_eq!(inner[0].loader, "django.template.loaders.filesystem.Loader");
        assert_eq!(inner[1].templates.as_ref().unwrap()["index.html"], "hi");
        assert_eq!(
            read(&inner[2]).dirs.as_ref().unwrap(),
            &vec![root(j).join("t/shared")]
        );
        // The registry reads the lists when it builds the chain.
        let chain = r.build_loaders(engine, &s).unwrap();
        let kinds: Vec<&str> = chain.iter().map(|l| l.kind()).collect();
        assert_eq!(
            kinds,
            [concat!(
                "django.template.loaders.cached.Loader(",
                "django.template.loaders.filesystem.Loader,",
                "django.template.loaders.locmem.Loader,",
                "django.template.loaders.filesystem.Loader)"
            )]
        );
        Ok(())
    });
}

#[test]
fn settings_can_be_made_in_code_and_extended_with_own_keys() {
    jail(|j| {
        use figment::providers::{Format, Toml};
        dirs(j);
        let toml = "[server]\nport = 8000\n\n[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"t/tera\"]\n";
        let figment = Settings::figment(None).unwrap().merge(Toml::string(toml));
        let err = Settings::from_figment(figment.clone(), &root(j), None).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.settings_key(), Some("server"), "{text}");
        insta::assert_snapshot!(redact(&text));
        let s =
            Settings::from_figment_allowing(figment.clone(), &root(j), None, &["server"]).unwrap();
        assert_eq!(s.templates[0].dirs, vec![root(j).join("t/tera")]);
        assert_eq!(figment.extract_inner::<u16>("server.port").unwrap(), 8000);
        // An application's own keys may come from variables too.
        j.set_env("PLATEN_SERVER__PORT", "9000");
        let figment = Settings::figment(None).unwrap().merge(Toml::string(toml));
        Settings::from_figment_allowing(figment.clone(), &root(j), None, &["server"]).unwrap();
        assert_eq!(
            figment.extract_inner::<u16>("server.port").unwrap(),
            8000,
            "code set after the environment wins"
        );
        let figment = Settings::figment(None).unwrap();
        assert_eq!(figment.extract_inner::<u16>("server.port").unwrap(), 9000);
        let err = Settings::from_figment(figment, &root(j), None).unwrap_err();
        insta::assert_snapshot!(assert_bad(
            &err,
            "server",
            "environment variable PLATEN_SERVER__PORT"
        ));
        // A figment without the defaults layer still has defaults.
        let s = Settings::from_figment(figment::Figment::from(Toml::string("")), &root(j), None)
            .unwrap();
        assert_eq!(s.static_url, "static/");
        Ok(())
    });
}

#[test]
fn settings_errors_about_any_key() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_STATIC_URL", "cdn");
        let s = load(j, "platen.toml").unwrap();
        let err = s.error("static_url", "must end with `/`");
        insta::assert_snapshot!(assert_bad(
            &err,
            "static_url",
            "environment variable PLATEN_STATIC_URL"
        ));
        let err = s.error("templates[1].dirs[0]", "unreadable");
        insta::assert_snapshot!(assert_bad(
            &err,
            "templates[1].dirs[0]",
            &file_of(j, "platen.toml")
        ));
        let err = s.templates[0].error("options.strict_mode", "nope");
        insta::assert_snapshot!(assert_bad(
            &err,
            "templates[0].options.strict_mode",
            &file_of(j, "platen.toml"),
        ));
        assert_eq!(s.templates[1].key("dirs.1"), "templates[1].dirs[1]");
        assert_eq!(s.templates[1].key(""), "templates[1]");
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Errors in the file

#[test]
fn unknown_top_level_keys_are_refused_with_a_suggestion_and_the_valid_keys() {
    jail(|j| {
        let text = refused(j, "debgu = true\n", "debgu");
        insta::assert_snapshot!(text);
        let text = refused(j, "[[TEMPLATES]]\nBACKEND = \"platen.tera\"\n", "TEMPLATES");
        insta::assert_snapshot!(text);
        let text = refused(j, "colour = \"blue\"\n", "colour");
        insta::assert_snapshot!(text);
        Ok(())
    });
}

#[test]
fn unknown_keys_of_engines_apps_and_profiles_are_refused() {
    jail(|j| {
        dirs(j);
        let text = refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\ndirz = [\"t/tera\"]\n",
            "templates[0].dirz",
        );
        insta::assert_snapshot!(text);
        let text = refused(j, "apps = [{ nam = \"blog\" }]\n", "apps[0].nam");
        insta::assert_snapshot!(text);
        // A profile section is checked even when it is not active.
        let text = refused(j, "[profiles.dev]\ndebgu = true\n", "profiles.dev.debgu");
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "[profiles.dev]\ntemplates = [{ backend = \"x\", dirz = [] }]\n",
            "profiles.dev.templates[0].dirz",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[profiles.dev]\nprofile = \"prod\"\n",
            "profiles.dev.profile",
        ));
        Ok(())
    });
}

#[test]
fn wrong_types_are_refused() {
    jail(|j| {
        let text = refused(j, "debug = \"yes please\"\n", "debug");
        insta::assert_snapshot!(text);
        let text = refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\ndirs = 3\n",
            "templates[0].dirs",
        );
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\noptions = { autoescape = \"no\" }\n",
            "templates[0].options.autoescape",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\noptions = 3\n",
            "templates[0].options",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"x\"\noptions.context_processors = \"a\"\n",
            "templates[0].options.context_processors",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"x\"\noptions.libraries = { mine = 3 }\n",
            "templates[0].options.libraries.mine",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = 3\n",
            "templates[0].backend"
        ));
        let text = refused(j, "templates = [3]\n", "templates[0]");
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(j, "templates = 3\n", "templates"));
        insta::assert_snapshot!(refused(j, "static_url = []\n", "static_url"));
        insta::assert_snapshot!(refused(j, "profile = 3\n", "profile"));
        insta::assert_snapshot!(refused(j, "apps = \"blog\"\n", "apps"));
        insta::assert_snapshot!(refused(j, "apps = [3]\n", "apps[0]"));
        insta::assert_snapshot!(refused(j, "profiles = 3\n", "profiles"));
        insta::assert_snapshot!(refused(j, "profiles = { dev = 3 }\n", "profiles.dev"));
        // In a profile section, active or not, the key names the section.
        insta::assert_snapshot!(refused(
            j,
            "[profiles.dev]\ndebug = 3\n",
            "profiles.dev.debug"
        ));
        insta::assert_snapshot!(refused(
            j,
            "profile = \"dev\"\n[profiles.dev]\nstatic_url = false\n",
            "profiles.dev.static_url",
        ));
        Ok(())
    });
}

#[test]
fn a_missing_backend_is_refused() {
    jail(|j| {
        let text = refused(j, "[[templates]]\nname = \"x\"\n", "templates[0].backend");
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \" \"\n",
            "templates[0].backend",
        ));
        Ok(())
    });
}

#[test]
fn missing_directories_are_refused() {
    jail(|j| {
        dirs(j);
        let text = refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"t/tera\", \"nope\"]\n",
            "templates[0].dirs[1]",
        );
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\noptions.loaders = [{ loader = \"platen.loaders.filesystem\", dirs = [\"gone\"] }]\n",
            "templates[0].options.loaders[0].dirs[0]",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"x\"\noptions.loaders = [{ loader = \"x\", loaders = [{ loader = \"y\", dirs = [\"t/tera\", \"gone\"] }] }]\n",
            "templates[0].options.loaders[0].loaders[0].dirs[1]",
        ));
        // A directory from a profile names the section.
        let text = refused(
            j,
            "profile = \"dev\"\n[profiles.dev]\ntemplates = [{ backend = \"x\", dirs = [\"gone\"] }]\n",
            "templates[0].dirs[0]",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
}

#[test]
fn missing_app_directories_are_refused() {
    jail(|j| {
        dirs(j);
        let text = refused(j, "apps = [\"apps/blog\", \"apps/gone\"]\n", "apps[1]");
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "apps = [{ name = \"gone\", path = \"apps/gone\" }]\n",
            "apps[0]",
        ));
        let text = refused(
            j,
            "apps = [\"apps/blog\", { name = \"apps/blog\", path = \"apps/shop\" }]\n",
            "apps[1]",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
}

#[test]
fn duplicate_engine_names_are_refused() {
    jail(|j| {
        let text = refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\n[[templates]]\nbackend = \"other.tera\"\n",
            "templates[1].backend",
        );
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"a\"\nname = \"x\"\n[[templates]]\nbackend = \"b\"\nname = \"y\"\n[[templates]]\nbackend = \"c\"\nname = \"x\"\n",
            "templates[2].name",
        ));
        insta::assert_snapshot!(refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\nname = \"\"\n",
            "templates[0].name",
        ));
        Ok(())
    });
}

#[test]
fn unsupported_charsets_are_refused() {
    jail(|j| {
        let text = refused(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\noptions = { file_charset = \"ebcdic\" }\n",
            "templates[0].options.file_charset",
        );
        insta::assert_snapshot!(text);
        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"platen.tera\"\noptions = { file_charset = \"Latin_1\" }\n",
        )?;
        assert_eq!(
            load(j, "platen.toml").unwrap().templates[0]
                .options
                .file_charset,
            "Latin_1"
        );
        Ok(())
    });
}

#[test]
fn malformed_loader_entries_are_refused() {
    jail(|j| {
        let eng = "[[templates]]\nbackend = \"platen.tera\"\n";
        let text = refused(
            j,
            &format!("{eng}options = {{ loaders = [42] }}\n"),
            "templates[0].options.loaders[0]",
        );
        insta::assert_snapshot!(text);
        let text = refused(
            j,
            &format!("{eng}options.loaders = [{{ loaders = [] }}]\n"),
            "templates[0].options.loaders[0]",
        );
        insta::assert_snapshot!(text);
        let text = refused(
            j,
            &format!("{eng}options.loaders = [{{ loadr = \"x\" }}]\n"),
            "templates[0].options.loaders[0]",
        );
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = \"platen.loaders.filesystem\"\n"),
            "templates[0].options.loaders",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [{{ loader = 3 }}]\n"),
            "templates[0].options.loaders[0].loader",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [\"\"]\n"),
            "templates[0].options.loaders[0]",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [{{ loader = \"x\", dirs = \"t\" }}]\n"),
            "templates[0].options.loaders[0].dirs",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [{{ loader = \"x\", dirs = [3] }}]\n"),
            "templates[0].options.loaders[0].dirs[0]",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [{{ loader = \"x\", loaders = [[]] }}]\n"),
            "templates[0].options.loaders[0].loaders[0]",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [{{ loader = \"x\", templates = [] }}]\n"),
            "templates[0].options.loaders[0].templates",
        ));
        let text = refused(
            j,
            &format!(
                "{eng}options.loaders = [{{ loader = \"x\", templates = {{ \"a.html\" = 3 }} }}]\n"
            ),
            "templates[0].options.loaders[0].templates[\"a.html\"]",
        );
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [[3, []]]\n"),
            "templates[0].options.loaders[0][0]",
        ));
        insta::assert_snapshot!(refused(
            j,
            &format!("{eng}options.loaders = [[\"x\", 3]]\n"),
            "templates[0].options.loaders[0][1]",
        ));
        Ok(())
    });
}

#[test]
fn a_bad_profile_is_refused() {
    jail(|j| {
        j.create_file(
            "platen.toml",
            "debug = true\n[profiles.prod]\ndebug = false\n",
        )?;
        j.set_env("PLATEN_PROFILE", "staging");
        let err = load(j, "platen.toml").unwrap_err();
        let text = assert_bad(&err, "profile", "environment variable PLATEN_PROFILE");
        insta::assert_snapshot!(text);
        j.set_env("PLATEN_PROFILE", "prd");
        let text = load(j, "platen.toml").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        clear_env(j);
        // Chosen in the file, the file is named.
        let text = refused(j, "profile = \"dev\"\n", "profile");
        insta::assert_snapshot!(text);
        insta::assert_snapshot!(refused(
            j,
            "profile = \"dev\"\nprofiles = { dev = [1] }\n",
            "profiles.dev",
        ));
        Ok(())
    });
}

#[test]
fn a_file_that_does_not_parse_is_refused() {
    jail(|j| {
        j.create_file("platen.toml", "debug = \n")?;
        let err = load(j, "platen.toml").unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), ErrorKind::BadSettings);
        insta::assert_snapshot!(redact(&text));
        j.create_file("platen.json", "{\"debug\": tru}")?;
        let text = load(j, "platen.json").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        j.create_file("platen.yaml", "- a\n- b\n")?;
        let text = load(j, "platen.yaml").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        j.create_file("platen.ini", "debug = true\n")?;
        let text = load(j, "platen.ini").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        Ok(())
    });
}

#[test]
fn a_missing_settings_file_is_a_clear_error() {
    jail(|j| {
        let err = load(j, "nowhere.toml").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSettings);
        let text = err.to_string();
        insta::assert_snapshot!(redact(&text));
        // A relative path is shown absolute.
        let text = Settings::load("also-nowhere.toml").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        let err = Settings::figment(Some(Path::new("nowhere.toml"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSettings);
        mkdirs(j, &["conf"]);
        let text = load(j, "conf").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Errors in environment variables

#[test]
fn a_variable_naming_no_engine_is_refused() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__JINJA__DEBUG", "true");
        let err = load(j, "platen.toml").unwrap_err();
        let text = assert_bad(
            &err,
            "templates.jinja",
            "environment variable PLATEN_TEMPLATES__JINJA__DEBUG",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__2__DEBUG", "true");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[2]",
            "PLATEN_TEMPLATES__2__DEBUG",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        j.set_env("PLATEN_TEMPLATES__0__DIRS", "[t]");
        let text = Settings::from_env().unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        Ok(())
    });
    jail(|j| {
        j.create_file(
            "platen.toml",
            "[[templates]]\nbackend = \"a.x\"\nname = \"X\"\n[[templates]]\nbackend = \"b\"\nname = \"x\"\n",
        )?;
        j.set_env("PLATEN_TEMPLATES__X__APP_DIRS", "true");
        let text = load(j, "platen.toml").unwrap_err().to_string();
        insta::assert_snapshot!(redact(&text));
        Ok(())
    });
}

#[test]
fn unknown_and_malformed_variables_are_refused() {
    jail(|j| {
        j.create_file("platen.toml", "debug = true\n")?;
        j.set_env("PLATEN_DEBG", "true");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "debg",
            "environment variable PLATEN_DEBG",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        j.create_file("platen.toml", "debug = true\n")?;
        j.set_env("PLATEN_TEMPLATES____DIRS", "[a]");
        let err = load(j, "platen.toml").unwrap_err();
        insta::assert_snapshot!(redact(&err.to_string()));
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__DIRZ", "[t/hbs]");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[0].dirz",
            "PLATEN_TEMPLATES__HBS__DIRZ",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__DIRS__5", "t/hbs");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[0].dirs[5]",
            "PLATEN_TEMPLATES__HBS__DIRS__5",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        j.create_file("platen.toml", "")?;
        j.set_env("PLATEN_STATIC_URL__X", "y");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "static_url",
            "PLATEN_STATIC_URL__X",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__BACKEND__X", "y");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[0].backend",
            "PLATEN_TEMPLATES__HBS__BACKEND__X",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
}

#[test]
fn bad_values_in_variables_name_the_variable() {
    jail(|j| {
        j.create_file("platen.toml", "debug = true\n")?;
        j.set_env("PLATEN_DEBUG", "maybe");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "debug",
            "environment variable PLATEN_DEBUG",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__0__DIRS", "[t/hbs, nope]");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[0].dirs[1]",
            "environment variable PLATEN_TEMPLATES__0__DIRS",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__DIRS", "t/hbs");
        let text = assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[0].dirs",
            "PLATEN_TEMPLATES__HBS__DIRS",
        );
        insta::assert_snapshot!(text);
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_APPS", "[apps/blog, apps/gone]");
        insta::assert_snapshot!(assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "apps[1]",
            "environment variable PLATEN_APPS",
        ));
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env(
            "PLATEN_TEMPLATES",
            "[{backend=\"platen.tera\",dirs=[\"gone\"]}]",
        );
        insta::assert_snapshot!(assert_bad(
            &load(j, "platen.toml").unwrap_err(),
            "templates[0].dirs[0]",
            "environment variable PLATEN_TEMPLATES",
        ));
        Ok(())
    });
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE", "maybe");
        let s = load(j, "platen.toml").unwrap();
        let err = s.templates[0].option::<bool>("strict_mode").unwrap_err();
        insta::assert_snapshot!(assert_bad(
            &err,
            "templates[0].options.strict_mode",
            "environment variable PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE",
        ));
        Ok(())
    });
}

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

fn registry() -> Registry {
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

// ---------------------------------------------------------------------------
// Nothing panics

#[test]
fn malformed_settings_never_panic() {
    let inputs = [
        "",
        "=",
        "[[templates]]",
        "templates = [[]]",
        "templates = [{}]",
        "templates = [{ backend = [] }]",
        "apps = [[]]",
        "apps = [{}]",
        "apps = [{ name = 3 }]",
        "apps = [{ name = \"a\", path = 3 }]",
        "apps = [\"\"]",
        "profiles = { \"\" = {} }",
        "profiles = { \"a.b\" = {} }",
        "profile = \"\"",
        "profile = \"a.b\"",
        "[[templates]]\nbackend = \"x\"\noptions.loaders = [[]]",
        "[[templates]]\nbackend = \"x\"\noptions.loaders = [{}]",
        "[[templates]]\nbackend = \"x\"\noptions = { debug = \"x\" }",
        "[[templates]]\nbackend = \"x\"\nname = 3",
        "static_url = { a = 1 }",
        "debug = 1e400",
        "debug = -1",
    ];
    let env: &[(&str, &str)] = &[
        ("PLATEN_TEMPLATES", "{"),
        ("PLATEN_TEMPLATES", "3"),
        ("PLATEN_TEMPLATES__0", "3"),
        ("PLATEN_APPS__0", "x"),
        ("PLATEN_PROFILES", "x"),
        ("PLATEN_PROFILES__X", "3"),
        ("PLATEN_DEBUG", ""),
        ("PLATEN_", "x"),
        ("PLATEN_TEMPLATES__0__OPTIONS__LOADERS__0", "{loader=3}"),
        ("PLATEN_STATIC_URL", "[\u{e9}]"),
    ];
    for input in inputs {
        jail(|j| {
            j.create_file("platen.toml", input)?;
            let _ = load(j, "platen.toml");
            Ok(())
        });
        for (k, v) in env {
            jail(|j| {
                j.create_file("platen.toml", input)?;
                j.set_env(k, v);
                if let Err(e) = load(j, "platen.toml") {
                    assert_eq!(
                        e.kind(),
                        ErrorKind::BadSettings,
                        "{input:?} with {k}={v}: {e}"
                    );
                }
                Ok(())
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Settings as a figment provider

#[test]
fn settings_are_a_provider_and_can_be_read_from_any_provider() {
    use figment::providers::{Format, Toml};
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env(
            "PLATEN_TEMPLATES__HBS__OPTIONS__LOADERS",
            "[[\"platen.loaders.cached\", [\"platen.loaders.filesystem\"]]]",
        );
        let s = load(j, "platen.toml").unwrap();
        // Read back from themselves: the same settings.
        let again = Settings::from_provider(s.clone()).unwrap();
        // The same, but for where each value came from.
        fn shape(s: &Settings) -> Vec<String> {
            fn loaders(specs: &[LoaderSpec]) -> String {
                let names: Vec<String> = specs
                    .iter()
                    .map(|l| {
                        let inner = l.loaders.as_deref().map(loaders).unwrap_or_default();
                        format!(
                            "{}{inner}{:?}{:?}{:?}",
                            l.loader, l.dirs, l.templates, l.extra
                        )
                    })
                    .collect();
                format!("[{}]", names.join(", "))
            }
            s.templates
                .iter()
                .map(|e| {
                    let o = &e.options;
                    format!(
                        "{} {} {:?} {} {} {:?} {} {} {:?} {:?} {:?} {:?} {}",
                        e.index,
                        e.backend,
                        e.dirs,
                        e.name,
                        e.app_dirs,
                        o.debug,
                        o.autoescape,
                        o.string_if_invalid,
                        o.context_processors,
                        o.libraries,
                        o.builtins,
                        o.extra,
                        o.loaders.as_deref().map(loaders).unwrap_or_default(),
                    )
                })
                .collect()
        }
        assert_eq!(shape(&again), shape(&s));
        assert_eq!(again.apps, s.apps);
        assert_eq!((again.debug, &again.static_url), (s.debug, &s.static_url));
        // Merged under values of an application's own.
        let figment = figment::Figment::from(s.clone())
            .merge(Toml::string("debug = false\nstatic_url = \"/x/\"\n"));
        let mine = Settings::from_provider(figment).unwrap();
        assert!(!mine.debug);
        assert_eq!(mine.static_url, "/x/");
        assert_eq!(mine.templates[0].dirs, s.templates[0].dirs);
        // Errors name the key and the provider.
        let err = Settings::from_provider(Toml::string("debug = 3\n")).unwrap_err();
        insta::assert_snapshot!(assert_bad(&err, "debug", "TOML source string"));
        Ok(())
    });
}
