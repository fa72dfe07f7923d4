//! How `extends` and `include` names are resolved through the loader chain,
//! with a plain (non-caching) test loader.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::{MapLoader, map_engine, render_one};
use platen_core::{Context, Engine, ErrorKind, LoaderChain, Template, Value};
use platen_tera::{TeraEngine, tera};

#[test]
fn closures_hold_what_is_extended_and_included() {
    let loader = Arc::new(MapLoader::new(&[
        (
            "a",
            &[(
                "page.html",
                "{% extends \"base.html\" %}{% block b %}{% include \"p.html\" %}{% endblock b %}",
            )],
        ),
        (
            "b",
            &[
                ("base.html", "<{% block b %}{% endblock b %}>"),
                ("p.html", "{{ v }}"),
            ],
        ),
    ]));
    let engine = map_engine(loader);
    let t = engine.get_tera_template("page.html").unwrap();
    let names: Vec<&str> = t.closure().collect();
    assert_eq!(names, ["page.html", "base.html", "p.html"]);
    assert_eq!(t.origin().name, "a/page.html");
    assert_eq!(
        t.render(&Context::new().with("v", "<x>"), None).unwrap(),
        "<&lt;x&gt;>"
    );
}

#[test]
fn a_diamond_through_the_cached_loader_reads_each_template_once() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[
            (
                "top.html",
                "{% include \"l.html\" %}{% include \"r.html\" %}",
            ),
            ("l.html", "L{% include \"d.html\" %}"),
            ("r.html", "R{% include \"d.html\" %}"),
            ("d.html", "D"),
        ],
    )]));
    let cached = Arc::new(platen_loaders::CachedLoader::new(vec![loader.clone()]));
    let engine = map_engine(cached);
    assert_eq!(
        render_one(&engine, "top.html", &Context::new()).unwrap(),
        "LDRD"
    );
    assert_eq!(
        render_one(&engine, "r.html", &Context::new()).unwrap(),
        "RD"
    );
    assert_eq!(
        loader.reads.load(Ordering::Relaxed),
        4,
        "each template is read (and compiled) once"
    );
}

#[test]
fn extends_cycles_are_errors_not_stack_overflows() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[
            ("x.html", "{% extends \"y.html\" %}"),
            ("y.html", "{% extends \"z.html\" %}"),
            ("z.html", "\n  {% extends \"x.html\" %}"),
        ],
    )]));
    let engine = map_engine(loader);
    let err = engine.get_template("x.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Recursion, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("x.html -> y.html -> z.html -> x.html"),
        "{text}"
    );
    assert_eq!(err.location().as_deref(), Some("m/z.html:2:3"), "{text}");
}

#[test]
fn include_cycles_and_self_references_are_errors() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[
            ("a.html", "{% include \"b.html\" %}"),
            (
                "b.html",
                "{% if false %}{% include \"a.html\" %}{% endif %}",
            ),
            ("me.html", "{% include \"me.html\" %}"),
        ],
    )]));
    let engine = map_engine(loader);
    let err = engine.get_template("a.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Recursion, "{err}");
    let err = engine.get_template("me.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Recursion, "{err}");
    assert!(err.to_string().contains("by itself"), "{err}");
}

#[test]
fn a_missing_include_lists_every_place_tried_and_points_at_the_tag() {
    let loader = Arc::new(MapLoader::new(&[
        (
            "a",
            &[("page.html", "one\ntwo {% include \"gone.html\" %}")],
        ),
        ("b", &[]),
    ]));
    let engine = map_engine(loader);
    let err = engine.get_template("page.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    let tried: Vec<&str> = err.tried().iter().map(|t| t.origin.name.as_str()).collect();
    assert_eq!(tried, ["a/gone.html", "b/gone.html"]);
    assert_eq!(err.location().as_deref(), Some("a/page.html:2:5"));
    assert_eq!(err.detail(), Some("gone.html (included by page.html)"));
    assert!(
        format!("{err:#}").contains("> 2 | two {% include"),
        "{err:#}"
    );
}

#[test]
fn errors_in_a_parent_are_reported_where_they_are() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[
            ("child.html", "{% extends \"base.html\" %}"),
            ("base.html", "ok\n{% if %}"),
        ],
    )]));
    let engine = map_engine(loader);
    let err = engine.get_template("child.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.location().unwrap().starts_with("m/base.html:2:"),
        "{err}"
    );
}

