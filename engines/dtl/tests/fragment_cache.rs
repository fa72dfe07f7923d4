//! `{% cache %}`, `{% depends_on %}` and the `content_cache` library:
//! fragments are stored under Django's keys, served until what they show
//! is expired, and nested blocks are expired by what their inner blocks show.

use std::sync::Arc;

use platen_core::cache::{Caches, FragmentCache, template_fragment_key};
use platen_core::{Context, Object, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions, django_library};
use platen_loaders::LocmemLoader;

/// A content object whose cache identity is `post:<id>`.
#[derive(Debug)]
struct Post {
    id: i64,
    title: String,
}

impl Object for Post {
    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "id" => Some(Value::from(self.id)),
            "title" => Some(Value::from(self.title.as_str())),
            _ => None,
        }
    }

    fn cache_identity(&self) -> Option<String> {
        Some(format!("post:{}", self.id))
    }
}

fn post(id: i64, title: &str) -> Value {
    Value::from_object(Post {
        id,
        title: title.into(),
    })
}

fn engine_with(caches: Caches, auto_depends: bool, templates: &[(&str, &str)]) -> DtlEngine {
    let loader = LocmemLoader::new(
        templates
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string())),
    );
    DtlEngine::new(
        platen_core::LoaderChain::new(vec![Arc::new(loader)]),
        DtlOptions {
            caches,
            auto_depends,
            libraries: ["cache", "content_cache"]
                .into_iter()
                .map(|n| (n.to_owned(), django_library(n).unwrap()))
                .collect(),
            ..DtlOptions::default()
        },
    )
}

fn render(
    engine: &DtlEngine,
    source: &str,
    ctx: &[(&str, Value)],
) -> Result<String, platen_core::Error> {
    let mut c = Context::new();
    for (k, v) in ctx {
        c.insert(k, v.clone());
    }
    engine.template_from_str(source)?.render(&c, None)
}

fn out(engine: &DtlEngine, source: &str, ctx: &[(&str, Value)]) -> String {
    render(engine, source, ctx).unwrap()
}

#[test]
fn a_fragment_is_served_until_what_it_depends_on_is_expired() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), true, &[]);
    let t = r#"{% load cache %}<{% cache None card %}{% depends_on "post:42" %}{{ title }}{% endcache %}>"#;
    assert_eq!(out(&e, t, &[("title", "first".into())]), "<first>");
    assert_eq!(
        out(&e, t, &[("title", "second".into())]),
        "<first>",
        "cached"
    );
    assert_eq!(caches.default_cache().expire("post:1").unwrap(), 0);
    assert_eq!(out(&e, t, &[("title", "second".into())]), "<first>");
    assert_eq!(caches.default_cache().expire("post:42").unwrap(), 1);
    assert_eq!(out(&e, t, &[("title", "third".into())]), "<third>");
}

