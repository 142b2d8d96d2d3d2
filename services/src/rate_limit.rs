//! Fixed-window failure counters for sign-in: at most N failures per key (an account, an IP)
//! within a window; once reached, further attempts are refused until the window ends.
//!
//! [`MemoryLimiter`] serves one process (the embedded mode); [`RedisLimiter`] is shared by every
//! web process of a scaled-out deployment.

use async_trait::async_trait;
use redis::AsyncCommands;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Counts failures per key.
#[async_trait]
pub trait FailureLimiter: Send + Sync + std::fmt::Debug {
    /// `Some(seconds)` until `key` may try again when its failures reached the limit, else `None`.
    async fn blocked_for(&self, key: &str) -> anyhow::Result<Option<u64>>;
    /// Counts one failure of `key`; the window starts at its first failure.
    async fn record_failure(&self, key: &str) -> anyhow::Result<()>;
    /// Forgets `key`'s failures (after a successful sign-in of that account).
    async fn reset(&self, key: &str) -> anyhow::Result<()>;
    /// Counts one event of `key` (an API request) and answers, in the same step, `Some(seconds)`
    /// until the window ends when this event is over the limit, else `None`.
    async fn hit(&self, key: &str) -> anyhow::Result<Option<u64>>;
}

/// The limit: `max_failures` within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Failures allowed in one window.
    pub max_failures: u32,
    /// Window length.
    pub window: Duration,
}

/// An in-process limiter (one web process).
#[derive(Debug)]
pub struct MemoryLimiter {
    limit: Limit,
    windows: Mutex<HashMap<String, (u32, Instant)>>,
}

impl MemoryLimiter {
    /// A limiter with `limit`.
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn with_windows<T>(&self, f: impl FnOnce(&mut HashMap<String, (u32, Instant)>) -> T) -> T {
        let mut guard = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let window = self.limit.window;
        guard.retain(|_, (_, started)| now.duration_since(*started) < window);
        f(&mut guard)
    }
}

#[async_trait]
impl FailureLimiter for MemoryLimiter {
    async fn blocked_for(&self, key: &str) -> anyhow::Result<Option<u64>> {
        let limit = self.limit;
        Ok(self.with_windows(|w| {
            w.get(key).and_then(|(count, started)| {
                (*count >= limit.max_failures).then(|| {
                    let left = limit
                        .window
                        .saturating_sub(Instant::now().duration_since(*started));
                    left.as_secs().max(1)
                })
            })
        }))
    }

    async fn record_failure(&self, key: &str) -> anyhow::Result<()> {
        self.with_windows(|w| {
            w.entry(key.to_owned()).or_insert((0, Instant::now())).0 += 1;
        });
        Ok(())
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        self.with_windows(|w| w.remove(key));
        Ok(())
    }

    async fn hit(&self, key: &str) -> anyhow::Result<Option<u64>> {
        let limit = self.limit;
        Ok(self.with_windows(|w| {
            let (count, started) = w.entry(key.to_owned()).or_insert((0, Instant::now()));
            *count += 1;
            (*count > limit.max_failures).then(|| {
                limit
                    .window
                    .saturating_sub(Instant::now().duration_since(*started))
                    .as_secs()
                    .max(1)
            })
        }))
    }
}

/// A limiter in Redis, shared by all web processes: `INCR` a key that expires with the window.
#[derive(Clone)]
pub struct RedisLimiter {
    limit: Limit,
    conn: redis::aio::ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("limit", &self.limit)
            .finish()
    }
}

impl RedisLimiter {
    /// Counts one event of `key` and returns (count in the window, seconds left), in one
    /// MULTI/EXEC: `INCR`, `EXPIRE ... NX` (Redis 7: the window starts at the first event and is
    /// never left without an expiry), `TTL`.
    async fn count(&self, key: &str) -> anyhow::Result<(u32, i64)> {
        let mut conn = self.conn.clone();
        let full = format!("{}{key}", self.prefix);
        let (count, _, ttl): (u32, i64, i64) = redis::pipe()
            .atomic()
            .cmd("INCR")
            .arg(&full)
            .cmd("EXPIRE")
            .arg(&full)
            .arg(self.limit.window.as_secs())
            .arg("NX")
            .cmd("TTL")
            .arg(&full)
            .query_async(&mut conn)
            .await?;
        Ok((count, ttl))
    }

    /// A limiter on `conn`; keys are `{prefix}{key}`.
    pub fn new(
        limit: Limit,
        conn: redis::aio::ConnectionManager,
        prefix: impl Into<String>,
    ) -> Self {
        Self {
            limit,
            conn,
            prefix: prefix.into(),
        }
    }
}

#[async_trait]
impl FailureLimiter for RedisLimiter {
    async fn blocked_for(&self, key: &str) -> anyhow::Result<Option<u64>> {
        let mut conn = self.conn.clone();
        let full = format!("{}{key}", self.prefix);
        let count: Option<u32> = conn.get(&full).await?;
        if count.unwrap_or(0) < self.limit.max_failures {
            return Ok(None);
        }
        let ttl: i64 = conn.ttl(&full).await?;
        Ok(Some(ttl.max(1) as u64))
    }

    async fn record_failure(&self, key: &str) -> anyhow::Result<()> {
        self.count(key).await?;
        Ok(())
    }

    async fn hit(&self, key: &str) -> anyhow::Result<Option<u64>> {
        let (count, ttl) = self.count(key).await?;
        Ok((count > self.limit.max_failures).then(|| ttl.max(1) as u64))
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        let _: () = conn.del(format!("{}{key}", self.prefix)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn blocks_after_the_limit_until_the_window_ends() {
        let limiter = MemoryLimiter::new(Limit {
            max_failures: 3,
            window: Duration::from_secs(900),
        });
        for _ in 0..2 {
            limiter.record_failure("acct:a").await.unwrap();
        }
        assert_eq!(limiter.blocked_for("acct:a").await.unwrap(), None);
        limiter.record_failure("acct:a").await.unwrap();
        assert_eq!(limiter.blocked_for("acct:a").await.unwrap(), Some(900));
        assert_eq!(limiter.blocked_for("acct:b").await.unwrap(), None);
        tokio::time::advance(Duration::from_secs(600)).await;
        assert_eq!(limiter.blocked_for("acct:a").await.unwrap(), Some(300));
        tokio::time::advance(Duration::from_secs(301)).await;
        assert_eq!(limiter.blocked_for("acct:a").await.unwrap(), None);
    }

    #[tokio::test]
    async fn reset_forgets_failures() {
        let limiter = MemoryLimiter::new(Limit {
            max_failures: 1,
            window: Duration::from_secs(60),
        });
        limiter.record_failure("k").await.unwrap();
        assert!(limiter.blocked_for("k").await.unwrap().is_some());
        limiter.reset("k").await.unwrap();
        assert_eq!(limiter.blocked_for("k").await.unwrap(), None);
    }
}
