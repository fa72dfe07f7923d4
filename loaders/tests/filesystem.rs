//! The filesystem loader: order, misses, refusals, errors, charsets, listing.

mod common;

use std::fs;
use std::sync::Arc;

use common::{TestCompiler, get, write};
use platen_core::{ErrorKind, FILESYSTEM_LOADER, Loader, Origin, find_template};
use platen_loaders::{Charset, FilesystemLoader, LocmemLoader};

#[test]
fn dirs_are_searched_in_order() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "page.html", "from a");
    write(b.path(), "page.html", "from b");
    write(b.path(), "only_b.html", "only in b");
    let loader = FilesystemLoader::new([a.path(), b.path()]);
    let c = TestCompiler::new();
    assert_eq!(get(&loader, "page.html", &c).unwrap(), "from a");
    assert_eq!(get(&loader, "only_b.html", &c).unwrap(), "only in b");

    let sources = loader.get_template_sources("page.html");
    let paths: Vec<_> = sources.iter().map(|o| o.path.clone().unwrap()).collect();
    assert_eq!(
        paths,
        [a.path().join("page.html"), b.path().join("page.html")]
    );
    assert!(
        sources
            .iter()
            .all(|o| &*o.loader == FILESYSTEM_LOADER && o.template_name == "page.html")
    );
    assert_eq!(loader.kind(), FILESYSTEM_LOADER);
}

#[test]
fn nested_names_and_dot_segments() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "blog/post.html", "post");
    write(dir.path(), "base.html", "base");
    let loader = FilesystemLoader::new([dir.path()]);
    let c = TestCompiler::new();
    assert_eq!(get(&loader, "blog/post.html", &c).unwrap(), "post");
    assert_eq!(get(&loader, "./blog//post.html", &c).unwrap(), "post");
    // `..` that stays inside the directory is allowed, as in Django.
    assert_eq!(get(&loader, "blog/../base.html", &c).unwrap(), "base");
    let origin = &loader.get_template_sources("blog/../base.html")[0];
    assert_eq!(
        origin.path.as_deref(),
        Some(dir.path().join("base.html").as_path())
    );
}

#[test]
fn a_miss_lists_every_place_with_its_reason() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let loader = FilesystemLoader::new([a.path(), b.path()]);
    let err = loader
        .get_template("nope.html", &[], &TestCompiler::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(err.detail(), Some("nope.html"));
    let tried: Vec<_> = err
        .tried()
        .iter()
        .map(|t| (t.origin.name.clone(), t.reason.clone()))
        .collect();
    assert_eq!(
        tried,
        [
            (
                a.path().join("nope.html").display().to_string(),
                "source does not exist".to_owned()
            ),
            (
                b.path().join("nope.html").display().to_string(),
                "source does not exist".to_owned()
            ),
        ]
    );

    // Across loaders, the chain lists every place of every loader.
    let chain: Vec<Arc<dyn Loader>> = vec![Arc::new(loader), Arc::new(LocmemLoader::default())];
    let err = find_template(&chain, "nope.html", &[], &TestCompiler::new()).unwrap_err();
    assert_eq!(err.tried().len(), 3);
    let text = err.to_string();
    assert!(text.contains("platen.loaders.locmem"), "{text}");
}

/// A layout with a secret next to (outside) the template directory.
fn layout() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let templates = root.path().join("templates");
    fs::create_dir_all(templates.join("a")).unwrap();
    let secret = write(root.path(), "secret.html", "SECRET");
    write(&templates, "ok.html", "ok");
    // Unreadable: were the loader to try reading it, the error would be an
    // I/O error rather than a refusal (unless the tests run as root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    }
    (root, templates, secret)
}

#[test]
fn names_that_leave_the_directory_are_refused_and_never_read() {
    let (_root, templates, secret) = layout();
    let loader = FilesystemLoader::new([&templates, &templates.join("a")]);
    let compiler = TestCompiler::new();
    let absolute = secret.display().to_string();
    let names = [
        "../secret.html",
        "a/../../secret.html",
        "a/../a/../../secret.html",
        absolute.as_str(),
        "/etc/passwd",
        "\\..\\secret.html",
        "..\\secret.html",
        "secret.html\0",
        "../secret.html\0.html",
        "C:secret.html",
        "c:/secret.html",
        "",
        "a/..",
    ];
    for name in names {
        let err = loader.get_template(name, &[], &compiler).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{name:?}: {err}");
        assert_eq!(err.tried().len(), 2, "{name:?}: {err}");
        for tried in err.tried() {
            assert!(tried.reason.starts_with("refused: "), "{name:?}: {tried}");
        }
        assert!(!format!("{err:#}").contains("SECRET"), "{name:?}: {err:#}");
        for origin in loader.get_template_sources(name) {
            let err = loader.get_contents(&origin).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Suspicious, "{name:?}: {err}");
            assert_eq!(loader.modified(&origin), None, "{name:?}");
        }
    }
    assert_eq!(
        compiler.count(),
        0,
        "nothing refused may reach the compiler"
    );
}

