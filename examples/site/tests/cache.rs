//! The site's fragment caches through a real hyper server on an ephemeral
//! 127.0.0.1 port (and the axum router with `oneshot`): post cards, the
//! post list and the topics sidebar are served from the cache until the
//! admin endpoint edits a post and expires `post:<slug>`; with the `dummy`
//! backend everything renders fresh. Every test is bounded by a timeout and
//! stops its server when it ends.
//!
//! "A test-only data change" below is [`Blog::edit`] called directly: it
//! changes what a page would render without expiring anything, so a page
//! still showing the old text was served from the cache.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use platen::cache::Stats;
use platen_example_site::blog::{Blog, Edit};
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

/// The example site as shipped, with `backend` for the default cache when
/// given (the settings built in code, as
/// `PLATEN_CACHES__DEFAULT__BACKEND=dummy` would).
fn site(backend: Option<&str>) -> Site {
    let mut figment = platen::Settings::figment(Some(&Site::default_settings_file()))
        .unwrap()
        .merge(("debug", false));
    if let Some(backend) = backend {
        figment = figment.merge(("caches.default.backend", backend));
    }
    let settings = platen::Settings::from_figment(
        figment,
        Site::default_settings_file().parent().unwrap(),
        None,
    )
    .unwrap();
    if let Some(backend) = backend {
        assert_eq!(settings.caches["default"].backend, backend);
    }
    Site::from_settings(&settings, Blog::sample()).unwrap()
}

async fn start(site: &Site) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(serve(listener, site.service()));
    Server { addr, task }
}

