//! The axum integration (feature `axum`): `TemplateResponse` is a response,
//! `SharedEngines` an extractor, and the layer wraps a `Router`.
#![cfg(feature = "axum")]

mod common;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::{Site, text};
use http::{Request, StatusCode};
use platen_tower::{SharedEngines, TemplateResponse};
use tower::ServiceExt;

async fn page() -> TemplateResponse {
    TemplateResponse::new(["page.html"], platen::context! { name => "axum" })
}

async fn eager(engines: SharedEngines) -> String {
    engines
        .render(["page.html"], platen::context! { name => "now" })
        .unwrap()
}

#[tokio::test]
async fn router_with_the_layer() {
    let site = Site::new(
        false,
        &["platen.request"],
        &[("page.html", "{{ name }} at {{ request.path }}")],
    );
    let app = Router::new()
        .route("/", get(page))
        .route("/eager", get(eager))
        .layer(site.layer());
    let r = app
        .clone()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(text(r).await, "axum at /");
    let r = app
        .oneshot(Request::get("/eager").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(text(r).await, "now at /eager");
}

#[tokio::test]
async fn the_extractor_without_the_layer_is_a_500() {
    let app = Router::new().route("/eager", get(eager));
    let r = app
        .oneshot(Request::get("/eager").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(text(r).await.contains("TemplatesLayer"));
}
