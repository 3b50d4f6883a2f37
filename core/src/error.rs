//! The one error type of the SDK, and how each failure is classified.

use std::fmt;
use std::time::Duration;

use crate::NodeStatus;

/// Everything that can go wrong when talking to Refold.
///
/// Match on [`Error::kind`] for broad decisions, or on the variants for the evidence each one
/// carries. [`Error::may_have_executed`] and [`Error::is_retryable`] answer the two questions a
/// production caller has after a failed write: "could it have happened anyway?" and "may I try
/// again?".
///
/// `Display` is one line saying what happened and what to do, with Refold's request id when
/// there is one. No variant ever holds an API key or a session token.
///
/// ```
/// use refold_core::{Error, ErrorKind};
///
/// let err = Error::InvalidRequest { message: "the slug is empty".into() };
/// assert_eq!(err.kind(), ErrorKind::InvalidRequest);
/// assert!(!err.may_have_executed());
/// assert!(!err.is_retryable());
/// assert!(err.to_string().contains("nothing was sent"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is configured wrongly (missing or contradictory credentials, a bad base URL).
    #[error("refold client configuration: {message}")]
    Config {
        /// What is wrong and which option or `REFOLD_*` variable fixes it.
        message: String,
    },

    /// The request was refused locally before anything was sent (an invalid slug or action id,
    /// a header value HTTP cannot carry, parameters that do not serialize to a JSON object).
    #[error("invalid request, nothing was sent: {message}")]
    InvalidRequest {
        /// What is wrong with the request.
        message: String,
    },

    /// Refold (or a proxy in front of it) answered with a 4xx or 5xx status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// Refold reached the app, but the app or the action failed (`node_status` is not
    /// `Success`). Carries the app's own status and reply.
    #[error("{}", action_failed_line(node_status, http_status, request_id))]
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
    /// action did not run.
    #[error("could not connect to Refold ({source}); nothing was sent: check the base URL and the network")]
    Connect {
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// The connection failed after the request may have been sent (reset, closed before the
    /// reply, a broken reply stream). The action may have run.
    #[error("{}", transport_line(source))]
    Transport {
        /// The transport error.
        #[source]
        source: reqwest::Error,
        /// Whether the call was idempotent (decides [`Error::is_retryable`]).
        idempotent: bool,
    },

    /// The call did not finish within the configured timeout.
    #[error("{}", timeout_line(*elapsed, *may_have_sent))]
    Timeout {
        /// How long the call ran before it was abandoned.
        elapsed: Duration,
        /// Whether a request may already have reached Refold when time ran out.
        may_have_sent: bool,
        /// Whether the call was idempotent (decides [`Error::is_retryable`]).
        idempotent: bool,
    },

    /// A 2xx reply that could not be decoded (truncated JSON, an HTML page, an empty body, or a
    /// `data` field that does not fit the action's output type). The action did run.
    // Transparent, so `source()` reaches the serde error instead of stopping here.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// Refold answered with a redirect. Redirects are never followed, so credentials cannot leak
    /// to another origin.
    #[error(
        "Refold answered {status} redirecting to {location:?}; redirects are not followed (credentials must not leave the configured origin): check the base URL"
    )]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },

    /// A managed session token could not be minted, so the call itself was never sent.
    /// `source` is the mint's own error (its status, code and request id).
    #[error("could not mint a session token for the call, so nothing was sent: {source}")]
    SessionMint {
        /// Why minting failed.
        #[source]
        source: Box<Error>,
    },

    /// The reply body was larger than the configured cap and was not read further.
    #[error(
        "the reply of status {status} exceeded the {limit}-byte cap and was abandoned; raise ClientBuilder::max_response_bytes if such replies are expected"
    )]
    BodyTooLarge {
        /// The reply's status.
        status: u16,
        /// The cap in bytes.
        limit: u64,
    },
}

fn action_failed_line(status: &NodeStatus, http_status: &Option<u16>, request_id: &Option<String>) -> String {
    let app = match http_status {
        Some(code) => format!(" with app status {code}"),
        None => String::new(),
    };
    format!(
        "the app reported {status}{app}; inspect the error's `data` for the app's reason (a 409 means the record exists, a 404 that it does not){}",
        request_id_suffix(request_id.as_deref())
    )
}

fn transport_line(source: &reqwest::Error) -> String {
    format!(
        "the connection to Refold failed after the request was sent ({source}); the action may have run: check before repeating a write"
    )
}

