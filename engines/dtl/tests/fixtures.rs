//! Fixture tests: each `tests/inputs/*.txt` is a JSON context, a `---` line and
//! a template; its rendered output (or, for `err_*` inputs, the full error
//! text with the source excerpt) must equal `tests/snapshots/<name>.snap`.
//! `DTL_UPDATE_SNAPSHOTS=1` writes the snapshots.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use platen_conformance::{MapLoader, decode};
use platen_core::{Context, LoaderChain, Template};
use platen_dtl::{DtlEngine, DtlOptions};

#[test]
fn fixtures() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut paths: Vec<_> = std::fs::read_dir(root.join("inputs"))
        .expect("inputs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let update = std::env::var_os("DTL_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for path in paths {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("input");
        let (ctx, source) = text.split_once("\n---\n").expect("a --- line");
        let json: serde_json::Value = serde_json::from_str(ctx).expect("JSON context");
        let ctx: Context = json
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| (k.clone(), decode(v)))
            .collect();
        let name = format!("{stem}.html");
        let loader = MapLoader::new(HashMap::from([(name.clone(), source.to_owned())]));
        let engine = DtlEngine::new(
            LoaderChain::new(vec![Arc::new(loader)]),
            DtlOptions::default(),
        );
        let got = match engine.template(&name).and_then(|t| t.render(&ctx, None)) {
            Ok(out) => {
                assert!(!stem.starts_with("err_"), "{stem} rendered: {out}");
                out
            }
            Err(e) => {
                assert!(stem.starts_with("err_"), "{stem} failed: {e:#}");
                format!("{}\n{e:#}\n", e.kind().django_class())
            }
        };
        let snap = root.join("snapshots").join(format!("{stem}.snap"));
        if update {
            std::fs::write(&snap, &got).expect("snapshot written");
        } else if std::fs::read_to_string(&snap).ok().as_deref() != Some(got.as_str()) {
            failures.push(format!("{stem}:\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "snapshots differ (DTL_UPDATE_SNAPSHOTS=1 to accept):\n{}",
        failures.join("\n")
    );
}
