//! Errors in environment variables.

use super::*;

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
