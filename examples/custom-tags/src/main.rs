//! Renders a page that loads the `blog_tags` library.

use std::process::ExitCode;

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
    let settings_file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("platen.toml");
    let settings = platen::Settings::load(settings_file)?;
    let engines = platen_example_custom_tags::registry().build_engines(&settings)?;
    let ctx = demo_context();
    engines.render_to_string(&["blog/page.html"], &ctx, None, None)
}

fn demo_context() -> platen::Context {
    let post = |title: &str, author: &str| -> platen::Value {
        let map: platen::value::Map = [
            (std::sync::Arc::from("title"), platen::Value::from(title)),
            (std::sync::Arc::from("author"), platen::Value::from(author)),
        ]
        .into_iter()
        .collect();
        platen::Value::from(map)
    };
    platen::Context::new().with("user", "ada").with(
        "posts",
        vec![post("Tags in Rust", "ada"), post("<Escaping>", "grace")],
    )
}
