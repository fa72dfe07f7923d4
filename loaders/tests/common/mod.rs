//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use platen_core::{Compiled, Compiler, Error, ErrorKind, Loader, Origin, Result};

/// A compiler that keeps the source as the compiled value, counts compiles,
/// can take its time, and fails on sources containing "BAD".
#[derive(Default)]
pub struct TestCompiler {
    pub compiles: AtomicUsize,
    pub delay: Duration,
}

impl TestCompiler {
    pub fn new() -> TestCompiler {
        TestCompiler::default()
    }

    pub fn slow(delay: Duration) -> TestCompiler {
        TestCompiler {
            compiles: AtomicUsize::new(0),
            delay,
        }
    }

    pub fn count(&self) -> usize {
        self.compiles.load(Ordering::SeqCst)
    }
}

impl Compiler for TestCompiler {
    fn compile(&self, origin: &Origin, source: &str) -> Result<Compiled> {
        self.compiles.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        if source.contains("BAD") {
            return Err(Error::new(ErrorKind::SyntaxError, "found BAD").with_origin(origin));
        }
        Ok(Arc::new(source.to_owned()))
    }
}

/// A compiler for tests of templates that need others while compiling:
/// a line `include:NAME` is replaced by NAME's compiled text, fetched from
/// `loader` (as an engine resolving includes at compile time would).
pub struct IncludingCompiler {
    pub loader: Arc<dyn Loader>,
    pub compiles: AtomicUsize,
    pub delay: Duration,
}

impl IncludingCompiler {
    pub fn new(loader: Arc<dyn Loader>) -> IncludingCompiler {
        IncludingCompiler {
            loader,
            compiles: AtomicUsize::new(0),
            delay: Duration::ZERO,
        }
    }
}

impl Compiler for IncludingCompiler {
    fn compile(&self, _origin: &Origin, source: &str) -> Result<Compiled> {
        self.compiles.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        let mut out = String::new();
        for line in source.lines() {
            match line.strip_prefix("include:") {
                Some(name) => {
                    out.push_str(text(&self.loader.get_template(name.trim(), &[], self)?))
                }
                None => out.push_str(line),
            }
        }
        Ok(Arc::new(out))
    }
}

/// The text of a template compiled by the test compilers.
pub fn text(compiled: &Compiled) -> &str {
    compiled
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or("<not a String>")
}

/// Gets `name` through `loader` and returns its text, or the error.
pub fn get(loader: &dyn Loader, name: &str, compiler: &dyn Compiler) -> Result<String> {
    loader
        .get_template(name, &[], compiler)
        .map(|c| text(&c).to_owned())
}

/// Writes `contents` to `dir/name`, creating parent directories.
pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent directory");
    }
    fs::write(&path, contents).expect("write template");
    path
}

/// Replaces `path` with `contents` atomically (write a hidden file, rename
/// over), as editors do: a reader sees the old file or the new, never half.
pub fn write_atomic(path: &Path, contents: &str) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("file name");
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    fs::write(&tmp, contents).expect("write temporary file");
    fs::rename(&tmp, path).expect("rename over");
}

/// Sets the modification time of `path`.
pub fn set_mtime(path: &Path, time: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(time))
        .expect("set mtime");
}

/// Polls `check` until it is true or 5 s have passed; returns the last answer.
pub fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A loader that counts the calls made to the loader it wraps.
#[derive(Debug)]
pub struct CountingLoader {
    pub inner: Arc<dyn Loader>,
    pub sources: AtomicUsize,
    pub contents: AtomicUsize,
    pub modified: AtomicUsize,
}

impl CountingLoader {
    pub fn new(inner: Arc<dyn Loader>) -> CountingLoader {
        CountingLoader {
            inner,
            sources: AtomicUsize::new(0),
            contents: AtomicUsize::new(0),
            modified: AtomicUsize::new(0),
        }
    }

    /// Every call counted so far: (sources, contents, modified).
    pub fn calls(&self) -> (usize, usize, usize) {
        (
            self.sources.load(Ordering::SeqCst),
            self.contents.load(Ordering::SeqCst),
            self.modified.load(Ordering::SeqCst),
        )
    }
}

impl Loader for CountingLoader {
    fn kind(&self) -> &str {
        self.inner.kind()
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        self.sources.fetch_add(1, Ordering::SeqCst);
        self.inner.get_template_sources(name)
    }

    fn get_contents(&self, origin: &Origin) -> Result<String> {
        self.contents.fetch_add(1, Ordering::SeqCst);
        self.inner.get_contents(origin)
    }

    fn list_templates(&self) -> Result<Vec<String>> {
        self.inner.list_templates()
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        self.inner.watch_paths()
    }

    fn modified(&self, origin: &Origin) -> Option<SystemTime> {
        self.modified.fetch_add(1, Ordering::SeqCst);
        self.inner.modified(origin)
    }

    fn reset(&self) {
        self.inner.reset();
    }
}
