//! Registering, listing, reading, updating and deleting webhooks
//! (`/api/v2/public/webhook[/{id}]`), through the client's one request pipeline.

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use reqwest::Method;
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SECRET_HEADER;
use super::event::EventKind;
use super::verify::WebhookSecret;
use crate::auth::Needs;
use crate::call::CallOptions;
use crate::envelope::decode_json;
use crate::pipeline::{Credentials, RequestSpec, SpanOf};
use crate::{Client, Error};

const WEBHOOK_PATH: &str = "/api/v2/public/webhook";

/// The webhook endpoints, for the org the client's API key belongs to: `client.webhooks()`.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// use refold::webhooks::{EventKind, Registration};
///
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let registered = client
///     .webhooks()
///     .register(Registration::new("https://example.com/refold", [EventKind::ConnectionCreated]))
///     .await?;
/// println!("store this where the receiver reads it: {}", registered.secret.expose());
/// for webhook in client.webhooks().list().await? {
///     println!("{} -> {}", webhook.id, webhook.url);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Webhooks<'a> {
    client: &'a Client,
}

impl Client {
    /// The webhook endpoints: register, list, get, update, delete. They authenticate with the
    /// API key alone (no linked account).
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// let client = refold::Client::builder().api_key("tk_example").build()?;
    /// let webhooks = client.webhooks();
    /// # drop(webhooks);
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }
}

impl Webhooks<'_> {
    /// Registers a webhook, with a new secret the SDK generates and adds to its headers as
    /// `x-refold-webhook-secret`, so that every delivery carries it. The secret is returned
    /// once, in [`Registered::secret`]: give it to your receiver's [`Verifier`](super::Verifier).
    /// Refold returns the headers on [`list`](Webhooks::list) and [`get`](Webhooks::get) too.
    ///
    /// Registering is not repeated after a failure that may have reached Refold (a timeout, a
    /// dropped connection, a 5xx), since that could leave two webhooks; list them to find out.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a URL that does not start with `http://` or `https://`, no
    /// events, or a header HTTP cannot carry (nothing is sent); [`Error::Config`] when the client
    /// has no API key or the system's random source fails; [`Error::Api`] when Refold refuses;
    /// [`Error::Decode`] and the transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use refold::webhooks::{EventKind, Registration, Verifier};
    ///
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let registered = client
    ///     .webhooks()
    ///     .register(Registration::new("https://example.com/refold", EventKind::ALL).description("all events"))
    ///     .await?;
    /// let verifier = Verifier::new(registered.secret);
    /// # Ok(()) }
    /// ```
    pub async fn register(&self, registration: Registration) -> Result<Registered, Error> {
        registration.validate()?;
        let secret = WebhookSecret::generate()?;
        let mut headers = registration.headers.0;
        headers.insert(SECRET_HEADER.to_owned(), secret.expose().to_owned());
        let body = RegisterBody {
            webhook_url: &registration.url,
            webhook_events: registration.events.iter().map(|kind| kind.as_str()).collect(),
            webhook_headers: &headers,
            webhook_description: registration.description.as_deref(),
        };
        let body = Some(json_body(&body)?);
        let webhook = self
            .send(Method::POST, &[WEBHOOK_PATH], body, false, "register_webhook")
            .await?;
        Ok(Registered { webhook, secret })
    }

    /// Every webhook of the org and environment.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without an API key, [`Error::Api`] when Refold refuses,
    /// [`Error::Decode`] and the transport errors.
    pub async fn list(&self) -> Result<Vec<Webhook>, Error> {
        self.send(Method::GET, &[WEBHOOK_PATH], None, true, "list_webhooks")
            .await
    }

    /// One webhook by id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an id that is empty or has characters other than ASCII
    /// letters, digits, `-` and `_` (nothing is sent); [`Error::Api`] with
    /// [`Error::is_not_found`] true for an id Refold does not know; otherwise as
    /// [`Webhooks::list`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let webhook = client.webhooks().get("6650f1c2a1b2c3d4e5f60718").await?;
    /// println!("{:?}", webhook.headers); // names only, never values
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &str) -> Result<Webhook, Error> {
        self.send_for_id(Method::GET, id, None, "get_webhook").await
    }

    /// Changes the fields `update` sets and returns the webhook as it now is.
    ///
    /// Setting headers replaces all of them, the secret header included: keep it (or register
    /// anew) if your receiver checks it.
    ///
    /// # Errors
    ///
    /// As [`Webhooks::get`], and [`Error::InvalidRequest`] for an update whose URL or headers
    /// are invalid.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use refold::webhooks::WebhookUpdate;
    ///
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let paused = client.webhooks().update("6650f1c2a1b2c3d4e5f60718", WebhookUpdate::new().enabled(false)).await?;
    /// assert_eq!(paused.is_enabled, Some(false));
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, id: &str, update: WebhookUpdate) -> Result<Webhook, Error> {
        validate_id(id)?;
        update.validate()?;
        let body = UpdateBody {
            webhook_url: update.url.as_deref(),
            webhook_events: update
                .events
                .as_ref()
                .map(|events| events.iter().map(|kind| kind.as_str()).collect()),
            webhook_headers: update.headers.as_ref().map(|headers| &headers.0),
            is_enabled: update.enabled,
            description: update.description.as_deref(),
        };
        let body = Some(json_body(&body)?);
        self.send_for_id(Method::PUT, id, body, "update_webhook").await
    }

    /// Deletes a webhook; returns the webhooks that remain, as Refold does.
    ///
    /// # Errors
    ///
    /// As [`Webhooks::get`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let remaining = client.webhooks().delete("6650f1c2a1b2c3d4e5f60718").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &str) -> Result<Vec<Webhook>, Error> {
        self.send_for_id(Method::DELETE, id, None, "delete_webhook").await
    }

    /// One org-level request through the client's pipeline, its reply decoded as `T`.
    /// [`Webhooks::send`] for an endpoint naming a webhook by id, whose 404 means it does not
    /// exist.
    async fn send_for_id<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        id: &str,
        body: Option<Bytes>,
        endpoint: &'static str,
    ) -> Result<T, Error> {
        validate_id(id)?;
        self.send(method, &[WEBHOOK_PATH, "/", id], body, true, endpoint)
            .await
            .map_err(Error::naming_missing_webhook)
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        idempotent: bool,
        endpoint: &'static str,
    ) -> Result<T, Error> {
        let spec = RequestSpec {
            method,
            path,
            body,
            idempotent,
            credentials: Credentials::Handle(Needs::Org),
            mints_session_token: false,
        };
        let reply = self
            .client
            .call(spec, CallOptions::default(), SpanOf::new(endpoint, "", ""))
            .await?;
        decode_json(&reply)
    }
}

