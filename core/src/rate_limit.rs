//! Client-side rate limiting, keyed per linked account.
//!
//! Refold's limits are shared per linked account, so the client keeps one bucket per account
//! and makes a call wait for its slot rather than spend an attempt on a 429. Every attempt,
//! retries included, takes a slot.
//!
//! Both stores apply one rule (`gcra.rs`): a caller reserves the next free slot if it starts
//! before the caller's deadline, then sleeps until it; a caller whose slot would come too late
//! is refused at once and takes nothing. In-process (`local.rs`) the buckets live in this
//! process; with the `redis` feature and
//! [`ClientBuilder::redis_rate_limit`](crate::ClientBuilder) they live in Redis
//! (`redis_limiter.rs`, the same rule as a Lua script), so every replica of a service draws from
//! one bucket per linked account. The call path sees one [`Limiter`] either way.

mod gcra;
mod local;
#[cfg(feature = "redis")]
mod redis_clock;
#[cfg(feature = "redis")]
mod redis_connection;
#[cfg(feature = "redis")]
mod redis_failure;
#[cfg(feature = "redis")]
mod redis_limiter;

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;
pub(crate) use local::LocalLimiter;
#[cfg(feature = "redis")]
pub(crate) use redis_limiter::{RedisAddress, RedisSettings};

/// How long the shared rate limiter waits for Redis by default before it counts as unavailable
/// (`ClientBuilder::redis_timeout`, feature `redis`): far above a healthy round trip (well
/// under a millisecond on a local network), short enough that an outage delays a call only a
/// little.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(250);

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
/// answer within [`ClientBuilder::redis_timeout`](crate::ClientBuilder)). A Redis that answers
/// but cannot be used (a wrong password, not a Redis server, a failed TLS handshake) is a
/// configuration mistake, not an outage: calls then fail with
/// [`Error::RateLimiterMisconfigured`] under either policy. Set with `ClientBuilder::on_unavailable`, which comes with
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
            // Boxed: the Redis exchange's future nests the redis crate's connection futures, and
            // inline it made every call's future (and so the future of any user's async fn that
            // awaits a call and a paged listing) too deep for the compiler's default recursion
            // limit of 128. One allocation beside a network round trip costs nothing measurable.
            Limiter::Redis(shared) => Box::pin(shared.acquire(key, deadline, started, idempotent)).await,
        }
    }
}
