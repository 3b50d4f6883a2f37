//! The fleet-wide limiter: the quota of each linked account kept in Redis, shared by every
//! replica of a service.
//!
//! Each acquisition is one round trip: a Lua script (`gcra.lua`, the rule of `gcra.rs`)
//! reserves the account's next slot atomically against Redis's own clock, only if it starts
//! before the caller's deadline and only if the caller is still waiting for the answer. The
//! deadline travels on Redis's clock (`redis_clock.rs`), so a command that sat in a frozen
//! Redis's queue is refused when it finally runs, instead of spending a slot nobody uses.
//! Every exchange is bounded by the Redis timeout; a connection that fails or stalls is
//! dropped and the next call opens another (`redis_connection.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::gcra::{self, Gcra};
use super::redis_clock::{RedisClock, local_start};
use super::redis_connection::{Connector, Target};
use super::redis_failure::{Stage, classify, limiter_error};
use super::{DEFAULT_REDIS_TIMEOUT, LocalLimiter, OnUnavailable, RateLimit};
use crate::Error;
use crate::error::{LimiterProblem, RateLimiterError};
use crate::trace::TARGET;

/// While falling back, how long calls use the in-process limiter before one tries Redis again,
/// so an outage does not cost every call a failed exchange.
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Every key the limiter writes starts with this, so the keys are easy to find and to keep
/// apart from the application's own.
pub(crate) const KEY_PREFIX: &str = "refold:rate-limit:";

/// Separates the hashed fields, and versions the derivation: a change of the script's data
/// layout changes it, so old and new clients never read each other's keys.
const KEY_DOMAIN: &[u8] = b"refold-rs rate limit v1\0";

/// Where the builder was told the Redis is.
#[derive(Clone, Debug, Default)]
pub(crate) enum RedisAddress {
    #[default]
    None,
    Url(String),
    Cluster(Vec<String>),
}

/// The Redis settings of a [`ClientBuilder`](crate::ClientBuilder), turned into a limiter by
/// `build()`.
#[derive(Clone, Debug, Default)]
pub(crate) struct RedisSettings {
    pub(crate) address: RedisAddress,
    pub(crate) on_unavailable: OnUnavailable,
    pub(crate) timeout: Option<Duration>,
    pub(crate) root_certificate: Option<Vec<u8>>,
    pub(crate) client_certificate: Option<(Vec<u8>, SecretSlice<u8>)>,
}

impl RedisSettings {
    /// The shared limiter for these settings, or `local` when no Redis is set. Without a
    /// [`RateLimit`] the quota is [`RateLimit::default`]. `credential` (the API key or the
    /// session token) names the keys, hashed.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL that does not parse, a zero timeout, certificates that do not
    /// parse or come without `rediss://`.
    pub(crate) fn limiter(
        self,
        limit: Option<RateLimit>,
        credential: Option<&SecretString>,
        local: Option<super::Limiter>,
    ) -> Result<Option<super::Limiter>, Error> {
        let limit = limit.unwrap_or_default();
        let timeout = self.timeout.unwrap_or(DEFAULT_REDIS_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::config(
                "the Redis timeout is zero, so Redis could never answer: set ClientBuilder::redis_timeout to a few hundred milliseconds",
            ));
        }
        let certificates = self.certificates();
        let (target, tls) = match &self.address {
            RedisAddress::None => return Ok(local),
            RedisAddress::Url(url) => single(url, certificates)?,
            RedisAddress::Cluster(nodes) => cluster(nodes, certificates, timeout)?,
        };
        let fallback = LocalLimiter::new(limit)?;
        let mut key_hasher = Sha256::new();
        key_hasher.update(KEY_DOMAIN);
        if let Some(credential) = credential {
            key_hasher.update(credential.expose_secret().as_bytes());
        }
        key_hasher.update([0]);
        Ok(Some(super::Limiter::Redis(Box::new(RedisLimiter {
            connector: Connector::new(target, timeout),
            tls,
            timeout,
            script: redis::Script::new(include_str!("gcra.lua")),
            // One slot of the burst in reserve (when the burst allows it): the replicas' calls
            // reach Refold with varying delays, and without that slack a call that arrives a
            // little early finds Refold's own bucket (the same quota) empty. The sustained rate
            // is the quota's either way.
            gcra: Gcra::new(limit, limit.burst().saturating_sub(1).max(1)),
            clock: RedisClock::default(),
            key_hasher,
            fallback,
            on_unavailable: self.on_unavailable,
            outage: Outage::default(),
        }))))
    }

    fn certificates(&self) -> Option<redis::TlsCertificates> {
        if self.root_certificate.is_none() && self.client_certificate.is_none() {
            return None;
        }
        Some(redis::TlsCertificates {
            client_tls: self
                .client_certificate
                .as_ref()
                .map(|(certificate, key)| redis::ClientTlsConfig {
                    client_cert: certificate.clone(),
                    client_key: key.expose_secret().to_vec(),
                }),
            root_cert: self.root_certificate.clone(),
        })
    }
}

