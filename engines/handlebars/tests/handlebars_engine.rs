//! The Handlebars engine built from a settings file, over platen's real
//! loaders (filesystem directories wrapped in the cached loader).
#![allow(missing_docs)] // handlebars_helper! makes undocumented structs

use std::path::Path;
use std::time::{Duration, SystemTime};

use platen_core::{Context, Engines, ErrorKind, Registry, Settings};
use platen_handlebars::HandlebarsBackend;
use platen_handlebars::handlebars::handlebars_helper;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        write(&dir.path().join(path), content);
    }
    dir
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Writes `content` and moves the file's modification time forward, so that
/// an auto-reloading cache sees a change whatever the clock's resolution.
fn edit(path: &Path, content: &str) {
    write(path, content);
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(later)
        .unwrap();
}

fn registry_with(backend: HandlebarsBackend) -> Registry {
    let mut registry = Registry::new();
    platen_loaders::register(&mut registry);
    platen_handlebars::register(&mut registry);
    registry.register_backend(platen_handlebars::BACKEND_NAME, backend);
    registry
}

fn registry() -> Registry {
    registry_with(HandlebarsBackend::new())
}

fn engines_with(dir: &Path, settings: &str, registry: &Registry) -> platen_core::Result<Engines> {
    std::fs::write(dir.join("platen.toml"), settings).unwrap();
    registry.build_engines(&Settings::load(dir.join("platen.toml"))?)
}

const TWO_DIRS: &str = "[[templates]]\nbackend = \"platen.handlebars\"\ndirs = [\"a\", \"b\"]\n";

fn with_options(options: &str) -> String {
    format!("{TWO_DIRS}options = {{ {options} }}\n")
}

fn render(engines: &Engines, name: &str, ctx: &Context) -> platen_core::Result<String> {
    engines.render_to_string(&[name], ctx, None, None)
}

handlebars_helper!(upper: |s: str| s.to_uppercase());
handlebars_helper!(lower: |s: str| s.to_lowercase());
handlebars_helper!(divisibleby: |x: i64, d: i64| d != 0 && x % d == 0);
// Django's truncatewords: whitespace-separated words, the first n joined by
// single spaces, then " …" when words were dropped.
handlebars_helper!(truncatewords: |s: str, n: u64| {
    let words: Vec<&str> = s.split_whitespace().collect();
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if words.len() > n { format!("{} …", words[..n].join(" ")) } else { words.join(" ") }
});

fn bench_backend() -> HandlebarsBackend {
    HandlebarsBackend::new()
        .helper("upper", upper)
        .helper("lower", lower)
        .helper("truncatewords", truncatewords)
        .helper("divisibleby", divisibleby)
}

