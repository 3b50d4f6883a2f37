//! The fleet-wide limiter: the quota of each linked account kept in Redis, shared by every
//! replica of a service.
//!
//! Each acquisition is one round trip: a Lua script (`gcra.lua`) reserves the account's next
//! slot atomically against Redis's own clock and answers how long to wait for it. The
//! connection is opened on first use and shared by every handle of the client; the Redis
//! client's connection manager reconnects on its own after a failure. Every exchange is bounded
//! by [`REDIS_TIMEOUT`], so a stalled Redis costs a call that long at most.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::{LocalLimiter, OnUnavailable, RateLimit};
use crate::Error;
use crate::error::RateLimiterError;
use crate::trace::TARGET;

/// The longest any Redis exchange (connecting included) may take before Redis counts as
/// unavailable: far above a healthy round trip (well under a millisecond on a local network),
/// short enough that an outage delays a call only a little.
pub(crate) const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// The stage of a [`RateLimiterError`] when [`REDIS_TIMEOUT`] ran out.
const NO_ANSWER: &str = "waiting for Redis, which did not answer within 250 ms";

/// While falling back, how long calls use the in-process limiter before one tries Redis again,
/// so an outage does not cost every call a failed exchange.
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Every key the limiter writes starts with this, so the keys are easy to find and to keep
/// apart from the application's own.
pub(crate) const KEY_PREFIX: &str = "refold:rate-limit:";

/// Separates the hashed fields, and versions the derivation: a change of the script's data
/// layout changes it, so old and new clients never read each other's keys.
const KEY_DOMAIN: &[u8] = b"refold-rs rate limit v1\0";

/// The Redis settings of a [`ClientBuilder`](crate::ClientBuilder), turned into a limiter by
/// `build()`.
#[derive(Clone, Debug, Default)]
pub(crate) struct RedisSettings {
    pub(crate) url: Option<String>,
    pub(crate) on_unavailable: OnUnavailable,
}

impl RedisSettings {
    /// The shared limiter for these settings, or `local` when no Redis URL is set. Without a
    /// [`RateLimit`] the quota is [`RateLimit::default`]. `credential` (the API key or the
    /// session token) names the keys, hashed.
    pub(crate) fn limiter(
        self,
        limit: Option<RateLimit>,
        credential: Option<&SecretString>,
        local: Option<super::Limiter>,
    ) -> Result<Option<super::Limiter>, Error> {
        let Some(url) = self.url else { return Ok(local) };
        let limit = limit.unwrap_or_default();
        let fallback = LocalLimiter::new(limit)?;
        let client = redis::Client::open(url.trim()).map_err(|e| {
            Error::config(format!(
                "the Redis URL {:?} for the shared rate limiter is not valid ({e}); write it like \
                 redis://redis.internal.example:6379/0 (ClientBuilder::redis_rate_limit or REFOLD_REDIS_URL)",
                crate::redact::without_userinfo(&url)
            ))
        })?;
        let mut key_hasher = Sha256::new();
        key_hasher.update(KEY_DOMAIN);
        if let Some(credential) = credential {
            key_hasher.update(credential.expose_secret().as_bytes());
        }
        key_hasher.update([0]);
        Ok(Some(super::Limiter::Redis(Box::new(RedisLimiter {
            client,
            connection: OnceCell::new(),
            script: redis::Script::new(include_str!("gcra.lua")),
            // Rounded up, so the shared rate never exceeds the quota.
            interval_us: 1_000_000u64.div_ceil(u64::from(limit.per_second())),
            burst_at_once: u64::from(limit.burst().saturating_sub(1).max(1)),
            key_hasher,
            fallback,
            on_unavailable: self.on_unavailable,
            outage: Outage::default(),
        }))))
    }
}

pub(crate) struct RedisLimiter {
    client: redis::Client,
    /// Opened on the first acquisition: `build()` is synchronous and may run outside a runtime.
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
    interval_us: u64,
    /// The burst less one slot kept in reserve (when the burst allows it): the replicas' calls
    /// reach Refold with varying delays, and without that slack a call that arrives a little
    /// early finds Refold's own bucket (the same quota) empty. The sustained rate is the
    /// quota's either way.
    burst_at_once: u64,
    /// SHA-256 already fed with the domain and the credential; each key adds the account.
    key_hasher: Sha256,
    /// The same quota in-process, for [`OnUnavailable::FallBackToLocal`].
    fallback: LocalLimiter,
    on_unavailable: OnUnavailable,
    outage: Outage,
}

/// What one exchange with Redis produced.
enum Reservation {
    /// A slot is ours, this far in the future.
    Granted(Duration),
    /// The next slot lies past the deadline; nothing was reserved.
    PastDeadline,
}

impl RedisLimiter {
    /// Waits for a slot for `account`, as [`LocalLimiter::acquire`] does, with the bucket kept
    /// in Redis. When Redis fails, falls back or fails closed as configured.
    pub(crate) async fn acquire(
        &self,
        account: &Arc<str>,
        deadline: Instant,
        started: Instant,
        idempotent: bool,
    ) -> Result<(), Error> {
        let falling_back = self.on_unavailable == OnUnavailable::FallBackToLocal;
        if falling_back && self.outage.wait_before_probing() {
            return self.fallback.acquire(account, deadline, started, idempotent).await;
        }
        let failure = match self.reserve(account, deadline).await {
            Ok(reservation) => {
                self.outage.end();
                return match reservation {
                    Reservation::Granted(wait) if Instant::now() + wait <= deadline => {
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        Ok(())
                    }
                    _ => Err(Error::timeout(started.elapsed(), false, idempotent)),
                };
            }
            Err(Failure::Deadline) => return Err(Error::timeout(started.elapsed(), false, idempotent)),
            Err(Failure::Redis(failure)) => failure,
        };
        self.outage.begin(&failure, self.on_unavailable);
        if falling_back {
            self.fallback.acquire(account, deadline, started, idempotent).await
        } else {
            Err(Error::RateLimiterUnavailable { source: failure })
        }
    }

