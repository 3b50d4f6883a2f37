//! Reply bodies: Refold's error envelope, the action-result envelope, and the JSON content type
//! every reply carries.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// `Content-Type` of every JSON reply, as Refold sends it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The id of one request; echoed in `x-request-id` and in error bodies.
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub(crate) String);

impl RequestId {
    pub(crate) fn fresh() -> Self {
        RequestId(random_uuid())
    }
}

/// A version-4 UUID from a thread-local generator: request ids need to be unique, not
/// unpredictable, and this avoids a `getrandom` system call on every request.
pub(crate) fn random_uuid() -> String {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A JSON reply with Refold's content type.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("reply bodies are plain JSON values");
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    response
}

/// `BAD_REQUEST`, `NOT_FOUND`, … — the upper-snake name of a status, as in `http_error_type`.
pub(crate) fn error_type_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("UNKNOWN")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_")
        .replace('\'', "")
}

/// Refold's error envelope for `status`, with `request_id` left `null` (filled per reply).
pub(crate) fn error_body(status: u16, error_code: &str, message: &str) -> Value {
    let name = StatusCode::from_u16(status)
        .map(error_type_name)
        .unwrap_or_else(|_| "UNKNOWN".to_owned());
    json!({
        "status_code": status,
        "http_error_type": name,
        "error_code": error_code,
        "message": message,
        "request_id": Value::Null,
    })
}

/// Which key names the error class: most endpoints say `http_error_type`, the session-token
/// endpoints say `error_type` (both readings exist in Refold's docs; clients must cope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorStyle {
    HttpErrorType,
    ErrorType,
}

/// A Refold API error. Handlers return it (it is an axum [`IntoResponse`]); the server writes its
/// envelope with [`ApiError::render`] once the reply's request id is added, in one place
/// (`server.rs`).
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) error_code: &'static str,
    pub(crate) message: String,
    pub(crate) style: ErrorStyle,
    /// Seconds for a `Retry-After` header.
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, error_code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error_code,
            message: message.into(),
            style: ErrorStyle::HttpErrorType,
            retry_after: None,
        }
    }

    /// 400 `VALIDATION_ERROR`.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    /// 401 `SERVER_ERROR`.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "SERVER_ERROR", message)
    }

    /// 404 `SERVER_ERROR`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "SERVER_ERROR", message)
    }

    /// 405 `SERVER_ERROR`.
    /// 409: what was to be created exists already.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    pub(crate) fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "SERVER_ERROR", message)
    }

    /// 413 `VALIDATION_ERROR`.
    pub(crate) fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "VALIDATION_ERROR", message)
    }

    /// 500 `SERVER_ERROR`.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "SERVER_ERROR", message)
    }

    /// 429 `RATE_LIMIT_EXCEEDED` with `Retry-After: seconds`.
    pub(crate) fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED", message);
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// The reply: Refold's envelope naming `request_id`, with `Retry-After` when set.
    pub(crate) fn render(self, request_id: &RequestId) -> Response {
        let type_key = match self.style {
            ErrorStyle::HttpErrorType => "http_error_type",
            ErrorStyle::ErrorType => "error_type",
        };
        let mut body = serde_json::Map::new();
        body.insert("status_code".into(), self.status.as_u16().into());
        body.insert(type_key.into(), error_type_name(self.status).into());
        body.insert("error_code".into(), self.error_code.into());
        body.insert("message".into(), self.message.into());
        body.insert("request_id".into(), request_id.0.clone().into());
        let mut response = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl IntoResponse for ApiError {
    /// The status, with the error kept in the response's extensions: the envelope names the
    /// request id, which the server adds to every reply after the handler returns.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The outcome of an action as the app reported it; becomes `{"data", "node_status", "http_status"}`.
#[derive(Debug)]
pub(crate) struct ActionOutcome {
    pub(crate) data: Value,
    pub(crate) node_status: &'static str,
    pub(crate) http_status: u16,
}

impl ActionOutcome {
    pub(crate) fn success(http_status: u16, data: Value) -> Self {
        ActionOutcome {
            data,
            node_status: "Success",
            http_status,
        }
    }

    pub(crate) fn failed(http_status: u16, data: Value) -> Self {
        ActionOutcome {
            data,
            node_status: "Failed",
            http_status,
        }
    }

    pub(crate) fn into_response(self) -> Response {
        json_response(
            StatusCode::OK,
            &json!({
                "data": self.data,
                "node_status": self.node_status,
                "http_status": self.http_status,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_v4_uuids() {
        let (a, b) = (random_uuid(), random_uuid());
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn error_type_names_match_refold() {
        assert_eq!(error_type_name(StatusCode::BAD_REQUEST), "BAD_REQUEST");
        assert_eq!(error_type_name(StatusCode::NOT_FOUND), "NOT_FOUND");
        assert_eq!(
            error_type_name(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL_SERVER_ERROR"
        );
        assert_eq!(error_type_name(StatusCode::TOO_MANY_REQUESTS), "TOO_MANY_REQUESTS");
        assert_eq!(error_type_name(StatusCode::BAD_GATEWAY), "BAD_GATEWAY");
    }
}
