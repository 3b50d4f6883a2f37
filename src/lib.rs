//! # refold
//!
//! The Rust SDK for the [Refold](https://app.refold.ai) actions API.
//!
//! Add it as `refold-sdk = "0.1"` in `Cargo.toml`: the package is `refold-sdk`, the library
//! `refold`, so code names it `refold::…`.
//!
//! Annotate a struct with [`refold_action`], then call `.execute(&client)`:
//!
//! ```no_run
//! use refold::{Client, refold_action};
//!
//! #[refold_action(slug = "hubspot", id = "create_contact")]
//! pub struct CreateContact {
//!     pub email: String,
//!     pub firstname: Option<String>,
//! }
//!
//! # async fn run() -> Result<(), refold::Error> {
//! let client = Client::from_env()?;
//! let reply = CreateContact { email: "ada@example.com".into(), firstname: None }
//!     .execute(&client)
//!     .await?;
//! println!("created contact {}", reply.data["id"]);
//! # Ok(())
//! # }
//! ```
//!
//! # Public dependencies
//!
//! Four crates appear in refold's API, each on purpose:
//!
//! - [`serde`] and [`serde_json`] (1.x): an [`Action`] is `Serialize`, its output
//!   `DeserializeOwned`, and untyped replies are `serde_json::Value`.
//! - reqwest 0.13, re-exported as `refold::reqwest`: bring your own HTTP client
//!   through [`ClientBuilder::http_client`] and build it from the re-export, so the versions
//!   always match. No variant of [`Error`] holds a `reqwest::Error`; a transport failure's
//!   [`TransportError`] reaches it through `source()`.
//!
//! - [futures-core](https://docs.rs/futures-core/0.3) (0.3): [`Client::execute_all`] returns a
//!   `Stream`, the trait every async stream library (futures, tokio-stream) shares; consume it
//!   with `futures::StreamExt` or `futures_util::StreamExt`.
//!
//! `secrecy` is used inside (keys and tokens are zeroed when dropped) but kept out of the API:
//! being pre-1.0, each of its releases would otherwise be a breaking release of refold. A
//! [`SessionToken`] is read with [`SessionToken::expose_token`].

// The public surface, listed item by item so that nothing reaches it by accident: an item
// added to refold-core is public here only once it is named below (and in
// tests/public-api.txt, which `tests/integration/public_api.rs` compares with what this list exports).
pub use refold_core::webhooks;
pub use refold_core::{
    Action, ActionParameter, ActionResponse, ActionSummary, ApiError, App, Apps, AuthField, AuthStructure, BulkCall,
    BulkItem, BulkOptions, BulkResult, Client, ClientBuilder, ConnectOptions, ConnectUrl, Connection, DEFAULT_BASE_URL,
    DEFAULT_BULK_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_PAGE_SIZE,
    DEFAULT_REDIS_TIMEOUT, DEFAULT_TIMEOUT, DecodeError, Error, ErrorKind, Execute, ExecuteRaw, ForLinkedAccount,
    HttpClient, IDENTIFIER_MAX_LEN, Integration, LinkedAccount, LinkedAccounts, NewLinkedAccount, NodeStatus, OnError,
    OnUnavailable, Page, ParamType, RateLimit, RateLimiterError, RawAction, RequestPreview, RetryClass, RetryPolicy,
    RevokeOutcome, SessionToken, TimeoutError, TransportError, Udf, env, is_valid_identifier, reqwest,
    validate_identifier,
};
pub use refold_macros::refold_action;

mod action_macro;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
