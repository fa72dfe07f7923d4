//! The `redis` backend against a real `redis-server`, one per test, on a
//! free port. Without `redis-server` on PATH the tests say so and pass,
//! except under CI (the `CI` variable set), where they fail.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use platen_core::cache::{
    CacheBackend, Cached, DepRecorder, ExpireEvent, FragmentCache, Lookup, Ttl,
};
use platen_redis::testing::RedisServer;
use platen_redis::{RedisBackend, RedisConfig};
use redis::Commands;

// ---------------------------------------------------------------- helpers

/// A plain client, as a foreign process would use.
fn client(server: &RedisServer) -> redis::Connection {
    server.connection().unwrap()
}

fn config(server: &RedisServer, l1: bool) -> RedisConfig {
    let mut config = RedisConfig::new(server.url());
    config.timeout = Duration::from_millis(1000);
    if l1 {
        config.l1 = Some(Default::default());
    }
    config
}

fn backend(server: &RedisServer, l1: bool) -> Arc<RedisBackend> {
    Arc::new(RedisBackend::new(config(server, l1)).unwrap())
}

fn cache_over(backend: Arc<RedisBackend>) -> FragmentCache {
    FragmentCache::new("default", backend, "", 1, Ttl::Seconds(300))
}

fn deps(d: &[&str]) -> Vec<String> {
    d.iter().map(|s| s.to_string()).collect()
}

fn value(cache: &FragmentCache, key: &str) -> Option<String> {
    cache.get(key).unwrap().map(|f| f.value.to_string())
}

/// Polls `f` until it is true, at most `limit`.
fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn wait_subscribed(b: &RedisBackend) {
    assert!(
        eventually(Duration::from_secs(2), || b.is_subscribed()),
        "the backend listens on its channel"
    );
}

// ---------------------------------------------------------------- tests

#[test]
fn get_set_and_expire_with_dependencies() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cache = cache_over(backend(&server, false));
    cache
        .set("a", "A", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    cache
        .set(
            "b",
            "B",
            Ttl::Forever,
            &deps(&["post:1", "post:2", "post:1"]),
        )
        .unwrap();
    cache
        .set("c", "C", Ttl::Default, &deps(&["post:2"]))
        .unwrap();
    cache.set("d", "D", Ttl::Forever, &[]).unwrap();
    let b = cache.get("b").unwrap().unwrap();
    assert_eq!(&*b.value, "B");
    assert_eq!(&*b.deps, deps(&["post:1", "post:2"]));
    assert_eq!(cache.expire("post:1").unwrap(), 2);
    assert_eq!(value(&cache, "a"), None);
    assert_eq!(value(&cache, "b"), None);
    assert_eq!(value(&cache, "c").as_deref(), Some("C"));
    assert_eq!(value(&cache, "d").as_deref(), Some("D"));
    assert_eq!(cache.expire("post:1").unwrap(), 0);
    let stats = cache.stats().unwrap();
    assert_eq!(stats.entries, Some(2));
    assert_eq!(
        stats.index_deps,
        Some(1),
        "only post:2 is left in the index"
    );
    assert_eq!(stats.index_links, Some(1));
    assert_eq!(
        stats.bytes,
        Some((":1:c".len() + 1 + ":1:d".len() + 1) as u64)
    );
    assert!(stats.hits >= 3 && stats.misses >= 2, "{stats:?}");

    // Stored again with other dependencies: the old ones are forgotten.
    cache
        .set("k", "old", Ttl::Forever, &deps(&["post:7"]))
        .unwrap();
    cache
        .set("k", "new", Ttl::Forever, &deps(&["post:8"]))
        .unwrap();
    assert_eq!(cache.expire("post:7").unwrap(), 0);
    assert_eq!(value(&cache, "k").as_deref(), Some("new"));
    assert_eq!(cache.expire("post:8").unwrap(), 1);

    // A zero timeout removes; expire_key; clear.
    cache.set("z", "v", Ttl::Forever, &[]).unwrap();
    assert!(!cache.set("z", "v2", Ttl::Seconds(0), &[]).unwrap());
    assert_eq!(value(&cache, "z"), None);
    cache.set("e", "E", Ttl::Default, &deps(&["x"])).unwrap();
    assert!(cache.expire_key("e").unwrap());
    assert!(!cache.expire_key("e").unwrap());
    let mut redis = client(&server);
    assert!(!redis.exists::<_, bool>("sobj::1:e").unwrap());
    assert_eq!(redis.scard::<_, u64>("obj:x").unwrap(), 0);
    // clear removes this cache's keys only.
    redis.set::<_, _, ()>("other:1:k", "theirs").unwrap();
    cache.clear().unwrap();
    assert_eq!(value(&cache, "c"), None);
    assert_eq!(value(&cache, "d"), None);
    assert_eq!(cache.stats().unwrap().entries, Some(0));
    assert_eq!(cache.stats().unwrap().index_links, Some(0));
    assert_eq!(redis.get::<_, String>("other:1:k").unwrap(), "theirs");
}

