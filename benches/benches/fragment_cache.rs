//! Fragment caching: what a hit costs against rendering the fragment it
//! replaces, and a page of 50 cached fragments cold, warm and after one
//! object's expiry.
//!
//! Backends: `memory`; `redis` with and without `l1` when `redis-server`
//! is on PATH (the bench starts its own on a free loopback port and stops
//! it at the end); `dummy` (caches nothing) as the uncached baseline.
//!
//! `cargo bench -p platen-benches --bench fragment_cache`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::SystemTime;

use criterion::Criterion;
use figment::providers::{Format, Toml};
use platen::redis::testing::RedisServer;
use platen::{Context, Engines, Settings, Value};
use platen_benches::{criterion_median_ns, print_table};

/// A card of about 1 KB: the fragment a hit replaces.
const CARD: &str = r#"<article class="card" id="post-{{ post.id }}">
  <h2><a href="/posts/{{ post.slug }}/">{{ post.title }}</a></h2>
  <p class="meta">{{ post.author|upper }} · {{ post.date }} · {{ post.words }} words</p>
  <p>{{ post.summary|truncatewords:100 }}</p>
  <ul class="tags">{% for t in post.tags %}<li><a href="/tags/{{ t|slugify }}/">{{ t|title }}</a></li>{% endfor %}</ul>
  <footer>{% if post.comments %}{{ post.comments }} comment{{ post.comments|pluralize }}{% else %}No comments yet{% endif %}</footer>
</article>"#;

fn post(i: i64) -> Value {
    let summary = "A fairly long summary of the post, written to take up some room on the card so that the fragment is about one kilobyte of HTML once rendered. ".repeat(3);
    let mut m = platen::value::Map::default();
    for (k, v) in [
        ("id", Value::from(i)),
        ("slug", Value::from(format!("post-number-{i}"))),
        (
            "title",
            Value::from(format!("Post number {i} & the <escaped> title")),
        ),
        ("author", Value::from("someone")),
        ("date", Value::from("2026-12-07")),
        ("words", Value::from(1200 + i)),
        ("summary", Value::from(summary)),
        ("comments", Value::from(i % 3)),
        (
            "tags",
            Value::from(vec![
                Value::from("rust lang"),
                Value::from("templates"),
                Value::from("caching"),
                Value::from("django"),
                Value::from("performance"),
                Value::from("tower"),
                Value::from("web"),
            ]),
        ),
    ] {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

/// Engines over the bench's templates with one `[caches.default]` table.
fn engines(cache: &str) -> Engines {
    let page: String = (0..50)
        .map(|i| format!("{{% with post=posts.{i} %}}{{% cache None card post.id %}}{{% depends_on 'post:'|add:post.slug %}}{CARD}{{% endcache %}}{{% endwith %}}\n"))
        .collect();
    let templates = BTreeMap::from([
        ("card.html", CARD.to_owned()),
        (
            "cached_card.html",
            format!("{{% load cache %}}{{% cache None card post.id %}}{CARD}{{% endcache %}}"),
        ),
        ("page.html", format!("{{% load cache %}}{page}")),
    ]);
    let mut toml = String::from(
        "[[templates]]\nbackend = \"platen.dtl\"\n[[templates.options.loaders]]\nloader = \"platen.loaders.locmem\"\n[templates.options.loaders.templates]\n",
    );
    for (name, source) in &templates {
        toml.push_str(&format!("{name:?} = {}\n", toml_string(source)));
    }
    toml.push_str(&format!("[caches.default]\n{cache}\n"));
    let settings = Settings::from_provider(Toml::string(&toml)).expect("bench settings");
    platen::registry()
        .build_engines(&settings)
        .expect("bench engines")
}

fn toml_string(s: &str) -> String {
    format!("'''\n{s}'''")
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let since = SystemTime::now();
    let redis = RedisServer::start_if_available();
    if redis.is_none() {
        eprintln!("redis-server is not on PATH: measuring the memory backend only");
    }
    let mut backends: Vec<(&str, String)> = vec![
        ("memory", "backend = \"memory\"".into()),
        ("dummy", "backend = \"dummy\"".into()),
    ];
    if let Some(r) = &redis {
        let location = r.url();
        backends.push((
            "redis",
            format!("backend = \"redis\"\nlocation = \"{location}\""),
        ));
        backends.push((
            "redis_l1",
            format!("backend = \"redis\"\nlocation = \"{location}\"\nl1 = true"),
        ));
    }

    let mut one = Context::new();
    one.insert("post", post(1));
    let mut many = Context::new();
    many.insert("posts", (0..50).map(post).collect::<Value>());

    // The fragment itself, rendered without a cache tag: what a hit saves.
    let plain = engines("backend = \"memory\"");
    let card = plain.get_template("card.html", None).unwrap();
    let card_len = card.render(&one, None).unwrap().len();
    eprintln!("the card is {card_len} bytes");
    c.benchmark_group("hit")
        .bench_function("no_cache_tag", |b| {
            b.iter(|| card.render(black_box(&one), None).unwrap())
        });

    let mut cells = BTreeMap::new();
    for (name, settings) in &backends {
        let engines = engines(settings);
        let cached = engines.get_template("cached_card.html", None).unwrap();
        let page = engines.get_template("page.html", None).unwrap();
        let cache = engines.caches().default_cache().clone();
        assert_eq!(cached.render(&one, None).unwrap().len(), card_len);
        // The page's fragments record their posts: one expiry, one fragment.
        page.render(&many, None).unwrap();
        let expected = if *name == "dummy" { 0 } else { 1 };
        assert_eq!(
            cache.expire("post:post-number-7").unwrap(),
            expected,
            "{name}"
        );
        c.benchmark_group("hit").bench_function(*name, |b| {
            b.iter(|| cached.render(black_box(&one), None).unwrap())
        });
        c.benchmark_group("page50_cold").bench_function(*name, |b| {
            b.iter(|| {
                cache.clear().unwrap();
                page.render(black_box(&many), None).unwrap()
            })
        });
        c.benchmark_group("page50_warm").bench_function(*name, |b| {
            b.iter(|| page.render(black_box(&many), None).unwrap())
        });
        c.benchmark_group("page50_one_expired")
            .bench_function(*name, |b| {
                b.iter(|| {
                    cache.expire("post:post-number-7").unwrap();
                    page.render(black_box(&many), None).unwrap()
                })
            });
        for (row, group) in [
            ("1 KB card", "hit"),
            ("page, cold", "page50_cold"),
            ("page, warm", "page50_warm"),
            ("page, 1 expired", "page50_one_expired"),
        ] {
            if let Some(ns) = criterion_median_ns(group, name, since) {
                cells.insert((row.to_owned(), name.to_string()), ns / 1000.0);
            }
        }
    }
    if let Some(ns) = criterion_median_ns("hit", "no_cache_tag", since) {
        cells.insert(
            ("1 KB card".to_owned(), "no cache tag".to_owned()),
            ns / 1000.0,
        );
    }
    c.final_summary();
    let mut columns: Vec<&str> = vec!["no cache tag"];
    columns.extend(backends.iter().map(|(n, _)| *n));
    print_table(
        "Fragment caching: median µs (ratio to `dummy`, which renders every fragment)",
        &["1 KB card", "page, cold", "page, warm", "page, 1 expired"],
        &columns,
        "dummy",
        &cells,
        "µs",
        |v| format!("{v:.2}"),
    );
    drop(redis);
}
