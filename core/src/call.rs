//! One call: the settings it may change ([`CallOptions`]), the future it runs as ([`Call`]), and
//! the clock and trace span shared by every request it makes ([`CallScope`]).
//!
//! A call can make more than one request: a managed session token's mint, the request itself,
//! its resend after a 401, and the retries of each. They all share one deadline (the client's
//! `timeout`) and one start, and report into one span, so a call never runs past its timeout,
//! a timeout reports how long the whole call ran, and its trace says how many attempts it
//! really took.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;
use crate::retry::{Outcome, RetryPolicy};
use crate::trace::TARGET;
use crate::transport::Reply;

/// The call in flight, behind one allocation: the request pipeline (rate limit, retries, token
/// mints, deadline) is the same for every action, so it is compiled once instead of once per
/// action type.
pub(crate) type Call<'a> = Pin<Box<dyn Future<Output = Result<Reply, Error>> + Send + 'a>>;

/// Settings of one call that replace the client's.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry_policy: Option<RetryPolicy>,
}

pub(crate) struct CallScope {
    /// When the call began: every timeout of the call, its mints' included, reports the time
    /// since then.
    pub(crate) call_started: Instant,
    /// When this scope began: the call's start, or a mint's made on its behalf (its span's
    /// `elapsed_ms`).
    started: Instant,
    pub(crate) deadline: Instant,
    /// How the call's requests are retried: the client's policy or the call's own.
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) span: tracing::Span,
    attempts: AtomicU32,
}

impl CallScope {
    pub(crate) fn new(timeout: Duration, retry_policy: RetryPolicy, span: tracing::Span) -> Self {
        let started = Instant::now();
        CallScope {
            call_started: started,
            started,
            deadline: started + timeout,
            retry_policy,
            span,
            attempts: AtomicU32::new(0),
        }
    }

    /// A scope for a request made on behalf of this call (a token mint): its own span and
    /// attempt count, the same clock (start and deadline) and retry policy.
    pub(crate) fn child(&self, span: tracing::Span) -> Self {
        CallScope {
            call_started: self.call_started,
            started: Instant::now(),
            deadline: self.deadline,
            retry_policy: self.retry_policy,
            span,
            attempts: AtomicU32::new(0),
        }
    }

    /// Adds one trip through the retry loop: its attempts, and the status and request id of its
    /// last reply (a later trip overwrites them, so the span shows the final answer).
    pub(crate) fn record<T: ReplyFacts>(&self, outcome: &Outcome<T>) {
        self.attempts.fetch_add(outcome.attempts, Ordering::Relaxed);
        // Nobody listens (no subscriber, or one that filters the span out): skip the field
        // bookkeeping, which every call would otherwise pay for.
        if self.span.is_disabled() {
            return;
        }
        let (status, request_id) = match &outcome.result {
            Ok(reply) => (Some(reply.status()), reply.request_id()),
            Err(error) => (error.reply_status(), error.request_id()),
        };
        if let Some(status) = status {
            self.span.record("status", status);
        }
        if let Some(request_id) = request_id {
            self.span.record("request_id", request_id);
        }
    }

    /// Closes the call: total attempts, elapsed time, and one event saying how it ended.
    pub(crate) fn finish(&self, error: Option<&Error>) {
        let attempts = self.attempts.load(Ordering::Relaxed);
        if !self.span.is_disabled() {
            self.span.record("attempts", attempts);
            self.span
                .record("elapsed_ms", self.started.elapsed().as_millis() as u64);
        }
        match error {
            None => tracing::debug!(target: TARGET, parent: &self.span, attempts, "refold call succeeded"),
            Some(error) => {
                tracing::debug!(target: TARGET, parent: &self.span, attempts, error = %error, "refold call failed")
            }
        }
    }
}

/// What the span needs from a successful reply.
pub(crate) trait ReplyFacts {
    fn status(&self) -> u16;
    fn request_id(&self) -> Option<&str>;
}

impl ReplyFacts for Reply {
    fn status(&self) -> u16 {
        self.status
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}