#[test]
fn an_origin_the_loader_did_not_make_is_refused() {
    let (_root, templates, secret) = layout();
    let loader = FilesystemLoader::new([&templates]);
    // A forged origin pointing at the secret, with an innocent name.
    let forged = Origin::file(secret.clone(), "ok.html", FILESYSTEM_LOADER);
    assert_eq!(
        loader.get_contents(&forged).unwrap_err().kind(),
        ErrorKind::Suspicious
    );
    let forged = Origin::file(
        templates.join("../secret.html"),
        "../secret.html",
        FILESYSTEM_LOADER,
    );
    assert_eq!(
        loader.get_contents(&forged).unwrap_err().kind(),
        ErrorKind::Suspicious
    );
    assert_eq!(loader.modified(&forged), None);
}

#[cfg(unix)]
#[test]
fn symlinks_leading_outside_are_refused_and_never_read() {
    use std::os::unix::fs::symlink;
    let (root, templates, secret) = layout();
    symlink(&secret, templates.join("link.html")).unwrap();
    let outside = root.path().join("outside");
    write(&outside, "x.html", "SECRET TOO");
    symlink(&outside, templates.join("linkdir")).unwrap();
    // A link that stays inside is fine.
    symlink(templates.join("ok.html"), templates.join("alias.html")).unwrap();

    let loader = FilesystemLoader::new([&templates]);
    let compiler = TestCompiler::new();
    for name in ["link.html", "linkdir/x.html"] {
        let err = loader.get_template(name, &[], &compiler).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{err}");
        assert!(err.tried()[0].reason.starts_with("refused: "), "{err}");
        assert!(err.tried()[0].reason.contains("symbolic link"), "{err}");
        assert!(!format!("{err:#}").contains("SECRET"), "{err:#}");
    }
    assert_eq!(compiler.count(), 0);
    assert_eq!(get(&loader, "alias.html", &compiler).unwrap(), "ok");
    // A template directory that is itself reached through a link works.
    let via_link = root.path().join("templates-link");
    symlink(&templates, &via_link).unwrap();
    let loader = FilesystemLoader::new([&via_link]);
    assert_eq!(get(&loader, "ok.html", &compiler).unwrap(), "ok");
    assert_eq!(
        loader
            .get_template("link.html", &[], &compiler)
            .unwrap_err()
            .kind(),
        ErrorKind::TemplateNotFound
    );
}

#[test]
fn a_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("dir.html")).unwrap();
    let loader = FilesystemLoader::new([dir.path()]);
    let err = loader
        .get_template("dir.html", &[], &TestCompiler::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(
        err.to_string()
            .contains(&dir.path().join("dir.html").display().to_string()),
        "{err}"
    );
    assert_eq!(
        err.origin().map(|o| o.template_name.as_str()),
        Some("dir.html")
    );
}

#[test]
fn a_path_through_a_file_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "file.html", "x");
    let loader = FilesystemLoader::new([dir.path()]);
    let err = loader
        .get_template("file.html/inner.html", &[], &TestCompiler::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound, "{err}");
}

#[cfg(unix)]
#[test]
fn permission_denied_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "locked.html", "x");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        // Running as root: permissions do not apply.
        return;
    }
    let loader = FilesystemLoader::new([dir.path()]);
    let err = loader
        .get_template("locked.html", &[], &TestCompiler::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(err.to_string().contains("locked.html"), "{err}");
}

#[test]
fn files_are_decoded_in_the_charset() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("latin.html"), b"caf\xe9").unwrap();
    let c = TestCompiler::new();

    let latin = FilesystemLoader::new([dir.path()]).with_charset(Charset::Latin1);
    assert_eq!(latin.charset(), Charset::Latin1);
    assert_eq!(get(&latin, "latin.html", &c).unwrap(), "café");

    let utf8 = FilesystemLoader::new([dir.path()]);
    let err = utf8.get_template("latin.html", &[], &c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue, "{err}");
    let text = err.to_string();
    assert!(text.contains("offset 3"), "{text}");
    assert!(
        text.contains(&dir.path().join("latin.html").display().to_string()),
        "{text}"
    );
    assert_eq!(c.count(), 1);
}

#[test]
fn list_templates_walks_every_dir_skipping_hidden() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for name in [
        "index.html",
        "blog/post.html",
        "blog/deep/er.txt",
        ".hidden.html",
        ".git/HEAD",
        "blog/.cache/x",
    ] {
        write(a.path(), name, "x");
    }
    write(b.path(), "index.html", "shadowed");
    write(b.path(), "other.html", "x");
    let loader = FilesystemLoader::new([a.path(), b.path(), &a.path().join("missing")]);
    assert_eq!(
        loader.list_templates().unwrap(),
        [
            "blog/deep/er.txt",
            "blog/post.html",
            "index.html",
            "other.html"
        ]
    );
}

#[test]
fn watch_paths_and_modified() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let path = write(a.path(), "page.html", "x");
    let loader = FilesystemLoader::new([a.path(), b.path()]);
    assert_eq!(
        loader.watch_paths(),
        [a.path().to_path_buf(), b.path().to_path_buf()]
    );
    assert_eq!(loader.dirs(), loader.watch_paths().as_slice());
    let sources = loader.get_template_sources("page.html");
    let mtime = fs::metadata(&path).unwrap().modified().unwrap();
    assert_eq!(loader.modified(&sources[0]), Some(mtime));
    assert_eq!(loader.modified(&sources[1]), None);
}