fn timeout_line(elapsed: Duration, may_have_sent: bool) -> String {
    let outcome = if may_have_sent {
        "the action may have run: check before repeating a write"
    } else {
        "nothing was sent"
    };
    format!(
        "the call timed out after {:.1}s; {outcome}; raise ClientBuilder::timeout if the app is slow",
        elapsed.as_secs_f64()
    )
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

/// A 4xx or 5xx reply, with everything Refold said about it.
///
/// Refold's error envelope is decoded tolerantly: `error_code` or `error`, `http_error_type` or
/// `error_type`, `message` or `error`; every field may be missing. A body that is not a JSON
/// envelope (an HTML 502 from a proxy, an empty 504) keeps its content type and its first
/// 512 bytes in [`ApiError::body_snippet`].
///
/// ```
/// # use refold_core::ApiError;
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
        match self.status {
            _ if self.rate_limited => "slow down; the client retries throttled calls on its own",
            400 => "fix the parameters named above",
            401 => "check the API key or session token (the customer may need to reconnect)",
            403 => "the credentials lack access to this app or linked account",
            404 => "check the slug and action id (Client::list_actions shows what exists)",
            500..=599 => "Refold or a proxy failed; retry later",
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

/// A 2xx reply whose body could not be decoded.
#[derive(Debug)]
pub struct DecodeError {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body_snippet: String,
    pub(crate) request_id: Option<String>,
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
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content_type = self.content_type.as_deref().unwrap_or("no content type");
        write!(
            f,
            "could not decode Refold's {} reply ({content_type}, {} bytes shown): {}; the action ran: check the output type",
            self.status,
            self.body_snippet.len(),
            self.source
        )?;
        f.write_str(&request_id_suffix(self.request_id.as_deref()))
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The broad kind of an [`Error`], for matching without destructuring.
///
/// ```
/// use refold_core::{Error, ErrorKind};
///
/// fn should_reconnect(err: &Error) -> bool {
///     err.kind() == ErrorKind::Auth
/// }
/// # assert!(!should_reconnect(&Error::Config { message: String::new() }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Config`].
    Config,
    /// [`Error::InvalidRequest`].
    InvalidRequest,
    /// 401, or a 403 that is not a rate limit: the credentials are wrong or the customer must reconnect.
    Auth,
    /// 429, or a 403 that says it is a rate limit.
    RateLimited,
    /// 400: a missing or invalid parameter.
    Validation,
    /// 404: unknown slug or action.
    NotFound,
    /// Any other 4xx reply.
    ClientError,
    /// A 5xx reply.
    ServerError,
    /// [`Error::ActionFailed`].
    ActionFailed,
    /// [`Error::Connect`].
    Connect,
    /// [`Error::Transport`].
    Transport,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::Decode`].
    Decode,
    /// [`Error::Redirect`].
    Redirect,
    /// [`Error::BodyTooLarge`].
    BodyTooLarge,
}

/// How a failure bears on retrying; the retry loop reads nothing else.
///
/// ```
/// use refold_core::{Error, RetryClass};
///
/// let err = Error::InvalidRequest { message: "bad slug".into() };
/// assert_eq!(err.retry_class(), RetryClass::Permanent);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// Refold throttled the call and did not run it: retry after a pause.
    Throttled,
    /// The call certainly did not reach Refold (connect failure): retry.
    Transient,
    /// The call may or may not have run (timeout after sending, dropped connection, 5xx):
    /// retry only idempotent calls.
    OutcomeUnknown,
    /// The credentials were refused: do not retry, the customer must reconnect.
    Auth,
    /// Retrying cannot help (bad input, unknown action, the app's own failure).
    Permanent,
}

impl Error {
    /// The broad kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::InvalidRequest { .. } => ErrorKind::InvalidRequest,
            Error::Api(api) => match api.status {
                _ if api.rate_limited => ErrorKind::RateLimited,
                401 | 403 => ErrorKind::Auth,
                400 => ErrorKind::Validation,
                404 => ErrorKind::NotFound,
                500..=599 => ErrorKind::ServerError,
                _ => ErrorKind::ClientError,
            },
            Error::ActionFailed { .. } => ErrorKind::ActionFailed,
            Error::Connect { .. } => ErrorKind::Connect,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Decode(_) => ErrorKind::Decode,
            Error::Redirect { .. } => ErrorKind::Redirect,
            Error::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
            Error::SessionMint { source } => source.kind(),
        }
    }

    /// The HTTP status of Refold's reply, when there was one.
    ///
    /// For [`Error::ActionFailed`] this is Refold's own status (200); the app's status is in the
    /// variant's `http_status` field.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::ActionFailed { .. } => Some(200),
            Error::Decode(decode) => Some(decode.status),
            Error::Redirect { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::SessionMint { source } => source.status(),
            _ => None,
        }
    }

    /// Refold's request id, when the reply carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::ActionFailed { request_id, .. } => request_id.as_deref(),
            Error::Decode(decode) => decode.request_id.as_deref(),
            Error::SessionMint { source } => source.request_id(),
            _ => None,
        }
    }

    /// How this failure bears on retrying.
    pub fn retry_class(&self) -> RetryClass {
        match self {
            Error::Api(api) => match api.status {
                _ if api.rate_limited => RetryClass::Throttled,
                401 | 403 => RetryClass::Auth,
                500..=599 => RetryClass::OutcomeUnknown,
                _ => RetryClass::Permanent,
            },
            Error::Connect { .. } => RetryClass::Transient,
            Error::Transport { .. } => RetryClass::OutcomeUnknown,
            Error::Timeout { may_have_sent, .. } => {
                if *may_have_sent {
                    RetryClass::OutcomeUnknown
                } else {
                    RetryClass::Transient
                }
            }
            // The call was never sent, whatever happened to the mint.
            Error::SessionMint { source } => match source.retry_class() {
                RetryClass::OutcomeUnknown => RetryClass::Transient,
                class => class,
            },
            Error::Config { .. }
            | Error::InvalidRequest { .. }
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
    /// auth, validation and other 4xx replies, redirects, failed session-token mints, and local
    /// errors. Before repeating a
    /// write after an error where this is true, check whether the write happened.
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
        crate::RetryPolicy::allows(self.retry_class(), self.idempotent())
    }

    /// The delay Refold asked for with `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) => api.retry_after,
            Error::SessionMint { source } => source.retry_after(),
            _ => None,
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            Error::Api(api) => api.idempotent,
            Error::Transport { idempotent, .. } | Error::Timeout { idempotent, .. } => *idempotent,
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
}
