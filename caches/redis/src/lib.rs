//! # platen-redis
//!
//! The `redis` fragment cache backend: fragments and their dependency index
//! live in Redis, shared by every process (platen or not) that speaks the
//! same key schema, and expiries are told to every process over pub/sub.
//!
//! ```toml
//! [caches.default]
//! backend = "redis"                      # or django.core.cache.backends.redis.RedisCache
//! location = "redis://127.0.0.1:6379/0"
//! channel = "platen:expire"
//! l1 = true                              # an in-process copy in front of Redis
//! options = { timeout_ms = 200 }
//! ```
//!
//! The key schema (full keys are Django's `<key_prefix>:<version>:<key>`):
//!
//! - `<full key>`: the fragment text, with the fragment's TTL;
//! - `obj:<dep>`: a set of the full keys of the fragments that showed `<dep>`;
//! - `sobj:<full key>`: a set of the `obj:<dep>` sets the fragment is in;
//! - `platen:seq`: a counter, incremented once per expiry (and clear);
//! - `gen:<dep>`: the counter's value at `<dep>`'s last expiry (kept 600 s);
//!   a fragment rendered from a miss taken before it is refused;
//! - `platen:cleared:<key_prefix>:<version>`: the counter's value at the last
//!   clear of a cache (kept 600 s), refusing renders begun before it.
//!
//! An expiry publishes `{"action":"expire","deps":[...],"origin":"..."}` on
//! the cache's channel; every process (this one too) drops its in-process
//! copies of those dependencies and calls its expire hooks once. A foreign
//! publisher's `save`, `publish` and `unpublish` messages are handled the
//! same way. A clear publishes `{"action":"clear"}` (in-process copies are
//! dropped; no hook runs).
//!
//! The backend's calls are synchronous and bounded: each one runs on the
//! backend's own small runtime and is waited for at most `options.timeout_ms`
//! (default 200 ms). While Redis is down every call fails at once (one
//! warning per outage), the page renders uncached, and the backend checks
//! once per second whether Redis is back.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, mpsc};
use std::thread;
use std::time::Duration;

use futures_util::StreamExt;
use platen_core::cache::{
    CacheBackend, ExpireEvent, ExpireHook, Fragment, Lookup, MemoryBackend, MemoryLimits, Stats,
    Ticket,
};
use platen_core::{CacheSettings, Error, ErrorKind, Registry, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, RedisResult, Script};
use tokio::runtime::Handle;

/// The name this backend is registered under.
pub const REDIS_CACHE: &str = "redis";

/// Django's name for its Redis cache backend, an alias of [`REDIS_CACHE`].
pub const DJANGO_REDIS_CACHE: &str = "django.core.cache.backends.redis.RedisCache";

/// Where Redis is when the settings give no `location`.
pub const DEFAULT_LOCATION: &str = "redis://127.0.0.1:6379/0";

/// How long one call waits for Redis when `options.timeout_ms` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);

/// How long `clear` and `stats` (which scan the keys) may take when
/// `options.admin_timeout_ms` is not set.
pub const DEFAULT_ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The expiry counter.
pub const SEQ_KEY: &str = "platen:seq";

/// How long (seconds) a `gen:<dep>` is kept: a render older than this is not
/// stored at all (as the memory backend).
pub const GEN_TTL_SECS: u64 = 600;

/// How often the backend checks whether Redis is back after a failure.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Registers the `redis` cache backend, and Django's name for it.
pub fn register(registry: &mut Registry) {
    registry.register_cache(REDIS_CACHE, |settings: &CacheSettings| {
        let backend: Arc<dyn CacheBackend> = Arc::new(RedisBackend::from_settings(settings)?);
        Ok(backend)
    });
    registry.register_alias(DJANGO_REDIS_CACHE, REDIS_CACHE);
}

/// This process's identity in expiry messages: `<hostname>:<pid>:<random>`.
pub fn origin() -> &'static str {
    static ORIGIN: OnceLock<String> = OnceLock::new();
    ORIGIN.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".into());
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        format!(
            "{host}:{}:{:08x}",
            std::process::id(),
            hasher.finish() as u32
        )
    })
}

