//! Auto-reload: in debug mode an edited template shows on the next request;
//! in production the cached version keeps being served.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use common::{Body, Site, text};
use http::{Request, Response};
use platen_tower::TemplateResponse;
use tower::{ServiceBuilder, ServiceExt};

async fn handler(_req: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(TemplateResponse::new(["page.html"], platen::context! { n => 1 }).into_response())
}

fn templates() -> Vec<(&'static str, &'static str)> {
    vec![
        ("base.html", "[{% block b %}{% endblock %}]"),
        (
            "page.html",
            "{% extends 'base.html' %}{% block b %}v1 {{ n }}{% endblock %}",
        ),
    ]
}

async fn fetch<S>(svc: &S) -> String
where
    S: tower::Service<
            Request<Body>,
            Response = Response<platen_tower::ResponseBody<Body>>,
            Error = Infallible,
        > + Clone,
{
    text(
        svc.clone()
            .oneshot(Request::get("/").body(Body::default()).unwrap())
            .await
            .unwrap(),
    )
    .await
}

/// Asks until `want` shows, for at most two seconds (the file watcher
/// reports on its own thread); returns the last body.
async fn until<S>(svc: &S, want: &str) -> String
where
    S: tower::Service<
            Request<Body>,
            Response = Response<platen_tower::ResponseBody<Body>>,
            Error = Infallible,
        > + Clone,
{
    let mut body = String::new();
    for _ in 0..40 {
        body = fetch(svc).await;
        if body == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    body
}

#[tokio::test]
async fn debug_mode_shows_an_edit_on_the_next_request() {
    let site = Site::new(true, &[], &templates());
    let svc = ServiceBuilder::new()
        .layer(site.layer())
        .service_fn(handler);
    assert_eq!(fetch(&svc).await, "[v1 1]");
    site.edit(
        "page.html",
        "{% extends 'base.html' %}{% block b %}v2 {{ n }}{% endblock %}",
    );
    assert_eq!(until(&svc, "[v2 1]").await, "[v2 1]");
    // A parent's edit shows too.
    site.edit("base.html", "<{% block b %}{% endblock %}>");
    assert_eq!(until(&svc, "<v2 1>").await, "<v2 1>");
}

#[tokio::test]
async fn production_keeps_the_cached_version() {
    let site = Site::new(false, &[], &templates());
    let layer = site.layer();
    let engines = layer.engines().clone();
    let svc = ServiceBuilder::new().layer(layer).service_fn(handler);
    assert_eq!(fetch(&svc).await, "[v1 1]");
    site.edit(
        "page.html",
        "{% extends 'base.html' %}{% block b %}v2 {{ n }}{% endblock %}",
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        assert_eq!(fetch(&svc).await, "[v1 1]");
    }
    // Until the engines are reset (a deploy's reload).
    engines.reset();
    assert_eq!(fetch(&svc).await, "[v2 1]");
}
