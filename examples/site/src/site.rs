//! [`Site`]: the blog, its engines and templates layer built from
//! `platen.toml`, and the tower service the hyper server runs.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode, Uri};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use platen::dtl::DtlBackend;
use platen::{Registry, Result, Settings};
use platen_tower::TemplatesLayer;
use tower::util::BoxCloneService;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::services::ServeDir;

use crate::blog::Blog;
use crate::routes::Routes;
use crate::views;

/// The error type of response bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The response body of the site's service: a rendered page or a file.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The site's whole tower service, as the hyper server runs it.
pub type SiteService<B> = BoxCloneService<Request<B>, Response<Body>, Infallible>;

/// The example site: its data, routes, engines and static files.
#[derive(Debug, Clone)]
pub struct Site {
    blog: Arc<Blog>,
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
        let layer = TemplatesLayer::from_settings(settings, engines)?;
        Ok(Site {
            blog: Arc::new(blog),
            routes,
            layer,
            static_dir: settings.base_dir.join("static"),
        })
    }

    /// The posts.
    pub fn blog(&self) -> &Arc<Blog> {
        &self.blog
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
    /// directory, every other path routed by [`Routes`] to a view whose
    /// template response the layer renders.
    pub fn service<B>(&self) -> SiteService<B>
    where
        B: Send + 'static,
    {
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
            // Clone only the service the request goes to.
            let route = match req.uri().path().strip_prefix("/static/") {
                None => Ok(pages.clone()),
                Some(rest) => Err((files.clone(), format!("/{rest}").parse::<Uri>())),
            };
            async move {
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
            }
        }))
    }
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
