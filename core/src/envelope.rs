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

/// The error for a 2xx reply that did not decode: `path` locates the value that did not fit,
/// `output_type` names the action's output type when its `data` is what failed.
pub(crate) fn decode_error(
    reply: &Reply,
    source: serde_json::Error,
    path: Option<String>,
    output_type: Option<&'static str>,
) -> Error {
    Error::Decode(Box::new(DecodeError {
        status: reply.status,
        content_type: reply.content_type_text(),
        body_snippet: snippet(&reply.body),
        request_id: reply.request_id.clone(),
        path,
        output_type,
        source,
    }))
}

/// Decodes `json` as `T`. On failure, the JSON error and, when the JSON was well formed but did
/// not fit `T`, the path of the value that did not (`.` for the whole of it): found by decoding
/// once more, so a successful decoding costs nothing extra.
fn decode_located<T: DeserializeOwned>(json: &[u8]) -> Result<T, (serde_json::Error, Option<String>)> {
    serde_json::from_slice(json).map_err(|error| {
        if error.classify() != serde_json::error::Category::Data {
            return (error, None);
        }
        match serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_slice(json)) {
            Err(located) => {
                let path = located.path().to_string();
                (located.into_inner(), Some(path))
            }
            // The same bytes into the same type: it fails again.
            Ok(_) => (error, None),
        }
    })
}

/// `path` (as `decode_located` gives it) inside the field `parent`: `data.properties.email`.
fn path_within(parent: &str, path: &str) -> String {
    match path {
        "." => parent.to_owned(),
        _ if path.starts_with('[') => format!("{parent}{path}"),
        _ => format!("{parent}.{path}"),
    }
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
    decode_action_in_two_passes(reply)
}

/// The general reading of an execute reply, for every reply the one-pass reading in
/// [`decode_action`] does not take: the envelope with `data` left raw, then `data` decoded on
/// its own. The test `one_pass_decoding_agrees_with_two_passes` checks that both readings give
/// the same result wherever the one-pass one applies.
fn decode_action_in_two_passes<T: DeserializeOwned>(reply: Reply) -> Result<ActionResponse<T>, Error> {
    let envelope: RawEnvelope<'_> =
        serde_json::from_slice(&reply.body).map_err(|e| decode_error(&reply, e, None, None))?;
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
    let data = decode_located::<T>(raw_data.as_bytes()).map_err(|(e, path)| {
        let path = path.map_or_else(|| "data".to_owned(), |path| path_within("data", &path));
        decode_error(&reply, e, Some(path), Some(std::any::type_name::<T>()))
    })?;
    Ok(ActionResponse {
        data,
        node_status,
        http_status: envelope.http_status,
        // Moved, not copied: the reply ends here.
        request_id: reply.request_id,
    })
}

/// A 2xx reply as it is, to be decoded; any other status as the error its body describes.
/// Runs on every reply, inside the retry loop, so the error's class decides whether to retry.
pub(crate) fn check_status(reply: Reply, idempotent: bool, mints_session_token: bool) -> Result<Reply, Error> {
    if (200..300).contains(&reply.status) {
        Ok(reply)
    } else {
        Err(api_error(&reply, idempotent, mints_session_token))
    }
}

