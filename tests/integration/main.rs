//! The facade's integration tests, one binary with a module per topic (one link instead of one
//! per file). Each module's header says what it covers; the helpers they share are in
//! [`support`].
//!
//! Run one topic with a filter: `cargo test -p refold --test integration sessions::`.
//!
//! Kept as binaries of their own: `ui` (trybuild compiles its cases), `live` (the real API,
//! skipped without credentials) and `load` (ignored, run in release).

mod support;

mod bulk;
mod call_options;
mod chaos;
mod endpoints;
mod error_chain;
mod errors;
mod public_api;
mod rate_limit;
mod redis_connection;
mod redis_rate_limit;
mod resilience;
mod safety;
mod serialize_differential;
mod sessions;
mod tracing;
mod typed_actions;