fn json_body(body: &impl Serialize) -> Result<Bytes, Error> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::invalid_request(format!("could not encode the webhook request: {e}")))
}

/// Webhook ids are database ids: never spliced into the URL unless they are plain.
fn validate_id(id: &str) -> Result<(), Error> {
    let plain =
        !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "a webhook id must be 1 to 128 ASCII letters, digits, '-' or '_'",
        ))
    }
}

fn validate_url(url: &str) -> Result<(), Error> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(())
    } else {
        Err(Error::invalid_request(format!(
            "a webhook URL must start with http:// or https://, not '{url}'"
        )))
    }
}

#[derive(Serialize)]
struct RegisterBody<'a> {
    webhook_url: &'a str,
    webhook_events: Vec<&'static str>,
    webhook_headers: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_description: Option<&'a str>,
}

#[derive(Serialize)]
struct UpdateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_events: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_headers: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// What to register: the URL Refold delivers to, the events it delivers, and any headers of
/// your own (the secret header is added by [`Webhooks::register`]).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::{EventKind, Registration};
///
/// let registration = Registration::new(
///     "https://example.com/refold",
///     [EventKind::ConnectionCreated, EventKind::ConnectionExpired],
/// )
/// .header("x-tenant", "eu-1")
/// .description("connections of production customers");
/// assert!(!format!("{registration:?}").contains("eu-1"));
/// ```
#[derive(Clone, Debug)]
#[must_use = "a registration does nothing until passed to Webhooks::register"]
pub struct Registration {
    url: String,
    events: Vec<EventKind>,
    headers: WebhookHeaders,
    description: Option<String>,
}

