//! The `.refold/` schema snapshot format of the Refold SDK.
//!
//! A snapshot is one action's parameter schema, fetched once by `refold prepare` and committed
//! next to the code, like sqlx's `.sqlx/` directory. Three readers share this crate so they agree
//! on one format: the `#[refold_action]` attribute (at compile time, without the network), the
//! `refold` command line (which writes snapshots and generates code from them) and the emulator
//! (which serves and validates against them).
//!
//! Layout: one file per action, `<dir>/<slug>/<action_id>.json`. One file per action rather than
//! one big file, so two branches that snapshot different actions never conflict.
//!
//! ```
//! use refold_snapshot::{ParamType, Parameter, Snapshot};
//!
//! let snapshot = Snapshot::new("hubspot", "create_contact")
//!     .with_name("Create Contact")
//!     .with_parameters(vec![Parameter::new("email", ParamType::Text).with_required(true)]);
//! let bytes = snapshot.to_bytes();
//! assert_eq!(Snapshot::from_slice(&bytes).unwrap(), snapshot);
//! assert!(bytes.ends_with(b"}\n"));
//! ```
//!
//! This crate is deliberately small (serde and serde_json only) because the attribute's
//! proc-macro crate depends on it.

mod dir;
mod error;
mod file;
mod ident;
mod snapshot;
mod suggest;

pub use dir::{SCHEMA_DIR_ENV, SCHEMA_DIR_NAME, SnapshotDir, WriteOutcome, find_schema_dir, find_schema_dir_from};
pub use error::SnapshotError;
pub use file::MAX_SNAPSHOT_BYTES;
pub use ident::{IDENTIFIER_MAX_LEN, is_identifier_byte, is_valid_identifier};
pub use snapshot::{FORMAT_VERSION, ParamType, Parameter, Snapshot};
pub use suggest::{closest, edit_distance};