#[test]
fn renders_a_page_with_a_partial_from_the_second_directory() {
    let dir = project(&[
        (
            "a/page.hbs",
            "<p>{{msg}}</p>{{> footer}}|{{> footer.hbs}}|{{> parts/nav}}",
        ),
        ("b/footer.hbs", "[{{msg}}]"),
        (
            "b/parts/nav.handlebars",
            "<nav>{{#each links}}{{this}};{{/each}}</nav>",
        ),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new()
        .with("msg", "a<b")
        .with("links", vec!["x", "y"]);
    let expected = "<p>a&lt;b</p>[a&lt;b]|[a&lt;b]|<nav>x;y;</nav>";
    assert_eq!(render(&engines, "page", &ctx).unwrap(), expected);
    assert_eq!(render(&engines, "page.hbs", &ctx).unwrap(), expected);
}

#[test]
fn layouts_with_inline_partials_and_defaults() {
    let dir = project(&[
        (
            "a/index.hbs",
            "{{#*inline \"content\"}}<b>{{title}}</b>{{/inline}}\n{{> layout}}",
        ),
        (
            "a/block.hbs",
            "{{#> layout}}{{#*inline \"content\"}}<i>{{title}}</i>{{/inline}}{{/layout}}",
        ),
        (
            "a/titled.hbs",
            "{{#> layout}}{{#*inline \"title\"}}T{{/inline}}{{#*inline \"content\"}}c{{/inline}}{{/layout}}",
        ),
        (
            "b/layout.hbs",
            "<main>{{> content}}</main>\n<h1>{{#> title}}Untitled{{/title}}</h1>\n",
        ),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new().with("title", "Hi");
    // The inline definition's line is not standalone (it has content): its newline stays.
    assert_eq!(
        render(&engines, "index", &ctx).unwrap(),
        "\n<main><b>Hi</b></main>\n<h1>Untitled</h1>\n"
    );
    // A partial block: the inline partials of its content reach the layout.
    assert_eq!(
        render(&engines, "block", &ctx).unwrap(),
        "<main><i>Hi</i></main>\n<h1>Untitled</h1>\n"
    );
    assert_eq!(
        render(&engines, "titled", &ctx).unwrap(),
        "<main>c</main>\n<h1>T</h1>\n"
    );
}

#[test]
fn strict_mode_reports_the_missing_variable_and_line() {
    let dir = project(&[
        ("a/x.hbs", "ok\n{{#if true}}\n  {{missing}}\n{{/if}}"),
        ("b/.keep", ""),
    ]);
    let engines =
        engines_with(dir.path(), &with_options("strict_mode = true"), &registry()).unwrap();
    let err = render(&engines, "x", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UndefinedVariable, "{err}");
    assert_eq!(err.line(), Some(3), "{err}");
    let path = dir.path().join("a/x.hbs").canonicalize().unwrap();
    assert!(
        err.to_string().contains(&format!("{}:3:3", path.display())),
        "{err}"
    );
    assert!(err.to_string().contains("`missing`"), "{err}");
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    // The block tags' lines are standalone, so removed.
    assert_eq!(render(&engines, "x", &Context::new()).unwrap(), "ok\n  \n");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let dir = project(&[
        ("a/bad.hbs", "line one\n\n  {{#each items}}x{{/if}}"),
        ("b/.keep", ""),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("bad", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    let path = dir.path().join("a/bad.hbs").canonicalize().unwrap();
    let loc = err.location().unwrap();
    assert!(loc.starts_with(&format!("{}:3:", path.display())), "{loc}");
    assert!(err.to_string().contains(&loc), "{err}");
    assert!(
        format!("{err:#}").contains("> 3 |   {{#each items}}x{{/if}}"),
        "{err:#}"
    );
}

#[test]
fn a_missing_template_lists_every_place_tried() {
    let dir = project(&[("a/.keep", ""), ("b/.keep", "")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = engines.get_template("absent", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    let tried: Vec<String> = err.tried().iter().map(|t| t.origin.name.clone()).collect();
    let expected: Vec<String> = ["absent", "absent.hbs", "absent.handlebars"]
        .iter()
        .flat_map(|n| {
            ["a", "b"].map(|d| {
                dir.path()
                    .join(d)
                    .canonicalize()
                    .unwrap()
                    .join(n)
                    .display()
                    .to_string()
            })
        })
        .collect();
    assert_eq!(tried, expected, "{err}");
    assert!(
        err.tried()
            .iter()
            .all(|t| t.engine.as_deref() == Some("handlebars")),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("[handlebars]") && text.contains("absent.handlebars"),
        "{text}"
    );
}

#[test]
fn a_missing_partial_lists_every_place_tried() {
    let dir = project(&[("a/page.hbs", "x\n {{> nowhere}}"), ("b/.keep", "")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let err = render(&engines, "page", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{err}");
    assert!(err.to_string().contains("the partial `nowhere`"), "{err}");
    assert_eq!(err.tried().len(), 6, "{err}");
    assert_eq!(err.line(), Some(2), "{err}");
}

#[test]
fn autoescape_can_be_turned_off() {
    let dir = project(&[("a/x.hbs", "{{v}}|{{{v}}}"), ("b/.keep", "")]);
    let ctx = Context::new().with("v", "<&>");
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "&lt;&amp;&gt;|<&>");
    let engines =
        engines_with(dir.path(), &with_options("autoescape = false"), &registry()).unwrap();
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "<&>|<&>");
}

#[test]
fn helpers_are_registered_by_name_and_selected_in_settings() {
    let dir = project(&[
        ("a/x.hbs", "{{upper v}}"),
        ("a/y.hbs", "{{lower v}}"),
        ("b/.keep", ""),
    ]);
    let registry = registry_with(
        HandlebarsBackend::new()
            .helper("upper", upper)
            .helper("lower", lower),
    );
    let ctx = Context::new().with("v", "Hi");
    // Unset: every registered helper.
    let engines = engines_with(dir.path(), TWO_DIRS, &registry).unwrap();
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "HI");
    assert_eq!(render(&engines, "y", &ctx).unwrap(), "hi");
    // Listed: only those.
    let engines = engines_with(
        dir.path(),
        &with_options("helpers = [\"upper\"]"),
        &registry,
    )
    .unwrap();
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "HI");
    let err = render(&engines, "y", &ctx).unwrap_err();
    assert!(err.to_string().contains("no helper named `lower`"), "{err}");
}

#[test]
fn settings_errors_name_the_key_and_the_file() {
    let dir = project(&[("a/.keep", ""), ("b/.keep", "")]);
    let registry = registry_with(
        HandlebarsBackend::new()
            .helper("upper", upper)
            .helper("lower", lower),
    );
    let file = dir
        .path()
        .join("platen.toml")
        .canonicalize()
        .unwrap_or_else(|_| dir.path().join("platen.toml"));
    let cases = [
        (
            "helpers = [\"upper\", \"uper\"]",
            "templates[0].options.helpers[1]",
            "did you mean `upper`",
        ),
        (
            "strict_mod = true",
            "templates[0].options.strict_mod",
            "did you mean `strict_mode`",
        ),
        (
            "strict_mode = \"yes\"",
            "templates[0].options.strict_mode",
            "expected a boolean",
        ),
        (
            "extensions = [\"hbs/\"]",
            "templates[0].options.extensions[0]",
            "not a file name extension",
        ),
        (
            "builtins = [\"x\"]",
            "templates[0].options.builtins",
            "register Handlebars helpers",
        ),
    ];
    for (options, key, says) in cases {
        let err = engines_with(dir.path(), &with_options(options), &registry).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSettings, "{options}: {err}");
        assert_eq!(err.settings_key(), Some(key), "{options}: {err}");
        let text = err.to_string();
        assert!(text.contains(says), "{options}: {text}");
        assert!(
            text.contains(&file.display().to_string()) || text.contains("platen.toml"),
            "{text}"
        );
    }
}

#[test]
fn string_if_invalid_is_accepted_and_ignored() {
    let dir = project(&[("a/x.hbs", "[{{missing}}]"), ("b/.keep", "")]);
    let engines = engines_with(
        dir.path(),
        &with_options("string_if_invalid = \"?\""),
        &registry(),
    )
    .unwrap();
    assert_eq!(render(&engines, "x", &Context::new()).unwrap(), "[]");
}

#[test]
fn an_edited_partial_shows_after_reset() {
    let dir = project(&[("a/page.hbs", "<{{> part}}>"), ("b/part.hbs", "v1")]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v1>");
    edit(&dir.path().join("b/part.hbs"), "v2");
    assert_eq!(
        render(&engines, "page", &Context::new()).unwrap(),
        "<v1>",
        "cached until reset"
    );
    engines.reset();
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v2>");
}

#[test]
fn in_debug_mode_an_edited_or_added_partial_shows_at_once() {
    let dir = project(&[("a/page.hbs", "<{{> part}}>"), ("b/part.hbs", "v1")]);
    let settings = format!("debug = true\n{TWO_DIRS}");
    let engines = engines_with(dir.path(), &settings, &registry()).unwrap();
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v1>");
    edit(&dir.path().join("b/part.hbs"), "v2");
    assert_eq!(
        render(&engines, "page", &Context::new()).unwrap(),
        "<v2>",
        "no reset needed"
    );
    // A file that comes first in the search order now: `part` in `a`.
    edit(&dir.path().join("a/part.hbs"), "v3");
    assert_eq!(render(&engines, "page", &Context::new()).unwrap(), "<v3>");
}

#[test]
fn in_debug_mode_partials_that_include_each_other_are_reloaded_too() {
    let dir = project(&[
        ("a/x.hbs", "x1({{#each kids}}{{> y}}{{/each}})"),
        ("b/y.hbs", "y1({{#each kids}}{{> x}}{{/each}})"),
    ]);
    let settings = format!("debug = true\n{TWO_DIRS}");
    let engines = engines_with(dir.path(), &settings, &registry()).unwrap();
    let ctx = Context::from_serialize(&serde_json::json!({"kids": [{"kids": [{}]}]})).unwrap();
    // `x` compiles `y` as its partial, while `x` itself is still being compiled.
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "x1(y1(x1()))");
    assert_eq!(render(&engines, "y", &ctx).unwrap(), "y1(x1(y1()))");
    edit(
        &dir.path().join("a/x.hbs"),
        "x2({{#each kids}}{{> y}}{{/each}})",
    );
    assert_eq!(render(&engines, "y", &ctx).unwrap(), "y1(x2(y1()))");
    assert_eq!(render(&engines, "x", &ctx).unwrap(), "x2(y1(x2()))");
}

#[test]
fn check_reports_every_broken_template() {
    let dir = project(&[
        ("a/ok.hbs", "{{> part}}"),
        ("b/part.hbs", "fine"),
        ("a/bad1.hbs", "{{#if}}"),
        ("b/sub/bad2.hbs", "{{/each}}"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let errors = engines.check();
    let mut names: Vec<_> = errors
        .iter()
        .map(|e| e.template_name().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bad1.hbs", "sub/bad2.hbs"], "{errors:?}");
    let engine = engines.get("handlebars").unwrap();
    assert_eq!(
        engine.template_names().unwrap(),
        ["bad1.hbs", "ok.hbs", "part.hbs", "sub/bad2.hbs"]
    );
}

#[test]
fn renders_from_eight_threads_at_once() {
    let dir = project(&[
        ("a/page.hbs", "{{#each items}}{{> item}}{{/each}}"),
        ("b/item.hbs", "({{#if @first}}first:{{/if}}{{this}})"),
    ]);
    let engines = engines_with(dir.path(), TWO_DIRS, &registry()).unwrap();
    let ctx = Context::new().with("items", (0..100).collect::<Vec<i64>>());
    let expected = render(&engines, "page", &ctx).unwrap();
    assert!(expected.starts_with("(first:0)(1)(2)"), "{expected}");
    let barrier = std::sync::Barrier::new(8);
    std::thread::scope(|s| {
        for i in 0..8 {
            let (engines, ctx, expected, barrier) = (&engines, &ctx, &expected, &barrier);
            s.spawn(move || {
                barrier.wait();
                for round in 0..100 {
                    if i == 0 && round % 25 == 0 {
                        engines.reset();
                    }
                    assert_eq!(&render(engines, "page", ctx).unwrap(), expected);
                }
            });
        }
    });
}

/// Renders a benchmark workload and compares it with what Django renders
/// (`expected.html`, see `benches/workloads/README.md`), byte for byte.
fn bench_workload(workload: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../benches/workloads")
        .join(workload);
    let registry = registry_with(bench_backend());
    let settings = format!(
        "[[templates]]\nbackend = \"platen.handlebars\"\ndirs = [{:?}]\n",
        root.join("hbs").display()
    );
    let dir = tempfile::tempdir().unwrap();
    let engines = engines_with(dir.path(), &settings, &registry).unwrap();
    assert!(
        engines.check().is_empty(),
        "{workload}: {:?}",
        engines.check()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("context.json")).unwrap()).unwrap();
    let ctx = Context::from_serialize(&json).unwrap();
    let expected = std::fs::read_to_string(root.join("expected.html")).unwrap();
    let out = render(&engines, "index", &ctx).unwrap();
    if out != expected {
        let at = out
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(out.len().min(expected.len()));
        let around = |s: &str| {
            s.get(at.saturating_sub(40)..(at + 40).min(s.len()))
                .unwrap_or("")
                .to_owned()
        };
        panic!(
            "{workload}: differs at byte {at}:\n got: {:?}\nwant: {:?}",
            around(&out),
            around(&expected)
        );
    }
    // Again, from the cache, by the file's name.
    assert_eq!(
        render(&engines, "index.hbs", &ctx).unwrap(),
        expected,
        "{workload}"
    );
}

#[test]
fn bench_blog_page_matches_django() {
    bench_workload("blog_page");
}

#[test]
fn bench_teams_matches_django() {
    bench_workload("teams");
}

#[test]
fn bench_big_table_matches_django() {
    bench_workload("big_table");
}

#[test]
fn bench_forloop_filter_matches_django() {
    bench_workload("forloop_filter");
}

#[test]
fn bench_escape_heavy_matches_django() {
    bench_workload("escape_heavy");
}
