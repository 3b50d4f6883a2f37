//! The one error type of the SDK, and how each failure is classified.

use std::fmt;
use std::time::Duration;

use crate::NodeStatus;

/// Everything that can go wrong when talking to Refold.
///
/// Match on [`Error::kind`] to learn where a failure came from (the app, Refold, the transport
/// or the configuration), or on the variants for the evidence each one carries.
/// [`Error::may_have_executed`] and [`Error::is_retryable`] answer the two questions a
/// production caller has after a failed write: "could it have happened anyway?" and "may I try
/// again?". [`Error::app_status`], [`Error::is_conflict`] and [`Error::is_not_found`] read the
/// app's own answer.
///
/// `Display` is one line saying what happened and what to do, with Refold's request id when
/// there is one. A lower-level cause (the HTTP client's error, a JSON error, the failed token
/// mint) is not repeated in that line: it is [`source()`](std::error::Error::source), so
/// `anyhow`'s `{:#}` or a tracing error chain shows each cause exactly once. No variant ever
/// holds an API key or a session token.
///
/// The variants with named fields are `#[non_exhaustive]`: match them with `..`. Only the
/// client creates errors.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{Error, ErrorKind};
///
/// let err: Error = refold::validate_identifier("slug", "HubSpot").unwrap_err();
/// assert!(matches!(err, Error::InvalidRequest { .. }));
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert!(!err.may_have_executed());
/// assert!(!err.is_retryable());
/// assert!(err.to_string().contains("nothing was sent"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is configured wrongly (missing or contradictory credentials, a bad base URL).
    #[error("refold client configuration: {message}")]
    #[non_exhaustive]
    Config {
        /// What is wrong and which option or `REFOLD_*` variable fixes it.
        message: String,
    },

    /// The request was refused locally before anything was sent (an invalid slug or action id,
    /// a header value HTTP cannot carry, parameters that do not serialize to a JSON object, or
    /// a bulk run's before-send hook that failed: see [`Client::execute_all_with_hook`](crate::Client::execute_all_with_hook)).
    #[error("invalid request, nothing was sent: {message}")]
    #[non_exhaustive]
    InvalidRequest {
        /// What is wrong with the request.
        message: String,
    },

    /// Refold (or a proxy in front of it) answered with a 4xx or 5xx status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// Refold reached the app, but the app or the action failed (`node_status` is not
    /// `Success`), inside a 200 reply. Carries the app's own status and reply; see
    /// [`Error::app_status`], [`Error::is_conflict`] and [`Error::is_not_found`].
    #[error("{}", action_failed_line(node_status, http_status, request_id))]
    #[non_exhaustive]
    ActionFailed {
        /// The `node_status` Refold reported.
        node_status: NodeStatus,
        /// The HTTP status the app returned, when reported (409 for a duplicate, 404 for a miss).
        http_status: Option<u16>,
        /// The app's raw reply.
        data: serde_json::Value,
        /// Refold's request id, when known.
        request_id: Option<String>,
    },

    /// The connection could not be established (refused, DNS, TLS). Nothing was sent, so the
    /// action did not run. The HTTP client's own error is the `source`.
    #[error("could not connect to Refold, so nothing was sent: check the base URL and the network")]
    #[non_exhaustive]
    Connect {
        /// What the HTTP client reported; its `source()` is the `reqwest::Error`.
        source: TransportError,
    },

    /// The connection failed after the request may have been sent (reset, closed before the
    /// reply, a broken reply stream). The action may have run. The HTTP client's own error is
    /// the `source`.
    #[error(
        "the connection to Refold failed after the request was sent, so the action may have run: check before repeating a write"
    )]
    #[non_exhaustive]
    Transport {
        /// What the HTTP client reported; its `source()` is the `reqwest::Error`.
        source: TransportError,
    },

    /// The call did not finish within its timeout (the client's
    /// [`timeout`](crate::ClientBuilder::timeout), or the one set on the call).
    #[error("{0}")]
    Timeout(TimeoutError),

    /// A 2xx reply that could not be decoded (truncated JSON, an HTML page, an empty body, or a
    /// `data` field that does not fit the action's output type). The action did run.
    // Transparent, so `source()` reaches the serde error instead of stopping here.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// Refold answered with a redirect. Redirects are never followed, so credentials cannot leak
    /// to another origin.
    #[error("{}", redirect_line(*status, location.as_deref()))]
    #[non_exhaustive]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },

    /// A managed session token could not be minted, so the call itself was never sent.
    /// `source` is the mint's own error (its status, code, request id and hint).
    ///
    /// Its [`kind`](Error::kind), [`status`](Error::status) and
    /// [`request_id`](Error::request_id) are the mint's: [`ErrorKind::Refold`] when Refold
    /// refused the mint (for example a linked account it does not know),
    /// [`ErrorKind::Transport`] when it could not be reached.
    #[error("could not mint a session token for the call, so the call was not sent")]
    #[non_exhaustive]
    SessionMint {
        /// Why minting failed.
        source: Box<Error>,
    },

    /// The reply body was larger than the configured cap and was not read further.
    #[error(
        "the reply of status {status} exceeded the {limit}-byte cap and was abandoned; raise ClientBuilder::max_response_bytes if such replies are expected"
    )]
    #[non_exhaustive]
    BodyTooLarge {
        /// The reply's status.
        status: u16,
        /// The cap in bytes.
        limit: u64,
    },

    /// The shared rate limiter's Redis could not be reached or did not answer in time, and the
    /// client is set to fail closed ([`OnUnavailable::FailClosed`](crate::OnUnavailable::FailClosed)), so
    /// the call was not sent. `source` says what failed (its own `source()` is the Redis
    /// client's error, when there is one). Retrying later is safe.
    #[error(
        "the shared rate limiter's Redis is unreachable, so nothing was sent: check that Redis is up and REFOLD_REDIS_URL, or let calls fall back to the in-process limiter (OnUnavailable::FallBackToLocal)"
    )]
    #[non_exhaustive]
    RateLimiterUnavailable {
        /// What failed: the connection, the script, or the wait for an answer.
        source: RateLimiterError,
    },

    /// The shared rate limiter's Redis answered, but the client cannot use it: it refused the
    /// password, it has no such database, the server is not a Redis server, or the TLS handshake
    /// failed. A configuration mistake rather than an outage, so calls fail with this error under
    /// both [`OnUnavailable`](crate::OnUnavailable) policies (falling back would hide it for
    /// good), and nothing is sent. `source` names the cause; its own `source()` is the Redis
    /// client's error. The client tries Redis again on the next call, so a fix on the server's
    /// side takes effect without a restart.
    #[error("{}", misconfigured_line(source))]
    #[non_exhaustive]
    RateLimiterMisconfigured {
        /// What Redis, or the connection to it, refused.
        source: RateLimiterError,
    },
}

