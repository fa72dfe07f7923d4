//! The Handlebars engine over in-memory loaders (no settings, no files).
#![allow(missing_docs)] // handlebars_helper! makes undocumented structs

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use platen_core::{
    Context, Engine, Error, ErrorKind, Loader, LoaderChain, Origin, Request, Result, Template,
};
use platen_handlebars::HandlebarsEngine;
use platen_handlebars::handlebars::{Handlebars, handlebars_helper};

/// A loader over a map of name -> source that can be edited, and counts reads.
#[derive(Debug)]
struct MapLoader {
    label: &'static str,
    templates: Mutex<BTreeMap<String, String>>,
    reads: Mutex<usize>,
}

impl MapLoader {
    fn new(label: &'static str, templates: &[(&str, &str)]) -> Arc<MapLoader> {
        Arc::new(MapLoader {
            label,
            templates: Mutex::new(
                templates
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            reads: Mutex::new(0),
        })
    }

    fn set(&self, name: &str, source: &str) {
        self.templates
            .lock()
            .unwrap()
            .insert(name.to_owned(), source.to_owned());
    }

    fn reads(&self) -> usize {
        *self.reads.lock().unwrap()
    }
}

impl Loader for MapLoader {
    fn kind(&self) -> &str {
        "test.map"
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        vec![Origin::new(
            format!("{}:{name}", self.label),
            name,
            "test.map",
        )]
    }

    fn get_contents(&self, origin: &Origin) -> Result<String> {
        if !origin.name.starts_with(&format!("{}:", self.label)) {
            return Err(Error::new(
                ErrorKind::TemplateNotFound,
                "source does not exist",
            ));
        }
        *self.reads.lock().unwrap() += 1;
        self.templates
            .lock()
            .unwrap()
            .get(&origin.template_name)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::TemplateNotFound, "source does not exist"))
    }

    fn list_templates(&self) -> Result<Vec<String>> {
        Ok(self.templates.lock().unwrap().keys().cloned().collect())
    }
}

fn extensions() -> Vec<String> {
    vec![".hbs".into(), ".handlebars".into()]
}

fn engine_over(loaders: Vec<Arc<MapLoader>>, registry: Handlebars<'static>) -> HandlebarsEngine {
    let loaders: Vec<Arc<dyn Loader>> = loaders.into_iter().map(|l| l as Arc<dyn Loader>).collect();
    HandlebarsEngine::new("hbs", LoaderChain::new(loaders), registry, extensions())
}

fn engine(templates: &[(&str, &str)]) -> HandlebarsEngine {
    engine_over(vec![MapLoader::new("m", templates)], Handlebars::new())
}

fn render(engine: &HandlebarsEngine, name: &str, ctx: &Context) -> Result<String> {
    engine.get_template(name)?.render(ctx, None)
}

#[test]
fn renders_a_context() {
    let e = engine(&[(
        "page.hbs",
        "<h1>{{title}}</h1>{{#each items}}[{{@index}}:{{name}}]{{/each}}{{n}}",
    )]);
    let ctx = Context::from_serialize(&serde_json::json!({
        "title": "a < b",
        "items": [{"name": "x"}, {"name": "y"}],
        "n": 2.5,
    }))
    .unwrap();
    assert_eq!(
        render(&e, "page", &ctx).unwrap(),
        "<h1>a &lt; b</h1>[0:x][1:y]2.5"
    );
    assert_eq!(
        render(&e, "page.hbs", &ctx).unwrap(),
        "<h1>a &lt; b</h1>[0:x][1:y]2.5"
    );
}

#[test]
fn maps_iterate_in_context_order() {
    let e = engine(&[("m.hbs", "{{#each m}}{{@key}}={{this}};{{/each}}")]);
    let ctx = Context::from_serialize(&serde_json::json!({"m": {"z": 1, "a": 2, "m": 3}})).unwrap();
    assert_eq!(render(&e, "m", &ctx).unwrap(), "z=1;a=2;m=3;");
}

