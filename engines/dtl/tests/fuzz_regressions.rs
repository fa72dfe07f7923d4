//! Inputs the fuzzers (`fuzz/`) found, kept as tests once fixed. The raw
//! inputs are in `fuzz/regressions/<target>/`.

use platen_core::{Context, ErrorKind, LoaderChain, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions, RenderLimits, django_library};

fn engine(limits: RenderLimits) -> DtlEngine {
    DtlEngine::new(
        LoaderChain::new(vec![]),
        DtlOptions {
            libraries: [("static".to_owned(), django_library("static").unwrap())].into(),
            limits,
            ..DtlOptions::default()
        },
    )
}

/// `urlize` sliced a word's first four bytes, inside a character.
#[test]
fn urlize_on_a_word_with_a_wide_character_at_its_fourth_byte() {
    let e = engine(RenderLimits::default());
    let mut ctx = Context::new();
    for v in ["\nk\u{fffd}:", "ww\u{e9}.example.com", "htt\u{fffd}://x"] {
        ctx.insert("v", Value::from(v));
        let out = e
            .template_from_str("{{ v|urlize }}")
            .unwrap()
            .render(&ctx, None);
        assert!(out.is_ok(), "{v:?}: {out:?}");
    }
}

/// `{% static as name %}` left no path, and the parser indexed past it.
#[test]
fn static_with_only_as_name_is_a_syntax_error() {
    let e = engine(RenderLimits::default());
    let err = e
        .template_from_str("{% load static %}{% static as v %}")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.to_string().contains("takes at least one argument"),
        "{err}"
    );
}

/// A chain of `join`s over a string, each with a long separator: every
/// join multiplies the text, and each character used to become a value of
/// its own first (2.7 GB and 46 s under the fuzzer for one template).
#[test]
fn a_chain_of_joins_with_long_separators_is_bounded() {
    let sep = "\u{0}".repeat(100);
    let source =
        format!("{{{{ x|add:'*../'|join:'{sep}'|join:'{sep}'|join:'{sep}'|join:'{sep}' }}}}");
    let small = RenderLimits {
        fuel: Some(200_000),
        max_output_bytes: Some(1 << 20),
    };
    let t = engine(small).template_from_str(&source).unwrap();
    let start = std::time::Instant::now();
    let err = t.render(&Context::new(), None).unwrap_err();
    assert!(err.to_string().contains("max_output_bytes"), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    // Joining a string's characters is still Django's join (outputs
    // checked with Django 5.2.19: a literal separator is safe, a variable
    // one is escaped).
    let e = engine(RenderLimits::default());
    let mut ctx = Context::new();
    ctx.insert("v", Value::from("a<b"));
    ctx.insert("s", Value::from("&"));
    let out = |src: &str| {
        e.template_from_str(src)
            .unwrap()
            .render(&ctx, None)
            .unwrap()
    };
    assert_eq!(out("{{ v|join:'&' }}"), "a&&lt;&b");
    assert_eq!(out("{{ v|join:s }}"), "a&amp;&lt;&amp;b");
    assert_eq!(
        out("{% autoescape off %}{{ v|join:'&' }}{% endautoescape %}"),
        "a&<&b"
    );
}
