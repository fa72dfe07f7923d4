//! `platen conformance` over hostile cases: every bomb ends with a budget
//! error in bounded time, the run goes on to the next case, and the report
//! is written as the cases finish.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn bombs_end_with_budget_errors_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = String::new();
    let bombs = [
        // Nested loops multiplying a list, writing a lot.
        "{% for a in l %}{% for b in l %}{% for c in l %}{{ s }}{% endfor %}{% endfor %}{% endfor %}",
        // Nested loops with nothing to write.
        "{% for a in l %}{% for b in l %}{% for c in l %}{% for d in l %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
    ];
    for (i, t) in bombs.iter().enumerate() {
        let case = serde_json::json!({
            "id": format!("bomb{i}"), "templates": {"t": t}, "name": "t",
            "context": {"l": (0..100).collect::<Vec<i32>>(), "s": "x".repeat(1000)},
            "options": {"autoescape": true, "string_if_invalid": "", "debug": false},
            "libraries": [], "expected": {"output": ""}
        });
        cases.push_str(&format!("{case}\n"));
    }
    let ok = serde_json::json!({
        "id": "fine", "templates": {"t": "{{ a }}"}, "name": "t", "context": {"a": 1},
        "options": {"autoescape": true, "string_if_invalid": "", "debug": false},
        "libraries": [], "expected": {"output": "1"}
    });
    cases.push_str(&format!("{ok}\n"));
    let file = dir.path().join("bombs.jsonl");
    std::fs::write(&file, cases).unwrap();
    let report = dir.path().join("report.jsonl");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_platen"))
        .args([
            "conformance",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("conformance: 1 passed, 2 failed"),
        "{stdout}"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines[..2] {
        let message = line["message"].as_str().unwrap_or_default();
        assert!(message.contains("budget"), "{line}");
    }
    assert_eq!(lines[2]["output"], "1");
}
