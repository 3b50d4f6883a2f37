//! [`ClientBuilder`]: every option of a [`Client`], checked once when it is built.

use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::SecretString;

use crate::Error;
use crate::auth::{Auth, LinkedAccount};
use crate::client::{Client, Shared};
use crate::rate_limit::{Limiter, LocalLimiter, RateLimit};
use crate::redact::without_userinfo;
use crate::retry::RetryPolicy;
use crate::session_cache::SessionCache;

/// Refold's documented API origin, used when no base URL is configured.
pub const DEFAULT_BASE_URL: &str = "https://app.refold.ai";
/// The default whole-call timeout, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on a reply body.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// An HTTP client of your own for [`ClientBuilder::http_client`]: a `reqwest::Client` built
/// from the re-exported `refold::reqwest`, so its version always matches refold's.
///
/// A named wrapper rather than `reqwest::Client` itself, so the builder's signature reads
/// `impl Into<HttpClient>` and never shows a bare `Client` that is really reqwest's; any
/// `refold::reqwest::Client` converts into it.
///
/// ```
/// # extern crate refold_core as refold;
/// let http = refold::reqwest::Client::builder()
///     .redirect(refold::reqwest::redirect::Policy::none())
///     .build()?;
/// let client = refold::Client::builder().api_key("tk_example").http_client(http).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct HttpClient(reqwest::Client);

impl From<reqwest::Client> for HttpClient {
    fn from(client: reqwest::Client) -> Self {
        HttpClient(client)
    }
}

/// The environment variables [`Client::from_env`] reads.
pub mod env {
    /// The org API key (`pk…` in production, `tk…` for test keys).
    pub const API_KEY: &str = "REFOLD_API_KEY";
    /// The linked account (your customer) to act for, with the API key.
    pub const LINKED_ACCOUNT_ID: &str = "REFOLD_LINKED_ACCOUNT_ID";
    /// A session token, instead of the API key.
    pub const SESSION_TOKEN: &str = "REFOLD_SESSION_TOKEN";
    /// The API origin, for on-premise installs or the emulator.
    pub const BASE_URL: &str = "REFOLD_BASE_URL";
    /// The Redis that shares the rate limit across replicas (feature `redis`), as for
    /// `ClientBuilder::redis_rate_limit`.
    pub const REDIS_URL: &str = "REFOLD_REDIS_URL";
}

/// Configures a [`Client`]. Every option has a sensible default except the credentials:
/// set an API key (with a linked account, now or later through
/// [`Client::for_linked_account`]) or a session token, not both.
///
/// ```
/// # extern crate refold_core as refold;
/// use std::time::Duration;
/// use refold::Client;
///
/// let client = Client::builder()
///     .api_key("tk_example_key")
///     .linked_account_id("ada@example.com")
///     .base_url("https://refold.internal.example/backend")
///     .timeout(Duration::from_secs(20))
///     .connect_timeout(Duration::from_secs(3))
///     .build()?;
/// assert_eq!(client.base_url(), "https://refold.internal.example/backend");
/// # Ok::<(), refold::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    linked_account_id: Option<String>,
    session_token: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_response_bytes: Option<u64>,
    rate_limit: Option<RateLimit>,
    managed_session_tokens: bool,
    #[cfg(feature = "redis")]
    redis: crate::rate_limit::RedisSettings,
}

// Here rather than in `client.rs`, so that the builder depends on the client and not the other
// way round.
impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from `REFOLD_API_KEY`, `REFOLD_LINKED_ACCOUNT_ID`,
    /// `REFOLD_SESSION_TOKEN` and `REFOLD_BASE_URL` (see [`ClientBuilder::from_env`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the variables hold no credential or contradictory ones, or a
    /// value [`ClientBuilder::build`] refuses.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// let client = refold::Client::from_env()?;
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }
}

impl ClientBuilder {
    /// A builder preset from the `REFOLD_*` environment variables; see
    /// [`ClientBuilder::from_lookup`] for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] as for [`ClientBuilder::from_lookup`].
    pub fn from_env() -> Result<ClientBuilder, Error> {
        ClientBuilder::from_os_lookup(|name| std::env::var_os(name))
    }

