//! Memory of the five shared workloads, counted by a global allocator
//! (dhat's heap profiler, in its testing mode: exact counts of the bytes and
//! blocks asked of the allocator, no file written):
//!
//! - **held by the compiled templates**: the heap bytes that compiling every
//!   template file of a workload leaves held while the templates are kept
//!   alive: platen-dtl (`Engine::from_string` on each file of `dtl/`),
//!   minijinja (`add_template_owned` of each file of `jinja/` into a fresh
//!   environment), tera (`add_raw_templates` of `tera/` into a fresh `Tera`)
//!   and handlebars (`register_template_string` of each file of `hbs/`). The
//!   caller's source strings are not counted; a copy of the source that an
//!   engine keeps is (platen-dtl keeps one, minijinja keeps the one it is
//!   given: it is made inside the measurement). One warm-up compile first,
//!   so that one-time set-up (lazy statics, first growth of engine-wide
//!   tables) is not counted;
//! - **allocated per render**: bytes and allocations asked of the allocator
//!   by one render, output string included, averaged over [`RENDERS`]
//!   renders after [`WARM_UP`] warm-up renders, with everything prepared as
//!   in the `workloads` bench (platen-dtl through `Engines` and the cached
//!   loader, each engine's context converted once). A `realloc` counts as one
//!   allocation of its new size (dhat's convention), for every engine alike.
//!
//! Every output is checked against Django's `expected.html` first, and every
//! count must be non-zero (a panic says which is not).
//!
//! `cargo bench -p platen-benches --bench memory [-- <workload filter>]`
//!
//! To see which call sites allocate during one engine's renders, profile
//! them with dhat instead: `-- --dhat <renderer> [<workload filter>]` writes
//! `dhat-<renderer>-<workload>.json` (in `$CARGO_TARGET_DIR`, else the
//! current directory), viewable with DHAT's `dh_view.html`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;

use platen_benches::{
    Workload, askama_renderer, check_output, minijinja_base_env, minijinja_context, minijinja_env,
    platen_engines, platen_template, print_table, raw_handlebars, raw_tera, tera_truncatewords,
};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Renders measured per renderer and workload (the average is over these).
const RENDERS: u64 = 100;
/// Renders before measuring, so that caches filled by a first render (the
/// cached loader, output size hints) are not counted.
const WARM_UP: usize = 3;

/// The renderers of the per-render tables, in column order.
const RENDERERS: [&str; 5] = ["platen-dtl", "minijinja", "tera", "handlebars", "askama"];
/// The engines of the held-bytes table, in column order.
const COMPILERS: [&str; 4] = ["platen-dtl", "minijinja", "tera", "handlebars"];

/// The allocator's counters at one moment.
#[derive(Debug, Clone, Copy)]
struct Counters {
    /// Bytes currently held.
    held_bytes: usize,
    /// Bytes allocated since the profiler started.
    total_bytes: u64,
    /// Allocations since the profiler started.
    total_blocks: u64,
}

fn counters() -> Counters {
    let stats = dhat::HeapStats::get();
    Counters {
        held_bytes: stats.curr_bytes,
        total_bytes: stats.total_bytes,
        total_blocks: stats.total_blocks,
    }
}

/// Calls `compile`, keeping its result alive, and returns the bytes it left
/// held (it may also have freed some it found held: then the result is less).
fn held_by<T>(compile: impl FnOnce() -> T) -> (T, i64) {
    let before = counters();
    let kept = compile();
    let after = counters();
    (kept, after.held_bytes as i64 - before.held_bytes as i64)
}

