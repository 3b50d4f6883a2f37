//! What a failed exchange with Redis means: an outage (unreachable, no answer), which falls back
//! or fails closed as configured, or a configuration mistake (authentication, database, not a
//! Redis server, TLS, a refused script), which fails every call. The limiter reads only this.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use redis::{ErrorKind, RedisError, ServerErrorKind};

use crate::error::{LimiterProblem, RateLimiterError};

/// Where in the exchange the error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// Opening the connection (TCP, TLS, `AUTH`, `SELECT`).
    Connecting,
    /// Running the script on an open connection.
    Running,
}

/// The problem `error` reveals. `tls` says whether the connection uses TLS.
pub(super) fn classify(error: &RedisError, stage: Stage, tls: bool) -> LimiterProblem {
    if error.is_timeout() {
        // Only the connection timeout reports itself; an exchange that runs out of time is
        // cut by the limiter, which names the timeout itself.
        return if tls && stage == Stage::Connecting {
            LimiterProblem::NoTlsAnswer(Duration::ZERO)
        } else {
            LimiterProblem::NoAnswer(Duration::ZERO)
        };
    }
    let code = error.code().unwrap_or_default();
    if error.kind() == ErrorKind::AuthenticationFailed || matches!(code, "WRONGPASS" | "NOAUTH") {
        return LimiterProblem::AuthenticationFailed;
    }
    match error.kind() {
        ErrorKind::Parse => LimiterProblem::NotRedis,
        ErrorKind::Io => match io_kind(error) {
            // A TLS handshake that fails reports the TLS library's error as invalid data.
            Some(io::ErrorKind::InvalidData) if tls && stage == Stage::Connecting => LimiterProblem::Tls,
            Some(io::ErrorKind::InvalidData) => LimiterProblem::NotRedis,
            Some(io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof)
                if !tls && stage == Stage::Connecting =>
            {
                LimiterProblem::ResetWhileConnecting
            }
            _ => LimiterProblem::Unreachable,
        },
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::ClusterDown
            | ServerErrorKind::MasterDown,
        ) => LimiterProblem::Unreachable,
        ErrorKind::ClusterConnectionNotFound => LimiterProblem::Unreachable,
        // A full or busy server is an outage too.
        ErrorKind::Extension if matches!(code, "OOM" | "BUSY") => LimiterProblem::Unreachable,
        _ if stage == Stage::Connecting && error.detail().is_some_and(|d| d.contains("DB index")) => {
            LimiterProblem::NoSuchDatabase
        }
        _ => LimiterProblem::ScriptRefused,
    }
}

/// The kind of the I/O error inside `error`, found through its `source()` (which the Redis
/// client hands out as the `Arc` it keeps the error in).
fn io_kind(error: &RedisError) -> Option<io::ErrorKind> {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        let io = current.downcast_ref::<io::Error>().or_else(|| {
            current
                .downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()
                .and_then(|shared| shared.downcast_ref::<io::Error>())
        });
        if let Some(io) = io {
            return Some(io.kind());
        }
        cause = current.source();
    }
    None
}

/// `problem` with the Redis client's error as its cause.
pub(super) fn limiter_error(problem: LimiterProblem, error: RedisError) -> RateLimiterError {
    RateLimiterError::new(problem, Some(Box::new(RedisCause(error))))
}

/// The Redis client's error as a cause, on one line. The Redis client repeats an I/O error's
/// text in its own `Display` and returns it again as `source()`; the chain of causes shows each
/// once, so the repeat is left out. A server's reply quoted in a parse error (an HTTP server's
/// page, say) may span lines; they are joined.
#[derive(Debug)]
struct RedisCause(RedisError);

impl std::fmt::Display for RedisCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&one_line(&self.0.to_string()))
    }
}

impl std::error::Error for RedisCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let own = self.to_string();
        std::error::Error::source(&self.0).filter(|cause| !own.contains(&one_line(&cause.to_string())))
    }
}

/// `text` with each run of whitespace, line breaks included, made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
