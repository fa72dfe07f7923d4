//! The link to Redis: the backend's own runtime thread, the connection, the
//! bounded-timeout bridge from synchronous calls to it, and the outage logic
//! (fail at once while Redis is down, warn once, probe until it is back).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use platen_core::{Error, ErrorKind, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, RedisResult};
use tokio::runtime::Handle;

use crate::config::{RedisConfig, redact};
use crate::scripts::Scripts;

/// How often the backend checks whether Redis is back after a failure.
const RETRY_EVERY: Duration = Duration::from_secs(1);

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

pub(crate) fn io_error(
    alias: &str,
    what: &str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::new(ErrorKind::Io, format!("redis cache `{alias}`: {what}: {e}")).with_cause(e)
}

/// The runtime thread, the connection and the scripts; the runtime stops
/// when the link is dropped.
pub(crate) struct Link {
    alias: String,
    /// How long the probe waits for a PING.
    timeout: Duration,
    handle: Handle,
    conn: ConnectionManager,
    scripts: Arc<Scripts>,
    health: Arc<Health>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Link {
    /// Starts the runtime thread and sets up a lazy connection to
    /// `config.location`; also answers the client (for the subscriber).
    pub(crate) fn open(config: &RedisConfig) -> Result<(Link, redis::Client)> {
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
        let health = Arc::new(Health {
            down: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            probing: AtomicBool::new(false),
            alias: config.alias.clone(),
            location: redact(&config.location),
        });
        let link = Link {
            alias: config.alias.clone(),
            timeout: config.timeout,
            handle,
            conn,
            scripts: Arc::new(Scripts::new()),
            health,
            shutdown: Some(shutdown),
        };
        Ok((link, client))
    }

    /// Runs `task` on the runtime, in the background.
    pub(crate) fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.handle.spawn(task);
    }

    /// Whether the last call found Redis unavailable.
    pub(crate) fn is_down(&self) -> bool {
        self.health.down.load(Ordering::Acquire)
    }

    /// Runs `f` on the backend's runtime and waits at most `timeout`.
    pub(crate) fn call<T, F, Fut>(&self, what: &str, timeout: Duration, f: F) -> Result<T>
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
                    tracing::info!(cache = %self.alias, location = %self.health.location, "Redis reconnected");
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
                            cache = %self.alias,
                            location = %self.health.location,
                            error = %error,
                            "Redis is unavailable; fragments render uncached until it is back"
                        );
                    }
                    self.start_probe();
                } else {
                    tracing::debug!(cache = %self.alias, error = %error, "Redis call failed");
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
        let timeout = self.timeout;
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
        let alias = &self.alias;
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
}
