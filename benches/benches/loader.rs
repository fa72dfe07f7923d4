//! The cached loader's hit cost: nanoseconds per `get_template` of a name
//! that is already cached, through `Engines::get_template(name, Some("dtl"))`
//! (what an application calls) and through the engine itself, on one thread
//! and on two threads at once (each thread doing the same number of calls;
//! the figure is wall time per call per thread, so with no contention it
//! equals the one-thread figure).
//!
//! `cargo bench -p platen-benches --bench loader`

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use platen_benches::{Workload, criterion_median_ns};

fn main() {
    let started = SystemTime::now() - Duration::from_secs(1);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let w = Workload::load("blog_page");
    let engines = platen_benches::platen_engines(&w);
    let dtl = engines.get("dtl").expect("the dtl engine").clone();
    // Warm the cache: the entry, its parent and its include.
    for name in ["index.html", "base.html", "post.html"] {
        engines
            .get_template(name, Some("dtl"))
            .expect("a cached template");
    }

    let mut group = c.benchmark_group("loader_hit");
    group.bench_function("engines-1-thread", |b| {
        b.iter(|| {
            engines
                .get_template(black_box("index.html"), Some("dtl"))
                .unwrap()
        })
    });
    group.bench_function("engine-1-thread", |b| {
        b.iter(|| dtl.get_template(black_box("index.html")).unwrap())
    });
    group.bench_function("engines-2-threads", |b| {
        b.iter_custom(|iters| {
            let barrier = Barrier::new(2);
            let times: Vec<Duration> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..2)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            let start = Instant::now();
                            for _ in 0..iters {
                                black_box(
                                    engines
                                        .get_template(black_box("index.html"), Some("dtl"))
                                        .unwrap(),
                                );
                            }
                            start.elapsed()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            times.into_iter().max().unwrap()
        })
    });
    group.finish();
    c.final_summary();

    println!("\nCached-loader hit, ns per get_template (median)\n");
    println!("| how | ns |");
    println!("|---|---:|");
    for f in ["engines-1-thread", "engine-1-thread", "engines-2-threads"] {
        match criterion_median_ns("loader_hit", f, started) {
            Some(ns) => println!("| {f} | {ns:.1} |"),
            None => println!("| {f} | - |"),
        }
    }
}