#[test]
fn partials_are_found_with_and_without_extension_in_any_loader() {
    let a = MapLoader::new(
        "a",
        &[("page.hbs", "{{> footer}}|{{> footer.hbs}}|{{> 'sub/part'}}")],
    );
    let b = MapLoader::new(
        "b",
        &[
            ("footer.hbs", "[{{msg}}]"),
            ("sub/part.handlebars", "({{msg}})"),
        ],
    );
    let e = engine_over(vec![a, b], Handlebars::new());
    let t = e.template("page").unwrap();
    assert_eq!(t.partial_names(), ["'sub/part'", "footer", "footer.hbs"]);
    let names: Vec<_> = t.sources().iter().map(|o| o.name.clone()).collect();
    assert_eq!(
        names,
        ["a:page.hbs", "b:footer.hbs", "b:sub/part.handlebars"]
    );
    assert_eq!(
        t.render(&Context::new().with("msg", "hi"), None).unwrap(),
        "[hi]|[hi]|(hi)"
    );
}

#[test]
fn layouts_use_inline_partials_and_defaults() {
    let e = engine(&[
        (
            "index.hbs",
            "{{#*inline \"content\"}}<b>{{title}}</b>{{/inline}}{{> layout}}",
        ),
        (
            "layout.hbs",
            "<main>{{> content}}</main><h1>{{#> title}}Untitled{{/title}}</h1>",
        ),
        (
            "block.hbs",
            "{{#> layout}}{{#*inline \"title\"}}T{{/inline}}{{/layout}}",
        ),
    ]);
    let ctx = Context::new().with("title", "Hi");
    assert_eq!(
        render(&e, "index", &ctx).unwrap(),
        "<main><b>Hi</b></main><h1>Untitled</h1>"
    );
    // The partial block's inline partials reach the layout; `content` is missing there.
    let err = render(&e, "block", &ctx).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{err}");
    assert!(err.to_string().contains("`content`"), "{err}");
    assert!(err.to_string().contains("m:layout.hbs:1:7"), "{err}");
}

#[test]
fn partial_blocks_render_their_content() {
    let e = engine(&[
        ("page.hbs", "{{#> frame}}inner {{x}}{{/frame}}"),
        ("frame.hbs", "<div>{{> @partial-block}}</div>"),
    ]);
    assert_eq!(
        render(&e, "page", &Context::new().with("x", 1)).unwrap(),
        "<div>inner 1</div>"
    );
}

#[test]
fn strict_mode_names_the_variable_and_line() {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    let e = engine_over(
        vec![MapLoader::new("m", &[("x.hbs", "ok\n  {{missing.field}}")])],
        registry,
    );
    let err = render(&e, "x", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UndefinedVariable, "{err}");
    assert_eq!(err.line(), Some(2), "{err}");
    assert_eq!(err.location().as_deref(), Some("m:x.hbs:2:3"), "{err}");
    assert!(err.to_string().contains("`missing.field`"), "{err}");
    let long = format!("{err:#}");
    assert!(long.contains("> 2 |   {{missing.field}}"), "{long}");
    assert!(long.contains("^^^^^^^^^^^^^^^^^"), "{long}");
    // Not strict: a missing variable renders empty.
    let e = engine(&[("x.hbs", "ok\n{{missing}}")]);
    assert_eq!(render(&e, "x", &Context::new()).unwrap(), "ok\n");
}

#[test]
fn errors_in_partials_point_into_the_partial() {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    let e = engine_over(
        vec![MapLoader::new(
            "m",
            &[("page.hbs", "a\n{{> part}}"), ("part.hbs", "x\ny {{nope}}")],
        )],
        registry,
    );
    let err = render(&e, "page", &Context::new()).unwrap_err();
    assert_eq!(err.location().as_deref(), Some("m:part.hbs:2:3"), "{err}");
    assert_eq!(err.source_text(), Some("x\ny {{nope}}"));
}

#[test]
fn syntax_errors_have_file_line_and_column() {
    let e = engine(&[
        ("bad.hbs", "line one\n{{#if x}}\n  {{foo bar=}}\n{{/if}}"),
        ("page.hbs", "{{> bad}}"),
    ]);
    let err = e.get_template("bad").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert_eq!(err.location().as_deref(), Some("m:bad.hbs:3:13"), "{err}");
    assert!(err.to_string().contains("(in m:bad.hbs:3:13)"), "{err}");
    assert!(
        format!("{err:#}").contains("> 3 |   {{foo bar=}}"),
        "{err:#}"
    );
    // A syntax error in a partial fails the template that includes it, pointing at the partial.
    let err = e.get_template("page").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert_eq!(err.location().as_deref(), Some("m:bad.hbs:3:13"), "{err}");
    // An unclosed block.
    let e = engine(&[("open.hbs", "a\n{{#each xs}}\nb")]);
    let err = e.get_template("open").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(err.location().unwrap().starts_with("m:open.hbs:"), "{err}");
}