    /// [`ClientBuilder::from_lookup`] over values as the environment holds them: one that is not
    /// UTF-8 is refused, naming its variable, rather than taken as unset (which would report
    /// missing credentials that are in fact set).
    fn from_os_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<ClientBuilder, Error> {
        for name in [
            env::API_KEY,
            env::LINKED_ACCOUNT_ID,
            env::SESSION_TOKEN,
            env::BASE_URL,
            env::REDIS_URL,
        ] {
            if lookup(name).is_some_and(|value| value.to_str().is_none()) {
                return Err(Error::config(format!(
                    "{name} is set, but its value is not valid UTF-8, so it cannot be used: set it again as plain text"
                )));
            }
        }
        ClientBuilder::from_lookup(|name| lookup(name).and_then(|value| value.into_string().ok()))
    }

    /// A builder preset from variables found by `lookup` (for `REFOLD_API_KEY`,
    /// `REFOLD_LINKED_ACCOUNT_ID`, `REFOLD_SESSION_TOKEN`, `REFOLD_BASE_URL`,
    /// `REFOLD_REDIS_URL`). Empty values count as unset. Exactly one credential must be
    /// present: the API key (with or without a linked account) or the session token; anything
    /// else is an [`Error::Config`] naming the variables to set or unset. `REFOLD_REDIS_URL`
    /// turns on the shared rate limit, as `redis_rate_limit` does (feature `redis`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no credential is set, when both are, when a session token
    /// comes with a linked account id, or when `REFOLD_REDIS_URL` is set but refold was built
    /// without its `redis` feature (the limit would silently stay per process).
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use std::collections::HashMap;
    /// use refold::ClientBuilder;
    ///
    /// let vars = HashMap::from([("REFOLD_API_KEY", "tk_example"), ("REFOLD_LINKED_ACCOUNT_ID", "ada@example.com")]);
    /// let client = ClientBuilder::from_lookup(|name| vars.get(name).map(|v| v.to_string()))?.build()?;
    /// assert_eq!(client.linked_account_id(), Some("ada@example.com"));
    ///
    /// let none = ClientBuilder::from_lookup(|_| None).unwrap_err();
    /// assert!(none.to_string().contains("REFOLD_API_KEY"));
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let get = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let api_key = get(env::API_KEY);
        let linked_account_id = get(env::LINKED_ACCOUNT_ID);
        let session_token = get(env::SESSION_TOKEN);
        let mut builder = ClientBuilder::default();
        match (api_key, session_token) {
            (Some(_), Some(_)) => {
                return Err(Error::config(format!(
                    "both {} and {} are set; a request uses exactly one credential, so unset one of them",
                    env::API_KEY,
                    env::SESSION_TOKEN
                )));
            }
            (None, None) => {
                return Err(Error::config(format!(
                    "no credentials in the environment: set {} (and {}) or {}",
                    env::API_KEY,
                    env::LINKED_ACCOUNT_ID,
                    env::SESSION_TOKEN
                )));
            }
            (Some(key), None) => builder = builder.api_key(key),
            (None, Some(token)) => {
                if linked_account_id.is_some() {
                    return Err(Error::config(format!(
                        "{} is set with {}; a session token already names its linked account, so unset {}",
                        env::LINKED_ACCOUNT_ID,
                        env::SESSION_TOKEN,
                        env::LINKED_ACCOUNT_ID
                    )));
                }
                builder = builder.session_token(token);
            }
        }
        if let Some(id) = linked_account_id {
            builder = builder.linked_account_id(id);
        }
        if let Some(base_url) = get(env::BASE_URL) {
            builder = builder.base_url(base_url);
        }
        if let Some(redis_url) = get(env::REDIS_URL) {
            #[cfg(feature = "redis")]
            {
                builder = builder.redis_rate_limit(redis_url);
            }
            #[cfg(not(feature = "redis"))]
            {
                drop(redis_url);
                return Err(Error::config(format!(
                    "{} is set, but refold was built without its `redis` feature, so the rate limit would not be shared: \
                     enable it (refold-sdk = {{ version = \"…\", features = [\"redis\"] }}) or unset {}",
                    env::REDIS_URL,
                    env::REDIS_URL
                )));
            }
        }
        Ok(builder)
    }

    /// The org API key, sent as `x-api-key`. Held as a secret; never printed.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The linked account (your customer) to act for, sent as `linked_account_id` with the
    /// API key.
    pub fn linked_account_id(mut self, id: impl Into<String>) -> Self {
        self.linked_account_id = Some(id.into());
        self
    }

    /// A session token, sent as `Authorization: Bearer …`, instead of the API key.
    pub fn session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(SecretString::from(token.into()));
        self
    }

    /// The API origin, optionally with a path prefix (`https://host/backend`). Defaults to
    /// [`DEFAULT_BASE_URL`]. Must be `https`, except for loopback hosts (`127.0.0.0/8`,
    /// `localhost`, `[::1]`) or with [`ClientBuilder::allow_insecure_http`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The whole-call timeout, retries and their pauses included. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time allowed to open a connection. Default 10 s. Ignored with
    /// [`ClientBuilder::http_client`], whose own settings apply.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How failed calls are retried. Default [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The `User-Agent` header. Default `refold-rs/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Uses your own HTTP client (proxies, TLS roots, pool settings): a `reqwest::Client`
    /// built from the re-exported `refold::reqwest`, so the versions match (see
    /// [`HttpClient`]).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: a client that follows
    /// redirects could carry the `x-api-key` header to another origin (reqwest strips only
    /// `Authorization` and cookies when it follows one). The default client never follows
    /// redirects; with yours, a reply that arrives from a URL other than the one requested is
    /// refused as [`Error::Redirect`], but by then the request has been sent on.
    pub fn http_client(mut self, client: impl Into<HttpClient>) -> Self {
        self.http_client = Some(client.into().0);
        self
    }

    /// Allows a plain `http` base URL on a non-loopback host. Credentials then travel
    /// unencrypted: only for trusted private networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The largest reply body accepted, in bytes. Default 32 MiB. A larger reply is
    /// [`Error::BodyTooLarge`] and is never buffered past the cap.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Limits the request rate per linked account on the client side: a call waits for its
    /// slot instead of drawing a 429 (retries take slots too). Off by default;
    /// [`RateLimit::default`] matches Refold's published 20 requests/s with a burst of 5.
    ///
    /// Callers are admitted in the order they arrive: each takes the next free slot (GCRA)
    /// and sleeps until it, so none is overtaken by later callers. A call accepts a slot only
    /// within the first three quarters of the time left before its deadline, keeping the rest
    /// for the request; when the next free slot comes later, the call fails at once with
    /// [`Error::Timeout`] (nothing sent, not retried, [`TimeoutError::rate_limit_wait`](crate::TimeoutError::rate_limit_wait)
    /// says how far away the slot was) and takes no slot, so under overload the admitted calls
    /// still use the whole quota. Buckets of idle accounts are dropped, so memory follows the
    /// active accounts. The buckets are this process's own; to share the quota between
    /// replicas, add `redis_rate_limit` (feature `redis`).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Shares the quota set with [`ClientBuilder::rate_limit`] (or [`RateLimit::default`]
    /// when none is set) between every client using this Redis with the same credentials:
    /// all replicas of a service then draw from one bucket per linked account, as Refold
    /// counts them. Feature `redis`; also set by `REFOLD_REDIS_URL` through
    /// [`ClientBuilder::from_env`].
    ///
    /// `url` is a Redis URL (`redis://[user:password@]host[:port][/db]`, `rediss://…` for TLS,
    /// or `redis+unix:///path`); Redis 5 or later (or Valkey). For TLS with a private CA, add
    /// [`ClientBuilder::redis_root_certificate`]; for a Redis Cluster, use
    /// [`ClientBuilder::redis_cluster_rate_limit`] instead. Nothing connects in `build()`: the
    /// connection opens on the first call, is shared by every handle of the client, and is
    /// reopened by the next call after a failure.
    ///
    /// Each acquisition is one round trip running a Lua script: GCRA, the same rule as the
    /// in-process limiter, on Redis's clock. A call reserves the next free slot only if it
    /// starts before the call's deadline, then sleeps until it; callers are admitted in the
    /// order Redis receives them. A call whose slot would come later fails at once with
    /// [`Error::Timeout`] ([`TimeoutError::rate_limit_wait`](crate::TimeoutError::rate_limit_wait)
    /// says how far away the slot was), reserves nothing and is not retried, so under overload
    /// the admitted calls keep the whole quota. The deadline is sent on Redis's clock, learnt
    /// from each reply (the replicas' clocks need not agree with Redis's, only run at the same
    /// rate), and so is the instant the call stops waiting for the reply: a command that ran
    /// late, queued while Redis was frozen, reserves nothing.
    ///
    /// One slot of the burst is kept in reserve (bursts of `burst - 1` at once, when the burst
    /// is above 1) to absorb the network jitter between the replicas and Refold; the sustained
    /// rate is the full quota. Keys are SHA-256 digests of the credential and the linked account
    /// (neither is stored) and expire once the account is idle. When Redis is down or silent
    /// (no answer within [`ClientBuilder::redis_timeout`]), calls fall back to the in-process
    /// limiter or fail, as [`ClientBuilder::on_unavailable`] says; when it answers but cannot be
    /// used (authentication failed, not a Redis server, TLS failed), calls fail with
    /// [`Error::RateLimiterMisconfigured`] either way.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use refold::{Client, RateLimit};
    ///
    /// let client = Client::builder()
    ///     .api_key("tk_example")
    ///     .rate_limit(RateLimit::new(20, 5))
    ///     .redis_rate_limit("redis://redis.internal.example:6379/0")
    ///     .build()?; // connects on the first call
    /// # Ok::<(), refold::Error>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis_rate_limit(mut self, url: impl Into<String>) -> Self {
        self.redis.address = crate::rate_limit::RedisAddress::Url(url.into());
        self
    }

    /// Shares the quota as [`ClientBuilder::redis_rate_limit`] does, through a Redis Cluster
    /// (or Valkey cluster, or a managed service's cluster mode): `nodes` are the URLs of one or
    /// more of its nodes (`redis://` or `rediss://`), from which the client learns the others.
    /// Each account's key is sent to the node that holds its slot, and follows it when the
    /// cluster moves it. Feature `redis`.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// let client = refold::Client::builder()
    ///     .api_key("tk_example")
    ///     .redis_cluster_rate_limit(["redis://redis-0.internal.example:6379", "redis://redis-1.internal.example:6379"])
    ///     .build()?; // connects on the first call
    /// # Ok::<(), refold::Error>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis_cluster_rate_limit(mut self, nodes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.redis.address = crate::rate_limit::RedisAddress::Cluster(nodes.into_iter().map(Into::into).collect());
        self
    }

    /// How long the shared rate limiter waits for Redis (connecting included) before it counts
    /// as unavailable. Default [`DEFAULT_REDIS_TIMEOUT`](crate::DEFAULT_REDIS_TIMEOUT), 250 ms:
    /// far above a healthy round trip, short enough that an outage delays a call only a little.
    /// Raise it for a Redis far away. Feature `redis`.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use std::time::Duration;
    ///
    /// let client = refold::Client::builder()
    ///     .api_key("tk_example")
    ///     .redis_rate_limit("rediss://redis.other-region.example:6380")
    ///     .redis_timeout(Duration::from_millis(800))
    ///     .build()?;
    /// # Ok::<(), refold::Error>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis_timeout(mut self, timeout: Duration) -> Self {
        self.redis.timeout = Some(timeout);
        self
    }

    /// Trusts the CA certificates in `pem` (PEM text, one or more) for the shared rate limiter's
    /// `rediss://` connection, instead of the system's trust store: for a Redis whose
    /// certificate a private CA signed. Feature `redis`.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// let ca = std::fs::read("/etc/redis/ca.pem").expect("the CA certificate");
    /// let client = refold::Client::builder()
    ///     .api_key("tk_example")
    ///     .redis_rate_limit("rediss://redis.internal.example:6380")
    ///     .redis_root_certificate(ca)
    ///     .build()?;
    /// # Ok::<(), refold::Error>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.redis.root_certificate = Some(pem.into());
        self
    }

    /// Authenticates the shared rate limiter's `rediss://` connection with a client
    /// certificate (mutual TLS): `certificate_pem` holds the certificate chain, `key_pem` its
    /// private key, both PEM text. The key is held as a secret. Feature `redis`.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// let client = refold::Client::builder()
    ///     .api_key("tk_example")
    ///     .redis_rate_limit("rediss://redis.internal.example:6380")
    ///     .redis_client_certificate(std::fs::read("client.pem")?, std::fs::read("client.key")?)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis_client_certificate(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.redis.client_certificate = Some((certificate_pem.into(), key_pem.into().into()));
        self
    }

    /// What the shared rate limiter does while Redis cannot be reached: fall back to the
    /// in-process limiter (the default) or fail each call without sending it. Feature
    /// `redis`; see [`OnUnavailable`](crate::OnUnavailable).
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use refold::{Client, OnUnavailable};
    ///
    /// let strict = Client::builder()
    ///     .api_key("tk_example")
    ///     .redis_rate_limit("redis://redis.internal.example:6379")
    ///     .on_unavailable(OnUnavailable::FailClosed)
    ///     .build()?;
    /// # Ok::<(), refold::Error>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn on_unavailable(mut self, policy: crate::OnUnavailable) -> Self {
        self.redis.on_unavailable = policy;
        self
    }

    /// With an API key: act for linked accounts through session tokens the client mints and
    /// caches itself, one per account, reused until shortly before expiry and refreshed by a
    /// single request however many calls need it. A call refused with 401 (a token expired or
    /// revoked early) mints a fresh token once and is tried again. The API key itself is then
    /// only sent to mint tokens.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// let client = refold::Client::builder()
    ///     .api_key("tk_example")
    ///     .managed_session_tokens(true)
    ///     .build()?;
    /// let ada = client.for_linked_account("ada@example.com"); // mints on its first call
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn managed_session_tokens(mut self, enabled: bool) -> Self {
        self.managed_session_tokens = enabled;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for missing or contradictory credentials, a base URL that is not an
    /// `https` URL (plain `http` is allowed on loopback or with
    /// [`ClientBuilder::allow_insecure_http`]), a user agent HTTP cannot carry, a zero
    /// [`RateLimit`], a Redis URL that does not parse, a zero Redis timeout, or Redis
    /// certificates that do not parse or come with a URL that does not use TLS;
    /// [`Error::InvalidRequest`] for an API key or linked account id HTTP headers cannot carry.
    pub fn build(self) -> Result<Client, Error> {
        let limiter = self.rate_limit.map(LocalLimiter::new).transpose()?.map(Limiter::Local);
        #[cfg(feature = "redis")]
        let limiter = self.redis.limiter(
            self.rate_limit,
            self.api_key.as_ref().or(self.session_token.as_ref()),
            limiter,
        )?;
        let linked_account = self.linked_account_id.as_deref().map(LinkedAccount::new);
        if let Some(account) = &linked_account {
            account.header()?;
        }
        let auth = match (self.api_key, self.session_token) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "both an API key and a session token are set; a request uses exactly one: \
                     drop .session_token(..) or .api_key(..) (or unset REFOLD_SESSION_TOKEN or REFOLD_API_KEY)",
                ));
            }
            (None, None) => {
                return Err(Error::config(
                    "no credentials: call .api_key(..) with .linked_account_id(..), or .session_token(..) \
                     (or set REFOLD_API_KEY and REFOLD_LINKED_ACCOUNT_ID, or REFOLD_SESSION_TOKEN)",
                ));
            }
            (Some(key), None) => Auth::api_key(&key, linked_account, self.managed_session_tokens)?,
            (None, Some(token)) => {
                if linked_account.is_some() {
                    return Err(Error::config(
                        "a session token already names its linked account: drop .linked_account_id(..) \
                         (or unset REFOLD_LINKED_ACCOUNT_ID)",
                    ));
                }
                if self.managed_session_tokens {
                    return Err(Error::config(
                        "managed session tokens are minted with the API key: use .api_key(..) instead of .session_token(..)",
                    ));
                }
                Auth::session_token(&token)?
            }
        };
        let base_url = checked_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let user_agent = match self.user_agent {
            Some(agent) => user_agent_header(&agent)?,
            None => HeaderValue::from_static(concat!("refold-rs/", env!("CARGO_PKG_VERSION"))),
        };
        let custom_http_client = self.http_client.is_some();
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .redirect(reqwest::redirect::Policy::none())
                .tcp_nodelay(true)
                .build()
                .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Client::from_parts(
            Arc::new(Shared {
                http,
                base_url,
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                retry_policy: self.retry_policy.unwrap_or_default(),
                user_agent,
                max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                limiter,
                sessions: SessionCache::default(),
                custom_http_client,
            }),
            auth,
        ))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |set: bool| if set { Some("[REDACTED]") } else { None };
        f.debug_struct("ClientBuilder")
            .field("api_key", &redact(self.api_key.is_some()))
            .field("linked_account_id", &self.linked_account_id)
            .field("session_token", &redact(self.session_token.is_some()))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

