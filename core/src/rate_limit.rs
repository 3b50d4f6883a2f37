//! Client-side rate limiting, keyed per linked account.
//!
//! Refold's limits are shared per linked account, so the client keeps one token bucket per
//! account (governor's GCRA) and makes a call wait for its slot rather than spend an attempt on
//! a 429. Every attempt, retries included, takes a slot.
//!
//! With the `redis` feature and [`ClientBuilder::redis_rate_limit`](crate::ClientBuilder), the
//! same quota is kept in Redis instead (`redis_limiter.rs`), so every replica of a service
//! draws from one bucket per linked account. The call path sees one [`Limiter`] either way.

#[cfg(feature = "redis")]
mod redis_limiter;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::time::Instant;

use crate::Error;

/// A request quota: a sustained rate and the burst allowed on top of it.
///
/// The default is Refold's published figure, 20 requests per second with a burst of 5.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{Client, RateLimit};
///
/// let client = Client::builder()
///     .api_key("tk_example")
///     .rate_limit(RateLimit::default())            // 20/s, burst 5, per linked account
///     .build()?;
/// let strict = RateLimit::new(10, 1);
/// assert_eq!(strict.per_second(), 10);
/// # Ok::<(), refold::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    per_second: u32,
    burst: u32,
}

impl RateLimit {
    /// `per_second` requests per second sustained, up to `burst` at once. Both must be at least
    /// 1; [`ClientBuilder::build`](crate::ClientBuilder::build) rejects a zero.
    pub fn new(per_second: u32, burst: u32) -> Self {
        RateLimit { per_second, burst }
    }

    /// The sustained rate.
    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// The burst size.
    pub fn burst(&self) -> u32 {
        self.burst
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::new(20, 5)
    }
}

/// What the shared rate limiter does while its Redis cannot be reached (refused, reset, or no
/// answer within a short timeout). Set with `ClientBuilder::on_unavailable`, which comes with
/// the `redis` feature, as does the shared limiter itself; without it this type has no use.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::OnUnavailable;
///
/// fn describe(policy: OnUnavailable) -> &'static str {
///     match policy {
///         OnUnavailable::FailClosed => "calls fail, nothing is sent",
///         _ => "calls go on, limited per process",
///     }
/// }
/// assert_eq!(describe(OnUnavailable::default()), "calls go on, limited per process");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OnUnavailable {
    /// Each replica limits its own calls to the quota in-process until Redis answers again
    /// (so the fleet may exceed the quota meanwhile), and calls go on. The outage is logged
    /// once as a `tracing` warning, and its end once more. The default.
    #[default]
    FallBackToLocal,
    /// Each call fails at once with [`Error::RateLimiterUnavailable`] and nothing is sent:
    /// for quotas that must never be exceeded.
    FailClosed,
}

/// The limiter of one client (shared by all its `for_linked_account` handles): in-process, or
/// kept in Redis and shared by every replica.
pub(crate) enum Limiter {
    Local(LocalLimiter),
    #[cfg(feature = "redis")]
    Redis(Box<redis_limiter::RedisLimiter>),
}

impl Limiter {
    /// Waits for a slot for `key`. When the slot would come after `deadline`, fails at once with
    /// a timeout that says nothing was sent, rather than sleeping for nothing.
    pub(crate) async fn acquire(
        &self,
        key: &Arc<str>,
        deadline: Instant,
        started: Instant,
        idempotent: bool,
    ) -> Result<(), Error> {
        match self {
            Limiter::Local(local) => local.acquire(key, deadline, started, idempotent).await,
            #[cfg(feature = "redis")]
            Limiter::Redis(shared) => shared.acquire(key, deadline, started, idempotent).await,
        }
    }
}

#[cfg(feature = "redis")]
pub(crate) use redis_limiter::RedisSettings;

/// How many acquisitions pass between sweeps of idle keys.
const SWEEP_EVERY: u32 = 1024;

