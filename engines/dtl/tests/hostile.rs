//! Hostile input: random sources never panic the lexer, parser or renderer
//! (errors are fine), and deep nesting fails cleanly instead of overflowing
//! the stack.

use std::collections::HashMap;
use std::sync::Arc;

use platen_conformance::MapLoader;
use platen_core::{Context, ErrorKind, LoaderChain, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions, django_library};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "{%",
    "%}",
    "{{",
    "}}",
    "{#",
    "#}",
    " ",
    "\n",
    "x",
    "xs",
    "y.0",
    "'s'",
    "\"q\"",
    "|",
    ":",
    "=",
    "_(",
    ")",
    "if ",
    "elif ",
    "else",
    "endif",
    "for ",
    " in ",
    "empty",
    "endfor",
    "with ",
    "endwith",
    "block b",
    "endblock",
    "extends 'p.html'",
    "include 'p.html'",
    "include x",
    "filter upper",
    "endfilter",
    "cycle 'a' 'b'",
    "ifchanged",
    "endifchanged",
    "autoescape off",
    "endautoescape",
    "spaceless",
    "endspaceless",
    "verbatim",
    "endverbatim",
    "comment",
    "endcomment",
    "now 'Y'",
    "regroup xs by y as g",
    "widthratio x 1 2",
    "firstof x y",
    "load i18n",
    "trans 'a'",
    "blocktranslate",
    "endblocktranslate",
    "plural",
    "partialdef p",
    "endpartialdef",
    "partial p",
    "templatetag openblock",
    "lorem 3 w",
    "querystring",
    "url 'v'",
    "not ",
    " and ",
    " or ",
    " == ",
    " is ",
    "|default:",
    "|date:'Y'",
    "|join:','",
    "|slice:':2'",
    "|floatformat:-2",
    "|add:x",
    "|dictsort:'y'",
    "|length",
    "|truncatewords:2",
    "|urlize",
    "|stringformat:'%s'",
    "1e5",
    "-1",
    "1_0",
    ".5",
    "é",
    "\u{0}",
    "\\",
];

fn engine() -> DtlEngine {
    let templates: HashMap<String, String> = [
        ("p.html", "[{% block b %}p{% endblock %}{{ x }}]"),
        ("self.html", "{% include 'self.html' %}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut options = DtlOptions::default();
    options
        .libraries
        .insert("i18n".into(), django_library("i18n").expect("i18n"));
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(MapLoader::new(templates))]),
        options,
    )
}

fn context() -> Context {
    let row = |y: i64| {
        Value::from(platen_core::value::Map::from_iter([(
            Arc::from("y"),
            Value::from(y),
        )]))
    };
    Context::new()
        .with("x", "<a&b>")
        .with("xs", Value::from(vec![row(1), row(1), row(2)]))
        .with("y", Value::from(vec![Value::from(3), Value::from("z")]))
}

fn exercise(source: &str) {
    let engine = engine();
    if let Ok(t) = engine.template_from_str(source) {
        let _ = t.render(&context(), None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn fragment_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..40)) {
        exercise(&parts.concat());
    }

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC{0,80}") {
        exercise(&source);
    }

    #[test]
    fn tags_with_arbitrary_contents_never_panic(inner in "[ -~]{0,30}", open in "(\\{%|\\{\\{)") {
        let close = if open == "{%" { "%}" } else { "}}" };
        exercise(&format!("{open} {inner} {close}{{% endif %}}{{% endfor %}}"));
    }
}

/// Runs `f` on a thread with a 2 MiB stack (the default for spawned threads), where an unbounded
/// recursion would overflow quickly.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic")
}

