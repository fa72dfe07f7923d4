//! Django's own form widget templates and technical 404 page render as Django
//! renders them, with a context shaped exactly like `Widget.get_context()`'s.
//! (`django_differential.rs` compares these and more of Django's templates
//! with Django's own output; this file keeps the expectations of Django's
//! test suite, and runs without Python.)
//!
//! The templates are Django's, not ours, so they are not in this repository:
//! the tests read them from an unpacked Django package named by the
//! environment variable `DJANGO_PACKAGE_DIR` (the `django/` directory of the
//! wheel; `.ci/run` downloads Django 5.2.19 from PyPI and sets it). They are
//! `#[ignore]`d, so a plain `cargo test` lists them as ignored; run them with
//! `DJANGO_PACKAGE_DIR=... cargo test -p platen-dtl --test django_templates --
//! --include-ignored` (they fail when it is not set).
//!
//! Each expected string is the HTML of the matching `check_html` assertion
//! in Django's `tests/forms_tests/widget_tests/test_*.py`. Django compares
//! that HTML semantically (`assertHTMLEqual`: attribute order and
//! whitespace between tags don't count), so the strings here are written
//! out byte for byte as the templates produce them: attributes in the order
//! the templates and `attrs` give, and the newlines the template files end
//! with (an `{% include %}` keeps the included file's final newline).

mod common;

use std::sync::Arc;

use platen_core::value::Map;
use platen_core::{Context, Engine, LoaderChain, Value};
use platen_dtl::{DtlEngine, DtlOptions};

/// Django's package directory, named by `DJANGO_PACKAGE_DIR`; panics, saying
/// how to get one, when it is unset or is not a Django package.
fn django_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("DJANGO_PACKAGE_DIR")
        .map(std::path::PathBuf::from)
        .expect("set DJANGO_PACKAGE_DIR to an unpacked Django package (see .ci/django-templates)");
    assert!(
        dir.join("forms/templates/django/forms/widgets").is_dir(),
        "DJANGO_PACKAGE_DIR={} is not an unpacked Django package",
        dir.display()
    );
    dir
}

/// An engine over Django's own template directories (forms, views), as
/// Django's app directories loader would find them.
fn engine() -> DtlEngine {
    let dir = django_dir();
    let loaders: Vec<Arc<dyn platen_core::Loader>> = vec![
        Arc::new(common::DirLoader::new(dir.join("forms/templates"))),
        Arc::new(common::DirLoader::new(dir.join("views/templates"))),
    ];
    DtlEngine::new(LoaderChain::new(loaders), DtlOptions::default())
}

fn map(items: Vec<(&str, Value)>) -> Value {
    let m: Map = items.into_iter().map(|(k, v)| (Arc::from(k), v)).collect();
    Value::from(m)
}

fn s(text: &str) -> Value {
    Value::from(text)
}

/// `Widget.get_context()["widget"]` (plus `type` for an `Input`).
fn widget(
    name: &str,
    value: Value,
    attrs: Value,
    template: &str,
    input_type: Option<&str>,
) -> Value {
    let mut items = vec![
        ("name", s(name)),
        ("is_hidden", Value::Bool(false)),
        ("required", Value::Bool(false)),
        ("value", value),
        ("attrs", attrs),
        ("template_name", s(template)),
    ];
    if let Some(t) = input_type {
        items.push(("type", s(t)));
    }
    map(items)
}

fn render(w: Value) -> String {
    let template = w.to_string();
    let name = match &w {
        Value::Map(m) => m.get("template_name").unwrap().to_string(),
        _ => unreachable!("{template}"),
    };
    let ctx = Context::new().with("widget", w);
    engine()
        .get_template(&name)
        .unwrap()
        .render(&ctx, None)
        .unwrap()
}

/// `ChoiceWidget.create_option()`.
fn option(
    name: &str,
    value: &str,
    label: &str,
    selected: bool,
    index: &str,
    kind: &str,
    template: &str,
) -> Value {
    let attrs = if !selected {
        map(vec![])
    } else if kind == "select" {
        map(vec![("selected", Value::Bool(true))])
    } else {
        map(vec![("checked", Value::Bool(true))])
    };
    map(vec![
        ("name", s(name)),
        ("value", s(value)),
        ("label", s(label)),
        ("selected", Value::Bool(selected)),
        ("index", s(index)),
        ("attrs", attrs),
        ("type", s(kind)),
        ("template_name", s(template)),
        ("wrap_label", Value::Bool(true)),
    ])
}