#[test]
fn partials_are_indented_unless_the_registry_prevents_it() {
    let templates = [
        ("page.hbs", "<div>\n  {{> p}}\n</div>"),
        ("p.hbs", "a\nb\n"),
    ];
    let e = engine(&templates);
    assert_eq!(
        render(&e, "page", &Context::new()).unwrap(),
        "<div>\n  a\n  b\n</div>"
    );
    let mut registry = Handlebars::new();
    registry.set_prevent_indent(true);
    let e = engine_over(vec![MapLoader::new("m", &templates)], registry);
    assert_eq!(
        render(&e, "page", &Context::new()).unwrap(),
        "<div>\n  a\nb\n</div>"
    );
}

#[test]
fn a_missing_template_lists_every_place_tried() {
    let a = MapLoader::new("a", &[]);
    let b = MapLoader::new("b", &[]);
    let e = engine_over(vec![a, b], Handlebars::new());
    let err = e.get_template("absent").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(
        err.detail(),
        Some("absent"),
        "the name asked for, so that the next engine is tried"
    );
    assert!(err.origin().is_none());
    let tried: Vec<_> = err.tried().iter().map(|t| t.origin.name.as_str()).collect();
    assert_eq!(
        tried,
        [
            "a:absent",
            "b:absent",
            "a:absent.hbs",
            "b:absent.hbs",
            "a:absent.handlebars",
            "b:absent.handlebars"
        ]
    );
    // A name with an extension is tried as it is.
    let err = e.get_template("absent.hbs").unwrap_err();
    assert_eq!(err.tried().len(), 2, "{err}");
}