/// Decodes any other 2xx JSON reply.
pub(crate) fn decode_json<T: DeserializeOwned>(reply: &Reply) -> Result<T, Error> {
    decode_located(&reply.body).map_err(|(e, path)| {
        let path = path.filter(|path| path != ".");
        decode_error(reply, e, path, None)
    })
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    use bytes::Bytes;
    use serde::Serialize;
    use serde_json::Value;

    use super::*;

    fn reply(body: &str) -> Reply {
        Reply {
            status: 200,
            content_type: None,
            request_id: Some("req-differential".to_owned()),
            retry_after: None,
            body: Bytes::from(body.to_owned()),
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Contact {
        id: String,
        properties: BTreeMap<String, Value>,
    }

    /// A seeded execute reply body: the envelope's fields in any order, each in one of the forms
    /// Refold's documents allow or that a broken reply could hold, sometimes with extra fields,
    /// a duplicated field, or not an envelope at all.
    fn envelope(rng: &mut fastrand::Rng) -> String {
        const DATA: &[&str] = &[
            r#"{"id":"1001","properties":{"email":"ada@example.com","firstname":null}}"#,
            r#"{ "properties" : { } , "id" : "7" , "extra" : [1, 2.5e3, "\u00e9"] }"#,
            r#"{"id":1001,"properties":{}}"#,
            r#"{"id":"1001"}"#,
            r#"[{"id":"1"},{"id":"2"}]"#,
            r#""a string""#,
            "42",
            "-0.0",
            "1e400",
            "18446744073709551616",
            "true",
            "null",
            "{}",
        ];
        const NODE_STATUS: &[&str] = &[
            r#""Success""#,
            r#""Failed""#,
            r#""Errored""#,
            r#""Paused""#,
            r#""success""#,
            r#""Succ\u0065ss""#,
            "null",
            "3",
        ];
        const HTTP_STATUS: &[&str] = &[
            "200",
            "201",
            r#""409""#,
            r#"" 204 ""#,
            "null",
            "70000",
            "-1",
            "2.5",
            "{}",
            r#""abc""#,
            "[200]",
        ];
        if rng.u8(..20) == 0 {
            return rng
                .choice(["", "[]", "null", r#"{"data":"#, "<html>502</html>", r#"{"data":{}}x"#])
                .unwrap()
                .to_owned();
        }
        let mut fields = Vec::new();
        if rng.u8(..6) != 0 {
            // Half the time a contact, which most output types here decode.
            let data = if rng.bool() {
                DATA[rng.usize(..2)]
            } else {
                rng.choice(DATA).unwrap()
            };
            fields.push(format!(r#""data":{data}"#));
        }
        if rng.u8(..4) != 0 {
            let status = if rng.bool() {
                NODE_STATUS[0]
            } else {
                rng.choice(NODE_STATUS).unwrap()
            };
            fields.push(format!(r#""node_status":{status}"#));
        }
        if rng.u8(..4) != 0 {
            fields.push(format!(r#""http_status":{}"#, rng.choice(HTTP_STATUS).unwrap()));
        }
        if rng.u8(..4) == 0 {
            fields.push(r#""request_id":"r-1","extra":{"data":null}"#.to_owned());
        }
        if rng.u8(..15) == 0 && !fields.is_empty() {
            let again = fields[rng.usize(..fields.len())].clone();
            fields.push(again);
        }
        rng.shuffle(&mut fields);
        let space = if rng.bool() { " " } else { "" };
        format!("{space}{{{space}{}{space}}}{space}", fields.join(&format!(",{space}")))
    }

    /// Both readings of `body`, in a form that can be compared: the response, or the error's
    /// debug text (which holds its kind, status, snippet and serde_json's message).
    fn both<T: DeserializeOwned + Debug + PartialEq>(body: &str) -> [Result<ActionResponse<T>, String>; 2] {
        [
            decode_action::<T>(reply(body)).map_err(|error| format!("{error:?}")),
            decode_action_in_two_passes::<T>(reply(body)).map_err(|error| format!("{error:?}")),
        ]
    }

    /// Checks that both readings agree; returns whether the one-pass reading is the one that
    /// answered (a successful reply whose `data` fits `T`).
    fn agree<T: DeserializeOwned + Debug + PartialEq>(body: &str) -> bool {
        let [one_pass, two_passes] = both::<T>(body);
        assert_eq!(one_pass, two_passes, "{} from {body}", std::any::type_name::<T>());
        matches!(
            serde_json::from_str::<TypedEnvelope<'_, T>>(body),
            Ok(TypedEnvelope { data: Some(_), ref node_status, .. })
                if node_status.as_deref().is_none_or(|status| status == "Success")
        )
    }

    #[test]
    fn one_pass_decoding_agrees_with_two_passes() {
        const BODIES: usize = 3_000;
        let mut rng = fastrand::Rng::with_seed(0x0e_2e_10_9e);
        let mut one_pass = 0;
        for _ in 0..BODIES {
            let body = envelope(&mut rng);
            let took_one_pass = [
                agree::<Value>(&body),
                agree::<Contact>(&body),
                agree::<Option<Contact>>(&body),
                agree::<Vec<Value>>(&body),
                agree::<String>(&body),
                agree::<u64>(&body),
                agree::<f64>(&body),
            ];
            one_pass += took_one_pass.into_iter().filter(|taken| *taken).count();
        }
        // The seed exercises both readings: the one-pass one and the fallback.
        let compared = 7 * BODIES;
        assert!(
            one_pass > compared / 10 && compared - one_pass > compared / 10,
            "{one_pass} of {compared}"
        );
    }
}
