//! The example site on hyper + tower: `cargo run --manifest-path examples/Cargo.toml -p platen-example-site
//! [-- --addr 127.0.0.1:8000]`.

use std::process::ExitCode;

use clap::Parser;
use platen_example_site::server::{Args, serve, start};

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
    tokio::select! {
        () = serve(listener, site.service()) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
