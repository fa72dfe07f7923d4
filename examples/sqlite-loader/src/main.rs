//! Renders a Handlebars template stored in SQLite, through the cached loader.

use std::process::ExitCode;

use platen::Settings;

fn main() -> ExitCode {
    match run() {
        Ok(page) => {
            print!("{page}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> platen::Result<String> {
    let dir = std::env::temp_dir().join(format!("platen-sqlite-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("templates.db");
    let loader = platen_example_sqlite_loader::SqliteLoader::open(&db)?;
    loader.put("hello.hbs", "Hello, {{name}}! {{> signature}}\n")?;
    loader.put("signature.hbs", "(stored in SQLite)")?;
    drop(loader);

    let settings_file = dir.join("platen.toml");
    std::fs::write(
        &settings_file,
        r#"
[[templates]]
backend = "platen.handlebars"
options.loaders = [{ loader = "platen.loaders.cached", loaders = [{ loader = "example.sqlite", path = "templates.db" }] }]
"#,
    )?;
    let settings = Settings::load(&settings_file)?;
    let mut registry = platen::registry();
    platen_example_sqlite_loader::register(&mut registry);
    let engines = registry.build_engines(&settings)?;
    let page = engines.render_to_string(
        &["hello.hbs"],
        &platen::context! { name => "world" },
        None,
        None,
    );
    let _ = std::fs::remove_dir_all(&dir);
    page
}
