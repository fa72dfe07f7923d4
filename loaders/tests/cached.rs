//! The cached loader: sharing, single-flight, cached misses and errors,
//! reset under load, warm, delegation.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use common::{CountingLoader, IncludingCompiler, TestCompiler, get, text, write};
use platen_core::{CACHED_LOADER, Compiled, ErrorKind, Loader, find_template};
use platen_loaders::{CachedLoader, FilesystemLoader, LocmemLoader};

const THREADS: usize = 64;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn is_send_and_sync() {
    assert_send_sync::<CachedLoader>();
}

#[test]
fn concurrent_first_requests_compile_once_and_share_one_arc() {
    let cache = CachedLoader::new(vec![Arc::new(LocmemLoader::new([("page.html", "page")]))]);
    let compiler = TestCompiler::slow(Duration::from_millis(30));
    let barrier = Barrier::new(THREADS);
    let results: Vec<Compiled> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    cache.get_template("page.html", &[], &compiler).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        compiler.count(),
        1,
        "one compile for {THREADS} simultaneous requests"
    );
    assert!(results.iter().all(|r| Arc::ptr_eq(r, &results[0])));
    assert_eq!(text(&results[0]), "page");

    // Hits from every thread: the same Arc again, no compile.
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..100 {
                    let hit = cache.get_template("page.html", &[], &compiler).unwrap();
                    assert!(Arc::ptr_eq(&hit, &results[0]));
                }
            });
        }
    });
    assert_eq!(compiler.count(), 1);
}

#[test]
fn a_concurrent_miss_is_looked_up_once_and_remembered() {
    let inner = Arc::new(CountingLoader::new(Arc::new(LocmemLoader::default())));
    let cache = CachedLoader::new(vec![inner.clone()]);
    let compiler = TestCompiler::new();
    let barrier = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                barrier.wait();
                let err = cache
                    .get_template("missing.html", &[], &compiler)
                    .unwrap_err();
                assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
                assert_eq!(err.detail(), Some("missing.html"));
                assert_eq!(err.tried().len(), 1);
            });
        }
    });
    assert_eq!(
        inner.calls(),
        (1, 1, 0),
        "one lookup for {THREADS} simultaneous misses"
    );
    for _ in 0..10 {
        assert!(cache.get_template("missing.html", &[], &compiler).is_err());
    }
    assert_eq!(inner.calls(), (1, 1, 0), "a miss is remembered");
}

#[test]
fn a_miss_is_remembered_until_reset_without_auto_reload() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CachedLoader::new(vec![Arc::new(FilesystemLoader::new([dir.path()]))]);
    let c = TestCompiler::new();
    assert_eq!(
        cache.get_template("new.html", &[], &c).unwrap_err().kind(),
        ErrorKind::TemplateNotFound
    );
    write(dir.path(), "new.html", "now here");
    assert_eq!(
        cache.get_template("new.html", &[], &c).unwrap_err().kind(),
        ErrorKind::TemplateNotFound
    );
    cache.reset();
    assert_eq!(get(&cache, "new.html", &c).unwrap(), "now here");
}

#[test]
fn production_mode_serves_the_cached_version_and_makes_no_filesystem_call_on_a_hit() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "page.html", "old");
    let inner = Arc::new(CountingLoader::new(Arc::new(FilesystemLoader::new([
        dir.path()
    ]))));
    let cache = CachedLoader::new(vec![inner.clone()]);
    assert!(!cache.auto_reload());
    assert!(cache.watched_paths().is_empty());
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "old");
    let after_miss = inner.calls();
    std::fs::write(&path, "new").unwrap();
    for _ in 0..100 {
        assert_eq!(get(&cache, "page.html", &c).unwrap(), "old");
    }
    assert_eq!(
        inner.calls(),
        after_miss,
        "a hit calls nothing on the inner loader"
    );
    assert_eq!(
        inner.calls().2,
        0,
        "no modification time is asked in production"
    );
    cache.reset();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "new");
    assert_eq!(c.count(), 2);
}

#[test]
fn compile_errors_are_remembered_until_reset() {
    let locmem = Arc::new(LocmemLoader::new([("bad.html", "BAD")]));
    let cache = CachedLoader::new(vec![locmem.clone()]);
    let c = TestCompiler::new();
    for _ in 0..3 {
        let err = cache.get_template("bad.html", &[], &c).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SyntaxError);
        assert_eq!(err.template_name(), Some("bad.html"));
    }
    assert_eq!(c.count(), 1);
    locmem.insert("bad.html", "good");
    cache.reset();
    assert_eq!(get(&cache, "bad.html", &c).unwrap(), "good");
}

