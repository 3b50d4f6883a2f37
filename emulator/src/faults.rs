//! Faults the emulator can inject instead of (or around) normal handling, and the queue that
//! decides which request gets which fault.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use http_body::{Frame, SizeHint};
use serde_json::Value;

use crate::envelope::{JSON_CONTENT_TYPE, RequestId, error_body, json_response};

/// A misbehaviour to inject, as a flaky network, a proxy or an overloaded Refold would produce.
///
/// Faults are queued with [`Emulator::inject`](crate::Emulator::inject) or
/// [`Emulator::inject_for`](crate::Emulator::inject_for) (each is used by exactly one request) or
/// drawn at random with [`Emulator::set_random_faults`](crate::Emulator::set_random_faults).
/// Every request is recorded before its fault applies. Only [`Fault::Delay`] and
/// [`Fault::DropAfterExecute`] let the action run.
///
/// ```
/// use std::time::Duration;
/// use refold_emulator::{Fault, FaultBody, RetryAfter};
///
/// let throttled = Fault::Status {
///     status: 429,
///     body: FaultBody::Json(serde_json::json!({ "message": "slow down" })),
///     retry_after: Some(RetryAfter::Seconds(2)),
/// };
/// let bad_gateway = Fault::html(502, "<html><body>502 Bad Gateway</body></html>");
/// let refold_503 = Fault::refold_error(503);
/// let slow = Fault::Delay(Duration::from_millis(250));
/// # let _ = (throttled, bad_gateway, refold_503, slow);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Reply with `status`, `body` and an optional `Retry-After` instead of handling the request.
    Status {
        /// The HTTP status.
        status: u16,
        /// The reply body.
        body: FaultBody,
        /// A `Retry-After` header.
        retry_after: Option<RetryAfter>,
    },
    /// Read the body, wait this long, then handle the request normally: the action runs. It
    /// runs even when the client stops waiting during the delay (a timeout) and closes the
    /// connection, as on a real server that received the whole request, so a client's timeout
    /// leaves a write that has executed (see [`Emulator::executed_count`](crate::Emulator::executed_count)).
    Delay(Duration),
    /// Close the TCP connection without reading the request body or replying; the action does
    /// not run. The request is recorded with an empty body.
    DropBeforeBody,
    /// Read the body and handle the request (the action runs and counts as executed), then close
    /// the TCP connection without sending the reply.
    DropAfterExecute,
    /// Reply 403 with a Refold body that says the rate limit was hit (the older docs' reading).
    RateLimit403,
    /// Reply `status` (e.g. 307) with `Location: location` and an empty body.
    Redirect {
        /// A 3xx status.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// Reply 200 `application/json` with exactly `bytes` bytes, streamed in 64 KiB chunks with a
    /// `Content-Length` and never held in memory whole. From 77 bytes up the body is a valid
    /// action envelope (`{"data":{"id":…,"padding":"xxx…"},"node_status":"Success",…}`);
    /// below that it is the envelope's first `bytes` bytes.
    LargeBody {
        /// The body length.
        bytes: u64,
    },
    /// Reply 200 `application/json` with a body that stops in the middle of an object.
    TruncatedJson,
}

/// The body of a [`Fault::Status`] reply.
///
/// In a JSON body, a top-level `"request_id": null` is replaced by the reply's request id
/// (the one in its `x-request-id` header), so a fault can look exactly like a Refold error.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultBody {
    /// `application/json; charset=utf-8`.
    Json(Value),
    /// `text/html; charset=utf-8`, as a proxy's error page.
    Html(String),
    /// No body at all (`Content-Length: 0`).
    Empty,
}

/// The value of a `Retry-After` header.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use refold_emulator::RetryAfter;
///
/// let in_two_seconds = RetryAfter::Seconds(2);
/// let at = RetryAfter::HttpDate(SystemTime::now() + Duration::from_secs(30));
/// # let _ = (in_two_seconds, at);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 2`.
    Seconds(u64),
    /// `Retry-After: Fri, 02 Jan 2026 03:04:05 GMT`.
    HttpDate(SystemTime),
}

impl RetryAfter {
    fn header_value(self) -> HeaderValue {
        match self {
            RetryAfter::Seconds(s) => HeaderValue::from(s),
            RetryAfter::HttpDate(t) => {
                HeaderValue::from_str(&httpdate::fmt_http_date(t)).expect("HTTP dates are ASCII")
            }
        }
    }
}

