//! A custom loader: templates stored in a SQLite table.
//!
//! A loader only finds and reads sources; the engine compiles them and the
//! cached loader keeps them. So a database-backed loader is two methods of
//! [`platen::Loader`], plus a factory so settings can name it:
//!
//! ```toml
//! [[templates]]
//! backend = "platen.handlebars"
//! options.loaders = [
//!   { loader = "platen.loaders.cached", loaders = [
//!       { loader = "example.sqlite", path = "templates.db" },
//!       "platen.loaders.filesystem",
//!   ] },
//! ]
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use platen::{Error, ErrorKind, Loader, LoaderEnv, LoaderSpec, Origin, Registry, Result};
use rusqlite::{Connection, OptionalExtension};

/// The registered name of the loader.
pub const NAME: &str = "example.sqlite";

/// Reads templates from the table `templates(name TEXT PRIMARY KEY, source TEXT NOT NULL)`.
#[derive(Debug)]
pub struct SqliteLoader {
    path: PathBuf,
    // rusqlite's Connection is Send but not Sync; loaders are shared across threads.
    conn: Mutex<Connection>,
}

impl SqliteLoader {
    /// Opens the database at `path`, creating the table if it is missing.
    pub fn open(path: &Path) -> Result<SqliteLoader> {
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS templates (name TEXT PRIMARY KEY, source TEXT NOT NULL)",
            [],
        )
        .map_err(|e| db_error(path, e))?;
        Ok(SqliteLoader {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// Inserts or replaces the template `name`.
    pub fn put(&self, name: &str, source: &str) -> Result<()> {
        self.conn()?
            .execute(
                "INSERT INTO templates (name, source) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET source = excluded.source",
                (name, source),
            )
            .map_err(|e| db_error(&self.path, e))?;
        Ok(())
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| {
            Error::new(
                ErrorKind::Io,
                "the SQLite connection was poisoned by a panic",
            )
        })
    }
}

fn db_error(path: &Path, err: rusqlite::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("SQLite database {}: {err}", path.display()),
    )
}

impl Loader for SqliteLoader {
    fn kind(&self) -> &str {
        NAME
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        vec![Origin::new(
            format!("sqlite:{}#{name}", self.path.display()),
            name,
            NAME,
        )]
    }

    fn get_contents(&self, origin: &Origin) -> Result<String> {
        let source: Option<String> = self
            .conn()?
            .query_row(
                "SELECT source FROM templates WHERE name = ?1",
                [&origin.template_name],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| db_error(&self.path, e))?;
        source.ok_or_else(|| Error::new(ErrorKind::TemplateNotFound, "no such row"))
    }

    fn list_templates(&self) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare("SELECT name FROM templates ORDER BY name")
            .map_err(|e| db_error(&self.path, e))?;
        let names = stmt
            .query_map([], |row| row.get(0))
            .and_then(|rows| rows.collect::<std::result::Result<Vec<String>, _>>())
            .map_err(|e| db_error(&self.path, e))?;
        Ok(names)
    }
}

/// Registers the loader under [`NAME`]; its settings entry takes `path`
/// (relative to the settings file).
pub fn register(registry: &mut Registry) {
    registry.register_loader(
        NAME,
        |spec: &LoaderSpec, env: &LoaderEnv<'_>| -> Result<Arc<dyn Loader>> {
            let path: String = match spec.extra.get("path").and_then(|v| v.as_str()) {
                Some(p) => p.to_owned(),
                None => {
                    return Err(Error::bad_setting(
                        format!("{}.path", spec.key),
                        spec.source.clone(),
                        "the sqlite loader needs `path`, the database file",
                    ));
                }
            };
            let path = env.settings.base_dir.join(path);
            Ok(Arc::new(SqliteLoader::open(&path)?))
        },
    );
}
