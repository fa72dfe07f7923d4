//! `platen check`: compiles every template of every engine, the deploy-time
//! precompile, and reports every error at once.

use std::io::IsTerminal;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::{SettingsArg, report};

/// Output formats of `platen check`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default)]
pub(crate) enum Format {
    /// `file:line:col: message` and the source line.
    #[default]
    Human,
    /// One JSON object per error, one per line.
    Json,
}

/// Arguments of `platen check`.
#[derive(clap::Args, Debug)]
pub(crate) struct CheckArgs {
    /// How to print errors.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    settings: SettingsArg,
}

pub(crate) fn run(args: &CheckArgs) -> platen::Result<ExitCode> {
    let engines = match args.settings.engines() {
        Ok(engines) => engines,
        Err(err) => {
            print_error(args.format, &err, None);
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut work = Vec::new();
    let mut listing_errors = 0usize;
    for engine in engines.all() {
        match engine.template_names() {
            Ok(names) => work.extend(names.into_iter().map(|n| (engine.clone(), n))),
            Err(err) => {
                listing_errors += 1;
                print_error(args.format, &err, Some(engine.name()));
            }
        }
    }
    let progress = if std::io::stderr().is_terminal() && matches!(args.format, Format::Human) {
        let bar = ProgressBar::new(work.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} checking {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut errors = listing_errors;
    for (engine, name) in &work {
        progress.set_message(format!("{}: {name}", engine.name()));
        if let Err(err) = engine.get_template(name) {
            errors += 1;
            progress.suspend(|| print_error(args.format, &err, Some(engine.name())));
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if matches!(args.format, Format::Human) {
        eprintln!(
            "checked {} template(s) in {} engine(s): {errors} error(s)",
            work.len(),
            engines.all().len()
        );
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_error(format: Format, err: &platen::Error, engine: Option<&str>) {
    match format {
        Format::Human => match engine {
            Some(engine) => println!("[{engine}] {}", report::human(err)),
            None => println!("{}", report::human(err)),
        },
        Format::Json => println!("{}", report::json(err, engine)),
    }
}
