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
    let report_error = |path: &std::path::Path, e: std::io::Error| {
        platen::Error::new(
            platen::ErrorKind::Io,
            format!("cannot write the report {}: {e}", path.display()),
        )
    };
    // Each case's result is written as soon as it is known, and dropped.
    let mut report = match &args.report {
        Some(path) => Some((
            std::io::BufWriter::new(
                std::fs::File::create(path).map_err(|e| report_error(path, e))?,
            ),
            path,
        )),
        None => None,
    };
    let mut stdout = std::io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &args.files {
        conformance::stream_file(file, |case| {
            if let Some((w, path)) = &mut report {
                writeln!(w, "{}", case.got).map_err(|e| report_error(path, e))?;
            }
            if case.passed {
                passed += 1;
            } else {
                failed += 1;
                let line = serde_json::json!({ "id": case.id, "expected": case.expected, "got": case.got });
                writeln!(stdout, "{line}")?;
            }
            Ok(())
        })?;
    }
    if let Some((mut w, path)) = report {
        w.flush().map_err(|e| report_error(path, e))?;
    }
    writeln!(stdout, "conformance: {passed} passed, {failed} failed")?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
