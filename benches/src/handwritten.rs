//! Variant C: what a careful engineer writes with `reqwest` and `serde_json` alone.
//!
//! It sends exactly the SDK's request (method, path, `x-api-key`, `linked_account_id`,
//! `content-type`, `accept`, `user-agent`, body) and decodes the same reply into an envelope of
//! the same output type, with the same fields kept (`data`, `node_status`, `http_status`, the
//! `x-request-id` header). The fixed headers are built once, as reqwest default headers; the
//! reqwest client is configured like the SDK's (no redirects, `TCP_NODELAY`, 10 s connect
//! timeout). It has no retries, no whole-call timeout and no tracing: it is the floor.

use std::error::Error;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The user agent the SDK sends by default, sent here too so the requests are identical.
pub const SDK_USER_AGENT: &str = concat!("refold-rs/", env!("CARGO_PKG_VERSION"));

/// A hand-written client for one action's execute endpoint.
#[derive(Clone, Debug)]
pub struct Handwritten {
    http: reqwest::Client,
    url: String,
}

/// The execute envelope, decoded in one pass.
#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
    node_status: String,
    #[serde(default)]
    http_status: Option<u16>,
}

/// What a hand-written call returns: the same fields as the SDK's `ActionResponse`.
#[derive(Debug)]
pub struct HandReply<T> {
    /// The app's reply.
    pub data: T,
    /// Refold's `node_status`.
    pub node_status: String,
    /// The app's HTTP status.
    pub http_status: Option<u16>,
    /// The `x-request-id` header.
    pub request_id: Option<String>,
}

impl Handwritten {
    /// A client for `POST {base_url}/api/v2/integration-schema/{slug}/actions/{action_id}/execute`.
    pub fn new(base_url: &str, api_key: &str, linked_account_id: &str, slug: &str, action_id: &str) -> Self {
        let mut headers = HeaderMap::new();
        let mut key = HeaderValue::from_str(api_key).expect("a valid API key");
        key.set_sensitive(true);
        headers.insert(HeaderName::from_static("x-api-key"), key);
        headers.insert(
            HeaderName::from_static("linked_account_id"),
            HeaderValue::from_str(linked_account_id).expect("a valid linked account id"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(SDK_USER_AGENT));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("a reqwest client");
        let url = format!(
            "{}/api/v2/integration-schema/{slug}/actions/{action_id}/execute",
            base_url.trim_end_matches('/')
        );
        Handwritten { http, url }
    }

    /// Sends `params` and decodes the reply's `data` into `T`.
    pub async fn call<P: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        params: &P,
    ) -> Result<HandReply<T>, Box<dyn Error + Send + Sync>> {
        let body = serde_json::to_vec(params)?;
        let response = self
            .http
            .post(&self.url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)).into());
        }
        let envelope: Envelope<T> = serde_json::from_slice(&bytes)?;
        if envelope.node_status != "Success" {
            return Err(format!("node_status {}", envelope.node_status).into());
        }
        Ok(HandReply {
            data: envelope.data,
            node_status: envelope.node_status,
            http_status: envelope.http_status,
            request_id,
        })
    }
}
