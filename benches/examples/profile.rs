//! Renders one shared workload many times with platen-dtl, for a profiler:
//!
//! `valgrind --tool=callgrind target/release/examples/profile teams 20000`
//!
//! The count of instructions per render is repeatable, unlike wall time on a
//! shared machine, so it is the number to compare before and after a change.

use std::hint::black_box;

use platen_benches::{Workload, platen_engines, platen_template};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "teams".to_owned());
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let Some(w) = Workload::all().into_iter().find(|w| w.name == name) else {
        eprintln!("no workload named {name:?}");
        std::process::exit(2);
    };
    let engines = platen_engines(&w);
    let template = platen_template(&engines, "dtl");
    let ctx = w.platen_context();
    let mut bytes = 0;
    for _ in 0..times {
        bytes += black_box(template.render(black_box(&ctx), None).expect("render")).len();
    }
    println!("{name}: {times} renders, {bytes} bytes");
}
