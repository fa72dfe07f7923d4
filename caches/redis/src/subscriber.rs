//! The expiry channel: this process's identity in its messages, reading the
//! messages, dropping the in-process (L1) copies they name, and calling the
//! expire hooks on their own thread.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, mpsc};
use std::thread;
use std::time::Duration;

use crate::scripts::Scripts;
use futures_util::StreamExt;
use platen_core::Result;
use platen_core::cache::{CacheBackend, ExpireEvent, ExpireHooks, MemoryBackend, Ticket};
use redis::RedisResult;

use crate::config::RedisConfig;
use crate::link::io_error;

/// How the `origin` of every platen process's messages begins: a message
/// from another origin (a Django or Rails app) is carried out by each
/// platen process that receives it.
pub const ORIGIN_PREFIX: &str = "platen:";

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
            "{ORIGIN_PREFIX}{host}:{}:{:08x}",
            std::process::id(),
            hasher.finish() as u32
        )
    })
}

/// What the subscriber and the calls share.
pub(crate) struct Shared {
    pub(crate) l1: Option<MemoryBackend>,
    /// Bumped on every drop of in-process copies; a copy read from Redis
    /// before a drop is not kept.
    l1_epoch: AtomicU64,
    l1_lock: RwLock<()>,
    pub(crate) hooks: Arc<ExpireHooks>,
    events: mpsc::Sender<ExpireEvent>,
    pub(crate) subscribed: AtomicBool,
    alias: String,
}

impl Shared {
    /// The in-process copy `config.l1` asks for, and the thread that calls
    /// the expire hooks.
    pub(crate) fn new(config: &RedisConfig) -> Result<Shared> {
        let hooks = Arc::new(ExpireHooks::default());
        let (events, received) = mpsc::channel::<ExpireEvent>();
        let hook_list = hooks.clone();
        thread::Builder::new()
            .name(format!("platen-redis-hooks-{}", config.alias))
            .spawn(move || {
                for event in received {
                    hook_list.call(&event);
                }
            })
            .map_err(|e| io_error(&config.alias, "cannot start its hook thread", e))?;
        Ok(Shared {
            l1: config.l1.map(MemoryBackend::new),
            l1_epoch: AtomicU64::new(0),
            l1_lock: RwLock::new(()),
            hooks,
            events,
            subscribed: AtomicBool::new(false),
            alias: config.alias.clone(),
        })
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.l1_epoch.load(Ordering::Acquire)
    }

    /// Keeps an in-process copy, unless copies were dropped since `epoch`.
    pub(crate) fn fill(
        &self,
        epoch: u64,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        deps: &[String],
    ) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.read().unwrap_or_else(|e| e.into_inner());
        if self.epoch() == epoch {
            let _ = l1.set(key, value, ttl, deps, Ticket::new(u64::MAX));
        }
    }

    pub(crate) fn drop_deps(&self, deps: &[String]) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.write().unwrap_or_else(|e| e.into_inner());
        self.l1_epoch.fetch_add(1, Ordering::AcqRel);
        let _ = l1.expire(deps);
    }

    pub(crate) fn drop_all(&self) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.write().unwrap_or_else(|e| e.into_inner());
        self.l1_epoch.fetch_add(1, Ordering::AcqRel);
        let _ = l1.clear();
    }

    pub(crate) fn drop_key(&self, key: &str) {
        let Some(l1) = &self.l1 else { return };
        let _guard = self.l1_lock.write().unwrap_or_else(|e| e.into_inner());
        self.l1_epoch.fetch_add(1, Ordering::AcqRel);
        let _ = l1.expire_key(key);
    }

    /// What a message on the channel asks for.
    fn read(&self, payload: &[u8]) -> Option<Message> {
        let message = parse_message(payload);
        if message.is_none() {
            tracing::debug!(
                cache = %self.alias,
                message = %String::from_utf8_lossy(payload),
                "ignoring a malformed message on the expiry channel"
            );
        }
        message
    }

    /// Drops the in-process copies an expiry makes stale and hands the
    /// event to the hooks.
    fn expired(&self, event: ExpireEvent) {
        self.drop_deps(&event.deps);
        let _ = self.events.send(event);
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

/// Listens on `channel` for as long as the runtime runs, reconnecting with
/// backoff; after a reconnection the in-process copies are dropped (messages
/// may have been missed).
pub(crate) async fn subscribe(client: redis::Client, channel: String, shared: Arc<Shared>) {
    let mut foreign = Foreign {
        client: client.clone(),
        conn: None,
        scripts: Scripts::new(),
        channel: channel.clone(),
        alias: shared.alias.clone(),
    };
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
                    match shared.read(msg.get_payload_bytes()) {
                        Some(Message::Clear) => shared.drop_all(),
                        Some(Message::Expire(event)) => {
                            if !event
                                .origin
                                .as_deref()
                                .is_some_and(|o| o.starts_with(ORIGIN_PREFIX))
                            {
                                // A foreign publisher only told us: delete the
                                // fragments in Redis first, so that no copy is
                                // read back from there after ours is dropped.
                                foreign.carry_out(&event.deps).await;
                            }
                            shared.expired(event);
                        }
                        None => {}
                    }
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

/// Carries out foreign publishers' expiries in Redis (the expire script,
/// not announced again: every platen process that hears the message does
/// the same, and the second finds nothing left to delete).
struct Foreign {
    client: redis::Client,
    conn: Option<redis::aio::MultiplexedConnection>,
    scripts: Scripts,
    channel: String,
    alias: String,
}

impl Foreign {
    async fn carry_out(&mut self, deps: &[String]) {
        if deps.is_empty() {
            return;
        }
        let run = async {
            if self.conn.is_none() {
                self.conn = Some(self.client.get_multiplexed_async_connection().await?);
            }
            let conn = self.conn.as_mut().expect("just connected");
            let removed: i64 = self
                .scripts
                .expire(deps, &self.channel, "")
                .invoke_async(conn)
                .await?;
            RedisResult::Ok(removed)
        };
        match tokio::time::timeout(Duration::from_secs(2), run).await {
            Ok(Ok(removed)) => {
                tracing::debug!(cache = %self.alias, ?deps, removed, "carried out a foreign expiry")
            }
            Ok(Err(e)) => {
                self.conn = None;
                tracing::debug!(cache = %self.alias, error = %e, "cannot carry out a foreign expiry");
            }
            Err(_) => {
                self.conn = None;
                tracing::debug!(cache = %self.alias, "carrying out a foreign expiry timed out");
            }
        }
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
}
