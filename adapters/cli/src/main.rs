//! # platen-cli
//!
//! Owns the `platen` command: render a template, check every template, time
//! a template, serve the templates over HTTP, expire or inspect the fragment
//! caches, run the DTL conformance cases,
//! each subcommand in its own module, all through the `platen` facade.

mod bench;
mod cache;
mod check;
#[cfg(feature = "dtl")]
mod conformance;
mod render;
mod report;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The platen template platform.
#[derive(Parser)]
#[command(name = "platen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a template to standard output.
    Render(render::RenderArgs),
    /// Compile every template every engine can find; report every error.
    Check(check::CheckArgs),
    /// Time the rendering of a template: median, p25/p75 µs and MB/s.
    Bench(bench::BenchArgs),
    /// Serve the engines' templates over HTTP for prototyping: GET /NAME renders NAME.
    Serve(serve::ServeArgs),
    /// Expire, inspect or clear the settings' fragment caches.
    Cache(cache::CacheArgs),
    /// Run Django-recorded conformance cases through the DTL engine.
    #[cfg(feature = "dtl")]
    Conformance(conformance::ConformanceArgs),
}

/// Where the settings come from: `--settings FILE`, default `./platen.toml`.
#[derive(clap::Args, Debug, Clone)]
struct SettingsArg {
    /// The settings file (TOML, YAML or JSON).
    #[arg(
        long,
        short = 's',
        default_value = "platen.toml",
        env = "PLATEN_SETTINGS"
    )]
    settings: PathBuf,
}

impl SettingsArg {
    /// Loads the settings and builds the engines.
    fn engines(&self) -> platen::Result<platen::Engines> {
        platen::engines_from_file(&self.settings)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Cache(args) => cache::run(&args),
        #[cfg(feature = "dtl")]
        Command::Conformance(args) => conformance::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