#[test]
fn fragments_are_stored_under_djangos_keys() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), true, &[]);
    // Keys computed by Django 5.2.19's make_template_fragment_key.
    type Case<'a> = (&'a str, &'a [(&'a str, Value)], &'a str);
    let cases: &[Case] = &[
        (
            "{% cache 500 sidebar %}x{% endcache %}",
            &[],
            ":1:template.cache.sidebar.d41d8cd98f00b204e9800998ecf8427e",
        ),
        (
            "{% cache 500 sidebar a %}x{% endcache %}",
            &[("a", Value::from(1))],
            ":1:template.cache.sidebar.3afcdbfeb6ecfbdd0ba628696e3cc163",
        ),
        (
            "{% cache 500 post a b %}x{% endcache %}",
            &[("a", Value::from("with spaces")), ("b", Value::from(42))],
            ":1:template.cache.post.6a8e75a2d376f745233b76b869fba42e",
        ),
        (
            "{% cache 500 x a b c %}x{% endcache %}",
            &[
                ("a", Value::None),
                ("b", Value::from(true)),
                ("c", Value::from(false)),
            ],
            ":1:template.cache.x.756854c94444d30367e110f82ffac5c0",
        ),
        (
            "{% cache 500 x a b %}x{% endcache %}",
            &[("a", Value::from(1.5)), ("b", Value::from(2.0))],
            ":1:template.cache.x.3cec693be8108529525d6ad95423ab5d",
        ),
        (
            "{% cache 500 x a %}x{% endcache %}",
            &[("a", Value::from(vec![Value::from(1), Value::from("a")]))],
            ":1:template.cache.x.9911ceedd4a1fdc67aa90a054ddc1d1d",
        ),
        (
            "{% cache 500 x a %}x{% endcache %}",
            &[("a", Value::from(""))],
            ":1:template.cache.x.853ae90f0351324bd73ea615e6487517",
        ),
        (
            "{% cache 500 x a %}x{% endcache %}",
            &[("a", Value::from("é✓"))],
            ":1:template.cache.x.c2200730d0d95916a7aa1bdd952b06a7",
        ),
        (
            "{% cache 500 x 'é✓' %}x{% endcache %}",
            &[],
            ":1:template.cache.x.c2200730d0d95916a7aa1bdd952b06a7",
        ),
    ];
    for (source, ctx, key) in cases {
        caches.default_cache().clear().unwrap();
        out(&e, &format!("{{% load cache %}}{source}"), ctx);
        let full: Vec<String> = {
            let cache = caches.default_cache();
            // The full key is Django's `make_key` of the fragment key.
            let k = key.trim_start_matches(":1:");
            assert_eq!(cache.make_key(k), *key);
            vec![k.to_owned()]
        };
        assert!(
            caches.default_cache().get(&full[0]).unwrap().is_some(),
            "{source}: nothing at {key}"
        );
    }
    assert_eq!(
        template_fragment_key("sidebar", &["1"]),
        "template.cache.sidebar.3afcdbfeb6ecfbdd0ba628696e3cc163"
    );
}

#[test]
fn objects_with_a_cache_identity_register_themselves() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), true, &[]);
    let t = "{% load cache %}{% cache None list %}{% for p in posts %}[{{ p.title }}]{% endfor %}{% endcache %}";
    let posts = |a: &str| Value::from(vec![post(1, a), post(2, "two")]);
    assert_eq!(out(&e, t, &[("posts", posts("one"))]), "[one][two]");
    assert_eq!(out(&e, t, &[("posts", posts("uno"))]), "[one][two]");
    assert_eq!(caches.default_cache().expire("post:2").unwrap(), 1);
    assert_eq!(out(&e, t, &[("posts", posts("uno"))]), "[uno][two]");

    // A map with a `cache_key` (an object in a JSON context) too.
    let caches2 = Caches::default();
    let e2 = engine_with(caches2.clone(), true, &[]);
    let mut m = platen_core::value::Map::default();
    m.insert("cache_key".into(), Value::from("post:77"));
    m.insert("title".into(), Value::from("json"));
    let t2 = "{% load cache %}{% cache None one %}{{ p.title }}{% endcache %}";
    assert_eq!(out(&e2, t2, &[("p", Value::from(m))]), "json");
    assert_eq!(caches2.default_cache().expire("post:77").unwrap(), 1);

    // Switched off, only `depends_on` registers.
    let caches = Caches::default();
    let e = engine_with(caches.clone(), false, &[]);
    out(&e, t, &[("posts", posts("one"))]);
    assert_eq!(caches.default_cache().expire("post:2").unwrap(), 0);
}