#[test]
fn a_missing_partial_is_an_error_when_rendered() {
    let e = engine(&[("page.hbs", "x\n{{#if show}}{{> nowhere}}{{/if}}")]);
    let t = e.get_template("page").unwrap();
    assert_eq!(
        t.render(&Context::new(), None).unwrap(),
        "x\n",
        "not needed, not an error"
    );
    let err = t
        .render(&Context::new().with("show", true), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{err}");
    assert!(
        err.origin().is_some(),
        "a real error, not a miss of the page"
    );
    assert_eq!(err.location().as_deref(), Some("m:page.hbs:2:13"), "{err}");
    let tried: Vec<_> = err.tried().iter().map(|t| t.origin.name.as_str()).collect();
    assert_eq!(
        tried,
        ["m:nowhere", "m:nowhere.hbs", "m:nowhere.handlebars"],
        "{err}"
    );
}

#[test]
fn autoescape_off_uses_no_escape() {
    let mut registry = Handlebars::new();
    registry.register_escape_fn(platen_handlebars::handlebars::no_escape);
    let e = engine_over(
        vec![MapLoader::new("m", &[("x.hbs", "{{v}}|{{{v}}}")])],
        registry,
    );
    let ctx = Context::new().with("v", "<a href='x'>&</a>");
    assert_eq!(
        render(&e, "x", &ctx).unwrap(),
        "<a href='x'>&</a>|<a href='x'>&</a>"
    );
    let e = engine(&[("x.hbs", "{{v}}|{{{v}}}")]);
    assert_eq!(
        render(&e, "x", &ctx).unwrap(),
        "&lt;a href&#x3D;&#x27;x&#x27;&gt;&amp;&lt;/a&gt;|<a href='x'>&</a>"
    );
}

#[test]
fn safe_strings_are_escaped_like_any_string() {
    let e = engine(&[("x.hbs", "{{v}}|{{{v}}}")]);
    let ctx = Context::new().with("v", platen_core::Value::safe("<b>"));
    assert_eq!(render(&e, "x", &ctx).unwrap(), "&lt;b&gt;|<b>");
}

handlebars_helper!(shout: |s: str| format!("{}!", s.to_uppercase()));

#[test]
fn helpers_of_the_registry_are_used() {
    let mut registry = Handlebars::new();
    registry.register_helper("shout", Box::new(shout));
    let e = engine_over(
        vec![MapLoader::new("m", &[("x.hbs", "{{shout v}}")])],
        registry,
    );
    assert_eq!(
        render(&e, "x", &Context::new().with("v", "hi")).unwrap(),
        "HI!"
    );
    let e = engine(&[("x.hbs", "a\n{{shout v}}")]);
    let err = render(&e, "x", &Context::new().with("v", "hi")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RenderError);
    assert!(err.to_string().contains("no helper named `shout`"), "{err}");
    assert_eq!(err.line(), Some(2), "{err}");
}

#[test]
fn render_to_appends_and_keeps_output_before_an_error() {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    let e = engine_over(
        vec![MapLoader::new(
            "m",
            &[("x.hbs", "before {{#if ok}}{{v}}{{/if}} {{nope}} after")],
        )],
        registry,
    );
    let t = e.get_template("x").unwrap();
    let mut out = String::from("<");
    t.render_to(
        &mut out,
        &Context::new().with("ok", true).with("v", 1).with("nope", 2),
        None,
    )
    .unwrap();
    assert_eq!(out, "<before 1 2 after");
    let mut out = String::from("<");
    let err = t
        .render_to(
            &mut out,
            &Context::new().with("ok", true).with("v", 1),
            None,
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UndefinedVariable);
    assert_eq!(out, "<before 1 ");
}

#[test]
fn from_string_finds_partials_through_the_loaders() {
    let e = engine(&[("part.hbs", "<{{x}}>")]);
    let t = e.from_string("a {{> part}} b").unwrap();
    assert_eq!(
        t.render(&Context::new().with("x", 1), None).unwrap(),
        "a <1> b"
    );
    let err = e.from_string("a\n {{#if}}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.location().unwrap().starts_with("<unknown source>:2:"),
        "{err}"
    );
}

#[test]
fn a_request_adds_request_and_csrf_variables() {
    let e = engine(&[(
        "x.hbs",
        "{{request.method}} {{request.full_path}} {{csrf_token}} {{{csrf_input}}}",
    )]);
    let mut request = Request::new("POST", "/form?a=1");
    request.csrf_token = Some("tok".into());
    let out = e
        .get_template("x")
        .unwrap()
        .render(&Context::new(), Some(&request))
        .unwrap();
    assert_eq!(
        out,
        "POST /form?a&#x3D;1 tok <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"tok\">"
    );
}

#[test]
fn recursive_partials_render_a_tree() {
    let e = engine(&[
        ("tree.hbs", "<ul>{{> node}}</ul>"),
        (
            "node.hbs",
            "<li>{{name}}{{#if children}}<ul>{{#each children}}{{> node}}{{/each}}</ul>{{/if}}</li>",
        ),
    ]);
    let ctx = Context::from_serialize(&serde_json::json!({
        "name": "a",
        "children": [{"name": "b", "children": [{"name": "c"}]}, {"name": "d"}],
    }))
    .unwrap();
    let expected = "<ul><li>a<ul><li>b<ul><li>c</li></ul></li><li>d</li></ul></li></ul>";
    assert_eq!(render(&e, "tree", &ctx).unwrap(), expected);
    // The partial on its own, too.
    assert_eq!(
        render(&e, "node", &ctx).unwrap(),
        &expected[4..expected.len() - 5]
    );
}

#[test]
fn partials_that_include_each_other_compile_without_a_cache() {
    // No cached loader: every lookup compiles again, so resolution must stop by itself.
    let m = MapLoader::new(
        "m",
        &[
            ("a.hbs", "a({{#if n}}{{#with n}}{{> b}}{{/with}}{{/if}})"),
            (
                "b.hbs",
                "b({{#if n}}{{#with n}}{{> a}}{{/with}}{{/if}}{{> c}})",
            ),
            ("c.hbs", "c"),
        ],
    );
    let e = engine_over(vec![m.clone()], Handlebars::new());
    let ctx = Context::from_serialize(&serde_json::json!({"n": {"n": {"n": {"x": 1}}}})).unwrap();
    assert_eq!(render(&e, "a", &ctx).unwrap(), "a(b(a(b(c))c))");
    assert_eq!(render(&e, "b", &ctx).unwrap(), "b(a(b(a()c))c)");
    assert!(m.reads() < 40, "{} reads", m.reads());
}

#[test]
fn a_recursion_that_never_ends_is_an_error() {
    let e = engine(&[
        ("self.hbs", "x{{> self}}"),
        ("a.hbs", "{{#each xs}}{{> b}}{{/each}}{{> b}}"),
        ("b.hbs", "{{#if true}}{{> a}}{{/if}}"),
        (
            "inline.hbs",
            "{{#*inline \"loop\"}}.{{> loop}}{{/inline}}{{> loop}}",
        ),
    ]);
    // Rendered on a thread with a 2 MiB stack (as spawned threads and tokio workers have), to show that it stops early enough.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for name in ["self", "a", "inline"] {
                let err = render(&e, name, &Context::new()).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Recursion, "{name}: {err}");
                assert!(err.to_string().contains("must stop"), "{err}");
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

handlebars_helper!(pick: |s: str| s.to_owned());

#[test]
fn dynamic_partial_names_reach_the_named_partials() {
    let mut registry = Handlebars::new();
    registry.register_helper("pick", Box::new(pick));
    let templates = [
        (
            "page.hbs",
            "{{#if false}}{{> one}}{{> two}}{{/if}}{{> (pick which)}}",
        ),
        ("one.hbs", "1"),
        ("two.hbs", "2"),
    ];
    let e = engine_over(vec![MapLoader::new("m", &templates)], registry);
    assert_eq!(
        render(&e, "page", &Context::new().with("which", "two")).unwrap(),
        "2"
    );
    let err = render(&e, "page", &Context::new().with("which", "three")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert!(err.to_string().contains("named literally"), "{err}");
}

#[test]
fn check_reports_every_error_and_names_are_listed() {
    let e = engine(&[
        ("ok.hbs", "{{> part}}"),
        ("part.hbs", "fine"),
        ("bad1.hbs", "{{#if}}"),
        ("bad2.hbs", "{{/each}}"),
        ("uses_missing.hbs", "{{> not_there}}"),
    ]);
    let errors = e.check();
    let mut names: Vec<_> = errors
        .iter()
        .map(|e| e.origin().unwrap().template_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["bad1.hbs", "bad2.hbs"], "{errors:?}");
    assert!(errors.iter().all(|e| e.kind() == ErrorKind::SyntaxError));
    assert_eq!(
        e.template_names().unwrap(),
        [
            "bad1.hbs",
            "bad2.hbs",
            "ok.hbs",
            "part.hbs",
            "uses_missing.hbs"
        ]
    );
}

#[test]
fn without_a_cache_edits_are_seen_at_once() {
    let m = MapLoader::new("m", &[("page.hbs", "<{{> part}}>"), ("part.hbs", "v1")]);
    let e = engine_over(vec![m.clone()], Handlebars::new());
    assert_eq!(render(&e, "page", &Context::new()).unwrap(), "<v1>");
    m.set("part.hbs", "v2");
    assert_eq!(render(&e, "page", &Context::new()).unwrap(), "<v2>");
}

#[test]
fn one_template_renders_from_many_threads() {
    let e = engine(&[
        (
            "page.hbs",
            "{{#each items}}{{> item}}{{/each}}{{#*inline \"x\"}}{{this}}{{/inline}}",
        ),
        (
            "item.hbs",
            "({{#if @first}}first {{/if}}{{this.n}}{{> deep}})",
        ),
        ("deep.hbs", "[{{@root.title}}]"),
    ]);
    let t = e.get_template("page").unwrap();
    let items: Vec<_> = (0..50).map(|n| serde_json::json!({ "n": n })).collect();
    let ctx =
        Context::from_serialize(&serde_json::json!({ "items": items, "title": "t" })).unwrap();
    let expected = t.render(&ctx, None).unwrap();
    assert!(expected.starts_with("(first 0[t])(1[t])"), "{expected}");
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..100 {
                    assert_eq!(t.render(&ctx, None).unwrap(), expected);
                }
            });
        }
    });
}
