//! Render time of the five shared workloads: platen-dtl against tera,
//! minijinja, handlebars and askama, each on its own templates of the same
//! page over the same `context.json`.
//!
//! Everything is loaded and compiled up front (platen through `Engines` with
//! the default cached loader, as an application would); each output is
//! checked against Django's `expected.html` before timing. After the groups a
//! table of criterion's medians (µs per render) and ratios to platen-dtl is
//! printed.
//!
//! `cargo bench -p platen-benches --bench workloads [-- <filter>]`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput};
use platen_benches::{
    Workload, askama_renderer, check_output, criterion_median_ns, minijinja_context, minijinja_env,
    platen_engines, platen_template, print_table, raw_handlebars, raw_tera,
};

/// The renderers, in table order.
const RENDERERS: [&str; 5] = ["platen-dtl", "tera", "minijinja", "handlebars", "askama"];

fn bench_workload(c: &mut Criterion, w: &Workload) {
    // platen: one `Engines` from settings; the template is fetched once
    // (a cached-loader hit afterwards) and rendered with a prepared Context.
    let engines = platen_engines(w);
    let dtl = platen_template(&engines, "dtl");
    let ctx = w.platen_context();

    let tera = raw_tera(w);
    let tera_ctx = tera::Context::from_serialize(&w.json).expect("a tera context");

    let env = minijinja_env(w);
    let mj = env
        .get_template("index.html")
        .expect("minijinja index.html");
    let mj_ctx = minijinja_context(w);

    let hbs = raw_handlebars(w);

    let askama = askama_renderer(w);

    // Check every output against Django's before timing anything.
    let check = |who: &str, out: &str, map: bool| {
        check_output(w, out, map)
            .unwrap_or_else(|e| panic!("{who} does not reproduce expected.html: {e}"));
    };
    check("platen-dtl", &dtl.render(&ctx, None).unwrap(), false);
    check("tera", &tera.render("index.html", &tera_ctx).unwrap(), true);
    check("minijinja", &mj.render(&mj_ctx).unwrap(), false);
    check("handlebars", &hbs.render("index", &w.json).unwrap(), false);
    check("askama", &askama(), true);

    let mut group = c.benchmark_group(w.name);
    group.throughput(Throughput::Bytes(w.expected.len() as u64));
    group.bench_function("platen-dtl", |b| {
        b.iter(|| dtl.render(black_box(&ctx), None).unwrap())
    });
    group.bench_function("tera", |b| {
        b.iter(|| tera.render("index.html", black_box(&tera_ctx)).unwrap())
    });
    group.bench_function("minijinja", |b| {
        b.iter(|| mj.render(black_box(&mj_ctx)).unwrap())
    });
    group.bench_function("handlebars", |b| {
        b.iter(|| hbs.render("index", black_box(&w.json)).unwrap())
    });
    group.bench_function("askama", |b| b.iter(&askama));
    group.finish();
}

fn main() {
    let started = SystemTime::now() - Duration::from_secs(1);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let workloads = Workload::all();
    for w in &workloads {
        bench_workload(&mut c, w);
    }
    c.final_summary();

    let mut cells = BTreeMap::new();
    for w in &workloads {
        for r in RENDERERS {
            if let Some(ns) = criterion_median_ns(w.name, r, started) {
                cells.insert((w.name.to_owned(), r.to_owned()), ns / 1000.0);
            }
        }
    }
    let rows: Vec<&str> = workloads.iter().map(|w| w.name).collect();
    print_table(
        "Median µs per render (ratio to platen-dtl; > 1 is slower than platen-dtl)",
        &rows,
        &RENDERERS,
        "platen-dtl",
        &cells,
        "µs",
        |v| {
            if v < 10.0 {
                format!("{v:.2}")
            } else {
                format!("{v:.1}")
            }
        },
    );
    println!(
        "\nforloop_filter: askama tests `i % 2 == 0` (a Rust expression); the others call a filter/test/helper."
    );
}
