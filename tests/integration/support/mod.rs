//! The helpers every integration suite shares, one module per kind of helper:
//!
//! - [`actions`]: the hand-written actions the suites call (`SearchContacts`, `GetContact`,
//!   `CreateContact`);
//! - [`clients`]: clients wired to an emulator (two flavours, see there) and what it received;
//! - [`assertions`]: what an error or a log line may never show, and memory figures;
//! - [`logs`]: capture of the client's `tracing` output;
//! - [`stub`]: a one-reply HTTP server for replies the emulator cannot produce;
//! - [`peers`]: raw TCP peers (a closed port, a peer that hangs up, an endless chunked body);
//! - [`redis_server`]: a real `redis-server` on a free loopback port, for the shared limiter;
//! - [`callers`]: many callers looping on one client for a window, for the limiters' load tests.
//!
//! The suites import from here (`use crate::support::{…}`); the separate `load` binary includes
//! this module too (it uses only part of it, and allows the rest to go unused).

pub mod actions;
pub mod assertions;
pub mod callers;
pub mod clients;
pub mod logs;
pub mod peers;
pub mod redis_server;
pub mod stub;

pub use actions::*;
pub use assertions::*;
pub use callers::*;
pub use clients::*;
pub use logs::*;
pub use peers::*;
pub use stub::*;
