//! The example library, used through settings as an application would.

use platen::{Context, ErrorKind};

fn engines() -> platen::Engines {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("platen.toml");
    platen_example_custom_tags::registry()
        .build_engines(&platen::Settings::load(file).unwrap())
        .unwrap()
}

#[test]
fn the_page_uses_every_kind_of_tag() {
    let engines = engines();
    let post: platen::value::Map = [
        (
            std::sync::Arc::from("title"),
            platen::Value::from("<Escaping>"),
        ),
        (std::sync::Arc::from("author"), platen::Value::from("grace")),
    ]
    .into_iter()
    .collect();
    let ctx = Context::new()
        .with("user", "ada")
        .with("posts", vec![platen::Value::from(post)]);
    let page = engines
        .render_to_string(&["blog/page.html"], &ctx, None, None)
        .unwrap();
    assert_eq!(
        page,
        "<h1>POSTS!</h1>\n<p>Hello, ada!</p>\n\
         <article><h2>&lt;Escaping&gt;</h2><p>by grace</p></article>\n\n\
         THE END, ADA\n"
    );
}

#[test]
fn an_unloaded_library_is_a_syntax_error() {
    let engines = engines();
    let t = engines
        .get("dtl")
        .unwrap()
        .from_string("{% upper %}x{% endupper %}");
    let err = t.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.to_string()
            .contains("Did you forget to register or load this tag?"),
        "{err}"
    );
    let err = engines
        .get("dtl")
        .unwrap()
        .from_string("{% load nope %}")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("'nope' is not a registered tag library"),
        "{err}"
    );
}
