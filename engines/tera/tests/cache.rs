//! `cache(...)` and `depends_on(...)` over the settings' in-memory caches.

use platen_core::cache::template_fragment_key;
use platen_core::value::Map;
use platen_core::{Context, Engines, Registry, Settings, Value};

const SETTINGS: &str = "[[templates]]\nbackend = \"platen.tera\"\ndirs = [\"t\"]\n\n\
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
    platen_tera::register(&mut registry);
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
    let (_dir, e) = engines(&[
        (
            "page.html",
            "[{{ cache(name=\"title\", ttl=none, template=\"title.html\") }}] {{ title }}",
        ),
        ("title.html", "<b>{{ title }}</b>"),
    ]);
    assert_eq!(
        render(&e, "page.html", &ctx(&[("title", "one & two")])).unwrap(),
        "[<b>one &amp; two</b>] one &amp; two",
        "the fragment is escaped once, by its own template"
    );
    assert_eq!(
        render(&e, "page.html", &ctx(&[("title", "three")])).unwrap(),
        "[<b>one &amp; two</b>] three",
        "the fragment comes from the cache"
    );
}

#[test]
fn expiring_a_dependency_makes_the_next_render_fresh() {
    let (_dir, e) = engines(&[
        (
            "page.html",
            "{{ cache(name=\"post\", ttl=600, template=\"post.html\") }}",
        ),
        ("post.html", "{{ depends_on(dep=post) }}{{ post.title }}"),
    ]);
    let post = |title: &str| {
        let mut m = Map::default();
        m.insert("cache_key".into(), Value::from("post:1"));
        m.insert("title".into(), Value::from(title));
        Context::new().with("post", Value::from(m))
    };
    assert_eq!(render(&e, "page.html", &post("first")).unwrap(), "first");
    assert_eq!(render(&e, "page.html", &post("second")).unwrap(), "first");
    assert_eq!(e.caches().default_cache().expire("post:1").unwrap(), 1);
    assert_eq!(render(&e, "page.html", &post("second")).unwrap(), "second");
    assert_eq!(render(&e, "page.html", &post("third")).unwrap(), "second");
}

#[test]
fn expiring_a_dependency_of_an_inner_fragment_renders_the_outer_again() {
    let (_dir, e) = engines(&[
        (
            "page.html",
            "{{ cache(name=\"outer\", ttl=none, template=\"outer.html\") }}",
        ),
        (
            "outer.html",
            "<{{ outer }}|{{ cache(name=\"inner\", ttl=none, template=\"inner.html\") }}>",
        ),
        ("inner.html", "{{ depends_on(dep=\"post:1\") }}{{ inner }}"),
    ]);
    let c = |o: &str, i: &str| ctx(&[("outer", o), ("inner", i)]);
    assert_eq!(render(&e, "page.html", &c("o1", "i1")).unwrap(), "<o1|i1>");
    assert_eq!(render(&e, "page.html", &c("o2", "i2")).unwrap(), "<o1|i1>");
    let cache = e.caches().default_cache();
    let outer = cache
        .get(&template_fragment_key::<&str>("outer", &[]))
        .unwrap()
        .unwrap();
    assert_eq!(&*outer.deps, ["post:1".to_string()]);
    assert_eq!(
        cache.expire("post:1").unwrap(),
        2,
        "both fragments showed post:1"
    );
    assert_eq!(render(&e, "page.html", &c("o3", "i3")).unwrap(), "<o3|i3>");
}

#[test]
fn a_ttl_of_zero_never_caches() {
    let (_dir, e) = engines(&[
        (
            "page.html",
            "{{ cache(name=\"x\", ttl=0, template=\"v.html\") }}",
        ),
        ("v.html", "{{ v }}"),
    ]);
    assert_eq!(render(&e, "page.html", &ctx(&[("v", "1")])).unwrap(), "1");
    assert_eq!(render(&e, "page.html", &ctx(&[("v", "2")])).unwrap(), "2");
    let key = template_fragment_key::<&str>("x", &[]);
    assert!(e.caches().default_cache().get(&key).unwrap().is_none());
}