/// The per-account buckets of one process.
pub(crate) struct LocalLimiter {
    buckets: RateLimiter<Arc<str>, DefaultKeyedStateStore<Arc<str>>, DefaultClock>,
    clock: DefaultClock,
    since_sweep: AtomicU32,
}

impl LocalLimiter {
    pub(crate) fn new(limit: RateLimit) -> Result<Self, Error> {
        let (Some(per_second), Some(burst)) = (NonZeroU32::new(limit.per_second), NonZeroU32::new(limit.burst)) else {
            return Err(Error::config(format!(
                "the rate limit {}/s with burst {} is invalid: both must be at least 1",
                limit.per_second, limit.burst
            )));
        };
        let clock = DefaultClock::default();
        Ok(LocalLimiter {
            buckets: RateLimiter::new(
                Quota::per_second(per_second).allow_burst(burst),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            clock,
            since_sweep: AtomicU32::new(0),
        })
    }

    /// Waits for a slot for `key`. When the slot would come after `deadline`, fails at once with
    /// a timeout that says nothing was sent, rather than sleeping for nothing.
    pub(crate) async fn acquire(
        &self,
        key: &Arc<str>,
        deadline: Instant,
        started: Instant,
        idempotent: bool,
    ) -> Result<(), Error> {
        self.sweep_now_and_then();
        loop {
            let wait = match self.buckets.check_key(key) {
                Ok(()) => return Ok(()),
                Err(not_until) => not_until.wait_time_from(self.clock.now()),
            };
            if Instant::now() + wait > deadline {
                return Err(Error::timeout(started.elapsed(), false, idempotent));
            }
            tokio::time::sleep(wait.max(Duration::from_micros(100))).await;
        }
    }

    /// Drops the buckets of accounts idle long enough to be full again, so memory follows the
    /// number of recently active accounts, not every account ever seen.
    fn sweep_now_and_then(&self) {
        if self.since_sweep.fetch_add(1, Ordering::Relaxed) + 1 >= SWEEP_EVERY {
            self.since_sweep.store(0, Ordering::Relaxed);
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
    }

    #[cfg(test)]
    fn tracked_keys(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rate_is_a_config_error() {
        let error = LocalLimiter::new(RateLimit::new(0, 5))
            .err()
            .expect("zero rate must be refused");
        assert!(error.to_string().contains("at least 1"));
    }

    #[tokio::test]
    async fn idle_keys_are_evicted() {
        let limiter = LocalLimiter::new(RateLimit::new(1000, 10)).expect("valid limit");
        let far = Instant::now() + Duration::from_secs(5);
        for n in 0..SWEEP_EVERY - 1 {
            let key: Arc<str> = Arc::from(format!("account-{n}"));
            limiter.acquire(&key, far, Instant::now(), false).await.expect("slot");
        }
        assert_eq!(limiter.tracked_keys(), (SWEEP_EVERY - 1) as usize);
        // Long enough for every bucket to refill (burst 10 at 1000/s).
        tokio::time::sleep(Duration::from_millis(50)).await;
        limiter
            .acquire(&Arc::from("fresh"), far, Instant::now(), false)
            .await
            .expect("slot");
        assert!(
            limiter.tracked_keys() <= 1,
            "idle keys must be swept, {} left",
            limiter.tracked_keys()
        );
    }

    #[tokio::test]
    async fn a_slot_past_the_deadline_fails_fast_without_sending() {
        let limiter = LocalLimiter::new(RateLimit::new(1, 1)).expect("valid limit");
        let key: Arc<str> = Arc::from("a");
        let deadline = Instant::now() + Duration::from_millis(100);
        limiter
            .acquire(&key, deadline, Instant::now(), false)
            .await
            .expect("first slot is free");
        let error = limiter
            .acquire(&key, deadline, Instant::now(), false)
            .await
            .expect_err("second slot is 1 s away");
        assert!(!error.may_have_executed());
    }
}
