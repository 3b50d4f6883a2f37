//! Delivering events to registered webhooks, and the record of every attempt.
//!
//! Each webhook has a queue and one task working through it, so a webhook receives its events
//! one at a time, in the order they happened. A delivery is an HTTP request with the
//! registration's method, its headers, `content-type: application/json`, and
//! `x-cobalt-signature`: the lowercase hex of HMAC-SHA256 over the body, keyed with the API key.
//! It is tried up to [`MAX_ATTEMPTS`] times in all while the receiver answers anything but a
//! 2xx or does not answer; the waits between attempts double from the configured retry delay.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::accounts::ConnectionChange;
use crate::webhooks::{ENVIRONMENT, ORG_ID, Registration, WebhookStore};

/// Attempts per delivery, the first included, as Refold's docs preview describes.
pub const MAX_ATTEMPTS: u32 = 3;
/// The signature header.
const SIGNATURE_HEADER: &str = "x-cobalt-signature";
/// How long one attempt may take before it counts as failed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One attempt to deliver an event to a webhook, as the emulator made it.
///
/// ```
/// use refold_emulator::WebhookDelivery;
///
/// # fn check(deliveries: &[WebhookDelivery]) {
/// let accepted = deliveries.iter().filter(|d| d.accepted()).count();
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The webhook's id.
    pub webhook_id: String,
    /// Where it was sent.
    pub url: String,
    /// The event's name (`"Connection Created"`, …).
    pub event: String,
    /// 1 for the first attempt of this event to this webhook, up to [`MAX_ATTEMPTS`].
    pub attempt: u32,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why there is no status (refused connection, timeout, …).
    pub error: Option<String>,
    /// The headers sent, in order; names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body sent: the event object.
    pub body: Vec<u8>,
}

impl WebhookDelivery {
    /// Whether the receiver answered with a 2xx (no further attempt follows).
    pub fn accepted(&self) -> bool {
        self.status.is_some_and(|status| (200..300).contains(&status))
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::recording::first_header(&self.headers, name)
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    /// When the body is not JSON (the emulator always sends JSON).
    pub fn body_json(&self) -> serde_json::Result<Value> {
        serde_json::from_slice(&self.body)
    }
}

/// One event on its way to one webhook.
struct Job {
    webhook_id: String,
    url: String,
    method: String,
    event: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

/// What every delivery task shares.
struct Sender {
    http: reqwest::Client,
    retry_delay: Duration,
    log: Mutex<Vec<WebhookDelivery>>,
}

/// The delivery engine: one queue and task per webhook.
pub(crate) struct Deliveries {
    sender: Arc<Sender>,
    signing_key: String,
    runtime: tokio::runtime::Handle,
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
}

impl Deliveries {
    /// An engine whose tasks run on `runtime`, signing with `signing_key`.
    pub(crate) fn new(runtime: tokio::runtime::Handle, signing_key: &str, retry_delay: Duration) -> Deliveries {
        // Redirects are not followed: a receiver answering 3xx has not accepted the event.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Deliveries {
            sender: Arc::new(Sender {
                http,
                retry_delay,
                log: Mutex::default(),
            }),
            signing_key: signing_key.to_owned(),
            runtime,
            queues: Mutex::default(),
        }
    }

    /// Queues `event` (an object whose `event` field names it) for every enabled webhook
    /// subscribed to it. Returns at once; the deliveries run on the emulator's runtime.
    fn dispatch(&self, store: &WebhookStore, event: &Value) {
        let name = event.get("event").and_then(Value::as_str).unwrap_or_default();
        let body = Bytes::from(serde_json::to_vec(event).unwrap_or_default());
        let signature = signature(self.signing_key.as_bytes(), &body);
        for webhook in store.subscribed_to(name) {
            let job = job(&webhook, name, &signature, body.clone());
            let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
            let queue = queues.entry(webhook.id.clone()).or_insert_with(|| {
                let (queue, jobs) = mpsc::unbounded_channel();
                self.runtime.spawn(work(self.sender.clone(), jobs));
                queue
            });
            // The task ends only when its queue is dropped, with the emulator.
            let _ = queue.send(job);
        }
    }

    /// Delivers the event of a connection's change (the one caller is
    /// `Shared::connection_changed`, through which every change goes).
    pub(crate) fn connection_changed(
        &self,
        store: &WebhookStore,
        linked_account_id: &str,
        slug: &str,
        change: &ConnectionChange,
    ) {
        let name = match change {
            ConnectionChange::Created { .. } => "Connection Created",
            ConnectionChange::Deleted => "Connection Deleted",
            ConnectionChange::Expired => "Connection Expired",
        };
        self.dispatch(store, &connection_event(name, linked_account_id, slug));
    }

    /// Every attempt so far, in the order they were made.
    pub(crate) fn log(&self) -> Vec<WebhookDelivery> {
        self.sender.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn job(webhook: &Registration, event: &str, signature: &str, body: Bytes) -> Job {
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("user-agent".to_owned(), "refold-emulator-webhooks".to_owned()),
        (SIGNATURE_HEADER.to_owned(), signature.to_owned()),
    ];
    for (name, value) in &webhook.headers {
        if let Some(value) = value.as_str() {
            headers.push((name.to_ascii_lowercase(), value.to_owned()));
        }
    }
    Job {
        webhook_id: webhook.id.clone(),
        url: webhook.url.clone(),
        method: webhook.method.clone(),
        event: event.to_owned(),
        headers,
        body,
    }
}

/// A webhook's task: its events one at a time, each until accepted or out of attempts.
async fn work(sender: Arc<Sender>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = jobs.recv().await {
        deliver(&sender, &job).await;
    }
}

async fn deliver(sender: &Sender, job: &Job) {
    let method = reqwest::Method::from_bytes(job.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut wait = sender.retry_delay;
    for attempt in 1..=MAX_ATTEMPTS {
        let mut request = sender.http.request(method.clone(), &job.url).body(job.body.clone());
        for (name, value) in &job.headers {
            request = request.header(name, value);
        }
        let (status, error) = match request.send().await {
            Ok(reply) => (Some(reply.status().as_u16()), None),
            Err(error) => (None, Some(error.to_string())),
        };
        let delivery = WebhookDelivery {
            webhook_id: job.webhook_id.clone(),
            url: job.url.clone(),
            event: job.event.clone(),
            attempt,
            status,
            error,
            headers: job.headers.clone(),
            body: job.body.to_vec(),
        };
        let accepted = delivery.accepted();
        sender.log.lock().unwrap_or_else(|e| e.into_inner()).push(delivery);
        if accepted || attempt == MAX_ATTEMPTS {
            return;
        }
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(2);
    }
}

/// Lowercase hex of HMAC-SHA256 over `body` keyed with `key`.
fn signature(key: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The payload of a connection event, with the fields Refold's docs list.
fn connection_event(event: &str, linked_account_id: &str, slug: &str) -> Value {
    json!({
        "event": event,
        "type": "connection",
        "linked_account_id": linked_account_id,
        "slug": slug,
        "org_id": ORG_ID,
        "environment": ENVIRONMENT,
        "createdAt": humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