#[test]
fn vary_values_make_djangos_keys() {
    let (_dir, e) = engines(&[
        (
            "page.html",
            "{{ cache(name=\"card\", ttl=\"none\", vary=[user, n, flag], template=\"card.html\") }}",
        ),
        ("card.html", "{{ user }}:{{ v }}"),
    ]);
    let c = |user: &str, v: &str| {
        ctx(&[("user", user), ("v", v)])
            .with("n", Value::from(3))
            .with("flag", Value::from(true))
    };
    assert_eq!(render(&e, "page.html", &c("ann", "1")).unwrap(), "ann:1");
    assert_eq!(render(&e, "page.html", &c("bob", "2")).unwrap(), "bob:2");
    assert_eq!(render(&e, "page.html", &c("ann", "3")).unwrap(), "ann:1");
    let cache = e.caches().default_cache();
    for (user, shown) in [("ann", "ann:1"), ("bob", "bob:2")] {
        let key = template_fragment_key("card", &[user, "3", "true"]);
        let fragment = cache.get(&key).unwrap().expect("stored under Django's key");
        assert_eq!(&*fragment.value, shown);
    }
}

#[test]
fn loop_variables_are_passed_with_context() {
    let (_dir, e) = engines(&[
        (
            "page.html",
            "{% for p in posts %}{{ cache(name=\"p\", ttl=none, vary=[p], template=\"p.html\", \
             context={\"post\": p}) }};{% endfor %}",
        ),
        ("p.html", "{{ prefix }}{{ post }}"),
    ]);
    let c = ctx(&[("prefix", "#")]).with(
        "posts",
        Value::from(vec![Value::from("a"), Value::from("b")]),
    );
    assert_eq!(render(&e, "page.html", &c).unwrap(), "#a;#b;");
}

#[test]
fn using_chooses_the_cache_and_an_unknown_alias_is_an_error() {
    let (_dir, e) = engines(&[
        (
            "other.html",
            "{{ cache(name=\"x\", ttl=none, template=\"v.html\", using=\"other\") }}",
        ),
        (
            "bad.html",
            "{{ cache(name=\"x\", ttl=none, template=\"v.html\", using=\"nope\") }}",
        ),
        ("v.html", "{{ v }}"),
    ]);
    assert_eq!(render(&e, "other.html", &ctx(&[("v", "1")])).unwrap(), "1");
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
    let err = render(&e, "bad.html", &ctx(&[("v", "1")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`nope`"), "{err}");
    assert!(err.contains("bad.html"), "{err}");
}

#[test]
fn bad_dependencies_are_errors() {
    let (_dir, e) = engines(&[
        (
            "num.html",
            "{{ cache(name=\"a\", ttl=5, template=\"n.html\") }}",
        ),
        ("n.html", "{{ depends_on(dep=42) }}"),
        ("map.html", "{{ depends_on(dep=m) }}"),
    ]);
    let err = render(&e, "num.html", &Context::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not the number 42"), "{err}");
    let mut m = Map::default();
    m.insert("id".into(), Value::from(1));
    let err = render(&e, "map.html", &Context::new().with("m", Value::from(m)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cache_key"), "{err}");
    // A failed fragment leaves nothing behind on the thread's recorder.
    platen_core::cache::with_thread_recorder(|r| assert_eq!(r.depth(), 0));
}

#[test]
fn depends_on_outside_a_cache_call_renders_nothing() {
    let (_dir, e) = engines(&[("page.html", "a{{ depends_on(dep=\"post:1\") }}b")]);
    assert_eq!(render(&e, "page.html", &Context::new()).unwrap(), "ab");
}

#[test]
fn a_fragment_template_caching_itself_is_an_error_not_a_crash() {
    let (_dir, e) = engines(&[(
        "self.html",
        "{{ cache(name=\"s\", ttl=0, template=\"self.html\") }}",
    )]);
    let err = render(&e, "self.html", &Context::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("nest more than"), "{err}");
}