/// Validates a base URL and normalizes it to have no trailing slash, so joining it with an
/// endpoint path (which starts with `/`) never doubles or drops a slash.
fn checked_base_url(input: &str, allow_insecure_http: bool) -> Result<String, Error> {
    // Errors echo the URL without any user info it carries: that part may hold a password.
    let shown = without_userinfo(input);
    let raw = shown.as_str();
    let url = reqwest::Url::parse(input.trim()).map_err(|e| {
        Error::config(format!(
            "the base URL {raw:?} is not a valid URL ({e}); write it like {DEFAULT_BASE_URL}"
        ))
    })?;
    let host = url.host_str().ok_or_else(|| {
        Error::config(format!(
            "the base URL {raw:?} has no host; write it like {DEFAULT_BASE_URL}"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "the base URL must not carry a user name or password; use .api_key(..)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the base URL {raw:?} must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => {
            return Err(Error::config(format!(
                "the base URL {raw:?} uses plain http on a non-loopback host, which would send the API key unencrypted; \
                 use https, or .allow_insecure_http(true) on a trusted network"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "the base URL {raw:?} has scheme {other:?}; use https"
            )));
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A `User-Agent` may hold spaces, but nothing else outside visible ASCII.
fn user_agent_header(agent: &str) -> Result<HeaderValue, Error> {
    if agent.is_empty() || !agent.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(Error::config(
            "the user agent must be non-empty printable ASCII (no control characters or non-ASCII)",
        ));
    }
    HeaderValue::from_str(agent).map_err(|_| Error::config("the user agent is not a valid header value"))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_errors_never_echo_a_password() {
        for url in [
            "ftp://user:hunter2@host",
            "http://user:hunter2@example.com/x",
            "https://:hunter2@/",
        ] {
            let error = checked_base_url(url, false).expect_err("must be refused");
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_utf8_is_named_as_such() {
        use std::os::unix::ffi::OsStringExt;

        let not_utf8 = || OsString::from_vec(b"tk_\xff\xfe".to_vec());
        let error = ClientBuilder::from_os_lookup(|name| (name == env::API_KEY).then(not_utf8)).unwrap_err();
        let line = error.to_string();
        assert!(
            line.contains("REFOLD_API_KEY") && line.contains("not valid UTF-8"),
            "{line}"
        );
        assert!(!line.contains("no credentials"), "{line}");

        let fine = |name: &str| (name == env::API_KEY).then(|| OsString::from("tk_example"));
        assert!(ClientBuilder::from_os_lookup(fine).is_ok());
    }
}