/// One request on a new connection: status and body.
async fn request(addr: SocketAddr, method: Method, path: &str, body: &str) -> (StatusCode, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    if !body.is_empty() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let response = sender.send_request(req).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    drop(sender);
    conn.abort();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn get(addr: SocketAddr, path: &str) -> String {
    let (status, body) = request(addr, Method::GET, path, "").await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test took too long");
}

fn stats(site: &Site) -> Stats {
    site.caches().default_cache().stats().unwrap()
}

/// `(hits, misses)` since `before`.
fn delta(site: &Site, before: &Stats) -> (u64, u64) {
    let now = stats(site);
    (now.hits - before.hits, now.misses - before.misses)
}

fn title(t: &str) -> Edit {
    Edit {
        title: Some(t.into()),
        summary: None,
    }
}

const HELLO: &str = r#"<a href="/posts/hello-platen/">Hello, platen</a>"#;
const FAILS: &str = r#"<a href="/posts/when-pages-fail/">When a page fails to render</a>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_stay_cached_until_their_post_is_expired() {
    bounded(async {
        let site = site(None);
        let server = start(&site).await;
        // Cold: the list block, five cards and the sidebar are rendered.
        let before = stats(&site);
        let cold = get(server.addr, "/").await;
        assert_eq!(delta(&site, &before), (0, 7));
        assert!(cold.contains(HELLO), "{cold}");
        // Warm: the list block and the sidebar come from the cache, the
        // cards inside the list block are not even looked up.
        let before = stats(&site);
        let warm = get(server.addr, "/").await;
        assert_eq!(warm, cold, "byte-identical warm");
        assert_eq!(delta(&site, &before), (2, 0));

        // The data changes, nothing is expired: the page is the cached one.
        assert!(site.blog().edit("hello-platen", &title("Changed quietly")));
        assert_eq!(get(server.addr, "/").await, cold);
        // The detail page is not cached: it shows the change.
        assert!(
            get(server.addr, "/posts/hello-platen/")
                .await
                .contains("<h1>Changed quietly</h1>")
        );

        // Expiring the post re-renders what showed it: its card, the list
        // block around it, the sidebar (which depends on every post).
        let n = site
            .caches()
            .default_cache()
            .expire("post:hello-platen")
            .unwrap();
        assert_eq!(n, 3, "card, list block and sidebar");
        let before = stats(&site);
        let page = get(server.addr, "/").await;
        assert_eq!(
            delta(&site, &before),
            (4, 3),
            "four other cards from the cache"
        );
        assert!(
            page.contains(r#"<a href="/posts/hello-platen/">Changed quietly</a>"#),
            "{page}"
        );
        assert_eq!(page.replace("Changed quietly", "Hello, platen"), cold);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_re_renders_exactly_that_posts_fragments() {
    bounded(async {
        let site = site(None);
        let server = start(&site).await;
        let cold = get(server.addr, "/").await;
        let dtl_cold = get(server.addr, "/tags/dtl/").await;
        assert!(dtl_cold.contains(FAILS), "{dtl_cold}");

        // Another post changes without an expiry (a test-only change).
        assert!(site.blog().edit("hello-platen", &title("Changed quietly")));

        // The admin endpoint edits one post, from the query string.
        let (status, text) = request(
            server.addr,
            Method::POST,
            "/admin/posts/when-pages-fail/?title=Failing+%3Cwell%3E",
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        // The home page's card, list block and sidebar, the same three on
        // the dtl tag page (the card of a post is one fragment everywhere).
        assert_eq!(text, "edited post:when-pages-fail; expired 5 fragment(s)\n");

        let before = stats(&site);
        let page = get(server.addr, "/").await;
        // List block, the edited card and the sidebar missed; the four
        // other cards were hits, so the quietly changed one is still old.
        assert_eq!(delta(&site, &before), (4, 3));
        assert!(
            page.contains(r#"<a href="/posts/when-pages-fail/">Failing &lt;well&gt;</a>"#),
            "{page}"
        );
        assert!(page.contains(HELLO), "served from the cache: {page}");
        assert_eq!(
            page.replace(
                r#"Failing &lt;well&gt;</a>"#,
                "When a page fails to render</a>"
            ),
            cold
        );
        // The tag page shares the card fragment, already rendered again.
        let dtl = get(server.addr, "/tags/dtl/").await;
        assert!(dtl.contains("Failing &lt;well&gt;"), "{dtl}");

        // The summary, from a form body; other cards still come from the cache.
        let (status, text) = request(
            server.addr,
            Method::POST,
            "/admin/posts/when-pages-fail/",
            "summary=A+new+summary.",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let page = get(server.addr, "/").await;
        assert!(page.contains("<p>A new summary.</p>"), "{page}");
        assert!(page.contains(HELLO), "{page}");

        // Mistakes are plain-text errors, and change nothing.
        for (method, path, body, want) in [
            (
                Method::POST,
                "/admin/posts/nope/",
                "title=x",
                StatusCode::NOT_FOUND,
            ),
            (
                Method::POST,
                "/admin/posts/hello-platen/",
                "",
                StatusCode::BAD_REQUEST,
            ),
            (
                Method::POST,
                "/admin/posts/hello-platen/",
                "title=",
                StatusCode::BAD_REQUEST,
            ),
            (
                Method::POST,
                "/admin/posts/hello-platen/",
                "author=me",
                StatusCode::BAD_REQUEST,
            ),
            (
                Method::GET,
                "/admin/posts/hello-platen/",
                "",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            (
                Method::POST,
                "/admin/cache/",
                "",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            (Method::GET, "/admin/nope/", "", StatusCode::NOT_FOUND),
        ] {
            let (status, text) = request(server.addr, method.clone(), path, body).await;
            assert_eq!(status, want, "{method} {path} {body}: {text}");
        }
        assert_eq!(get(server.addr, "/").await, page);

        // The statistics, as plain text.
        let text = get(server.addr, "/admin/cache/").await;
        assert!(text.starts_with("[default]\nentries: "), "{text}");
        assert!(
            text.contains(&format!("\nhits: {}\n", stats(&site).hits)),
            "{text}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_router_edits_and_expires_too() {
    bounded(async {
        let site = site(None);
        let app = axum_app::router(&site);
        let call = |method: Method, path: &str, body: &'static str| {
            let app = app.clone();
            let req = Request::builder()
                .method(method)
                .uri(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .unwrap();
            async move {
                let response = app.oneshot(req).await.unwrap();
                let status = response.status();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        let (_, cold) = call(Method::GET, "/", "").await;
        assert!(site.blog().edit("hello-platen", &title("Changed quietly")));
        let (status, text) = call(
            Method::POST,
            "/admin/posts/when-pages-fail/",
            "title=On+axum",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(text, "edited post:when-pages-fail; expired 3 fragment(s)\n");
        let (_, page) = call(Method::GET, "/", "").await;
        assert!(
            page.contains(r#"<a href="/posts/when-pages-fail/">On axum</a>"#),
            "{page}"
        );
        assert!(page.contains(HELLO), "served from the cache: {page}");
        assert_eq!(
            page.replace("On axum</a>", "When a page fails to render</a>"),
            cold
        );
        let (status, _) = call(Method::POST, "/admin/posts/nope/", "title=x").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, text) = call(Method::GET, "/admin/cache/", "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.starts_with("[default]\n"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dummy_backend_renders_everything_fresh() {
    bounded(async {
        let cached = site(None);
        let cached_server = start(&cached).await;
        let site = site(Some("dummy"));
        let server = start(&site).await;
        // Cached (cold, then warm) and uncached pages are byte-identical.
        for path in ["/", "/tags/dtl/", "/posts/hello-platen/"] {
            let cold = get(cached_server.addr, path).await;
            assert_eq!(get(cached_server.addr, path).await, cold, "{path} warm");
            assert_eq!(get(server.addr, path).await, cold, "{path} uncached");
        }
        let before = stats(&site);
        let first = get(server.addr, "/").await;
        assert_eq!(
            delta(&site, &before),
            (0, 0),
            "the dummy backend counts nothing"
        );
        // Every change shows at once, with no expiry.
        assert!(site.blog().edit("hello-platen", &title("Changed quietly")));
        let page = get(server.addr, "/").await;
        assert!(
            page.contains(r#"<a href="/posts/hello-platen/">Changed quietly</a>"#),
            "{page}"
        );
        assert_eq!(page.replace("Changed quietly", "Hello, platen"), first);
        assert_eq!(stats(&site).entries, Some(0));
        // The admin endpoint works the same; nothing was cached to expire.
        let (status, text) = request(
            server.addr,
            Method::POST,
            "/admin/posts/hello-platen/?title=Again",
            "",
        )
        .await;
        assert_eq!(
            (status, text.as_str()),
            (
                StatusCode::OK,
                "edited post:hello-platen; expired 0 fragment(s)\n"
            )
        );
        assert!(get(server.addr, "/").await.contains("Again</a>"));
    })
    .await;
}