#[test]
fn the_index_sets_get_ttls_and_stay_only_while_needed() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cache = cache_over(backend(&server, false));
    let mut redis = client(&server);
    cache
        .set("a", "A", Ttl::Seconds(100), &deps(&["d"]))
        .unwrap();
    let ttl = |r: &mut redis::Connection, k: &str| r.ttl::<_, i64>(k).unwrap();
    assert!((95..=100).contains(&ttl(&mut redis, ":1:a")));
    assert!((95..=100).contains(&ttl(&mut redis, "obj:d")));
    assert!((95..=100).contains(&ttl(&mut redis, "sobj::1:a")));
    // A longer fragment lengthens the set; a shorter one does not shorten it.
    cache
        .set("b", "B", Ttl::Seconds(200), &deps(&["d"]))
        .unwrap();
    assert!((195..=200).contains(&ttl(&mut redis, "obj:d")));
    cache
        .set("c", "C", Ttl::Seconds(10), &deps(&["d"]))
        .unwrap();
    assert!((195..=200).contains(&ttl(&mut redis, "obj:d")));
    // A forever fragment makes it persistent, and its own sobj too.
    cache.set("f", "F", Ttl::Forever, &deps(&["d"])).unwrap();
    assert_eq!(ttl(&mut redis, "obj:d"), -1);
    assert_eq!(ttl(&mut redis, ":1:f"), -1);
    assert_eq!(ttl(&mut redis, "sobj::1:f"), -1);
    // Expiry counter and generation.
    cache.expire("d").unwrap();
    let seq: u64 = redis.get("platen:seq").unwrap();
    assert_eq!(redis.get::<_, u64>("gen:d").unwrap(), seq);
    assert!((595..=600).contains(&ttl(&mut redis, "gen:d")));
    assert!(!redis.exists::<_, bool>("obj:d").unwrap());
}

/// Russian-doll caching, as in the memory backend's tests.
#[test]
fn nested_blocks_are_expired_by_what_their_inner_blocks_show() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cache = cache_over(backend(&server, false));
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
                assert!(p.store(text, &inner_deps));
                page.push_str(text);
            }
        }
        page.push(']');
        let outer_deps = rec.pop();
        assert!(outer.store(&page, &outer_deps));
        page
    };
    let renders = AtomicUsize::new(0);
    let mut rec = DepRecorder::new();
    assert_eq!(render_page(&mut rec, &renders), "[post 1]");
    assert_eq!(render_page(&mut rec, &renders), "[post 1]");
    assert_eq!(renders.load(Ordering::Relaxed), 1);
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

#[test]
fn a_store_racing_an_expiry_is_refused_even_from_another_instance() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let a = backend(&server, false);
    let b = backend(&server, false);
    let cache_a = cache_over(a.clone());
    let cache_b = cache_over(b.clone());
    let Cached::Miss(pending) = cache_a.begin("k", Ttl::Forever) else {
        panic!("nothing is cached yet");
    };
    // Another process saves the post while this one renders.
    cache_b.expire("post:42").unwrap();
    assert!(!pending.store("stale", &deps(&["post:42"])));
    assert_eq!(value(&cache_a, "k"), None);
    // The script refuses it on the ticket alone (this instance knows nothing).
    let Lookup::Miss(ticket) = a.lookup(":1:k").unwrap() else {
        panic!()
    };
    b.expire(&deps(&["post:43"])).unwrap();
    assert!(
        !a.set(":1:k", "stale", None, &deps(&["other", "post:43"]), ticket)
            .unwrap()
    );
    assert!(
        a.set(":1:k", "fine", None, &deps(&["other"]), ticket)
            .unwrap()
    );
    // A render begun after the expiry is stored.
    let Cached::Miss(pending) = cache_a.begin("j", Ttl::Forever) else {
        panic!()
    };
    assert!(pending.store("fresh", &deps(&["post:42"])));
    let Cached::Hit(hit) = cache_b.begin("j", Ttl::Forever) else {
        panic!("now cached")
    };
    assert_eq!(&*hit.value, "fresh");
    assert_eq!(&*hit.deps, ["post:42".to_string()]);
    // A render begun before a clear is not stored.
    let Cached::Miss(pending) = cache_a.begin("m", Ttl::Forever) else {
        panic!()
    };
    cache_b.clear().unwrap();
    assert!(!pending.store("v", &[]));
}

