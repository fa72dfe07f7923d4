//! Values, defaults and layering: file formats, profiles, environment
//! variables that change values, paths, loader entries, settings made in
//! code, and settings as a figment provider.

use super::*;
use crate::engines::registry;

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
