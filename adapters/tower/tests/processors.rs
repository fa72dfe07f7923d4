//! Context processors named in settings: order, overriding, built-ins,
//! registered ones, and settings errors for unknown names.

mod common;

use std::convert::Infallible;

use common::{Body, Site, text};
use http::{Request, Response};
use platen::{Context, ErrorKind};
use platen_tower::{ContextProcessors, CsrfToken, SharedEngines, TemplateResponse, TemplatesLayer};
use tower::{ServiceBuilder, ServiceExt};

fn registry() -> ContextProcessors {
    let mut p = ContextProcessors::new();
    p.register("site.first", |_: &platen::Request| {
        platen::context! { x => "first", y => "first", only_first => "yes" }
    });
    p.register("site.second", |req: &platen::Request| {
        platen::context! { x => "second", who => req.header("x-user").unwrap_or("nobody").to_owned() }
    });
    p
}

async fn page(_req: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(TemplateResponse::new(
        ["missing.html", "page.html"],
        platen::context! { y => "handler" },
    )
    .into_response())
}

#[tokio::test]
async fn processors_run_in_order_and_the_handler_wins() {
    let site = Site::new(
        false,
        &[
            "platen.request",
            "site.first",
            "site.second",
            "platen.static",
            "platen.csrf",
            "platen.debug",
        ],
        &[(
            "page.html",
            "x={{ x }} y={{ y }} first={{ only_first }} who={{ who }} static={{ STATIC_URL }} \
             m={{ request.method }} p={{ request.path }} q={{ request.GET.q }} ua={{ request.headers.user_agent }} \
             sid={{ request.cookies.sid }} csrf={{ csrf_token }} debug={{ debug }} rt={{ rendered_templates|length }}",
        )],
    );
    let svc = ServiceBuilder::new()
        // A CSRF layer outside the templates layer issues the token.
        .map_request(|mut req: Request<Body>| {
            req.extensions_mut().insert(CsrfToken("tok123".into()));
            req
        })
        .layer(site.layer_with(&registry()))
        .service_fn(page);
    let req = Request::get("/shop/?q=a+b%21")
        .header("user-agent", "tester")
        .header("x-user", "ann")
        .header("cookie", "sid=s1; other=2")
        .body(Body::default())
        .unwrap();
    let response = svc.oneshot(req).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let body = text(response).await;
    assert_eq!(
        body,
        "x=second y=handler first=yes who=ann static=/assets/ m=GET p=/shop/ q=a b! ua=tester \
         sid=s1 csrf=tok123 debug=False rt=0"
    );
}

#[tokio::test]
async fn debug_processor_lists_rendered_templates_in_debug_mode() {
    let site = Site::new(
        true,
        &["platen.debug"],
        &[
            ("fragment.html", "frag"),
            (
                "page.html",
                "{{ debug }} {% for t in rendered_templates %}[{{ t }}]{% endfor %}",
            ),
        ],
    );
    let svc =
        ServiceBuilder::new()
            .layer(site.layer())
            .service_fn(|req: Request<Body>| async move {
                // A handler may render now, through the engines the layer shares.
                let engines = req.extensions().get::<SharedEngines>().unwrap();
                assert_eq!(
                    engines.render(["fragment.html"], Context::new()).unwrap(),
                    "frag"
                );
                Ok::<_, Infallible>(
                    TemplateResponse::new(["page.html"], Context::new()).into_response::<Body>(),
                )
            });
    let body = text(
        svc.oneshot(Request::get("/").body(Body::default()).unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body, "True [fragment.html][page.html]");
}

#[tokio::test]
async fn csrf_token_tag_uses_the_token() {
    let site = Site::new(
        false,
        &["platen.csrf"],
        &[("form.html", "<form>{% csrf_token %}</form>")],
    );
    let svc = ServiceBuilder::new()
        .map_request(|mut req: Request<Body>| {
            req.extensions_mut().insert(CsrfToken("abc".into()));
            req
        })
        .layer(site.layer())
        .service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(
                TemplateResponse::new(["form.html"], Context::new()).into_response::<Body>(),
            )
        });
    let body = text(
        svc.oneshot(Request::get("/").body(Body::default()).unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert!(
        body.contains("name=\"csrfmiddlewaretoken\" value=\"abc\""),
        "{body}"
    );
}

#[test]
fn unknown_processor_names_its_key_and_file() {
    let site = Site::new(false, &["platen.request", "site.nope"], &[]);
    let err = TemplatesLayer::from_settings(&site.settings, site.engines()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    assert_eq!(
        err.settings_key(),
        Some("templates[0].options.context_processors[1]")
    );
    let text = err.to_string();
    assert!(
        text.contains("unknown context processor `site.nope`"),
        "{text}"
    );
    assert!(
        text.contains(&site.settings_file().display().to_string()),
        "{text}"
    );
    // Registered, the same name is fine.
    let mut p = ContextProcessors::new();
    p.register("site.nope", |_: &platen::Request| Context::new());
    TemplatesLayer::from_settings_with(&site.settings, site.engines(), &p).unwrap();
}

#[test]
fn django_names_are_accepted() {
    let site = Site::new(
        false,
        &[
            "django.template.context_processors.request",
            "django.template.context_processors.debug",
            "django.template.context_processors.csrf",
            "django.template.context_processors.static",
        ],
        &[],
    );
    TemplatesLayer::from_settings(&site.settings, site.engines()).unwrap();
}

#[tokio::test]
async fn a_list_given_to_the_layer_applies_to_every_engine() {
    let site = Site::new(
        false,
        &[],
        &[("p.html", "{{ STATIC_URL }}|{{ request.path }}")],
    );
    let layer = TemplatesLayer::new(site.engines())
        .static_url("/s/")
        .context_processors(&ContextProcessors::new(), ["platen.static"])
        .unwrap();
    let svc = ServiceBuilder::new()
        .layer(layer)
        .service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(
                TemplateResponse::new(["p.html"], Context::new()).into_response::<Body>(),
            )
        });
    let body = text(
        svc.oneshot(Request::get("/x").body(Body::default()).unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body, "/s/|");

    let err = TemplatesLayer::new(site.engines())
        .context_processors(&ContextProcessors::new(), ["platen.static", "nope"])
        .unwrap_err();
    assert_eq!(err.settings_key(), Some("context_processors[1]"));
}