fn misconfigured_line(source: &RateLimiterError) -> String {
    let (cause, advice) = match source.problem {
        LimiterProblem::AuthenticationFailed => (
            "authentication failed",
            "check the user name and password in the Redis URL",
        ),
        LimiterProblem::NoSuchDatabase => (
            "no such database",
            "check the database number at the end of the Redis URL",
        ),
        LimiterProblem::NotRedis => ("not a Redis server", "check the host and port of the Redis URL"),
        LimiterProblem::Tls => (
            "TLS failed",
            "check the URL's scheme (rediss:// for TLS), the host name the certificate names, and \
             ClientBuilder::redis_root_certificate for a private CA",
        ),
        _ => (
            "Redis refused the rate-limit script",
            "check that the Redis user may run EVALSHA and SCRIPT LOAD on refold:rate-limit:* keys, \
             on a primary",
        ),
    };
    format!(
        "the shared rate limiter cannot use its Redis ({cause}), so nothing was sent: {advice} \
         (ClientBuilder::redis_rate_limit or REFOLD_REDIS_URL)"
    )
}

fn redirect_line(status: u16, location: Option<&str>) -> String {
    let target = match location {
        Some(location) => format!("redirecting to {}", one_line(location)),
        None => "without a Location header".to_owned(),
    };
    format!(
        "Refold answered {status} {target}; redirects are not followed (credentials must not leave the configured origin): check the base URL"
    )
}

fn action_failed_line(status: &NodeStatus, http_status: &Option<u16>, request_id: &Option<String>) -> String {
    let app = match http_status {
        Some(code) => format!(" with app status {code}"),
        None => String::new(),
    };
    let advice = if *http_status == Some(401) {
        "the app refused the linked account's credentials: its connection is missing or expired, \
         so check `client.apps().get(slug)` and send the customer a Connect URL"
    } else {
        "inspect the error's `data` for the app's reason (a 409 means the record exists, a 404 that it does not)"
    };
    format!(
        "the app reported {status}{app}; {advice}{}",
        request_id_suffix(request_id.as_deref())
    )
}

