//! The Lua scripts (each one round trip, and atomic) and the wrappers that
//! lay out their keys and arguments by the key schema.

use std::time::Duration;

use redis::{Script, ScriptInvocation};

use crate::SEQ_KEY;

/// The Lua scripts, each one round trip and atomic.
pub(crate) struct Scripts {
    set: Script,
    expire: Script,
    expire_key: Script,
    clear: Script,
}

impl Scripts {
    /// The scripts, loaded into Redis on their first call.
    pub(crate) fn new() -> Scripts {
        Scripts {
            set: Script::new(SET_LUA),
            expire: Script::new(EXPIRE_LUA),
            expire_key: Script::new(EXPIRE_KEY_LUA),
            clear: Script::new(CLEAR_LUA),
        }
    }

    /// Stores `value` under the full key `key` with its `deps`, unless the
    /// cache (marker `cleared`) or one of the deps was expired after the
    /// ticket `seq`. Answers 1 if stored, 0 if refused.
    pub(crate) fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        deps: &[String],
        cleared: &str,
        seq: u64,
    ) -> ScriptInvocation<'_> {
        let mut inv = self.set.prepare_invoke();
        inv.key(key).key(format!("sobj:{key}")).key(cleared);
        for d in deps {
            inv.key(format!("obj:{d}"));
        }
        for d in deps {
            inv.key(format!("gen:{d}"));
        }
        inv.arg(seq).arg(ttl_secs(ttl)).arg(value).arg(deps.len());
        inv
    }

    /// Removes every fragment that showed one of `deps`, bumps the expiry
    /// counter, and publishes `message` on `channel` (nothing when it is
    /// empty). Answers the number of fragments removed.
    pub(crate) fn expire(
        &self,
        deps: &[String],
        channel: &str,
        message: &str,
    ) -> ScriptInvocation<'_> {
        let mut inv = self.expire.prepare_invoke();
        inv.key(SEQ_KEY);
        for d in deps {
            inv.key(format!("obj:{d}"));
        }
        for d in deps {
            inv.key(format!("gen:{d}"));
        }
        inv.arg(crate::GEN_TTL_SECS).arg(channel).arg(message);
        inv
    }

    /// Removes the fragment under the full key `key`. Answers 1 if it was
    /// there.
    pub(crate) fn expire_key(&self, key: &str) -> ScriptInvocation<'_> {
        let mut inv = self.expire_key.key(key);
        inv.key(format!("sobj:{key}"));
        inv
    }

    /// Removes the fragments under the full keys `keys`, with their index
    /// links. Answers the number removed.
    pub(crate) fn clear(&self, keys: &[Vec<u8>]) -> ScriptInvocation<'_> {
        let mut inv = self.clear.prepare_invoke();
        for k in keys {
            inv.key(k.as_slice());
        }
        inv
    }
}

/// A TTL in whole seconds for `SET_LUA` (0: none).
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
-- An expiry carried out for a foreign message is not announced again.
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_whole_seconds() {
        assert_eq!(ttl_secs(Some(Duration::from_millis(1500))), 2);
        assert_eq!(ttl_secs(Some(Duration::from_millis(1))), 1);
        assert_eq!(ttl_secs(None), 0);
        assert_eq!(ttl_secs(Some(Duration::MAX)), 100 * 365 * 86_400);
    }
}
