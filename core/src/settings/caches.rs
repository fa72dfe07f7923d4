//! The `[caches.<alias>]` tables: Django's `CACHES`, for fragment caching.
//!
//! ```toml
//! [caches.default]
//! backend = "redis"                      # or "memory" (the default)
//! location = "redis://127.0.0.1:6379/0"
//! timeout = 300                          # seconds; "none" keeps until expired
//! key_prefix = ""
//! version = 1
//! channel = "platen:expire"
//! l1 = false                             # an in-process copy in front of Redis
//! ```

use super::*;

/// The keys of one `[caches.<alias>]` table.
pub const CACHE_KEYS: &[&str] = &[
    "backend",
    "location",
    "timeout",
    "key_prefix",
    "version",
    "channel",
    "l1",
    "max_entries",
    "max_bytes",
    "options",
];

/// The channel expiry messages are published on, when `channel` is not set.
pub const DEFAULT_CHANNEL: &str = "platen:expire";

/// One `[caches.<alias>]` table.
#[derive(Clone)]
pub struct CacheSettings {
    /// The alias (`default`, `template_fragments`, ...).
    pub alias: String,
    /// The registered cache backend: `memory` (the default) or `redis`.
    pub backend: String,
    /// Where the backend is (`redis://127.0.0.1:6379/0`); `None` for memory.
    pub location: Option<String>,
    /// Seconds a fragment is kept when no timeout is given (default 300);
    /// `None` keeps it until it is expired.
    pub timeout: Option<u64>,
    /// The first part of every full key (default empty).
    pub key_prefix: String,
    /// The second part of every full key (default 1).
    pub version: i64,
    /// The pub/sub channel of expiry messages (default `platen:expire`).
    pub channel: String,
    /// Whether to keep an in-process copy in front of a shared backend.
    pub l1: bool,
    /// The most fragments kept in memory (the memory backend, and `l1`).
    pub max_entries: u64,
    /// The most bytes kept in memory (the memory backend, and `l1`).
    pub max_bytes: u64,
    /// Backend-specific options.
    pub options: Dict,
    pub(super) raw: FigValue,
    pub(super) meta: Option<Arc<MetaLookup>>,
}

impl fmt::Debug for CacheSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheSettings")
            .field("alias", &self.alias)
            .field("backend", &self.backend)
            .field("location", &self.location)
            .field("timeout", &self.timeout)
            .field("key_prefix", &self.key_prefix)
            .field("version", &self.version)
            .field("channel", &self.channel)
            .field("l1", &self.l1)
            .finish()
    }
}

impl CacheSettings {
    /// An in-memory cache with Django's defaults.
    pub fn memory(alias: &str) -> CacheSettings {
        CacheSettings {
            alias: alias.to_owned(),
            backend: "memory".into(),
            location: None,
            timeout: Some(300),
            key_prefix: String::new(),
            version: 1,
            channel: DEFAULT_CHANNEL.into(),
            l1: false,
            max_entries: 10_000,
            max_bytes: 64 << 20,
            options: Dict::new(),
            raw: FigValue::from(Dict::new()),
            meta: None,
        }
    }

    /// The settings key of this table, or of `sub` inside it (`caches.default.location`).
    pub fn key(&self, sub: &str) -> String {
        if sub.is_empty() {
            format!("caches.{}", self.alias)
        } else {
            format!("caches.{}.{sub}", self.alias)
        }
    }

    /// Where the value at `sub` came from (the file, its section, or a
    /// variable); when `sub` is not set, the source of the table.
    pub fn source_of(&self, sub: &str) -> Option<String> {
        let parts: Vec<&str> = sub.split('.').filter(|p| !p.is_empty()).collect();
        self.meta
            .as_ref()?
            .describe(descend(&self.raw, &parts).tag())
    }

    /// An error about `sub` in this table, naming the key and its source.
    pub fn error(&self, sub: &str, detail: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::bad_setting(self.key(sub), self.source_of(sub), detail)
    }

    /// Reads the backend-specific option `options.<name>` as a `T`.
    pub fn option<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        match self.options.get(name) {
            None => Ok(None),
            Some(v) => v.deserialize::<T>().map(Some).map_err(|e| {
                self.error(
                    &format!("options.{name}"),
                    describe_kind(
                        &e.kind,
                        self.meta.as_ref().is_some_and(|m| m.is_env(v.tag())),
                    ),
                )
            }),
        }
    }
}