const URL_HINT: &str = "write it like redis://redis.internal.example:6379/0, or rediss://… for TLS \
                        (ClientBuilder::redis_rate_limit or REFOLD_REDIS_URL)";

/// The client for one Redis URL, and whether it uses TLS.
fn single(url: &str, certificates: Option<redis::TlsCertificates>) -> Result<(Target, bool), Error> {
    let shown = crate::redact::without_userinfo(url);
    let invalid = |e: redis::RedisError| {
        Error::config(format!(
            "the Redis URL {shown:?} for the shared rate limiter is not valid ({e}); {URL_HINT}"
        ))
    };
    let info = redis::IntoConnectionInfo::into_connection_info(url.trim()).map_err(invalid)?;
    let tls = matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. });
    let client = match certificates {
        Some(_) if !tls => return Err(certificates_without_tls()),
        Some(certificates) => redis::Client::build_with_tls(info, certificates).map_err(bad_certificates)?,
        None => redis::Client::open(info).map_err(invalid)?,
    };
    Ok((Target::Single(client), tls))
}

/// The client for a Redis Cluster reached through `nodes`, and whether it uses TLS.
fn cluster(
    nodes: &[String],
    certificates: Option<redis::TlsCertificates>,
    timeout: Duration,
) -> Result<(Target, bool), Error> {
    let shown: Vec<String> = nodes.iter().map(|node| crate::redact::without_userinfo(node)).collect();
    if nodes.is_empty() {
        return Err(Error::config(
            "no Redis Cluster node for the shared rate limiter: give ClientBuilder::redis_cluster_rate_limit at least one URL",
        ));
    }
    let tls = nodes.iter().any(|node| node.trim().starts_with("rediss://"));
    let mut builder = redis::cluster::ClusterClientBuilder::new(nodes.iter().map(|node| node.trim()))
        .connection_timeout(timeout)
        .response_timeout(timeout);
    if let Some(certificates) = certificates {
        if !tls {
            return Err(certificates_without_tls());
        }
        builder = builder.certs(certificates);
    }
    let client = builder.build().map_err(|e| {
        Error::config(format!(
            "the Redis Cluster URLs {shown:?} for the shared rate limiter are not valid ({e}); {URL_HINT}"
        ))
    })?;
    Ok((Target::Cluster(client), tls))
}

fn certificates_without_tls() -> Error {
    Error::config(
        "Redis certificates are set but the Redis URL does not use TLS: write it with rediss:// \
         (ClientBuilder::redis_root_certificate, ClientBuilder::redis_client_certificate)",
    )
}

fn bad_certificates(e: redis::RedisError) -> Error {
    Error::config(format!(
        "the Redis TLS certificates do not parse ({e}); give PEM text (ClientBuilder::redis_root_certificate, \
         ClientBuilder::redis_client_certificate)"
    ))
}

pub(crate) struct RedisLimiter {
    connector: Connector,
    tls: bool,
    timeout: Duration,
    script: redis::Script,
    gcra: Gcra,
    clock: RedisClock,
    /// SHA-256 already fed with the domain and the credential; each key adds the account.
    key_hasher: Sha256,
    /// The same quota in-process, for [`OnUnavailable::FallBackToLocal`].
    fallback: LocalLimiter,
    on_unavailable: OnUnavailable,
    outage: Outage,
}

/// What one exchange with Redis produced.
enum Reservation {
    /// A slot is ours, starting at this local instant.
    Granted(Instant),
    /// The next slot lies this far past now, after the deadline; nothing was reserved.
    PastDeadline(Duration),
}

enum Failure {
    /// The call's own deadline came first: a timeout, whatever Redis is doing.
    Deadline,
    /// Redis is down or silent: fall back or fail closed, as configured.
    Outage(RateLimiterError),
    /// Redis cannot be used as configured: fail the call under either policy.
    Misconfigured(RateLimiterError),
}