/// What the HTTP client (reqwest) reported for a failed exchange.
///
/// Opaque on purpose, so refold's public API does not change with reqwest's error type. Its
/// `Display` names the stage that failed; [`source()`](std::error::Error::source) is the
/// [`reqwest::Error`] itself (downcast it when you need reqwest's details).
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) {
/// if let Err(refold::Error::Connect { source, .. }) = client.list_actions("hubspot").await {
///     let cause = std::error::Error::source(&source).and_then(|e| e.downcast_ref::<refold::reqwest::Error>());
///     println!("reqwest says {cause:?}");
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct TransportError {
    inner: reqwest::Error,
    idempotent: bool,
}

impl TransportError {
    pub(crate) fn new(inner: reqwest::Error, idempotent: bool) -> Self {
        TransportError { inner, idempotent }
    }

    fn stage(&self) -> &'static str {
        if self.inner.is_connect() {
            "opening the connection"
        } else if self.inner.is_timeout() {
            "waiting, when the HTTP client's own timeout expired"
        } else if self.inner.is_body() || self.inner.is_decode() {
            "reading the reply body"
        } else if self.inner.is_request() {
            "sending the request"
        } else {
            "exchanging the request and reply"
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the HTTP client failed while {}", self.stage())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}

/// Why the shared rate limiter's Redis could not grant a slot, in
/// [`Error::RateLimiterUnavailable`] (unreachable, no answer in time) or
/// [`Error::RateLimiterMisconfigured`] (authentication failed, no such database, not a Redis
/// server, TLS failed, the script refused).
///
/// Opaque on purpose, so refold's public API does not change with the Redis client's error
/// type. Its `Display` names what failed; [`source()`](std::error::Error::source) carries the
/// Redis client's own error message when there is one (none when Redis did not answer in time).
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) {
/// if let Err(refold::Error::RateLimiterUnavailable { source, .. }) = client.list_actions("hubspot").await {
///     eprintln!("the shared limiter failed: {source}");
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct RateLimiterError {
    problem: LimiterProblem,
    inner: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong between the shared rate limiter and its Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum LimiterProblem {
    /// The connection could not be opened or broke (refused, reset, DNS).
    Unreachable,
    /// A plain connection was reset while it was being set up, which is what a TLS port does
    /// to a client that does not speak TLS (and what a failing server or proxy may do too).
    ResetWhileConnecting,
    /// No answer within the configured Redis timeout.
    NoAnswer(Duration),
    /// No answer to the TLS handshake within the configured Redis timeout, which is what a
    /// plain port does to a TLS client (and what a stalled server does too).
    NoTlsAnswer(Duration),
    /// Redis refused the user name or password (or wanted one).
    AuthenticationFailed,
    /// Redis refused to select the URL's database.
    NoSuchDatabase,
    /// Whatever answered does not speak the Redis protocol.
    NotRedis,
    /// The TLS handshake failed (an untrusted or mismatched certificate, a server without TLS).
    Tls,
    /// Redis refused the script itself (permissions, a replica, an unknown command).
    ScriptRefused,
}

impl RateLimiterError {
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn new(problem: LimiterProblem, inner: Option<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        RateLimiterError { problem, inner }
    }

    /// Whether this is an outage (unreachable, no answer), which falls back or fails closed as
    /// configured, rather than a configuration mistake, which fails every call.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn is_outage(&self) -> bool {
        matches!(
            self.problem,
            LimiterProblem::Unreachable
                | LimiterProblem::ResetWhileConnecting
                | LimiterProblem::NoAnswer(_)
                | LimiterProblem::NoTlsAnswer(_)
        )
    }
}

impl fmt::Display for RateLimiterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem {
            LimiterProblem::Unreachable => f.write_str("the shared rate limiter could not reach Redis"),
            LimiterProblem::ResetWhileConnecting => f.write_str(
                "Redis closed the shared rate limiter's connection before it was set up \
                 (a port that expects TLS does this: its URL must start with rediss://)",
            ),
            LimiterProblem::NoTlsAnswer(timeout) => write!(
                f,
                "the shared rate limiter's Redis did not answer the TLS handshake within {} ms \
                 (a port without TLS does this: its URL must start with redis://; ClientBuilder::redis_timeout)",
                timeout.as_millis()
            ),
            LimiterProblem::NoAnswer(timeout) => write!(
                f,
                "the shared rate limiter's Redis did not answer within {} ms (ClientBuilder::redis_timeout)",
                timeout.as_millis()
            ),
            LimiterProblem::AuthenticationFailed => {
                f.write_str("Redis refused the shared rate limiter's user name or password")
            }
            LimiterProblem::NoSuchDatabase => f.write_str("Redis refused to select the Redis URL's database"),
            LimiterProblem::NotRedis => {
                f.write_str("the server at the Redis URL's address does not speak the Redis protocol")
            }
            LimiterProblem::Tls => f.write_str("the TLS handshake with the shared rate limiter's Redis failed"),
            LimiterProblem::ScriptRefused => f.write_str("Redis refused to run the rate-limit script"),
        }
    }
}

impl std::error::Error for RateLimiterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .as_deref()
            .map(|inner| inner as &(dyn std::error::Error + 'static))
    }
}

/// A call that ran out of time: how long it ran, and whether a request may have reached
/// Refold before the deadline.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) {
/// if let Err(refold::Error::Timeout(timeout)) = client.list_actions("hubspot").await {
///     println!("gave up after {:?}; sent: {}", timeout.elapsed(), timeout.may_have_sent());
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeoutError {
    pub(crate) elapsed: Duration,
    pub(crate) may_have_sent: bool,
    pub(crate) idempotent: bool,
    pub(crate) rate_limit_wait: Option<Duration>,
}

impl TimeoutError {
    /// How long the call ran before it was abandoned.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether a request may already have reached Refold when time ran out. False when the
    /// call was still waiting for the client-side rate limiter or had not started sending.
    pub fn may_have_sent(&self) -> bool {
        self.may_have_sent
    }

    /// When the client-side rate limiter refused the call because its next free slot lay past
    /// the call's deadline: how far away that slot was. Nothing was sent, and the refused call
    /// took no slot. A caller under sustained overload can read this to shed load or back off.
    /// `None` for every other timeout.
    pub fn rate_limit_wait(&self) -> Option<Duration> {
        self.rate_limit_wait
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(wait) = self.rate_limit_wait {
            return write!(
                f,
                "the client-side rate limit has no free slot early enough for the call to finish before its deadline \
                 (the next is {:.2}s away, {:.1}s after the call started), so it was refused and nothing was sent; \
                 send fewer calls at once, or raise the timeout (ClientBuilder::timeout, or .timeout(..) on the call) \
                 to let them wait longer",
                wait.as_secs_f64(),
                self.elapsed.as_secs_f64()
            );
        }
        let outcome = if self.may_have_sent {
            "the action may have run: check before repeating a write"
        } else {
            "nothing was sent"
        };
        write!(
            f,
            "the call timed out after {:.1}s; {outcome}; raise the timeout (ClientBuilder::timeout, or .timeout(..) on the call) if the app is slow",
            self.elapsed.as_secs_f64()
        )
    }
}

/// Text from a reply with its control characters (line breaks included) replaced by spaces, so
/// `Display` stays one line and a reply cannot forge extra log lines.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub(crate) fn request_id_suffix(request_id: Option<&str>) -> String {
    match request_id {
        Some(id) => format!(" (request id {})", one_line(id)),
        None => String::new(),
    }
}