#[test]
fn concurrent_stores_and_expiries_keep_the_index_consistent() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cache = cache_over(backend(&server, false));
    let rounds = 300;
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
                    cache.expire(&format!("post:{}", i % 16)).unwrap();
                }
            });
        }
    });
    let before = cache.stats().unwrap().entries.unwrap();
    assert!(before > 0);
    assert_eq!(cache.expire("site").unwrap(), before);
    assert_eq!(cache.stats().unwrap().entries, Some(0));
    for i in 0..16 {
        cache.expire(&format!("post:{i}")).unwrap();
    }
    let stats = cache.stats().unwrap();
    assert_eq!(stats.index_deps, Some(0));
    assert_eq!(stats.index_links, Some(0));
    let mut redis = client(&server);
    let sobj: Vec<String> = redis.keys("sobj:*").unwrap();
    assert!(sobj.is_empty(), "{sobj:?}");
}

#[test]
fn an_expiry_in_one_process_reaches_the_other_ones_l1() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let a = backend(&server, true);
    let b = backend(&server, true);
    wait_subscribed(&a);
    wait_subscribed(&b);
    let cache_a = cache_over(a);
    let cache_b = cache_over(b);
    cache_a
        .set("k", "v", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    assert_eq!(value(&cache_b, "k").as_deref(), Some("v"));
    // The second read is from b's own copy: even gone from Redis it is there.
    client(&server).del::<_, ()>(":1:k").unwrap();
    assert_eq!(value(&cache_b, "k").as_deref(), Some("v"));
    cache_a
        .set("k", "v", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    cache_a.expire("post:1").unwrap();
    assert_eq!(
        value(&cache_a, "k"),
        None,
        "the expiring process drops its copy at once"
    );
    assert!(
        eventually(Duration::from_secs(2), || value(&cache_b, "k").is_none()),
        "the other process drops its copy when the message arrives"
    );
}

#[test]
fn a_foreign_client_deleting_the_members_makes_fragments_miss() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cache = cache_over(backend(&server, false));
    cache
        .set("a", "A", Ttl::Default, &deps(&["post:5"]))
        .unwrap();
    cache
        .set("b", "B", Ttl::Forever, &deps(&["post:5", "x"]))
        .unwrap();
    cache.set("c", "C", Ttl::Forever, &deps(&["x"])).unwrap();
    let mut redis = client(&server);
    let members: Vec<String> = redis.smembers("obj:post:5").unwrap();
    assert_eq!(members.len(), 2);
    for m in &members {
        redis.del::<_, ()>(m).unwrap();
    }
    assert_eq!(value(&cache, "a"), None);
    assert_eq!(value(&cache, "b"), None);
    assert_eq!(value(&cache, "c").as_deref(), Some("C"));
}

#[test]
fn messages_reach_the_expire_hooks_with_their_metadata() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let b = backend(&server, true);
    wait_subscribed(&b);
    let seen: Arc<Mutex<Vec<ExpireEvent>>> = Arc::default();
    let s = seen.clone();
    let cache = cache_over(b.clone());
    cache.on_expire(move |e| s.lock().unwrap().push(e.clone()));
    cache
        .set("k", "v", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    assert_eq!(value(&cache, "k").as_deref(), Some("v"));
    let mut redis = client(&server);
    // A foreign app saved a post; the fragment itself is gone from Redis
    // too, but this process's copy is only dropped by the message.
    redis.del::<_, ()>(":1:k").unwrap();
    let message = r#"{"action":"save","deps":["post:1"],"model":"Post"}"#;
    redis.publish::<_, _, ()>("platen:expire", message).unwrap();
    redis
        .publish::<_, _, ()>("platen:expire", "not json")
        .unwrap();
    assert!(eventually(Duration::from_secs(2), || !seen
        .lock()
        .unwrap()
        .is_empty()));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].action, "save");
        assert_eq!(seen[0].deps, deps(&["post:1"]));
        assert_eq!(seen[0].origin, None);
        assert_eq!(seen[0].message, message);
    }
    assert_eq!(value(&cache, "k"), None);
    // Our own expiry comes back once, with our origin.
    cache.expire("post:2").unwrap();
    assert!(eventually(Duration::from_secs(2), || seen
        .lock()
        .unwrap()
        .len()
        == 2));
    thread::sleep(Duration::from_millis(100));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        2,
        "the malformed message is ignored, ours comes once"
    );
    assert_eq!(seen[1].action, "expire");
    assert_eq!(seen[1].deps, deps(&["post:2"]));
    assert_eq!(seen[1].origin.as_deref(), Some(platen_redis::origin()));
    assert!(seen[1].message.contains("\"origin\""));
}

