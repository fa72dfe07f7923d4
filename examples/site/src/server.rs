//! What both servers share: the command line, binding the address with a
//! clear error, the start-up line, and the hyper accept loop.

use std::net::SocketAddr;
use std::path::PathBuf;

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::site::{Site, SiteService};

/// The servers' command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(about = "The platen example blog.")]
pub struct Args {
    /// The address to listen on.
    #[arg(long, env = "SITE_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// The settings file (default: the example's own platen.toml).
    #[arg(long, short = 's', env = "PLATEN_SETTINGS")]
    pub settings: Option<PathBuf>,
}

impl Args {
    /// The settings file to load.
    pub fn settings_file(&self) -> PathBuf {
        self.settings
            .clone()
            .unwrap_or_else(Site::default_settings_file)
    }
}

/// Listens on `addr`; an address in use or not ours is a sentence saying so.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use (is another server running there?); \
             pick another with --addr, e.g. --addr {}:{}",
            addr.ip(),
            addr.port().wrapping_add(1).max(1)
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: the address is not one of this machine's")
        }
        std::io::ErrorKind::PermissionDenied => format!("cannot listen on {addr}: permission denied"),
        _ => format!("cannot listen on {addr}: {e}"),
    })
}

/// Sends `tracing` events (the templates layer's render errors) to
/// standard error, so a 500 page's details reach the server's log.
pub fn log_to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// What both servers do before serving: load the site named by `args`,
/// listen on its address and print the banner. An error is a sentence for
/// standard error.
pub async fn start(args: &Args) -> Result<(Site, TcpListener), String> {
    log_to_stderr();
    let site = Site::load(args.settings_file()).map_err(|err| format!("{err:#}"))?;
    let listener = bind(args.addr).await?;
    println!("{}", banner(listener.local_addr().unwrap_or(args.addr)));
    Ok((site, listener))
}

/// The line printed once the server listens.
pub fn banner(addr: SocketAddr) -> String {
    format!("platen example site: http://{addr}/")
}

/// Serves `service` on `listener` over HTTP/1 until the task is dropped.
pub async fn serve(listener: TcpListener, service: SiteService<Incoming>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, then go on.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
