//! What `refold codegen` writes for the emulator's HubSpot and Salesforce catalogues, and for a
//! `demo` app whose names collide, are keywords or are not identifiers, with every type.
//!
//! `hubspot.rs`, `salesforce.rs` and `demo.rs` are golden files: `cli/tests/refold.rs`
//! regenerates them from `.refold/` with the `refold` binary and fails when a byte differs, and
//! checks that `.refold/` holds the emulator's live schemas (`refold prepare --check`; the `demo`
//! snapshots are written by hand). This crate compiles them as a
//! user's crate would, with schema checking on (the nearest `.refold/` is this directory's), and
//! `tests/run.rs` executes some of the structs against the emulator.
//!
//! To update all of it after a change to the generator or the catalogue, run
//! `REFOLD_BLESS=1 cargo test -p refold-cli --test refold codegen` and review the diff.

/// The hand-written `demo` app's actions.
pub mod demo;
/// The emulator's HubSpot actions.
pub mod hubspot;
/// The emulator's Salesforce actions.
pub mod salesforce;
