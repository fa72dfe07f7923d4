//! `platen serve`, run as a user runs it: the binary on an ephemeral
//! 127.0.0.1 port, requested over plain HTTP/1.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `platen serve`; dropping it stops it.
struct Serve {
    child: Child,
    addr: String,
    banner: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, extra: &[&str]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .current_dir(dir)
        .env_remove("PLATEN_PROFILE")
        .env_remove("PLATEN_DEBUG")
        .env_remove("PLATEN_SETTINGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the platen binary runs");
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let addr = banner
        .strip_prefix("platen serve: http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    Serve {
        child,
        addr,
        banner,
    }
}

/// One request with a raw path (sent as is): the status and the body.
fn request(addr: &str, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
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

fn get(addr: &str, path: &str) -> (u16, String) {
    request(addr, "GET", path)
}

/// Writes `files` under a new temporary directory.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

const SETTINGS: &str = r#"
[[templates]]
backend = "platen.dtl"
name = "dtl"
dirs = ["templates"]
options.context_processors = ["platen.request"]

[[templates]]
backend = "platen.handlebars"
name = "hbs"
dirs = ["hbs"]
"#;

fn site(settings: &str) -> tempfile::TempDir {
    project(&[
        ("platen.toml", settings),
        ("secret.txt", "TOP SECRET"),
        ("templates/index.html", "home of {{ who|default:'nobody' }}"),
        (
            "templates/blog/index.html",
            "{% extends 'base.html' %}{% block b %}blog index at {{ request.path }}{% endblock %}",
        ),
        ("templates/base.html", "[{% block b %}{% endblock %}]"),
        (
            "templates/blog/post.html",
            "{% for p in posts %}<li>{{ p }}</li>{% endfor %}",
        ),
        ("templates/bad.html", "{% if %}"),
        (
            "templates/boom.html",
            "line one\n{% include 'nowhere.html' %}",
        ),
        ("hbs/card.hbs", "card for {{name}}"),
        ("data/index.html.json", r#"{"who": "<ada>"}"#),
        ("data/blog/post.html.json", r#"{"posts": ["a", "b & c"]}"#),
        ("data/card.hbs.json", r#"{"name": "grace"}"#),
        ("data/broken.html.json", "{not json"),
        ("templates/broken.html", "x"),
    ])
}

#[test]
fn renders_templates_with_contexts_from_the_data_dir() {
    let dir = site(SETTINGS);
    let server = serve(dir.path(), &["--data", "data"]);
    assert!(
        server.banner.contains("(engines: dtl, hbs; debug off)"),
        "{}",
        server.banner
    );
    assert_eq!(get(&server.addr, "/"), (200, "home of &lt;ada&gt;".into()));
    assert_eq!(
        get(&server.addr, "/index.html"),
        (200, "home of &lt;ada&gt;".into())
    );
    assert_eq!(
        get(&server.addr, "/blog/"),
        (200, "[blog index at /blog/]".into())
    );
    assert_eq!(
        get(&server.addr, "/blog/post.html"),
        (200, "<li>a</li><li>b &amp; c</li>".into())
    );
    // The second engine has it.
    assert_eq!(
        get(&server.addr, "/card.hbs"),
        (200, "card for grace".into())
    );
    // No context file: an empty context.
    assert_eq!(get(&server.addr, "/base.html"), (200, "[]".into()));
    // A context file that is not JSON says so.
    let (status, body) = get(&server.addr, "/broken.html");
    assert_eq!(status, 500);
    assert!(body.contains("is not valid JSON"), "{body}");
    assert_eq!(request(&server.addr, "POST", "/").0, 405);
}

#[test]
fn without_data_the_context_is_empty() {
    let dir = site(SETTINGS);
    let server = serve(dir.path(), &[]);
    assert_eq!(get(&server.addr, "/"), (200, "home of nobody".into()));
}

#[test]
fn missing_templates_and_paths_out_of_the_template_dirs_are_404s() {
    let dir = site(SETTINGS);
    let server = serve(dir.path(), &["--data", "data"]);
    for path in [
        "/nope.html",
        "/blog/nope/",
        "/../secret.txt",
        "/../platen.toml",
        "/%2e%2e/secret.txt",
        "/%2E%2E/platen.toml",
        "/%2e%2e%2fsecret.txt",
        "/blog/%2e%2e/%2e%2e/secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/..%5csecret.txt",
        "/data/index.html.json",
        // Double encoding, overlong UTF-8 for `.` and `/`, NUL.
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/..%c0%afsecret.txt",
        "/%2e%2e/secret.txt%00.html",
        "/%00../secret.txt",
    ] {
        let (status, body) = get(&server.addr, path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("Not Found"), "{path}: {body}");
        assert!(
            !body.contains("TOP SECRET")
                && !body.contains("[[templates]]")
                && !body.contains("<ada>"),
            "{path}: {body}"
        );
    }
}

#[test]
fn the_sites_own_404_page() {
    let dir = site(SETTINGS);
    std::fs::write(
        dir.path().join("templates/404.html"),
        "no page at {{ request_path }}",
    )
    .unwrap();
    let server = serve(dir.path(), &[]);
    assert_eq!(
        get(&server.addr, "/missing.html"),
        (404, "no page at /missing.html".into())
    );
    assert_eq!(
        get(&server.addr, "/%2e%2e/secret.txt"),
        (404, "no page at /%2e%2e/secret.txt".into())
    );
}

#[test]
fn errors_are_500_pages_and_debug_true_shows_the_debug_page() {
    let dir = site(SETTINGS);
    let server = serve(dir.path(), &[]);
    for path in ["/bad.html", "/boom.html"] {
        let (status, body) = get(&server.addr, path);
        assert_eq!(status, 500, "{path}: {body}");
        assert!(body.contains("Server Error (500)"), "{path}: {body}");
        assert!(
            !body.contains(&dir.path().display().to_string()),
            "{path}: {body}"
        );
    }
    let (status, body) = get(&server.addr, "/nope.html");
    assert_eq!(status, 404);
    assert!(!body.contains("Tried"), "{body}");
    drop(server);

    let debug = format!("debug = true\n{SETTINGS}");
    std::fs::write(dir.path().join("platen.toml"), debug).unwrap();
    let server = serve(dir.path(), &[]);
    assert!(server.banner.contains("debug on"), "{}", server.banner);
    let (status, body) = get(&server.addr, "/bad.html");
    assert_eq!(status, 500);
    assert!(body.contains("TemplateSyntaxError"), "{body}");
    let (status, body) = get(&server.addr, "/boom.html");
    assert_eq!(status, 500);
    assert!(
        body.contains("TemplateDoesNotExist") && body.contains("nowhere.html"),
        "{body}"
    );
    // The debug 404 lists where it looked.
    let (status, body) = get(&server.addr, "/nope.html");
    assert_eq!(status, 404);
    assert!(
        body.contains("Tried, in this order:") && body.contains("nope.html"),
        "{body}"
    );
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let dir = site(SETTINGS);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_platen"))
        .args(["serve", "--addr", &addr])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("the address is already in use"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