/// A foreign publisher that only publishes (deletes nothing itself): every
/// platen process carries the expiry out, in Redis and in its copies, and
/// does not announce it again.
#[test]
fn a_foreign_message_alone_expires_the_fragments_everywhere() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let a = backend(&server, true);
    let b = backend(&server, false);
    wait_subscribed(&a);
    wait_subscribed(&b);
    let seen: Arc<Mutex<Vec<ExpireEvent>>> = Arc::default();
    let s = seen.clone();
    let cache_a = cache_over(a.clone());
    let cache_b = cache_over(b.clone());
    cache_b.on_expire(move |e| s.lock().unwrap().push(e.clone()));
    cache_a
        .set("k", "v", Ttl::Forever, &deps(&["post:9"]))
        .unwrap();
    cache_a
        .set("other", "o", Ttl::Forever, &deps(&["post:8"]))
        .unwrap();
    assert_eq!(value(&cache_a, "k").as_deref(), Some("v"), "in a's copy");
    assert_eq!(value(&cache_b, "k").as_deref(), Some("v"), "in Redis");
    let mut redis = client(&server);
    redis
        .publish::<_, _, ()>("platen:expire", r#"{"action":"publish","deps":["post:9"]}"#)
        .unwrap();
    assert!(eventually(Duration::from_secs(2), || value(&cache_a, "k")
        .is_none()
        && value(&cache_b, "k").is_none()));
    let exists: bool = redis.exists(":1:k").unwrap();
    assert!(!exists, "the fragment is gone from Redis");
    assert_eq!(value(&cache_b, "other").as_deref(), Some("o"));
    thread::sleep(Duration::from_millis(200));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "one hook call, no echo: {seen:?}");
    assert_eq!(seen[0].action, "publish");
}

/// Counts the warnings of each thread: a global subscriber (a scoped one
/// can miss events when other threads register the callsite concurrently).
struct Warnings;

thread_local! {
    static WARNINGS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Warnings {
    fn install() {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(Warnings);
        });
    }

    fn on_this_thread() -> usize {
        WARNINGS.with(|w| w.get())
    }
}

impl tracing::Subscriber for Warnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::WARN {
            WARNINGS.with(|w| w.set(w.get() + 1));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn redis_going_away_fails_fast_warns_once_and_comes_back() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let mut config = config(&server, true);
    config.timeout = Duration::from_millis(300);
    let backend = Arc::new(RedisBackend::new(config).unwrap());
    let cache = cache_over(backend.clone());
    wait_subscribed(&backend);
    cache.set("k", "v", Ttl::Forever, &[]).unwrap();
    Warnings::install();
    let warned_before = Warnings::on_this_thread();
    let warnings = || Warnings::on_this_thread() - warned_before;
    {
        server.kill();
        let started = Instant::now();
        let mut calls = 0;
        while started.elapsed() < Duration::from_millis(2500) {
            let t = Instant::now();
            assert!(cache.get("x").is_err(), "a call fails while Redis is down");
            let Cached::Miss(pending) = cache.begin("y", Ttl::Forever) else {
                panic!()
            };
            assert!(!pending.store("v", &[]), "and nothing is stored");
            assert!(cache.set("z", "v", Ttl::Forever, &[]).is_err());
            assert!(cache.expire("post:1").is_err());
            assert!(
                t.elapsed() < Duration::from_secs(1),
                "fails fast: {:?}",
                t.elapsed()
            );
            calls += 4;
            thread::sleep(Duration::from_millis(100));
        }
        assert!(backend.is_down());
        assert!(calls > 40);
        assert_eq!(warnings(), 1, "one warning per outage");

        server.restart();
        assert!(
            eventually(Duration::from_secs(5), || cache.get("x").is_ok()),
            "back within a few seconds"
        );
        assert!(
            cache
                .set("k2", "v2", Ttl::Forever, &deps(&["post:3"]))
                .unwrap()
        );
        assert_eq!(value(&cache, "k2").as_deref(), Some("v2"));
        assert_eq!(warnings(), 1);
    }
    // The subscriber comes back too: an expiry from another process drops
    // this process's copy.
    wait_subscribed(&backend);
    let other = cache_over(self::backend(&server, false));
    assert_eq!(other.expire("post:3").unwrap(), 1);
    assert!(eventually(Duration::from_secs(2), || value(&cache, "k2").is_none()));
}