/// What a reply means beyond its status, read from the endpoint and the body; it picks the
/// hint `Display` gives and, for a refused mint, the retry class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// Nothing beyond the status.
    Plain,
    /// A 404 that does not name a slug or an action: the path itself is unknown, which means
    /// the base URL (or its path prefix) is wrong.
    UnknownRoute,
    /// A 404 naming the slug or the action: Refold has no such app or action.
    UnknownAction,
    /// Refold's own 500 envelope from the session-token mint: the linked account does not exist
    /// (REFOLD_API.md). Retrying cannot help.
    UnknownLinkedAccount,
    /// A 404 from an endpoint that names a linked account or an app: it does not exist.
    /// [`Error::is_not_found`] is true for it.
    MissingResource,
    /// A 404 from a webhook endpoint that names a webhook by id: it does not exist.
    /// [`Error::is_not_found`] is true for it.
    MissingWebhook,
}

/// A 4xx or 5xx reply, with everything Refold said about it.
///
/// Refold's error envelope is decoded tolerantly: `error_code` or `error`, `http_error_type` or
/// `error_type`, `message` or `error`; every field may be missing. A body that is not a JSON
/// envelope (an HTML 502 from a proxy, an empty 504) keeps its content type and its first
/// 512 bytes in [`ApiError::body_snippet`].
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::ApiError;
///
/// fn explain(err: &ApiError) -> String {
///     format!("{} {:?} {:?}", err.status(), err.error_code(), err.message())
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    pub(crate) status: u16,
    pub(crate) error_code: Option<String>,
    pub(crate) error_type: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) rate_limited: bool,
    pub(crate) content_type: Option<String>,
    pub(crate) body_snippet: Option<String>,
    pub(crate) idempotent: bool,
    pub(crate) meaning: Meaning,
}

