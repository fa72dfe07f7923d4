//! Runs the conformance corpora of `corpus/` (recorded from Django) against
//! the engine, checked both ways against `tests/known-failures.txt`: a
//! failing case that is not listed fails the test, and so does a listed case
//! that now passes (the list only shrinks). `DTL_WRITE_KNOWN_FAILURES=1` rewrites the list from the results.

use std::collections::BTreeSet;
use std::path::PathBuf;

use platen_conformance::{report_lines, run_file, summary};

#[test]
fn conformance() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("corpus");
    let mut failing = BTreeSet::new();
    let mut report = String::new();
    for file in ["public.jsonl", "filters.public.jsonl"] {
        let path = dir.join(file);
        let results =
            run_file(&path).unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        assert!(!results.is_empty(), "{file} has no cases");
        let passed = results.iter().filter(|r| r.passed).count();
        eprintln!("{file}: {passed} / {} passed", results.len());
        if std::env::var_os("DTL_CONFORMANCE_SUMMARY").is_some() {
            for (module, (p, t)) in summary(&results) {
                eprintln!("  {module}: {p}/{t}");
            }
        }
        report.push_str(&report_lines(&results));
        failing.extend(results.iter().filter(|r| !r.passed).map(|r| r.id.clone()));
    }
    if let Some(path) = std::env::var_os("DTL_CONFORMANCE_REPORT") {
        std::fs::write(path, &report).expect("report written");
    }
    let list_path = manifest.join("tests/known-failures.txt");
    if std::env::var_os("DTL_WRITE_KNOWN_FAILURES").is_some() {
        let mut text = String::new();
        for id in &failing {
            text.push_str(id);
            text.push('\n');
        }
        std::fs::write(&list_path, text).expect("list written");
        return;
    }
    let known: BTreeSet<String> = std::fs::read_to_string(&list_path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let new_failures: Vec<_> = failing.difference(&known).collect();
    let fixed: Vec<_> = known.difference(&failing).collect();
    assert!(
        new_failures.is_empty() && fixed.is_empty(),
        "{} new failures (first: {:?}); {} listed cases now pass (first: {:?}); \
         rerun with DTL_WRITE_KNOWN_FAILURES=1 to update the list",
        new_failures.len(),
        new_failures.iter().take(10).collect::<Vec<_>>(),
        fixed.len(),
        fixed.iter().take(10).collect::<Vec<_>>(),
    );
}