impl Registration {
    /// A webhook delivering `events` to `url` (`http://` or `https://`).
    pub fn new(url: impl Into<String>, events: impl IntoIterator<Item = EventKind>) -> Registration {
        Registration {
            url: url.into(),
            events: events.into_iter().collect(),
            headers: WebhookHeaders::default(),
            description: None,
        }
    }

    /// A header Refold sends with every delivery (`x-refold-webhook-secret` is set by
    /// [`Webhooks::register`] and replaces one given here).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Registration {
        self.headers.0.insert(name.into().to_ascii_lowercase(), value.into());
        self
    }

    /// A description shown in Refold's dashboard.
    pub fn description(mut self, description: impl Into<String>) -> Registration {
        self.description = Some(description.into());
        self
    }

    fn validate(&self) -> Result<(), Error> {
        validate_url(&self.url)?;
        if self.events.is_empty() {
            return Err(Error::invalid_request("a webhook needs at least one event"));
        }
        self.headers.validate()
    }
}

/// Changes to a webhook, for [`Webhooks::update`]: only the fields set here are sent.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::{EventKind, WebhookUpdate};
///
/// let update = WebhookUpdate::new().url("https://example.com/v2/refold").events([EventKind::ConnectionDeleted]);
/// # drop(update);
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "an update does nothing until passed to Webhooks::update"]
pub struct WebhookUpdate {
    url: Option<String>,
    events: Option<Vec<EventKind>>,
    headers: Option<WebhookHeaders>,
    enabled: Option<bool>,
    description: Option<String>,
}

impl WebhookUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> WebhookUpdate {
        WebhookUpdate::default()
    }

    /// A new delivery URL.
    pub fn url(mut self, url: impl Into<String>) -> WebhookUpdate {
        self.url = Some(url.into());
        self
    }

    /// A new list of events.
    pub fn events(mut self, events: impl IntoIterator<Item = EventKind>) -> WebhookUpdate {
        self.events = Some(events.into_iter().collect());
        self
    }

    /// Replaces every header (the secret header too) with `headers`, as `(name, value)` pairs.
    pub fn headers<N: Into<String>, V: Into<String>>(
        mut self,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> WebhookUpdate {
        let map = headers
            .into_iter()
            .map(|(name, value)| (name.into().to_ascii_lowercase(), value.into()))
            .collect();
        self.headers = Some(WebhookHeaders(map));
        self
    }

    /// Turns deliveries on or off.
    pub fn enabled(mut self, enabled: bool) -> WebhookUpdate {
        self.enabled = Some(enabled);
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> WebhookUpdate {
        self.description = Some(description.into());
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if let Some(url) = &self.url {
            validate_url(url)?;
        }
        if self.events.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::invalid_request("a webhook needs at least one event"));
        }
        match &self.headers {
            Some(headers) => headers.validate(),
            None => Ok(()),
        }
    }
}

/// The headers Refold sends with a webhook's deliveries. Their values are secrets (the webhook
/// secret among them), so `Debug` shows only their names; [`WebhookHeaders::get`] reads one.
///
/// ```
/// # extern crate refold_core as refold;
/// # let webhook: refold::webhooks::Webhook = serde_json::from_value(serde_json::json!({
/// #     "_id": "w1", "webhook_headers": { "x-refold-webhook-secret": "abc" } })).unwrap();
/// assert_eq!(webhook.headers.get("x-refold-webhook-secret"), Some("abc"));
/// assert!(!format!("{:?}", webhook.headers).contains("abc"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebhookHeaders(BTreeMap<String, String>);

impl WebhookHeaders {
    /// The value of header `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The headers' names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn validate(&self) -> Result<(), Error> {
        for (name, value) in &self.0 {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(Error::invalid_request(format!("'{name}' is not a valid header name")));
            }
            if http::HeaderValue::from_str(value).is_err() {
                // Never echo the value: it may be a secret.
                return Err(Error::invalid_request(format!(
                    "the value of header '{name}' has characters HTTP headers cannot carry"
                )));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|name| (name, format_args!("[redacted]"))))
            .finish()
    }
}