impl ApiError {
    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// Refold's `error_code` (or `error` when used as a code), e.g. `VALIDATION_ERROR`.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }
    /// Refold's `http_error_type` (or `error_type`), e.g. `BAD_REQUEST`.
    pub fn error_type(&self) -> Option<&str> {
        self.error_type.as_deref()
    }
    /// Refold's human message (`message`, else `error`).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// Refold's request id, from the body or the `x-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The delay the reply's `Retry-After` header asked for (seconds or an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// Whether this reply is throttling: a 429, or a 403 whose body says it is a rate limit.
    pub fn is_rate_limited(&self) -> bool {
        self.rate_limited
    }
    /// The reply's `Content-Type`, when it had one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
    /// The first 512 bytes of a body that was not a JSON error envelope (lossy UTF-8).
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }

    fn advice(&self) -> &'static str {
        match (self.status, self.meaning) {
            _ if self.rate_limited => "slow down; the client retries throttled calls on its own",
            (_, Meaning::UnknownRoute) => {
                "Refold has no such endpoint: check the base URL and its path prefix (REFOLD_BASE_URL or ClientBuilder::base_url)"
            }
            (_, Meaning::UnknownAction) => "check the slug and action id (Client::list_actions shows what exists)",
            (_, Meaning::MissingResource) => {
                "Refold has no such linked account or app: check the id (client.linked_accounts().list() lists the accounts)"
            }
            (_, Meaning::MissingWebhook) => {
                "Refold has no webhook with this id: check it (client.webhooks().list() lists them)"
            }
            (_, Meaning::UnknownLinkedAccount) => {
                "Refold does not know this linked account: create it or link the customer's app in Refold first, then mint again"
            }
            (400, _) if self.message.is_some() => "fix the parameters the message names",
            (400, _) => "check the parameters against the action's schema",
            (401, _) => "check the API key or session token (the customer may need to reconnect)",
            (403, _) => "the credentials lack access to this app or linked account",
            // Not retryable (`is_retryable` is false): a write may have run before the failure.
            (500..=599, _) if !self.idempotent => {
                "Refold or a proxy failed after receiving the request, so the action may have run: check before repeating a write"
            }
            (500..=599, _) => "Refold or a proxy failed; retry later",
            _ => "see the message above",
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Refold answered {}", self.status)?;
        if let Some(kind) = self.error_type.as_deref() {
            write!(f, " {}", one_line(kind))?;
        }
        if let Some(code) = self.error_code.as_deref() {
            write!(f, "/{}", one_line(code))?;
        }
        if let Some(message) = self.message.as_deref() {
            write!(f, ": {}", one_line(message))?;
        } else if let Some(snippet) = self.body_snippet.as_deref() {
            let content_type = self.content_type.as_deref().unwrap_or("no content type");
            if snippet.is_empty() {
                write!(f, " with an empty body ({content_type})")?;
                return write!(
                    f,
                    "; {}{}",
                    self.advice(),
                    request_id_suffix(self.request_id.as_deref())
                );
            }
            let first_line: String = snippet.chars().take(120).filter(|c| !c.is_control()).collect();
            write!(f, " with an unreadable body ({content_type}): {first_line:?}")?;
        }
        write!(
            f,
            "; {}{}",
            self.advice(),
            request_id_suffix(self.request_id.as_deref())
        )
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("error_code", &self.error_code)
            .field("error_type", &self.error_type)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .field("rate_limited", &self.rate_limited)
            .field("content_type", &self.content_type)
            .field("body_snippet", &self.body_snippet)
            .finish()
    }
}

/// A 2xx reply whose body could not be decoded. Its `source()` is the JSON error.
///
/// Either Refold's reply is not what the endpoint documents (truncated JSON, an HTML page), or
/// an action's `data` does not fit its output type: [`Error::kind`] tells them apart
/// ([`ErrorKind::Refold`] or [`ErrorKind::Output`]), and [`DecodeError::path`] names the value
/// that did not fit.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) {
/// # let params = serde_json::json!({});
/// match client.execute_raw("hubspot", "get_contact", &params).await {
///     Err(refold::Error::Decode(decode)) => eprintln!("{:?} did not decode", decode.path()),
///     _ => {}
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct DecodeError {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body_snippet: String,
    pub(crate) request_id: Option<String>,
    /// The JSON path, from the body's root, of the value that did not fit (`data.properties.email`).
    pub(crate) path: Option<String>,
    /// The output type `data` was decoded into, when that is what failed.
    pub(crate) output_type: Option<&'static str>,
    pub(crate) source: serde_json::Error,
}

