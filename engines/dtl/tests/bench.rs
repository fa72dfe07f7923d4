//! Every benchmark workload of `benches/workloads` renders byte for byte as Django
//! does: `<workload>/dtl/index.html` over `context.json`, with the workload's
//! `dtl/` directory as the only template root, equals `expected.html`.

mod common;

use std::sync::Arc;

use common::{DirLoader, workloads_dir};
use platen_core::{Context, LoaderChain, Template};
use platen_dtl::{DtlEngine, DtlOptions};

fn render_workload(name: &str) -> (String, String) {
    let dir = workloads_dir().join(name);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("context.json")).expect("context.json"),
    )
    .expect("JSON");
    let ctx = Context::from_serialize(&json).expect("a context");
    let engine = DtlEngine::new(
        LoaderChain::new(vec![Arc::new(DirLoader::new(dir.join("dtl")))]),
        DtlOptions::default(),
    );
    let template = engine
        .template("index.html")
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let got = template
        .render(&ctx, None)
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let expected = std::fs::read_to_string(dir.join("expected.html")).expect("expected.html");
    (got, expected)
}

fn check(name: &str) {
    let (got, expected) = render_workload(name);
    if got != expected {
        let at = got
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(expected.len()));
        let from = at.saturating_sub(80);
        panic!(
            "{name}: output differs at byte {at} (got {} bytes, expected {})\n got: {:?}\nwant: {:?}",
            got.len(),
            expected.len(),
            got.get(from..(at + 80).min(got.len())).unwrap_or(""),
            expected
                .get(from..(at + 80).min(expected.len()))
                .unwrap_or(""),
        );
    }
}

#[test]
fn big_table() {
    check("big_table");
}

#[test]
fn teams() {
    check("teams");
}

#[test]
fn blog_page() {
    check("blog_page");
}

#[test]
fn forloop_filter() {
    check("forloop_filter");
}

#[test]
fn escape_heavy() {
    check("escape_heavy");
}
