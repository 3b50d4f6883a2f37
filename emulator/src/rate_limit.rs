//! Per-linked-account rate limiting: a token bucket per account.
//!
//! A bucket of 20 lines is simpler to reconfigure at run time and to reason about in tests than
//! a general-purpose limiter crate, and it computes the `Retry-After` value directly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A per-linked-account request limit: a bucket of `burst` requests, refilled at `per_second`.
///
/// A fresh account may send `burst` requests at once; after that, one more every
/// `1 / per_second` seconds. Refold documents "20 requests per second with a burst of 5":
///
/// ```
/// use refold_emulator::RateLimit;
///
/// let documented = RateLimit { per_second: 20, burst: 5 };
/// assert_eq!(documented, RateLimit::new(20, 5));
/// ```
///
/// A `burst` of 0 counts as 1 and a `per_second` of 0 as 1, so a limit always lets traffic
/// through eventually.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Sustained requests per second per linked account.
    pub per_second: u32,
    /// Requests a linked account may send at once before being throttled.
    pub burst: u32,
}

impl RateLimit {
    /// `RateLimit { per_second, burst }`.
    pub const fn new(per_second: u32, burst: u32) -> Self {
        RateLimit { per_second, burst }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The buckets of every linked account under the current limit.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    limit: Option<RateLimit>,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// Replaces the limit and forgets all past traffic.
    pub(crate) fn set(&self, limit: Option<RateLimit>) {
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        state.limit = limit;
        state.buckets.clear();
    }

    pub(crate) fn limit(&self) -> Option<RateLimit> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).limit
    }

    /// Takes one request from the account's bucket, or says how long until one is available.
    pub(crate) fn check(&self, linked_account_id: &str, now: Instant) -> Result<(), Duration> {
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(limit) = state.limit else { return Ok(()) };
        let capacity = f64::from(limit.burst.max(1));
        let rate = f64::from(limit.per_second.max(1));
        let bucket = match state.buckets.get_mut(linked_account_id) {
            Some(b) => b,
            None => state.buckets.entry(linked_account_id.to_owned()).or_insert(Bucket {
                tokens: capacity,
                last: now,
            }),
        };
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let limiter = RateLimiter::default();
        limiter.set(Some(RateLimit::new(2, 3)));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("a", t0).is_ok());
        }
        let wait = limiter.check("a", t0).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        assert!(limiter.check("b", t0).is_ok(), "accounts have their own buckets");
        assert!(limiter.check("a", t0 + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn no_limit_means_no_throttling() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        assert!((0..1000).all(|_| limiter.check("a", t0).is_ok()));
    }
}
