//! [`ResponseFuture`]: waits for the inner service, then renders.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use http_body::Body;
use pin_project_lite::pin_project;

use crate::body::ResponseBody;
use crate::error_page::{DebugInfo, debug_page, production_page};
use crate::render::PerRequest;
use crate::response::TemplateResponse;

pin_project! {
    /// The response future of [`Templates`](crate::Templates).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        request: Option<Arc<PerRequest>>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, request: Arc<PerRequest>) -> ResponseFuture<F> {
        ResponseFuture {
            inner,
            request: Some(request),
        }
    }
}

impl<F: std::fmt::Debug> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body<Data = Bytes>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        let request = this
            .request
            .take()
            .expect("ResponseFuture polled after completion");
        Poll::Ready(Ok(finish(response, &request)))
    }
}

/// Renders the response's [`TemplateResponse`], if it has one.
fn finish<B>(response: Response<B>, request: &PerRequest) -> Response<ResponseBody<B>> {
    let (mut parts, body) = response.into_parts();
    let Some(mut tr) = parts.extensions.remove::<TemplateResponse>() else {
        return Response::from_parts(parts, ResponseBody::inner(body));
    };
    drop(body);
    tr.apply_pending(&mut parts.status, &mut parts.headers);
    parts.headers.remove(CONTENT_LENGTH);
    tr.set_content_type(&mut parts.headers);

    let (names, context, using) = tr.into_parts();
    let text = match request.render(&names, context, using.as_deref()) {
        Ok(text) => text,
        Err(failure) => {
            let shared = &request.shared;
            tracing::error!(
                error = %format_args!("{:#}", failure.error),
                method = %request.request.method,
                path = %request.request.path,
                "rendering a template response failed"
            );
            parts.status = StatusCode::INTERNAL_SERVER_ERROR;
            parts.headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static(crate::DEFAULT_CONTENT_TYPE),
            );
            if shared.debug {
                debug_page(
                    &failure.error,
                    &DebugInfo {
                        names: &names,
                        context: failure.context.as_ref(),
                        request: &request.request,
                    },
                )
            } else {
                production_page(&shared.engines)
            }
        }
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(text.len()));
    Response::from_parts(parts, ResponseBody::rendered(text))
}
