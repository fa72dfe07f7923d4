//! The app directories loader: apps in order, apps without templates skipped.

mod common;

use std::path::PathBuf;

use common::{TestCompiler, get, write};
use platen_core::{APP_DIRECTORIES_LOADER, App, ErrorKind, Loader};
use platen_loaders::AppDirectoriesLoader;

fn apps() -> (tempfile::TempDir, Vec<PathBuf>) {
    let root = tempfile::tempdir().unwrap();
    let blog = root.path().join("blog");
    let plain = root.path().join("plain");
    let shop = root.path().join("shop");
    write(&blog, "templates/page.html", "blog page");
    std::fs::create_dir_all(&plain).unwrap();
    write(&shop, "templates/page.html", "shop page");
    write(&shop, "templates/shop/cart.html", "cart");
    (root, vec![blog, plain, shop])
}

#[test]
fn apps_are_searched_in_order() {
    let (_root, apps) = apps();
    let loader = AppDirectoriesLoader::new(&apps);
    assert_eq!(loader.kind(), APP_DIRECTORIES_LOADER);
    // The app without a templates directory is skipped.
    assert_eq!(
        loader.dirs(),
        [apps[0].join("templates"), apps[2].join("templates")]
    );
    let c = TestCompiler::new();
    assert_eq!(get(&loader, "page.html", &c).unwrap(), "blog page");
    assert_eq!(get(&loader, "shop/cart.html", &c).unwrap(), "cart");

    // Reversed order, reversed winner.
    let reversed: Vec<_> = apps.iter().rev().collect();
    let loader = AppDirectoriesLoader::new(reversed);
    assert_eq!(get(&loader, "page.html", &c).unwrap(), "shop page");
}

#[test]
fn from_settings_apps() {
    let (_root, apps) = apps();
    let apps: Vec<App> = apps
        .iter()
        .map(|p| App {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            path: p.clone(),
        })
        .collect();
    let loader = AppDirectoriesLoader::from_apps(&apps);
    assert_eq!(loader.dirs().len(), 2);
    assert_eq!(
        loader.list_templates().unwrap(),
        ["page.html", "shop/cart.html"]
    );
    assert_eq!(loader.watch_paths(), loader.dirs());
}

#[test]
fn a_miss_lists_each_app_and_refusals_are_never_read() {
    let (_root, apps) = apps();
    let loader = AppDirectoriesLoader::new(&apps);
    let c = TestCompiler::new();
    let err = loader.get_template("nope.html", &[], &c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    let names: Vec<_> = err
        .tried()
        .iter()
        .map(|t| t.origin.path.clone().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            apps[0].join("templates/nope.html"),
            apps[2].join("templates/nope.html")
        ]
    );
    assert!(
        err.tried()
            .iter()
            .all(|t| t.reason == "source does not exist")
    );

    for name in [
        "../../shop/templates/page.html",
        "../templates/page.html",
        "/etc/passwd",
        "\\..\\x",
        "a\0b",
    ] {
        let err = loader.get_template(name, &[], &c).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{name:?}");
        assert!(
            err.tried()
                .iter()
                .all(|t| t.reason.starts_with("refused: ")),
            "{err}"
        );
    }
    assert_eq!(c.count(), 0);
}