    /// One run of the script, bounded by [`REDIS_TIMEOUT`] and by the call's deadline.
    async fn reserve(&self, account: &str, deadline: Instant) -> Result<Reservation, Failure> {
        let now = Instant::now();
        let give_up = (now + REDIS_TIMEOUT).min(deadline);
        let max_wait_us = u64::try_from(deadline.saturating_duration_since(now).as_micros()).unwrap_or(u64::MAX);
        let exchange = async {
            let connection = self
                .connection
                .get_or_try_init(|| async {
                    ConnectionManager::new_lazy_with_config(self.client.clone(), manager_config())
                })
                .await?;
            self.script
                .key(self.key(account))
                .arg(self.interval_us)
                .arg(self.interval_us * self.burst_at_once)
                .arg(max_wait_us)
                .invoke_async::<(i64, i64)>(&mut connection.clone())
                .await
        };
        match tokio::time::timeout_at(give_up, exchange).await {
            Ok(Ok((granted, wait_us))) => {
                let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(0));
                Ok(if granted == 1 {
                    Reservation::Granted(wait)
                } else {
                    Reservation::PastDeadline
                })
            }
            Ok(Err(error)) => {
                let stage = if error.is_timeout() {
                    NO_ANSWER
                } else if error.is_io_error() || error.is_connection_refusal() {
                    "reaching Redis"
                } else {
                    "running the rate-limit script on Redis"
                };
                Err(Failure::Redis(RateLimiterError::new(
                    stage,
                    Some(Box::new(RedisCause(error))),
                )))
            }
            Err(_) if give_up == deadline => Err(Failure::Deadline),
            Err(_) => Err(Failure::Redis(RateLimiterError::new(NO_ANSWER, None))),
        }
    }

    /// The account's key: a SHA-256 of the credential and the account id, so Redis holds
    /// neither the secret nor the customer's id. Plain SHA-256 rather than a keyed hash
    /// because every replica must derive the same key without sharing another secret, and the
    /// credential in the input already keeps the digest unguessable.
    pub(crate) fn key(&self, account: &str) -> String {
        let mut hasher = self.key_hasher.clone();
        hasher.update(account.as_bytes());
        let digest = hasher.finalize();
        let mut key = String::with_capacity(KEY_PREFIX.len() + 2 * digest.len());
        key.push_str(KEY_PREFIX);
        for byte in digest.iter() {
            key.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
            key.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
        }
        key
    }
}

/// The Redis client's error as a cause. The Redis client repeats an I/O error's text in its own
/// `Display` and returns it again as `source()`; the chain of causes shows each once, so the
/// repeat is left out.
#[derive(Debug)]
struct RedisCause(redis::RedisError);

impl std::fmt::Display for RedisCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for RedisCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let own = self.0.to_string();
        std::error::Error::source(&self.0).filter(|cause| !own.contains(&cause.to_string()))
    }
}

enum Failure {
    /// The call's own deadline came first: a timeout, whatever Redis is doing.
    Deadline,
    Redis(RateLimiterError),
}

/// Every exchange bounded, and one reconnection attempt at a time: while Redis is down the
/// manager tries again on the next use rather than backing off on its own.
fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(REDIS_TIMEOUT))
        .set_response_timeout(Some(REDIS_TIMEOUT))
        .set_number_of_retries(0)
}

/// Whether Redis is currently failing, so an outage is logged once when it starts and once
/// when it ends, and how long the fallback skips Redis before trying it again.
struct Outage {
    down: AtomicBool,
    /// Microseconds after `epoch` before which calls skip Redis.
    probe_after_us: AtomicU64,
    epoch: Instant,
}

impl Default for Outage {
    fn default() -> Self {
        Outage {
            down: AtomicBool::new(false),
            probe_after_us: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

impl Outage {
    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// During an outage, true until the next probe is due; the caller that sees it due becomes
    /// the probe (the others keep falling back meanwhile).
    fn wait_before_probing(&self) -> bool {
        if !self.down.load(Ordering::Relaxed) {
            return false;
        }
        let now = self.now_us();
        let due = self.probe_after_us.load(Ordering::Relaxed);
        if now < due {
            return true;
        }
        let next = now + PROBE_EVERY.as_micros() as u64;
        self.probe_after_us
            .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    }

    fn begin(&self, failure: &RateLimiterError, policy: OnUnavailable) {
        self.probe_after_us
            .store(self.now_us() + PROBE_EVERY.as_micros() as u64, Ordering::Relaxed);
        if self.down.swap(true, Ordering::Relaxed) {
            return;
        }
        let cause = std::error::Error::source(failure).map(ToString::to_string);
        match policy {
            OnUnavailable::FallBackToLocal => tracing::warn!(
                target: TARGET,
                error = %failure,
                cause,
                "Redis is unavailable: each replica now limits its own calls in-process (the fleet may exceed the quota) until it is back"
            ),
            OnUnavailable::FailClosed => tracing::warn!(
                target: TARGET,
                error = %failure,
                cause,
                "Redis is unavailable: calls fail without being sent until it is back"
            ),
        }
    }

    fn end(&self) {
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::Relaxed) {
            tracing::info!(target: TARGET, "Redis answers again: the rate limit is shared again");
        }
    }
}
