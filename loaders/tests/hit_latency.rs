//! Hit latency of the cached loader, single-threaded and with every core
//! hitting the same template. Ignored by default; run it in release:
//! `cargo test --release -p platen-loaders --test hit_latency -- --ignored --nocapture`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::TestCompiler;
use platen_core::Loader;
use platen_loaders::{CachedLoader, LocmemLoader};

#[test]
#[ignore = "a measurement, run in release"]
fn hit_latency() {
    let cache = CachedLoader::new(vec![Arc::new(LocmemLoader::new([(
        "blog/post_detail.html",
        "x",
    )]))]);
    let c = TestCompiler::new();
    cache
        .get_template("blog/post_detail.html", &[], &c)
        .unwrap();
    const N: u32 = 2_000_000;
    let start = Instant::now();
    for _ in 0..N {
        std::hint::black_box(
            cache
                .get_template(std::hint::black_box("blog/post_detail.html"), &[], &c)
                .unwrap(),
        );
    }
    println!("one thread: {:?} per hit", start.elapsed() / N);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..N {
                    std::hint::black_box(
                        cache
                            .get_template("blog/post_detail.html", &[], &c)
                            .unwrap(),
                    );
                }
            });
        }
    });
    println!(
        "{threads} threads, one template: {:?} per hit per thread",
        start.elapsed() / N
    );
    // Each thread its own template: no shared reference count to bounce.
    let names: Vec<String> = (0..threads).map(|i| format!("t{i}.html")).collect();
    let own = CachedLoader::new(vec![Arc::new(LocmemLoader::new(
        names.iter().map(|n| (n.clone(), "x")),
    ))]);
    let start = Instant::now();
    std::thread::scope(|s| {
        for name in &names {
            let own = &own;
            let c = &c;
            s.spawn(move || {
                for _ in 0..N {
                    std::hint::black_box(own.get_template(name, &[], c).unwrap());
                }
            });
        }
    });
    println!(
        "{threads} threads, own templates: {:?} per hit per thread",
        start.elapsed() / N
    );
    assert_eq!(c.count(), 1 + threads);
}
