//! Filters on pathological inputs of 10 KB, 100 KB and 1 MB: the time must
//! grow linearly (10x the input, about 10x the time), never quadratically.
//! After criterion's output, a table of µs per size and the growth from
//! each size to the next.
//!
//! `cargo bench -p platen-benches --bench pathological`

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use platen::{Context, Value};
use platen_benches::criterion_median_ns;
use platen::dtl::{DtlEngine, DtlOptions, RenderLimits};

/// (filter expression, the repeated unit of a hostile input).
const CASES: &[(&str, &str)] = &[
    // Many candidate links, punctuation to trim, unbalanced brackets.
    ("urlize", "(((www.example.com))) <a@b.c> http://x.y/?q=(( "),
    ("urlizetrunc:10", "((http://example.com/a/very/long/path)). "),
    // Tags opened and never closed, which the truncator must track.
    ("truncatewords_html:100000", "<b><i><span class=\"x\">word "),
    ("truncatechars_html:100000", "<div><p>text &amp; more "),
    // Angle brackets that never form a tag.
    ("striptags", "<<a< <b <<>>< "),
    ("linebreaks", "line\n\n\r\nmore\r\n"),
    ("wordwrap:3", "abcdefghij klm n "),
    ("escape", "<&>\"' "),
];

const SIZES: &[(&str, usize)] = &[("10KB", 10_000), ("100KB", 100_000), ("1MB", 1_000_000)];

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300))
        .configure_from_args();
    let since = SystemTime::now();
    let engine = DtlEngine::new(
        platen_core::LoaderChain::new(vec![]),
        DtlOptions {
            limits: RenderLimits::unlimited(),
            ..DtlOptions::default()
        },
    );
    for (filter, unit) in CASES {
        let template = engine
            .template_from_str(&format!("{{{{ v|{filter} }}}}"))
            .expect("the filter template");
        let mut group = c.benchmark_group(filter.split(':').next().unwrap_or(filter));
        for (label, size) in SIZES {
            let text = unit.repeat(size / unit.len() + 1);
            let mut ctx = Context::new();
            ctx.insert("v", Value::from(&text[..*size.min(&text.len())]));
            group.bench_function(*label, |b| {
                b.iter(|| platen::Template::render(&template, black_box(&ctx), None).unwrap())
            });
        }
        group.finish();
    }
    c.final_summary();
    println!("\n| filter | 10KB (µs) | 100KB (µs) | 1MB (µs) | 10KB→100KB | 100KB→1MB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (filter, _) in CASES {
        let group = filter.split(':').next().unwrap_or(filter);
        let t: Vec<Option<f64>> = SIZES
            .iter()
            .map(|(label, _)| criterion_median_ns(group, label, since).map(|ns| ns / 1000.0))
            .collect();
        let cell = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if a > 0.0 => format!("{:.1}x", b / a),
            _ => "-".to_owned(),
        };
        println!(
            "| `{filter}` | {} | {} | {} | {} | {} |",
            cell(t[0]),
            cell(t[1]),
            cell(t[2]),
            ratio(t[0], t[1]),
            ratio(t[1], t[2])
        );
    }
}
