//! Auto-reload (debug mode): edited, added and deleted files are noticed
//! without a restart, by modification times and by the file watcher.

mod common;

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use common::{
    IncludingCompiler, TestCompiler, eventually, get, set_mtime, text, write, write_atomic,
};
use platen_core::{ErrorKind, Loader};
use platen_loaders::{CacheOptions, CachedLoader, FilesystemLoader};

const THREADS: usize = 64;

fn fs_cache(dirs: &[&std::path::Path], options: CacheOptions) -> CachedLoader {
    let loaders: Vec<Arc<dyn Loader>> = vec![Arc::new(FilesystemLoader::new(dirs.iter().copied()))];
    CachedLoader::with_options(loaders, options)
}

const WATCHING: CacheOptions = CacheOptions {
    auto_reload: true,
    watch: true,
};
const MTIME_ONLY: CacheOptions = CacheOptions {
    auto_reload: true,
    watch: false,
};

#[test]
fn an_edit_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "page.html", "old");
    let cache = fs_cache(&[dir.path()], WATCHING);
    assert!(cache.auto_reload());
    assert_eq!(cache.watched_paths(), [dir.path().to_path_buf()]);
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "old");
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "old");
    assert_eq!(c.count(), 1, "an unchanged file is served from the cache");
    fs::write(&path, "new").unwrap();
    assert!(eventually(|| get(&cache, "page.html", &c).unwrap() == "new"));
}

#[test]
fn a_file_added_to_an_earlier_dir_shadows_the_later_one() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(second.path(), "page.html", "second");
    let cache = fs_cache(&[first.path(), second.path()], WATCHING);
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "second");
    write(first.path(), "page.html", "first");
    assert!(eventually(
        || get(&cache, "page.html", &c).unwrap() == "first"
    ));
}

#[test]
fn a_deletion_is_noticed() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = write(first.path(), "page.html", "first");
    let two = write(second.path(), "page.html", "second");
    let cache = fs_cache(&[first.path(), second.path()], WATCHING);
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "first");
    fs::remove_file(one).unwrap();
    assert!(eventually(
        || get(&cache, "page.html", &c).unwrap() == "second"
    ));
    fs::remove_file(two).unwrap();
    assert!(eventually(|| {
        cache
            .get_template("page.html", &[], &c)
            .is_err_and(|e| e.kind() == ErrorKind::TemplateNotFound)
    }));
}

#[test]
fn a_cached_miss_is_forgotten_when_the_file_appears() {
    let dir = tempfile::tempdir().unwrap();
    let cache = fs_cache(&[dir.path()], WATCHING);
    let c = TestCompiler::new();
    assert!(cache.get_template("late.html", &[], &c).is_err());
    write(dir.path(), "late.html", "here");
    assert!(eventually(
        || get(&cache, "late.html", &c).is_ok_and(|s| s == "here")
    ));
}

/// Without the watcher, modification times alone notice every change, at once.
#[test]
fn modification_times_alone_notice_changes_immediately() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let two = write(second.path(), "page.html", "second");
    let cache = fs_cache(&[first.path(), second.path()], MTIME_ONLY);
    assert!(cache.watched_paths().is_empty());
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "second");

    // Edit (with a distinct modification time, whatever the clock's resolution).
    fs::write(&two, "second, edited").unwrap();
    set_mtime(
        &two,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000),
    );
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "second, edited");
    // Add in an earlier directory.
    let one = write(first.path(), "page.html", "first");
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "first");
    // Delete.
    fs::remove_file(one).unwrap();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "second, edited");
    fs::remove_file(two).unwrap();
    assert_eq!(
        cache.get_template("page.html", &[], &c).unwrap_err().kind(),
        ErrorKind::TemplateNotFound
    );
    // A remembered miss is checked too.
    write(second.path(), "page.html", "back");
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "back");
}

/// A template that inlines another at compile time is recompiled when the
/// other changes.
#[test]
fn an_edited_include_invalidates_the_including_template() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "page.html", "page:\ninclude:part.html");
    let part = write(dir.path(), "part.html", "part v1");
    let cache: Arc<dyn Loader> = Arc::new(fs_cache(&[dir.path()], MTIME_ONLY));
    let compiler = IncludingCompiler::new(cache.clone());
    assert_eq!(
        get(&*cache, "page.html", &compiler).unwrap(),
        "page:part v1"
    );
    assert_eq!(
        get(&*cache, "page.html", &compiler).unwrap(),
        "page:part v1"
    );
    assert_eq!(
        compiler.compiles.load(Ordering::SeqCst),
        2,
        "page and part, once each"
    );
    fs::write(&part, "part v2").unwrap();
    set_mtime(
        &part,
        SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000),
    );
    assert_eq!(
        get(&*cache, "page.html", &compiler).unwrap(),
        "page:part v2"
    );
}

#[test]
fn a_file_edited_while_served_by_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "page.html", "old");
    let cache = fs_cache(&[dir.path()], WATCHING);
    let compiler = TestCompiler::new();
    let barrier = Barrier::new(THREADS + 1);
    let edited = AtomicBool::new(false);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let deadline = std::time::Instant::now() + Duration::from_secs(5);
                    let mut seen_new = 0;
                    // Serve until the new version has been seen 20 times in a row.
                    while seen_new < 20 {
                        let got = cache.get_template("page.html", &[], &compiler).unwrap();
                        match text(&got) {
                            "old" => {
                                assert_eq!(
                                    seen_new, 0,
                                    "the old version came back after the new one"
                                );
                            }
                            "new" => seen_new += 1,
                            other => panic!("neither old nor new: {other:?}"),
                        }
                        assert!(
                            std::time::Instant::now() < deadline,
                            "the edit was not noticed in 5 s"
                        );
                        if !edited.load(Ordering::Relaxed) {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                })
            })
            .collect();
        barrier.wait();
        std::thread::sleep(Duration::from_millis(50));
        // Editors replace the file whole; a reader sees one version or the other.
        write_atomic(&path, "new");
        edited.store(true, Ordering::Relaxed);
        for handle in handles {
            handle.join().unwrap();
        }
    });
    assert_eq!(get(&cache, "page.html", &compiler).unwrap(), "new");
}

/// An edit that keeps the modification time (a coarse clock, a restored
/// timestamp) is still noticed, through the watcher.
#[test]
fn the_watcher_notices_an_edit_that_keeps_the_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "page.html", "old");
    let mtime = fs::metadata(&path).unwrap().modified().unwrap();
    let cache = fs_cache(&[dir.path()], WATCHING);
    let c = TestCompiler::new();
    assert_eq!(get(&cache, "page.html", &c).unwrap(), "old");
    fs::write(&path, "new").unwrap();
    set_mtime(&path, mtime);
    assert!(eventually(|| get(&cache, "page.html", &c).unwrap() == "new"));
}
