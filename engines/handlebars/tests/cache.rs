//! `{{#cache}}` and `{{depends_on}}` over the settings' in-memory caches.

use platen_core::cache::template_fragment_key;
use platen_core::{Context, Engines, Registry, Settings, Value};

const SETTINGS: &str = "[[templates]]\nbackend = \"platen.handlebars\"\ndirs = [\"t\"]\n\n\
                        [caches.default]\nbackend = \"memory\"\n\n[caches.other]\nbackend = \"memory\"\n";

fn engines(files: &[(&str, &str)]) -> (tempfile::TempDir, Engines) {
    let dir = tempfile::tempdir().unwrap();
    for (name, source) in files {
        let path = dir.path().join("t").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, source).unwrap();
    }
    std::fs::write(dir.path().join("platen.toml"), SETTINGS).unwrap();
    let mut registry = Registry::new();
    platen_loaders::register(&mut registry);
    platen_handlebars::register(&mut registry);
    let settings = Settings::load(dir.path().join("platen.toml")).unwrap();
    let engines = registry.build_engines(&settings).unwrap();
    (dir, engines)
}

fn render(engines: &Engines, name: &str, ctx: &Context) -> platen_core::Result<String> {
    engines.render_to_string(&[name], ctx, None, None)
}

fn ctx(pairs: &[(&str, &str)]) -> Context {
    let mut c = Context::new();
    for (k, v) in pairs {
        c.insert(k, *v);
    }
    c
}

#[test]
fn a_fragment_is_rendered_once_then_served_from_the_cache() {
    let (_dir, e) = engines(&[(
        "page.hbs",
        "[{{#cache \"title\" null}}<b>{{title}}</b>{{/cache}}] {{title}}",
    )]);
    assert_eq!(
        render(&e, "page.hbs", &ctx(&[("title", "one")])).unwrap(),
        "[<b>one</b>] one"
    );
    assert_eq!(
        render(&e, "page.hbs", &ctx(&[("title", "two")])).unwrap(),
        "[<b>one</b>] two",
        "the fragment comes from the cache, not escaped again"
    );
}

#[test]
fn a_cached_fragment_is_escaped_once() {
    let (_dir, e) = engines(&[("page.hbs", "{{#cache \"t\" null}}{{t}}{{/cache}}")]);
    let c = ctx(&[("t", "a & <b>")]);
    assert_eq!(render(&e, "page.hbs", &c).unwrap(), "a &amp; &lt;b&gt;");
    assert_eq!(render(&e, "page.hbs", &c).unwrap(), "a &amp; &lt;b&gt;");
}

#[test]
fn expiring_a_dependency_makes_the_next_render_fresh() {
    let (_dir, e) = engines(&[(
        "page.hbs",
        "{{#cache \"post\" 600}}{{depends_on post}}{{post.title}}{{/cache}}",
    )]);
    let post = |title: &str| {
        let mut m = platen_core::value::Map::default();
        m.insert("cache_key".into(), Value::from("post:1"));
        m.insert("title".into(), Value::from(title));
        Context::new().with("post", Value::from(m))
    };
    assert_eq!(render(&e, "page.hbs", &post("first")).unwrap(), "first");
    assert_eq!(render(&e, "page.hbs", &post("second")).unwrap(), "first");
    assert_eq!(e.caches().default_cache().expire("post:1").unwrap(), 1);
    assert_eq!(render(&e, "page.hbs", &post("second")).unwrap(), "second");
    assert_eq!(render(&e, "page.hbs", &post("third")).unwrap(), "second");
}

#[test]
fn expiring_a_dependency_of_an_inner_block_renders_the_outer_again() {
    let (_dir, e) = engines(&[
        (
            "page.hbs",
            "{{#cache \"outer\" null}}<{{outer}}|{{> inner}}>{{/cache}}",
        ),
        (
            "inner.hbs",
            "{{#cache \"inner\" null}}{{depends_on \"post:1\"}}{{inner}}{{/cache}}",
        ),
    ]);
    let c = |o: &str, i: &str| ctx(&[("outer", o), ("inner", i)]);
    assert_eq!(render(&e, "page.hbs", &c("o1", "i1")).unwrap(), "<o1|i1>");
    assert_eq!(render(&e, "page.hbs", &c("o2", "i2")).unwrap(), "<o1|i1>");
    let cache = e.caches().default_cache();
    let outer = cache
        .get(&template_fragment_key::<&str>("outer", &[]))
        .unwrap()
        .unwrap();
    assert_eq!(&*outer.deps, ["post:1".to_string()]);
    assert_eq!(
        cache.expire("post:1").unwrap(),
        2,
        "both blocks showed post:1"
    );
    assert_eq!(render(&e, "page.hbs", &c("o3", "i3")).unwrap(), "<o3|i3>");
}

