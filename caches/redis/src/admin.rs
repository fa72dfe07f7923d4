//! The calls over the whole cache, `clear` and `stats`: they SCAN the
//! cache's own keys (and the dependency index) a batch at a time, within
//! `options.admin_timeout_ms`.

use std::future::Future;
use std::sync::{Arc, Mutex};

use platen_core::Result;
use redis::RedisResult;
use redis::aio::ConnectionManager;

use crate::backend::RedisBackend;
use crate::subscriber::origin;
use crate::{GEN_TTL_SECS, SEQ_KEY};

impl RedisBackend {
    /// Removes the cache's own fragments from Redis, refuses renders begun
    /// before, and tells every process.
    pub(crate) fn clear_remote(&self) -> Result<()> {
        let pattern = self.own_keys_pattern();
        let cleared = self.config.cleared_key();
        let channel = self.config.channel.clone();
        let message = serde_json::json!({"action": "clear", "origin": origin()}).to_string();
        self.link.call(
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
                        scripts.clear(&keys).invoke_async::<i64>(&mut conn).await?;
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
        )
    }

    /// The cache's fragments and their bytes, and the dependency index's
    /// deps and links.
    pub(crate) fn count_remote(&self) -> Result<(u64, u64, u64, u64)> {
        let pattern = self.own_keys_pattern();
        self.link.call(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_literal() {
        assert_eq!(glob_escape("a*b[c]"), "a\\*b\\[c\\]");
    }
}
