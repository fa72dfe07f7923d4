//! Errors in the settings file, and malformed settings that must not panic.

use super::*;

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
