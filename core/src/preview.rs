//! An execute request as the client would send it, built without sending anything: what
//! `refold exec --dry-run` prints.

use std::fmt;

use bytes::Bytes;

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
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

/// What a credential's header value reads in a preview.
pub(crate) const REDACTED: &str = "<redacted>";

impl RequestPreview {
    /// The HTTP method.
    pub fn method(&self) -> &str {
        self.method
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
