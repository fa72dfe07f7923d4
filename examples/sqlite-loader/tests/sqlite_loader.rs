//! The SQLite loader serves templates to an engine through the cached loader.

use platen::{ErrorKind, Settings};
use platen_example_sqlite_loader::{SqliteLoader, register};

fn engines(dir: &std::path::Path) -> platen::Result<platen::Engines> {
    let file = dir.join("platen.toml");
    std::fs::write(
        &file,
        r#"
[[templates]]
backend = "platen.handlebars"
options.loaders = [{ loader = "platen.loaders.cached", loaders = [{ loader = "example.sqlite", path = "t.db" }] }]
"#,
    )?;
    let mut registry = platen::registry();
    register(&mut registry);
    registry.build_engines(&Settings::load(&file)?)
}

#[test]
fn renders_templates_and_partials_from_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let loader = SqliteLoader::open(&dir.path().join("t.db")).unwrap();
    loader.put("page.hbs", "<p>{{who}}</p>{{> part}}").unwrap();
    loader.put("part.hbs", "[part]").unwrap();
    let engines = engines(dir.path()).unwrap();
    let out = engines
        .render_to_string(&["page.hbs"], &platen::context! { who => "db" }, None, None)
        .unwrap();
    assert_eq!(out, "<p>db</p>[part]");
}

#[test]
fn a_missing_row_lists_the_database_as_tried() {
    let dir = tempfile::tempdir().unwrap();
    SqliteLoader::open(&dir.path().join("t.db")).unwrap();
    let engines = engines(dir.path()).unwrap();
    let err = engines.get_template("nope.hbs", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert!(err.to_string().contains("sqlite:"), "{err}");
}

#[test]
fn a_missing_path_argument_is_a_settings_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platen.toml");
    std::fs::write(
        &file,
        "[[templates]]\nbackend = \"platen.handlebars\"\noptions.loaders = [{ loader = \"example.sqlite\" }]\n",
    )
    .unwrap();
    let mut registry = platen::registry();
    register(&mut registry);
    let err = registry
        .build_engines(&Settings::load(&file).unwrap())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    let text = err.to_string();
    assert!(
        text.contains("templates[0].options.loaders[0].path"),
        "{text}"
    );
    assert!(text.contains("platen.toml"), "{text}");
}
