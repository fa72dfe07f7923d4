//! `platen cache`: the settings' fragment caches from the command line.
//!
//! - `platen cache expire DEP... [--using ALIAS]`: what
//!   [`FragmentCache::expire_all`] does: removes every fragment that showed
//!   one of the dependencies and, for a shared backend (Redis), tells every
//!   process on the cache's channel.
//! - `platen cache stats [--using ALIAS]`: one aligned line per cache.
//! - `platen cache clear [--using ALIAS]`: removes every fragment.
//!
//! A `memory` cache lives in the process that made it, so these act only on
//! this command's own (empty) copy; a note on stderr says so.

use std::process::ExitCode;

use clap::Subcommand;
use platen::cache::{Caches, FragmentCache, Stats};
use platen::{Error, ErrorKind, Settings};

use crate::SettingsArg;

/// Arguments of `platen cache`.
#[derive(clap::Args, Debug)]
pub(crate) struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Subcommand, Debug)]
enum CacheCommand {
    /// Expire every fragment that shows one of DEP... (`post:42`), in every
    /// process sharing the cache.
    Expire(ExpireArgs),
    /// Print what each cache holds: entries, bytes, hits/misses, index size
    /// (`-`: the backend does not know). Hits and misses are counted by each
    /// process, so a backend that does not share them shows this command's
    /// own: 0.
    Stats(TargetArgs),
    /// Remove every fragment of a cache (of its key prefix, when shared).
    Clear(TargetArgs),
}

/// Which cache, and where the settings are.
#[derive(clap::Args, Debug)]
struct TargetArgs {
    /// The cache alias (`[caches.ALIAS]`), default `default`; without it `stats` shows every cache.
    #[arg(long, value_name = "ALIAS")]
    using: Option<String>,
    #[command(flatten)]
    settings: SettingsArg,
}

/// Arguments of `platen cache expire`.
#[derive(clap::Args, Debug)]
struct ExpireArgs {
    /// The dependencies to expire (cache identities such as `post:42`).
    #[arg(required = true, value_name = "DEP")]
    deps: Vec<String>,
    /// The cache alias (`[caches.ALIAS]`), default `default`.
    #[arg(long, value_name = "ALIAS", default_value = "default")]
    using: String,
    #[command(flatten)]
    settings: SettingsArg,
}

pub(crate) fn run(args: &CacheArgs) -> platen::Result<ExitCode> {
    match &args.command {
        CacheCommand::Expire(a) => expire(a),
        CacheCommand::Stats(a) => stats(a),
        CacheCommand::Clear(a) => clear(a),
    }
}

/// The settings and every cache they configure.
fn load(settings: &SettingsArg) -> platen::Result<(Settings, Caches)> {
    let settings = Settings::load(&settings.settings)?;
    let caches = platen::registry().build_caches(&settings)?;
    Ok((settings, caches))
}

/// The cache `alias`, or an error listing the configured aliases.
fn pick<'a>(
    caches: &'a Caches,
    alias: &str,
    settings: &SettingsArg,
) -> platen::Result<&'a FragmentCache> {
    caches.get(alias).ok_or_else(|| {
        let aliases: Vec<&str> = caches.aliases().collect();
        let hint = platen::closest::did_you_mean(alias, &aliases);
        Error::new(
            ErrorKind::BadSettings,
            format!(
                "no cache `{alias}` in {}{hint}; configured caches: {}",
                settings.settings.display(),
                aliases.join(", ")
            ),
        )
    })
}

/// The backend name of `alias` in the settings (`memory` when not configured).
fn backend_of<'a>(settings: &'a Settings, alias: &str) -> &'a str {
    settings
        .caches
        .get(alias)
        .map_or(platen::MEMORY_CACHE, |c| c.backend.as_str())
}

/// `err` from the backend of `alias` (Redis down), saying where the settings
/// put the cache: `(key `caches.default.location` = "redis://..." in FILE)`.
fn backend_error(settings: &Settings, alias: &str, err: Error) -> Error {
    let Some(cache) = settings.caches.get(alias) else {
        return err;
    };
    let Some(location) = &cache.location else {
        return err;
    };
    let source = cache
        .source_of("location")
        .map(|s| format!(" in {s}"))
        .unwrap_or_default();
    let detail = err.detail().map_or_else(|| err.to_string(), str::to_owned);
    Error::new(
        err.kind(),
        format!(
            "{detail} (key `{}` = \"{location}\"{source})",
            cache.key("location")
        ),
    )
}

