//! The `platen` command, run as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn platen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(args)
        .current_dir(dir)
        .env_remove("PLATEN_PROFILE")
        .output()
        .expect("the platen binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart")
}

/// Writes `files` (path -> content) under a new temporary directory.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

const TWO_ENGINES: &str = r#"
[[templates]]
backend = "platen.handlebars"
name = "hbs"
dirs = ["hbs"]

[[templates]]
backend = "platen.tera"
name = "tera"
dirs = ["tera"]
"#;

#[test]
fn renders_the_quickstart_with_both_engines() {
    let dir = quickstart();
    let out = platen(&["render", "index.html", "--context", "context.json"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains("<title>Posts · platen</title>"), "{page}");
    assert!(
        page.contains("Loaders &lt;all the way&gt; down by grace"),
        "{page}"
    );
    assert!(page.contains("rendered by the Tera engine"), "{page}");

    let out = platen(&["render", "card.hbs", "--context", "context.json"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let card = stdout(&out);
    assert!(card.contains("platen: 3 posts"), "{card}");
    assert!(
        card.contains("this partial lives in another directory"),
        "{card}"
    );

    let out = platen(
        &["render", "django.html", "--context", "context.json"],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains("<title>PLATEN · 3 posts</title>"), "{page}");
    assert!(
        page.contains(
            "<li class=\"even\">Loaders &lt;all the way&gt; down by Grace, 1337 words</li>"
        ),
        "{page}"
    );
    assert!(
        page.contains("Django&#x27;s template ideas, in …"),
        "{page}"
    );
}

#[test]
fn context_can_come_from_stdin() {
    use std::io::Write;
    let dir = project(&[
        ("platen.toml", TWO_ENGINES),
        ("tera/x.html", "hi {{ who }}"),
        ("hbs/.keep", ""),
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(["render", "x.html", "--context", "-"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"who": "stdin"}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "hi stdin");
}

#[test]
fn a_missing_template_lists_every_place_in_every_engine() {
    let dir = project(&[
        ("platen.toml", TWO_ENGINES),
        ("hbs/a.hbs", "a"),
        ("tera/b.html", "b"),
    ]);
    let out = platen(&["render", "nope.html"], dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("template not found: nope.html"), "{err}");
    assert!(err.contains("[hbs]"), "{err}");
    assert!(err.contains("[tera]"), "{err}");
    assert!(
        err.contains(&format!("hbs{}nope.html", std::path::MAIN_SEPARATOR)),
        "{err}"
    );
    assert!(
        err.contains(&format!("tera{}nope.html", std::path::MAIN_SEPARATOR)),
        "{err}"
    );
}

#[test]
fn engine_flag_limits_the_search() {
    let dir = project(&[
        ("platen.toml", TWO_ENGINES),
        ("hbs/x.html", "from hbs"),
        ("tera/x.html", "from tera"),
    ]);
    let out = platen(&["render", "x.html"], dir.path());
    assert_eq!(stdout(&out), "from hbs");
    let out = platen(&["render", "x.html", "--engine", "tera"], dir.path());
    assert_eq!(stdout(&out), "from tera");
    let out = platen(&["render", "x.html", "--engine", "jinja"], dir.path());
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no engine named `jinja`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_context_and_settings_are_clear_errors() {
    let dir = project(&[
        ("platen.toml", TWO_ENGINES),
        ("tera/x.html", "x"),
        ("hbs/.keep", ""),
        ("bad.json", "{oops"),
    ]);
    let out = platen(&["render", "x.html", "--context", "bad.json"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));

    let out = platen(
        &["render", "x.html", "--settings", "missing.toml"],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing.toml does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_reports_every_error_at_once() {
    let dir = project(&[
        ("platen.toml", TWO_ENGINES),
        ("hbs/ok.hbs", "{{name}}"),
        ("hbs/broken.hbs", "line one\n{{#if x}}\nno end"),
        ("tera/ok.html", "{{ name }}"),
        ("tera/broken.html", "fine\n{% if x %}\n{{ }}"),
        ("tera/also_broken.html", "{% for %}"),
    ]);
    let out = platen(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("broken.hbs:"), "{text}");
    assert!(text.contains("broken.html:"), "{text}");
    assert!(text.contains("also_broken.html:"), "{text}");
    assert!(!text.contains("ok.hbs"), "{text}");
    assert!(stderr(&out).contains("3 error(s)"), "{}", stderr(&out));

    let out = platen(&["check", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        assert_eq!(line["class"], "TemplateSyntaxError", "{line}");
        assert!(line["line"].as_u64().is_some(), "{line}");
        assert!(
            line["file"].as_str().unwrap().ends_with(".hbs")
                || line["file"].as_str().unwrap().ends_with(".html")
        );
    }
}

#[test]
fn check_passes_a_clean_project() {
    let out = platen(&["check"], &quickstart());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("0 error(s)"), "{}", stderr(&out));
}

#[test]
fn conformance_reports_failures_and_writes_a_report() {
    let pass = r#"{"id": "t.pass#1", "test": "t.pass", "variant": "normal", "templates": {"a": "{% for v in values %}{{ v }}{% endfor %}"}, "name": "a", "context": {"values": [1, 2, 3]}, "options": {"autoescape": true, "string_if_invalid": "", "debug": false}, "libraries": [], "expected": {"output": "123"}}"#;
    let fail = r#"{"id": "t.fail#1", "test": "t.fail", "variant": "normal", "templates": {"a": "{{ x }}"}, "name": "a", "context": {"x": "<b>"}, "options": {"autoescape": true, "string_if_invalid": "", "debug": false}, "libraries": [], "expected": {"output": "<b>"}}"#;
    let err = r#"{"id": "t.err#1", "test": "t.err", "variant": "normal", "templates": {"a": "{% if %}"}, "name": "a", "context": {}, "options": {"autoescape": true, "string_if_invalid": "", "debug": false}, "libraries": [], "expected": {"error": "TemplateSyntaxError", "phase": "compile"}}"#;
    let dir = project(&[("cases.jsonl", &format!("{pass}\n{fail}\n{err}\n"))]);
    let out = platen(
        &["conformance", "cases.jsonl", "--report", "report.jsonl"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"conformance: 2 passed, 1 failed"),
        "{text}"
    );
    let failing: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(failing["id"], "t.fail#1");
    assert_eq!(failing["got"]["output"], "&lt;b&gt;");
    let report = std::fs::read_to_string(dir.path().join("report.jsonl")).unwrap();
    let report: Vec<serde_json::Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(report.len(), 3);
    assert_eq!(report[0]["output"], "123");
    assert_eq!(report[2]["error"], "TemplateSyntaxError");
    assert_eq!(report[2]["phase"], "compile");

    let only_pass = project(&[("ok.jsonl", pass)]);
    let out = platen(&["conformance", "ok.jsonl"], only_pass.path());
    assert!(out.status.success());
    assert_eq!(stdout(&out).trim(), "conformance: 1 passed, 0 failed");
}

#[test]
fn bench_times_a_template_and_prints_json() {
    let dir = quickstart();
    let out = platen(
        &[
            "bench",
            "django.html",
            "--context",
            "context.json",
            "--iterations",
            "50",
            "--json",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["template"], "django.html");
    assert_eq!(report["engine"], "django");
    assert_eq!(report["iterations"], 50);
    let (p25, median, p75) = (
        report["p25_us"].as_f64().unwrap(),
        report["median_us"].as_f64().unwrap(),
        report["p75_us"].as_f64().unwrap(),
    );
    assert!(p25 > 0.0 && p25 <= median && median <= p75, "{report}");
    assert!(report["bytes"].as_u64().unwrap() > 100, "{report}");
    assert!(report["mb_per_s"].as_f64().unwrap() > 0.0, "{report}");

    let out = platen(
        &[
            "bench",
            "card.hbs",
            "--context",
            "context.json",
            "--seconds",
            "0.05",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("card.hbs (hbs): median "),
        "{}",
        stdout(&out)
    );

    let out = platen(&["bench", "missing.html"], &dir);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("template not found"),
        "{}",
        stderr(&out)
    );
}