/// How a [`RedisBackend`] is set up; [`RedisConfig::from_settings`] reads it
/// from a `[caches.<alias>]` table.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// The cache's alias, for messages.
    pub alias: String,
    /// The Redis URL (`redis://[:password@]host:port/db`).
    pub location: String,
    /// How long one call waits for Redis.
    pub timeout: Duration,
    /// How long `clear` and `stats` may take.
    pub admin_timeout: Duration,
    /// The cache's key prefix (to clear and count only its own keys).
    pub key_prefix: String,
    /// The cache's key version (likewise).
    pub version: i64,
    /// The pub/sub channel of expiry messages.
    pub channel: String,
    /// An in-process copy in front of Redis, with these bounds.
    pub l1: Option<MemoryLimits>,
}

impl RedisConfig {
    /// Redis at `location` with the defaults: no key prefix, version 1,
    /// channel `platen:expire`, no in-process copy, 200 ms per call.
    pub fn new(location: impl Into<String>) -> RedisConfig {
        RedisConfig {
            alias: "default".into(),
            location: location.into(),
            timeout: DEFAULT_TIMEOUT,
            admin_timeout: DEFAULT_ADMIN_TIMEOUT,
            key_prefix: String::new(),
            version: 1,
            channel: platen_core::settings::DEFAULT_CHANNEL.into(),
            l1: None,
        }
    }

    /// The configuration of one `[caches.<alias>]` table: `location`
    /// (default `redis://127.0.0.1:6379/0`), `key_prefix`, `version`,
    /// `channel`, `l1` (bounded by `max_entries` and `max_bytes`), and the
    /// options `timeout_ms` and `admin_timeout_ms`.
    pub fn from_settings(settings: &CacheSettings) -> Result<RedisConfig> {
        let ms = |name: &str, default: Duration| -> Result<Duration> {
            Ok(match settings.option::<u64>(name)? {
                Some(0) => {
                    return Err(settings.error(&format!("options.{name}"), "must be at least 1"));
                }
                Some(ms) => Duration::from_millis(ms),
                None => default,
            })
        };
        Ok(RedisConfig {
            alias: settings.alias.clone(),
            location: settings
                .location
                .clone()
                .filter(|l| !l.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_LOCATION.into()),
            timeout: ms("timeout_ms", DEFAULT_TIMEOUT)?,
            admin_timeout: ms("admin_timeout_ms", DEFAULT_ADMIN_TIMEOUT)?,
            key_prefix: settings.key_prefix.clone(),
            version: settings.version,
            channel: settings.channel.clone(),
            l1: settings.l1.then_some(MemoryLimits {
                max_entries: settings.max_entries,
                max_bytes: settings.max_bytes,
            }),
        })
    }
}

/// Whether Redis answers, shared by the calls and the background probe.
struct Health {
    /// Calls fail at once until Redis answers the probe again.
    down: AtomicBool,
    /// One warning per outage.
    warned: AtomicBool,
    /// Whether a probe is running.
    probing: AtomicBool,
    alias: String,
    location: String,
}

/// What the subscriber and the calls share.
struct Shared {
    l1: Option<MemoryBackend>,
    /// Bumped on every drop of in-process copies; a copy read from Redis
    /// before a drop is not kept.
    l1_epoch: AtomicU64,
    l1_lock: RwLock<()>,
    hooks: Arc<RwLock<Vec<ExpireHook>>>,
    events: mpsc::Sender<ExpireEvent>,
    subscribed: AtomicBool,
    alias: String,
}

impl Shared {
    fn epoch(&self) -> u64 {
        self.l1_epoch.load(Ordering::Acquire)
    }

