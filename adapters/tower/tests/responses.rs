//! TemplateResponse: lazy rendering, middleware between the layer and the
//! handler, status, headers, content type, pass-through of other responses.

mod common;

use std::convert::Infallible;

use common::{Body, Site, text};
use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use platen::Context;
use platen_tower::{TemplateResponse, Templates, TemplatesLayer};
use tower::{Service, ServiceBuilder, ServiceExt};

fn site() -> Site {
    Site::new(
        false,
        &["platen.request"],
        &[
            (
                "base.html",
                "<main>{% block body %}{% endblock %}</main>{{ footer|default:'' }}",
            ),
            (
                "page.html",
                "{% extends 'base.html' %}{% block body %}Hi {{ name }}{% endblock %}",
            ),
            ("other.html", "other {{ name }} {{ extra }}"),
            ("feed.xml", "<feed>{{ name }}</feed>"),
        ],
    )
}

async fn handler(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(match req.uri().path() {
        "/plain" => Response::new(Body::from("not a template")),
        "/feed" => TemplateResponse::new(["feed.xml"], platen::context! { name => "n" })
            .content_type(HeaderValue::from_static("application/atom+xml"))
            .status(StatusCode::CREATED)
            .header(
                HeaderName::from_static("x-one"),
                HeaderValue::from_static("1"),
            )
            .into_response(),
        "/manual" => {
            // A response built by hand, with the extension inserted.
            let mut r = Response::new(Body::default());
            r.extensions_mut().insert(TemplateResponse::new(
                ["page.html"],
                platen::context! { name => "manual" },
            ));
            r
        }
        _ => TemplateResponse::new(["page.html"], platen::context! { name => "<Ann>" })
            .into_response(),
    })
}

#[tokio::test]
async fn renders_after_the_handler() {
    let site = site();
    let svc = ServiceBuilder::new()
        .layer(site.layer())
        .service_fn(handler);
    let r = svc
        .clone()
        .oneshot(Request::get("/").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.extensions().get::<TemplateResponse>().is_none());
    let len: usize = r.headers()[CONTENT_LENGTH]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = text(r).await;
    assert_eq!(body, "<main>Hi &lt;Ann&gt;</main>");
    assert_eq!(len, body.len());

    let body = text(
        svc.clone()
            .oneshot(Request::get("/manual").body(Body::default()).unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body, "<main>Hi manual</main>");

    let r = svc
        .clone()
        .oneshot(Request::get("/plain").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert!(r.headers().get("content-type").is_none());
    assert_eq!(text(r).await, "not a template");
}

#[tokio::test]
async fn status_headers_and_content_type_are_settable() {
    let site = site();
    let svc = ServiceBuilder::new()
        .layer(site.layer())
        .service_fn(handler);
    let r = svc
        .oneshot(Request::get("/feed").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["content-type"], "application/atom+xml");
    assert_eq!(r.headers()["x-one"], "1");
    assert_eq!(text(r).await, "<feed>n</feed>");
}

#[tokio::test]
async fn middleware_between_changes_the_context_and_template() {
    let site = site();
    let svc = ServiceBuilder::new()
        .layer(site.layer())
        // Django's process_template_response: runs after the handler, before rendering.
        .map_response(|mut r: Response<Body>| {
            if let Some(tr) = r.extensions_mut().get_mut::<TemplateResponse>() {
                tr.context_mut().insert("footer", "<b>mw</b>");
                if tr.context().get("name").and_then(|v| v.as_str()) == Some("manual") {
                    tr.set_template_names(["other.html"]);
                    tr.set_context(platen::context! { name => "replaced", extra => "ctx" });
                }
            }
            *r.status_mut() = StatusCode::ACCEPTED;
            r
        })
        .service_fn(handler);
    let r = svc
        .clone()
        .oneshot(Request::get("/").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(
        text(r).await,
        "<main>Hi &lt;Ann&gt;</main>&lt;b&gt;mw&lt;/b&gt;"
    );
    let r = svc
        .oneshot(Request::get("/manual").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(text(r).await, "other replaced ctx");
}

#[tokio::test]
async fn using_picks_one_engine() {
    let site = site();
    let svc = ServiceBuilder::new()
        .layer(site.layer().debug(true))
        .service_fn(|req: Request<Body>| async move {
            let engine = if req.uri().path() == "/dtl" {
                "dtl"
            } else {
                "nope"
            };
            Ok::<_, Infallible>(
                TemplateResponse::new(["other.html"], platen::context! { name => "u" })
                    .using(engine)
                    .into_response::<Body>(),
            )
        });
    let r = svc
        .clone()
        .oneshot(Request::get("/dtl").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(text(r).await, "other u ");
    let r = svc
        .oneshot(Request::get("/x").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(text(r).await.contains("no engine named `nope`"));
}

#[tokio::test]
async fn service_accessors() {
    let site = site();
    let layer: TemplatesLayer = site.layer();
    let mut svc: Templates<_> = tower::Layer::layer(&layer, tower::service_fn(handler));
    let _ = svc.get_ref();
    let _ = svc.get_mut();
    let r = svc
        .ready()
        .await
        .unwrap()
        .call(Request::get("/").body(Body::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _inner = svc.into_inner();
    let _ = Context::new();
}