impl RedisLimiter {
    /// Waits for a slot for `account`, as [`LocalLimiter::acquire`] does, with the bucket kept
    /// in Redis. When Redis is down, falls back or fails closed as configured; when it cannot be
    /// used as configured, fails with [`Error::RateLimiterMisconfigured`].
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
                    Reservation::Granted(start) => {
                        // Only when the slot is ahead: tokio's timer fires on its next
                        // millisecond tick even for an instant already past.
                        if start > Instant::now() {
                            tokio::time::sleep_until(start).await;
                        }
                        Ok(())
                    }
                    Reservation::PastDeadline(wait) => {
                        Err(Error::rate_limit_timeout(started.elapsed(), wait, idempotent))
                    }
                };
            }
            Err(Failure::Deadline) => return Err(Error::timeout(started.elapsed(), false, idempotent)),
            Err(Failure::Misconfigured(source)) => return Err(Error::RateLimiterMisconfigured { source }),
            Err(Failure::Outage(failure)) => failure,
        };
        self.outage.begin(&failure, self.on_unavailable);
        if falling_back {
            self.fallback.acquire(account, deadline, started, idempotent).await
        } else {
            Err(Error::RateLimiterUnavailable { source: failure })
        }
    }

    /// One run of the script, bounded by the Redis timeout and by the call's deadline.
    async fn reserve(&self, account: &str, deadline: Instant) -> Result<Reservation, Failure> {
        let sent = Instant::now();
        let give_up = (sent + self.timeout).min(deadline);
        let latest_start = gcra::latest_start(sent, deadline);
        let key = self.key(account);
        let max_wait_us = u64::try_from(latest_start.saturating_duration_since(sent).as_micros()).unwrap_or(u64::MAX);
        let mut invocation = self.script.key(key);
        invocation
            .arg(self.gcra.interval_us)
            .arg(self.gcra.tolerance_us)
            .arg(self.clock.to_redis(latest_start))
            .arg(self.clock.to_redis(give_up))
            .arg(max_wait_us);
        let mut generation = None;
        let exchange = async {
            let (opened, mut connection) = self.connector.connection().await.map_err(|e| (Stage::Connecting, e))?;
            generation = Some(opened);
            connection
                .invoke::<(i64, i64, i64)>(&invocation)
                .await
                .map_err(|e| (Stage::Running, e))
        };
        let outcome = tokio::time::timeout_at(give_up, exchange).await;
        let received = Instant::now();
        let error = match outcome {
            Ok(Ok((status, wait_us, redis_now_us))) => {
                self.clock.observe(redis_now_us, received);
                return match status {
                    // Redis granted a slot before the latest start on its clock; the reply's trip
                    // back may put the slot a little later locally, and starting at the latest
                    // start then is still after the slot began.
                    1 => Ok(Reservation::Granted(local_start(received, wait_us).min(latest_start))),
                    0 => Ok(Reservation::PastDeadline(Duration::from_micros(
                        u64::try_from(wait_us).unwrap_or(0),
                    ))),
                    // Refused as too late: this exchange took longer than the caller waits.
                    _ => Err(self.no_answer(give_up, deadline, generation)),
                };
            }
            Ok(Err(error)) => error,
            Err(_) => return Err(self.no_answer(give_up, deadline, generation)),
        };
        let (stage, error) = error;
        let problem = match classify(&error, stage, self.tls) {
            LimiterProblem::NoAnswer(_) => LimiterProblem::NoAnswer(self.timeout),
            LimiterProblem::NoTlsAnswer(_) => LimiterProblem::NoTlsAnswer(self.timeout),
            problem => problem,
        };
        let failure = limiter_error(problem, error);
        if failure.is_outage() {
            if let Some(generation) = generation {
                self.connector.discard(generation);
            }
            Err(Failure::Outage(failure))
        } else {
            Err(Failure::Misconfigured(failure))
        }
    }

    /// The exchange ran out of time: the call's deadline came first (Redis may be fine), or Redis
    /// did not answer within its timeout. Its connection is then dropped, since whatever is
    /// queued on it waits behind the stall.
    fn no_answer(&self, give_up: Instant, deadline: Instant, generation: Option<u64>) -> Failure {
        if give_up == deadline {
            return Failure::Deadline;
        }
        let problem = match generation {
            Some(generation) => {
                self.connector.discard(generation);
                LimiterProblem::NoAnswer(self.timeout)
            }
            // Still opening the connection: for TLS, the handshake went unanswered.
            None if self.tls => LimiterProblem::NoTlsAnswer(self.timeout),
            None => LimiterProblem::NoAnswer(self.timeout),
        };
        Failure::Outage(RateLimiterError::new(problem, None))
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