/// Reads the `caches` table of the root.
pub(super) fn parse_caches(
    value: Option<&FigValue>,
    meta: &Arc<MetaLookup>,
) -> Result<BTreeMap<String, CacheSettings>> {
    let mut caches = BTreeMap::new();
    let Some(value) = value else {
        return Ok(caches);
    };
    let FigValue::Dict(_, tables) = value else {
        return Err(Error::bad_setting(
            "caches",
            meta.describe(value.tag()),
            format!(
                "`caches` must be a table of caches by alias, such as `[caches.default]` with \
                 `backend = \"memory\"`, not {}",
                kind_name(value)
            ),
        ));
    };
    for (alias, table) in tables {
        let FigValue::Dict(_, dict) = table else {
            return Err(Error::bad_setting(
                format!("caches.{alias}"),
                meta.describe(table.tag()),
                format!(
                    "a cache must be a table such as `[caches.{alias}]` with `backend = \"memory\"`, not {}",
                    kind_name(table)
                ),
            ));
        };
        check_keys(
            dict,
            &format!("caches.{alias}"),
            CACHE_KEYS,
            "a cache key",
            meta,
        )?;
        let mut cache = CacheSettings::memory(alias);
        cache.raw = table.clone();
        cache.meta = Some(meta.clone());
        if let Some(backend) = text(&cache, dict, "backend")? {
            if backend.trim().is_empty() {
                return Err(cache.error(
                    "backend",
                    "the cache backend cannot be empty; use \"memory\" or \"redis\"",
                ));
            }
            cache.backend = backend;
        }
        cache.location = text(&cache, dict, "location")?;
        if let Some(prefix) = text(&cache, dict, "key_prefix")? {
            cache.key_prefix = prefix;
        }
        if let Some(channel) = text(&cache, dict, "channel")? {
            cache.channel = channel;
        }
        if let Some(v) = int(&cache, dict, meta, "version")? {
            cache.version = v;
        }
        match dict.get("timeout") {
            None => {}
            Some(v)
                if v.as_str().is_some_and(|s| {
                    matches!(s.trim().to_ascii_lowercase().as_str(), "none" | "forever")
                }) =>
            {
                cache.timeout = None;
            }
            Some(v) => match int(&cache, dict, meta, "timeout") {
                Ok(Some(t)) => cache.timeout = Some(t.max(0) as u64),
                _ => {
                    return Err(cache.error(
                        "timeout",
                        format!(
                            "expected a number of seconds or \"none\" (keep until expired), found {}",
                            kind_name(v)
                        ),
                    ));
                }
            },
        }
        for key in ["max_entries", "max_bytes"] {
            if let Some(n) = int(&cache, dict, meta, key)? {
                if n <= 0 {
                    return Err(cache.error(key, format!("`{key}` must be at least 1")));
                }
                if key == "max_entries" {
                    cache.max_entries = n as u64;
                } else {
                    cache.max_bytes = n as u64;
                }
            }
        }
        match dict.get("l1") {
            None => {}
            Some(v) => match v.to_bool().or_else(|| {
                if meta.is_env(v.tag()) {
                    v.to_bool_lossy()
                } else {
                    None
                }
            }) {
                Some(b) => cache.l1 = b,
                None => {
                    return Err(cache.error(
                        "l1",
                        format!("expected true or false, found {}", kind_name(v)),
                    ));
                }
            },
        }
        match dict.get("options") {
            None => {}
            Some(FigValue::Dict(_, d)) => cache.options = d.clone(),
            Some(v) => {
                return Err(cache.error(
                    "options",
                    format!("expected a table of options, found {}", kind_name(v)),
                ));
            }
        }
        caches.insert(alias.clone(), cache);
    }
    Ok(caches)
}

fn text(cache: &CacheSettings, dict: &Dict, key: &str) -> Result<Option<String>> {
    match dict.get(key) {
        None => Ok(None),
        Some(FigValue::String(_, s)) => Ok(Some(s.clone())),
        Some(v) => Err(cache.error(key, format!("expected a string, found {}", kind_name(v)))),
    }
}

fn int(cache: &CacheSettings, dict: &Dict, meta: &MetaLookup, key: &str) -> Result<Option<i64>> {
    let Some(v) = dict.get(key) else {
        return Ok(None);
    };
    if let Some(i) = v.to_i128().and_then(|i| i64::try_from(i).ok()) {
        return Ok(Some(i));
    }
    // A variable's text (`PLATEN_CACHES__DEFAULT__VERSION=2`) may arrive as a string.
    match v.as_str().and_then(|s| s.trim().parse::<i64>().ok()) {
        Some(i) if meta.is_env(v.tag()) => Ok(Some(i)),
        _ => Err(cache.error(key, format!("expected an integer, found {}", kind_name(v)))),
    }
}
