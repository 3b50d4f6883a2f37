//! Clients wired to an emulator, and what the emulator saw.
//!
//! Two flavours, kept apart because suites were written against each and their timings differ:
//!
//! - [`builder`] / [`client`] (with [`fast_retries`]): the client's default attempts and
//!   timeout, pauses of 1–5 ms, `Retry-After` capped at 5 ms. For the suites about what a request
//!   carries and how errors read (`endpoints`, `errors`, `safety`, `serialize_differential`).
//! - [`builder_for`] / [`client_for`] (with [`fast_policy`]): three attempts, pauses of 2–10 ms,
//!   `Retry-After` capped at 20 ms, and a 20 s timeout that ends a hung test. For the resilience
//!   suites (`resilience`, `rate_limit`, `sessions`, `tracing`, `chaos`, `call_options`,
//!   `error_chain`, and the separate `load` binary).

use std::time::Duration;

use refold::{Client, ClientBuilder, RetryPolicy};
use refold_emulator::{Emulator, RecordedRequest};

/// The `User-Agent` the client sends by default.
pub const USER_AGENT: &str = concat!("refold-rs/", env!("CARGO_PKG_VERSION"));

/// Retries with pauses of a few milliseconds, so a test that meets a retryable failure stays fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_max_retry_after(Duration::from_millis(5))
}

/// A builder pointed at `emulator` with its API key and default linked account.
pub fn builder(emulator: &Emulator) -> ClientBuilder {
    Client::builder()
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .base_url(emulator.base_url())
        .retry_policy(fast_retries())
}

/// An API-key client for `emulator`'s default linked account.
pub fn client(emulator: &Emulator) -> Client {
    builder(emulator).build().expect("a valid client configuration")
}

/// A client authenticating with `token` against `emulator`.
pub fn token_client(emulator: &Emulator, token: &str) -> Client {
    Client::builder()
        .session_token(token)
        .base_url(emulator.base_url())
        .retry_policy(fast_retries())
        .build()
        .expect("a valid client configuration")
}

/// The one request the emulator received; fails the test when it saw none or several.
pub fn only_request(emulator: &Emulator) -> RecordedRequest {
    let mut requests = emulator.requests();
    assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
    requests.remove(0)
}

/// Three attempts with millisecond pauses, and `Retry-After` capped at 20 ms, so a suite that
/// retries thousands of times still runs in seconds.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(2))
        .with_max_backoff(Duration::from_millis(10))
        .with_max_retry_after(Duration::from_millis(20))
}

/// [`builder`] with the fast policy and a timeout that ends a hung test instead of letting it
/// run for the default minute.
pub fn builder_for(emulator: &Emulator) -> ClientBuilder {
    builder(emulator)
        .retry_policy(fast_policy())
        .timeout(Duration::from_secs(20))
}

/// An API-key client from [`builder_for`].
pub fn client_for(emulator: &Emulator) -> Client {
    builder_for(emulator).build().expect("client for the emulator")
}

/// Requests to an execute endpoint that the emulator received, faulted ones included.
pub fn execute_attempts(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .count()
}
