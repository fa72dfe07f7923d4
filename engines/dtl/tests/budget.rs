//! Render budgets: bombs of each class end with a `LimitExceeded` error
//! naming the option, in bounded time and memory, and real pages never
//! touch the defaults.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platen_core::{Context, ErrorKind, LoaderChain, Template, Value};
use platen_dtl::{DEFAULT_FUEL, DtlEngine, DtlOptions, RenderLimits};
use platen_loaders::LocmemLoader;

fn engine(limits: RenderLimits, templates: &[(&str, String)]) -> DtlEngine {
    let loader = LocmemLoader::new(templates.iter().cloned());
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(loader)]),
        DtlOptions {
            limits,
            ..DtlOptions::default()
        },
    )
}

fn small(fuel: u64, output: usize) -> RenderLimits {
    RenderLimits {
        fuel: Some(fuel),
        max_output_bytes: Some(output),
    }
}

fn list(n: i64) -> Value {
    (0..n).map(Value::from).collect()
}

/// Renders `name` and expects the budget to stop it quickly.
fn refused(e: &DtlEngine, name: &str, ctx: &Context, option: &str) {
    let start = Instant::now();
    let err = e.template(name).unwrap().render(ctx, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
    assert!(err.to_string().contains(&format!("`{option}`")), "{err}");
    assert!(err.line().is_some(), "the error says where: {err}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn nested_loops_that_multiply_a_list_run_out_of_fuel() {
    let bomb = "{% for a in l %}{% for b in l %}{% for c in l %}{% for d in l %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
    let e = engine(small(200_000, 64 << 20), &[("bomb.html", bomb.into())]);
    let mut ctx = Context::new();
    ctx.insert("l", list(100));
    refused(&e, "bomb.html", &ctx, "fuel");
}

#[test]
fn loops_with_empty_bodies_still_spend_fuel() {
    let bomb =
        "{% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}{% endfor %}{% endfor %}";
    let e = engine(small(100_000, 64 << 20), &[("bomb.html", bomb.into())]);
    let mut ctx = Context::new();
    ctx.insert("l", list(1000));
    refused(&e, "bomb.html", &ctx, "fuel");
}

#[test]
fn includes_that_each_pull_in_the_next_level_twice_run_out_of_fuel() {
    let mut templates = vec![("level30.html".to_string(), "leaf".to_string())];
    for i in 0..30 {
        templates.push((
            format!("level{i}.html"),
            format!(
                "{{% include 'level{n}.html' %}}{{% include 'level{n}.html' %}}",
                n = i + 1
            ),
        ));
    }
    let templates: Vec<(&str, String)> = templates
        .iter()
        .map(|(n, s)| (n.as_str(), s.clone()))
        .collect();
    let e = engine(small(100_000, 64 << 20), &templates);
    refused(&e, "level0.html", &Context::new(), "fuel");
}

/// Without a cached loader every include compiles its template again: the
/// default budget still stops a fan-out soon, and the render does not keep
/// what it compiled.
#[test]
fn an_include_fan_out_over_a_compiling_loader_stops_with_the_default_budget() {
    let mut templates = vec![("level40.html".to_string(), "leaf".to_string())];
    for i in 0..40 {
        templates.push((
            format!("level{i}.html"),
            format!(
                "{{% include 'level{n}.html' %}}{{% include 'level{n}.html' %}}",
                n = i + 1
            ),
        ));
    }
    let templates: Vec<(&str, String)> = templates
        .iter()
        .map(|(n, s)| (n.as_str(), s.clone()))
        .collect();
    let e = engine(RenderLimits::default(), &templates);
    refused(&e, "level0.html", &Context::new(), "fuel");
}

#[test]
fn partials_that_fan_out_run_out_of_fuel() {
    let mut source = String::from("{% partialdef p0 %}leaf{% endpartialdef %}");
    for i in 1..30 {
        source.push_str(&format!(
            "{{% partialdef p{i} %}}{{% partial p{j} %}}{{% partial p{j} %}}{{% endpartialdef %}}",
            j = i - 1
        ));
    }
    source.push_str("{% partial p29 %}");
    let e = engine(small(100_000, 64 << 20), &[("page.html", source)]);
    refused(&e, "page.html", &Context::new(), "fuel");
}

#[test]
fn a_large_output_stops_at_the_byte_budget() {
    let e = engine(
        small(DEFAULT_FUEL, 1 << 20),
        &[("big.html", "{% for i in l %}{{ big }}{% endfor %}".into())],
    );
    let mut ctx = Context::new();
    ctx.insert("l", list(10_000));
    ctx.insert("big", "x".repeat(100_000));
    refused(&e, "big.html", &ctx, "max_output_bytes");
}

#[test]
fn captured_output_is_bounded_too() {
    // `{% filter %}` captures its body before writing it: the capture is
    // held to the budget too, before its text reaches the page.
    let e = engine(
        small(DEFAULT_FUEL, 1 << 20),
        &[(
            "f.html",
            "{% filter upper %}{% for i in l %}{{ big }}{% endfor %}{% endfilter %}".into(),
        )],
    );
    let mut ctx = Context::new();
    ctx.insert("l", list(10_000));
    ctx.insert("big", "x".repeat(100_000));
    refused(&e, "f.html", &ctx, "max_output_bytes");
}

#[test]
fn pages_within_the_budget_render_and_unlimited_means_unlimited() {
    let page = "{% for a in l %}{% for b in l %}.{% endfor %}{% endfor %}";
    let mut ctx = Context::new();
    ctx.insert("l", list(100));
    let limited = engine(small(30_000, 64 << 20), &[("p.html", page.into())]);
    assert_eq!(
        limited
            .template("p.html")
            .unwrap()
            .render(&ctx, None)
            .unwrap()
            .len(),
        10_000
    );
    let tight = engine(small(5_000, 64 << 20), &[("p.html", page.into())]);
    assert!(
        tight
            .template("p.html")
            .unwrap()
            .render(&ctx, None)
            .is_err()
    );
    let free = engine(RenderLimits::unlimited(), &[("p.html", page.into())]);
    assert_eq!(
        free.template("p.html")
            .unwrap()
            .render(&ctx, None)
            .unwrap()
            .len(),
        10_000
    );
    // Each render has its own budget.
    for _ in 0..3 {
        assert!(
            limited
                .template("p.html")
                .unwrap()
                .render(&ctx, None)
                .is_ok()
        );
    }
}

#[test]
fn the_limits_come_from_settings() {
    use figment::providers::{Format, Toml};
    let build = |options: &str| {
        let toml = format!(
            "[[templates]]\nbackend = \"platen.dtl\"\noptions = {{ {options} loaders = [{{ loader = \"platen.loaders.locmem\", templates = {{ \"p.html\" = \"{{% for a in l %}}{{% for b in l %}}.{{% endfor %}}{{% endfor %}}\" }} }}] }}\n"
        );
        let settings = platen_core::Settings::from_provider(Toml::string(&toml)).unwrap();
        let mut registry = platen_core::Registry::new();
        platen_loaders::register(&mut registry);
        platen_dtl::register(&mut registry);
        registry.build_engines(&settings)
    };
    let mut ctx = Context::new();
    ctx.insert("l", list(100));
    let engines = build("fuel = 1000,").unwrap();
    let err = engines
        .render_to_string(&["p.html"], &ctx, None, None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    // The page is 10,000 bytes, each counted once however deep its loops.
    let engines = build("fuel = \"none\", max_output_bytes = 10000,").unwrap();
    assert!(
        engines
            .render_to_string(&["p.html"], &ctx, None, None)
            .is_ok()
    );
    let engines = build("max_output_bytes = 9999,").unwrap();
    assert!(
        engines
            .render_to_string(&["p.html"], &ctx, None, None)
            .is_err()
    );
    let err = build("fuel = 0,").unwrap_err().to_string();
    assert!(err.contains("templates[0].options.fuel"), "{err}");
    assert!(err.contains("positive number"), "{err}");
}