#[test]
fn a_missing_include_is_an_error_of_the_including_template() {
    let locmem: Arc<dyn Loader> = Arc::new(LocmemLoader::new([
        ("page.html", "before\ninclude:missing.html"),
        ("ok.html", "fine"),
    ]));
    let cache: Arc<dyn Loader> = Arc::new(CachedLoader::new(vec![locmem]));
    let fallback: Arc<dyn Loader> = Arc::new(LocmemLoader::new([("page.html", "fallback")]));
    let compiler = IncludingCompiler::new(cache.clone());

    let err = cache.get_template("page.html", &[], &compiler).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);
    assert_eq!(
        err.detail(),
        Some("missing.html"),
        "the error names the include, not the page"
    );
    // The chain does not take it for a miss of page.html and try the next loader.
    let err = find_template(&[cache.clone(), fallback], "page.html", &[], &compiler).unwrap_err();
    assert_eq!(err.detail(), Some("missing.html"));
    assert_eq!(
        compiler.compiles.load(Ordering::SeqCst),
        1,
        "the error is cached"
    );
}

#[test]
fn the_skip_list_is_part_of_the_key() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "base.html", "base a");
    write(b.path(), "base.html", "base b");
    let fs = Arc::new(FilesystemLoader::new([a.path(), b.path()]));
    let cache = CachedLoader::new(vec![fs.clone()]);
    let c = TestCompiler::new();
    let first = fs.get_template_sources("base.html").remove(0);
    let skipped = cache
        .get_template("base.html", std::slice::from_ref(&first), &c)
        .unwrap();
    assert_eq!(text(&skipped), "base b");
    assert_eq!(get(&cache, "base.html", &c).unwrap(), "base a");
    // An unrelated origin in the skip list does not change the key.
    let other = fs.get_template_sources("other.html").remove(0);
    assert_eq!(
        text(&cache.get_template("base.html", &[other], &c).unwrap()),
        "base a"
    );
    assert!(Arc::ptr_eq(
        &cache
            .get_template("base.html", std::slice::from_ref(&first), &c)
            .unwrap(),
        &skipped
    ));
    assert_eq!(c.count(), 2);
    let err = cache.get_template(
        "base.html",
        &[first, fs.get_template_sources("base.html").remove(1)],
        &c,
    );
    let err = err.unwrap_err();
    assert!(
        err.tried()
            .iter()
            .all(|t| t.reason == "skipped to avoid recursion"),
        "{err}"
    );
}

fn version(k: usize) -> String {
    format!("v{k:04};").repeat(64)
}

fn parse_version(s: &str) -> Option<usize> {
    let k: usize = s.get(1..5)?.parse().ok()?;
    (s == version(k)).then_some(k)
}

#[test]
fn reset_under_concurrent_load_never_serves_a_mixed_or_stale_result() {
    let locmem = Arc::new(LocmemLoader::new([("t.html", version(0))]));
    let cache = CachedLoader::new(vec![locmem.clone()]);
    let compiler = TestCompiler::new();
    let published = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let barrier = Barrier::new(THREADS + 1);
    const ROUNDS: usize = 40;
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                barrier.wait();
                let mut loads = 0usize;
                while !done.load(Ordering::Acquire) || loads == 0 {
                    let floor = published.load(Ordering::Acquire);
                    let got = cache.get_template("t.html", &[], &compiler).unwrap();
                    let k = parse_version(text(&got))
                        .unwrap_or_else(|| panic!("corrupt result {:?}", text(&got)));
                    assert!(
                        k >= floor,
                        "saw version {k} after version {floor} was reset in"
                    );
                    loads += 1;
                }
            });
        }
        barrier.wait();
        for k in 1..=ROUNDS {
            locmem.insert("t.html", version(k));
            cache.reset();
            published.store(k, Ordering::Release);
            let got = cache.get_template("t.html", &[], &compiler).unwrap();
            assert_eq!(parse_version(text(&got)), Some(k));
            std::thread::sleep(Duration::from_millis(2));
        }
        done.store(true, Ordering::Release);
    });
    assert_eq!(
        parse_version(&get(&cache, "t.html", &compiler).unwrap()),
        Some(ROUNDS)
    );
}

#[test]
fn a_panicking_compile_releases_the_slot() {
    let cache = CachedLoader::new(vec![Arc::new(LocmemLoader::new([("p.html", "p")]))]);
    let panics = AtomicBool::new(true);
    let compiler = |_: &platen_core::Origin, src: &str| -> platen_core::Result<Compiled> {
        if panics.swap(false, Ordering::SeqCst) {
            panic!("compiler bug");
        }
        Ok(Arc::new(src.to_owned()))
    };
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cache.get_template("p.html", &[], &compiler)
    }));
    assert!(first.is_err());
    assert_eq!(get(&cache, "p.html", &compiler).unwrap(), "p");
}

#[test]
fn self_inclusion_is_a_recursion_error() {
    let locmem: Arc<dyn Loader> = Arc::new(LocmemLoader::new([("a.html", "include:a.html")]));
    let cache: Arc<dyn Loader> = Arc::new(CachedLoader::new(vec![locmem]));
    let compiler = IncludingCompiler::new(cache.clone());
    let err = cache.get_template("a.html", &[], &compiler).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Recursion, "{err}");
    assert!(err.to_string().contains("a.html -> a.html"), "{err}");
}

