//! Adapter overhead: platen's Tera and Handlebars engines (through `Engines`,
//! templates fetched once from the cached loader, a prepared platen
//! `Context`) against the raw `tera` and `handlebars` crates rendering the
//! same templates over the same data (a prepared `tera::Context`, the
//! `serde_json::Value` for handlebars).
//!
//! The adapters convert platen's context to the crate's own, and each thread
//! keeps its conversions: a value that is the very one converted last time
//! is not converted again. With the prepared context here nothing changes
//! between renders, so the overhead measured is that bookkeeping, as the raw
//! side's is none. For the cost of converting everything afresh, see the
//! `platen-tera-fresh` and `platen-handlebars-fresh` modes of
//! `examples/profile.rs` (BENCHMARKS.md gives their counts).
//!
//! `cargo bench -p platen-benches --bench adapters`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use platen_benches::{
    Workload, check_output, criterion_median_ns, platen_engines, platen_template, raw_handlebars,
    raw_tera,
};

fn group_name(w: &Workload) -> String {
    format!("adapters_{}", w.name)
}

fn bench_workload(c: &mut Criterion, w: &Workload) {
    let engines = platen_engines(w);
    let ctx = w.platen_context();
    let platen_tera = platen_template(&engines, "tera");
    let platen_hbs = platen_template(&engines, "hbs");
    let tera = raw_tera(w);
    let tera_ctx = tera::Context::from_serialize(&w.json).expect("a tera context");
    let hbs = raw_handlebars(w);

    let check = |who: &str, out: &str, map: bool| {
        check_output(w, out, map)
            .unwrap_or_else(|e| panic!("{who} does not reproduce expected.html: {e}"));
    };
    check(
        "platen-tera",
        &platen_tera.render(&ctx, None).unwrap(),
        true,
    );
    check("tera", &tera.render("index.html", &tera_ctx).unwrap(), true);
    check(
        "platen-handlebars",
        &platen_hbs.render(&ctx, None).unwrap(),
        false,
    );
    check("handlebars", &hbs.render("index", &w.json).unwrap(), false);

    let mut group = c.benchmark_group(group_name(w));
    group.bench_function("tera", |b| {
        b.iter(|| tera.render("index.html", black_box(&tera_ctx)).unwrap())
    });
    group.bench_function("platen-tera", |b| {
        b.iter(|| platen_tera.render(black_box(&ctx), None).unwrap())
    });
    group.bench_function("handlebars", |b| {
        b.iter(|| hbs.render("index", black_box(&w.json)).unwrap())
    });
    group.bench_function("platen-handlebars", |b| {
        b.iter(|| platen_hbs.render(black_box(&ctx), None).unwrap())
    });
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

    println!(
        "\nAdapter overhead: median µs per render, raw crate vs platen adapter (overhead = adapter / raw - 1)\n"
    );
    println!(
        "| workload | tera | platen-tera | overhead | handlebars | platen-handlebars | overhead |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut medians = BTreeMap::new();
    for w in &workloads {
        for f in ["tera", "platen-tera", "handlebars", "platen-handlebars"] {
            if let Some(ns) = criterion_median_ns(&group_name(w), f, started) {
                medians.insert(f, ns / 1000.0);
            }
        }
        let pair = |raw: &str, adapter: &str| match (medians.get(raw), medians.get(adapter)) {
            (Some(r), Some(a)) => format!("{r:.2} | {a:.2} | {:+.1} %", (a / r - 1.0) * 100.0),
            _ => "- | - | -".to_owned(),
        };
        println!(
            "| {} | {} | {} |",
            w.name,
            pair("tera", "platen-tera"),
            pair("handlebars", "platen-handlebars")
        );
        medians.clear();
    }
}