/// The bytes held by each engine's compiled templates of `w`, as
/// `(engine, bytes)`, in [`COMPILERS`] order.
fn held_bytes(w: &Workload) -> Vec<(&'static str, i64)> {
    let mut held = Vec::new();

    let engines = platen_engines(w);
    let dtl = engines.get("dtl").expect("the dtl engine").clone();
    let sources = w.sources("dtl");
    let compile_dtl = || {
        sources
            .iter()
            .map(|(_, s)| {
                dtl.from_string(s)
                    .unwrap_or_else(|e| panic!("{}: {e:#}", w.name))
            })
            .collect()
    };
    drop::<Vec<_>>(compile_dtl());
    let (templates, bytes) = held_by(compile_dtl);
    held.push(("platen-dtl", bytes));
    drop(templates);

    let sources = w.sources("jinja");
    let compile_jinja = || {
        let mut env = minijinja_base_env();
        for (name, source) in &sources {
            env.add_template_owned(name.clone(), source.clone())
                .unwrap_or_else(|e| panic!("{}: {e:#}", w.name));
        }
        env
    };
    drop(compile_jinja());
    // The environment itself (its filters, tests, globals) is not the templates'.
    let (base, base_bytes) = held_by(minijinja_base_env);
    drop(base);
    let (env, bytes) = held_by(compile_jinja);
    held.push(("minijinja", bytes - base_bytes));
    drop(env);

    let sources = w.sources("tera");
    let base_tera = || {
        let mut tera = tera::Tera::new();
        tera.register_filter("truncatewords", tera_truncatewords);
        tera
    };
    let compile_tera = || {
        let mut tera = base_tera();
        tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .unwrap_or_else(|e| panic!("{}: {e:?}", w.name));
        tera
    };
    drop(compile_tera());
    let (base, base_bytes) = held_by(base_tera);
    drop(base);
    let (tera, bytes) = held_by(compile_tera);
    held.push(("tera", bytes - base_bytes));
    drop(tera);

    let sources = w.sources("hbs");
    let compile_hbs = || {
        let mut hbs = handlebars::Handlebars::new();
        for (name, source) in &sources {
            let stem = name.strip_suffix(".hbs").unwrap_or(name);
            hbs.register_template_string(stem, source)
                .unwrap_or_else(|e| panic!("{}: {e}", w.name));
        }
        hbs
    };
    drop(compile_hbs());
    let (base, base_bytes) = held_by(handlebars::Handlebars::new);
    drop(base);
    let (hbs, bytes) = held_by(compile_hbs);
    held.push(("handlebars", bytes - base_bytes));
    drop(hbs);

    held
}

