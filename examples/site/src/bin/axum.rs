//! The example site on axum: `cargo run -p platen-example-site --bin
//! platen-example-site-axum [-- --addr 127.0.0.1:8000]`.

use std::process::ExitCode;

use clap::Parser;
use platen_example_site::server::{Args, banner, bind};
use platen_example_site::{Site, axum_app};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    platen_example_site::server::log_to_stderr();
    let site = match Site::load(args.settings_file()) {
        Ok(site) => site,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match bind(args.addr).await {
        Ok(listener) => listener,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    println!("{}", banner(addr));
    let serve = axum::serve(listener, axum_app::router(&site)).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    if let Err(err) = serve.await {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
