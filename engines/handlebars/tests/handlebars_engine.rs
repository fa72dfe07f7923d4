//! The Handlebars engine through platen's loaders and settings.
#![allow(missing_docs)] // handlebars_helper! makes undocumented structs

use std::path::Path;

use handlebars::handlebars_helper;
use platen_core::{Context, Engines, ErrorKind, Registry, Settings};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    platen_loaders::register(&mut registry);
    platen_handlebars::register(&mut registry);
    registry
}

fn engines_with(dir: &Path, settings: &str, registry: &Registry) -> platen_core::Result<Engines> {
    std::fs::write(dir.join("platen.toml"), settings).unwrap();
    registry.build_engines(&Settings::load(dir.join("platen.toml"))?)
}

const TWO_DIRS: &str = "[[templates]]\nbackend = \"platen.handlebars\"\ndirs = [\"a\", \"b\"]\n";

fn render(engines: &Engines, name: &str, ctx: &Context) -> platen_core::Result<String> {
    engines.render_to_string(&[name], ctx, None, None)
}

handlebars_helper!(upper: |s: str| s.to_uppercase());
handlebars_helper!(lower: |s: str| s.to_lowercase());
handlebars_helper!(divisibleby: |x: i64, d: i64| d != 0 && x % d == 0);
handlebars_helper!(truncatewords: |s: str, n: u64| {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() > n as usize { format!("{} …", words[..n as usize].join(" ")) } else { words.join(" ") }
});

