//! `platen render NAME`: writes the page to standard output.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use platen::{Context, Error, ErrorKind};

use crate::SettingsArg;

/// Arguments of `platen render`.
#[derive(clap::Args, Debug)]
pub(crate) struct RenderArgs {
    /// The template name (as loaders see it: `blog/index.html`).
    name: String,
    /// A JSON file with the context (an object), or `-` for standard input.
    #[arg(long, short = 'c')]
    context: Option<PathBuf>,
    /// Render with this engine only (its `name` in the settings).
    #[arg(long, short = 'e')]
    engine: Option<String>,
    #[command(flatten)]
    settings: SettingsArg,
}

pub(crate) fn run(args: &RenderArgs) -> platen::Result<ExitCode> {
    let context = match &args.context {
        Some(path) => read_context(path)?,
        None => Context::new(),
    };
    let engines = args.settings.engines()?;
    let template = engines.get_template(&args.name, args.engine.as_deref())?;
    let page = template.render(&context, None)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(page.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Reads a JSON object from `path` (or standard input for `-`) as a context.
pub(crate) fn read_context(path: &PathBuf) -> platen::Result<Context> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read the context file {}: {e}", path.display()),
            )
        })?
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::new(
            ErrorKind::InvalidValue,
            format!("the context {} is not valid JSON: {e}", path.display()),
        )
    })?;
    if !json.is_object() {
        return Err(Error::new(
            ErrorKind::InvalidType,
            format!("the context {} must be a JSON object", path.display()),
        ));
    }
    Context::from_serialize(&json)
}
