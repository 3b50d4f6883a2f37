//! An execute request as the client would send it, built without sending anything: what
//! `refold exec --dry-run` prints.

use std::fmt;

use bytes::Bytes;
use reqwest::header::{self, HeaderValue};

use crate::transport::Request;

/// An execute request exactly as [`Client::execute_raw`](crate::Client::execute_raw) would send
/// it, from [`Client::preview_execute_raw`](crate::Client::preview_execute_raw).
///
/// The headers are the client's own (user agent, `Accept`, `Content-Type`, credentials), then the
/// `host` and `content-length` that the HTTP library adds. Credentials are never shown: the API
/// key and a session token read `<redacted>`, and with managed session tokens the token that
/// would be minted at call time is named, not minted.
///
/// ```
/// let client = refold_core::Client::builder()
///     .api_key("tk_example_key")
///     .linked_account_id("ada@example.com")
///     .base_url("https://app.refold.ai")
///     .build()?;
/// let preview = client.preview_execute_raw("hubspot", "get_contact", &serde_json::json!({ "email": "ada@example.com" }))?;
/// assert_eq!(preview.method(), "POST");
/// assert_eq!(preview.url(), "https://app.refold.ai/api/v2/integration-schema/hubspot/actions/get_contact/execute");
/// assert!(preview.headers().contains(&("x-api-key".to_owned(), "<redacted>".to_owned())));
/// assert_eq!(preview.body(), br#"{"email":"ada@example.com"}"#);
/// assert!(!preview.to_string().contains("tk_example_key"));
///
/// // With managed session tokens, nothing is minted for a preview.
/// let managed = refold_core::Client::builder()
///     .api_key("tk_example_key")
///     .linked_account_id("ada@example.com")
///     .managed_session_tokens(true)
///     .build()?;
/// let preview = managed.preview_execute_raw("hubspot", "get_contact", &serde_json::json!({}))?;
/// assert!(preview.headers().iter().any(|(name, value)| name == "authorization" && value.starts_with("<redacted")));
/// assert!(!preview.headers().iter().any(|(name, _)| name == "x-api-key"));
/// # Ok::<(), refold_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestPreview {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

/// What a credential's header value reads in a preview.
const REDACTED: &str = "<redacted>";

/// Stands in for the managed session token a call would mint, so a preview mints nothing.
const UNMINTED: &str = "<redacted: a session token minted when the call is made>";

/// The `Authorization` value a preview builds with in managed-token mode.
pub(crate) fn unminted_token() -> HeaderValue {
    HeaderValue::from_static(UNMINTED)
}

impl RequestPreview {
    /// The preview of a built request: credentials (sensitive values, `Authorization`)
    /// redacted, then the `host` and `content-length` the HTTP library adds.
    pub(crate) fn of(request: &Request<'_>) -> RequestPreview {
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| {
                let text = if value.as_bytes() == UNMINTED.as_bytes() {
                    UNMINTED.to_owned()
                } else if value.is_sensitive() || *name == header::AUTHORIZATION {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), text)
            })
            .collect();
        let authority = request
            .url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest));
        if let Some(host) = authority {
            headers.push((header::HOST.as_str().to_owned(), host.to_owned()));
        }
        let body = request.body.clone().unwrap_or_default();
        headers.push((header::CONTENT_LENGTH.as_str().to_owned(), body.len().to_string()));
        RequestPreview {
            method: request.method.as_str().to_owned(),
            url: request.url.clone(),
            headers,
            body,
        }
    }
}

impl RequestPreview {
    /// The HTTP method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The full URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Header names (lowercase) and values, credentials redacted, in the order they are set.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body's exact bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// The request as text: the request line, one header per line, a blank line, the body.
impl fmt::Display for RequestPreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        writeln!(f)?;
        write!(f, "{}", String::from_utf8_lossy(&self.body))
    }
}
