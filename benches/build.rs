//! askama compiles its templates at build time from `../../shared/bench`.
//! When the shared workloads are not beside this checkout (a clone made
//! elsewhere), the askama renderers are left out instead of failing the
//! whole workspace's build; `cfg(platen_askama)` says whether they are in.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(platen_askama)");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let bench = Path::new(&manifest).join("../../shared/bench");
    println!("cargo::rerun-if-changed={}", bench.display());
    let all_there = [
        "big_table",
        "teams",
        "blog_page",
        "forloop_filter",
        "escape_heavy",
    ]
    .iter()
    .all(|w| bench.join(w).join("askama/index.html").is_file());
    if all_there {
        println!("cargo::rustc-cfg=platen_askama");
    } else {
        println!(
            "cargo::warning=shared/bench is not beside this checkout: the askama renderers are left out"
        );
    }
}
