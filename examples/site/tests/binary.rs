//! The site's binaries as a user runs them: the start-up line with the
//! address, and a clear error when the port is taken.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

/// Runs `bin --addr addr` and returns the child and its first stdout line.
fn start(bin: &str, addr: &str) -> (std::process::Child, String) {
    let mut child = Command::new(bin)
        .args(["--addr", addr])
        .env_remove("PLATEN_SETTINGS")
        .env_remove("PLATEN_DEBUG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the site binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

fn get(addr: &str, path: &str) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn both_binaries_print_their_address_and_serve() {
    for bin in [
        env!("CARGO_BIN_EXE_platen-example-site"),
        env!("CARGO_BIN_EXE_platen-example-site-axum"),
    ] {
        let (mut child, line) = start(bin, "127.0.0.1:0");
        let addr = line
            .trim()
            .strip_prefix("platen example site: http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| panic!("{bin} printed {line:?}"))
            .to_owned();
        assert!(addr.starts_with("127.0.0.1:"), "{line}");
        let response = get(&addr, "/posts/hello-platen/");
        child.kill().ok();
        child.wait().ok();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        assert!(response.contains("<h1>Hello, platen</h1>"), "{response}");
    }
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_platen-example-site"))
        .args(["--addr", &addr])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: cannot listen on {addr}: the address is already in use"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn the_load_test_peer_serves_the_same_list_page() {
    let (mut site, line) = start(env!("CARGO_BIN_EXE_platen-example-site"), "127.0.0.1:0");
    let site_addr = line
        .trim()
        .trim_start_matches("platen example site: http://")
        .trim_end_matches('/')
        .to_owned();
    let (mut peer, line) = start(
        env!("CARGO_BIN_EXE_platen-example-site-peer"),
        "127.0.0.1:0",
    );
    let peer_addr = line
        .trim()
        .trim_start_matches("minijinja peer: http://")
        .trim_end_matches('/')
        .to_owned();
    let body = |r: String| {
        r.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default()
    };
    let platen_page = body(get(&site_addr, "/"));
    let peer_page = body(get(&peer_addr, "/"));
    for child in [&mut site, &mut peer] {
        child.kill().ok();
        child.wait().ok();
    }
    assert!(
        platen_page.contains("<h1>Latest posts</h1>"),
        "{platen_page}"
    );
    assert_eq!(peer_page, platen_page);
}
