//! The example site on axum: `cargo run --manifest-path examples/Cargo.toml -p platen-example-site --bin
//! platen-example-site-axum [-- --addr 127.0.0.1:8000]`.

use std::process::ExitCode;

use clap::Parser;
use platen_example_site::axum_app;
use platen_example_site::server::{Args, start};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let (site, listener) = match start(&args).await {
        Ok(started) => started,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let serve = axum::serve(listener, axum_app::router(&site)).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    if let Err(err) = serve.await {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
