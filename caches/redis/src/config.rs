//! How a backend is set up: [`RedisConfig`], read from a `[caches.<alias>]`
//! table and its options, and the defaults it falls back on.

use std::time::Duration;

use platen_core::cache::MemoryLimits;
use platen_core::{CacheSettings, Result};

/// Where Redis is when the settings give no `location`.
pub const DEFAULT_LOCATION: &str = "redis://127.0.0.1:6379/0";

/// How long one call waits for Redis when `options.timeout_ms` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);

/// How long `clear` and `stats` (which scan the keys) may take when
/// `options.admin_timeout_ms` is not set.
pub const DEFAULT_ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How a [`RedisBackend`](crate::RedisBackend) is set up;
/// [`RedisConfig::from_settings`] reads it from a `[caches.<alias>]` table.
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

    /// The cache's `clear` marker, `platen:cleared:<key_prefix>:<version>`.
    pub(crate) fn cleared_key(&self) -> String {
        format!("platen:cleared:{}:{}", self.key_prefix, self.version)
    }
}

/// `location` without its password.
pub(crate) fn redact(location: &str) -> String {
    match (location.find("://"), location.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &location[..scheme + 3], &location[at..])
        }
        _ => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_lose_their_password() {
        assert_eq!(
            redact("redis://:secret@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(redact("redis://host/0"), "redis://host/0");
    }
}
