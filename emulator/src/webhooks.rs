//! Webhook registrations: the store and the endpoints `/api/v2/public/webhook[/{id}]`, as
//! Refold's OpenAPI describes them (`RegisterWebhookRequest`, `UpdateWebhookRequest`,
//! `RefoldWebhook`). Deliveries are in `delivery.rs`.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::api::parse_params;
use crate::auth::{Credentials, authenticate};
use crate::envelope::{ApiError, json_response};
use crate::state::Shared;

/// The events a webhook may subscribe to: Refold's integration and workflow taxonomies.
pub(crate) const EVENTS: [&str; 5] = [
    "Connection Created",
    "Connection Deleted",
    "Connection Expired",
    "Workflow Completed",
    "Workflow Errored",
];

const METHODS: [&str; 3] = ["POST", "PUT", "PATCH"];

/// The header in which the SDK registers a webhook's secret.
const SECRET_HEADER: &str = "x-refold-webhook-secret";

/// What the emulator reports as the org and environment of every webhook.
pub(crate) const ORG_ID: &str = "org_emulator";
pub(crate) const ENVIRONMENT: &str = "test";

/// One registered webhook.
#[derive(Clone, Debug)]
pub(crate) struct Registration {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) events: Vec<String>,
    /// Header names as registered, with their values.
    pub(crate) headers: Map<String, Value>,
    pub(crate) method: String,
    pub(crate) is_enabled: bool,
    description: Option<String>,
    body: Option<Value>,
    created_at: SystemTime,
    updated_at: SystemTime,
}

impl Registration {
    /// `RefoldWebhook`, as the endpoints reply with it.
    fn to_json(&self) -> Value {
        let mut webhook = json!({
            "_id": self.id,
            "org_id": ORG_ID,
            "environment": ENVIRONMENT,
            "is_enabled": self.is_enabled,
            "webhook_events": self.events,
            "webhook_url": self.url,
            "webhook_headers": self.headers,
            "method": self.method,
            "webhook_type": if self.body.is_some() { "custom" } else { "default" },
            "createdAt": humantime::format_rfc3339_millis(self.created_at).to_string(),
            "updatedAt": humantime::format_rfc3339_millis(self.updated_at).to_string(),
        });
        if let Some(description) = &self.description {
            webhook["webhook_description"] = json!(description);
        }
        if let Some(body) = &self.body {
            webhook["webhook_body"] = body.clone();
        }
        webhook
    }

    /// Whether `event` is delivered to this webhook.
    pub(crate) fn wants(&self, event: &str) -> bool {
        self.is_enabled && self.events.iter().any(|e| e == event)
    }
}

/// Every registration, in the order they were made.
#[derive(Debug, Default)]
pub(crate) struct WebhookStore {
    registrations: Mutex<Vec<Registration>>,
}

impl WebhookStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Registration>> {
        self.registrations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The registrations that receive `event`, as they are now.
    pub(crate) fn subscribed_to(&self, event: &str) -> Vec<Registration> {
        self.lock().iter().filter(|r| r.wants(event)).cloned().collect()
    }

    /// Registers `url` for the connection events with `secret` in its secret header, as the
    /// SDK's registration does; returns its id.
    pub(crate) fn register_connection_events(&self, url: &str, secret: &str) -> String {
        let now = SystemTime::now();
        let mut headers = Map::new();
        headers.insert(SECRET_HEADER.to_owned(), Value::from(secret));
        let registration = Registration {
            id: object_id(),
            url: url.to_owned(),
            events: EVENTS[..3].iter().map(|e| (*e).to_owned()).collect(),
            headers,
            method: "POST".to_owned(),
            is_enabled: true,
            description: Some("registered by the emulator at start".to_owned()),
            body: None,
            created_at: now,
            updated_at: now,
        };
        let id = registration.id.clone();
        self.lock().push(registration);
        id
    }

    fn list(&self) -> Vec<Value> {
        self.lock().iter().map(Registration::to_json).collect()
    }
}

/// The webhook routes.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v2/public/webhook", get(list).post(register))
        .route("/api/v2/public/webhook/{id}", get(read).put(update).delete(remove))
}

/// Reading webhooks takes the org API key; changing them also accepts a session token.
fn authorize(s: &Shared, headers: &HeaderMap, key_only: bool) -> Result<(), ApiError> {
    let credentials = authenticate(headers, &s.api_key, &s.sessions, Instant::now())?;
    if key_only && !matches!(credentials, Credentials::ApiKey { .. }) {
        return Err(ApiError::unauthorized(
            "Invalid Credentials: this endpoint requires the x-api-key header",
        ));
    }
    Ok(())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Webhook '{id}' not found"))
}

fn webhook_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::not_found("Webhook not found"))
}

async fn list(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&s, &headers, true)?;
    Ok(json_response(StatusCode::OK, &s.webhooks.list()))
}

