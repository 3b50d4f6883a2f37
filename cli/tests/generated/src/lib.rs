//! What `refold codegen` writes for the emulator's HubSpot and Salesforce catalogues.
//!
//! `hubspot.rs` and `salesforce.rs` are golden files: `cli/tests/refold.rs` regenerates them from
//! `.refold/` with the `refold` binary and fails when a byte differs, and checks that `.refold/`
//! holds the emulator's live schemas (`refold prepare --check`). This crate compiles them as a
//! user's crate would, with schema checking on (the nearest `.refold/` is this directory's), and
//! `tests/run.rs` executes some of the structs against the emulator.
//!
//! To update all of it after a change to the generator or the catalogue, run
//! `REFOLD_BLESS=1 cargo test -p refold-cli --test refold codegen` and review the diff.

/// The emulator's HubSpot actions.
pub mod hubspot;
/// The emulator's Salesforce actions.
pub mod salesforce;
