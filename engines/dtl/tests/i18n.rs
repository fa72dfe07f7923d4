//! Translations with real catalogues: `{% translate %}`, `{% blocktranslate %}`
//! (plural, context, `with`, `asvar`, `trimmed`), `_()`, `{% language %}`,
//! the current-language tags, translated language names and date names.
//!
//! `tests/locale/cases.json` holds each case's template, context, active
//! language, `language_code`, format settings and Django's output, recorded
//! from Django 5.2.19 by `tests/locale/record.py` (its docstring says how)
//! with the small catalogues of `tests/locale/` on `LOCALE_PATHS`. Values of
//! the form `YYYY-MM-DDTHH:MM` are datetimes; `{"$date"}`, `{"$time"}` and
//! `{"$decimal"}` objects are dates, times and decimals. The cases marked
//! `django_catalogues` (localised dates and words) also need Django's own
//! catalogues, from `DJANGO_PACKAGE_DIR`: they run in the `#[ignore]`d tests
//! `*_with_djangos_catalogues` (`.ci/run` runs them with `--include-ignored`;
//! they fail when it is not set), the others always.
//!
//! The same cases run again with only the `.po` sources of those catalogues
//! (copied to a temporary directory without their `.mo`), which the engine
//! reads where a locale has no `.mo`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use platen_core::{Context, Engine, ErrorKind, LoaderChain, Request, Value};
use platen_dtl::{DtlEngine, DtlOptions, FormatSettings, django_library};

fn locale_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/locale")
}

fn engine(language_code: &str, locale_paths: Vec<PathBuf>) -> DtlEngine {
    engine_with(language_code, locale_paths, FormatSettings::default())
}

fn engine_with(
    language_code: &str,
    locale_paths: Vec<PathBuf>,
    formats: FormatSettings,
) -> DtlEngine {
    let mut options = DtlOptions {
        language_code: language_code.into(),
        locale_paths,
        formats,
        ..DtlOptions::default()
    };
    options
        .libraries
        .insert("i18n".into(), django_library("i18n").unwrap());
    options
        .libraries
        .insert("l10n".into(), django_library("l10n").unwrap());
    DtlEngine::try_new(LoaderChain::new(Vec::new()), options).unwrap()
}

/// Django's own catalogues, from the unpacked Django `DJANGO_PACKAGE_DIR`
/// names; panics, saying how to get one, without it.
fn django_locale() -> PathBuf {
    let dir = std::env::var_os("DJANGO_PACKAGE_DIR")
        .map(PathBuf::from)
        .expect("set DJANGO_PACKAGE_DIR to an unpacked Django package (see .ci/django-templates)")
        .join("conf/locale");
    assert!(
        dir.join("de/LC_MESSAGES/django.mo").is_file(),
        "{} holds no de/LC_MESSAGES/django.mo: DJANGO_PACKAGE_DIR is not an unpacked Django package",
        dir.display()
    );
    dir
}

/// Django's format settings, by their Django names.
fn format_settings(settings: &serde_json::Map<String, serde_json::Value>) -> FormatSettings {
    let mut f = FormatSettings::default();
    for (k, v) in settings {
        let text = || v.as_str().unwrap().to_owned();
        match k.as_str() {
            "USE_THOUSAND_SEPARATOR" => f.use_thousand_separator = v.as_bool().unwrap(),
            "DECIMAL_SEPARATOR" => f.decimal_separator = text(),
            "THOUSAND_SEPARATOR" => f.thousand_separator = text(),
            "NUMBER_GROUPING" => f.number_grouping = serde_json::from_value(v.clone()).unwrap(),
            "DATE_FORMAT" => f.date_format = text(),
            "DATETIME_FORMAT" => f.datetime_format = text(),
            "TIME_FORMAT" => f.time_format = text(),
            "SHORT_DATE_FORMAT" => f.short_date_format = text(),
            "SHORT_DATETIME_FORMAT" => f.short_datetime_format = text(),
            "YEAR_MONTH_FORMAT" => f.year_month_format = text(),
            "MONTH_DAY_FORMAT" => f.month_day_format = text(),
            "FIRST_DAY_OF_WEEK" => f.first_day_of_week = v.as_u64().unwrap() as u8,
            other => panic!("unknown setting {other}"),
        }
    }
    f
}

