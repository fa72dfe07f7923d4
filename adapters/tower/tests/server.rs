//! Through a real hyper server on an ephemeral 127.0.0.1 port: rendering,
//! concurrent requests, errors and auto-reload. Every test is bounded by a
//! timeout and stops its server when it ends.

mod common;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use common::Site;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use platen_tower::{TemplateResponse, TemplatesLayer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tower::ServiceBuilder;

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

async fn handler(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let n: i64 = req
        .uri()
        .query()
        .and_then(|q| q.strip_prefix("n="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let name = if req.uri().path() == "/missing" {
        "missing.html"
    } else {
        "page.html"
    };
    let items: Vec<i64> = (0..n).collect();
    Ok(TemplateResponse::new([name], platen::context! { n => n, items => items }).into_response())
}

/// Serves `layer` around [`handler`] on 127.0.0.1, an ephemeral port.
async fn serve(layer: TemplatesLayer) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let svc = ServiceBuilder::new().layer(layer).service_fn(handler);
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let svc = TowerToHyperService::new(svc.clone());
            connections.spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Server { addr, task }
}

/// One GET on a new connection: the status and the body.
async fn get(addr: SocketAddr, path: &str) -> (StatusCode, String) {
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
    let body = response.into_body().collect().await.unwrap().to_bytes();
    drop(sender);
    conn.abort();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Runs `test` with a 30-second limit.
async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(30), test)
        .await
        .expect("the test took too long");
}

fn templates() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "base.html",
            "<h1>{% block title %}{% endblock %}</h1>{% block body %}{% endblock %}",
        ),
        (
            "page.html",
            "{% extends 'base.html' %}{% block title %}n={{ n }} {{ request.path }}{% endblock %}\
             {% block body %}{% for i in items %}{% cycle 'a' 'b' %}{{ i }}{% ifchanged i %}!{% endifchanged %}{% endfor %}{% endblock %}",
        ),
    ]
}

fn expected(n: i64) -> String {
    let mut body = format!("<h1>n={n} /p</h1>");
    for i in 0..n {
        body.push_str(&format!("{}{i}!", if i % 2 == 0 { 'a' } else { 'b' }));
    }
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_render_identically() {
    bounded(async {
        let site = Site::new(false, &["platen.request"], &templates());
        let server = serve(site.layer()).await;
        let addr = server.addr;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..32 {
            let n = (i % 4) * 5 + 3;
            tasks.spawn(async move { (n, get(addr, &format!("/p?n={n}")).await) });
        }
        let mut seen = 0;
        while let Some(result) = tasks.join_next().await {
            let (n, (status, body)) = result.unwrap();
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, expected(n));
            seen += 1;
        }
        assert_eq!(seen, 32);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneshot_concurrency_on_a_shared_service() {
    use tower::ServiceExt;
    bounded(async {
        let site = Site::new(true, &["platen.request"], &templates());
        let svc = ServiceBuilder::new().layer(site.layer()).service_fn(
            |req: Request<Full<Bytes>>| async move {
                let n: i64 = req
                    .uri()
                    .query()
                    .and_then(|q| q.strip_prefix("n="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let items: Vec<i64> = (0..n).collect();
                Ok::<_, Infallible>(
                    TemplateResponse::new(
                        ["page.html"],
                        platen::context! { n => n, items => items },
                    )
                    .into_response::<Full<Bytes>>(),
                )
            },
        );
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..32 {
            let svc = svc.clone();
            let n = (i % 3) * 7 + 1;
            tasks.spawn(async move {
                let r = svc
                    .oneshot(
                        Request::get(format!("/p?n={n}"))
                            .body(Full::default())
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                (n, r.into_body().collect().await.unwrap().to_bytes())
            });
        }
        while let Some(result) = tasks.join_next().await {
            let (n, body) = result.unwrap();
            assert_eq!(body, expected(n));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_over_the_wire() {
    bounded(async {
        let site = Site::new(false, &[], &templates());
        let server = serve(site.layer()).await;
        let (status, body) = get(server.addr, "/missing").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("Server Error (500)"), "{body}");
        assert!(!body.contains(&site.path().display().to_string()), "{body}");

        let debug = Site::new(true, &[], &templates());
        let server = serve(debug.layer()).await;
        let (status, body) = get(server.addr, "/missing").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("TemplateDoesNotExist"), "{body}");
        assert!(body.contains("missing.html"), "{body}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_reload_over_the_wire() {
    bounded(async {
        let site = Site::new(true, &["platen.request"], &templates());
        let server = serve(site.layer()).await;
        assert_eq!(get(server.addr, "/p?n=1").await.1, expected(1));
        site.edit("base.html", "<h2>{% block title %}{% endblock %}</h2>");
        let mut body = String::new();
        for _ in 0..40 {
            body = get(server.addr, "/p?n=1").await.1;
            if body.starts_with("<h2>") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(body, "<h2>n=1 /p</h2>");
    })
    .await;
}
