//! [`Site`]: the blog, its engines and templates layer built from
//! `platen.toml` (with the fragment caches of its `[caches.*]` tables), and
//! the tower service the hyper server runs.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, Uri, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use platen::cache::Caches;
use platen::dtl::DtlBackend;
use platen::{Registry, Result, Settings};
use platen_tower::TemplatesLayer;
use tower::util::BoxCloneService;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::services::ServeDir;

use crate::admin::{self, Admin, Reply};
use crate::blog::Blog;
use crate::routes::Routes;
use crate::views;

/// The error type of response bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The response body of the site's service: a rendered page or a file.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The site's whole tower service, as the hyper server runs it.
pub type SiteService<B> = BoxCloneService<Request<B>, Response<Body>, Infallible>;

/// The example site: its data, routes, engines, fragment caches and static
/// files.
#[derive(Debug, Clone)]
pub struct Site {
    blog: Arc<Blog>,
    admin: Admin,
    routes: Routes,
    layer: TemplatesLayer,
    static_dir: PathBuf,
}

/// The registry that builds the site's engines: the built-in backends, with
/// the DTL backend carrying the `blog` tag library and the route table as
/// its `{% url %}` resolver.
pub fn registry(routes: Routes) -> Registry {
    let mut registry = platen::registry();
    registry.register_backend(
        platen::dtl::BACKEND_NAME,
        DtlBackend::new()
            .library("blog", crate::tags::library())
            .url_resolver(Arc::new(routes)),
    );
    registry
}

impl Site {
    /// The settings file that ships with the example, beside its sources.
    pub fn default_settings_file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("platen.toml")
    }

    /// The sample blog served with the settings in `file` (its profile
    /// section and `PLATEN_*` environment variables laid over it). Static
    /// files come from `static/` beside the settings file.
    pub fn load(file: impl AsRef<Path>) -> Result<Site> {
        let settings = Settings::load(file)?;
        Site::from_settings(&settings, Blog::sample())
    }

    /// `blog` served with `settings`.
    pub fn from_settings(settings: &Settings, blog: Blog) -> Result<Site> {
        let routes = Routes::default();
        let engines = registry(routes).build_engines(settings)?;
        // The caches the engines' `{% cache %}` blocks use, for expiring.
        let caches = engines.caches().clone();
        let layer = TemplatesLayer::from_settings(settings, engines)?;
        let blog = Arc::new(blog);
        Ok(Site {
            admin: Admin::new(blog.clone(), caches),
            blog,
            routes,
            layer,
            static_dir: settings.base_dir.join("static"),
        })
    }

    /// The posts.
    pub fn blog(&self) -> &Arc<Blog> {
        &self.blog
    }

    /// The fragment caches of the engines (`[caches.*]` in the settings;
    /// an in-memory `default` when there are none).
    pub fn caches(&self) -> &Caches {
        self.admin.caches()
    }

    /// The admin endpoints: editing a post, the cache statistics.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// The templates layer (engines, debug mode, context processors).
    pub fn layer(&self) -> &TemplatesLayer {
        &self.layer
    }

    /// The directory served under `/static/`.
    pub fn static_dir(&self) -> &Path {
        &self.static_dir
    }

    /// The site as one tower service: `/static/...` from the static
    /// directory, `/admin/...` by the [`Admin`], every other path routed by
    /// [`Routes`] to a view whose template response the layer renders.
    pub fn service<B>(&self) -> SiteService<B>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let admin = self.admin.clone();
        let blog = self.blog.clone();
        let routes = self.routes;
        let pages =
            ServiceBuilder::new()
                .layer(self.layer.clone())
                .service_fn(move |req: Request<B>| {
                    let response = views::dispatch(&blog, &routes, req.uri().path());
                    std::future::ready(Ok::<_, Infallible>(response.into_response::<Full<Bytes>>()))
                });
        let files = ServeDir::new(&self.static_dir);
        BoxCloneService::new(tower::service_fn(move |req: Request<B>| {
            if req.uri().path().starts_with("/admin/") {
                let admin = admin.clone();
                return futures_boxed(async move { Ok(admin_response(&admin, req).await) });
            }
            // Clone only the service the request goes to.
            let route = match req.uri().path().strip_prefix("/static/") {
                None => Ok(pages.clone()),
                Some(rest) => Err((files.clone(), format!("/{rest}").parse::<Uri>())),
            };
            futures_boxed(async move {
                match route {
                    Ok(pages) => {
                        let response = pages.oneshot(req).await?;
                        Ok(response.map(|b| b.map_err(|e| match e {}).boxed_unsync()))
                    }
                    // ServeDir serves the path as relative to its directory
                    // (refusing `..`), so the prefix goes.
                    Err((files, Ok(uri))) => {
                        let (mut parts, body) = req.into_parts();
                        parts.uri = uri;
                        let response = files.oneshot(Request::from_parts(parts, body)).await?;
                        Ok(response.map(|b| b.map_err(BoxError::from).boxed_unsync()))
                    }
                    Err((_, Err(_))) => Ok(status(StatusCode::BAD_REQUEST)),
                }
            })
        }))
    }
}

type BoxFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response<Body>, Infallible>> + Send>>;

fn futures_boxed(
    f: impl std::future::Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
) -> BoxFuture {
    Box::pin(f)
}

/// `POST /admin/posts/<slug>/` and `GET /admin/cache/`.
async fn admin_response<B>(admin: &Admin, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body + Send,
    B::Error: Into<BoxError>,
{
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let method = req.method().clone();
    let reply = if path == admin::CACHE_PATH {
        if method != Method::GET && method != Method::HEAD {
            return not_allowed("GET");
        }
        admin.cache_stats()
    } else if let Some(slug) = admin::slug_of(&path) {
        if method != Method::POST {
            return not_allowed("POST");
        }
        match http_body_util::Limited::new(req.into_body(), admin::MAX_BODY)
            .collect()
            .await
        {
            Ok(body) => admin.edit_post(&slug, query.as_deref(), &body.to_bytes()),
            Err(_) => Reply {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                text: format!(
                    "the form body is over {} bytes or broken\n",
                    admin::MAX_BODY
                ),
            },
        }
    } else {
        Reply {
            status: StatusCode::NOT_FOUND,
            text: format!("no admin page at {path}\n"),
        }
    };
    text_response(reply)
}

/// A plain-text response.
pub fn text_response(reply: Reply) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(reply.text))
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    *response.status_mut() = reply.status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = text_response(Reply {
        status: StatusCode::METHOD_NOT_ALLOWED,
        text: format!("use {allow}\n"),
    });
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}

/// An empty response with `code`.
fn status(code: StatusCode) -> Response<Body> {
    let mut response = Response::new(
        Full::<Bytes>::default()
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    *response.status_mut() = code;
    response
}