fn value(v: &serde_json::Value) -> Value {
    if let Some(d) = v.get("$decimal").and_then(|d| d.as_str()) {
        return Value::Decimal(std::sync::Arc::new(d.parse().unwrap()));
    }
    if let Some(d) = v.get("$date").and_then(|d| d.as_str()) {
        return Value::Date(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
    }
    if let Some(t) = v.get("$time").and_then(|t| t.as_str()) {
        return Value::Time(chrono::NaiveTime::parse_from_str(t, "%H:%M:%S").unwrap());
    }
    match v {
        serde_json::Value::String(s) if s.len() == 16 && s.as_bytes()[10] == b'T' => {
            Value::DateTime(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap()),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap()),
        other => panic!("unsupported context value {other}"),
    }
}

fn render(engine: &DtlEngine, template: &str, context: &Context, language: Option<&str>) -> String {
    let request = Request {
        language: language.map(str::to_owned),
        ..Request::default()
    };
    let t = engine.from_string(template).unwrap();
    t.render(context, Some(&request))
        .unwrap_or_else(|e| panic!("{template}: {e}"))
}

#[test]
fn cases_recorded_from_django() {
    run_recorded_cases(&locale_dir(), None);
}

/// The recorded cases again, with only the `.po` sources of the catalogues
/// (no compiled `.mo`): reading a `.po` gives what Django gives with its `.mo`.
#[test]
fn cases_recorded_from_django_with_po_catalogues_only() {
    let dir = TempDir::new("po-only");
    let copied = copy_po_sources(&dir.0);
    assert!(copied >= 5, "{copied}");
    run_recorded_cases(&dir.0, None);
}

/// The recorded cases that also need Django's own catalogues.
#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn cases_recorded_from_django_with_djangos_catalogues() {
    run_recorded_cases(&locale_dir(), Some(&django_locale()));
}

/// The same with only the `.po` sources of our catalogues.
#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn cases_recorded_from_django_with_po_catalogues_only_with_djangos_catalogues() {
    let django = django_locale();
    let dir = TempDir::new("po-only-django");
    let copied = copy_po_sources(&dir.0);
    assert!(copied >= 5, "{copied}");
    run_recorded_cases(&dir.0, Some(&django));
}

/// A directory under the system's temporary one, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("platen-i18n-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies each `tests/locale/<locale>/LC_MESSAGES/django.po` (not the `.mo`) under `to`: how many.
fn copy_po_sources(to: &Path) -> usize {
    let mut copied = 0;
    for entry in std::fs::read_dir(locale_dir()).unwrap().flatten() {
        let po = entry.path().join("LC_MESSAGES/django.po");
        if po.is_file() {
            let target = to.join(entry.file_name()).join("LC_MESSAGES");
            std::fs::create_dir_all(&target).unwrap();
            std::fs::copy(&po, target.join("django.po")).unwrap();
            copied += 1;
        }
    }
    copied
}

