//! The runtime of the Refold SDK. Use it through the `refold` crate, which re-exports
//! everything here, item by item, together with the `#[refold_action]` attribute; the examples
//! here use the `refold::` paths you write in your code.
//!
//! ```no_run
//! # extern crate refold_core as refold;
//! use refold::Client;
//!
//! # async fn run() -> Result<(), refold::Error> {
//! let client = Client::from_env()?;
//! let reply = client
//!     .execute_raw("hubspot", "create_contact", &serde_json::json!({ "email": "ada@example.com" }))
//!     .await?;
//! println!("{}", reply.data["id"]);
//! # Ok(())
//! # }
//! ```

mod action;
mod apps;
mod auth;
mod body;
mod builder;
mod bulk;
mod call;
mod client;
mod connect;
mod endpoints;
mod envelope;
mod error;
mod execute;
mod ident;
mod linked_accounts;
mod paging;
mod pipeline;
mod preview;
mod rate_limit;
mod redact;
mod response;
mod retry;
mod schema;
mod send_notice;
mod session;
mod session_cache;
mod thread_safety;
mod trace;
mod transport;
pub mod webhooks;

pub use action::Action;
pub use apps::{App, Apps, Connection};
pub use builder::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, HttpClient,
    env,
};
pub use bulk::{
    BulkCall, BulkItem, BulkOptions, BulkResult, DEFAULT_BULK_CONCURRENCY, ForLinkedAccount, OnError, RawAction,
};
pub use client::Client;
pub use connect::{AuthField, AuthStructure, ConnectOptions, ConnectUrl};
pub use error::{ApiError, DecodeError, Error, ErrorKind, RateLimiterError, RetryClass, TimeoutError, TransportError};
pub use execute::{Execute, ExecuteRaw};
pub use ident::validate_identifier;
pub use linked_accounts::{DEFAULT_PAGE_SIZE, Integration, LinkedAccount, LinkedAccounts, NewLinkedAccount, Udf};
pub use paging::Page;
pub use preview::RequestPreview;
pub use rate_limit::{DEFAULT_REDIS_TIMEOUT, OnUnavailable, RateLimit};
pub use refold_snapshot::{IDENTIFIER_MAX_LEN, ParamType, is_valid_identifier};
pub use response::{ActionResponse, NodeStatus};
pub use retry::RetryPolicy;
pub use schema::{ActionParameter, ActionSummary};
pub use session::{RevokeOutcome, SessionToken};

/// The HTTP client crate refold is built on, re-exported so a client you build yourself for
/// [`ClientBuilder::http_client`] is of the matching version: `refold::reqwest::Client::builder()`.
pub use reqwest;
