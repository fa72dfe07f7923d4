//! `platen bench NAME`: times the rendering of one of the user's own
//! templates, the profiling tool for real pages.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use platen::Context;

use crate::SettingsArg;
use crate::render::read_context;

/// Arguments of `platen bench`.
#[derive(clap::Args, Debug)]
pub(crate) struct BenchArgs {
    /// The template name.
    name: String,
    /// A JSON file with the context (an object), or `-` for standard input.
    #[arg(long, short = 'c')]
    context: Option<PathBuf>,
    /// Render with this engine only.
    #[arg(long, short = 'e')]
    engine: Option<String>,
    /// Time exactly this many renders (after warm-up).
    #[arg(long, conflicts_with = "seconds")]
    iterations: Option<u64>,
    /// Time renders for about this many seconds (default 3).
    #[arg(long)]
    seconds: Option<f64>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    settings: SettingsArg,
}

/// What one run measured.
struct Summary {
    iterations: u64,
    median_us: f64,
    p25_us: f64,
    p75_us: f64,
    bytes: usize,
}

pub(crate) fn run(args: &BenchArgs) -> platen::Result<ExitCode> {
    let context = match &args.context {
        Some(path) => read_context(path)?,
        None => Context::new(),
    };
    let engines = args.settings.engines()?;
    let template = engines.get_template(&args.name, args.engine.as_deref())?;
    let engine_name = engines
        .all()
        .iter()
        .find(|e| {
            e.get_template(&args.name).is_ok()
                && args.engine.as_deref().is_none_or(|n| n == e.name())
        })
        .map(|e| e.name().to_owned())
        .unwrap_or_default();

    // Warm-up: the first renders fill caches and size buffers.
    let page = template.render(&context, None)?;
    let warm_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < warm_until {
        template.render(&context, None)?;
    }

    let mut samples: Vec<Duration> = Vec::new();
    let deadline =
        Instant::now() + Duration::from_secs_f64(args.seconds.unwrap_or(3.0).clamp(0.01, 3600.0));
    let mut out = String::with_capacity(page.len());
    loop {
        if let Some(n) = args.iterations {
            if samples.len() as u64 >= n.max(1) {
                break;
            }
        } else if Instant::now() >= deadline && !samples.is_empty() {
            break;
        }
        out.clear();
        let start = Instant::now();
        template.render_to(&mut out, &context, None)?;
        samples.push(start.elapsed());
    }
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    let summary = Summary {
        iterations: samples.len() as u64,
        median_us: at(0.5),
        p25_us: at(0.25),
        p75_us: at(0.75),
        bytes: page.len(),
    };
    let mb_per_s = if summary.median_us > 0.0 {
        summary.bytes as f64 / summary.median_us
    } else {
        0.0
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let line = serde_json::json!({
            "template": args.name,
            "engine": engine_name,
            "iterations": summary.iterations,
            "median_us": summary.median_us,
            "p25_us": summary.p25_us,
            "p75_us": summary.p75_us,
            "bytes": summary.bytes,
            "mb_per_s": mb_per_s,
        });
        writeln!(stdout, "{line}")?;
    } else {
        writeln!(
            stdout,
            "{} ({engine_name}): median {:.2} µs, p25 {:.2} µs, p75 {:.2} µs per render over {} renders; {} bytes, {:.1} MB/s",
            args.name,
            summary.median_us,
            summary.p25_us,
            summary.p75_us,
            summary.iterations,
            summary.bytes,
            mb_per_s
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
