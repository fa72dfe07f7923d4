//! The translation and format options of `platen.dtl`, read from a settings
//! file: `language_code`, `locale_paths`, `use_thousand_separator`,
//! `decimal_separator`, `thousand_separator`, `number_grouping` and the date
//! formats, and the errors bad values give (naming the key and the file).

use std::path::{Path, PathBuf};

use platen_core::{Context, Registry, Settings, Value};

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A settings file `platen.toml` with `options` in a fresh directory that
/// also holds `locale/de/LC_MESSAGES/django.mo` (the test catalogue).
fn site(name: &str, options: &str) -> (Dir, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "platen-l10n-settings-{name}-{}",
        std::process::id()
    ));
    let mo = dir.join("locale/de/LC_MESSAGES/django.mo");
    std::fs::create_dir_all(mo.parent().unwrap()).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/locale/de/LC_MESSAGES/django.mo");
    std::fs::copy(src, &mo).unwrap();
    let file = dir.join("platen.toml");
    std::fs::write(
        &file,
        format!("[[templates]]\nbackend = \"platen.dtl\"\nname = \"dtl\"\n\n[templates.options]\nloaders = []\n{options}\n"),
    )
    .unwrap();
    (Dir(dir), file)
}

fn build(file: &Path) -> platen_core::Result<platen_core::Engines> {
    let mut registry = Registry::new();
    platen_dtl::register(&mut registry);
    registry.build_engines(&Settings::load(file)?)
}

fn context() -> Context {
    Context::new()
        .with("i", Value::Int(1234567))
        .with("f", Value::Float(1234.5))
        .with(
            "d",
            Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 12, 25).unwrap()),
        )
}

#[test]
fn translation_and_format_options_from_a_settings_file() {
    let (_dir, file) = site(
        "ok",
        r#"language_code = "de"
locale_paths = ["locale"]
use_thousand_separator = true
decimal_separator = "!"
thousand_separator = "~"
number_grouping = 2
date_format = "Y/m/d"
short_date_format = "d-m-y""#,
    );
    let engines = build(&file).unwrap();
    let engine = engines.get("dtl").unwrap();
    let render = |src: &str| {
        engine
            .from_string(src)
            .unwrap()
            .render(&context(), None)
            .unwrap()
    };
    // German (the language_code) has its own formats: they win over the settings.
    assert_eq!(
        render(
            r#"{% load i18n %}{% translate "Hello" %}|{{ i }}|{{ f }}|{{ d|date:"SHORT_DATE_FORMAT" }}"#
        ),
        "Hallo|1.234.567|1.234,5|25.12.2024"
    );
    // A language without formats of its own uses the settings.
    assert_eq!(
        render(
            r#"{% load i18n %}{% language "xx" %}{{ i }}|{{ f }}|{{ d }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ f|floatformat:2 }}{% endlanguage %}"#
        ),
        "1~23~45~67|12~34!5|2024/12/25|25-12-24|12~34!50"
    );
    // Localisation off: numbers as Python prints them, dates in the settings' formats,
    // floatformat's `u` with the settings' separators.
    assert_eq!(
        render(
            r#"{% load l10n %}{% localize off %}{{ i }}|{{ f }}|{{ d }}{% endlocalize %}|{{ f|floatformat:"2u" }}"#
        ),
        "1234567|1234.5|2024/12/25|1234!50"
    );
}

#[test]
fn defaults_render_as_django_does_in_english() {
    let (_dir, file) = site("default", "");
    let engines = build(&file).unwrap();
    let t = engines
        .get("dtl")
        .unwrap()
        .from_string(r#"{{ i }}|{{ f }}|{{ d }}|{{ f|floatformat:"2g" }}"#)
        .unwrap();
    assert_eq!(
        t.render(&context(), None).unwrap(),
        "1234567|1234.5|Dec. 25, 2024|1,234.50"
    );
}

#[test]
fn bad_format_options_name_the_key_and_the_file() {
    for (options, key, detail) in [
        (
            "number_grouping = []",
            "number_grouping",
            "the grouping list is empty",
        ),
        (
            "first_day_of_week = 9",
            "first_day_of_week",
            "not a day of the week",
        ),
        ("decimal_separator = 5", "decimal_separator", ""),
        (
            "use_thousand_separator = \"maybe\"",
            "use_thousand_separator",
            "",
        ),
        (
            "decimal_seperator = \",\"",
            "decimal_seperator",
            "did you mean `decimal_separator`?",
        ),
        (
            "locale_paths = [\"nowhere\"]",
            "locale_paths",
            "does not exist",
        ),
    ] {
        let (_dir, file) = site("bad", options);
        let err = build(&file).unwrap_err().to_string();
        assert!(err.contains(key), "{options}: {err}");
        assert!(err.contains(detail), "{options}: {err}");
        assert!(
            err.contains(&file.display().to_string()),
            "{options}: {err}"
        );
    }
}
