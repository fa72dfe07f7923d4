//! The settings: layering (defaults < file < profile < environment), file
//! formats, paths, environment variables, and every class of error, each
//! checked to name the key and the file or variable it came from.
//!
//! Every test runs in a `figment::Jail`: a temporary current directory and
//! an environment restored afterwards, serialised across tests. Each starts
//! by clearing the environment, so a `PLATEN_` variable of the machine
//! running the tests cannot change the results.

// `Jail`'s closures return `figment::Error`, which is large; that is its API.
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use figment::Jail;
use platen_core::settings;
use platen_core::{
    BuildEnv, Engine, EngineSettings, Error, ErrorKind, Loader, LoaderEnv, LoaderSpec, Origin,
    Registry, Settings, Template,
};

mod engines;
mod env_errors;
mod file_errors;
mod layering;

/// Runs `f` in a jail with an empty environment; errors of the jail itself
/// (creating files) fail the test.
fn jail(f: impl FnOnce(&mut Jail) -> Result<(), figment::Error>) {
    Jail::expect_with(|j| {
        clear_env(j);
        f(j)
    });
}

/// Clears the jail's environment but for insta's own variables
/// (`INSTA_UPDATE`, ...) and `CI`, and tells insta where the workspace is
/// (it cannot run `cargo metadata` without `PATH`), so snapshots are found
/// and written as usual.
fn clear_env(j: &mut Jail) {
    let keep: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("INSTA_") || k == "CI")
        .collect();
    j.clear_env();
    for (k, v) in &keep {
        j.set_env(k, v);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    j.set_env("INSTA_WORKSPACE_ROOT", workspace.display());
}

/// The jail's directory.
fn root(j: &Jail) -> std::path::PathBuf {
    j.directory().to_path_buf()
}

fn load(j: &Jail, file: &str) -> platen_core::Result<Settings> {
    Settings::load(root(j).join(file))
}

fn file_of(j: &Jail, file: &str) -> String {
    root(j).join(file).display().to_string()
}

fn mkdirs(j: &Jail, dirs: &[&str]) {
    for d in dirs {
        std::fs::create_dir_all(root(j).join(d)).unwrap();
    }
}

/// The usual directories of these tests.
fn dirs(j: &Jail) {
    mkdirs(
        j,
        &[
            "t/hbs",
            "t/tera",
            "t/shared",
            "t/other",
            "apps/blog/templates",
            "apps/shop",
        ],
    );
}

const TWO: &str = r#"
debug = true
static_url = "/file/"

[[templates]]
backend = "platen.handlebars"
name = "hbs"
dirs = ["t/hbs"]
options = { strict_mode = true }

[[templates]]
backend = "platen.tera"
dirs = ["t/tera", "t/shared"]

[profiles.prod]
debug = false
static_url = "/prod/"

[profiles.staging]
static_url = "/staging/"
"#;

/// Asserts `err` is a settings error naming `key` (exactly) and a source
/// that contains `source`, and returns its text.
#[track_caller]
fn assert_bad(err: &Error, key: &str, source: &str) -> String {
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::BadSettings, "{text}");
    assert_eq!(err.settings_key(), Some(key), "{text}");
    let src = err
        .settings_source()
        .unwrap_or_else(|| panic!("no source in: {text}"));
    assert!(
        src.contains(source),
        "source `{src}` should contain `{source}`: {text}"
    );
    assert!(text.contains(&format!("`{key}`")), "{text}");
    assert!(text.contains(source), "{text}");
    redact(&text)
}

/// `text` with the jail's directory (the current directory, as written and
/// canonical) replaced by `[DIR]`, so that snapshots are the same on any
/// machine.
fn redact(text: &str) -> String {
    let dir = std::env::current_dir().unwrap();
    let mut text = text.to_owned();
    let mut forms = vec![dir.display().to_string()];
    if let Ok(canonical) = dir.canonicalize() {
        forms.push(canonical.display().to_string());
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    for form in forms {
        text = text.replace(&form, "[DIR]");
    }
    text
}

/// Writes `platen.toml`, loads it, expects a refusal naming `key` and the file.
#[track_caller]
fn refused(j: &Jail, toml: &str, key: &str) -> String {
    j.create_file("platen.toml", toml).unwrap();
    let err = load(j, "platen.toml").expect_err("the settings must be refused");
    assert_bad(&err, key, &file_of(j, "platen.toml"))
}
