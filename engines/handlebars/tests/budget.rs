//! The output budget (`max_output_bytes`): a render that writes too much
//! ends with a `LimitExceeded` error naming the option, in bounded time,
//! and so does one that renders too much aside (a partial block's content,
//! a `{{#cache}}` body).

use std::path::Path;
use std::time::{Duration, Instant};

use platen_core::{Context, Engines, ErrorKind, Registry, Settings, Value};

/// The page: 100 × 100 dots, 10,000 bytes.
const PAGE: &str = "{{#each l}}{{#each ../l}}.{{/each}}{{/each}}";

fn list(n: i64) -> Value {
    (0..n).map(Value::from).collect()
}

/// Engines over a directory holding `files`, the engine's options being
/// `options` (the inside of a TOML inline table).
fn engines(files: &[(&str, &str)], options: &str) -> platen_core::Result<Project> {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    let toml = format!(
        "[[templates]]\nbackend = \"platen.handlebars\"\ndirs = [\"t\"]\noptions = {{ {options} }}\n"
    );
    std::fs::write(dir.path().join("platen.toml"), toml).unwrap();
    let mut registry = Registry::new();
    platen_loaders::register(&mut registry);
    platen_handlebars::register(&mut registry);
    let settings = Settings::load(dir.path().join("platen.toml"))?;
    let engines = registry.build_engines(&settings)?;
    Ok(Project { engines, _dir: dir })
}

/// Engines and the directory of their templates (read when first rendered).
struct Project {
    engines: Engines,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Project {
    type Target = Engines;
    fn deref(&self) -> &Engines {
        &self.engines
    }
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, source) in files {
        let path = dir.join("t").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, source).unwrap();
    }
}

/// A context whose `l` has `n` items and `big` is `size` bytes.
fn context(n: i64, size: usize) -> Context {
    let mut ctx = Context::new();
    ctx.insert("l", list(n));
    ctx.insert("big", "x".repeat(size));
    ctx
}

/// Renders `name` and expects the budget of `limit` bytes to stop it quickly.
fn refused(engines: &Engines, name: &str, ctx: &Context, limit: usize) {
    let start = Instant::now();
    let err = engines
        .render_to_string(&[name], ctx, None, None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
    let text = err.to_string();
    assert!(text.contains("`max_output_bytes`"), "{text}");
    assert!(text.contains(&format!("budget of {limit} bytes")), "{text}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_loop_writing_past_the_budget_stops() {
    // 10,000 × 100,000 bytes: a gigabyte, were it not stopped.
    let e = engines(
        &[("big.hbs", "{{#each l}}{{{@root.big}}}{{/each}}")],
        "max_output_bytes = 10000",
    )
    .unwrap();
    refused(&e, "big.hbs", &context(10_000, 100_000), 10_000);
}

#[test]
fn partial_block_content_is_bounded_though_rendered_aside() {
    // `handlebars` renders the content before the partial runs, whether or
    // not the partial shows it: this layout never does.
    let e = engines(
        &[
            (
                "layout.hbs",
                "<main>{{#if nothing}}{{> @partial-block}}{{/if}}</main>",
            ),
            (
                "page.hbs",
                "{{#> layout}}{{#each l}}{{{@root.big}}}{{/each}}{{/layout}}",
            ),
            (
                "shown.hbs",
                "{{#> layout2}}{{#each l}}{{{@root.big}}}{{/each}}{{/layout2}}",
            ),
            ("layout2.hbs", "<main>{{> @partial-block}}</main>"),
        ],
        "max_output_bytes = 10000",
    )
    .unwrap();
    refused(&e, "page.hbs", &context(10_000, 100_000), 10_000);
    refused(&e, "shown.hbs", &context(10_000, 100_000), 10_000);
    // Under the limit, partial blocks render as before.
    let out = e
        .render_to_string(&["shown.hbs"], &context(3, 2), None, None)
        .unwrap();
    assert_eq!(out, "<main>xxxxxx</main>");
}

#[test]
fn a_cache_body_is_bounded() {
    let e = engines(
        &[(
            "c.hbs",
            "{{#cache \"f\" 0}}{{#each l}}{{{@root.big}}}{{/each}}{{/cache}}",
        )],
        "max_output_bytes = 10000",
    )
    .unwrap();
    refused(&e, "c.hbs", &context(10_000, 100_000), 10_000);
    let out = e
        .render_to_string(&["c.hbs"], &context(2, 3), None, None)
        .unwrap();
    assert_eq!(out, "xxxxxx");
}

#[test]
fn pages_within_the_budget_render_and_none_means_unlimited() {
    let ctx = context(100, 0);
    let exact = engines(&[("p.hbs", PAGE)], "max_output_bytes = 10000").unwrap();
    for _ in 0..3 {
        // Each render has its own budget.
        let out = exact
            .render_to_string(&["p.hbs"], &ctx, None, None)
            .unwrap();
        assert_eq!(out.len(), 10_000);
    }
    let short = engines(&[("p.hbs", PAGE)], "max_output_bytes = 9999").unwrap();
    refused(&short, "p.hbs", &ctx, 9_999);
    let text = engines(&[("p.hbs", PAGE)], "max_output_bytes = \"10000\"").unwrap();
    assert!(text.render_to_string(&["p.hbs"], &ctx, None, None).is_ok());
    for none in ["\"none\"", "\"None\"", "false"] {
        let free = engines(&[("p.hbs", PAGE)], &format!("max_output_bytes = {none}")).unwrap();
        let out = free
            .render_to_string(&["p.hbs"], &context(1000, 0), None, None)
            .unwrap();
        assert_eq!(out.len(), 1_000_000, "{none}");
    }
    // The default (64 MiB) leaves a real page alone.
    let default = engines(&[("p.hbs", PAGE)], "").unwrap();
    assert_eq!(
        default
            .render_to_string(&["p.hbs"], &context(1000, 0), None, None)
            .unwrap()
            .len(),
        1_000_000
    );
    assert_eq!(platen_handlebars::DEFAULT_MAX_OUTPUT_BYTES, 67_108_864);
}

#[test]
fn zero_or_nonsense_is_a_settings_error_naming_the_key() {
    for bad in ["0", "\"0\"", "-5", "true", "\"lots\"", "1.5"] {
        let Err(err) = engines(&[("p.hbs", PAGE)], &format!("max_output_bytes = {bad}")) else {
            panic!("{bad} is accepted");
        };
        assert_eq!(err.kind(), ErrorKind::BadSettings, "{bad}: {err}");
        assert_eq!(
            err.settings_key(),
            Some("templates[0].options.max_output_bytes"),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("positive number"), "{bad}: {err}");
    }
}