    /// Keeps an in-process copy, unless copies were dropped since `epoch`.
    fn fill(&self, epoch: u64, key: &str, value: &str, ttl: Option<Duration>, deps: &[String]) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.read().unwrap_or_else(|e| e.into_inner());
        if self.epoch() == epoch {
            let _ = l1.set(key, value, ttl, deps, Ticket::new(u64::MAX));
        }
    }

    fn drop_deps(&self, deps: &[String]) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.write().unwrap_or_else(|e| e.into_inner());
        self.l1_epoch.fetch_add(1, Ordering::AcqRel);
        let _ = l1.expire(deps);
    }

    fn drop_all(&self) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.write().unwrap_or_else(|e| e.into_inner());
        self.l1_epoch.fetch_add(1, Ordering::AcqRel);
        let _ = l1.clear();
    }

    fn drop_key(&self, key: &str) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.write().unwrap_or_else(|e| e.into_inner());
        self.l1_epoch.fetch_add(1, Ordering::AcqRel);
        let _ = l1.expire_key(key);
    }

    /// One message on the channel.
    fn on_message(&self, payload: &[u8]) {
        match parse_message(payload) {
            Some(Message::Clear) => self.drop_all(),
            Some(Message::Expire(event)) => {
                self.drop_deps(&event.deps);
                let _ = self.events.send(event);
            }
            None => tracing::debug!(
                cache = %self.alias,
                message = %String::from_utf8_lossy(payload),
                "ignoring a malformed message on the expiry channel"
            ),
        }
    }
}

enum Message {
    Expire(ExpireEvent),
    Clear,
}

/// `{"action":"expire"|"save"|"publish"|"unpublish","deps":[...],"origin":...}`,
/// or `{"action":"clear"}`.
fn parse_message(payload: &[u8]) -> Option<Message> {
    let text = std::str::from_utf8(payload).ok()?;
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    let action = object.get("action")?.as_str()?;
    if action == "clear" {
        return Some(Message::Clear);
    }
    if !matches!(action, "expire" | "save" | "publish" | "unpublish") {
        return None;
    }
    let deps = object
        .get("deps")?
        .as_array()?
        .iter()
        .map(|d| d.as_str().map(str::to_owned))
        .collect::<Option<Vec<String>>>()?;
    let origin = object
        .get("origin")
        .and_then(|o| o.as_str())
        .map(str::to_owned);
    Some(Message::Expire(ExpireEvent {
        action: action.to_owned(),
        deps,
        origin,
        message: text.to_owned(),
    }))
}

/// The Lua scripts, each one round trip and atomic.
struct Scripts {
    set: Script,
    expire: Script,
    expire_key: Script,
    clear: Script,
}

/// KEYS: full key, sobj:<full key>, the cache's cleared marker, obj:<dep>
/// × n, gen:<dep> × n. ARGV: ticket seq, ttl seconds (0: none), value, n.
const SET_LUA: &str = r#"
local seq = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[4])
local cleared = redis.call('GET', KEYS[3])
if cleared and tonumber(cleared) > seq then return 0 end
for i = 1, n do
  local g = redis.call('GET', KEYS[3 + n + i])
  if g and tonumber(g) > seq then return 0 end
