//! When and how long to wait before trying a failed call again.
//!
//! The decision reads only [`Error::retry_class`] and whether the call is idempotent, and the
//! safety rule lives in one place, beside the classes (`RetryClass::allows_retry` in `error.rs`,
//! which `Error::is_retryable` reads too): a call that may already have run is repeated only when
//! repeating it is harmless.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;
use crate::trace::TARGET;

/// How many times, and after which pauses, a failed call is tried again.
///
/// The policy changes the numbers, never the safety rule: a write whose outcome is unknown
/// (timeout or dropped connection after sending, 5xx) is not retried whatever the policy says.
/// Pauses grow exponentially with full jitter (a random delay between zero and
/// `initial_backoff × 2^(retry − 1)`, capped at `max_backoff`); a `Retry-After` from Refold
/// replaces the computed pause, capped at `max_retry_after`. No pause runs past the client's
/// whole-call [`timeout`](crate::ClientBuilder::timeout): when the next attempt could not start
/// in time, the last error is returned at once.
///
/// ```
/// # extern crate refold_core as refold;
/// use std::time::Duration;
/// use refold::{Client, RetryPolicy};
///
/// let patient = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(100))
///     .with_max_backoff(Duration::from_secs(2));
/// assert_eq!(patient.max_attempts(), 5);
/// let client = Client::builder()
///     .api_key("tk_example")
///     .linked_account_id("ada@example.com")
///     .retry_policy(patient)
///     .build()?;
///
/// let no_retries = RetryPolicy::none();
/// assert_eq!(no_retries.max_attempts(), 1);
/// # Ok::<(), refold::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms initial backoff, 5 s maximum backoff, `Retry-After` honoured up to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// This policy with `attempts` total attempts, the first included (at least 1; 0 is taken
    /// as 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// This policy with `delay` as the upper bound of the first pause; each later bound doubles.
    #[must_use]
    pub fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// This policy with `delay` as the largest computed pause.
    #[must_use]
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// This policy honouring a `Retry-After` up to `delay`; a longer one is shortened to it.
    #[must_use]
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Total attempts allowed, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The upper bound of the first pause.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest computed pause.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The pause before retry number `retry` (1 for the first retry).
    pub(crate) fn pause(&self, retry: u32, error: &Error) -> Duration {
        if let Some(asked) = error.retry_after() {
            return asked.min(self.max_retry_after);
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What one call through the retry loop produced, for tracing.
pub(crate) struct Outcome<T> {
    pub(crate) result: Result<T, Error>,
    pub(crate) attempts: u32,
}

/// Runs `attempt` until it succeeds, fails in a way that must not be retried, runs out of
/// attempts, or reaches `deadline`. A timeout reports the time since `call_started`, the start
/// of the whole call, which may have sent other requests before this loop began (a token mint,
/// a request refused with a 401).
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    call_started: Instant,
    deadline: Instant,
    idempotent: bool,
    mut attempt: F,
) -> Outcome<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut number = 1;
    loop {
        let result = match tokio::time::timeout_at(deadline, attempt(number)).await {
            Ok(result) => result,
            Err(_) => Err(Error::timeout(call_started.elapsed(), true, idempotent)),
        };
        let error = match result {
            Ok(value) => {
                return Outcome {
                    result: Ok(value),
                    attempts: number,
                };
            }
            Err(error) => error,
        };
        let retryable = error.retry_class().allows_retry(idempotent) && !matches!(error, Error::Timeout(_));
        if !retryable || number >= policy.max_attempts {
            return Outcome {
                result: Err(error),
                attempts: number,
            };
        }
        let pause = policy.pause(number, &error);
        if Instant::now() + pause >= deadline {
            return Outcome {
                result: Err(error),
                attempts: number,
            };
        }
        tracing::debug!(target: TARGET, attempt = number, pause_ms = pause.as_millis() as u64, error = %error, "retrying refold call");
        tokio::time::sleep(pause).await;
        number += 1;
    }
}