#[test]
fn the_registry_builds_it_by_name_and_by_djangos_name() {
    use figment::providers::{Format, Toml};
    let Some(server) = RedisServer::start() else {
        return;
    };
    let toml = format!(
        r#"
[caches.default]
backend = "redis"
location = "{url}"
key_prefix = "site"
version = 2
l1 = true
options = {{ timeout_ms = 500 }}

[caches.template_fragments]
backend = "django.core.cache.backends.redis.RedisCache"
location = "{url}"
"#,
        url = server.url()
    );
    let settings = platen_core::Settings::from_provider(Toml::string(&toml)).unwrap();
    let mut registry = platen_core::Registry::new();
    platen_redis::register(&mut registry);
    assert!(registry.cache_names().contains(&"redis"));
    let caches = registry.build_caches(&settings).unwrap();
    let default = caches.default_cache();
    default
        .set("k", "v", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    assert_eq!(client(&server).get::<_, String>("site:2:k").unwrap(), "v");
    let fragments = caches.for_fragments();
    fragments
        .set("k", "w", Ttl::Forever, &deps(&["post:1"]))
        .unwrap();
    assert_eq!(client(&server).get::<_, String>(":1:k").unwrap(), "w");
    assert_eq!(
        fragments.expire("post:1").unwrap(),
        2,
        "both caches share the index"
    );
    // `default` keeps an in-process copy, dropped when the message arrives.
    assert!(eventually(Duration::from_secs(2), || default
        .get("k")
        .unwrap()
        .is_none()));

    let bad = Toml::string("[caches.default]\nbackend = \"redis\"\nlocation = \"nope://x\"\n");
    let settings = platen_core::Settings::from_provider(bad).unwrap();
    let err = registry.build_caches(&settings).unwrap_err().to_string();
    assert!(err.contains("caches.default.location"), "{err}");
    let bad =
        Toml::string("[caches.default]\nbackend = \"redis\"\noptions = { timeout_ms = \"x\" }\n");
    let settings = platen_core::Settings::from_provider(bad).unwrap();
    assert!(registry.build_caches(&settings).is_err());
}

#[test]
fn nothing_panics_or_hangs_without_redis() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = RedisConfig::new(format!("redis://127.0.0.1:{port}/0"));
    config.timeout = Duration::from_millis(100);
    let backend = RedisBackend::new(config).unwrap();
    let t = Instant::now();
    assert!(backend.lookup(":1:k").is_err());
    assert!(
        backend
            .set(":1:k", "v", None, &[], platen_core::cache::Ticket::new(0))
            .is_err()
    );
    assert!(backend.expire(&deps(&["d"])).is_err());
    assert!(backend.expire_key(":1:k").is_err());
    assert!(backend.clear().is_err());
    assert!(backend.stats().is_err());
    assert!(t.elapsed() < Duration::from_secs(1));
    // Called from inside a tokio runtime's worker, too.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let backend = Arc::new(backend);
    let b = backend.clone();
    rt.block_on(async move { assert!(b.lookup(":1:k").is_err()) });
    drop(rt);
    drop(backend);
}

#[test]
fn redis_down_at_startup_is_tried_again_later() {
    let Some(mut server) = RedisServer::reserve() else {
        return;
    };
    let backend = backend(&server, false);
    let cache = cache_over(backend.clone());
    let t = Instant::now();
    assert!(cache.get("k").is_err());
    assert!(cache.set("k", "v", Ttl::Forever, &[]).is_err());
    assert!(t.elapsed() < Duration::from_secs(2));
    server.restart();
    assert!(
        eventually(Duration::from_secs(5), || cache.get("k").is_ok()),
        "connects once Redis is up"
    );
    assert!(cache.set("k", "v", Ttl::Forever, &[]).unwrap());
    assert_eq!(value(&cache, "k").as_deref(), Some("v"));
    wait_subscribed(&backend);
}
