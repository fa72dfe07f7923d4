//! The example site through a real hyper server on an ephemeral 127.0.0.1
//! port (and the axum router with `oneshot`), requested as a browser would.
//! Every test is bounded by a timeout and stops its server when it ends.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use platen_example_site::server::serve;
use platen_example_site::{Site, axum_app};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// A running server; dropping it stops it.
struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The example site as shipped, with `debug` forced.
fn site(debug: bool) -> Site {
    let figment = platen::Settings::figment(Some(&Site::default_settings_file()))
        .unwrap()
        .merge(("debug", debug));
    let settings = platen::Settings::from_figment(
        figment,
        Site::default_settings_file().parent().unwrap(),
        None,
    )
    .unwrap();
    Site::from_settings(&settings, platen_example_site::blog::Blog::sample()).unwrap()
}

async fn start(site: &Site) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(serve(listener, site.service()));
    Server { addr, task }
}

/// One GET on a new connection: status, content type and body.
async fn get(addr: SocketAddr, path: &str) -> (StatusCode, String, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    let req = Request::get(path)
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(req).await.unwrap();
    let status = response.status();
    let ctype = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    drop(sender);
    conn.abort();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test took too long");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_page_with_includes_filter_tag_and_urls() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let (status, ctype, body) = get(server.addr, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ctype, "text/html; charset=utf-8");
        assert!(body.starts_with("<!doctype html>"), "{body}");
        assert!(body.contains("<title>Posts · the platen blog</title>"), "{body}");
        assert!(body.contains(r#"<link rel="stylesheet" href="/static/site.css">"#), "{body}");
        // Every post has a card (an include), newest first, its URL reversed.
        let first = body.find(r#"<a href="/posts/when-pages-fail/">When a page fails to render</a>"#).unwrap();
        let last = body.find(r#"<a href="/posts/hello-platen/">Hello, platen</a>"#).unwrap();
        assert!(first < last);
        assert_eq!(body.matches("<article class=\"card\">").count(), 5);
        // The custom filter and the inclusion tag (with urls inside).
        assert!(body.contains("· Ada · 1 min read</p>"), "{body}");
        assert!(body.contains(r##"<ul class="tag-links"><li><a href="/tags/errors/">#errors</a></li><li><a href="/tags/dtl/">#dtl</a></li></ul>"##), "{body}");
        // The date filter on real dates, Django's "N j, Y".
        assert!(body.contains(r#"<time datetime="2025-02-03">Feb. 3, 2025</time>"#), "{body}");
        // Autoescaping of data.
        assert!(body.contains("Escaping &lt;script&gt; tags, automatically"), "{body}");
        assert!(!body.contains("<script>"), "{body}");
        // The request context processor marks the current page.
        assert!(body.contains(r#"<a href="/" aria-current="page">Posts</a>"#), "{body}");
        // Nothing of the template language is left over.
        assert!(!body.contains("{%") && !body.contains("{{"), "{body}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_page_by_slug_and_tag_pages() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let (status, _, body) = get(server.addr, "/posts/template-inheritance/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<title>Template inheritance, one block at a time · the platen blog</title>"), "{body}");
        assert!(body.contains(r#"<time datetime="2025-02-03">Monday, February 3, 2025</time> · by Grace · 1 min read"#), "{body}");
        assert!(body.contains("<p>Every page of this site extends base.html."), "{body}");
        // Neighbours, reversed with keyword arguments.
        assert!(body.contains(r#"<a class="newer" href="/posts/escaping-script-tags/">&larr; Escaping &lt;script&gt; tags, automatically</a>"#), "{body}");
        assert!(body.contains(r#"<a class="older" href="/posts/hello-platen/">Hello, platen &rarr;</a>"#), "{body}");

        let (status, _, body) = get(server.addr, "/tags/security/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Posts about <em>security</em>"), "{body}");
        assert_eq!(body.matches("<article class=\"card\">").count(), 1);
        assert!(body.contains(r#"<a href="/tags/security/" aria-current="page">security</a>"#), "{body}");

        for missing in ["/posts/no-such-post/", "/tags/nothing/", "/posts/hello-platen", "/nope"] {
            let (status, _, body) = get(server.addr, missing).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
            assert!(body.contains("<h1>Page not found</h1>"), "{body}");
            assert!(body.contains(&format!("There is nothing at <code>{missing}</code>")), "{body}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handlebars_page_beside_the_dtl_ones() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let (status, _, body) = get(server.addr, "/about/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("<title>About · the platen blog</title>"),
            "{body}"
        );
        assert!(
            body.contains(r#"<link rel="stylesheet" href="/static/site.css">"#),
            "{body}"
        );
        assert!(
            body.contains("5 posts so far, written by Grace, Linus and Ada."),
            "{body}"
        );
        assert!(
            body.contains("You asked for <code>/about/</code>."),
            "{body}"
        );
        assert!(body.contains("Rendered by the Handlebars engine"), "{body}");
        assert!(!body.contains("{{"), "{body}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_500_page_hides_the_error_and_debug_shows_it() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let (status, _, body) = get(server.addr, "/broken/").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("<h1>Something went wrong</h1>"), "{body}");
        assert!(!body.contains("NoReverseMatch"), "{body}");
        assert!(!body.contains(&site.static_dir().parent().unwrap().display().to_string()), "{body}");

        let debug = site_debug();
        let server = start(&debug).await;
        let (status, _, body) = get(server.addr, "/broken/").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            body.contains("NoReverseMatch: Reverse for &#x27;post&#x27; with no arguments not found. 1 pattern(s) tried: [&#x27;posts/{slug}/&#x27;]"),
            "{body}"
        );
        assert!(body.contains("<tr class=\"error\"><th>&gt; 6</th>"), "{body}");
    })
    .await;
}

fn site_debug() -> Site {
    site(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_and_no_way_out_of_the_static_dir() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let (status, ctype, body) = get(server.addr, "/static/site.css").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ctype, "text/css");
        assert_eq!(
            body,
            std::fs::read_to_string(site.static_dir().join("site.css")).unwrap()
        );
        let (status, ctype, _) = get(server.addr, "/static/logo.svg").await;
        assert_eq!((status, ctype.as_str()), (StatusCode::OK, "image/svg+xml"));
        for path in [
            "/static/../platen.toml",
            "/static/%2e%2e/platen.toml",
            "/static/%2e%2e%2fplaten.toml",
            "/static/nope.css",
        ] {
            let (status, _, body) = get(server.addr, path).await;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{path}: {status}"
            );
            assert!(!body.contains("[[templates]]"), "{path}: {body}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_match_the_single_threaded_output() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let paths = [
            "/",
            "/posts/hello-platen/",
            "/tags/dtl/",
            "/about/",
            "/nope",
        ];
        let mut expected = Vec::new();
        for path in paths {
            expected.push(get(server.addr, path).await);
        }
        let addr = server.addr;
        let mut threads = tokio::task::JoinSet::new();
        for t in 0..8 {
            let expected = expected.clone();
            threads.spawn(async move {
                for i in 0..50 {
                    let k = (t + i) % paths.len();
                    assert_eq!(get(addr, paths[k]).await, expected[k], "{}", paths[k]);
                }
            });
        }
        let mut done = 0;
        while let Some(result) = threads.join_next().await {
            result.unwrap();
            done += 1;
        }
        assert_eq!(done, 8);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_router_serves_the_same_pages() {
    bounded(async {
        let site = site(false);
        let server = start(&site).await;
        let app = axum_app::router(&site);
        for path in [
            "/",
            "/posts/when-pages-fail/",
            "/tags/rust/",
            "/about/",
            "/broken/",
            "/posts/nope/",
            "/nope",
            "/static/site.css",
        ] {
            let response = app
                .clone()
                .oneshot(Request::get(path).body(axum::body::Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let (want_status, _, want_body) = get(server.addr, path).await;
            assert_eq!(status, want_status, "{path}");
            assert_eq!(
                String::from_utf8(body.to_vec()).unwrap(),
                want_body,
                "{path}"
            );
        }
    })
    .await;
}
