//! # platen-tower
//!
//! Owns platen on the web: the tower `Layer`/`Service` pair, the lazy
//! `TemplateResponse`, context processors and the 404/500/debug pages.
//! It speaks only platen-core's traits; engines come from the application.
//!
//! platen as [tower] middleware, shaped like Django's template response
//! machinery:
//!
//! - [`TemplatesLayer`] wraps a service in [`Templates`]; every request gets
//!   a [`SharedEngines`] in its extensions (an axum extractor with the
//!   `axum` feature) to render with, now, when a handler wants a string;
//! - a handler may instead return a [`TemplateResponse`] (Django's lazy
//!   response): template names and a context, carried as a response
//!   extension. The layer renders it after the inner service ran, so
//!   middleware in between can still change the context
//!   (`response.extensions_mut().get_mut::<TemplateResponse>()`, Django's
//!   `process_template_response`);
//! - [context processors](processors) named in the settings
//!   (`options.context_processors` of the engine that renders) add variables
//!   per request: `platen.request`, `platen.debug`, `platen.csrf`,
//!   `platen.static`, and any you register on [`ContextProcessors`];
//! - a render error becomes a 500: in debug mode Django's technical page
//!   (template, line, the source with the error line marked, every place a
//!   missing template was looked for, the context's names; all escaped),
//!   otherwise `500.html` from the engines or a built-in text, with the error
//!   logged through `tracing::error!` and no file path shown.
//!
//! Edited templates show on the next request in debug mode because the
//! engines' cached loaders notice them; the layer adds nothing for that.
//!
//! # Example
//!
//! ```
//! use std::convert::Infallible;
//! use std::sync::Arc;
//!
//! use http::{Request, Response};
//! use http_body_util::{BodyExt, Full};
//! use bytes::Bytes;
//! use platen::dtl::{DtlEngine, DtlOptions};
//! use platen::loaders::LocmemLoader;
//! use platen::{Engines, LoaderChain};
//! use platen_tower::{TemplateResponse, TemplatesLayer};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let loader = LocmemLoader::new([("hello.html", "Hello {{ name }} from {{ request.path }}")]);
//! let engine = DtlEngine::new(LoaderChain::new(vec![Arc::new(loader)]), DtlOptions::default());
//! let engines = Engines::new(vec![Arc::new(engine)])?;
//!
//! let layer = TemplatesLayer::new(engines)
//!     .context_processors(&platen_tower::ContextProcessors::new(), ["platen.request"])?;
//!
//! async fn handler(_req: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(TemplateResponse::new(["hello.html"], platen::context! { name => "<you>" }).into_response())
//! }
//!
//! let service = ServiceBuilder::new().layer(layer).service_fn(handler);
//! let response = service.oneshot(Request::get("/hi").body(Full::default())?).await?;
//! assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
//! let body = response.into_body().collect().await?.to_bytes();
//! assert_eq!(body, "Hello &lt;you&gt; from /hi");
//! # Ok(()) }
//! ```
//!
//! With settings, build the layer from the same settings as the engines:
//! `TemplatesLayer::from_settings(&settings, platen::engines_from_settings(&settings)?)?`.
//!
//! [tower]: https://docs.rs/tower

mod body;
mod convert;
mod error_page;
mod future;
mod layer;
pub mod processors;
mod render;
mod response;
mod service;

pub use body::ResponseBody;
pub use convert::to_platen_request;
pub use future::ResponseFuture;
pub use layer::TemplatesLayer;
pub use processors::{ContextProcessors, CsrfToken, ProcessorFn};
pub use render::SharedEngines;
pub use response::{DEFAULT_CONTENT_TYPE, TemplateResponse};
pub use service::Templates;
