//! Render errors: the debug page (escaped), the production 500 page (with
//! and without `500.html`, never showing paths), and the error log.

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use common::{Body, Site, text};
use http::{Request, Response, StatusCode};
use platen_tower::TemplateResponse;
use tower::{ServiceBuilder, ServiceExt};

const HOSTILE_NAME: &str = "<script>alert(1)</script>.html";

/// Answers every request with the template named by the `t` query
/// parameter, with a hostile context key and value.
async fn handler(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    let name = match req.uri().query() {
        Some("t=hostile") => HOSTILE_NAME,
        Some("t=missing") => "nowhere/<img src=x>.html",
        Some("t=include") => "includes.html",
        _ => "ok.html",
    };
    let mut ctx = platen::context! { title => "<b>t</b>" };
    ctx.insert("<script>key", 1);
    Ok(TemplateResponse::new([name], ctx).into_response())
}

fn templates() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ok.html", "fine"),
        (
            HOSTILE_NAME,
            "line one <script>evil()</script>\n{% if %}<script>two</script>\nline three",
        ),
        ("includes.html", "before\n{% include 'broken.html' %}"),
        ("broken.html", "a\nb\n{{ x|nosuchfilter }}"),
    ]
}

async fn get(site: &Site, query: &str) -> (StatusCode, String) {
    let svc = ServiceBuilder::new()
        .layer(site.layer())
        .service_fn(handler);
    let r = svc
        .oneshot(
            Request::get(format!("/page?{query}"))
                .body(Body::default())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    (status, text(r).await)
}

/// No raw tag from the hostile inputs appears in `page`.
fn assert_escaped(page: &str) {
    for raw in ["<script>", "<img src=x>", "<b>t</b>"] {
        assert!(!page.contains(raw), "unescaped `{raw}` in:\n{page}");
    }
}

#[tokio::test]
async fn debug_page_for_a_syntax_error() {
    let site = Site::new(true, &["platen.request"], &templates());
    let (status, page) = get(&site, "t=hostile").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_escaped(&page);
    assert!(page.contains("TemplateSyntaxError"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.html"),
        "{page}"
    );
    // The error line is marked, and its neighbours are shown.
    assert!(
        page.contains("<tr class=\"error\"><th>&gt; 2</th>"),
        "{page}"
    );
    assert!(
        page.contains("line one &lt;script&gt;evil()&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("line three"), "{page}");
    assert!(page.contains("<mark>"), "{page}");
    assert!(page.contains("Line</th><td><pre>2, column"), "{page}");
    // The context's names, escaped (the processors have not run: the
    // template did not compile).
    assert!(page.contains("<code>&lt;script&gt;key</code>"), "{page}");
    assert!(page.contains("<code>title</code>"), "{page}");
}

#[tokio::test]
async fn debug_page_for_an_error_in_an_included_template() {
    let site = Site::new(true, &["platen.request"], &templates());
    let (status, page) = get(&site, "t=include").await;
    // The error happened while rendering: the context has the processors' names too.
    assert!(page.contains("<code>request</code>"), "{page}");
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.contains("broken.html"), "{page}");
    assert!(page.contains("nosuchfilter"), "{page}");
    assert!(
        page.contains("<tr class=\"error\"><th>&gt; 3</th>"),
        "{page}"
    );
}

#[tokio::test]
async fn debug_page_lists_the_places_tried() {
    let site = Site::new(true, &[], &templates());
    let (status, page) = get(&site, "t=missing").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_escaped(&page);
    assert!(page.contains("TemplateDoesNotExist"), "{page}");
    assert!(page.contains("Template-loader postmortem"), "{page}");
    // In debug mode the places tried are shown, paths included.
    let dir = site.templates().display().to_string();
    assert!(page.contains(&dir), "{page}");
    assert!(page.contains("nowhere/&lt;img src=x&gt;.html"), "{page}");
    assert!(
        page.contains("source does not exist") || page.contains("does not exist"),
        "{page}"
    );
}

#[tokio::test]
async fn production_500_shows_nothing_of_the_error() {
    let site = Site::new(false, &[], &templates());
    let log = capture_errors();
    for query in ["t=hostile", "t=missing", "t=include"] {
        let (status, page) = get(&site, query).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(page.contains("<h1>Server Error (500)</h1>"), "{page}");
        let dir = site.path().display().to_string();
        assert!(!page.contains(&dir), "a path leaked: {page}");
        for leak in [
            "tried",
            "script",
            "nowhere",
            "nosuchfilter",
            "TemplateSyntaxError",
            "evil",
            "key",
        ] {
            assert!(!page.contains(leak), "`{leak}` leaked: {page}");
        }
    }
    let logged = log.events_with(&site.path().display().to_string());
    assert_eq!(logged.len(), 3, "{logged:?}");
    assert!(logged[1].contains("nowhere/<img src=x>.html"), "{logged:?}");
    assert!(
        logged[1].contains(&site.templates().display().to_string()),
        "the log has the details: {logged:?}"
    );
}

#[tokio::test]
async fn production_500_renders_500_html() {
    let mut t = templates();
    t.push(("500.html", "<p>Sorry, {{ title|default:'our fault' }}.</p>"));
    let site = Site::new(false, &["platen.request"], &t);
    let (status, page) = get(&site, "t=missing").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // Rendered with an empty context, as Django's server_error view does.
    assert_eq!(page, "<p>Sorry, our fault.</p>");
    let (status, page) = get(&site, "").await;
    assert_eq!((status, page.as_str()), (StatusCode::OK, "fine"));
}

#[tokio::test]
async fn a_broken_500_html_falls_back_to_the_built_in_page() {
    let mut t = templates();
    t.push(("500.html", "{% broken %}"));
    let site = Site::new(false, &[], &t);
    let (status, page) = get(&site, "t=missing").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.contains("<h1>Server Error (500)</h1>"), "{page}");
}

/// Every ERROR event of this test binary, recorded by one global subscriber
/// (a per-thread subscriber races with the other tests over tracing's
/// callsite cache). Tests pick their own events out by a marker.
struct Captured {
    events: Arc<Mutex<Vec<String>>>,
}

impl Captured {
    /// The recorded events that contain `marker`.
    fn events_with(&self, marker: &str) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.contains(marker))
            .cloned()
            .collect()
    }
}

fn capture_errors() -> Captured {
    static EVENTS: std::sync::OnceLock<Arc<Mutex<Vec<String>>>> = std::sync::OnceLock::new();
    let events = EVENTS
        .get_or_init(|| {
            let events = Arc::new(Mutex::new(Vec::new()));
            tracing::subscriber::set_global_default(Recorder(events.clone()))
                .expect("one global subscriber");
            events
        })
        .clone();
    Captured { events }
}

struct Recorder(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::ERROR {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            // Debug-formatting escapes newlines and quotes; undo the common ones.
            self.0
                .lock()
                .unwrap()
                .push(fields.0.replace("\\n", "\n").replace("\\\"", "\""));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
