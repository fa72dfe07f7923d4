//! Helpers shared by the test files.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use platen_core::{
    Context, Engine, Engines, Error, ErrorKind, Loader, LoaderChain, Origin, Registry, Result,
    Settings,
};
use platen_tera::{TeraEngine, tera};

/// A test-only loader: templates in a map, "found" in each of `places` in
/// turn (`<place>/<name>`), never caching, counting its reads.
#[derive(Debug)]
pub struct MapLoader {
    pub places: Vec<(String, HashMap<String, String>)>,
    pub reads: AtomicUsize,
}

impl MapLoader {
    /// One place per entry: `(place, [(name, source)])`.
    pub fn new(places: &[(&str, &[(&str, &str)])]) -> MapLoader {
        MapLoader {
            places: places
                .iter()
                .map(|(place, files)| {
                    let files = files
                        .iter()
                        .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
                        .collect();
                    ((*place).to_owned(), files)
                })
                .collect(),
            reads: AtomicUsize::new(0),
        }
    }
}

impl Loader for MapLoader {
    fn kind(&self) -> &str {
        "test.map"
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        self.places
            .iter()
            .map(|(place, _)| Origin::new(format!("{place}/{name}"), name, "test.map"))
            .collect()
    }

    fn get_contents(&self, origin: &Origin) -> Result<String> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let (place, name) = origin.name.split_once('/').unwrap();
        self.places
            .iter()
            .find(|(p, _)| p == place)
            .and_then(|(_, files)| files.get(name).cloned())
            .ok_or_else(|| Error::new(ErrorKind::TemplateNotFound, "source does not exist"))
    }

    fn list_templates(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .places
            .iter()
            .flat_map(|(_, f)| f.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// A Tera engine (default settings) over one loader.
pub fn map_engine(loader: Arc<dyn Loader>) -> TeraEngine {
    TeraEngine::new("tera", LoaderChain::new(vec![loader]), tera::Tera::new())
}

/// A temporary project directory with `files` written in it.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// A registry with platen's loaders and the default Tera backend.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    platen_loaders::register(&mut registry);
    platen_tera::register(&mut registry);
    registry
}

/// Writes `settings` as `dir/platen.toml`, loads it and builds its engines.
pub fn engines_with(dir: &Path, settings: &str, registry: &Registry) -> Result<Engines> {
    std::fs::write(dir.join("platen.toml"), settings).unwrap();
    registry.build_engines(&Settings::load(dir.join("platen.toml"))?)
}

/// One Tera engine with `dirs = ["a", "b"]` and `extra` appended to its entry.
pub const TWO_DIRS: &str = "[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"a\", \"b\"]\n";

pub fn render(engines: &Engines, name: &str, ctx: &Context) -> Result<String> {
    engines.render_to_string(&[name], ctx, None, None)
}

pub fn render_one(engine: &dyn Engine, name: &str, ctx: &Context) -> Result<String> {
    engine.get_template(name)?.render(ctx, None)
}

/// Django's `truncatewords`: the first `length` words joined by single
/// spaces, then " …" when words were dropped.
pub fn truncatewords(s: &str, kwargs: tera::Kwargs, _: &tera::State) -> tera::TeraResult<String> {
    let n: usize = kwargs.must_get("length")?;
    let words: Vec<&str> = s.split_whitespace().collect();
    Ok(if words.len() > n {
        format!("{} …", words[..n].join(" "))
    } else {
        words.join(" ")
    })
}