end
local old = redis.call('SMEMBERS', KEYS[2])
for _, o in ipairs(old) do redis.call('SREM', o, KEYS[1]) end
redis.call('DEL', KEYS[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[3])
end
for i = 1, n do
  local obj = KEYS[3 + i]
  local existed = redis.call('EXISTS', obj) == 1
  local current = redis.call('TTL', obj)
  redis.call('SADD', obj, KEYS[1])
  redis.call('SADD', KEYS[2], obj)
  if ttl > 0 then
    if (not existed) or (current >= 0 and current < ttl) then
      redis.call('EXPIRE', obj, ttl)
    end
  else
    redis.call('PERSIST', obj)
  end
end
if n > 0 and ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
return 1
"#;

/// KEYS: platen:seq, obj:<dep> × n, gen:<dep> × n. ARGV: gen TTL, channel,
/// message. Returns the number of fragments removed.
const EXPIRE_LUA: &str = r#"
local n = (#KEYS - 1) / 2
local s = redis.call('INCR', KEYS[1])
local removed = 0
for i = 1, n do
  local obj = KEYS[1 + i]
  redis.call('SET', KEYS[1 + n + i], s, 'EX', ARGV[1])
  local members = redis.call('SMEMBERS', obj)
  for _, m in ipairs(members) do
    local sobj = 'sobj:' .. m
    local others = redis.call('SMEMBERS', sobj)
    for _, o in ipairs(others) do
      if o ~= obj then redis.call('SREM', o, m) end
    end
    redis.call('DEL', sobj)
    removed = removed + redis.call('DEL', m)
  end
  redis.call('DEL', obj)
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return removed
"#;

/// KEYS: full key, sobj:<full key>. Returns whether the fragment was there.
const EXPIRE_KEY_LUA: &str = r#"
local others = redis.call('SMEMBERS', KEYS[2])
for _, o in ipairs(others) do redis.call('SREM', o, KEYS[1]) end
redis.call('DEL', KEYS[2])
return redis.call('DEL', KEYS[1])
"#;

/// KEYS: full keys. Removes each with its sobj set and its index links.
const CLEAR_LUA: &str = r#"
local removed = 0
for _, k in ipairs(KEYS) do
  local sobj = 'sobj:' .. k
  local others = redis.call('SMEMBERS', sobj)
  for _, o in ipairs(others) do redis.call('SREM', o, k) end
  redis.call('DEL', sobj)
  removed = removed + redis.call('DEL', k)
end
return removed
"#;

/// Fragments in Redis, with the dependency index beside them, and an
/// optional in-process copy in front (`l1`).
///
/// Safe to call from any thread, inside a tokio runtime or not: every call
/// runs on the backend's own runtime thread and is waited for at most the
/// configured timeout.
pub struct RedisBackend {
    config: RedisConfig,
    handle: Handle,
    conn: ConnectionManager,
    scripts: Arc<Scripts>,
    shared: Arc<Shared>,
    health: Arc<Health>,
    hits: AtomicU64,
    misses: AtomicU64,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("alias", &self.config.alias)
            .field("location", &redact(&self.config.location))
            .field("channel", &self.config.channel)
            .field("l1", &self.shared.l1.is_some())
            .finish()
    }
}

impl Drop for RedisBackend {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A call that did not get an answer.
enum Failure {
    Redis(RedisError),
    Timeout,
    Down,
}

fn is_outage(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_unrecoverable_error()
}

/// `location` without its password.
fn redact(location: &str) -> String {
    match (location.find("://"), location.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &location[..scheme + 3], &location[at..])
        }
        _ => location.to_owned(),
    }
}

/// A SCAN pattern matching `text` literally.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn ttl_secs(ttl: Option<Duration>) -> u64 {
    match ttl {
        None => 0,
        // At most a hundred years: Redis refuses longer expiries.
        Some(d) => d
            .as_secs()
            .saturating_add(u64::from(d.subsec_nanos() > 0))
            .clamp(1, 100 * 365 * 86_400),
    }
}

/// The lookup pipeline's answer: the value, the sobj members, the expiry
/// counter and the value's PTTL.
type LookupReply = (Option<Vec<u8>>, Vec<Vec<u8>>, Option<String>, i64);

/// What one lookup round trip found.
enum Remote {
    Found {
        value: String,
        deps: Vec<String>,
        ttl: Option<Duration>,
    },
    Missing(u64),
}

impl RedisBackend {
    /// The backend of one `[caches.<alias>]` table ([`RedisConfig::from_settings`]).
    pub fn from_settings(settings: &CacheSettings) -> Result<RedisBackend> {
        let config = RedisConfig::from_settings(settings)?;
        RedisBackend::new(config).map_err(|e| match e.kind() {
            // The only settings `new` can find wrong is the location.
            ErrorKind::BadSettings => {
                settings.error("location", e.detail().unwrap_or_default().to_owned())
            }
            _ => e,
        })
    }

    /// A backend for `config`. Does not wait for Redis: it connects on the
    /// first call, and keeps trying (once per second) while Redis is down.
    pub fn new(config: RedisConfig) -> Result<RedisBackend> {
        let client = redis::Client::open(config.location.as_str()).map_err(|e| {
            Error::new(
                ErrorKind::BadSettings,
                format!("bad Redis location `{}`: {e}", redact(&config.location)),
            )
        })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| io_error(&config.alias, "cannot start its runtime", e))?;
        let handle = runtime.handle().clone();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        thread::Builder::new()
            .name(format!("platen-redis-{}", config.alias))
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                runtime.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(|e| io_error(&config.alias, "cannot start its thread", e))?;

        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = {
            let _entered = handle.enter();
            ConnectionManager::new_lazy_with_config(client.clone(), manager_config)
                .map_err(|e| io_error(&config.alias, "cannot set up its connection", e))?
        };

