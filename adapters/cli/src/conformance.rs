//! `platen conformance FILE.jsonl...`: runs Django-recorded cases through the
//! DTL engine and reports every failing case.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use platen_conformance as conformance;

/// Arguments of `platen conformance`.
#[derive(clap::Args, Debug)]
pub(crate) struct ConformanceArgs {
    /// Case files (JSON Lines, the format of conformance/corpus/README.md).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Writes one JSON line per case with what platen did, whatever the verdict.
    #[arg(long)]
    report: Option<PathBuf>,
}

pub(crate) fn run(args: &ConformanceArgs) -> platen::Result<ExitCode> {
    let mut all = Vec::new();
    for file in &args.files {
        all.extend(conformance::run_file(file)?);
    }
    let mut stdout = std::io::stdout().lock();
    let mut failed = 0usize;
    for case in all.iter().filter(|c| !c.passed) {
        failed += 1;
        let line = serde_json::json!({ "id": case.id, "expected": case.expected, "got": case.got });
        writeln!(stdout, "{line}")?;
    }
    if let Some(path) = &args.report {
        std::fs::write(path, conformance::report_lines(&all)).map_err(|e| {
            platen::Error::new(
                platen::ErrorKind::Io,
                format!("cannot write the report {}: {e}", path.display()),
            )
        })?;
    }
    writeln!(
        stdout,
        "conformance: {} passed, {failed} failed",
        all.len() - failed
    )?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