#[test]
fn depends_on_takes_objects_strings_and_lists() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), false, &[]);
    let t = "{% load cache %}{% cache None k %}{% depends_on p 'site' ids %}x{% endcache %}";
    let ids = Value::from(vec![Value::from("tag:1"), Value::from("tag:2")]);
    out(&e, t, &[("p", post(7, "t")), ("ids", ids.clone())]);
    for dep in ["post:7", "site", "tag:1", "tag:2"] {
        out(&e, t, &[("p", post(7, "t")), ("ids", ids.clone())]);
        assert_eq!(caches.default_cache().expire(dep).unwrap(), 1, "{dep}");
    }
    // A map (a JSON context's object) stands for an object by its `cache_key`.
    let mut map = platen_core::value::Map::default();
    map.insert("cache_key".into(), Value::from("post:8"));
    out(&e, t, &[("p", Value::from(map)), ("ids", ids.clone())]);
    assert_eq!(caches.default_cache().expire("post:8").unwrap(), 1);
    let err = render(&e, t, &[("p", Value::from(42)), ("ids", ids)]).unwrap_err();
    assert!(
        err.to_string()
            .contains("'depends_on' got 42, which has no cache identity"),
        "{err}"
    );
    // Outside a cache block it does nothing (and checks nothing).
    assert_eq!(out(&e, "{% load cache %}{% depends_on 42 %}ok", &[]), "ok");
    let err = render(&e, "{% load cache %}{% depends_on %}", &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("'depends_on' tag takes at least one argument"),
        "{err}"
    );
}

/// Russian-doll caching: an outer block shows what its inner blocks show,
/// whether they rendered or were served from the cache.
#[test]
fn nested_blocks_register_every_dependency_with_every_enclosing_block() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), true, &[]);
    let t = "{% load cache %}{% cache None page %}<{{ head }}|\
             {% cache None card p.id %}{{ p.title }}{% endcache %}|\
             {% cache None side %}{% depends_on 'tags' %}{{ side }}{% endcache %}>{% endcache %}";
    let ctx = |head: &str, title: &str, side: &str| {
        vec![
            ("head", Value::from(head)),
            ("p", post(5, title)),
            ("side", Value::from(side)),
        ]
    };
    assert_eq!(out(&e, t, &ctx("h1", "t1", "s1")), "<h1|t1|s1>");
    assert_eq!(out(&e, t, &ctx("h2", "t2", "s2")), "<h1|t1|s1>");
    // The outer block alone expires: it renders again around the cached
    // inner blocks, and still records what they show.
    caches
        .default_cache()
        .expire_key("template.cache.page.d41d8cd98f00b204e9800998ecf8427e")
        .unwrap();
    assert_eq!(out(&e, t, &ctx("h3", "t3", "s3")), "<h3|t1|s1>");
    // The post expires its card and the page around it, not the side block.
    assert_eq!(caches.default_cache().expire("post:5").unwrap(), 2);
    assert_eq!(out(&e, t, &ctx("h4", "t4", "s4")), "<h4|t4|s1>");
    assert_eq!(caches.default_cache().expire("tags").unwrap(), 2);
    assert_eq!(out(&e, t, &ctx("h5", "t5", "s5")), "<h5|t4|s5>");
}

#[test]
fn timeouts_follow_django() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), true, &[]);
    let src = |t: &str| format!("{{% load cache %}}{{% cache {t} k %}}{{{{ v }}}}{{% endcache %}}");
    // 0 (and less) does not cache.
    assert_eq!(out(&e, &src("0"), &[("v", "a".into())]), "a");
    assert_eq!(out(&e, &src("0"), &[("v", "b".into())]), "b");
    assert_eq!(out(&e, &src("-1"), &[("v", "c".into())]), "c");
    // A string of digits and a float are Python int()s.
    for (t, v) in [("'30'", "d"), ("t", "e"), ("f", "g")] {
        caches.default_cache().clear().unwrap();
        let ctx = [
            ("v", Value::from(v)),
            ("t", Value::from(" 7 ")),
            ("f", Value::from(2.9)),
        ];
        assert_eq!(out(&e, &src(t), &ctx), v);
        assert_eq!(
            out(
                &e,
                &src(t),
                &[
                    ("v", "other".into()),
                    ("t", " 7 ".into()),
                    ("f", 2.9.into())
                ]
            ),
            v
        );
    }
    for (t, shown) in [("'soon'", "'soon'"), ("x", "''"), ("l", "[]")] {
        let err = render(&e, &src(t), &[("l", Value::from(Vec::<Value>::new()))]).unwrap_err();
        assert!(
            err.to_string().contains(&format!(
                "\"cache\" tag got a non-integer timeout value: {shown}"
            )),
            "{err}"
        );
    }
}