impl DecodeError {
    /// The reply's status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The reply's `Content-Type`, when it had one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
    /// The first 512 bytes of the body (lossy UTF-8).
    pub fn body_snippet(&self) -> &str {
        &self.body_snippet
    }
    /// Refold's request id, from the `x-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The JSON path, from the body's root, of the value that was well-formed JSON but did not
    /// fit the type it was decoded into: `data.properties.email`, `data.results[2].id`. `None`
    /// when the body itself is not JSON (truncated, an HTML page) or the whole body is wrong.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # use refold::{Action, Client, Error, ErrorKind};
    /// # #[derive(serde::Serialize)] struct GetContact { email: String }
    /// # #[derive(serde::Deserialize)] struct Contact { id: u64 }
    /// # impl Action for GetContact { const SLUG: &'static str = "hubspot"; const ACTION_ID: &'static str = "get_contact"; type Output = Contact; }
    /// # async fn run(client: Client) {
    /// let action = GetContact { email: "ada@example.com".into() };
    /// if let Err(Error::Decode(decode)) = client.execute(&action).await {
    ///     // HubSpot's ids are strings: "`data.id` … does not fit the output type `Contact`".
    ///     println!("{:?} does not fit", decode.path());
    /// }
    /// # }
    /// ```
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.output_type, self.path.as_deref()) {
            (Some(output_type), path) => write!(
                f,
                "`{}` in Refold's {} reply does not fit the output type `{output_type}`; the action ran: \
                 fix the output type, or decode into serde_json::Value",
                path.unwrap_or("data"),
                self.status,
            )?,
            (None, path) => {
                let content_type = self.content_type.as_deref().unwrap_or("no content type");
                let at = path.map(|path| format!(" at `{path}`")).unwrap_or_default();
                write!(
                    f,
                    "could not decode Refold's {} reply{at} ({content_type}, {} bytes kept); the request reached \
                     Refold, so an action may have run: check before repeating a write",
                    self.status,
                    self.body_snippet.len(),
                )?
            }
        }
        f.write_str(&request_id_suffix(self.request_id.as_deref()))
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Where a failure came from: the app, Refold, the transport, or the configuration.
///
/// For finer decisions read [`Error::retry_class`] (throttled, auth, …), [`Error::status`]
/// (Refold's error status) and [`Error::app_status`] (the app's).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{Error, ErrorKind, RetryClass};
///
/// fn should_reconnect(err: &Error) -> bool {
///     err.kind() == ErrorKind::Refold && err.retry_class() == RetryClass::Auth
/// }
/// let local = refold::validate_identifier("slug", "").unwrap_err();
/// assert_eq!(local.kind(), ErrorKind::Config);
/// assert!(!should_reconnect(&local));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The app behind the action answered with a failure, inside Refold's 200 reply:
    /// [`Error::ActionFailed`].
    App,
    /// Refold, or a proxy in front of it, refused the call or sent a reply the client cannot
    /// use: [`Error::Api`] (4xx, 5xx), [`Error::Redirect`], [`Error::Decode`] of a reply that is
    /// not what the endpoint documents, [`Error::BodyTooLarge`].
    Refold,
    /// The network between the client and Refold or the shared rate limiter's Redis, or the
    /// clock: [`Error::Connect`], [`Error::Transport`], [`Error::Timeout`],
    /// [`Error::RateLimiterUnavailable`].
    Transport,
    /// The client's configuration or the request, refused before anything was sent:
    /// [`Error::Config`], [`Error::InvalidRequest`], [`Error::RateLimiterMisconfigured`].
    Config,
    /// The action ran and Refold's reply was well formed, but its `data` does not fit the
    /// action's output type ([`Action::Output`](crate::Action::Output), `output = …` in
    /// `#[refold_action]`): an [`Error::Decode`] whose [`DecodeError::path`] names the value
    /// that did not fit. Fix the type (or decode into `serde_json::Value`); retrying cannot help.
    Output,
}

impl ErrorKind {
    /// A stable lowercase name for logs and files: `app`, `refold`, `transport`, `config` or
    /// `output`.
    /// Unlike `Debug`, it never changes when a variant is renamed in the code.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use refold::ErrorKind;
    ///
    /// let err = refold::validate_identifier("slug", "Bad Slug").unwrap_err();
    /// assert_eq!(err.kind().as_str(), "config");
    /// assert_eq!(ErrorKind::App.as_str(), "app");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::App => "app",
            ErrorKind::Refold => "refold",
            ErrorKind::Transport => "transport",
            ErrorKind::Config => "config",
            ErrorKind::Output => "output",
        }
    }
}

/// How a failure bears on retrying; the retry loop reads nothing else.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::RetryClass;
///
/// let err = refold::validate_identifier("slug", "bad slug").unwrap_err();
/// assert_eq!(err.retry_class(), RetryClass::Permanent);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// Refold throttled the call and did not run it: retry after a pause.
    Throttled,
    /// The call certainly did not reach Refold (connect failure, the shared rate limiter
    /// unreachable): retry.
    Transient,
    /// The call may or may not have run (timeout after sending, dropped connection, 5xx):
    /// retry only idempotent calls.
    OutcomeUnknown,
    /// The credentials were refused: do not retry, the customer must reconnect.
    Auth,
    /// Retrying cannot help (bad input, unknown action, the app's own failure).
    Permanent,
}

impl RetryClass {
    /// Whether a failure of this class may be retried for a call of this idempotency: the safety
    /// rule the retry loop and [`Error::is_retryable`] share, which no
    /// [`RetryPolicy`](crate::RetryPolicy) can change.
    pub(crate) fn allows_retry(self, idempotent: bool) -> bool {
        match self {
            RetryClass::Throttled | RetryClass::Transient => true,
            RetryClass::OutcomeUnknown => idempotent,
            RetryClass::Auth | RetryClass::Permanent => false,
        }
    }
}