        let hooks: Arc<RwLock<Vec<ExpireHook>>> = Arc::new(RwLock::new(Vec::new()));
        let (events, received) = mpsc::channel::<ExpireEvent>();
        let hook_list = hooks.clone();
        thread::Builder::new()
            .name(format!("platen-redis-hooks-{}", config.alias))
            .spawn(move || {
                for event in received {
                    let hooks: Vec<ExpireHook> =
                        hook_list.read().unwrap_or_else(|e| e.into_inner()).clone();
                    for hook in hooks {
                        if catch_unwind(AssertUnwindSafe(|| hook(&event))).is_err() {
                            tracing::warn!("an expire hook panicked");
                        }
                    }
                }
            })
            .map_err(|e| io_error(&config.alias, "cannot start its hook thread", e))?;

        let shared = Arc::new(Shared {
            l1: config.l1.map(MemoryBackend::new),
            l1_epoch: AtomicU64::new(0),
            l1_lock: RwLock::new(()),
            hooks,
            events,
            subscribed: AtomicBool::new(false),
            alias: config.alias.clone(),
        });
        handle.spawn(subscribe(client, config.channel.clone(), shared.clone()));
        let health = Arc::new(Health {
            down: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            probing: AtomicBool::new(false),
            alias: config.alias.clone(),
            location: redact(&config.location),
        });
        Ok(RedisBackend {
            scripts: Arc::new(Scripts {
                set: Script::new(SET_LUA),
                expire: Script::new(EXPIRE_LUA),
                expire_key: Script::new(EXPIRE_KEY_LUA),
                clear: Script::new(CLEAR_LUA),
            }),
            config,
            handle,
            conn,
            shared,
            health,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            shutdown: Some(shutdown),
        })
    }

    /// How the backend was set up.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// Whether the backend is listening on its expiry channel now.
    pub fn is_subscribed(&self) -> bool {
        self.shared.subscribed.load(Ordering::Acquire)
    }

    /// Whether the last call found Redis unavailable (calls fail at once
    /// until the background check finds it back).
    pub fn is_down(&self) -> bool {
        self.health.down.load(Ordering::Acquire)
    }

    /// Runs `f` on the backend's runtime and waits at most `timeout`.
    fn call<T, F, Fut>(&self, what: &str, timeout: Duration, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(ConnectionManager, Arc<Scripts>) -> Fut,
        Fut: Future<Output = RedisResult<T>> + Send + 'static,
    {
        if self.health.down.load(Ordering::Acquire) {
            return Err(self.error(what, Failure::Down));
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let fut = f(self.conn.clone(), self.scripts.clone());
        self.handle.spawn(async move {
            let result = match tokio::time::timeout(timeout, fut).await {
                Ok(r) => r.map_err(Failure::Redis),
                Err(_) => Err(Failure::Timeout),
            };
            let _ = tx.send(result);
        });
        let result = rx
            .recv_timeout(timeout.saturating_add(Duration::from_millis(50)))
            .unwrap_or(Err(Failure::Timeout));
        match result {
            Ok(v) => {
                if self.health.warned.swap(false, Ordering::AcqRel) {
                    tracing::info!(cache = %self.config.alias, location = %self.health.location, "Redis reconnected");
                }
                Ok(v)
            }
            Err(failure) => {
                let outage = match &failure {
                    Failure::Redis(e) => is_outage(e),
                    Failure::Timeout | Failure::Down => true,
                };
                let error = self.error(what, failure);
                if outage {
                    self.health.down.store(true, Ordering::Release);
                    if !self.health.warned.swap(true, Ordering::AcqRel) {
                        tracing::warn!(
                            cache = %self.config.alias,
                            location = %self.health.location,
                            error = %error,
                            "Redis is unavailable; fragments render uncached until it is back"
                        );
                    }
                    self.start_probe();
                } else {
                    tracing::debug!(cache = %self.config.alias, error = %error, "Redis call failed");
                }
                Err(error)
            }
        }
    }

    /// Checks once per second whether Redis answers again, then lets calls
    /// through.
    fn start_probe(&self) {
        if self.health.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let health = self.health.clone();
        let mut conn = self.conn.clone();
        let timeout = self.config.timeout;
        self.handle.spawn(async move {
            loop {
                tokio::time::sleep(RETRY_EVERY).await;
                let ping = redis::cmd("PING");
                let answer = ping.query_async::<String>(&mut conn);
                if let Ok(Ok(_)) = tokio::time::timeout(timeout, answer).await {
                    health.probing.store(false, Ordering::Release);
                    health.down.store(false, Ordering::Release);
                    if health.warned.swap(false, Ordering::AcqRel) {
                        tracing::info!(cache = %health.alias, location = %health.location, "Redis reconnected");
                    }
                    return;
                }
            }
        });
    }

    fn error(&self, what: &str, failure: Failure) -> Error {
        let alias = &self.config.alias;
        match failure {
            Failure::Redis(e) => {
                let detail = format!("redis cache `{alias}`: {what} failed: {e}");
                Error::new(ErrorKind::Io, detail).with_cause(e)
            }
            Failure::Timeout => Error::new(
                ErrorKind::Io,
                format!("redis cache `{alias}`: {what} timed out"),
            ),
            Failure::Down => Error::new(
                ErrorKind::Io,
                format!("redis cache `{alias}`: {what}: Redis is unavailable"),
            ),
        }
    }

    fn lookup_remote(&self, key: &str) -> Result<Remote> {
        let key = key.to_owned();
        self.call(
            "lookup",
            self.config.timeout,
            move |mut conn, _| async move {
                let sobj = format!("sobj:{key}");
                let (value, members, seq, pttl): LookupReply = redis::pipe()
                    .atomic()
                    .get(&key)
                    .smembers(&sobj)
                    .get(SEQ_KEY)
                    .pttl(&key)
                    .query_async(&mut conn)
                    .await?;
                let seq = seq.and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(0);
                let Some(value) = value.and_then(|v| String::from_utf8(v).ok()) else {
                    return Ok(Remote::Missing(seq));
                };
                let mut deps: Vec<String> = members
                    .iter()
                    .map(|m| {
                        let m = String::from_utf8_lossy(m);
                        m.strip_prefix("obj:").unwrap_or(&m).to_owned()
                    })
                    .collect();
                deps.sort_unstable();
                deps.dedup();
                let ttl = u64::try_from(pttl)
                    .ok()
                    .filter(|ms| *ms > 0)
                    .map(Duration::from_millis);
                Ok(Remote::Found { value, deps, ttl })
            },
        )
    }

    /// Every key matching `pattern`, a batch at a time, to `each`.
    async fn scan<F, Fut>(
        conn: &mut ConnectionManager,
        pattern: &str,
        mut each: F,
    ) -> RedisResult<()>
    where
        F: FnMut(Vec<Vec<u8>>, ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<()>>,
    {
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(conn)
                .await?;
            if !keys.is_empty() {
                each(keys, conn.clone()).await?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    fn own_keys_pattern(&self) -> String {
        format!(
            "{}:{}:*",
            glob_escape(&self.config.key_prefix),
            self.config.version
        )
    }

    fn cleared_key(&self) -> String {
        format!(
            "platen:cleared:{}:{}",
            self.config.key_prefix, self.config.version
        )
    }
}

fn io_error(alias: &str, what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(ErrorKind::Io, format!("redis cache `{alias}`: {what}: {e}")).with_cause(e)
}

/// Listens on `channel` for as long as the runtime runs, reconnecting with
/// backoff; after a reconnection the in-process copies are dropped (messages
/// may have been missed).
async fn subscribe(client: redis::Client, channel: String, shared: Arc<Shared>) {
    let mut backoff = Duration::from_millis(100);
    let mut was_connected = false;
    loop {
        let connect = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            RedisResult::Ok(pubsub)
        };
        match tokio::time::timeout(Duration::from_secs(2), connect).await {
            Ok(Ok(pubsub)) => {
                if was_connected {
                    shared.drop_all();
                }
                was_connected = true;
                backoff = Duration::from_millis(100);
                shared.subscribed.store(true, Ordering::Release);
                tracing::debug!(cache = %shared.alias, %channel, "listening for expiries");
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    shared.on_message(msg.get_payload_bytes());
                }
                shared.subscribed.store(false, Ordering::Release);
                tracing::debug!(cache = %shared.alias, %channel, "expiry channel lost; reconnecting");
            }
            Ok(Err(e)) => {
                tracing::debug!(cache = %shared.alias, error = %e, "cannot listen for expiries yet");
            }
            Err(_) => {
                tracing::debug!(cache = %shared.alias, "listening for expiries timed out");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

impl CacheBackend for RedisBackend {
    fn lookup(&self, key: &str) -> Result<Lookup> {
        if let Some(l1) = &self.shared.l1
            && let Ok(Lookup::Hit(fragment)) = l1.lookup(key)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Lookup::Hit(fragment));
        }
        let epoch = self.shared.epoch();
        match self.lookup_remote(key)? {
            Remote::Found { value, deps, ttl } => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                self.shared.fill(epoch, key, &value, ttl, &deps);
                Ok(Lookup::Hit(Fragment {
                    value: Arc::from(value),
                    deps: deps.into(),
                }))
            }
            Remote::Missing(seq) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Ok(Lookup::Miss(Ticket::new(seq)))
            }
        }
    }

    fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        deps: &[String],
        ticket: Ticket,
    ) -> Result<bool> {
        if ticket.at.elapsed() >= Duration::from_secs(GEN_TTL_SECS) {
            return Ok(false);
        }
        let mut own: Vec<String> = Vec::with_capacity(deps.len());
        for d in deps {
            if !own.contains(d) {
                own.push(d.clone());
            }
        }
        let epoch = self.shared.epoch();
        let full = key.to_owned();
        let text = value.to_owned();
        let cleared = self.cleared_key();
        let deps_for_call = own.clone();
        let stored = self.call(
            "set",
            self.config.timeout,
            move |mut conn, scripts| async move {
                let mut inv = scripts.set.prepare_invoke();
                inv.key(&full).key(format!("sobj:{full}")).key(cleared);
                for d in &deps_for_call {
                    inv.key(format!("obj:{d}"));
                }
                for d in &deps_for_call {
                    inv.key(format!("gen:{d}"));
                }
                inv.arg(ticket.seq)
                    .arg(ttl_secs(ttl))
                    .arg(&text)
                    .arg(deps_for_call.len());
                let stored: i64 = inv.invoke_async(&mut conn).await?;
                Ok(stored == 1)
            },
        )?;
        if stored {
            self.shared.fill(epoch, key, value, ttl, &own);
        }
        Ok(stored)
    }

    fn expire(&self, deps: &[String]) -> Result<u64> {
        if deps.is_empty() {
            return Ok(0);
        }
        // Locally at once (before, and again after: a copy read from Redis
        // while the script ran is not kept); other processes (and our
        // hooks) by the message.
        self.shared.drop_deps(deps);
        let local = deps.to_vec();
        let message = serde_json::json!({
            "action": "expire",
            "deps": deps,
            "origin": origin(),
        })
        .to_string();
        let deps = deps.to_vec();
        let channel = self.config.channel.clone();
        let removed = self.call(
            "expire",
            self.config.timeout,
            move |mut conn, scripts| async move {
                let mut inv = scripts.expire.prepare_invoke();
                inv.key(SEQ_KEY);
                for d in &deps {
                    inv.key(format!("obj:{d}"));
                }
                for d in &deps {
                    inv.key(format!("gen:{d}"));
                }
                inv.arg(GEN_TTL_SECS).arg(&channel).arg(&message);
                let removed: i64 = inv.invoke_async(&mut conn).await?;
                Ok(removed.max(0) as u64)
            },
        );
        self.shared.drop_deps(&local);
        removed
    }

    fn expire_key(&self, key: &str) -> Result<bool> {
        self.shared.drop_key(key);
        let full = key.to_owned();
        let removed = self.call(
            "expire_key",
            self.config.timeout,
            move |mut conn, scripts| async move {
                let removed: i64 = scripts
                    .expire_key
                    .key(&full)
                    .key(format!("sobj:{full}"))
                    .invoke_async(&mut conn)
                    .await?;
                Ok(removed > 0)
            },
        );
        self.shared.drop_key(key);
        removed
    }

    fn clear(&self) -> Result<()> {
        self.shared.drop_all();
        let pattern = self.own_keys_pattern();
        let cleared = self.cleared_key();
        let channel = self.config.channel.clone();
        let message = serde_json::json!({"action": "clear", "origin": origin()}).to_string();
        let result = self.call(
            "clear",
            self.config.admin_timeout,
            move |mut conn, scripts| async move {
                let seq: u64 = redis::cmd("INCR")
                    .arg(SEQ_KEY)
                    .query_async(&mut conn)
                    .await?;
                redis::cmd("SET")
                    .arg(&cleared)
                    .arg(seq)
                    .arg("EX")
                    .arg(GEN_TTL_SECS)
                    .exec_async(&mut conn)
                    .await?;
                RedisBackend::scan(&mut conn, &pattern, |keys, mut conn| {
                    let scripts = scripts.clone();
                    async move {
                        let mut inv = scripts.clear.prepare_invoke();
                        for k in &keys {
                            inv.key(k.as_slice());
                        }
                        inv.invoke_async::<i64>(&mut conn).await?;
                        Ok(())
                    }
                })
                .await?;
                redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(&message)
                    .exec_async(&mut conn)
                    .await
            },
        );
        self.shared.drop_all();
        result
    }

    fn stats(&self) -> Result<Stats> {
        let pattern = self.own_keys_pattern();
        let (entries, bytes, deps, links) = self.call(
            "stats",
            self.config.admin_timeout,
            move |mut conn, _| async move {
                let counts = Arc::new(Mutex::new((0u64, 0u64, 0u64, 0u64)));
                let c = counts.clone();
                RedisBackend::scan(&mut conn, &pattern, move |keys, mut conn| {
                    let c = c.clone();
                    async move {
                        let mut pipe = redis::pipe();
                        for k in &keys {
                            pipe.strlen(k.as_slice());
                        }
                        let lens: Vec<u64> = pipe.query_async(&mut conn).await?;
                        let mut c = c.lock().unwrap_or_else(|e| e.into_inner());
                        for (k, len) in keys.iter().zip(lens) {
                            c.0 += 1;
                            c.1 += k.len() as u64 + len;
                        }
                        Ok(())
                    }
                })
                .await?;
                let c = counts.clone();
                RedisBackend::scan(&mut conn, "obj:*", move |keys, mut conn| {
                    let c = c.clone();
                    async move {
                        let mut pipe = redis::pipe();
                        for k in &keys {
                            pipe.scard(k.as_slice());
                        }
                        let cards: Vec<u64> = pipe.query_async(&mut conn).await?;
                        let mut c = c.lock().unwrap_or_else(|e| e.into_inner());
                        c.2 += keys.len() as u64;
                        c.3 += cards.iter().sum::<u64>();
                        Ok(())
                    }
                })
                .await?;
                let c = *counts.lock().unwrap_or_else(|e| e.into_inner());
                Ok(c)
            },
        )?;
        Ok(Stats {
            entries: Some(entries),
            bytes: Some(bytes),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            index_deps: Some(deps),
            index_links: Some(links),
        })
    }

    fn on_expire(&self, hook: ExpireHook) {
        self.shared
            .hooks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read_or_ignored() {
        let Some(Message::Expire(e)) =
            parse_message(br#"{"action":"save","deps":["post:1"],"model":"Post"}"#)
        else {
            panic!("a save message");
        };
        assert_eq!(
            (e.action.as_str(), e.deps.as_slice()),
            ("save", &["post:1".to_string()][..])
        );
        assert_eq!(e.origin, None);
        assert!(e.message.contains("\"model\""));
        for bad in [
            &b"nope"[..],
            br#"{"action":"explode","deps":[]}"#,
            br#"{"action":"expire","deps":[1]}"#,
            br#"{"action":"expire"}"#,
            br#"[1,2]"#,
            b"\xff\xfe",
        ] {
            assert!(parse_message(bad).is_none());
        }
        assert!(matches!(
            parse_message(br#"{"action":"clear"}"#),
            Some(Message::Clear)
        ));
    }

    #[test]
    fn locations_lose_their_password_and_patterns_are_literal() {
        assert_eq!(
            redact("redis://:secret@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(redact("redis://host/0"), "redis://host/0");
        assert_eq!(glob_escape("a*b[c]"), "a\\*b\\[c\\]");
        assert_eq!(ttl_secs(Some(Duration::from_millis(1500))), 2);
        assert_eq!(ttl_secs(Some(Duration::from_millis(1))), 1);
        assert_eq!(ttl_secs(None), 0);
        assert_eq!(ttl_secs(Some(Duration::MAX)), 100 * 365 * 86_400);
    }
}