async fn register(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    authorize(&s, &headers, false)?;
    let fields = parse_params(&body)?;
    let url = fields
        .get("webhook_url")
        .ok_or_else(|| ApiError::validation("Required field 'webhook_url' is missing"))?;
    let events = fields
        .get("webhook_events")
        .ok_or_else(|| ApiError::validation("Required field 'webhook_events' is missing"))?;
    let now = SystemTime::now();
    let registration = Registration {
        id: object_id(),
        url: valid_url(url)?,
        events: valid_events(events)?,
        headers: fields
            .get("webhook_headers")
            .map(valid_headers)
            .transpose()?
            .unwrap_or_default(),
        method: fields
            .get("method")
            .map(valid_method)
            .transpose()?
            .unwrap_or_else(|| "POST".to_owned()),
        is_enabled: fields.get("is_enabled").map(valid_bool).transpose()?.unwrap_or(true),
        description: description(&fields)?,
        body: fields.get("webhook_body").filter(|b| !b.is_null()).cloned(),
        created_at: now,
        updated_at: now,
    };
    let reply = registration.to_json();
    s.webhooks.lock().push(registration);
    Ok(json_response(StatusCode::OK, &reply))
}

async fn read(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers, true)?;
    let id = webhook_id(path)?;
    let store = s.webhooks.lock();
    let found = store.iter().find(|r| r.id == id).ok_or_else(|| not_found(&id))?;
    Ok(json_response(StatusCode::OK, &found.to_json()))
}

async fn update(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&s, &headers, false)?;
    let id = webhook_id(path)?;
    let fields = parse_params(&body)?;
    // Everything is checked before anything changes, so a refused update changes nothing.
    let url = fields.get("webhook_url").map(valid_url).transpose()?;
    let events = fields.get("webhook_events").map(valid_events).transpose()?;
    let new_headers = fields.get("webhook_headers").map(valid_headers).transpose()?;
    let method = fields.get("method").map(valid_method).transpose()?;
    let is_enabled = fields.get("is_enabled").map(valid_bool).transpose()?;
    let description = description(&fields)?;
    let mut store = s.webhooks.lock();
    let found = store.iter_mut().find(|r| r.id == id).ok_or_else(|| not_found(&id))?;
    if let Some(url) = url {
        found.url = url;
    }
    if let Some(events) = events {
        found.events = events;
    }
    if let Some(headers) = new_headers {
        found.headers = headers;
    }
    if let Some(method) = method {
        found.method = method;
    }
    if let Some(is_enabled) = is_enabled {
        found.is_enabled = is_enabled;
    }
    if description.is_some() {
        found.description = description;
    }
    found.updated_at = SystemTime::now().max(found.updated_at);
    Ok(json_response(StatusCode::OK, &found.to_json()))
}

async fn remove(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers, false)?;
    let id = webhook_id(path)?;
    let mut store = s.webhooks.lock();
    let position = store.iter().position(|r| r.id == id).ok_or_else(|| not_found(&id))?;
    store.remove(position);
    let remaining: Vec<Value> = store.iter().map(Registration::to_json).collect();
    Ok(json_response(StatusCode::OK, &remaining))
}

/// A database-style id: 24 lowercase hex digits.
fn object_id() -> String {
    format!("{:024x}", fastrand::u128(..) >> 32)
}

fn valid_url(value: &Value) -> Result<String, ApiError> {
    match value.as_str() {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => Ok(url.to_owned()),
        _ => Err(ApiError::validation(
            "'webhook_url' must be a URL starting with http:// or https://",
        )),
    }
}

fn valid_events(value: &Value) -> Result<Vec<String>, ApiError> {
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| ApiError::validation("'webhook_events' must be a non-empty array of event names"))?;
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(name) if EVENTS.contains(&name) => Ok(name.to_owned()),
            _ => Err(ApiError::validation(format!(
                "'webhook_events' contains {item}, which is not one of {}",
                EVENTS.join(", ")
            ))),
        })
        .collect()
}

fn valid_headers(value: &Value) -> Result<Map<String, Value>, ApiError> {
    let map = value
        .as_object()
        .ok_or_else(|| ApiError::validation("'webhook_headers' must be an object of header names to values"))?;
    for (name, value) in map {
        let name_ok = axum::http::HeaderName::from_bytes(name.as_bytes()).is_ok();
        let value_ok = value
            .as_str()
            .is_some_and(|v| axum::http::HeaderValue::from_str(v).is_ok());
        if !name_ok || !value_ok {
            return Err(ApiError::validation(format!(
                "'webhook_headers' has an invalid header '{name}': names and string values must be valid HTTP"
            )));
        }
    }
    Ok(map.clone())
}

fn valid_method(value: &Value) -> Result<String, ApiError> {
    match value.as_str() {
        Some(method) if METHODS.contains(&method) => Ok(method.to_owned()),
        _ => Err(ApiError::validation("'method' must be one of POST, PUT, PATCH")),
    }
}

fn valid_bool(value: &Value) -> Result<bool, ApiError> {
    value
        .as_bool()
        .ok_or_else(|| ApiError::validation("'is_enabled' must be a boolean"))
}

/// `webhook_description`, or `description`, when given.
fn description(fields: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match fields.get("webhook_description").or_else(|| fields.get("description")) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::validation("'webhook_description' must be a string")),
    }
}
