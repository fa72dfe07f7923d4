//! The same site as an axum `Router`: the route table's patterns mounted
//! with axum handlers calling the same views, the templates layer around it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use http::Uri;
use platen_tower::TemplateResponse;
use tower_http::services::ServeDir;

use crate::blog::Blog;
use crate::routes::pattern;
use crate::site::Site;
use crate::views;

type BlogState = State<Arc<Blog>>;

async fn home(State(blog): BlogState) -> TemplateResponse {
    views::home(&blog)
}

async fn post(State(blog): BlogState, Path(slug): Path<String>, uri: Uri) -> TemplateResponse {
    views::post(&blog, &slug, uri.path())
}

async fn tag(State(blog): BlogState, Path(tag): Path<String>, uri: Uri) -> TemplateResponse {
    views::tag(&blog, &tag, uri.path())
}

async fn about(State(blog): BlogState) -> TemplateResponse {
    views::about(&blog)
}

async fn broken() -> TemplateResponse {
    views::broken()
}

async fn not_found(uri: Uri) -> TemplateResponse {
    views::not_found(uri.path())
}

/// The site as an axum router, ready to serve.
pub fn router(site: &Site) -> Router {
    Router::new()
        .route(pattern("home"), get(home))
        .route(pattern("post"), get(post))
        .route(pattern("tag"), get(tag))
        .route(pattern("about"), get(about))
        .route(pattern("broken"), get(broken))
        .nest_service("/static", ServeDir::new(site.static_dir()))
        .fallback(not_found)
        .with_state(site.blog().clone())
        .layer(site.layer().clone())
}
