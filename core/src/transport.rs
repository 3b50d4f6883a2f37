//! One HTTP exchange: send a built request, read the reply within the size cap, and turn what
//! happened into a [`Reply`] or a transport-level [`Error`] (no connection, a broken body, a
//! redirect, a body over the cap). What a reply's status and body mean is Refold's, read in
//! `envelope.rs`; requests are built in `pipeline.rs`, and retried in `retry.rs`.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Response};

use crate::Error;
use crate::error::TransportError;

/// The header Refold (and the emulator) use for the request id.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// What the transport needs to know about one request; borrowed by every attempt.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) method: Method,
    pub(crate) url: String,
    /// Borrowed from the client handle when they are its prebuilt execute headers.
    pub(crate) headers: Cow<'a, HeaderMap>,
    pub(crate) body: Option<Bytes>,
    /// Whether repeating the request is harmless; recorded in errors for `is_retryable`.
    pub(crate) idempotent: bool,
}

/// A reply that is not a redirect, read in full within the size cap, whatever its status
/// (`envelope::check_status` turns a refusal into its error).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// Kept as the header value (no copy): only an error reads it, through
    /// [`Reply::content_type_text`].
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Bytes,
}

impl Reply {
    /// The `Content-Type` header as text, for errors.
    pub(crate) fn content_type_text(&self) -> Option<String> {
        self.content_type
            .as_ref()
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }
}

/// Sends one request and reads its reply, of any status but a redirect.
///
/// The request is borrowed, so a retry reuses it: each attempt copies only the header map
/// (straight into reqwest's request) and shares the body.
pub(crate) async fn send_once(
    http: &reqwest::Client,
    request: &Request<'_>,
    max_response_bytes: u64,
    detect_followed_redirects: bool,
) -> Result<Reply, Error> {
    let idempotent = request.idempotent;
    let mut builder = http.request(request.method.clone(), request.url.as_str());
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let mut outgoing = builder
        .build()
        .map_err(|source| classify_send_error(source, idempotent))?;
    *outgoing.headers_mut() = HeaderMap::clone(&request.headers);
    let response = http
        .execute(outgoing)
        .await
        .map_err(|source| classify_send_error(source, idempotent))?;
    let status = response.status().as_u16();
    // A caller-supplied client may have followed a redirect on its own; its reply comes from
    // somewhere we did not send the request, so it is refused like a redirect.
    if detect_followed_redirects && response.url().as_str() != request.url {
        return Err(Error::Redirect {
            status,
            location: Some(response.url().to_string()),
        });
    }
    if response.status().is_redirection() {
        let location = header_text(response.headers(), header::LOCATION);
        return Err(Error::Redirect { status, location });
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let request_id = header_text(response.headers(), REQUEST_ID_HEADER);
    let retry_after = response.headers().get(header::RETRY_AFTER).and_then(parse_retry_after);
    let body = read_capped(response, status, max_response_bytes, idempotent).await?;
    Ok(Reply {
        status,
        content_type,
        request_id,
        retry_after,
        body,
    })
}

/// A failure before any reply arrived. Only a connect failure proves the request never left;
/// anything later may have reached Refold.
fn classify_send_error(source: reqwest::Error, idempotent: bool) -> Error {
    let connect = source.is_connect();
    let source = TransportError::new(source, idempotent);
    if connect {
        Error::Connect { source }
    } else {
        Error::Transport { source }
    }
}

/// A reply body that broke off: the request certainly reached Refold.
fn body_error(source: reqwest::Error, idempotent: bool) -> Error {
    Error::Transport {
        source: TransportError::new(source, idempotent),
    }
}

fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// `Retry-After` as a delay: whole seconds, or an HTTP date (a date in the past means now).
pub(crate) fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Reads the body without ever holding more than `limit` bytes of it: a declared length over
/// the cap is refused before reading, and a streamed body is abandoned as soon as it passes it.
async fn read_capped(mut response: Response, status: u16, limit: u64, idempotent: bool) -> Result<Bytes, Error> {
    let too_large = || Error::BodyTooLarge { status, limit };
    match response.content_length() {
        Some(length) if length > limit => return Err(too_large()),
        // hyper never yields more than a declared length, so the cap already holds.
        Some(_) => {
            return response.bytes().await.map_err(|source| body_error(source, idempotent));
        }
        None => {}
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|source| body_error(source, idempotent))?
    {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
