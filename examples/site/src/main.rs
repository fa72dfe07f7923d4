//! The example site on hyper + tower: `cargo run -p platen-example-site
//! [-- --addr 127.0.0.1:8000]`.

use std::process::ExitCode;

use clap::Parser;
use platen_example_site::Site;
use platen_example_site::server::{Args, banner, bind, serve};

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
    tokio::select! {
        () = serve(listener, site.service()) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
