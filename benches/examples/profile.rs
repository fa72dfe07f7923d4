//! Renders one shared workload many times, for a profiler:
//!
//! `valgrind --tool=callgrind target/release/examples/profile teams 20000 [platen|tera|minijinja]`
//!
//! `platen-tera` and `platen-handlebars` render through platen's adapters
//! (as the `adapters` bench does), to compare with `tera` and `handlebars`.
//! `platen-tera-fresh` and `platen-handlebars-fresh` build a new context for
//! every render, so no value is ever rendered twice and the adapters convert
//! all of it (read the inclusive count of the template's `render`, which
//! leaves the building out). `tera-fresh` likewise builds a new
//! `tera::Context` from the same data for every render: the whole count per
//! render of `tera-fresh` and `platen-tera-fresh` compares what a page
//! whose data is new on every request costs each way.
//!
//! With `compile-platen` or `compile-minijinja` as the engine, it compiles
//! the workload's templates (from strings) instead of rendering them.
//!
//! The count of instructions per render is repeatable, unlike wall time on a
//! shared machine, so it is the number to compare before and after a change.

use std::hint::black_box;

use platen_benches::{
    Workload, minijinja_base_env, minijinja_context, minijinja_env, platen_engines,
    platen_template, raw_handlebars, raw_tera,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "teams".to_owned());
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let Some(w) = Workload::all().into_iter().find(|w| w.name == name) else {
        eprintln!("no workload named {name:?}");
        std::process::exit(2);
    };
    let engine = args.next().unwrap_or_else(|| "platen".to_owned());
    let mut bytes = 0;
    match engine.as_str() {
        "platen" => {
            let engines = platen_engines(&w);
            let template = platen_template(&engines, "dtl");
            let ctx = w.platen_context();
            for _ in 0..times {
                bytes += black_box(template.render(black_box(&ctx), None).expect("render")).len();
            }
        }
        "tera" => {
            let tera = raw_tera(&w);
            let ctx = tera::Context::from_serialize(&w.json).expect("a tera context");
            for _ in 0..times {
                bytes +=
                    black_box(tera.render("index.html", black_box(&ctx)).expect("render")).len();
            }
        }
        "tera-fresh" => {
            let tera = raw_tera(&w);
            for _ in 0..times {
                let ctx = tera::Context::from_serialize(&w.json).expect("a tera context");
                bytes +=
                    black_box(tera.render("index.html", black_box(&ctx)).expect("render")).len();
            }
        }
        "platen-tera" | "platen-handlebars" => {
            let engines = platen_engines(&w);
            let template = platen_template(
                &engines,
                if engine == "platen-tera" {
                    "tera"
                } else {
                    "hbs"
                },
            );
            let ctx = w.platen_context();
            for _ in 0..times {
                bytes += black_box(template.render(black_box(&ctx), None).expect("render")).len();
            }
        }
        "platen-tera-fresh" | "platen-handlebars-fresh" => {
            let engines = platen_engines(&w);
            let template = platen_template(
                &engines,
                if engine == "platen-tera-fresh" {
                    "tera"
                } else {
                    "hbs"
                },
            );
            for _ in 0..times {
                let ctx = w.platen_context();
                bytes += black_box(template.render(black_box(&ctx), None).expect("render")).len();
            }
        }
        "handlebars" => {
            let hbs = raw_handlebars(&w);
            for _ in 0..times {
                bytes += black_box(hbs.render("index", black_box(&w.json)).expect("render")).len();
            }
        }
        "minijinja" => {
            let env = minijinja_env(&w);
            let t = env.get_template("index.html").expect("index.html");
            let ctx = minijinja_context(&w);
            for _ in 0..times {
                bytes += black_box(t.render(black_box(&ctx)).expect("render")).len();
            }
        }
        "compile-platen" => {
            let engines = platen_engines(&w);
            let dtl = engines.get("dtl").expect("the dtl engine").clone();
            let sources = w.sources("dtl");
            for _ in 0..times {
                for (_, source) in &sources {
                    black_box(dtl.from_string(black_box(source)).expect("compile"));
                    bytes += source.len();
                }
            }
        }
        "compile-minijinja" => {
            let env = minijinja_base_env();
            let sources = w.sources("jinja");
            for _ in 0..times {
                for (_, source) in &sources {
                    black_box(env.template_from_str(black_box(source)).expect("compile"));
                    bytes += source.len();
                }
            }
        }
        other => {
            eprintln!(
                "no engine named {other:?} (platen, tera, tera-fresh, minijinja, platen-tera, platen-tera-fresh, handlebars, \
                 platen-handlebars, platen-handlebars-fresh, compile-platen, compile-minijinja)"
            );
            std::process::exit(2);
        }
    }
    println!("{name} with {engine}: {times} renders, {bytes} bytes");
}