#[test]
fn partials_come_from_another_directory_with_or_without_extension() {
    let dir = project(&[
        ("a/page.hbs", "<p>{{msg}}</p>{{> footer}}|{{> footer.hbs}}"),
        ("b/footer.hbs", "[{{msg}}]"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new().with("msg", "a<b");
    assert_eq!(render(&engines, "page", &ctx).unwrap(), "<p>a&lt;b</p>[a&lt;b]|[a&lt;b]");
    assert_eq!(render(&engines, "page.hbs", &ctx).unwrap(), "<p>a&lt;b</p>[a&lt;b]|[a&lt;b]");
}

#[test]
fn layouts_with_inline_partials_and_defaults() {
    let dir = project(&[
        ("a/index.hbs", "{{#*inline \"content\"}}<b>{{title}}</b>{{/inline}}{{> layout}}"),
        ("b/layout.hbs", "<main>{{> content}}</main><h1>{{#> title}}Untitled{{/title}}</h1>"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let out = render(&engines, "index", &Context::new().with("title", "Hi")).unwrap();
    assert_eq!(out, "<main><b>Hi</b></main><h1>Untitled</h1>");
}

#[test]
fn strict_mode_reports_the_missing_variable_and_line() {
    let dir = project(&[("a/x.hbs", "ok\n{{missing}}"), ("b/.keep", "")]);
    let strict = format!("{TWO_DIRS}options = {{ strict_mode = true }}\n");
    let engines = engines_with(dir.path(), &strict, &registry()).unwrap();
    let err = render(&engines, "x", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UndefinedVariable, "{err}");
    assert_eq!(err.line(), Some(2), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    // Without strict mode a missing variable renders empty.
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(render(&engines, "x", &Context::new()).unwrap(), "ok\n");
}

#[test]
fn syntax_errors_have_file_line_and_column() {
    let dir = project(&[("a/bad.hbs", "line one\n{{#if x}}\nno end"), ("b/.keep", "")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("bad.hbs", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    let loc = err.location().unwrap();
    assert!(loc.contains("bad.hbs:"), "{loc}");
    assert!(format!("{err:#}").contains(" | "), "{err:#}");
}

#[test]
fn missing_templates_and_partials_list_every_place() {
    let dir = project(&[("a/page.hbs", "x{{> nowhere}}"), ("b/.keep", "")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("absent", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    // name, name.hbs, name.handlebars in each of two directories
    assert_eq!(err.tried().len(), 6, "{err}");
    let err = render(&engines, "page", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{err}");
    assert!(err.to_string().contains("nowhere"), "{err}");
    assert_eq!(err.tried().len(), 6, "{err}");
}

#[test]
fn autoescape_can_be_turned_off() {
    let dir = project(&[("a/x.hbs", "{{v}}|{{{v}}}"), ("b/.keep", "")]);
    let ctx = Context::new().with("v", "<&>");
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "&lt;&amp;&gt;|<&>");
    let off = format!("{TWO_DIRS}options = {{ autoescape = false }}\n");
    let engines = engines_with(dir.path(), &off, &registry()).unwrap();
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "<&>|<&>");
}

#[test]
fn user_helpers_are_selected_by_name() {
    let dir = project(&[("a/x.hbs", "{{upper v}}"), ("b/.keep", "")]);
    let mut registry = registry();
    registry.register_backend(
        "platen.handlebars",
        platen_handlebars::HandlebarsBackend::new().helper("upper", upper).helper("lower", lower),
    );
    let with = format!("{TWO_DIRS}options = {{ helpers = [\"upper\"] }}\n");
    let engines = engines_with(dir.path(), &with, &registry).unwrap();
    assert_eq!(render(&engines, "x", &Context::new().with("v", "hi")).unwrap(), "HI");

    let typo = format!("{TWO_DIRS}options = {{ helpers = [\"uper\"] }}\n");
    let err = engines_with(dir.path(), &typo, &registry).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    let text = err.to_string();
    assert!(text.contains("templates[0].options.helpers[0]"), "{text}");
    assert!(text.contains("did you mean `upper`"), "{text}");
    assert!(text.contains("platen.toml"), "{text}");

    let unknown = format!("{TWO_DIRS}options = {{ strict = true }}\n");
    let err = engines_with(dir.path(), &unknown, &registry).unwrap_err();
    assert!(err.to_string().contains("templates[0].options.strict"), "{err}");
}

#[test]
fn an_edited_partial_shows_after_reset() {
    let dir = project(&[("a/page.hbs", "<{{> part}}>"), ("b/part.hbs", "v1")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v1>");
    std::fs::write(dir.path().join("b/part.hbs"), "v2").unwrap();
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v1>", "cached until reset");
    engines.reset();
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v2>");
}

#[test]
fn renders_from_many_threads() {
    let dir = project(&[("a/page.hbs", "{{#each items}}{{> item}}{{/each}}"), ("b/item.hbs", "({{this}})")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new().with("items", vec![1, 2, 3]);
    let expected = render(&engines, "page", &ctx).unwrap();
    assert_eq!(expected, "(1)(2)(3)");
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..200 {
                    assert_eq!(render(&engines, "page", &ctx).unwrap(), expected);
                }
            });
        }
    });
}

#[test]
fn bench_workloads_match_django_output() {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench");
    if !bench.is_dir() {
        eprintln!("skipped: {} is not there", bench.display());
        return;
    }
    let mut registry = registry();
    registry.register_backend(
        "platen.handlebars",
        platen_handlebars::HandlebarsBackend::new()
            .helper("upper", upper)
            .helper("lower", lower)
            .helper("truncatewords", truncatewords)
            .helper("divisibleby", divisibleby),
    );
    for workload in ["big_table", "teams", "blog_page", "forloop_filter", "escape_heavy"] {
        let root = bench.join(workload);
        let settings =
            format!("[[templates]]\nbackend = \"platen.handlebars\"\ndirs = [\"{}\"]\n", root.join("hbs").display());
        let dir = tempfile::tempdir().unwrap();
        let engines = engines_with(dir.path(), &settings, &registry).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("context.json")).unwrap()).unwrap();
        let out = render(&engines, "index", &Context::from_serialize(&json).unwrap()).unwrap();
        let expected = std::fs::read_to_string(root.join("expected.html")).unwrap();
        assert_eq!(out, expected, "{workload}");
    }
}