#[test]
fn using_names_a_configured_cache() {
    let other = FragmentCache::memory("other");
    let caches = Caches::new(vec![other.clone()]);
    let e = engine_with(caches.clone(), true, &[]);
    out(
        &e,
        "{% load cache %}{% cache 60 k using='other' %}x{% endcache %}",
        &[],
    );
    assert!(
        other
            .get("template.cache.k.d41d8cd98f00b204e9800998ecf8427e")
            .unwrap()
            .is_some()
    );
    assert!(
        caches
            .default_cache()
            .get("template.cache.k.d41d8cd98f00b204e9800998ecf8427e")
            .unwrap()
            .is_none()
    );
    let err = render(
        &e,
        "{% load cache %}{% cache 60 k using='nope' %}x{% endcache %}",
        &[],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("Invalid cache name specified for cache tag: 'nope'"),
        "{err}"
    );
    // Without `using`, `template_fragments` comes before `default`.
    let fragments = FragmentCache::memory("template_fragments");
    let e = engine_with(Caches::new(vec![fragments.clone()]), true, &[]);
    out(&e, "{% load cache %}{% cache 60 k %}x{% endcache %}", &[]);
    assert!(
        fragments
            .get("template.cache.k.d41d8cd98f00b204e9800998ecf8427e")
            .unwrap()
            .is_some()
    );
}

#[test]
fn the_content_cache_library_has_the_seed_names() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), false, &[]);
    let t = "{% load content_cache %}{% cache_content None story p.id %}{% register_content p %}{{ p.title }}{% endcache_content %}";
    assert_eq!(out(&e, t, &[("p", post(3, "a"))]), "a");
    assert_eq!(out(&e, t, &[("p", post(3, "b"))]), "a");
    assert_eq!(caches.default_cache().expire("post:3").unwrap(), 1);
    assert_eq!(out(&e, t, &[("p", post(3, "b"))]), "b");
}

#[test]
fn a_block_whose_body_fails_stores_nothing_and_leaves_the_next_blocks_right() {
    let caches = Caches::default();
    let e = engine_with(
        caches.clone(),
        true,
        &[("bad.html", "{% include 'missing.html' %}")],
    );
    let t = "{% load cache %}{% cache None outer %}{% cache None inner %}{% include 'bad.html' %}{% endcache %}{% endcache %}";
    assert!(render(&e, t, &[]).is_err());
    assert_eq!(caches.default_cache().stats().unwrap().entries, Some(0));
    let t = "{% load cache %}{% cache None a %}{% depends_on 'x' %}a{% endcache %}";
    out(&e, t, &[]);
    assert_eq!(caches.default_cache().expire("x").unwrap(), 1);
}

#[test]
fn included_templates_register_with_the_block_around_the_include() {
    let caches = Caches::default();
    let e = engine_with(caches.clone(), true, &[("card.html", "{{ p.title }}")]);
    let t = "{% load cache %}{% cache None wrap %}{% include 'card.html' %}{% endcache %}";
    assert_eq!(out(&e, t, &[("p", post(9, "a"))]), "a");
    assert_eq!(out(&e, t, &[("p", post(9, "b"))]), "a");
    assert_eq!(caches.default_cache().expire("post:9").unwrap(), 1);
    assert_eq!(out(&e, t, &[("p", post(9, "b"))]), "b");
}
