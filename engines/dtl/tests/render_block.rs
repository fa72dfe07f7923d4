//! `DtlTemplate::render_block`: one block of a template, inheritance resolved.

use std::collections::HashMap;
use std::sync::Arc;

use platen_conformance::MapLoader;
use platen_core::{Context, ErrorKind, LoaderChain};
use platen_dtl::{DtlEngine, DtlOptions};

fn engine() -> DtlEngine {
    let templates: HashMap<String, String> = [
        (
            "base.html",
            "<html>{% block title %}Site{% endblock %}<main>{% block content %}<p>base</p>{% block inner %}I{% endblock %}{% endblock %}</main>{% block footer %}(c) {{ year }}{% endblock %}</html>",
        ),
        (
            "section.html",
            "{% extends 'base.html' %}{% block title %}Section - {{ block.super }}{% endblock %}{% block inner %}[{{ block.super }}S]{% endblock %}",
        ),
        (
            "page.html",
            "{% extends parent %}{% block content %}<h1>{{ title }}</h1>{{ block.super }}{% endblock %}{% block inner %}P{{ block.super }}{% endblock %}",
        ),
        ("plain.html", "a{% block one %}<{{ x }}>{% endblock %}b"),
        ("broken.html", "{% extends 'missing.html' %}{% block a %}{% endblock %}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(MapLoader::new(templates))]),
        DtlOptions::default(),
    )
}

fn ctx() -> Context {
    Context::new()
        .with("parent", "section.html")
        .with("title", "T<1>")
        .with("year", 2025)
        .with("x", "&")
}

#[test]
fn renders_the_most_derived_block_with_super() {
    let e = engine();
    let page = e.template("page.html").unwrap();
    assert_eq!(
        page.render_block("content", &ctx(), None).unwrap(),
        "<h1>T&lt;1&gt;</h1><p>base</p>P[IS]"
    );
    assert_eq!(page.render_block("inner", &ctx(), None).unwrap(), "P[IS]");
    assert_eq!(
        page.render_block("title", &ctx(), None).unwrap(),
        "Section - Site"
    );
    // Defined only in the base.
    assert_eq!(
        page.render_block("footer", &ctx(), None).unwrap(),
        "(c) 2025"
    );
}

#[test]
fn works_without_inheritance_and_repeatedly() {
    let e = engine();
    let plain = e.template("plain.html").unwrap();
    assert_eq!(plain.render_block("one", &ctx(), None).unwrap(), "<&amp;>");
    assert_eq!(plain.render_block("one", &ctx(), None).unwrap(), "<&amp;>");
}

#[test]
fn missing_block_and_missing_parent_are_errors() {
    let e = engine();
    let err = e
        .template("page.html")
        .unwrap()
        .render_block("nope", &ctx(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RenderError);
    assert_eq!(
        err.detail(),
        Some("Block 'nope' is not defined in template 'page.html' or the templates it extends.")
    );
    let err = e
        .template("broken.html")
        .unwrap()
        .render_block("a", &ctx(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(err.template_name(), Some("broken.html"));
    let err = e
        .template("page.html")
        .unwrap()
        .render_block("content", &Context::new(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError, "{err:#}");
}
