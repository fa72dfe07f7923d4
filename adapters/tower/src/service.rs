//! [`Templates`]: the service the layer wraps around an inner one.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use tower_service::Service;

use crate::body::ResponseBody;
use crate::convert::to_platen_request;
use crate::future::ResponseFuture;
use crate::layer::Shared;
use crate::render::{PerRequest, SharedEngines};

/// Middleware that puts [`SharedEngines`] into each request's extensions and
/// renders the [`TemplateResponse`](crate::TemplateResponse) an inner
/// service returns. Built by [`TemplatesLayer`](crate::TemplatesLayer).
#[derive(Clone)]
pub struct Templates<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Templates<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("inner", &self.inner)
            .field("debug", &self.shared.debug)
            .finish_non_exhaustive()
    }
}

impl<S> Templates<S> {
    pub(crate) fn from_shared(inner: S, shared: Arc<Shared>) -> Templates<S> {
        Templates { inner, shared }
    }

    /// A [`TemplatesLayer`](crate::TemplatesLayer) over `engines` (debug
    /// off, no context processors), as tower-http's `X::layer` does.
    pub fn layer(engines: impl Into<Arc<platen_core::Engines>>) -> crate::TemplatesLayer {
        crate::TemplatesLayer::new(engines)
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Consumes `self`, returning the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Templates<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let per_request = Arc::new(PerRequest::new(
            self.shared.clone(),
            to_platen_request(&parts),
        ));
        parts
            .extensions
            .insert(SharedEngines::new(per_request.clone()));
        ResponseFuture::new(
            self.inner.call(Request::from_parts(parts, body)),
            per_request,
        )
    }
}