#[test]
fn ten_thousand_nested_ifs_fail_cleanly() {
    let err = on_small_stack(|| {
        let source = format!(
            "{}x{}",
            "{% if x %}".repeat(10_000),
            "{% endif %}".repeat(10_000)
        );
        engine().template_from_str(&source).map(|_| ()).unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Recursion, "{err:#}");
    assert!(
        err.detail()
            .unwrap_or_default()
            .contains("more than 200 levels deep"),
        "{err}"
    );
}

#[test]
fn nesting_within_the_limit_renders() {
    let out = on_small_stack(|| {
        let source = format!("{}x{}", "{% if x %}".repeat(195), "{% endif %}".repeat(195));
        engine()
            .template_from_str(&source)
            .and_then(|t| t.render(&context(), None))
    });
    assert_eq!(out.unwrap(), "x");
    let out = on_small_stack(|| {
        let source = format!(
            "{}{{{{ b }}}}{}",
            "{% for a in one %}{% with b=a %}".repeat(95),
            "{% endwith %}{% endfor %}".repeat(95)
        );
        let ctx = context().with("one", Value::from(vec![Value::from(7)]));
        engine()
            .template_from_str(&source)
            .and_then(|t| t.render(&ctx, None))
    });
    assert_eq!(out.unwrap(), "7");
}

#[test]
fn long_not_chains_fail_cleanly() {
    let err = on_small_stack(|| {
        let source = format!("{{% if {}x %}}y{{% endif %}}", "not ".repeat(10_000));
        engine().template_from_str(&source).map(|_| ()).unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Recursion);
}

#[test]
fn sizes_a_template_asks_for_are_bounded() {
    // Each would allocate gigabytes (or abort on allocation) if obeyed.
    for source in [
        "{{ x|center:10000000000 }}",
        "{{ x|ljust:10000000000000000000000 }}",
        "{{ x|stringformat:'9999999999s' }}",
        "{{ 1.5|stringformat:'.2000000000f' }}",
        "{% lorem 100000000000 w %}",
        "{% lorem 10000000 p %}",
    ] {
        let err = engine()
            .template_from_str(source)
            .and_then(|t| t.render(&context(), None))
            .expect_err(source);
        assert_eq!(err.kind(), ErrorKind::RenderError, "{source}: {err}");
        assert!(err.to_string().contains("Error"), "{source}: {err}");
    }
    // Large but reasonable sizes still render.
    let out = engine()
        .template_from_str("{{ x|center:100000 }}{% lorem 2000 w %}")
        .and_then(|t| t.render(&context(), None))
        .unwrap();
    assert!(out.len() > 100_000);
}

#[test]
fn self_inclusion_fails_cleanly() {
    let err = on_small_stack(|| {
        engine()
            .template("self.html")
            .and_then(|t| t.render(&context(), None))
            .unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Recursion);
}

#[test]
fn long_flat_templates_render() {
    let source = "{{ x }}{% if x %}.{% endif %}".repeat(20_000);
    let out = on_small_stack(move || {
        engine()
            .template_from_str(&source)
            .and_then(|t| t.render(&context(), None))
    });
    assert_eq!(out.unwrap().len(), 20_000 * "&lt;a&amp;b&gt;.".len());
}

#[test]
fn deep_nesting_across_includes_fails_cleanly() {
    let err = on_small_stack(|| {
        let templates: HashMap<String, String> = (0..8)
            .map(|i| {
                (
                    format!("n{i}"),
                    format!(
                        "{}{{% include 'n{}' %}}{}",
                        "{% if x %}".repeat(150),
                        i + 1,
                        "{% endif %}".repeat(150)
                    ),
                )
            })
            .collect();
        let engine = DtlEngine::new(
            LoaderChain::new(vec![Arc::new(MapLoader::new(templates))]),
            DtlOptions::default(),
        );
        engine
            .template("n0")
            .and_then(|t| t.render(&context(), None))
            .unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Recursion, "{err:#}");
}

#[test]
fn tag_arguments_ending_in_a_multibyte_character_do_not_panic() {
    // `{% now %}` drops its argument's first and last characters, as Python's `[1:-1]` does.
    let engine = engine();
    let out = engine
        .template_from_str("{% now 'Y'é %}")
        .unwrap()
        .render(&context(), None)
        .unwrap();
    assert_eq!(out, chrono::Local::now().format("%Y").to_string() + "'");
    for source in ["{% now é %}", "{% now 'é' %}", "{% now ééé as x %}{{ x }}"] {
        exercise(source);
    }
}
