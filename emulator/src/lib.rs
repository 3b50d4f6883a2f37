//! A local, faithful Refold API server, for tests, examples and benchmarks.
//!
//! `refold-emulator` serves the endpoints of Refold's actions API on `127.0.0.1`:
//!
//! - `POST /api/v2/integration-schema/{slug}/actions/{action_id}/execute`
//! - `GET /api/v2/integration-schema/{slug}/actions` and `…/actions/{action_id}`
//! - `POST /api/v2/public/session-token` and `…/session-token/revoke`
//! - linked accounts (`/api/v2/public/linked-account`: list with pagination, create, upsert,
//!   get, delete, remove an integration), the apps one account sees with their connection
//!   status (`/api/v2/public/application`), Connect and OAuth URLs and the Connect page they
//!   lead to, key-based credentials, auth structures and `/session/active-linked-account`
//! - webhooks (`/api/v2/public/webhook` and `…/webhook/{id}`: list, register, get, update,
//!   delete), which it delivers: on every connection change (the Connect page, the test handles,
//!   removing an integration) it posts the event to each subscribed URL with the registered
//!   headers and an `x-cobalt-signature`, up to 3 attempts while the answer is not a 2xx, and
//!   records each attempt ([`Emulator::webhook_deliveries`])
//!
//! with both authentication modes (`x-api-key` + `linked_account_id`, or a session token it
//! mints itself), a catalogue of HubSpot and Salesforce actions with their parameter schemas,
//! validation with Refold's error envelope, an in-memory store per linked account (so
//! `create_contact` then `get_contact` returns what was created, and a duplicate email fails
//! the way HubSpot does), request ids, and optional per-account rate limits.
//!
//! For tests it can inject [`Fault`]s — error statuses with `Retry-After`, delays, dropped
//! connections, HTML and truncated bodies, redirects, huge bodies — and it reports every
//! [`RecordedRequest`] it received and every [`Execution`] it ran, so a test can assert that a
//! write happened exactly once. [`Emulator::connect_app`], [`Emulator::expire_connection`] and
//! [`Emulator::disconnect_app`] change an account's connections from a test.
//!
//! It is written from the API contract alone and shares no code with the Refold client, so a
//! misreading of the contract in one is caught by the other.
//!
//! # Example
//!
//! ```
//! use refold_emulator::{Emulator, Fault};
//! use serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start().await?;
//! let http = reqwest::Client::new();
//! let url = format!(
//!     "{}/api/v2/integration-schema/hubspot/actions/create_contact/execute",
//!     emulator.base_url()
//! );
//!
//! // The next request gets a 503; the action does not run.
//! emulator.inject(Fault::refold_error(503));
//! let first = http
//!     .post(&url)
//!     .header("x-api-key", emulator.api_key())
//!     .header("linked_account_id", emulator.linked_account_id())
//!     .json(&json!({ "email": "ada@example.com", "firstname": "Ada" }))
//!     .send()
//!     .await?;
//! assert_eq!(first.status(), 503);
//! assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
//!
//! let second: Value = http
//!     .post(&url)
//!     .header("x-api-key", emulator.api_key())
//!     .header("linked_account_id", emulator.linked_account_id())
//!     .json(&json!({ "email": "ada@example.com", "firstname": "Ada" }))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(second["node_status"], "Success");
//! assert_eq!(second["http_status"], 201);
//! assert_eq!(second["data"]["properties"]["firstname"], "Ada");
//! assert_eq!(emulator.executed_count("hubspot", "create_contact"), 1);
//! assert_eq!(emulator.requests().len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! # Snapshots and strict parameters
//!
//! [`EmulatorBuilder::schema_dir`] adds the actions of a `.refold/` snapshot directory (the one
//! `refold prepare` writes) to the catalogue, so a crate's tests run against the schemas its
//! code was checked against; an action with no behaviour of its own answers a success that
//! echoes its parameters. [`EmulatorBuilder::strict_parameters`] refuses a parameter the
//! schema does not list. It is off by default because Refold itself accepts and silently drops
//! such a parameter, and the emulator answers as Refold does unless told otherwise.
//!
//! # As a program
//!
//! `refold emulator` (from the `refold-cli` crate) or, inside this repository,
//! `cargo run -p refold-emulator -- --port 4010 --schema-dir .refold --strict --rate-limit 20/5`
//! prints the base URL, the test API key and the linked account id, logs each request on one
//! line to stderr, and serves until Ctrl-C. Both programs are the same command line, defined
//! once in [`cli`] (feature `cli`, on by default).

mod accounts;
mod api;
mod apps;
mod auth;
mod catalogue;
#[cfg(feature = "cli")]
pub mod cli;
mod connect_page;
mod customers;
mod delivery;
mod emulator;
mod envelope;
mod faults;
mod rate_limit;
mod recording;
mod server;
mod state;
mod store;
mod validation;
mod webhooks;

pub use delivery::{MAX_ATTEMPTS as WEBHOOK_MAX_ATTEMPTS, WebhookDelivery};
pub use emulator::{
    DEFAULT_API_KEY, DEFAULT_LINKED_ACCOUNT_ID, DEFAULT_SESSION_TOKEN_TTL, DEFAULT_WEBHOOK_RETRY_DELAY, Emulator,
    EmulatorBuilder,
};
pub use faults::{Fault, FaultBody, RetryAfter};
pub use rate_limit::RateLimit;
pub use recording::{Execution, RecordedRequest};
