//! The Tera engine built from settings, over platen's real loaders.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{TWO_DIRS, engines_with, project, registry, render, render_one};
use platen_core::{Context, ErrorKind, Loader, LoaderChain, Value};
use platen_loaders::{CacheOptions, CachedLoader, FilesystemLoader};
use platen_tera::{TeraBackend, TeraEngine, tera};

#[test]
fn renders_with_a_context() {
    let dir = project(&[
        (
            "a/hello.html",
            "Hello {{ name }}, {{ n + 1 }} {{ items | join(sep=\",\") }}",
        ),
        ("b/.keep", ""),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new()
        .with("name", "<World>")
        .with("n", 41)
        .with("items", vec!["x", "y"]);
    assert_eq!(
        render(&engines, "hello.html", &ctx).unwrap(),
        "Hello &lt;World&gt;, 42 x,y"
    );
}

#[test]
fn inherits_from_a_base_in_another_directory_and_includes() {
    let dir = project(&[
        (
            "a/page.html",
            "{% extends \"base.html\" %}{% block body %}<p>{{ msg }}</p>{% include \"part.html\" %}{% endblock body %}",
        ),
        (
            "b/base.html",
            "<main>{% block body %}default{% endblock body %}</main>",
        ),
        ("b/part.html", "[{{ msg | upper }}]"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let out = render(&engines, "page.html", &Context::new().with("msg", "a<b")).unwrap();
    assert_eq!(out, "<main><p>a&lt;b</p>[A&lt;B]</main>");
}

#[test]
fn a_name_in_the_first_directory_shadows_the_second() {
    let dir = project(&[
        ("a/x.html", "from a"),
        ("b/x.html", "from b"),
        ("b/y.html", "{% include \"x.html\" %}"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(
        render(&engines, "y.html", &Context::new()).unwrap(),
        "from a"
    );
}

#[test]
fn components_replace_macro_imports() {
    // Tera 2 has no macros or `{% import %}`; components defined in the
    // `options.components` templates (read through the loaders) can be
    // called from any template, and so can those of a template it extends.
    let dir = project(&[
        (
            "a/page.html",
            "{% extends \"base.html\" %}{% block b %}{{ <badge label={who} /> }} {% <frame> %}x{% </frame> %}{% endblock b %}",
        ),
        (
            "b/base.html",
            "{% component frame() %}[{{ body }}]{% endcomponent frame %}{% block b %}{% endblock b %}",
        ),
        (
            "b/ui/badge.html",
            "{% component badge(label) %}<span>{{ label }}</span>{% endcomponent badge %}",
        ),
        (
            "b/ui/pill.html",
            "{% component pill(t) %}({{ <badge label={t} /> }}){% endcomponent pill %}",
        ),
        ("a/pills.html", "{{ <pill t=\"p\" /> }}"),
    ]);
    let settings =
        format!("{TWO_DIRS}options = {{ components = [\"ui/badge.html\", \"ui/pill.html\"] }}\n");
    let engines = engines_with(dir.path(), &settings, &registry()).unwrap();
    let out = render(&engines, "page.html", &Context::new().with("who", "<me>")).unwrap();
    assert_eq!(out, "<span>&lt;me&gt;</span> [x]");
    assert_eq!(
        render(&engines, "pills.html", &Context::new()).unwrap(),
        "(<span>p</span>)"
    );

    // Without the setting the component is unknown, and the error says where components come from.
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("page.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.to_string().contains("Unknown component `badge`"),
        "{err}"
    );
    assert!(err.to_string().contains("options.components"), "{err}");
    assert!(err.location().unwrap().contains("page.html:1:"), "{err}");

    // A component template that is not there names its settings key.
    let settings = format!("{TWO_DIRS}options = {{ components = [\"ui/none.html\"] }}\n");
    let engines = engines_with(dir.path(), &settings, &registry()).unwrap();
    let err = engines.get_template("pills.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert!(
        err.to_string()
            .contains("templates[0].options.components[0]"),
        "{err}"
    );
    assert_eq!(err.tried().len(), 2, "{err}");
}

#[test]
fn syntax_errors_have_file_line_and_column() {
    let dir = project(&[
        ("a/bad.html", "line one\n{% if x %}\n  {{ 1 + }}\n"),
        ("b/.keep", ""),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("bad.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    let path = dir.path().join("a/bad.html");
    let expected = format!("{}:3:", path.display());
    let message = err.to_string();
    assert!(message.contains(&format!("(in {expected}")), "{message}");
    assert_eq!(err.origin().unwrap().path.as_deref(), Some(path.as_path()));
    let long = format!("{err:#}");
    assert!(
        long.contains(">  3 |") || long.contains("> 3 |"),
        "excerpt: {long}"
    );
}

#[test]
fn undefined_variables_are_reported_with_their_position() {
    let dir = project(&[("a/x.html", "ok\n  {{ user.name }}"), ("b/.keep", "")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = render(&engines, "x.html", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UndefinedVariable, "{err}");
    assert_eq!((err.line(), err.span().unwrap().col), (Some(2), 6), "{err}");
    assert!(
        err.to_string().contains("Variable `user` is not defined"),
        "{err}"
    );
}

#[test]
fn missing_templates_list_every_place_tried() {
    let dir = project(&[("a/.keep", ""), ("b/.keep", "")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("absent.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    let tried: Vec<_> = err
        .tried()
        .iter()
        .map(|t| t.origin.path.clone().unwrap())
        .collect();
    assert_eq!(
        tried,
        [
            dir.path().join("a/absent.html"),
            dir.path().join("b/absent.html")
        ]
    );
    assert!(
        err.tried()
            .iter()
            .all(|t| t.engine.as_deref() == Some("tera")),
        "{err}"
    );
}

#[test]
fn a_missing_parent_is_an_error_of_the_child() {
    let dir = project(&[
        ("a/page.html", "{% extends \"nope.html\" %}"),
        ("b/.keep", ""),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("page.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(err.detail(), Some("nope.html (extended by page.html)"));
    assert_eq!(
        err.location(),
        Some(format!("{}:1:1", dir.path().join("a/page.html").display()))
    );
    let tried: Vec<_> = err
        .tried()
        .iter()
        .map(|t| t.origin.path.clone().unwrap())
        .collect();
    assert_eq!(
        tried,
        [
            dir.path().join("a/nope.html"),
            dir.path().join("b/nope.html")
        ]
    );
}

#[test]
fn extends_cycles_are_reported_not_overflowed() {
    let dir = project(&[
        ("a/x.html", "{% extends \"y.html\" %}"),
        ("b/y.html", "{% extends \"x.html\" %}"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    for _ in 0..2 {
        let err = engines.get_template("x.html", None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Recursion, "{err}");
        assert!(
            err.to_string().contains("x.html -> y.html -> x.html"),
            "{err}"
        );
    }
    assert_eq!(
        engines.get_template("y.html", None).unwrap_err().kind(),
        ErrorKind::Recursion
    );
}

#[test]
fn autoescape_on_off_and_per_suffix() {
    let dir = project(&[
        ("a/x.html", "{{ v }}"),
        ("a/x.txt", "{{ v }}"),
        ("a/x.svg", "{{ v }}"),
        ("b/.keep", ""),
    ]);
    let ctx = Context::new().with("v", "<&>");
    let escaped = "&lt;&amp;&gt;";

    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(render(&engines, "x.html", &ctx).unwrap(), escaped);
    assert_eq!(render(&engines, "x.txt", &ctx).unwrap(), "<&>");
    let t = engines.get("tera").unwrap().from_string("{{ v }}").unwrap();
    assert_eq!(
        t.render(&ctx, None).unwrap(),
        escaped,
        "from_string escapes when the engine does"
    );

    let off = format!("{TWO_DIRS}options = {{ autoescape = false }}\n");
    let engines = engines_with(dir.path(), &off, &registry()).unwrap();
    assert_eq!(render(&engines, "x.html", &ctx).unwrap(), "<&>");
    let t = engines.get("tera").unwrap().from_string("{{ v }}").unwrap();
    assert_eq!(t.render(&ctx, None).unwrap(), "<&>");

    let suffixes = format!("{TWO_DIRS}options = {{ autoescape_on = [\".txt\", \".svg\"] }}\n");
    let engines = engines_with(dir.path(), &suffixes, &registry()).unwrap();
    assert_eq!(render(&engines, "x.txt", &ctx).unwrap(), escaped);
    assert_eq!(render(&engines, "x.svg", &ctx).unwrap(), escaped);
    assert_eq!(render(&engines, "x.html", &ctx).unwrap(), "<&>");

    let safe = Context::new().with("v", Value::safe("<&>"));
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(
        render(&engines, "x.html", &safe).unwrap(),
        "<&>",
        "safe strings are not escaped"
    );
}

fn shout(s: &str, _: tera::Kwargs, _: &tera::State) -> String {
    format!("{}!", s.to_uppercase())
}

#[test]
fn user_filters_tests_and_functions_are_selected_by_name() {
    let dir = project(&[
        ("a/x.html", "{{ v | shout }}"),
        (
            "a/y.html",
            "{% if v is short %}short{% endif %} {{ answer() }}",
        ),
        ("b/.keep", ""),
    ]);
    let backend = TeraBackend::new()
        .filter("shout", shout)
        .filter("whisper", |s: &str, _: tera::Kwargs, _: &tera::State| {
            s.to_lowercase()
        })
        .test("short", |s: &str, _: tera::Kwargs, _: &tera::State| {
            s.len() < 5
        })
        .function("answer", |_: tera::Kwargs, _: &tera::State| 42);
    assert_eq!(backend.filter_names(), ["shout", "whisper"]);
    let mut registry = registry();
    registry.register_backend("platen.tera", backend);
    let ctx = Context::new().with("v", "hi");

    let all = engines_with(dir.path(), TWO_DIRS, &registry).unwrap();
    assert_eq!(render(&all, "x.html", &ctx).unwrap(), "HI!");
    assert_eq!(render(&all, "y.html", &ctx).unwrap(), "short 42");

    let only_whisper = format!("{TWO_DIRS}options = {{ filters = [\"whisper\"] }}\n");
    let engines = engines_with(dir.path(), &only_whisper, &registry).unwrap();
    let err = engines.get_template("x.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(err.to_string().contains("Unknown filter `shout`"), "{err}");
    let selected = format!(
        "{TWO_DIRS}options = {{ filters = [\"shout\"], tests = [], functions = [\"answer\"] }}\n"
    );
    let engines = engines_with(dir.path(), &selected, &registry).unwrap();
    assert_eq!(render(&engines, "x.html", &ctx).unwrap(), "HI!");
    assert!(
        engines
            .get_template("y.html", None)
            .unwrap_err()
            .to_string()
            .contains("Unknown test `short`")
    );
}

#[test]
fn unknown_filter_names_are_bad_settings_naming_the_key() {
    let dir = project(&[("a/.keep", ""), ("b/.keep", "")]);
    let mut registry = registry();
    registry.register_backend("platen.tera", TeraBackend::new().filter("shout", shout));
    let typo = format!("{TWO_DIRS}options = {{ filters = [\"shout\", \"shuot\"] }}\n");
    let err = engines_with(dir.path(), &typo, &registry).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    assert_eq!(err.settings_key(), Some("templates[0].options.filters[1]"));
    let text = err.to_string();
    assert!(text.contains("did you mean `shout`"), "{text}");
    assert!(
        text.contains(&dir.path().join("platen.toml").display().to_string()),
        "{text}"
    );

    let unknown_option = format!("{TWO_DIRS}options = {{ filtres = [] }}\n");
    let err = engines_with(dir.path(), &unknown_option, &registry).unwrap_err();
    assert_eq!(err.settings_key(), Some("templates[0].options.filtres"));
    assert!(err.to_string().contains("did you mean `filters`"), "{err}");

    let dtl_only = format!("{TWO_DIRS}options = {{ string_if_invalid = \"?\" }}\n");
    let err = engines_with(dir.path(), &dtl_only, &registry).unwrap_err();
    assert_eq!(
        err.settings_key(),
        Some("templates[0].options.string_if_invalid"),
        "{err}"
    );

    let wrong_type = format!("{TWO_DIRS}options = {{ autoescape_on = \".html\" }}\n");
    let err = engines_with(dir.path(), &wrong_type, &registry).unwrap_err();
    assert_eq!(
        err.settings_key(),
        Some("templates[0].options.autoescape_on"),
        "{err}"
    );
}

#[test]
fn an_edited_base_is_seen_after_reset() {
    let dir = project(&[
        ("a/page.html", "{% extends \"base.html\" %}"),
        ("b/base.html", "v1"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(
        render(&engines, "page.html", &Context::new()).unwrap(),
        "v1"
    );
    std::fs::write(dir.path().join("b/base.html"), "v2").unwrap();
    assert_eq!(
        render(&engines, "page.html", &Context::new()).unwrap(),
        "v1",
        "cached until reset"
    );
    engines.reset();
    assert_eq!(
        render(&engines, "page.html", &Context::new()).unwrap(),
        "v2"
    );
}

#[test]
fn an_edited_include_is_seen_by_auto_reload_without_reset() {
    let dir = project(&[
        (
            "page.html",
            "<{% include \"part.html\" %}{% include \"other.html\" %}>",
        ),
        ("other.html", "+{% include \"part.html\" %}"),
        ("part.html", "v1"),
    ]);
    let fs: Arc<dyn Loader> = Arc::new(FilesystemLoader::new([dir.path()]));
    let options = CacheOptions {
        auto_reload: true,
        watch: false,
    };
    let cached: Arc<dyn Loader> = Arc::new(CachedLoader::with_options(vec![fs], options));
    let engine = TeraEngine::new("tera", LoaderChain::new(vec![cached]), tera::Tera::new());
    assert_eq!(
        render_one(&engine, "page.html", &Context::new()).unwrap(),
        "<v1+v1>"
    );
    let part = dir.path().join("part.html");
    std::fs::write(&part, "v2").unwrap();
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&part)
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert_eq!(
        render_one(&engine, "page.html", &Context::new()).unwrap(),
        "<v2+v2>"
    );
    assert_eq!(
        render_one(&engine, "other.html", &Context::new()).unwrap(),
        "+v2"
    );
}

#[test]
fn eight_threads_render_the_same_output() {
    let dir = project(&[
        (
            "a/page.html",
            "{% extends \"base.html\" %}{% block b %}{% for i in items %}{% include \"item.html\" %}{% if loop.first %}*{% endif %}{% endfor %}{% endblock b %}",
        ),
        ("b/base.html", "<{% block b %}{% endblock b %}>"),
        ("b/item.html", "{{ i }},"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new().with("items", (0..100).collect::<Vec<i64>>());
    let barrier = std::sync::Barrier::new(8);
    // The threads start together on a cold cache, then render many times.
    let outputs: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    (0..100)
                        .map(|_| render(&engines, "page.html", &ctx).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let expected = render(&engines, "page.html", &ctx).unwrap();
    assert!(
        expected.starts_with("<0,*1,2,") && expected.ends_with("99,>"),
        "{expected}"
    );
    assert!(outputs.iter().flatten().all(|o| *o == expected));
}

#[test]
fn through_locmem_and_app_directories() {
    let dir = project(&[(
        "blog/templates/blog/base.html",
        "[{% block b %}{% endblock b %}]",
    )]);
    let settings = "apps = [\"blog\"]\n[[templates]]\nbackend = \"platen.tera\"\nname = \"t\"\n\
                    options = { loaders = [{ loader = \"platen.loaders.locmem\", templates = { \"p.html\" = \"{% extends 'blog/base.html' %}{% block b %}{{ 1 + 1 }}{% endblock b %}\" } }, \"platen.loaders.app_directories\"] }\n";
    let engines = engines_with(dir.path(), settings, &registry()).unwrap();
    assert_eq!(render(&engines, "p.html", &Context::new()).unwrap(), "[2]");
    assert_eq!(
        engines.get("t").unwrap().template_names().unwrap(),
        ["blog/base.html", "p.html"]
    );
    assert!(engines.check().is_empty());
}
