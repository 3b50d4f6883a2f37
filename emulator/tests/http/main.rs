//! The emulator over real HTTP on loopback.

mod auth;
mod catalogue;
mod faults;
mod lifecycle;
mod rate_limit;
mod snapshots;
mod store;

use refold_emulator::Emulator;
use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

/// An emulator and a plain HTTP client that never follows redirects or uses a proxy.
pub(crate) struct Harness {
    pub(crate) emulator: Emulator,
    pub(crate) http: Client,
}

/// A reply, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Checks the error envelope and that its request id is the header's.
    pub(crate) fn assert_error(&self, status: u16, error_code: &str, message_contains: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{:?}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json; charset=utf-8"));
        let body = self.json();
        assert_eq!(body["status_code"], status);
        assert_eq!(body["error_code"], error_code);
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(message_contains),
            "{message:?} lacks {message_contains:?}"
        );
        assert_eq!(body["request_id"].as_str(), self.header("x-request-id"));
        body
    }
}

pub(crate) fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

impl Harness {
    pub(crate) async fn new() -> Self {
        Self::with(Emulator::start().await.unwrap())
    }

    pub(crate) fn with(emulator: Emulator) -> Self {
        Harness {
            emulator,
            http: client(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    /// A request authenticated with the API key and the default linked account.
    pub(crate) fn keyed(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.keyed_as(method, path, self.emulator.linked_account_id())
    }

    pub(crate) fn keyed_as(&self, method: reqwest::Method, path: &str, linked_account_id: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("x-api-key", self.emulator.api_key())
            .header("linked_account_id", linked_account_id)
    }

    pub(crate) fn execute_request(&self, slug: &str, action_id: &str, body: &Value) -> RequestBuilder {
        self.keyed(reqwest::Method::POST, &execute_path(slug, action_id))
            .json(body)
    }

    /// Executes with the API key and the default linked account.
    pub(crate) async fn execute(&self, slug: &str, action_id: &str, body: Value) -> Reply {
        send(self.execute_request(slug, action_id, &body)).await
    }

    pub(crate) async fn execute_as(&self, linked_account_id: &str, slug: &str, action_id: &str, body: Value) -> Reply {
        send(
            self.keyed_as(reqwest::Method::POST, &execute_path(slug, action_id), linked_account_id)
                .json(&body),
        )
        .await
    }

    /// Mints a token for `linked_account_id` and returns the whole reply.
    pub(crate) async fn mint(&self, linked_account_id: &str, query: &str) -> Reply {
        send(
            self.http
                .post(self.url(&format!("/api/v2/public/session-token{query}")))
                .header("x-api-key", self.emulator.api_key())
                .json(&serde_json::json!({ "linked_account_id": linked_account_id })),
        )
        .await
    }
}

pub(crate) fn execute_path(slug: &str, action_id: &str) -> String {
    format!("/api/v2/integration-schema/{slug}/actions/{action_id}/execute")
}

pub(crate) async fn send(request: RequestBuilder) -> Reply {
    let response = request.send().await.expect("request failed");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body failed").to_vec();
    Reply { status, headers, body }
}