impl Error {
    /// Where this failure came from. An [`Error::SessionMint`] reports the kind of the mint's
    /// own failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } | Error::InvalidRequest { .. } => ErrorKind::Config,
            Error::ActionFailed { .. } => ErrorKind::App,
            Error::Decode(decode) if decode.output_type.is_some() => ErrorKind::Output,
            Error::Api(_) | Error::Decode(_) | Error::Redirect { .. } | Error::BodyTooLarge { .. } => ErrorKind::Refold,
            Error::Connect { .. }
            | Error::Transport { .. }
            | Error::Timeout(_)
            | Error::RateLimiterUnavailable { .. } => ErrorKind::Transport,
            Error::RateLimiterMisconfigured { .. } => ErrorKind::Config,
            Error::SessionMint { source, .. } => source.kind(),
        }
    }

    /// The HTTP error status (4xx or 5xx) Refold, or a proxy, answered with.
    ///
    /// `None` where Refold sent no error status: an app failure inside a 200 reply (read
    /// [`Error::app_status`]), a 2xx reply that could not be decoded, a redirect (its status is
    /// in [`Error::Redirect`]), a connection failure, a timeout, a local error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::BodyTooLarge { status, .. } if *status >= 400 => Some(*status),
            Error::SessionMint { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The status of whatever reply was received, errors and successes alike (the span's
    /// `status` field).
    pub(crate) fn reply_status(&self) -> Option<u16> {
        match self {
            Error::ActionFailed { .. } => Some(200),
            Error::Decode(decode) => Some(decode.status),
            Error::Redirect { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::SessionMint { source, .. } => source.reply_status(),
            _ => self.status(),
        }
    }

    /// The HTTP status the app itself answered with, when Refold reported one for a failed
    /// action ([`Error::ActionFailed`]): most apps say 409 for a duplicate record and 404 for a
    /// missing one. `None` for every other error.
    pub fn app_status(&self) -> Option<u16> {
        match self {
            Error::ActionFailed { http_status, .. } => *http_status,
            _ => None,
        }
    }

    /// The app's own reply to a failed action ([`Error::ActionFailed`]'s `data`): its reason, in
    /// its words (HubSpot answers a duplicate with `{"category": "CONFLICT", "message": …}`).
    /// `None` for every other error, where no app answered.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) {
    /// let params = serde_json::json!({ "email": "ada@example.com" });
    /// if let Err(err) = client.execute_raw("hubspot", "create_contact", &params).await {
    ///     if let Some(reply) = err.app_data() {
    ///         eprintln!("HubSpot said: {}", reply["message"]);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn app_data(&self) -> Option<&serde_json::Value> {
        match self {
            Error::ActionFailed { data, .. } => Some(data),
            _ => None,
        }
    }

    /// Whether the app refused the action because the record already exists (its status 409).
    ///
    /// The usual pattern: create, or fetch the existing record on conflict.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use serde_json::{Value, json};
    ///
    /// async fn create_or_fetch(client: &refold::Client, email: &str) -> Result<Value, refold::Error> {
    ///     let params = json!({ "email": email });
    ///     match client.execute_raw("hubspot", "create_contact", &params).await {
    ///         Ok(created) => Ok(created.data),
    ///         Err(err) if err.is_conflict() => {
    ///             let existing = client.execute_raw_idempotent("hubspot", "get_contact", &params).await?;
    ///             Ok(existing.data)
    ///         }
    ///         Err(err) => Err(err),
    ///     }
    /// }
    /// ```
    pub fn is_conflict(&self) -> bool {
        self.app_status() == Some(409)
    }

    /// Whether what the call named does not exist: the app answered that the record does not
    /// exist (its status 404), or Refold answered 404 to a call naming a linked account or an
    /// app (an unknown linked account in [`LinkedAccounts::get`](crate::LinkedAccounts::get),
    /// [`Apps::get`](crate::Apps::get), …).
    ///
    /// Refold's own 404 for an unknown slug or action of an action call returns false here, so a
    /// typo in an action id is never mistaken for a missing record.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let params = serde_json::json!({ "email": "ada@example.com" });
    /// match client.execute_raw_idempotent("hubspot", "get_contact", &params).await {
    ///     Ok(found) => println!("found {}", found.data["id"]),
    ///     Err(err) if err.is_not_found() => println!("no such contact"),
    ///     Err(err) => return Err(err),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.app_status() == Some(404)
            || matches!(self, Error::Api(api) if matches!(api.meaning, Meaning::MissingResource | Meaning::MissingWebhook))
    }

    /// For a webhook endpoint naming a webhook by id: a 404 means it does not exist, so
    /// [`Error::is_not_found`] is true and `Display` says so.
    pub(crate) fn naming_missing_webhook(self) -> Self {
        self.meaning_of_404(Meaning::MissingWebhook)
    }

    /// This error with `meaning` when it is Refold's 404.
    fn meaning_of_404(self, meaning: Meaning) -> Self {
        match self {
            Error::Api(mut api) if api.status == 404 => {
                api.meaning = meaning;
                Error::Api(api)
            }
            other => other,
        }
    }

    /// For an endpoint whose 404 means the linked account or app it names does not exist: marks
    /// such a reply so that [`Error::is_not_found`] is true and `Display` says so.
    pub(crate) fn naming_missing_resource(self) -> Self {
        self.meaning_of_404(Meaning::MissingResource)
    }

    /// Refold's request id, when the reply carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::ActionFailed { request_id, .. } => request_id.as_deref(),
            Error::Decode(decode) => decode.request_id.as_deref(),
            Error::SessionMint { source, .. } => source.request_id(),
            _ => None,
        }
    }

    /// How this failure bears on retrying.
    pub fn retry_class(&self) -> RetryClass {
        match self {
            Error::Api(api) => match api.status {
                _ if api.rate_limited => RetryClass::Throttled,
                _ if api.meaning == Meaning::UnknownLinkedAccount => RetryClass::Permanent,
                401 | 403 => RetryClass::Auth,
                500..=599 => RetryClass::OutcomeUnknown,
                _ => RetryClass::Permanent,
            },
            // Neither reached Refold.
            Error::Connect { .. } | Error::RateLimiterUnavailable { .. } => RetryClass::Transient,
            Error::Transport { .. } => RetryClass::OutcomeUnknown,
            Error::Timeout(timeout) => {
                if timeout.may_have_sent {
                    RetryClass::OutcomeUnknown
                } else {
                    RetryClass::Transient
                }
            }
            // The call was never sent, whatever happened to the mint.
            Error::SessionMint { source, .. } => match source.retry_class() {
                RetryClass::OutcomeUnknown => RetryClass::Transient,
                class => class,
            },
            Error::Config { .. }
            | Error::InvalidRequest { .. }
            | Error::RateLimiterMisconfigured { .. }
            | Error::ActionFailed { .. }
            | Error::Decode(_)
            | Error::Redirect { .. }
            | Error::BodyTooLarge { .. } => RetryClass::Permanent,
        }
    }

    /// Whether the action could have run although no success was seen.
    ///
    /// True for a timeout or a dropped connection after the request was sent, a 5xx reply, a
    /// 2xx reply that could not be decoded or was too large, and an app failure whose status is
    /// 5xx or unknown. False when Refold certainly did not run it: connect failures, throttling,
    /// auth, validation and other 4xx replies, redirects, failed session-token mints, an
    /// unreachable shared rate limiter, and local errors. Before repeating a write after an error where this is true, check whether the
    /// write happened.
    pub fn may_have_executed(&self) -> bool {
        match self {
            Error::ActionFailed { http_status, .. } => !matches!(http_status, Some(code) if *code < 500),
            Error::Decode(_) => true,
            Error::BodyTooLarge { status, .. } => (200..300).contains(status),
            _ => self.retry_class() == RetryClass::OutcomeUnknown,
        }
    }

    /// Whether repeating this exact call is both safe and possibly useful.
    ///
    /// Throttling and failures before sending are always retryable; an unknown outcome only when
    /// the call was idempotent; everything else never. The client already retried as its
    /// [`RetryPolicy`](crate::RetryPolicy) allows before returning this error.
    pub fn is_retryable(&self) -> bool {
        self.retry_class().allows_retry(self.idempotent())
    }

    /// The delay Refold asked for with `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) => api.retry_after,
            Error::SessionMint { source, .. } => source.retry_after(),
            _ => None,
        }
    }

    /// Whether the failed call was safe to repeat; a fact of the call the error keeps for
    /// [`Error::is_retryable`].
    fn idempotent(&self) -> bool {
        match self {
            Error::Api(api) => api.idempotent,
            Error::Transport { source, .. } => source.idempotent,
            Error::Timeout(timeout) => timeout.idempotent,
            _ => false,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    pub(crate) fn timeout(elapsed: Duration, may_have_sent: bool, idempotent: bool) -> Self {
        Error::Timeout(TimeoutError {
            elapsed,
            may_have_sent,
            idempotent,
            rate_limit_wait: None,
        })
    }

    /// The client-side rate limiter refused the call: its next slot, `wait` away, lies past the
    /// call's deadline. Nothing was sent.
    pub(crate) fn rate_limit_timeout(elapsed: Duration, wait: Duration, idempotent: bool) -> Self {
        Error::Timeout(TimeoutError {
            elapsed,
            may_have_sent: false,
            idempotent,
            rate_limit_wait: Some(wait),
        })
    }
}