/// Runs the recorded cases with `locale` on the locale paths: without
/// `django`, those that need only our catalogues; with Django's catalogues
/// `django`, those that need them too (`django_catalogues`).
fn run_recorded_cases(locale: &Path, django: Option<&Path>) {
    let text = std::fs::read_to_string(locale_dir().join("cases.json")).unwrap();
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(all.len() > 240);
    let cases: Vec<_> = all
        .iter()
        .filter(|c| c["django_catalogues"].as_bool().unwrap() == django.is_some())
        .collect();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let template = case["template"].as_str().unwrap();
        let language = case["language"].as_str();
        let mut paths = vec![locale.to_path_buf()];
        paths.extend(django.map(Path::to_path_buf));
        let formats = format_settings(case["settings"].as_object().unwrap());
        let e = engine_with(case["language_code"].as_str().unwrap(), paths, formats);
        let mut context = Context::new();
        for (k, v) in case["context"].as_object().unwrap() {
            context.insert(k, value(v));
        }
        let expected = case["output"]
            .as_str()
            .expect("every recorded case renders");
        let got = render(&e, template, &context, language);
        if got != expected {
            failures.push(format!(
                "{template} in {language:?} with {}: expected {expected:?}, got {got:?}",
                case["settings"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn without_catalogues_or_i18n_messages_pass_through() {
    let t = r#"{% load i18n %}{% translate "Hello" %}|{% get_current_language as L %}{{ L }}|{% language "de" %}{% translate "Hello" %}{% get_current_language as L %}{{ L }}{% endlanguage %}"#;
    assert_eq!(
        render(&engine("en-us", Vec::new()), t, &Context::new(), None),
        "Hello|en-us|Hellode"
    );
    let mut options = DtlOptions {
        use_i18n: false,
        locale_paths: vec![locale_dir()],
        ..DtlOptions::default()
    };
    options
        .libraries
        .insert("i18n".into(), django_library("i18n").unwrap());
    let off = DtlEngine::try_new(LoaderChain::new(Vec::new()), options).unwrap();
    // USE_I18N = False: Django's trans_null never translates nor changes the language.
    assert_eq!(
        render(&off, t, &Context::new(), Some("de")),
        "Hello|en-us|Helloen-us"
    );
}

#[test]
fn a_corrupt_catalogue_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("platen-i18n-corrupt-{}", std::process::id()));
    let file = dir.join("de/LC_MESSAGES/django.mo");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"\xde\x12\x04\x95 truncated").unwrap();
    let e = engine("en-us", vec![dir.clone()]);
    let t = e
        .from_string(r#"{% load i18n %}{% translate "Hello" %}"#)
        .unwrap();
    let request = Request {
        language: Some("de".into()),
        ..Request::default()
    };
    let err = t.render(&Context::new(), Some(&request)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
    // English needs no catalogue, so it still renders; `check` reports the file.
    assert_eq!(t.render(&Context::new(), None).unwrap(), "Hello");
    let errors = e.check();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().contains("django.mo"));
    assert!(
        DtlEngine::try_new(
            LoaderChain::new(Vec::new()),
            DtlOptions {
                locale_paths: vec![dir.join("nope")],
                ..DtlOptions::default()
            }
        )
        .is_err()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_engine_serves_many_languages_at_once() {
    let e = Arc::new(engine("en-us", vec![locale_dir()]));
    let t = Arc::new(
        e.from_string(r#"{% load i18n %}{% translate "Hello" %}"#)
            .unwrap(),
    );
    let threads: Vec<_> = ["de", "pt-br", "ru", "fr", "en"]
        .into_iter()
        .map(|lang| {
            let t = t.clone();
            std::thread::spawn(move || {
                let request = Request {
                    language: Some(lang.into()),
                    ..Request::default()
                };
                (0..50)
                    .map(|_| t.render(&Context::new(), Some(&request)).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let expected = ["Hallo", "Olá", "Привет", "Bonjour", "Hello"];
    for (th, want) in threads.into_iter().zip(expected) {
        assert!(th.join().unwrap().iter().all(|got| got == want));
    }
}

/// Django's own `de` and `fr` catalogues translate the names of the `date`
/// filter, as in a Django project with those languages active.
#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn django_catalogues_translate_dates() {
    let e = engine("en-us", vec![django_locale()]);
    let context = Context::new().with(
        "d",
        Value::DateTime(
            chrono::NaiveDateTime::parse_from_str("2024-03-07T00:00", "%Y-%m-%dT%H:%M").unwrap(),
        ),
    );
    // Recorded from Django 5.2.19 with `translation.override(lang)`.
    let cases = [
        (
            "de",
            r#"{{ d|date:"l, j. F Y, N, D, b, M, E, P" }}"#,
            "Donnerstag, 7. März 2024, März, Do, Mär, Mär, März, Mitternacht",
        ),
        (
            "fr",
            r#"{{ d|date:"l j F Y, N, D, b, M, E, P" }}"#,
            "jeudi 7 mars 2024, mars, jeu, mar, Mar, Mars, minuit",
        ),
        (
            "de",
            r#"{% load i18n %}{% translate "Yes" %}|{{ "fr"|language_name_translated }}"#,
            "Ja|Französisch",
        ),
    ];
    for (lang, template, expected) in cases {
        assert_eq!(
            render(&e, template, &context, Some(lang)),
            expected,
            "{template} in {lang}"
        );
    }
}

/// A locale path that cannot be listed never panics: `new` builds the
/// engine, `check` and the first render that needs a catalogue name the path.
#[test]
fn an_unlistable_locale_path_is_reported_not_a_panic() {
    let missing = std::env::temp_dir().join(format!("platen-i18n-missing-{}", std::process::id()));
    let mut options = DtlOptions {
        locale_paths: vec![missing.clone()],
        ..DtlOptions::default()
    };
    options
        .libraries
        .insert("i18n".into(), django_library("i18n").unwrap());
    assert!(DtlEngine::try_new(LoaderChain::new(Vec::new()), options.clone()).is_err());
    let e = DtlEngine::new(LoaderChain::new(Vec::new()), options);
    let errors = e.check();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .contains(&missing.display().to_string()),
        "{}",
        errors[0]
    );
    // Templates without translations still render.
    let plain = e.from_string("{{ 1.5 }}|{{ n }}").unwrap();
    assert_eq!(
        plain
            .render(&Context::new().with("n", Value::Int(7)), None)
            .unwrap(),
        "1.5|7"
    );
    let t = e
        .from_string(r#"{% load i18n %}{% translate "Hello" %}"#)
        .unwrap();
    let request = Request {
        language: Some("de".into()),
        ..Request::default()
    };
    let err = t.render(&Context::new(), Some(&request)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
}

const PLURAL_AND_CONTEXT: &str = "{% load i18n %}{% translate \"Hello\" %}|{% translate \"May\" context \"month\" %}|{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}|{% blocktranslate context \"fruit\" count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}";

/// A `.po`-only locale renders as the `.mo` compiled from it, in every
/// language and count; where both files exist the `.mo` is read.
#[test]
fn a_po_catalogue_renders_as_its_mo() {
    let dir = TempDir::new("po-as-mo");
    copy_po_sources(&dir.0);
    let (from_mo, from_po) = (
        engine("en-us", vec![locale_dir()]),
        engine("en-us", vec![dir.0.clone()]),
    );
    let mut compared = 0;
    for lang in ["de", "de-at", "ru", "pt-br", "fr", "en"] {
        for n in [0, 1, 2, 5, 11, 22] {
            let context = Context::new().with("n", Value::Int(n));
            let expected = render(&from_mo, PLURAL_AND_CONTEXT, &context, Some(lang));
            assert_eq!(
                render(&from_po, PLURAL_AND_CONTEXT, &context, Some(lang)),
                expected,
                "{lang}, n={n}"
            );
            compared += usize::from(
                expected
                    != render(
                        &engine("en-us", Vec::new()),
                        PLURAL_AND_CONTEXT,
                        &context,
                        Some(lang),
                    ),
            );
        }
    }
    assert!(compared > 20, "only {compared} renders were translated");
    let de = Context::new().with("n", Value::Int(3));
    assert_eq!(
        render(&from_po, PLURAL_AND_CONTEXT, &de, Some("de")),
        "Hallo|Mai (Monat)|3 Äpfel|3 Äpfel (Obst)"
    );
    assert!(from_po.check().is_empty());

    // A .po beside the .mo is not read: the compiled catalogue is Django's.
    let both = dir.0.join("de/LC_MESSAGES");
    std::fs::copy(
        locale_dir().join("fr/LC_MESSAGES/django.mo"),
        both.join("django.mo"),
    )
    .unwrap();
    let e = engine("en-us", vec![dir.0.clone()]);
    assert_eq!(
        render(
            &e,
            r#"{% load i18n %}{% translate "Hello" %}"#,
            &Context::new(),
            Some("de")
        ),
        "Bonjour"
    );
}

/// A `.po` with a syntax error is reported by `check` and by a render that
/// needs it, with the file, line and column; renders that need no
/// catalogue, and other languages, still work.
#[test]
fn a_po_syntax_error_names_file_and_line() {
    let dir = TempDir::new("po-syntax");
    copy_po_sources(&dir.0);
    let file = dir.0.join("de/LC_MESSAGES/django.po");
    let broken = "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"Hello\"\nmsgstr \"Hallo\\q\"\n";
    std::fs::write(&file, broken).unwrap();
    let e = engine("en-us", vec![dir.0.clone()]);
    let at = format!("{}:5:14", file.display());
    let errors = e.check();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind(), ErrorKind::SyntaxError);
    let message = errors[0].to_string();
    assert!(
        message.contains(&at) && message.contains("invalid escape sequence `\\q`"),
        "{message}"
    );
    let t = e
        .from_string(r#"{% load i18n %}{% translate "Hello" %}"#)
        .unwrap();
    let request = |l: &str| Request {
        language: Some(l.into()),
        ..Request::default()
    };
    let err = t.render(&Context::new(), Some(&request("de"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(err.to_string().contains(&at), "{err}");
    assert_eq!(
        t.render(&Context::new(), Some(&request("fr"))).unwrap(),
        "Bonjour"
    );
    assert_eq!(t.render(&Context::new(), None).unwrap(), "Hello");
    // Fixing the file and building a new engine picks it up.
    std::fs::write(&file, broken.replace("\\q", "")).unwrap();
    let fixed = engine("en-us", vec![dir.0.clone()]);
    assert!(fixed.check().is_empty());
    assert_eq!(
        fixed
            .from_string(r#"{% load i18n %}{% translate "Hello" %}"#)
            .unwrap()
            .render(&Context::new(), Some(&request("de")))
            .unwrap(),
        "Hallo"
    );
}
