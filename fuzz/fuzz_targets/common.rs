#![allow(dead_code)] // Each target uses what it needs of this module.
//! What the targets share: an engine with a small budget, and a context.

use std::sync::Arc;

use platen_core::{Context, LoaderChain, Value};
use platen_dtl::{DtlEngine, DtlOptions, RenderLimits, django_library};
use platen_loaders::LocmemLoader;

/// An engine with Django's libraries, templates `a.html` and `b.html` for
/// includes and parents, and a budget small enough for a fuzzer's pace.
pub fn engine() -> DtlEngine {
    let loader = LocmemLoader::new([
        ("a.html", "A{% block x %}a{% endblock %}{{ v }}"),
        ("b.html", "{% extends 'a.html' %}{% block x %}b{{ block.super }}{% endblock %}"),
    ]);
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(loader)]),
        DtlOptions {
            libraries: ["cache", "content_cache", "humanize", "i18n", "l10n", "static", "tz"]
                .into_iter()
                .filter_map(|n| Some((n.to_owned(), django_library(n)?)))
                .collect(),
            limits: RenderLimits {
                fuel: Some(200_000),
                max_output_bytes: Some(1 << 20),
            },
            ..DtlOptions::default()
        },
    )
}

/// A context with a value of every kind.
pub fn context() -> Context {
    let mut c = Context::new();
    c.insert("v", "<b>x</b> & 'y'");
    c.insert("n", 42);
    c.insert("f", 1.5);
    c.insert("t", true);
    c.insert("none", Value::None);
    c.insert("l", Value::from(vec![Value::from(1), Value::from("two"), Value::from(vec![Value::from(3)])]));
    let mut m = platen_core::value::Map::default();
    m.insert("k".into(), Value::from("v"));
    m.insert("n".into(), Value::from(-7));
    c.insert("m", Value::from(m));
    c
}
