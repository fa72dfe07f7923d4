//! Two engines from one settings file, used through one `Engines`.

use platen::{Context, ErrorKind, Settings};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

const SETTINGS: &str = r#"
[[templates]]
backend = "platen.handlebars"
name = "hbs"
dirs = ["hbs", "shared"]
options = { strict_mode = true }

[[templates]]
backend = "platen.tera"
name = "tera"
dirs = ["tera", "shared"]
"#;

fn engines(dir: &tempfile::TempDir) -> platen::Engines {
    platen::engines_from_file(dir.path().join("platen.toml")).unwrap()
}

#[test]
fn both_engines_render_through_one_engines() {
    let dir = project(&[
        ("platen.toml", SETTINGS),
        ("hbs/card.hbs", "<b>{{title}}</b>{{> sig}}"),
        ("shared/sig.hbs", " -- {{author}}"),
        (
            "tera/page.html",
            "{% extends \"layout.html\" %}{% block body %}[{{ title }}]{% endblock body %}",
        ),
        (
            "shared/layout.html",
            "<main>{% block body %}{% endblock body %}</main>",
        ),
    ]);
    let engines = engines(&dir);
    let ctx = Context::new().with("title", "T & U").with("author", "ada");
    let card = engines
        .render_to_string(&["card.hbs"], &ctx, None, None)
        .unwrap();
    assert_eq!(card, "<b>T &amp; U</b> -- ada");
    let page = engines
        .render_to_string(&["page.html"], &ctx, None, None)
        .unwrap();
    assert_eq!(page, "<main>[T &amp; U]</main>");
    assert_eq!(engines.all().len(), 2);
    assert_eq!(engines.get("tera").unwrap().backend(), "platen.tera");
}

#[test]
fn the_tried_list_spans_both_engines() {
    let dir = project(&[
        ("platen.toml", SETTINGS),
        ("hbs/a.hbs", "a"),
        ("tera/b.html", "b"),
        ("shared/.keep", ""),
    ]);
    let engines = engines(&dir);
    let err = engines.get_template("missing.html", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    let tried: Vec<(Option<&str>, &str)> = err
        .tried()
        .iter()
        .map(|t| (t.engine.as_deref(), t.origin.name.as_str()))
        .collect();
    let hbs: Vec<_> = tried.iter().filter(|(e, _)| *e == Some("hbs")).collect();
    let tera: Vec<_> = tried.iter().filter(|(e, _)| *e == Some("tera")).collect();
    assert!(
        hbs.iter().any(|(_, p)| p.ends_with("hbs/missing.html")),
        "{tried:?}"
    );
    assert!(
        hbs.iter().any(|(_, p)| p.ends_with("shared/missing.html")),
        "{tried:?}"
    );
    assert!(
        tera.iter().any(|(_, p)| p.ends_with("tera/missing.html")),
        "{tried:?}"
    );
    assert!(
        tera.iter().any(|(_, p)| p.ends_with("shared/missing.html")),
        "{tried:?}"
    );
    // Engines are tried in settings order.
    let first_tera = tried.iter().position(|(e, _)| *e == Some("tera")).unwrap();
    assert!(tried[..first_tera].iter().all(|(e, _)| *e == Some("hbs")));
    let text = err.to_string();
    assert!(text.contains("[hbs]") && text.contains("[tera]"), "{text}");
}

#[test]
fn select_template_takes_the_first_that_exists() {
    let dir = project(&[
        ("platen.toml", SETTINGS),
        ("hbs/.keep", ""),
        ("tera/second.html", "2"),
        ("shared/.keep", ""),
    ]);
    let engines = engines(&dir);
    let t = engines
        .select_template(&["first.html", "second.html"], None)
        .unwrap();
    assert_eq!(t.render(&Context::new(), None).unwrap(), "2");
    let err = engines
        .select_template(&["x.html", "y.html"], None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    let text = err.to_string();
    assert!(text.contains("x.html") && text.contains("y.html"), "{text}");
}

#[test]
fn a_bad_backend_names_the_key_and_file() {
    let dir = project(&[(
        "platen.toml",
        "[[templates]]\nbackend = \"platen.handlebar\"\n",
    )]);
    let file = dir.path().join("platen.toml");
    let err = platen::engines_from_file(&file).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    let text = err.to_string();
    assert!(text.contains("templates[0].backend"), "{text}");
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(text.contains("did you mean `platen.handlebars`"), "{text}");
}

#[test]
fn settings_can_be_built_in_code() {
    let dir = project(&[("tera/x.html", "{{ n + 1 }}")]);
    let figment = Settings::figment(None)
        .unwrap()
        .merge(figment_toml(&format!(
            "[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"{}\"]\n",
            dir.path().join("tera").display()
        )));
    let settings = Settings::from_figment(figment, dir.path(), None).unwrap();
    let engines = platen::engines_from_settings(&settings).unwrap();
    let out = engines
        .render_to_string(&["x.html"], &Context::new().with("n", 41), None, None)
        .unwrap();
    assert_eq!(out, "42");
}

fn figment_toml(s: &str) -> impl figment::Provider {
    use figment::providers::Format;
    figment::providers::Toml::string(s)
}

#[test]
fn an_unknown_loader_names_the_key_and_file() {
    let dir = project(&[(
        "platen.toml",
        "[[templates]]\nbackend = \"platen.tera\"\noptions.loaders = [{ loader = \"platen.loaders.cached\", loaders = [\"platen.loaders.filesytem\"] }]\n",
    )]);
    let file = dir.path().join("platen.toml");
    let err = platen::engines_from_file(&file).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSettings);
    let text = err.to_string();
    assert!(
        text.contains("templates[0].options.loaders[0].loaders[0]"),
        "{text}"
    );
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(
        text.contains("did you mean `platen.loaders.filesystem`"),
        "{text}"
    );
}

#[test]
fn django_names_are_accepted() {
    let dir = project(&[
        (
            "platen.toml",
            "[[templates]]\nbackend = \"django.template.backends.django.DjangoTemplates\"\noptions.loaders = [\"django.template.loaders.filesystem.Loader\"]\ndirs = [\"t\"]\n",
        ),
        ("t/x.html", "{{ a|upper }}"),
    ]);
    let engines = engines(&dir);
    let out = engines
        .render_to_string(&["x.html"], &Context::new().with("a", "dtl"), None, None)
        .unwrap();
    assert_eq!(out, "DTL");
}