impl Fault {
    /// A [`Fault::Status`] with Refold's error envelope for `status` (`error_code` `SERVER_ERROR`,
    /// or `RATE_LIMIT_EXCEEDED` for 429) and the reply's request id.
    ///
    /// ```
    /// use refold_emulator::Fault;
    /// assert!(matches!(Fault::refold_error(500), Fault::Status { status: 500, .. }));
    /// ```
    pub fn refold_error(status: u16) -> Fault {
        let (code, message) = match status {
            429 => ("RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
            500 => ("SERVER_ERROR", "Internal server error"),
            502 => ("SERVER_ERROR", "Bad gateway"),
            503 => ("SERVER_ERROR", "Service temporarily unavailable"),
            504 => ("SERVER_ERROR", "Gateway timeout"),
            _ => ("SERVER_ERROR", "Injected error"),
        };
        Fault::Status {
            status,
            body: FaultBody::Json(error_body(status, code, message)),
            retry_after: None,
        }
    }

    /// A 429 with Refold's envelope and `Retry-After: seconds`.
    ///
    /// ```
    /// use refold_emulator::{Fault, RetryAfter};
    /// assert!(matches!(
    ///     Fault::too_many_requests(3),
    ///     Fault::Status { status: 429, retry_after: Some(RetryAfter::Seconds(3)), .. }
    /// ));
    /// ```
    pub fn too_many_requests(retry_after_secs: u64) -> Fault {
        match Fault::refold_error(429) {
            Fault::Status { status, body, .. } => Fault::Status {
                status,
                body,
                retry_after: Some(RetryAfter::Seconds(retry_after_secs)),
            },
            _ => unreachable!("refold_error builds a Status fault"),
        }
    }

    /// A [`Fault::Status`] with an HTML body, as a proxy in front of Refold sends.
    pub fn html(status: u16, html: impl Into<String>) -> Fault {
        Fault::Status {
            status,
            body: FaultBody::Html(html.into()),
            retry_after: None,
        }
    }

    /// A [`Fault::Status`] with an empty body (an empty 504 from a proxy, say).
    pub fn empty(status: u16) -> Fault {
        Fault::Status {
            status,
            body: FaultBody::Empty,
            retry_after: None,
        }
    }
}

/// Which faults are pending and the random-fault generator.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    state: Mutex<PlanState>,
}

#[derive(Debug, Default)]
struct PlanState {
    queue: VecDeque<Fault>,
    targeted: Vec<(String, Fault)>,
    random: Option<RandomFaults>,
}

#[derive(Debug)]
struct RandomFaults {
    rate: f64,
    rng: fastrand::Rng,
    faults: Vec<Fault>,
}

impl FaultPlan {
    fn lock(&self) -> std::sync::MutexGuard<'_, PlanState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn push(&self, fault: Fault) {
        self.lock().queue.push_back(fault);
    }

    pub(crate) fn push_for(&self, path_contains: &str, fault: Fault) {
        self.lock().targeted.push((path_contains.to_owned(), fault));
    }

    pub(crate) fn set_random(&self, rate: f64, seed: u64, faults: Vec<Fault>) {
        self.lock().random = (rate > 0.0 && !faults.is_empty()).then(|| RandomFaults {
            rate: rate.min(1.0),
            rng: fastrand::Rng::with_seed(seed),
            faults,
        });
    }

    /// The fault for the next request to `path`, if any. Targeted faults come first (oldest
    /// first), then the FIFO queue, then a random draw. The random generator advances on every
    /// request while it is on, so the n-th request always sees the n-th draw.
    pub(crate) fn next(&self, path: &str) -> Option<Fault> {
        let mut state = self.lock();
        let drawn = state.random.as_mut().and_then(|r| {
            let hit = r.rng.f64() < r.rate;
            let pick = r.rng.usize(..r.faults.len());
            hit.then(|| r.faults[pick].clone())
        });
        if let Some(i) = state
            .targeted
            .iter()
            .position(|(needle, _)| path.contains(needle.as_str()))
        {
            return Some(state.targeted.remove(i).1);
        }
        state.queue.pop_front().or(drawn)
    }
}

/// The reply of a fault that answers in place of the request, for the faults that do.
pub(crate) fn reply(fault: &Fault, request_id: &RequestId) -> Option<Response> {
    match fault {
        Fault::Status {
            status,
            body,
            retry_after,
        } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match body {
                FaultBody::Json(value) => json_response(status, &with_request_id(value, request_id)),
                FaultBody::Html(html) => {
                    let mut r = Response::new(Body::from(html.clone()));
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/html; charset=utf-8"),
                    );
                    r
                }
                FaultBody::Empty => Response::new(Body::empty()),
            };
            *response.status_mut() = status;
            if let Some(retry_after) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, retry_after.header_value());
            }
            Some(response)
        }
        Fault::RateLimit403 => {
            let mut body = error_body(403, "RATE_LIMIT_EXCEEDED", "Rate Limit Hit");
            body["request_id"] = request_id.0.clone().into();
            Some(json_response(StatusCode::FORBIDDEN, &body))
        }
        Fault::Redirect { status, location } => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::from_u16(*status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            if let Ok(value) = HeaderValue::from_str(location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            Some(response)
        }
        Fault::LargeBody { bytes } => {
            let mut response = Response::new(Body::new(LargeEnvelope::new(*bytes)));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
            Some(response)
        }
        Fault::TruncatedJson => {
            let mut response = Response::new(Body::from(TRUNCATED_JSON));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
            Some(response)
        }
        Fault::Delay(_) | Fault::DropBeforeBody | Fault::DropAfterExecute => None,
    }
}

