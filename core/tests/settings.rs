//! The settings file: layering, paths and every class of error.
//!
//! Every test runs in a `figment::Jail`: a temporary current directory and
//! environment, serialised across tests.

use figment::Jail;
use platen_core::{ErrorKind, Settings};

fn load(jail: &Jail, file: &str) -> platen_core::Result<Settings> {
    Settings::load(jail.directory().join(file))
}

/// Runs `f` in a jail; errors in the jail itself fail the test.
fn jail(f: impl FnOnce(&mut Jail) -> Result<(), figment::Error>) {
    Jail::expect_with(f);
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
"#;

fn dirs(jail: &Jail) {
    for d in ["t/hbs", "t/tera", "t/shared", "apps/blog/templates", "apps/shop"] {
        std::fs::create_dir_all(jail.directory().join(d)).unwrap();
    }
}

#[test]
fn file_values_and_defaults() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        let s = load(j, "platen.toml").unwrap();
        assert!(s.debug);
        assert_eq!(s.static_url, "/file/");
        assert_eq!(s.templates.len(), 2);
        let hbs = &s.templates[0];
        assert_eq!((hbs.name.as_str(), hbs.backend.as_str()), ("hbs", "platen.handlebars"));
        assert_eq!(hbs.option::<bool>("strict_mode").unwrap(), Some(true));
        assert!(hbs.options.autoescape, "autoescape defaults to true");
        assert_eq!(hbs.options.file_charset, "utf-8");
        // The default name is the backend's last segment.
        assert_eq!(s.templates[1].name, "tera");
        // Relative directories resolve against the settings file.
        assert_eq!(s.templates[1].dirs, vec![j.directory().join("t/tera"), j.directory().join("t/shared")]);
        assert!(s.templates[1].dirs.iter().all(|d| d.is_absolute()));
        Ok(())
    });
}

#[test]
fn defaults_without_a_file() {
    jail(|_| {
        let s = Settings::from_env().unwrap();
        assert!(!s.debug);
        assert_eq!(s.static_url, "static/");
        assert!(s.templates.is_empty());
        Ok(())
    });
}

#[test]
fn profile_then_environment_override_the_file() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_PROFILE", "prod");
        let s = load(j, "platen.toml").unwrap();
        assert!(!s.debug, "the profile turns debug off");
        assert_eq!(s.static_url, "/prod/");
        assert_eq!(s.profile.as_deref(), Some("prod"));
        j.set_env("PLATEN_STATIC_URL", "/env/");
        j.set_env("PLATEN_DEBUG", "true");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "/env/", "the environment beats the profile");
        assert!(s.debug);
        Ok(())
    });
}

#[test]
fn the_profile_can_be_chosen_in_the_file() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", &format!("profile = \"prod\"\n{TWO}"))?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.static_url, "/prod/");
        Ok(())
    });
}

#[test]
fn environment_changes_one_engine_by_name_or_position() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE", "false");
        j.set_env("PLATEN_TEMPLATES__1__DIRS", "[t/shared]");
        j.set_env("PLATEN_TEMPLATES__TERA__OPTIONS__AUTOESCAPE", "false");
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.templates[0].option::<bool>("strict_mode").unwrap(), Some(false));
        assert_eq!(s.templates[0].dirs, vec![j.directory().join("t/hbs")], "other keys are kept");
        assert_eq!(s.templates[1].dirs, vec![j.directory().join("t/shared")]);
        assert!(!s.templates[1].options.autoescape);
        Ok(())
    });
}

#[test]
fn yaml_and_json_files() {
    jail(|j| {
        dirs(j);
        j.create_file(
            "platen.yaml",
            "debug: true\ntemplates:\n  - backend: platen.tera\n    dirs: [t/tera]\n    options:\n      autoescape: false\n",
        )?;
        let s = load(j, "platen.yaml").unwrap();
        assert!(s.debug);
        assert!(!s.templates[0].options.autoescape);
        j.create_file("platen.json", r#"{"templates": [{"backend": "platen.dtl", "name": "django", "app_dirs": true}]}"#)?;
        let s = load(j, "platen.json").unwrap();
        assert_eq!(s.templates[0].name, "django");
        assert!(s.templates[0].app_dirs);
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
  ] },
]
"#,
        )?;
        let s = load(j, "platen.toml").unwrap();
        assert_eq!(s.apps.len(), 2);
        assert_eq!(s.apps[0].path, j.directory().join("apps/blog"));
        assert_eq!(s.apps[1].name, "shop");
        let loaders = s.templates[0].options.loaders.as_ref().unwrap();
        assert_eq!(loaders[0].loader, "platen.loaders.cached");
        let inner = loaders[0].loaders.as_ref().unwrap();
        assert_eq!(inner[0].templates.as_ref().unwrap()["a.html"], "A");
        assert_eq!(inner[1].dirs.as_ref().unwrap()[0], j.directory().join("t/shared"));
        assert_eq!(inner[1].key, "templates[0].options.loaders[0].loaders[1]");
        assert_eq!(inner[2].loader, "platen.loaders.app_directories");
        Ok(())
    });
}