/// Django's name for an in-process cache.
const DJANGO_LOCMEM: &str = "django.core.cache.backends.locmem.LocMemCache";

/// Tells the user when `alias` lives only in this process.
fn note_if_memory(settings: &Settings, alias: &str) {
    let backend = backend_of(settings, alias);
    if backend == platen::MEMORY_CACHE || backend == DJANGO_LOCMEM {
        eprintln!(
            "note: cache \"{alias}\" is in memory: each process has its own; use backend = \"redis\" to expire across processes"
        );
    }
}

fn expire(args: &ExpireArgs) -> platen::Result<ExitCode> {
    let (settings, caches) = load(&args.settings)?;
    let cache = pick(&caches, &args.using, &args.settings)?;
    note_if_memory(&settings, cache.alias());
    let n = cache
        .expire_all(&args.deps)
        .map_err(|e| backend_error(&settings, cache.alias(), e))?;
    println!(
        "expired {n} fragments showing {} (cache {})",
        args.deps.join(" "),
        cache.alias()
    );
    Ok(ExitCode::SUCCESS)
}

fn clear(args: &TargetArgs) -> platen::Result<ExitCode> {
    let (settings, caches) = load(&args.settings)?;
    let alias = args.using.as_deref().unwrap_or("default");
    let cache = pick(&caches, alias, &args.settings)?;
    note_if_memory(&settings, cache.alias());
    cache
        .clear()
        .map_err(|e| backend_error(&settings, cache.alias(), e))?;
    println!("cleared cache {}", cache.alias());
    Ok(ExitCode::SUCCESS)
}

/// The columns of `platen cache stats`.
const HEADER: [&str; 8] = [
    "ALIAS",
    "BACKEND",
    "ENTRIES",
    "BYTES",
    "HITS",
    "MISSES",
    "INDEX_DEPS",
    "INDEX_LINKS",
];

fn opt(n: Option<u64>) -> String {
    n.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

fn row(alias: &str, backend: &str, s: &Stats) -> [String; 8] {
    [
        alias.to_owned(),
        backend.to_owned(),
        opt(s.entries),
        opt(s.bytes),
        s.hits.to_string(),
        s.misses.to_string(),
        opt(s.index_deps),
        opt(s.index_links),
    ]
}

/// The table: the first two columns left-aligned, the counts right-aligned.
fn table(rows: &[[String; 8]]) -> String {
    let header = HEADER.map(str::to_owned);
    let all: Vec<&[String; 8]> = std::iter::once(&header).chain(rows).collect();
    let widths: Vec<usize> = (0..8)
        .map(|i| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in all {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            if i < 2 {
                line.push_str(&format!("{cell:<w$}", w = widths[i]));
            } else {
                line.push_str(&format!("{cell:>w$}", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn stats(args: &TargetArgs) -> platen::Result<ExitCode> {
    let (settings, caches) = load(&args.settings)?;
    let chosen: Vec<&FragmentCache> = match &args.using {
        Some(alias) => vec![pick(&caches, alias, &args.settings)?],
        None => caches.iter().collect(),
    };
    let mut rows = Vec::new();
    let mut failed = false;
    for cache in chosen {
        note_if_memory(&settings, cache.alias());
        match cache.stats() {
            Ok(s) => rows.push(row(cache.alias(), backend_of(&settings, cache.alias()), &s)),
            Err(err) => {
                failed = true;
                let err = backend_error(&settings, cache.alias(), err);
                eprintln!("error: {err:#}");
            }
        }
    }
    if !rows.is_empty() || !failed {
        print!("{}", table(&rows));
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_aligned_and_unknown_counts_are_dashes() {
        let known = Stats {
            entries: Some(12),
            bytes: Some(3456),
            hits: 7,
            misses: 1,
            index_deps: Some(3),
            index_links: Some(20),
        };
        let unknown = Stats::default();
        let out = table(&[
            row("default", "memory", &known),
            row("template_fragments", "redis", &unknown),
        ]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].starts_with("ALIAS               BACKEND"), "{out}");
        assert!(lines[1].starts_with("default             memory "), "{out}");
        assert!(lines[2].ends_with('-'), "{out}");
        // Every line ends at the same column (the counts are right-aligned).
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{out}");
    }
}
