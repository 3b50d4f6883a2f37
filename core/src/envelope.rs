//! Tolerant decoding of Refold's reply bodies: the action envelope and the error envelope.
//!
//! Refold's documents disagree on field names (`error_code` or `error`, `http_error_type` or
//! `error_type`) and any field may be missing, so every field here is optional and unknown
//! fields are ignored.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::value::RawValue;

use crate::error::{ApiError, DecodeError, Meaning};
use crate::transport::Reply;
use crate::{ActionResponse, Error, NodeStatus};

/// How many bytes of an unreadable body an error keeps.
pub(crate) const SNIPPET_LIMIT: usize = 512;

/// The first [`SNIPPET_LIMIT`] bytes of a body, as lossy UTF-8 (cut on a byte boundary, so a
/// split character becomes U+FFFD rather than an error).
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(SNIPPET_LIMIT)]).into_owned()
}

/// The execute envelope with `data` left undecoded, so it is decoded once, into the right type:
/// the action's output on success, a raw `Value` on failure.
#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    node_status: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_status")]
    http_status: Option<u16>,
}

/// The execute envelope with `data` decoded straight into the output type.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct TypedEnvelope<'a, T> {
    #[serde(default)]
    data: Option<T>,
    #[serde(borrow, default)]
    node_status: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_status")]
    http_status: Option<u16>,
}

/// Accepts `201`, `"201"` or `null` for a status: the envelope's `http_status` is optional and
/// its type is not pinned down by the spec.
fn lenient_status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Status<'a> {
        Number(u64),
        Text(&'a str),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Status<'de>>::deserialize(deserializer)? {
        Some(Status::Number(n)) => u16::try_from(n).ok(),
        Some(Status::Text(text)) => text.trim().parse().ok(),
        Some(Status::Other(_)) | None => None,
    })
}

fn decode_error(reply: &Reply, source: serde_json::Error) -> Error {
    Error::Decode(Box::new(DecodeError {
        status: reply.status,
        content_type: reply.content_type_text(),
        body_snippet: snippet(&reply.body),
        request_id: reply.request_id.clone(),
        source,
    }))
}

/// Decodes a 2xx execute reply. A `node_status` other than `Success` becomes
/// [`Error::ActionFailed`]; a missing `node_status` is taken as success, since some replies
/// omit it and the HTTP status already said 2xx.
pub(crate) fn decode_action<T: DeserializeOwned>(reply: Reply) -> Result<ActionResponse<T>, Error> {
    // The common case in one pass: a successful reply whose `data` fits the output type.
    if let Ok(TypedEnvelope {
        data: Some(data),
        node_status,
        http_status,
    }) = serde_json::from_slice(&reply.body)
    {
        if node_status.as_deref().is_none_or(|status| status == "Success") {
            return Ok(ActionResponse {
                data,
                node_status: NodeStatus::Success,
                http_status,
                request_id: reply.request_id,
            });
        }
    }
    // Anything else (an app failure, a `data` that does not fit, a missing or null `data`)
    // is read again, leaving `data` raw, so the error says exactly what came back.
    let envelope: RawEnvelope<'_> = serde_json::from_slice(&reply.body).map_err(|e| decode_error(&reply, e))?;
    let node_status = envelope
        .node_status
        .as_deref()
        .map_or(NodeStatus::Success, NodeStatus::from);
    let raw_data = envelope.data.map_or("null", RawValue::get);
    if !node_status.is_success() {
        return Err(Error::ActionFailed {
            node_status,
            http_status: envelope.http_status,
            data: serde_json::from_str(raw_data).unwrap_or(serde_json::Value::Null),
            request_id: reply.request_id.clone(),
        });
    }
    let data = serde_json::from_str(raw_data).map_err(|e| decode_error(&reply, e))?;
    Ok(ActionResponse {
        data,
        node_status,
        http_status: envelope.http_status,
        // Moved, not copied: the reply ends here.
        request_id: reply.request_id,
    })
}

/// Decodes any other 2xx JSON reply.
pub(crate) fn decode_json<T: DeserializeOwned>(reply: &Reply) -> Result<T, Error> {
    serde_json::from_slice(&reply.body).map_err(|e| decode_error(reply, e))
}

/// Refold's error envelope, every field optional; strings or anything else accepted.
#[derive(Deserialize, Default)]
struct ErrorEnvelope {
    #[serde(default)]
    http_error_type: Option<serde_json::Value>,
    #[serde(default)]
    error_type: Option<serde_json::Value>,
    #[serde(default)]
    error_code: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    request_id: Option<serde_json::Value>,
}

fn text(value: Option<serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s),
        serde_json::Value::String(_) | serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Whether an `error`/`error_code` value reads like a code (`VALIDATION_ERROR`) rather than
/// a sentence.
fn looks_like_code(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn mentions_rate_limit(text: &str) -> bool {
    let normalized = text.to_ascii_lowercase().replace(['_', '-'], " ");
    normalized.contains("rate limit") || normalized.contains("ratelimit") || normalized.contains("too many requests")
}

/// Builds the error for a 4xx/5xx reply, keeping whatever evidence the body holds.
pub(crate) fn api_error(reply: &Reply, idempotent: bool, mints_session_token: bool) -> Error {
    let parsed = serde_json::from_slice::<serde_json::Value>(&reply.body)
        .ok()
        .filter(serde_json::Value::is_object)
        .and_then(|value| serde_json::from_value::<ErrorEnvelope>(value).ok());
    let readable = parsed.is_some();
    let envelope = parsed.unwrap_or_default();

    let error_field = text(envelope.error);
    let mut error_code = text(envelope.error_code);
    let mut message = text(envelope.message);
    // `error` is a code in some replies and a sentence in others.
    if let Some(error) = error_field {
        if error_code.is_none() && looks_like_code(&error) {
            error_code = Some(error);
        } else if message.is_none() {
            message = Some(error);
        }
    }
    let error_type = text(envelope.http_error_type).or_else(|| text(envelope.error_type));
    let request_id = text(envelope.request_id).or_else(|| reply.request_id.clone());

    let rate_limited = match reply.status {
        429 => true,
        403 if readable => [&error_code, &message, &error_type]
            .into_iter()
            .flatten()
            .any(|field| mentions_rate_limit(field)),
        403 => mentions_rate_limit(&snippet(&reply.body)),
        _ => false,
    };

    let meaning = match reply.status {
        404 if names_slug_or_action([&error_code, &message]) => Meaning::UnknownAction,
        404 => Meaning::UnknownRoute,
        // Refold's own envelope (a proxy's 500 page is not one) from the mint.
        500 if mints_session_token && readable => Meaning::UnknownLinkedAccount,
        _ => Meaning::Plain,
    };

    Error::Api(Box::new(ApiError {
        status: reply.status,
        error_code,
        error_type,
        message,
        request_id,
        retry_after: reply.retry_after,
        rate_limited,
        content_type: reply.content_type_text(),
        body_snippet: (!readable).then(|| snippet(&reply.body)),
        idempotent,
        meaning,
    }))
}

/// Whether a 404's envelope says which of the slug or the action Refold does not know
/// ("Integration slug not found", "Action not found for the specified slug and action_id").
/// Any other 404 (an HTML page, a message naming the path, which holds `/actions` itself)
/// means Refold has no such route.
fn names_slug_or_action(fields: [&Option<String>; 2]) -> bool {
    fields.into_iter().flatten().any(|field| {
        let field = field.to_ascii_lowercase();
        field.contains("not found") && (field.contains("slug") || field.contains("action")) && !field.contains('/')
    })
}