#[test]
fn a_ttl_of_zero_never_caches() {
    let (_dir, e) = engines(&[("page.hbs", "{{#cache \"x\" 0}}{{v}}{{/cache}}")]);
    assert_eq!(render(&e, "page.hbs", &ctx(&[("v", "1")])).unwrap(), "1");
    assert_eq!(render(&e, "page.hbs", &ctx(&[("v", "2")])).unwrap(), "2");
    let key = template_fragment_key::<&str>("x", &[]);
    assert!(e.caches().default_cache().get(&key).unwrap().is_none());
}

#[test]
fn vary_values_make_djangos_keys() {
    let (_dir, e) = engines(&[(
        "page.hbs",
        "{{#cache \"card\" \"none\" user n flag}}{{user}}:{{v}}{{/cache}}",
    )]);
    let c = |user: &str, v: &str| {
        ctx(&[("user", user), ("v", v)])
            .with("n", Value::from(3))
            .with("flag", Value::from(true))
    };
    assert_eq!(render(&e, "page.hbs", &c("ann", "1")).unwrap(), "ann:1");
    assert_eq!(render(&e, "page.hbs", &c("bob", "2")).unwrap(), "bob:2");
    assert_eq!(render(&e, "page.hbs", &c("ann", "3")).unwrap(), "ann:1");
    let cache = e.caches().default_cache();
    for (user, shown) in [("ann", "ann:1"), ("bob", "bob:2")] {
        let key = template_fragment_key("card", &[user, "3", "true"]);
        let fragment = cache.get(&key).unwrap().expect("stored under Django's key");
        assert_eq!(&*fragment.value, shown);
    }
}

#[test]
fn using_chooses_the_cache_and_an_unknown_alias_is_an_error() {
    let (_dir, e) = engines(&[
        (
            "other.hbs",
            "{{#cache \"x\" null using=\"other\"}}{{v}}{{/cache}}",
        ),
        (
            "bad.hbs",
            "{{#cache \"x\" null using=\"nope\"}}{{v}}{{/cache}}",
        ),
    ]);
    assert_eq!(render(&e, "other.hbs", &ctx(&[("v", "1")])).unwrap(), "1");
    let key = template_fragment_key::<&str>("x", &[]);
    assert!(
        e.caches()
            .get("other")
            .unwrap()
            .get(&key)
            .unwrap()
            .is_some()
    );
    assert!(e.caches().default_cache().get(&key).unwrap().is_none());
    let err = render(&e, "bad.hbs", &ctx(&[("v", "1")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`nope`"), "{err}");
    assert!(err.contains("bad.hbs"), "{err}");
}

#[test]
fn bad_dependencies_are_errors() {
    let (_dir, e) = engines(&[
        ("num.hbs", "{{#cache \"a\" 5}}{{depends_on 42}}{{/cache}}"),
        ("map.hbs", "{{#cache \"b\" 5}}{{depends_on m}}{{/cache}}"),
    ]);
    let err = render(&e, "num.hbs", &Context::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not the number 42"), "{err}");
    let mut m = platen_core::value::Map::default();
    m.insert("id".into(), Value::from(1));
    let err = render(&e, "map.hbs", &Context::new().with("m", Value::from(m)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cache_key"), "{err}");
    // A failed block leaves nothing behind on the thread's recorder.
    platen_core::cache::with_thread_recorder(|r| assert_eq!(r.depth(), 0));
}

#[test]
fn depends_on_outside_a_cache_block_renders_nothing() {
    let (_dir, e) = engines(&[("page.hbs", "a{{depends_on \"post:1\"}}b")]);
    assert_eq!(render(&e, "page.hbs", &Context::new()).unwrap(), "ab");
}