/// Loads `toml` and returns the error text, checking it names `key` and the file.
fn error_of(j: &mut Jail, toml: &str, key: &str) -> String {
    j.create_file("platen.toml", toml).unwrap();
    let err = load(j, "platen.toml").expect_err("the settings must be refused");
    assert_eq!(err.kind(), ErrorKind::BadSettings, "{err}");
    let text = err.to_string();
    assert!(text.contains(key), "`{key}` not named in: {text}");
    let file = j.directory().join("platen.toml");
    assert!(text.contains(&file.display().to_string()), "file not named in: {text}");
    text
}

#[test]
fn unknown_keys_are_refused_with_a_suggestion() {
    jail(|j| {
        let text = error_of(j, "debgu = true\n", "debgu");
        assert!(text.contains("debug"), "suggests the right key: {text}");
        dirs(j);
        let text = error_of(j, "[[templates]]\nbackend = \"platen.tera\"\ndirz = [\"t/tera\"]\n", "dirz");
        assert!(text.contains("dirs"), "{text}");
        Ok(())
    });
}

#[test]
fn wrong_types_are_refused() {
    jail(|j| {
        error_of(j, "debug = \"yes please\"\n", "debug");
        error_of(j, "[[templates]]\nbackend = \"platen.tera\"\ndirs = 3\n", "templates[0].dirs");
        error_of(j, "[[templates]]\nbackend = \"platen.tera\"\noptions = { autoescape = \"no\" }\n", "templates[0].options.autoescape");
        Ok(())
    });
}

#[test]
fn missing_directories_are_refused() {
    jail(|j| {
        dirs(j);
        let text = error_of(j, "[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"t/tera\", \"nope\"]\n", "templates[0].dirs[1]");
        assert!(text.contains("does not exist"), "{text}");
        error_of(j, "apps = [\"apps/blog\", \"apps/gone\"]\n", "apps[1]");
        error_of(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\noptions.loaders = [{ loader = \"platen.loaders.filesystem\", dirs = [\"gone\"] }]\n",
            "templates[0].options.loaders[0].dirs[0]",
        );
        Ok(())
    });
}

#[test]
fn duplicate_engine_names_are_refused() {
    jail(|j| {
        let text = error_of(
            j,
            "[[templates]]\nbackend = \"platen.tera\"\n[[templates]]\nbackend = \"other.tera\"\n",
            "templates[1]",
        );
        assert!(text.contains("`tera` is already used"), "{text}");
        Ok(())
    });
}

#[test]
fn unsupported_charsets_and_bad_loader_entries_are_refused() {
    jail(|j| {
        error_of(j, "[[templates]]\nbackend = \"platen.tera\"\noptions = { file_charset = \"ebcdic\" }\n", "templates[0].options.file_charset");
        error_of(j, "[[templates]]\nbackend = \"platen.tera\"\noptions = { loaders = [42] }\n", "templates[0].options.loaders");
        Ok(())
    });
}

#[test]
fn a_profile_without_a_section_is_refused() {
    jail(|j| {
        j.create_file("platen.toml", "debug = true\n")?;
        j.set_env("PLATEN_PROFILE", "staging");
        let err = load(j, "platen.toml").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSettings);
        assert!(err.to_string().contains("[profiles.staging]"), "{err}");
        Ok(())
    });
}

#[test]
fn bad_environment_variables_name_the_variable() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        j.set_env("PLATEN_TEMPLATES__JINJA__DEBUG", "true");
        let err = load(j, "platen.toml").unwrap_err();
        assert!(err.to_string().contains("PLATEN_TEMPLATES__JINJA__DEBUG"), "{err}");
        assert!(err.to_string().contains("no engine `jinja`"), "{err}");
        Ok(())
    });
    jail(|j| {
        j.create_file("platen.toml", "debug = true\n")?;
        j.set_env("PLATEN_DEBUG", "maybe");
        let err = load(j, "platen.toml").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSettings);
        let text = err.to_string();
        assert!(text.contains("debug"), "{text}");
        assert!(text.contains("PLATEN_DEBUG"), "{text}");
        Ok(())
    });
}

#[test]
fn engine_options_are_checked_by_the_engine() {
    jail(|j| {
        dirs(j);
        j.create_file("platen.toml", TWO)?;
        let s = load(j, "platen.toml").unwrap();
        let hbs = &s.templates[0];
        let err = hbs.deny_unknown_options(&["dev_mode"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("templates[0].options.strict_mode"), "{text}");
        assert!(text.contains(&j.directory().join("platen.toml").display().to_string()), "{text}");
        let err = hbs.option::<Vec<String>>("strict_mode").unwrap_err();
        assert!(err.to_string().contains("templates[0].options.strict_mode"), "{err}");
        assert!(hbs.deny_unknown_options(&["strict_modes"]).unwrap_err().to_string().contains("did you mean `strict_modes`"));
        Ok(())
    });
}

#[test]
fn a_missing_settings_file_is_a_clear_error() {
    jail(|j| {
        let err = load(j, "nowhere.toml").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSettings);
        assert!(err.to_string().contains("nowhere.toml does not exist"), "{err}");
        Ok(())
    });
}
