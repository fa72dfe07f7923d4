//! Fragment caching across processes, end to end: a `redis-server` of the
//! test's own, two `platen serve` processes sharing a Redis cache with an
//! in-process (L1) copy, and expiries from `platen cache expire` and from a
//! foreign publisher (what a Django process does on save: delete the
//! fragments of the dependency per the key schema, then publish).
//!
//! Needs `redis-server` on PATH: without it the test prints a note and
//! passes, unless `CI` is set (then it fails).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;
#[cfg(feature = "redis")]
use std::time::Instant;

#[cfg(feature = "redis")]
use platen::redis::testing::RedisServer;

/// A child process killed when dropped (also when the test fails).
struct Guard(Child);

impl Guard {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `platen serve` on a free port: the guard and the address. Its
/// stderr goes to `serve-<n>.log` in `dir`, shown when it does not start.
fn serve(dir: &Path) -> (Guard, String) {
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let log = dir.join(format!("serve-{n}.log"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data", "data"])
        .current_dir(dir)
        .env_remove("PLATEN_PROFILE")
        .env_remove("PLATEN_DEBUG")
        .env_remove("PLATEN_SETTINGS")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("the platen binary runs");
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let mut banner = String::new();
    BufReader::new(stdout).read_line(&mut banner).unwrap();
    let addr = banner
        .strip_prefix("platen serve: http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| {
            panic!(
                "unexpected banner {banner:?}; stderr: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        })
        .to_owned();
    (guard, addr)
}

/// `GET path`: the status and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The card as `addr` serves it (status 200 asserted).
fn card(addr: &str) -> String {
    let (status, body) = get(addr, "/card.html");
    assert_eq!(status, 200, "{addr}: {body}");
    body
}

/// Polls `addr` until the card is `want`, for at most `limit`.
#[cfg(feature = "redis")]
fn eventually(addr: &str, want: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let body = card(addr);
        if body == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{addr} still shows {body:?}, not {want:?}, after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Writes the context of the template `name`: `{"title": title}`.
fn set_data(dir: &Path, name: &str, title: &str) {
    std::fs::write(
        dir.join(format!("data/{name}.json")),
        format!(r#"{{"title": "{title}"}}"#),
    )
    .unwrap();
}

fn set_title(dir: &Path, title: &str) {
    set_data(dir, "card.html", title);
}

fn platen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(args)
        .current_dir(dir)
        .env_remove("PLATEN_PROFILE")
        .env_remove("PLATEN_SETTINGS")
        .output()
        .expect("the platen binary runs")
}

/// Writes the project: a DTL engine over `templates/`, the card template,
/// `data/card.html.json` with the title `one`, and `caches` (TOML) after the
/// engine.
fn write_project(root: &Path, caches: &str) {
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::write(
        root.join("platen.toml"),
        format!("[[templates]]\nbackend = \"platen.dtl\"\nname = \"dtl\"\ndirs = [\"templates\"]\n{caches}"),
    )
    .unwrap();
    std::fs::write(
        root.join("templates/card.html"),
        r#"{% load cache %}{% cache None card %}{% depends_on "post:42" %}{{ title }}{% endcache %}"#,
    )
    .unwrap();
    std::fs::write(
        root.join("templates/other.html"),
        r#"{% load cache %}{% cache None other %}{% depends_on "post:7" %}{{ title }}{% endcache %}"#,
    )
    .unwrap();
    set_title(root, "one");
}

#[test]
fn a_memory_cache_belongs_to_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root, "");
    let (_guard, a) = serve(root);
    assert_eq!(card(&a), "one");
    set_title(root, "two");
    assert_eq!(card(&a), "one", "the fragment is cached");

    // Another process has its own memory: nothing to expire there, and the
    // note says so.
    let out = platen(&["cache", "expire", "post:42"], root);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "expired 0 fragments showing post:42 (cache default)\n"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("note: cache \"default\" is in memory"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(card(&a), "one", "the server's own memory is untouched");
}

/// Needs the `redis` feature (a default one).
#[test]
#[cfg(feature = "redis")]
fn two_servers_share_a_redis_cache_and_its_expiries() {
    let started = Instant::now();
    let Some(mut redis_server) = RedisServer::start() else {
        return;
    };
    let redis = |args: &[&str]| redis_server.command(args);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(
        root,
        &format!(
            "\n[caches.default]\nbackend = \"redis\"\nlocation = \"{}\"\nl1 = true\n",
            redis_server.url()
        ),
    );

    let (_a_guard, a) = serve(root);
    let (_b_guard, b) = serve(root);
    assert_eq!(card(&a), "one");
    assert_eq!(card(&b), "one");

    // Both keep showing the cached fragment when the data changes.
    set_title(root, "two");
    assert_eq!(card(&a), "one");
    assert_eq!(card(&b), "one");

    // `platen cache expire`, from a third process.
    let out = platen(
        &["cache", "expire", "post:42", "--settings", "platen.toml"],
        root,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("is in memory"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // One fragment: both servers stored the card under the same key.
    assert_eq!(
        stdout,
        "expired 1 fragments showing post:42 (cache default)\n"
    );
    eventually(&a, "two", Duration::from_secs(2));
    eventually(&b, "two", Duration::from_secs(2));

    // `platen cache stats` sees the shared cache.
    let out = platen(&["cache", "stats"], root);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cells: Vec<&str> = text
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    // ALIAS BACKEND ENTRIES ...: the card, stored again after the expiry.
    assert_eq!(cells[..3], ["default", "redis", "1"], "{text}");

    // A foreign publisher (a Django process saving post 42): deletes the
    // fragments of `obj:post:42`, then publishes the save.
    set_title(root, "three");
    assert_eq!(card(&a), "two");
    assert_eq!(card(&b), "two");
    let members = redis(&["SMEMBERS", "obj:post:42"]).unwrap();
    assert!(
        !members.is_empty(),
        "no fragment registered under obj:post:42"
    );
    for key in members.lines() {
        redis(&["DEL", key]).unwrap();
        redis(&["DEL", &format!("sobj:{key}")]).unwrap();
    }
    redis(&["DEL", "obj:post:42"]).unwrap();
    let receivers = redis(&[
        "PUBLISH",
        "platen:expire",
        r#"{"action":"save","deps":["post:42"]}"#,
    ])
    .unwrap();
    assert!(
        receivers.parse::<u64>().is_ok_and(|n| n >= 2),
        "both servers subscribe to platen:expire: {receivers}"
    );
    eventually(&a, "three", Duration::from_secs(2));
    eventually(&b, "three", Duration::from_secs(2));

    // A foreign publisher that only publishes (deletes nothing): the platen
    // processes carry the expiry out themselves.
    set_title(root, "four");
    assert_eq!(card(&a), "three");
    assert_eq!(card(&b), "three");
    redis(&[
        "PUBLISH",
        "platen:expire",
        r#"{"action":"publish","deps":["post:42"],"model":"Post"}"#,
    ])
    .unwrap();
    eventually(&a, "four", Duration::from_secs(2));
    eventually(&b, "four", Duration::from_secs(2));

    // Redis goes away: the pages still render. The card may come from a
    // server's in-process copy (kept until the expiry channel reconnects);
    // a page never cached before renders uncached, every time anew.
    redis_server.kill();
    assert_eq!(card(&a), "four");
    assert_eq!(card(&b), "four");
    for (title, server) in [("uncached 1", &a), ("uncached 2", &b), ("uncached 3", &a)] {
        set_data(root, "other.html", title);
        let (status, body) = get(server, "/other.html");
        assert_eq!((status, body.as_str()), (200, title), "{server}");
    }

    // And the command reports Redis being down, naming the setting, without
    // a panic.
    let out = platen(&["cache", "expire", "post:42"], root);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("caches.default.location"), "{stderr}");
    assert!(stderr.contains("platen.toml"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");

    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}