#[test]
fn templates_including_each_other_from_two_threads_do_not_deadlock() {
    // a includes b, b includes a; thread 1 starts at a, thread 2 at b, both
    // inside their compile before either asks for the other.
    let locmem: Arc<dyn Loader> = Arc::new(LocmemLoader::new([
        ("a.html", "include:b.html"),
        ("b.html", "include:a.html"),
    ]));
    let cache: Arc<dyn Loader> = Arc::new(CachedLoader::new(vec![locmem]));
    let compiler = Arc::new(IncludingCompiler {
        delay: Duration::from_millis(50),
        ..IncludingCompiler::new(cache.clone())
    });
    let (tx, rx) = mpsc::channel();
    let barrier = Arc::new(Barrier::new(2));
    for name in ["a.html", "b.html"] {
        let (cache, compiler, tx, barrier) =
            (cache.clone(), compiler.clone(), tx.clone(), barrier.clone());
        // Plain threads, so that a deadlock fails the test instead of hanging it.
        std::thread::spawn(move || {
            barrier.wait();
            let _ = tx.send(
                cache
                    .get_template(name, &[], &*compiler)
                    .map(|_| ())
                    .map_err(|e| e.kind()),
            );
        });
    }
    for _ in 0..2 {
        let result = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("deadlock: no answer within 10 s");
        assert_eq!(result, Err(ErrorKind::Recursion));
    }
}

#[test]
fn warm_compiles_everything_and_returns_every_error() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "ok.html", "ok");
    write(a.path(), "bad1.html", "BAD one");
    write(a.path(), "sub/bad2.html", "BAD two");
    write(a.path(), ".hidden/bad.html", "BAD hidden");
    write(b.path(), "bad3.html", "BAD three");
    write(b.path(), "ok.html", "shadowed BAD");
    let cache = CachedLoader::new(vec![
        Arc::new(FilesystemLoader::new([a.path()])),
        Arc::new(LocmemLoader::new([
            ("mem.html", "mem"),
            ("mem_bad.html", "BAD mem"),
        ])),
        Arc::new(FilesystemLoader::new([b.path()])),
    ]);
    let c = TestCompiler::new();
    let errors = cache.warm(&c);
    let mut names: Vec<_> = errors
        .iter()
        .map(|e| e.template_name().unwrap_or("?").to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["bad1.html", "bad3.html", "mem_bad.html", "sub/bad2.html"]
    );
    assert!(errors.iter().all(|e| e.kind() == ErrorKind::SyntaxError));
    let compiled = c.count();
    assert_eq!(compiled, 6);
    // Everything is kept: no compile afterwards, errors included.
    assert_eq!(get(&cache, "ok.html", &c).unwrap(), "ok");
    assert_eq!(get(&cache, "mem.html", &c).unwrap(), "mem");
    assert!(cache.get_template("sub/bad2.html", &[], &c).is_err());
    assert_eq!(c.count(), compiled);
}

#[test]
fn delegates_to_the_inner_loaders() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "x.html", "x");
    write(b.path(), "y.html", "y");
    let fa = Arc::new(FilesystemLoader::new([a.path()]));
    let cache = CachedLoader::new(vec![
        fa.clone(),
        Arc::new(LocmemLoader::new([("m.html", "m"), ("x.html", "mx")])),
        Arc::new(FilesystemLoader::new([b.path()])),
    ]);
    assert_eq!(cache.kind(), CACHED_LOADER);
    assert_eq!(cache.loaders().len(), 3);
    assert_eq!(
        cache.list_templates().unwrap(),
        ["m.html", "x.html", "y.html"]
    );
    assert_eq!(
        cache.watch_paths(),
        [a.path().to_path_buf(), b.path().to_path_buf()]
    );
    let sources = cache.get_template_sources("y.html");
    assert_eq!(sources.len(), 3);
    // The origin from the second filesystem loader is read by it.
    assert_eq!(cache.get_contents(&sources[2]).unwrap(), "y");
    assert_eq!(
        cache.get_contents(&sources[0]).unwrap_err().kind(),
        ErrorKind::TemplateNotFound
    );
    let x = &cache.get_template_sources("x.html")[0];
    assert_eq!(cache.get_contents(x).unwrap(), "x");
    assert_eq!(cache.modified(x), fa.modified(x));
    assert!(cache.modified(x).is_some());
    assert!(format!("{cache:?}").contains("CachedLoader"));
}

#[test]
fn read_failures_are_handed_out_but_not_remembered() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("page.html")).unwrap();
    let cache = CachedLoader::new(vec![Arc::new(FilesystemLoader::new([dir.path()]))]);
    let c = TestCompiler::new();
    assert_eq!(
        cache.get_template("page.html", &[], &c).unwrap_err().kind(),
        ErrorKind::Io
    );
    std::fs::remove_dir(dir.path().join("page.html")).unwrap();
    write(dir.path(), "page.html", "readable now");
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "readable now");
}