#[test]
fn render_errors_in_an_included_template_name_it() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[
            ("page.html", "{% include \"row.html\" %}"),
            ("row.html", "a\nb {{ missing }}"),
        ],
    )]));
    let engine = map_engine(loader);
    let err = render_one(&engine, "page.html", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UndefinedVariable, "{err}");
    assert_eq!(err.location().as_deref(), Some("m/row.html:2:6"), "{err}");
    assert!(err.source_text().unwrap().contains("{{ missing }}"));
}

#[test]
fn from_string_resolves_names_through_the_chain() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[("base.html", "[{% block b %}{% endblock b %}]")],
    )]));
    let engine = map_engine(loader);
    let t = engine
        .from_string("{% extends \"base.html\" %}{% block b %}{{ v }}{% endblock b %}")
        .unwrap();
    assert_eq!(
        t.render(&Context::new().with("v", "<"), None).unwrap(),
        "[&lt;]"
    );
    let err = engine.from_string("{{ v | no_such_filter }}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert_eq!(
        err.location().as_deref(),
        Some("<unknown source>:1:8"),
        "{err}"
    );
}

#[test]
fn tera_has_the_last_word_when_the_scan_cannot_see_the_names() {
    // Custom delimiters hide the tags from the scan; Tera's build reports the
    // names, which are then loaded through the chain all the same.
    let loader = Arc::new(MapLoader::new(&[
        (
            "a",
            &[(
                "page.html",
                "<% extends \"base.html\" %><% block b %><% include \"p.html\" %><% endblock b %>",
            )],
        ),
        (
            "b",
            &[
                ("base.html", "(<% block b %><% endblock b %>)"),
                ("p.html", "<< v >>"),
                ("q.html", "<% include \"nope.html\" %>"),
            ],
        ),
    ]));
    let mut base = tera::Tera::new();
    base.set_delimiters(tera::Delimiters {
        block_start: "<%".into(),
        block_end: "%>".into(),
        variable_start: "<<".into(),
        variable_end: ">>".into(),
        comment_start: "<#".into(),
        comment_end: "#>".into(),
    })
    .unwrap();
    let engine = TeraEngine::new("tera", LoaderChain::new(vec![loader]), base);
    assert_eq!(
        render_one(&engine, "page.html", &Context::new().with("v", 1)).unwrap(),
        "(1)"
    );
    let err = engine.get_template("q.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(err.tried().len(), 2, "{err}");
    assert!(
        err.to_string()
            .contains("nope.html (extended or included by q.html)"),
        "{err}"
    );
}

#[test]
fn names_in_comments_raw_blocks_and_strings_are_not_loaded() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[(
            "t.html",
            "{# {% include \"c.html\" %} #}{% raw %}{% include \"r.html\" %}{% endraw %}{{ \"{% include 's.html' %}\" }}",
        )],
    )]));
    let engine = map_engine(loader.clone());
    let out = render_one(&engine, "t.html", &Context::new()).unwrap();
    assert_eq!(
        out,
        "{% include \"r.html\" %}{% include &#39;s.html&#39; %}"
    );
    assert_eq!(
        loader.reads.load(Ordering::Relaxed),
        1,
        "only t.html was looked for"
    );
}

