//! Benchmarks of the Refold SDK against hand-written `reqwest` + `serde_json`.
//!
//! Three ways to make the same call (`hubspot`/`get_contact`) are compared:
//!
//! - **A** the SDK through a `#[refold_action]` struct with a typed output ([`GetContact`]);
//! - **B** the SDK's [`refold::Client::execute_raw`], whose `data` is a `serde_json::Value`;
//! - **C** hand-written `reqwest` + `serde_json` ([`Handwritten`]) sending the identical request
//!   and decoding the same reply, once into the typed output (the baseline of A) and once into a
//!   `Value` (the baseline of B).
//!
//! The `compare` binary runs every figure of `BENCHMARKS.md`; `benches/criterion.rs` is the
//! criterion view of sequential latency.

pub mod action;
pub mod alloc_counter;
pub mod compile_cost;
pub mod fixed_server;
pub mod handwritten;
pub mod process;
pub mod stats;
pub mod variants;

pub use action::{Contact, GetContact};
pub use handwritten::Handwritten;
pub use variants::{Clients, Variant};
