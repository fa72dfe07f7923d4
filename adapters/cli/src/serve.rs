//! `platen serve`: the engines' templates over HTTP, for prototyping.
//!
//! `GET /NAME` renders the template `NAME` (`/` and paths ending in `/`
//! render the `index.html` below them) through the platen-tower layer, so
//! the settings' context processors, `debug` page and `500.html` apply. The
//! context comes from `DIR/NAME.json` when `--data DIR` has that file. A
//! name no engine finds is a 404 (`404.html` when an engine has one); the
//! loaders refuse names that would leave a template directory, so no file
//! outside them is ever served.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use percent_encoding::percent_decode_str;
use platen::{Context, Error, ErrorKind, Settings};
use platen_tower::{SharedEngines, TemplateResponse, TemplatesLayer};
use tower::ServiceBuilder;

use crate::SettingsArg;

/// Arguments of `platen serve`.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    /// A directory of contexts: `DIR/NAME.json` is the context of `/NAME`.
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArg,
}

pub(crate) fn run(args: &ServeArgs) -> platen::Result<ExitCode> {
    let settings = Settings::load(&args.settings.settings)?;
    let engines = platen::engines_from_settings(&settings)?;
    let names: Vec<String> = engines.all().iter().map(|e| e.name().to_owned()).collect();
    let layer = TemplatesLayer::from_settings(&settings, engines)?;
    if let Some(dir) = &args.data
        && !dir.is_dir()
    {
        return Err(Error::new(
            ErrorKind::Io,
            format!("--data {}: not a directory", dir.display()),
        ));
    }
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(args.addr).await {
            Ok(listener) => listener,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(Error::new(
                    ErrorKind::Io,
                    format!("cannot listen on {}: the address is already in use; pick another with --addr", args.addr),
                ));
            }
            Err(e) => return Err(Error::new(ErrorKind::Io, format!("cannot listen on {}: {e}", args.addr))),
        };
        let addr = listener.local_addr()?;
        println!(
            "platen serve: http://{addr}/ (engines: {}; debug {})",
            names.join(", "),
            if settings.debug { "on" } else { "off" }
        );
        tokio::select! {
            () = accept_loop(listener, layer, Arc::new(Config { data: args.data.clone(), debug: settings.debug })) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// What every request of the server shares besides the layer.
struct Config {
    /// `--data DIR`.
    data: Option<PathBuf>,
    /// The settings' `debug`.
    debug: bool,
}

/// Serves every connection `listener` accepts, until the task ends.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    layer: TemplatesLayer,
    config: Arc<Config>,
) {
    let service = ServiceBuilder::new().layer(layer).service_fn(
        move |req: Request<hyper::body::Incoming>| {
            std::future::ready(Ok::<_, Infallible>(page(&req, &config)))
        },
    );
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The response to one request: a template response for the layer to
/// render, or a 404/405 page.
fn page<B>(req: &Request<B>, config: &Config) -> Response<Full<Bytes>> {
    let Some(engines) = req.extensions().get::<SharedEngines>() else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "platen serve: the templates layer is missing".into(),
        );
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "405 Method Not Allowed\n".into(),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = req.uri().path();
    let Some(name) = template_name(path) else {
        return not_found(engines, path, None, config.debug);
    };
    match engines.get_template(&name, None) {
        Ok(_) => {}
        Err(err) if is_absent(&err, &name) => {
            return not_found(engines, path, Some(&err), config.debug);
        }
        // Found but broken (a syntax error): the layer renders the error page.
        Err(_) => {}
    }
    let context = match config
        .data
        .as_deref()
        .and_then(|dir| context_file(dir, &name))
    {
        Some(file) => match crate::render::read_context(&file) {
            Ok(context) => context,
            Err(err) => {
                eprintln!("platen serve: {err}");
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("platen serve: {err}\n"),
                );
            }
        },
        None => Context::new(),
    };
    TemplateResponse::new([name], context).into_response()
}

/// The template a URL path names: percent-decoded, without its leading
/// `/`, with `index.html` after a trailing `/`. `None` when the path does
/// not decode to UTF-8.
pub(crate) fn template_name(path: &str) -> Option<String> {
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    let name = decoded.strip_prefix('/').unwrap_or(&decoded);
    if name.is_empty() || name.ends_with('/') {
        Some(format!("{name}index.html"))
    } else {
        Some(name.to_owned())
    }
}

/// Whether `err` says that no engine has `name` (rather than that the
/// template has a problem of its own, such as a missing parent), or that a
/// loader refused the name.
fn is_absent(err: &Error, name: &str) -> bool {
    match err.kind() {
        ErrorKind::TemplateNotFound => {
            err.origin().is_none() && err.detail().is_none_or(|d| d == name)
        }
        ErrorKind::Suspicious => true,
        _ => false,
    }
}

/// `DIR/NAME.json`, when `name` is a plain relative path and the file exists.
fn context_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = !name.contains('\\')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    let file = dir.join(format!("{name}.json"));
    (plain && file.is_file()).then_some(file)
}

/// The 404 page: `404.html` from the engines (with `request_path`), else a
/// built-in page; in debug mode the built-in page lists the places tried.
fn not_found(
    engines: &SharedEngines,
    path: &str,
    err: Option<&Error>,
    debug: bool,
) -> Response<Full<Bytes>> {
    if engines.get_template("404.html", None).is_ok() {
        return TemplateResponse::new(["404.html"], Context::new().with("request_path", path))
            .status(StatusCode::NOT_FOUND)
            .into_response();
    }
    let mut body = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Not Found</title></head>\n<body>\n<h1>Not Found</h1>\n",
    );
    body.push_str(&format!(
        "<p>No engine has a template for <code>{}</code>.</p>\n",
        esc(path)
    ));
    if let Some(err) = err.filter(|_| debug) {
        body.push_str("<p>Tried, in this order:</p>\n<ol>\n");
        for t in err.tried() {
            body.push_str(&format!(
                "<li><code>{}</code> ({}): {}</li>\n",
                esc(&t.origin.name),
                esc(t.engine.as_deref().unwrap_or(&t.origin.loader)),
                esc(&t.reason)
            ));
        }
        body.push_str("</ol>\n");
    }
    body.push_str("</body>\n</html>\n");
    let mut response = text(StatusCode::NOT_FOUND, body);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(platen_tower::DEFAULT_CONTENT_TYPE),
    );
    response
}

/// A plain-text response.
fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// HTML-escapes `s`.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        assert_eq!(template_name("/").as_deref(), Some("index.html"));
        assert_eq!(template_name("/blog/").as_deref(), Some("blog/index.html"));
        assert_eq!(
            template_name("/blog/post.html").as_deref(),
            Some("blog/post.html")
        );
        assert_eq!(template_name("/a%20b.html").as_deref(), Some("a b.html"));
        assert_eq!(template_name("/%2e%2e/x").as_deref(), Some("../x"));
        assert_eq!(template_name("/%ff"), None);
    }

    #[test]
    fn context_files_stay_inside_the_data_dir() {
        let dir = std::env::temp_dir();
        assert_eq!(context_file(&dir, "../etc/passwd"), None);
        assert_eq!(context_file(&dir, "/etc/passwd"), None);
        assert_eq!(context_file(&dir, "./x"), None);
        assert_eq!(context_file(&dir, "a\\..\\b"), None);
    }
}
