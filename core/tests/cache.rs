//! The fragment cache API on the in-memory backend, and `[caches]` settings.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use platen_core::cache::{Cached, Caches, DepRecorder, FragmentCache, Ttl};
use platen_core::{Registry, Settings};

fn deps(d: &[&str]) -> Vec<String> {
    d.iter().map(|s| s.to_string()).collect()
}

#[test]
fn full_keys_are_djangos() {
    let cache = FragmentCache::memory("default");
    assert_eq!(
        cache.make_key("template.cache.sidebar.d41d8cd98f00b204e9800998ecf8427e"),
        ":1:template.cache.sidebar.d41d8cd98f00b204e9800998ecf8427e"
    );
}

#[test]
fn expiring_a_dependency_removes_exactly_the_fragments_that_showed_it() {
    let cache = FragmentCache::memory("default");
    cache
        .set("a", "A", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    cache
        .set("b", "B", Ttl::Forever, &deps(&["post:1", "post:2"]))
        .unwrap();
    cache
        .set("c", "C", Ttl::Forever, &deps(&["post:2"]))
        .unwrap();
    cache.set("d", "D", Ttl::Forever, &[]).unwrap();
    assert_eq!(&*cache.get("b").unwrap().unwrap().value, "B");
    assert_eq!(cache.expire("post:1").unwrap(), 2);
    assert!(cache.get("a").unwrap().is_none());
    assert!(cache.get("b").unwrap().is_none());
    assert_eq!(&*cache.get("c").unwrap().unwrap().value, "C");
    assert_eq!(&*cache.get("d").unwrap().unwrap().value, "D");
    assert_eq!(cache.expire("post:1").unwrap(), 0);
    let stats = cache.stats().unwrap();
    assert_eq!(stats.entries, Some(2));
    assert_eq!(
        stats.index_deps,
        Some(1),
        "only post:2 is left in the index"
    );
}

#[test]
fn a_key_stored_again_with_other_dependencies_forgets_the_old_ones() {
    let cache = FragmentCache::memory("default");
    cache
        .set("k", "old", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    cache
        .set("k", "new", Ttl::Forever, &deps(&["post:2"]))
        .unwrap();
    assert_eq!(cache.expire("post:1").unwrap(), 0);
    assert_eq!(&*cache.get("k").unwrap().unwrap().value, "new");
    assert_eq!(cache.expire("post:2").unwrap(), 1);
}

#[test]
fn a_zero_timeout_stores_nothing_and_removes_what_was_there() {
    let cache = FragmentCache::memory("default");
    cache.set("k", "v", Ttl::Forever, &[]).unwrap();
    assert!(!cache.set("k", "v2", Ttl::Seconds(0), &[]).unwrap());
    assert!(cache.get("k").unwrap().is_none());
    assert_eq!(Ttl::from_django(Some(-5)), Ttl::Seconds(0));
    assert_eq!(Ttl::from_django(None), Ttl::Forever);
}

#[test]
fn expire_key_and_clear() {
    let cache = FragmentCache::memory("default");
    cache.set("a", "A", Ttl::Default, &deps(&["x"])).unwrap();
    cache.set("b", "B", Ttl::Default, &[]).unwrap();
    assert!(cache.expire_key("a").unwrap());
    assert!(!cache.expire_key("a").unwrap());
    cache.clear().unwrap();
    assert!(cache.get("b").unwrap().is_none());
    assert_eq!(cache.stats().unwrap().entries, Some(0));
}

#[test]
fn a_fragment_whose_dependency_expired_while_it_rendered_is_not_stored() {
    let cache = FragmentCache::memory("default");
    let Cached::Miss(pending) = cache.begin("k", Ttl::Forever) else {
        panic!("nothing is cached yet");
    };
    // While the block renders, the post it shows is saved and expired.
    cache.expire("post:42").unwrap();
    assert!(!pending.store("stale", &deps(&["post:42"])));
    assert!(cache.get("k").unwrap().is_none());
    // A render begun after the expiry is stored.
    let Cached::Miss(pending) = cache.begin("k", Ttl::Forever) else {
        panic!("still not cached");
    };
    assert!(pending.store("fresh", &deps(&["post:42"])));
    let Cached::Hit(hit) = cache.begin("k", Ttl::Forever) else {
        panic!("now cached");
    };
    assert_eq!(&*hit.value, "fresh");
    assert_eq!(&*hit.deps, ["post:42".to_string()]);
}

#[test]
fn a_render_begun_before_clear_is_not_stored() {
    let cache = FragmentCache::memory("default");
    let Cached::Miss(pending) = cache.begin("k", Ttl::Forever) else {
        panic!()
    };
    cache.clear().unwrap();
    assert!(!pending.store("v", &[]));
}

/// Russian-doll caching: the outer block records what the inner one
/// showed, whether the inner one rendered or hit.
#[test]
fn nested_blocks_are_expired_by_what_their_inner_blocks_show() {
    let cache = FragmentCache::memory("default");
    let render_page = |rec: &mut DepRecorder, renders: &AtomicUsize| -> String {
        let outer = match cache.begin("outer", Ttl::Forever) {
            Cached::Hit(f) => {
                rec.register_all(&f.deps);
                return f.value.to_string();
            }
            Cached::Miss(p) => p,
        };
        rec.push();
        let mut page = String::from("[");
        match cache.begin("inner", Ttl::Forever) {
            Cached::Hit(f) => {
                rec.register_all(&f.deps);
                page.push_str(&f.value);
            }
            Cached::Miss(p) => {
                rec.push();
                renders.fetch_add(1, Ordering::Relaxed);
                rec.register("post:1");
                let text = "post 1";
                let inner_deps = rec.pop();
                p.store(text, &inner_deps);
                page.push_str(text);
            }
        }
        page.push(']');
        let outer_deps = rec.pop();
        outer.store(&page, &outer_deps);
        page
    };
    let renders = AtomicUsize::new(0);
    let mut rec = DepRecorder::new();
    assert_eq!(render_page(&mut rec, &renders), "[post 1]");
    assert_eq!(render_page(&mut rec, &renders), "[post 1]");
    assert_eq!(renders.load(Ordering::Relaxed), 1);
    // Only the outer one is gone: it re-renders around the cached inner one,
    // and still records post:1.
    cache.expire_key("outer").unwrap();
    render_page(&mut rec, &renders);
    assert_eq!(renders.load(Ordering::Relaxed), 1);
    assert_eq!(
        cache.expire("post:1").unwrap(),
        2,
        "both blocks showed post:1"
    );
    render_page(&mut rec, &renders);
    assert_eq!(renders.load(Ordering::Relaxed), 2);
}

/// Many threads store and expire at once; after every expiry of a
/// dependency, no fragment stored before it is readable, and no fragment
/// ever outlives an expiry it raced with.
#[test]
fn concurrent_stores_and_expiries_keep_the_index_consistent() {
    let cache = FragmentCache::memory("default");
    let rounds = 2_000;
    thread::scope(|s| {
        for t in 0..4 {
            let cache = cache.clone();
            s.spawn(move || {
                for i in 0..rounds {
                    let dep = format!("post:{}", i % 16);
                    let key = format!("t{t}-{i}");
                    if let Cached::Miss(p) = cache.begin(&key, Ttl::Forever) {
                        p.store("v", &[dep.clone(), "site".into()]);
                    }
                }
            });
        }
        for _ in 0..2 {
            let cache = cache.clone();
            s.spawn(move || {
                for i in 0..rounds {
                    let dep = format!("post:{}", i % 16);
                    cache.expire(&dep).unwrap();
                }
            });
        }
    });
    // Every fragment left is in the index of both its dependencies: one
    // expiry of "site" removes all of them.
    let before = cache.stats().unwrap().entries.unwrap();
    let removed = cache.expire("site").unwrap();
    assert_eq!(removed, before);
    let stats = cache.stats().unwrap();
    assert_eq!(stats.entries, Some(0));
    for i in 0..16 {
        cache.expire(&format!("post:{i}")).unwrap();
    }
    let stats = cache.stats().unwrap();
    assert_eq!(stats.index_deps, Some(0));
    assert_eq!(stats.index_links, Some(0));
}

#[test]
fn the_memory_backend_is_bounded_by_entries() {
    use figment::providers::Format;
    let toml = "[caches.default]\nmax_entries = 100\n";
    let settings = Settings::from_provider(figment::providers::Toml::string(toml)).unwrap();
    let caches = Registry::new().build_caches(&settings).unwrap();
    let cache = caches.default_cache();
    for i in 0..1000 {
        cache.set(&format!("k{i}"), "v", Ttl::Forever, &[]).unwrap();
    }
    let entries = cache.stats().unwrap().entries.unwrap();
    assert!(entries <= 100, "{entries} entries");
}

#[test]
fn expire_hooks_are_called_with_the_dependencies() {
    let cache = FragmentCache::memory("default");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    cache.on_expire(move |e| s.lock().unwrap().push(e.deps.clone()));
    cache.expire("post:9").unwrap();
    assert_eq!(*seen.lock().unwrap(), [vec!["post:9".to_string()]]);
}

#[test]
fn caches_come_from_settings_with_a_default_always_there() {
    use figment::providers::{Format, Toml};
    let toml = r#"
[caches.default]
key_prefix = "site"
version = 3
timeout = "none"

[caches.template_fragments]
backend = "memory"
timeout = 60
"#;
    let settings = Settings::from_provider(Toml::string(toml)).unwrap();
    let c = &settings.caches["default"];
    assert_eq!(
        (c.key_prefix.as_str(), c.version, c.timeout),
        ("site", 3, None)
    );
    assert_eq!(c.channel, "platen:expire");
    assert!(!c.l1);
    let caches = Registry::new().build_caches(&settings).unwrap();
    assert_eq!(caches.default_cache().make_key("k"), "site:3:k");
    assert_eq!(caches.for_fragments().alias(), "template_fragments");
    assert_eq!(
        caches.aliases().collect::<Vec<_>>(),
        ["default", "template_fragments"]
    );

    let none = Settings::from_provider(Toml::string("")).unwrap();
    let caches = Registry::new().build_caches(&none).unwrap();
    assert_eq!(caches.for_fragments().alias(), "default");
    assert_eq!(Caches::default().aliases().count(), 1);
}

#[test]
fn bad_cache_settings_name_the_key_and_the_file() {
    use figment::providers::{Format, Toml};
    let err = |toml: &str| {
        let settings = match Settings::from_provider(Toml::string(toml)) {
            Ok(s) => s,
            Err(e) => return e.to_string(),
        };
        Registry::new()
            .build_caches(&settings)
            .unwrap_err()
            .to_string()
    };
    insta::assert_snapshot!(err("[caches.default]\nbackend = \"memroy\"\n"), @r#"bad settings: unknown cache backend `memroy` (did you mean `memory`?); registered cache backends: dummy, memory (key `caches.default.backend` in TOML source string)"#);
    insta::assert_snapshot!(err("[caches.default]\ntimout = 3\n"), @r#"bad settings: unknown key `timout` (did you mean `timeout`?); a cache key is one of: backend, location, timeout, key_prefix, version, channel, l1, max_entries, max_bytes, options (key `caches.default.timout` in TOML source string)"#);
    insta::assert_snapshot!(err("[caches.default]\ntimeout = \"soon\"\n"), @r#"bad settings: expected a number of seconds or "none" (keep until expired), found the string "soon" (key `caches.default.timeout` in TOML source string)"#);
    insta::assert_snapshot!(err("[caches.default]\nbackend = \"redis\"\n"), @r#"bad settings: unknown cache backend `redis`; registered cache backends: dummy, memory (the `redis` backend comes with platen's `redis` feature) (key `caches.default.backend` in TOML source string)"#);
    insta::assert_snapshot!(err("caches = 3\n"), @r#"bad settings: `caches` must be a table of caches by alias, such as `[caches.default]` with `backend = "memory"`, not the number 3 (key `caches` in TOML source string)"#);
    insta::assert_snapshot!(err("[caches]\ndefault = \"memory\"\n"), @r#"bad settings: a cache must be a table such as `[caches.default]` with `backend = "memory"`, not the string "memory" (key `caches.default` in TOML source string)"#);
}

#[test]
fn the_dummy_backend_caches_nothing_and_djangos_names_work() {
    use figment::providers::{Format, Toml};
    for backend in ["dummy", "django.core.cache.backends.dummy.DummyCache"] {
        let toml = format!("[caches.default]\nbackend = \"{backend}\"\n");
        let settings = Settings::from_provider(Toml::string(&toml)).unwrap();
        let caches = Registry::new().build_caches(&settings).unwrap();
        let cache = caches.default_cache();
        assert!(!cache.set("k", "v", Ttl::Forever, &[]).unwrap());
        assert!(cache.get("k").unwrap().is_none());
    }
    let toml = "[caches.default]\nbackend = \"django.core.cache.backends.locmem.LocMemCache\"\n";
    let settings = Settings::from_provider(Toml::string(toml)).unwrap();
    let caches = Registry::new().build_caches(&settings).unwrap();
    let cache = caches.default_cache();
    assert!(cache.set("k", "v", Ttl::Forever, &[]).unwrap());
    assert!(cache.get("k").unwrap().is_some());
}