/// One `(group_name, subgroup, index)` entry of `optgroups`.
fn group(name: Option<&str>, options: Vec<Value>, index: i64) -> Value {
    Value::from(vec![
        name.map_or(Value::None, s),
        Value::from(options),
        Value::Int(index),
    ])
}

const BEATLES: [(&str, &str); 4] = [
    ("J", "John"),
    ("P", "Paul"),
    ("G", "George"),
    ("R", "Ringo"),
];

fn beatles(kind: &str, option_template: &str, selected: &str) -> Value {
    let groups: Vec<Value> = BEATLES
        .iter()
        .enumerate()
        .map(|(i, (v, l))| {
            let opt = option(
                "beatle",
                v,
                l,
                *v == selected,
                &i.to_string(),
                kind,
                option_template,
            );
            group(None, vec![opt], i as i64)
        })
        .collect();
    Value::from(groups)
}

fn with_optgroups(w: Value, groups: Value) -> Value {
    let Value::Map(m) = w else { unreachable!() };
    let mut m = (*m).clone();
    m.insert(Arc::from("optgroups"), groups);
    Value::from(m)
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn text_input() {
    // test_textinput.py: test_render, test_render_none, test_render_value,
    // test_render_quoted, test_attrs_precedence (boolean attributes).
    let t = "django/forms/widgets/text.html";
    let empty = || map(vec![]);
    assert_eq!(
        render(widget("email", Value::None, empty(), t, Some("text"))),
        "<input type=\"text\" name=\"email\">\n\n"
    );
    assert_eq!(
        render(widget(
            "email",
            s("test@example.com"),
            empty(),
            t,
            Some("text")
        )),
        "<input type=\"text\" name=\"email\" value=\"test@example.com\">\n\n"
    );
    assert_eq!(
        render(widget(
            "email",
            s("some \"quoted\" & ampersanded value"),
            empty(),
            t,
            Some("text")
        )),
        "<input type=\"text\" name=\"email\" value=\"some &quot;quoted&quot; &amp; ampersanded value\">\n\n"
    );
    let attrs = map(vec![
        ("class", s("fun")),
        ("required", Value::Bool(true)),
        ("disabled", Value::Bool(false)),
    ]);
    assert_eq!(
        render(widget("email", s(""), attrs, t, Some("text"))),
        "<input type=\"text\" name=\"email\" value=\"\" class=\"fun\" required>\n\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn checkbox_input() {
    // test_checkboxinput.py: test_render_true, test_render_value.
    let t = "django/forms/widgets/checkbox.html";
    let checked = || map(vec![("checked", Value::Bool(true))]);
    assert_eq!(
        render(widget(
            "is_cool",
            Value::None,
            checked(),
            t,
            Some("checkbox")
        )),
        "<input type=\"checkbox\" name=\"is_cool\" checked>\n\n"
    );
    assert_eq!(
        render(widget("is_cool", s("foo"), checked(), t, Some("checkbox"))),
        "<input type=\"checkbox\" name=\"is_cool\" value=\"foo\" checked>\n\n"
    );
    assert_eq!(
        render(widget(
            "is_cool",
            Value::None,
            map(vec![]),
            t,
            Some("checkbox")
        )),
        "<input type=\"checkbox\" name=\"is_cool\">\n\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn select() {
    // test_select.py: test_render.
    let opt = "django/forms/widgets/select_option.html";
    let w = widget(
        "beatle",
        Value::from(vec![s("J")]),
        map(vec![]),
        "django/forms/widgets/select.html",
        None,
    );
    let w = with_optgroups(w, beatles("select", opt, "J"));
    assert_eq!(
        render(w),
        "<select name=\"beatle\">\
         \n  <option value=\"J\" selected>John</option>\n\
         \n  <option value=\"P\">Paul</option>\n\
         \n  <option value=\"G\">George</option>\n\
         \n  <option value=\"R\">Ringo</option>\n\
         \n</select>\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn select_with_optgroups() {
    // test_select.py: test_choices_optgroup and test_choices_select_inner
    // (the group label is escaped: `Group &quot;1&quot;`).
    let opt = "django/forms/widgets/select_option.html";
    for selected in ["", "inner1"] {
        let groups = Value::from(vec![
            group(
                None,
                vec![option(
                    "nestchoice",
                    "outer1",
                    "Outer 1",
                    false,
                    "0",
                    "select",
                    opt,
                )],
                0,
            ),
            group(
                Some("Group \"1\""),
                vec![
                    option(
                        "nestchoice",
                        "inner1",
                        "Inner 1",
                        selected == "inner1",
                        "1_0",
                        "select",
                        opt,
                    ),
                    option(
                        "nestchoice",
                        "inner2",
                        "Inner 2",
                        false,
                        "1_1",
                        "select",
                        opt,
                    ),
                ],
                1,
            ),
        ]);
        let w = widget(
            "nestchoice",
            Value::from(vec![s(selected)]),
            map(vec![]),
            "django/forms/widgets/select.html",
            None,
        );
        let mark = if selected.is_empty() { "" } else { " selected" };
        assert_eq!(
            render(with_optgroups(w, groups)),
            format!(
                "<select name=\"nestchoice\">\
                 \n  <option value=\"outer1\">Outer 1</option>\n\
                 \n  <optgroup label=\"Group &quot;1&quot;\">\
                 \n  <option value=\"inner1\"{mark}>Inner 1</option>\n\
                 \n  <option value=\"inner2\">Inner 2</option>\n\
                 \n  </optgroup>\
                 \n</select>\n"
            )
        );
    }
}

fn multiple(template: &str, option_template: &str, kind: &str) -> String {
    let w = widget(
        "beatle",
        Value::from(vec![s("J")]),
        map(vec![]),
        template,
        Some(kind),
    );
    render(with_optgroups(w, beatles(kind, option_template, "J")))
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn radio_select() {
    // test_radioselect.py: test_render.
    let out = multiple(
        "django/forms/widgets/radio.html",
        "django/forms/widgets/radio_option.html",
        "radio",
    );
    assert_eq!(
        out,
        "<div><div>\
         \n    <label><input type=\"radio\" name=\"beatle\" value=\"J\" checked>\n John</label>\n\n</div><div>\
         \n    <label><input type=\"radio\" name=\"beatle\" value=\"P\">\n Paul</label>\n\n</div><div>\
         \n    <label><input type=\"radio\" name=\"beatle\" value=\"G\">\n George</label>\n\n</div><div>\
         \n    <label><input type=\"radio\" name=\"beatle\" value=\"R\">\n Ringo</label>\n\n</div>\
         \n</div>\n\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn checkbox_select_multiple() {
    // test_checkboxselectmultiple.py: test_render_value.
    let out = multiple(
        "django/forms/widgets/checkbox_select.html",
        "django/forms/widgets/checkbox_option.html",
        "checkbox",
    );
    assert_eq!(
        out,
        "<div><div>\
         \n    <label><input type=\"checkbox\" name=\"beatle\" value=\"J\" checked>\n John</label>\n\n</div><div>\
         \n    <label><input type=\"checkbox\" name=\"beatle\" value=\"P\">\n Paul</label>\n\n</div><div>\
         \n    <label><input type=\"checkbox\" name=\"beatle\" value=\"G\">\n George</label>\n\n</div><div>\
         \n    <label><input type=\"checkbox\" name=\"beatle\" value=\"R\">\n Ringo</label>\n\n</div>\
         \n</div>\n\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn radio_select_with_id_and_groups() {
    // test_radioselect.py: test_render_attrs (an id gives each option
    // `id_<index>` and the label a `for`) and test_nested_choices (groups
    // become `<div><label>group</label>...</div>`).
    let opt = "django/forms/widgets/radio_option.html";
    let with_id = |v: &str, l: &str, sel: bool, index: &str| {
        let Value::Map(m) = option("nestchoice", v, l, sel, index, "radio", opt) else {
            unreachable!()
        };
        let mut m = (*m).clone();
        let mut attrs = vec![("id", s(&format!("media_{index}")))];
        if sel {
            attrs.push(("checked", Value::Bool(true)));
        }
        m.insert(Arc::from("attrs"), map(attrs));
        Value::from(m)
    };
    let groups = Value::from(vec![
        group(None, vec![with_id("outer1", "Outer 1", false, "0")], 0),
        group(
            Some("Group \"1\""),
            vec![with_id("inner1", "Inner 1", true, "1_0")],
            1,
        ),
    ]);
    let w = widget(
        "nestchoice",
        Value::from(vec![s("inner1")]),
        map(vec![("id", s("media"))]),
        "django/forms/widgets/radio.html",
        Some("radio"),
    );
    assert_eq!(
        render(with_optgroups(w, groups)),
        "<div id=\"media\"><div>\
         \n    <label for=\"media_0\"><input type=\"radio\" name=\"nestchoice\" value=\"outer1\" id=\"media_0\">\n Outer 1</label>\n\n</div>\
         \n  <div><label>Group &quot;1&quot;</label><div>\
         \n    <label for=\"media_1_0\"><input type=\"radio\" name=\"nestchoice\" value=\"inner1\" id=\"media_1_0\" checked>\n Inner 1</label>\n\n</div>\
         \n  </div>\
         \n</div>\n\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn textarea() {
    // test_textarea.py: test_render, test_render_empty, test_escaping.
    let t = "django/forms/widgets/textarea.html";
    let attrs = || map(vec![("cols", s("40")), ("rows", s("10"))]);
    assert_eq!(
        render(widget("msg", s("value"), attrs(), t, None)),
        "<textarea name=\"msg\" cols=\"40\" rows=\"10\">\nvalue</textarea>\n"
    );
    assert_eq!(
        render(widget("msg", Value::None, attrs(), t, None)),
        "<textarea name=\"msg\" cols=\"40\" rows=\"10\">\n</textarea>\n"
    );
    assert_eq!(
        render(widget(
            "msg",
            s("some \"quoted\" & ampersanded value"),
            attrs(),
            t,
            None
        )),
        "<textarea name=\"msg\" cols=\"40\" rows=\"10\">\nsome &quot;quoted&quot; &amp; ampersanded value</textarea>\n"
    );
    assert_eq!(
        render(widget(
            "msg",
            Value::safe("pre &quot;quoted&quot; value"),
            attrs(),
            t,
            None
        )),
        "<textarea name=\"msg\" cols=\"40\" rows=\"10\">\npre &quot;quoted&quot; value</textarea>\n"
    );
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn technical_404() {
    // The context `django.views.debug.technical_404_response` builds for a
    // path no pattern matched (tests/view_tests/tests/test_debug.py,
    // test_404_not_in_urls). Django's test checks fragments of the page;
    // these fragments are the page's bytes as the template writes them.
    let pat = |p: &str, name: Option<&str>| {
        map(vec![
            ("pattern", s(p)),
            ("name", name.map_or(Value::None, s)),
        ])
    };
    let request = map(vec![
        ("path_info", s("/not-in-urls")),
        ("META", map(vec![("REQUEST_METHOD", s("GET"))])),
        ("build_absolute_uri", s("http://testserver/not-in-urls")),
    ]);
    let ctx = Context::new()
        .with("urlconf", "view_tests.urls")
        .with("root_urlconf", "view_tests.urls")
        .with("request_path", "not-in-urls")
        .with(
            "urlpatterns",
            Value::from(vec![
                Value::from(vec![pat("regex-post/<path:pk>/", Some("regex-post"))]),
                Value::from(vec![pat("technical404/", None)]),
                Value::from(vec![
                    pat("<a&b>/", None),
                    pat("raises404/", Some("raises404")),
                ]),
            ]),
        )
        .with("resolved", Value::from(Vec::<Value>::new()))
        .with("reason", "")
        .with("request", request)
        .with("raising_view_name", Value::None)
        .with("settings", map(vec![]));
    let out = engine()
        .get_template("technical_404.html")
        .unwrap()
        .render(&ctx, None)
        .unwrap();
    for fragment in [
        "<title>Page not found at /not-in-urls</title>",
        "<td>GET</td>",
        "<td>http://testserver/not-in-urls</td>",
        "Using the URLconf defined in <code>view_tests.urls</code>,\n      Django tried these URL patterns, in this order:",
        "<code>\n                regex-post/&lt;path:pk&gt;/\n                [name='regex-post']\n              </code>",
        "<code>\n                technical404/\n                \n              </code>",
        "<code>\n                &lt;a&amp;b&gt;/\n                \n              </code>",
        "[name='raises404']",
        "The current path, <code>not-in-urls</code>,\n        \n        didn’t match any of these.",
    ] {
        assert!(out.contains(fragment), "missing {fragment:?} in:\n{out}");
    }
    assert!(!out.contains("Raised by:"), "{out}");
    assert!(!out.contains("<pre class=\"exception_value\">"), "{out}");
}
