//! Refold's webhooks: typed events, verified receipt, and subscriptions.
//!
//! ```no_run
//! # extern crate refold_core as refold;
//! use refold::webhooks::{Event, EventKind, HeaderMap, Registration, Verifier};
//!
//! # async fn run(client: refold::Client, headers: HeaderMap, body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! let registered = client
//!     .webhooks()
//!     .register(Registration::new("https://example.com/refold", [EventKind::ConnectionCreated]))
//!     .await?; // the secret is returned once: store it
//! let verifier = Verifier::new(registered.secret);
//! // in the handler, with the raw body:
//! match verifier.verify(&headers, &body)? {
//!     Event::ConnectionCreated(e) => println!("{} connected {}", e.linked_account_id, e.slug),
//!     Event::ConnectionExpired(e) => { /* ask e.linked_account_id to reconnect */ }
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # The wire format
//!
//! - A delivery's body is the event object; its `event` field names it (`"Connection Created"`).
//! - [`Webhooks::register`] generates a secret and registers it as the header
//!   `x-refold-webhook-secret`, which Refold sends back with every delivery;
//!   [`Verifier::verify`] compares it in constant time.
//! - Opt-in ([`Verifier::with_signature_key`]): `x-cobalt-signature`, the lowercase hex of
//!   HMAC-SHA256 over the raw body keyed with the org's API key. Only a preview of Refold's docs
//!   describes it.
//!
//! # What a receiver can rely on
//!
//! - **At least once, not exactly once.** Refold tries a delivery up to 3 times while your
//!   receiver answers anything but a 2xx (or does not answer). A receiver that did the work but
//!   whose 2xx was lost gets the event again: make handling idempotent, for instance by keying
//!   on `(event, linked_account_id, slug, createdAt)`.
//! - **No order across events.** Refold documents none, and retries can overtake: a
//!   "Connection Deleted" may arrive before the "Connection Created" it follows. Order by
//!   `createdAt`, or treat an event as a hint and read the connection's current state from the
//!   API before acting on it.
//! - **Possibly never.** After the last attempt the event is dropped; reconcile periodically
//!   rather than relying on every event arriving.
//! - Answer quickly with a 2xx and do slow work afterwards, so a slow handler is not mistaken
//!   for a failed one and retried.
//!
//! The emulator (`refold-emulator`) behaves the same way, and also delivers the events of one
//! webhook one after another, in the order they happened (so tests are deterministic); Refold
//! does not promise that.

#[cfg(feature = "axum")]
pub mod axum;
mod error;
mod event;
mod subscriptions;
mod verify;

pub use error::Error;
pub use event::{ConnectionEvent, Event, EventKind, UnknownEventKind, WorkflowEvent};
/// The header map [`Verifier::verify`] takes: `http::HeaderMap`, the type axum, hyper, warp and
/// reqwest use.
pub use http::HeaderMap;
pub use subscriptions::{Registered, Registration, Webhook, WebhookHeaders, WebhookUpdate, Webhooks};
pub use verify::{DEFAULT_MAX_BODY_BYTES, Verifier, WebhookSecret};

/// The header that carries the webhook's secret on every delivery. Registering through
/// [`Webhooks::register`] adds it to the webhook's headers, which
/// Refold sends back with each delivery.
pub const SECRET_HEADER: &str = "x-refold-webhook-secret";

/// The header a preview of Refold's docs names for a delivery's signature: the lowercase hex
/// of HMAC-SHA256 over the raw body, keyed with the org's API key. Unconfirmed by Refold's
/// published docs, hence opt-in ([`Verifier::with_signature_key`]).
pub const SIGNATURE_HEADER: &str = "x-cobalt-signature";
