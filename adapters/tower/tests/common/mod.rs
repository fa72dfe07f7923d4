//! Helpers shared by the integration tests: a site in a temporary directory
//! (a `platen.toml` with one DTL engine and its templates), and body reading.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::Response;
use http_body_util::{BodyExt, Full};
use platen::{Engines, Settings};
use platen_tower::{ContextProcessors, TemplatesLayer};

/// A temporary site: settings file and templates.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub settings: Settings,
}

impl Site {
    /// Writes `templates` under `templates/` and a `platen.toml` with one
    /// `platen.dtl` engine over it, `debug` and `processors`.
    pub fn new(debug: bool, processors: &[&str], templates: &[(&str, &str)]) -> Site {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        for (name, source) in templates {
            let path = dir.path().join("templates").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, source).unwrap();
        }
        let list = processors
            .iter()
            .map(|p| format!("{p:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let toml = format!(
            "debug = {debug}\nstatic_url = \"/assets/\"\n\n[[templates]]\nbackend = \"platen.dtl\"\nname = \"dtl\"\ndirs = [\"templates\"]\noptions.context_processors = [{list}]\n"
        );
        std::fs::write(dir.path().join("platen.toml"), toml).unwrap();
        let settings = Settings::load(dir.path().join("platen.toml")).unwrap();
        Site { dir, settings }
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.dir.path().join("platen.toml")
    }

    /// The template directory.
    pub fn templates(&self) -> PathBuf {
        self.dir.path().join("templates")
    }

    /// The engines, built from the settings file with `platen::engines_from_file`.
    pub fn engines(&self) -> Engines {
        platen::engines_from_file(self.settings_file()).unwrap()
    }

    /// A layer from the settings, with `processors` as the registry.
    pub fn layer_with(&self, processors: &ContextProcessors) -> TemplatesLayer {
        TemplatesLayer::from_settings_with(&self.settings, self.engines(), processors).unwrap()
    }

    /// A layer from the settings, with the built-in processors.
    pub fn layer(&self) -> TemplatesLayer {
        self.layer_with(&ContextProcessors::new())
    }

    /// Rewrites a template and moves its mtime forward, so that a check
    /// by modification time sees the change however coarse the clock.
    pub fn edit(&self, name: &str, source: &str) {
        let path = self.templates().join(name);
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, source).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_modified(before + std::time::Duration::from_secs(5))
            .unwrap();
    }

    /// The site's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A handler's body type.
pub type Body = Full<Bytes>;

/// Reads a whole response body as text.
pub async fn text<B>(response: Response<B>) -> String
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}