/// Calls `visit(renderer, render)` for each renderer of `w`, everything
/// prepared as in the `workloads` bench, after checking its output.
fn each_renderer(w: &Workload, mut visit: impl FnMut(&'static str, &mut dyn FnMut() -> String)) {
    let check = |who: &str, out: &str, map: bool| {
        check_output(w, out, map)
            .unwrap_or_else(|e| panic!("{who} does not reproduce expected.html: {e}"));
    };

    let engines = platen_engines(w);
    let dtl = platen_template(&engines, "dtl");
    let ctx = w.platen_context();
    let mut render = || {
        dtl.render(black_box(&ctx), None)
            .expect("platen-dtl renders")
    };
    check("platen-dtl", &render(), false);
    visit("platen-dtl", &mut render);

    let env = minijinja_env(w);
    let mj = env
        .get_template("index.html")
        .expect("minijinja index.html");
    let mj_ctx = minijinja_context(w);
    let mut render = || mj.render(black_box(&mj_ctx)).expect("minijinja renders");
    check("minijinja", &render(), false);
    visit("minijinja", &mut render);

    let tera = raw_tera(w);
    let tera_ctx = tera::Context::from_serialize(&w.json).expect("a tera context");
    let mut render = || {
        tera.render("index.html", black_box(&tera_ctx))
            .expect("tera renders")
    };
    check("tera", &render(), true);
    visit("tera", &mut render);

    let hbs = raw_handlebars(w);
    let mut render = || {
        hbs.render("index", black_box(&w.json))
            .expect("handlebars renders")
    };
    check("handlebars", &render(), false);
    visit("handlebars", &mut render);

    let askama = askama_renderer(w);
    let mut render = || askama();
    check("askama", &render(), true);
    visit("askama", &mut render);
}

/// Bytes and allocations per call of `render`, averaged over [`RENDERS`]
/// calls after [`WARM_UP`] calls, and the bytes the calls left held.
fn per_render(render: &mut dyn FnMut() -> String) -> (f64, f64, i64) {
    for _ in 0..WARM_UP {
        drop(black_box(render()));
    }
    let before = counters();
    for _ in 0..RENDERS {
        drop(black_box(render()));
    }
    let after = counters();
    let bytes = (after.total_bytes - before.total_bytes) as f64 / RENDERS as f64;
    let blocks = (after.total_blocks - before.total_blocks) as f64 / RENDERS as f64;
    (
        bytes,
        blocks,
        after.held_bytes as i64 - before.held_bytes as i64,
    )
}

/// Where `--dhat` writes its profiles.
fn profile_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Profiles the renders of `renderer` on each of `workloads` with dhat.
fn profile(renderer: &str, workloads: &[Workload]) {
    assert!(
        RENDERERS.contains(&renderer),
        "--dhat: no renderer {renderer:?} (one of {RENDERERS:?})"
    );
    for w in workloads {
        each_renderer(w, |name, render| {
            if name != renderer {
                return;
            }
            for _ in 0..WARM_UP {
                drop(black_box(render()));
            }
            let file = profile_dir().join(format!("dhat-{name}-{}.json", w.name));
            let profiler = dhat::Profiler::builder()
                .file_name(&file)
                .trim_backtraces(Some(24))
                .build();
            for _ in 0..RENDERS {
                drop(black_box(render()));
            }
            drop(profiler);
        });
    }
}

fn kib(bytes: f64) -> String {
    format!("{:.1}", bytes / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; anything else not starting with `-` filters workloads.
    let mut args = std::env::args().skip(1);
    let mut dhat_renderer = None;
    let mut filter = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dhat" => dhat_renderer = Some(args.next().expect("--dhat <renderer>")),
            a if a.starts_with('-') => {}
            _ => filter = Some(arg),
        }
    }
    let workloads: Vec<Workload> = Workload::all()
        .into_iter()
        .filter(|w| filter.as_ref().is_none_or(|f| w.name.contains(f.as_str())))
        .collect();

    if let Some(renderer) = dhat_renderer {
        profile(&renderer, &workloads);
        return;
    }

    let _profiler = dhat::Profiler::builder().testing().build();
    // The counters see what the allocator is asked for, no more, no less.
    let (block, held) = held_by(|| vec![0u8; 1000]);
    let (bytes, blocks, kept) = per_render(&mut || black_box("abc").repeat(4));
    assert_eq!(
        held, 1000,
        "a 1000-byte Vec holds {held} bytes by the counters"
    );
    assert_eq!(
        (bytes, blocks, kept),
        (12.0, 1.0, 0),
        "a 12-byte string per call: (bytes, allocations, kept)"
    );
    drop(block);
    let mut held = BTreeMap::new();
    let mut bytes = BTreeMap::new();
    let mut blocks = BTreeMap::new();
    let mut retained = Vec::new();
    for w in &workloads {
        for (engine, b) in held_bytes(w) {
            assert!(
                b > 0,
                "{}: {engine}'s compiled templates hold {b} bytes",
                w.name
            );
            held.insert((w.name.to_owned(), engine.to_owned()), b as f64);
        }
        each_renderer(w, |renderer, render| {
            let (by, bl, kept) = per_render(render);
            assert!(
                by > 0.0 && bl > 0.0,
                "{}: {renderer} allocates nothing per render",
                w.name
            );
            bytes.insert((w.name.to_owned(), renderer.to_owned()), by);
            blocks.insert((w.name.to_owned(), renderer.to_owned()), bl);
            if kept != 0 {
                retained.push(format!("{}/{renderer}: {kept} bytes", w.name));
            }
        });
    }

    let rows: Vec<&str> = workloads.iter().map(|w| w.name).collect();
    print_table(
        "Heap held by the compiled templates, KiB (ratio to platen-dtl; > 1 holds more than platen-dtl)",
        &rows,
        &COMPILERS,
        "platen-dtl",
        &held,
        "KiB",
        kib,
    );
    println!("\nSource sizes (a copy of which platen-dtl and minijinja each hold):");
    for w in &workloads {
        let size = |lang: &str| w.sources(lang).iter().map(|(_, s)| s.len()).sum::<usize>();
        println!(
            "  {:<16} dtl {} B, jinja {} B",
            w.name,
            size("dtl"),
            size("jinja")
        );
    }
    print_table(
        &format!(
            "KiB allocated per render, output included (mean of {RENDERS}; ratio to platen-dtl)"
        ),
        &rows,
        &RENDERERS,
        "platen-dtl",
        &bytes,
        "KiB",
        kib,
    );
    print_table(
        &format!(
            "Allocations per render, output included (mean of {RENDERS}; ratio to platen-dtl)"
        ),
        &rows,
        &RENDERERS,
        "platen-dtl",
        &blocks,
        "allocs",
        |v| format!("{v:.1}"),
    );
    if !retained.is_empty() {
        println!(
            "\nHeld after the measured renders (outputs dropped): {}",
            retained.join(", ")
        );
    }
}
