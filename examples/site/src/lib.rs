//! # The platen example site
//!
//! A small blog served by platen through tower, the way a Django project
//! serves its templates:
//!
//! - [`blog`]: the posts, in memory, editable; each shown to templates as
//!   an object with the cache identity `post:<slug>`;
//! - [`admin`]: `POST /admin/posts/<slug>/` edits a post and expires its
//!   fragments, `GET /admin/cache/` shows the cache statistics;
//! - [`routes`]: the route table, which routes requests and reverses
//!   `{% url 'post' post.slug %}` (a [`platen::dtl::UrlResolver`]);
//! - [`tags`]: the `blog` DTL library, a filter (`reading_time`) and an
//!   inclusion tag (`tag_links`);
//! - [`views`]: one function per page, returning a
//!   [`platen_tower::TemplateResponse`];
//! - [`site`]: the engines and templates layer from `platen.toml` (DTL
//!   pages, one Handlebars page), static files, the tower service;
//! - [`axum_app`]: the same site as an axum router;
//! - [`server`]: the command line and the hyper accept loop.
//!
//! `cargo run --manifest-path examples/Cargo.toml -p platen-example-site` serves it on
//! `http://127.0.0.1:8000/`.

pub mod admin;
pub mod axum_app;
pub mod blog;
pub mod routes;
pub mod server;
pub mod site;
pub mod tags;
pub mod views;

pub use site::Site;
