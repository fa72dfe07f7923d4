//! Compile throughput (MB/s of template source, lex + parse + compile):
//! platen-dtl (`Engine::from_string` on each file of `<workload>/dtl`)
//! against minijinja (`Environment::template_from_str` on each file of
//! `jinja/`) and tera (`Tera::add_raw_templates` of all of `tera/` at once,
//! which also links the inheritance chain, as Tera must).
//!
//! Throughput is the total size of each engine's own source files of the
//! workload; the sizes differ a little between languages.
//!
//! `cargo bench -p platen-benches --bench compile`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput};
use platen_benches::{
    Workload, criterion_median_ns, minijinja_base_env, platen_engines, print_table,
    tera_truncatewords,
};

const ENGINES: [&str; 3] = ["platen-dtl", "minijinja", "tera"];

fn bytes(sources: &[(String, String)]) -> u64 {
    sources.iter().map(|(_, s)| s.len() as u64).sum()
}

fn bench_workload(c: &mut Criterion, w: &Workload, sizes: &mut BTreeMap<(String, String), u64>) {
    let engines = platen_engines(w);
    let dtl = engines.get("dtl").expect("the dtl engine").clone();
    let dtl_sources = w.sources("dtl");
    let jinja_sources = w.sources("jinja");
    let tera_sources = w.sources("tera");
    let env = minijinja_base_env();
    let mut tera = tera::Tera::new();
    tera.register_filter("truncatewords", tera_truncatewords);

    let group_name = format!("compile_{}", w.name);
    let mut group = c.benchmark_group(&group_name);

    sizes.insert(
        (group_name.clone(), "platen-dtl".into()),
        bytes(&dtl_sources),
    );
    group.throughput(Throughput::Bytes(bytes(&dtl_sources)));
    group.bench_function("platen-dtl", |b| {
        b.iter(|| {
            for (_, source) in &dtl_sources {
                black_box(dtl.from_string(black_box(source)).unwrap());
            }
        })
    });

    sizes.insert(
        (group_name.clone(), "minijinja".into()),
        bytes(&jinja_sources),
    );
    group.throughput(Throughput::Bytes(bytes(&jinja_sources)));
    group.bench_function("minijinja", |b| {
        b.iter(|| {
            for (_, source) in &jinja_sources {
                black_box(env.template_from_str(black_box(source)).unwrap());
            }
        })
    });

    sizes.insert((group_name.clone(), "tera".into()), bytes(&tera_sources));
    group.throughput(Throughput::Bytes(bytes(&tera_sources)));
    group.bench_function("tera", |b| {
        b.iter(|| {
            tera.add_raw_templates(
                tera_sources
                    .iter()
                    .map(|(n, s)| (n.as_str(), black_box(s.as_str()))),
            )
            .unwrap()
        })
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
    let mut sizes = BTreeMap::new();
    for w in &workloads {
        bench_workload(&mut c, w, &mut sizes);
    }
    c.final_summary();

    let mut cells = BTreeMap::new();
    for w in &workloads {
        let group = format!("compile_{}", w.name);
        for e in ENGINES {
            if let (Some(ns), Some(&size)) = (
                criterion_median_ns(&group, e, started),
                sizes.get(&(group.clone(), e.to_owned())),
            ) {
                // bytes per ns = GB/s; x1000 = MB/s.
                cells.insert((w.name.to_owned(), e.to_owned()), size as f64 / ns * 1000.0);
            }
        }
    }
    let rows: Vec<&str> = workloads.iter().map(|w| w.name).collect();
    print_table(
        "Compile throughput, MB/s of source (ratio to platen-dtl; > 1 is faster than platen-dtl)",
        &rows,
        &ENGINES,
        "platen-dtl",
        &cells,
        "MB/s",
        |v| format!("{v:.1}"),
    );
}