impl<'de> Deserialize<'de> for WebhookHeaders {
    /// An object of headers; a value that is not a string keeps its JSON text, and anything
    /// other than an object (`null` included) is no headers.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = match Value::deserialize(deserializer)? {
            Value::Object(map) => map
                .into_iter()
                .map(|(name, value)| match value {
                    Value::String(text) => (name, text),
                    other => (name, other.to_string()),
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(WebhookHeaders(map))
    }
}

/// A webhook as Refold describes it (`RefoldWebhook`). Every field but the id may be missing on
/// the wire; unknown fields are ignored.
///
/// ```
/// # extern crate refold_core as refold;
/// let webhook: refold::webhooks::Webhook = serde_json::from_value(serde_json::json!({
///     "_id": "6650f1c2", "webhook_url": "https://example.com/refold",
///     "webhook_events": ["Connection Created"], "is_enabled": true,
/// }))?;
/// assert_eq!(webhook.events, ["Connection Created"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// Refold's id for it (`_id`): what [`Webhooks::get`] and the others take.
    #[serde(rename = "_id", alias = "id")]
    pub id: String,
    /// Where deliveries go (`webhook_url`).
    #[serde(default, rename = "webhook_url")]
    pub url: String,
    /// The names of the events delivered (`webhook_events`), as Refold spells them; parse one
    /// with [`str::parse`] into an [`EventKind`].
    #[serde(default, rename = "webhook_events", deserialize_with = "strings")]
    pub events: Vec<String>,
    /// The headers sent with each delivery (`webhook_headers`); `Debug` shows their names only.
    #[serde(default, rename = "webhook_headers")]
    pub headers: WebhookHeaders,
    /// Whether deliveries are on.
    #[serde(default)]
    pub is_enabled: Option<bool>,
    /// `test` or `production`.
    #[serde(default)]
    pub environment: Option<String>,
    /// `POST`, `PUT` or `PATCH`.
    #[serde(default)]
    pub method: Option<String>,
    /// The description (`webhook_description`, or `description`).
    #[serde(default, rename = "webhook_description", alias = "description")]
    pub description: Option<String>,
    /// `default`, `slack` or `custom`, computed by Refold from the body template.
    #[serde(default)]
    pub webhook_type: Option<String>,
    /// When it was registered (`createdAt`).
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
    /// When it last changed (`updatedAt`).
    #[serde(default, rename = "updatedAt")]
    pub updated_at: Option<String>,
}

/// A list of strings, skipping entries of another type.
fn strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(text),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// A registered webhook and its secret, which is shown only here: Refold returns the headers
/// later, but store the secret now where your receiver reads it.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # use refold::webhooks::{EventKind, Registration};
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let registered = client
///     .webhooks()
///     .register(Registration::new("https://example.com/refold", [EventKind::ConnectionCreated]))
///     .await?;
/// println!("{registered:?}"); // the secret is redacted
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Registered {
    /// The webhook as Refold stored it.
    pub webhook: Webhook,
    /// The secret every delivery carries in `x-refold-webhook-secret`.
    pub secret: WebhookSecret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_urls_are_checked_before_sending() {
        assert!(validate_id("6650f1c2a1b2c3d4e5f60718").is_ok());
        for bad in ["", "../session-token", "a/b", "a?b", "a b"] {
            assert!(validate_id(bad).is_err(), "{bad}");
        }
        assert!(validate_url("HTTPS://example.com").is_ok());
        assert!(validate_url("ftp://example.com").is_err());
        assert!(validate_url("").is_err());
    }

    #[test]
    fn a_header_value_that_http_cannot_carry_is_refused_without_echoing_it() {
        let registration = Registration::new("https://example.com", [EventKind::ConnectionCreated])
            .header("x-token", "line\nbreak-secret");
        let error = registration.validate().unwrap_err().to_string();
        assert!(error.contains("x-token") && !error.contains("break-secret"), "{error}");
    }
}
