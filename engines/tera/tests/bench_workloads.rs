//! The benchmark workloads (`benches/workloads/*/tera`) render what Django
//! renders for them.

mod common;

use std::path::Path;

use common::{engines_with, registry, render, truncatewords};
use platen_core::Context;
use platen_tera::TeraBackend;

/// Each workload, and the size of Tera 2's own output where it spells an
/// escaped `'` differently from Django (`&#39;` for `&#x27;`; see the
/// bench README, "Escaping").
const WORKLOADS: &[(&str, Option<usize>)] = &[
    ("big_table", None),
    ("teams", None),
    ("blog_page", Some(24_866)),
    ("forloop_filter", None),
    ("escape_heavy", Some(101_015)),
];

#[test]
fn bench_workloads_match_django_output() {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/workloads");
    let mut registry = registry();
    registry.register_backend(
        "platen.tera",
        TeraBackend::new().filter("truncatewords", truncatewords),
    );
    for &(workload, tera_size) in WORKLOADS {
        let root = bench.join(workload);
        let settings = format!(
            "[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"{}\"]\n",
            root.join("tera")
                .display()
                .to_string()
                .replace('\\', "\\\\")
        );
        let dir = tempfile::tempdir().unwrap();
        let engines = engines_with(dir.path(), &settings, &registry).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("context.json")).unwrap())
                .unwrap();
        let ctx = Context::from_serialize(&json).unwrap();
        let out =
            render(&engines, "index.html", &ctx).unwrap_or_else(|e| panic!("{workload}: {e:#}"));
        let expected = std::fs::read_to_string(root.join("expected.html")).unwrap();
        match tera_size {
            None => assert!(
                out == expected,
                "{workload}: output differs from expected.html"
            ),
            Some(size) => {
                assert_eq!(
                    out.len(),
                    size,
                    "{workload}: Tera 2's size per the bench README"
                );
                assert!(
                    out.replace("&#39;", "&#x27;") == expected,
                    "{workload}: differs beyond the `'` spelling"
                );
            }
        }
        assert!(
            engines.check().is_empty(),
            "{workload}: {:?}",
            engines.check()
        );
    }
}

#[test]
fn truncatewords_has_django_semantics() {
    let mut tera = platen_tera::tera::Tera::new();
    tera.register_filter("truncatewords", truncatewords);
    tera.add_raw_template(
        "t",
        "{{ s | truncatewords(length=3) }}|{{ t | truncatewords(length=3) }}",
    )
    .unwrap();
    let mut ctx = platen_tera::tera::Context::new();
    ctx.insert("s", "one  two\nthree four");
    ctx.insert("t", " a  b ");
    assert_eq!(tera.render("t", &ctx).unwrap(), "one two three …|a b");
}
