//! [`RedisBackend`]: the fragment cache in Redis, with an optional
//! in-process copy in front, and its [`CacheBackend`] calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use platen_core::cache::{CacheBackend, ExpireHook, Fragment, Lookup, Stats, Ticket};
use platen_core::{CacheSettings, ErrorKind, Result};

use crate::config::{RedisConfig, redact};
use crate::link::Link;
use crate::subscriber::{Shared, origin, subscribe};
use crate::{GEN_TTL_SECS, SEQ_KEY};

/// Fragments in Redis, with the dependency index beside them, and an
/// optional in-process copy in front (`l1`).
///
/// Safe to call from any thread, inside a tokio runtime or not: every call
/// runs on the backend's own runtime thread and is waited for at most the
/// configured timeout.
pub struct RedisBackend {
    pub(crate) link: Link,
    pub(crate) config: RedisConfig,
    shared: Arc<Shared>,
    hits: AtomicU64,
    misses: AtomicU64,
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
        let (link, client) = Link::open(&config)?;
        let shared = Arc::new(Shared::new(&config)?);
        link.spawn(subscribe(client, config.channel.clone(), shared.clone()));
        Ok(RedisBackend {
            link,
            config,
            shared,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
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
        self.link.is_down()
    }

    fn lookup_remote(&self, key: &str) -> Result<Remote> {
        let key = key.to_owned();
        self.link.call(
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
        let cleared = self.config.cleared_key();
        let deps_for_call = own.clone();
        let stored = self.link.call(
            "set",
            self.config.timeout,
            move |mut conn, scripts| async move {
                let stored: i64 = scripts
                    .set(&full, &text, ttl, &deps_for_call, &cleared, ticket.seq)
                    .invoke_async(&mut conn)
                    .await?;
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
        let removed = self.link.call(
            "expire",
            self.config.timeout,
            move |mut conn, scripts| async move {
                let removed: i64 = scripts
                    .expire(&deps, &channel, &message)
                    .invoke_async(&mut conn)
                    .await?;
                Ok(removed.max(0) as u64)
            },
        );
        self.shared.drop_deps(&local);
        removed
    }

    fn expire_key(&self, key: &str) -> Result<bool> {
        self.shared.drop_key(key);
        let full = key.to_owned();
        let removed = self.link.call(
            "expire_key",
            self.config.timeout,
            move |mut conn, scripts| async move {
                let removed: i64 = scripts.expire_key(&full).invoke_async(&mut conn).await?;
                Ok(removed > 0)
            },
        );
        self.shared.drop_key(key);
        removed
    }

    fn clear(&self) -> Result<()> {
        self.shared.drop_all();
        let result = self.clear_remote();
        self.shared.drop_all();
        result
    }

    fn stats(&self) -> Result<Stats> {
        let (entries, bytes, deps, links) = self.count_remote()?;
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
        self.shared.hooks.add(hook);
    }
}
