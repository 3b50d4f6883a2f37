//! The facade's integration tests, one binary with a module per topic (one link instead of one
//! per file). Each module's header says what it covers; the helpers they share are in
//! [`support`].
//!
//! Run one topic with a filter: `cargo test -p refold-sdk --test integration sessions::`.
//!
//! The facade's other test binaries, each kept apart for a reason:
//! - `ui`: trybuild compiles its cases;
//! - `ui_schema`: trybuild again, with `REFOLD_SCHEMA_DIR` set, in child processes of its own
//!   (`harness = false`);
//! - `live`: the real Refold API, ignored unless run with credentials and `--ignored`;
//! - `load`: 20,000 calls, ignored, run in release;
//! - `redis_fleet`: four worker processes sharing one Redis quota (`harness = false`).

mod support;

mod bulk;
mod call_options;
mod chaos;
mod customers;
mod endpoints;
mod error_chain;
mod errors;
mod messages;
mod module_graph;
mod outside_crate;
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
mod webhooks;
