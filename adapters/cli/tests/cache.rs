//! `platen cache`, run as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

fn platen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(args)
        .current_dir(dir)
        .env_remove("PLATEN_PROFILE")
        .env_remove("PLATEN_SETTINGS")
        .output()
        .expect("the platen binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary directory with `platen.toml` holding `settings`.
fn project(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("platen.toml"), settings).unwrap();
    dir
}

const TWO_MEMORY_CACHES: &str = r#"
[caches.default]
backend = "memory"

[caches.sidebar]
backend = "memory"
max_entries = 10
"#;

const NOTE: &str = "note: cache \"default\" is in memory: each process has its own; use backend = \"redis\" to expire across processes";

#[test]
fn stats_of_fresh_memory_caches() {
    let dir = project(TWO_MEMORY_CACHES);
    let out = platen(&["cache", "stats"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ALIAS",
            "BACKEND",
            "ENTRIES",
            "BYTES",
            "HITS",
            "MISSES",
            "INDEX_DEPS",
            "INDEX_LINKS"
        ],
        "{text}"
    );
    for (line, alias) in lines[1..].iter().zip(["default", "sidebar"]) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[0], alias, "{text}");
        assert_eq!(cells[1], "memory", "{text}");
        assert!(cells[2..].iter().all(|c| *c == "0" || *c == "-"), "{text}");
        assert_eq!(cells[4..6], ["0", "0"], "{text}");
    }
    assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
    assert!(stderr(&out).contains(NOTE), "{}", stderr(&out));
    assert!(stderr(&out).contains("note: cache \"sidebar\" is in memory"));

    let out = platen(&["cache", "stats", "--using", "sidebar"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines().nth(1).unwrap().starts_with("sidebar "),
        "{text}"
    );
}

#[test]
fn stats_without_caches_shows_the_implicit_default() {
    let dir = project("debug = false\n");
    let out = platen(&["cache", "stats"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines().nth(1).unwrap().starts_with("default  memory"),
        "{text}"
    );
}

#[test]
fn expire_prints_the_count() {
    let dir = project(TWO_MEMORY_CACHES);
    let out = platen(&["cache", "expire", "post:42"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "expired 0 fragments showing post:42 (cache default)\n"
    );
    assert_eq!(stderr(&out).trim_end(), NOTE);

    let settings = dir.path().join("platen.toml");
    let other = tempfile::tempdir().unwrap();
    let out = platen(
        &[
            "cache",
            "expire",
            "post:42",
            "user:7",
            "--using",
            "sidebar",
            "--settings",
            settings.to_str().unwrap(),
        ],
        other.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "expired 0 fragments showing post:42 user:7 (cache sidebar)\n"
    );
}

#[test]
fn expire_needs_a_dependency() {
    let dir = project(TWO_MEMORY_CACHES);
    let out = platen(&["cache", "expire"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("<DEP>"), "{}", stderr(&out));
}

#[test]
fn clear_clears() {
    let dir = project(TWO_MEMORY_CACHES);
    let out = platen(&["cache", "clear", "--using", "sidebar"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "cleared cache sidebar\n");
    assert!(stderr(&out).contains("note: cache \"sidebar\" is in memory"));
}

#[test]
fn an_unknown_alias_lists_the_configured_ones() {
    let dir = project(TWO_MEMORY_CACHES);
    for cmd in [
        &["cache", "expire", "post:42", "--using", "sidebr"][..],
        &["cache", "stats", "--using", "sidebr"],
        &["cache", "clear", "--using", "sidebr"],
    ] {
        let out = platen(cmd, dir.path());
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("no cache `sidebr`"), "{err}");
        assert!(err.contains("did you mean `sidebar`?"), "{err}");
        assert!(err.contains("configured caches: default, sidebar"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(stdout(&out), "", "{cmd:?}");
    }
}

#[test]
fn bad_cache_settings_name_the_key_and_the_file() {
    let dir = project("[caches.default]\nbackend = \"memory\"\ntimeout = true\n");
    let out = platen(&["cache", "stats"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("caches.default.timeout"), "{err}");
    assert!(err.contains("platen.toml"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let dir = project("[caches.default]\nbackend = \"memory\"\nlocatoin = \"x\"\n");
    let out = platen(&["cache", "expire", "post:42"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("locatoin"), "{err}");
    assert!(err.contains("platen.toml"), "{err}");

    let dir = project("[caches.default]\nbackend = \"memcached\"\n");
    let out = platen(&["cache", "clear"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("caches.default.backend"), "{err}");
    assert!(err.contains("memcached"), "{err}");
    assert!(err.contains("platen.toml"), "{err}");
}

#[test]
fn a_missing_settings_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = platen(
        &["cache", "stats", "--settings", "nowhere.toml"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nowhere.toml"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn help_lists_the_three_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = platen(&["cache", "--help"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    for cmd in ["expire", "stats", "clear"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(cmd)),
            "{cmd}: {help}"
        );
    }
    let out = platen(&["--help"], dir.path());
    assert!(stdout(&out).contains("cache"), "{}", stdout(&out));
    let out = platen(&["cache", "expire", "--help"], dir.path());
    let help = stdout(&out);
    assert!(help.contains("--using <ALIAS>"), "{help}");
    assert!(help.contains("--settings"), "{help}");
}
