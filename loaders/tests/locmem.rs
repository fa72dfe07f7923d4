//! The locmem loader: templates in memory, replaceable at runtime.

mod common;

use std::sync::Arc;

use common::{TestCompiler, get};
use platen_core::{ErrorKind, Loader};
use platen_loaders::{CachedLoader, LOCMEM_LOADER, LocmemLoader};

#[test]
fn serves_lists_and_misses() {
    let loader = LocmemLoader::new([("b.html", "B"), ("a.html", "A")]);
    let c = TestCompiler::new();
    assert_eq!(loader.kind(), LOCMEM_LOADER);
    assert_eq!(get(&loader, "a.html", &c).unwrap(), "A");
    assert_eq!(loader.list_templates().unwrap(), ["a.html", "b.html"]);
    assert_eq!(loader.len(), 2);

    let origin = &loader.get_template_sources("a.html")[0];
    assert_eq!(
        (origin.name.as_str(), origin.template_name.as_str()),
        ("a.html", "a.html")
    );
    assert!(origin.path.is_none());

    let err = loader.get_template("nope.html", &[], &c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(err.tried().len(), 1);
    assert_eq!(err.tried()[0].reason, "source does not exist");
    assert_eq!(&*err.tried()[0].origin.loader, LOCMEM_LOADER);
}

#[test]
fn insert_replace_remove() {
    let loader = LocmemLoader::default();
    assert!(loader.is_empty());
    let c = TestCompiler::new();
    assert!(!loader.insert("x.html", "one"));
    assert_eq!(get(&loader, "x.html", &c).unwrap(), "one");
    assert!(loader.insert("x.html", "two"));
    assert_eq!(get(&loader, "x.html", &c).unwrap(), "two");
    assert_eq!(loader.source("x.html").as_deref(), Some("two"));
    assert!(loader.remove("x.html"));
    assert!(!loader.remove("x.html"));
    assert_eq!(
        loader.get_template("x.html", &[], &c).unwrap_err().kind(),
        ErrorKind::TemplateNotFound
    );
}

#[test]
fn a_cached_loader_sees_changes_only_after_reset() {
    let locmem = Arc::new(LocmemLoader::new([("x.html", "one")]));
    let cache = CachedLoader::new(vec![locmem.clone()]);
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "x.html", &c).unwrap(), "one");
    locmem.insert("x.html", "two");
    locmem.insert("y.html", "new");
    assert_eq!(get(&cache, "x.html", &c).unwrap(), "one");
    cache.reset();
    assert_eq!(get(&cache, "x.html", &c).unwrap(), "two");
    assert_eq!(get(&cache, "y.html", &c).unwrap(), "new");
}
