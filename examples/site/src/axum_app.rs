//! The same site as an axum `Router`: the route table's patterns mounted
//! with axum handlers calling the same views, the admin endpoints, the
//! templates layer around it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http::{Uri, header};
use platen_tower::TemplateResponse;
use tower_http::services::ServeDir;

use crate::admin::{self, Admin, Reply};
use crate::blog::Blog;
use crate::routes::pattern;
use crate::site::Site;
use crate::views;

/// The router's state: the admin, which holds the blog.
#[derive(Debug, Clone)]
struct AppState {
    admin: Admin,
}

impl FromRef<AppState> for Arc<Blog> {
    fn from_ref(state: &AppState) -> Arc<Blog> {
        state.admin.blog().clone()
    }
}

impl FromRef<AppState> for Admin {
    fn from_ref(state: &AppState) -> Admin {
        state.admin.clone()
    }
}

type BlogState = State<Arc<Blog>>;

async fn home(State(blog): BlogState) -> TemplateResponse {
    views::home(&blog)
}

async fn post_page(State(blog): BlogState, Path(slug): Path<String>, uri: Uri) -> TemplateResponse {
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

fn text(reply: Reply) -> Response {
    (
        reply.status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        reply.text,
    )
        .into_response()
}

/// `POST /admin/posts/{slug}/`: edits the post, expires its fragments.
async fn edit_post(
    State(admin): State<Admin>,
    Path(slug): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    text(admin.edit_post(&slug, uri.query(), &body))
}

/// `GET /admin/cache/`: the cache statistics.
async fn cache_stats(State(admin): State<Admin>) -> Response {
    text(admin.cache_stats())
}

/// The site as an axum router, ready to serve.
pub fn router(site: &Site) -> Router {
    Router::new()
        .route(pattern("home"), get(home))
        .route(pattern("post"), get(post_page))
        .route(pattern("tag"), get(tag))
        .route(pattern("about"), get(about))
        .route(pattern("broken"), get(broken))
        .route(admin::POST_PATTERN, post(edit_post))
        .route(admin::CACHE_PATH, get(cache_stats))
        .nest_service("/static", ServeDir::new(site.static_dir()))
        .fallback(not_found)
        .with_state(AppState {
            admin: site.admin().clone(),
        })
        .layer(axum::extract::DefaultBodyLimit::max(admin::MAX_BODY))
        .layer(site.layer().clone())
}