fn with_request_id(value: &Value, request_id: &RequestId) -> Value {
    let mut value = value.clone();
    if let Some(slot) = value.as_object_mut().and_then(|o| o.get_mut("request_id")) {
        if slot.is_null() {
            *slot = request_id.0.clone().into();
        }
    }
    value
}

/// An action envelope cut off inside `data.properties`.
const TRUNCATED_JSON: &str = r#"{"data":{"id":"1001","properties":{"email":"ada@example.com","firstname":"Ad"#;

const LARGE_PREFIX: &[u8] = br#"{"data":{"id":"1001","padding":""#;
const LARGE_SUFFIX: &[u8] = br#""},"node_status":"Success","http_status":200}"#;
const CHUNK: usize = 64 * 1024;
static PADDING: [u8; CHUNK] = [b'x'; CHUNK];

/// A JSON envelope of an exact length, produced chunk by chunk.
struct LargeEnvelope {
    /// Bytes not yet sent.
    remaining: u64,
    /// Bytes of padding not yet sent (the prefix is sent while `remaining` exceeds it + suffix).
    padding: u64,
    prefix_sent: bool,
}

impl LargeEnvelope {
    fn new(bytes: u64) -> Self {
        let framing = (LARGE_PREFIX.len() + LARGE_SUFFIX.len()) as u64;
        LargeEnvelope {
            remaining: bytes,
            padding: bytes.saturating_sub(framing),
            prefix_sent: false,
        }
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        if self.remaining == 0 {
            return None;
        }
        let chunk = if !self.prefix_sent {
            self.prefix_sent = true;
            Bytes::from_static(LARGE_PREFIX)
        } else if self.padding > 0 {
            let n = self.padding.min(CHUNK as u64) as usize;
            self.padding -= n as u64;
            Bytes::from_static(&PADDING[..n])
        } else {
            Bytes::from_static(LARGE_SUFFIX)
        };
        // Too small for the framing: send a prefix of the envelope (still exactly `bytes`).
        let n = chunk.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        self.remaining -= n as u64;
        Some(chunk.slice(..n))
    }
}

impl http_body::Body for LargeEnvelope {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().next_chunk().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(bytes: u64) -> Vec<u8> {
        let mut body = LargeEnvelope::new(bytes);
        let mut out = Vec::new();
        while let Some(chunk) = body.next_chunk() {
            assert!(chunk.len() <= CHUNK);
            out.extend_from_slice(&chunk);
        }
        out
    }

    #[test]
    fn large_envelope_has_the_exact_length_and_is_valid_json() {
        for n in [200, 65_536, 200_003] {
            let body = collect(n);
            assert_eq!(body.len() as u64, n);
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["node_status"], "Success");
        }
        assert_eq!(collect(10).len(), 10);
        assert!(collect(0).is_empty());
    }

    #[test]
    fn truncated_json_does_not_parse() {
        assert!(serde_json::from_str::<Value>(TRUNCATED_JSON).is_err());
    }

    #[test]
    fn random_draws_repeat_for_a_seed_and_skip_when_rate_is_zero() {
        let draw = |seed| {
            let plan = FaultPlan::default();
            plan.set_random(0.5, seed, vec![Fault::DropBeforeBody, Fault::TruncatedJson]);
            (0..64).map(|_| plan.next("/x")).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert!(draw(7).iter().any(Option::is_some) && draw(7).iter().any(Option::is_none));
        let plan = FaultPlan::default();
        plan.set_random(0.0, 7, vec![Fault::DropBeforeBody]);
        assert!((0..64).all(|_| plan.next("/x").is_none()));
    }

    #[test]
    fn targeted_faults_wait_for_their_path_and_queue_is_fifo() {
        let plan = FaultPlan::default();
        plan.push(Fault::empty(502));
        plan.push(Fault::empty(503));
        plan.push_for("/execute", Fault::TruncatedJson);
        assert_eq!(plan.next("/actions"), Some(Fault::empty(502)));
        assert_eq!(plan.next("/a/execute"), Some(Fault::TruncatedJson));
        assert_eq!(plan.next("/a/execute"), Some(Fault::empty(503)));
        assert_eq!(plan.next("/a/execute"), None);
    }
}
