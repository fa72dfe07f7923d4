//! A foreign process expires our fragments: `examples/python/expire_fragments.py`
//! (redis-py, the schema of docs/cache-protocol.md) run against fragments a
//! DTL template cached in Redis.
#![cfg(all(feature = "redis", feature = "dtl"))]

use std::path::Path;
use std::process::{Command, Stdio};

use figment::providers::{Format, Toml};
use platen::redis::testing::RedisServer;
use platen::{Context, Settings};

/// Whether `program args` runs; in CI a missing tool fails the test.
fn have(program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{program} {}` failed: CI must have it (.ci/run installs redis-py)",
            args.join(" ")
        );
        eprintln!("note: `{program}` is not usable here; skipping");
    }
    ok
}

#[test]
fn the_python_client_expires_our_fragments() {
    // The server `.ci/run` started (TEST_REDIS_URL), else one of our own.
    let own;
    let location = match std::env::var("TEST_REDIS_URL") {
        Ok(url) => url,
        Err(_) => {
            let Some(redis) = RedisServer::start() else {
                return;
            };
            own = redis;
            own.url()
        }
    };
    if !have("python3", &["-c", "import redis"]) {
        return;
    }
    // A shared server may hold an earlier run's fragments: this run's keys
    // and dependencies are its own.
    let run = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let post = format!("post:{run}");
    let toml = format!(
        r#"
[[templates]]
backend = "platen.dtl"
[[templates.options.loaders]]
loader = "platen.loaders.locmem"
templates = {{ "card.html" = "{{% load cache %}}{{% cache None card %}}{{% depends_on '{post}' %}}{{{{ title }}}}{{% endcache %}}|{{% cache None other %}}{{% depends_on 'other:{run}' %}}{{{{ title }}}}{{% endcache %}}" }}

[caches.default]
backend = "redis"
location = "{location}"
key_prefix = "{run}"
"#
    );
    let settings = Settings::from_provider(Toml::string(&toml)).unwrap();
    let engines = platen::engines_from_settings(&settings).unwrap();
    let render = |title: &str| {
        let mut ctx = Context::new();
        ctx.insert("title", title);
        engines
            .render_to_string(&["card.html"], &ctx, None, None)
            .unwrap()
    };
    assert_eq!(render("old"), "old|old");
    assert_eq!(
        render("new"),
        "old|old",
        "both fragments are cached in Redis"
    );

    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/python/expire_fragments.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([&location, &post])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1",
        "one fragment showed the post"
    );
    assert_eq!(
        render("new"),
        "new|old",
        "exactly the fragment that showed the post is gone"
    );
}