#[test]
fn check_reports_every_error_once() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[
            ("good.html", "{% extends \"base.html\" %}"),
            ("base.html", "{% block b %}{% endblock b %}"),
            ("bad.html", "{% if %}"),
            ("child_of_bad.html", "{% extends \"bad.html\" %}"),
            ("lost.html", "{% include \"nowhere.html\" %}"),
            ("typo.html", "{{ x | uper }}"),
        ],
    )]));
    let engine = map_engine(loader);
    let errors = engine.check();
    let mut found: Vec<(ErrorKind, String)> = errors
        .iter()
        .map(|e| (e.kind(), e.location().unwrap_or_default()))
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        found,
        [
            (ErrorKind::SyntaxError, "m/bad.html:1:7".to_owned()),
            (ErrorKind::TemplateNotFound, "m/lost.html:1:1".to_owned()),
            (ErrorKind::SyntaxError, "m/typo.html:1:8".to_owned()),
        ],
        "{errors:#?}"
    );
    assert_eq!(
        engine.template_names().unwrap(),
        [
            "bad.html",
            "base.html",
            "child_of_bad.html",
            "good.html",
            "lost.html",
            "typo.html"
        ]
    );
}

#[test]
fn render_to_appends_and_keeps_the_buffer_on_errors() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[("t.html", "{{ v }}"), ("bad.html", "x{{ nope }}")],
    )]));
    let engine = map_engine(loader);
    let mut out = String::from("before|");
    engine
        .get_template("t.html")
        .unwrap()
        .render_to(&mut out, &Context::new().with("v", 1), None)
        .unwrap();
    assert_eq!(out, "before|1");
    engine
        .get_template("bad.html")
        .unwrap()
        .render_to(&mut out, &Context::new(), None)
        .unwrap_err();
    assert_eq!(out, "before|1");
}

#[test]
fn requests_bring_request_and_csrf_variables() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[(
            "form.html",
            "{{ request.method }} {{ request.full_path }} {{ csrf_input }}",
        )],
    )]));
    let engine = map_engine(loader);
    let mut request = platen_core::Request::new("POST", "/send?x=1");
    request.csrf_token = Some("abc".into());
    let out = engine
        .get_template("form.html")
        .unwrap()
        .render(&Context::new(), Some(&request))
        .unwrap();
    assert_eq!(
        out,
        "POST /send?x=1 <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"abc\">"
    );
}

#[test]
fn rendering_again_shows_changed_values() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[("l.html", "{{ l | join(sep=\",\") }} {{ m.k }}")],
    )]));
    let template = map_engine(loader).get_template("l.html").unwrap();
    let mut list = Value::from(vec![1, 2]);
    let map: Value = [(Arc::<str>::from("k"), Value::from("a"))]
        .into_iter()
        .collect::<platen_core::value::Map>()
        .into();
    let ctx = Context::new()
        .with("l", list.clone())
        .with("m", map.clone());
    assert_eq!(template.render(&ctx, None).unwrap(), "1,2 a");
    assert_eq!(template.render(&ctx, None).unwrap(), "1,2 a");
    if let Value::List(items) = &mut list {
        Arc::make_mut(items).push(Value::from(3));
    }
    let ctx = Context::new().with("l", list).with("m", map);
    assert_eq!(template.render(&ctx, None).unwrap(), "1,2,3 a");
    let mut out = String::from(">");
    template
        .render_to(
            &mut out,
            &Context::new()
                .with("l", vec![4])
                .with("m", ctx.get("m").unwrap().clone()),
            None,
        )
        .unwrap();
    assert_eq!(out, ">4 a");
}

#[test]
fn values_convert_with_their_safe_marks() {
    let loader = Arc::new(MapLoader::new(&[(
        "m",
        &[(
            "v.html",
            "{{ s }}|{{ u }}|{{ m.k }}|{{ l | length }}|{{ n }}",
        )],
    )]));
    let engine = map_engine(loader);
    let ctx = Context::from_serialize(
        &serde_json::json!({ "m": { "k": "<k>" }, "l": [1, 2], "n": null }),
    )
    .unwrap()
    .with("s", platen_core::Value::safe("<b>"))
    .with("u", "<b>");
    assert_eq!(
        render_one(&engine, "v.html", &ctx).unwrap(),
        "<b>|&lt;b&gt;|&lt;k&gt;|2|"
    );
}
