//! What the emulator received and what it executed, for tests to assert on.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

/// One HTTP request as the emulator received it, recorded before any fault applied.
///
/// ```
/// use refold_emulator::RecordedRequest;
///
/// let request = RecordedRequest {
///     method: "POST".into(),
///     path: "/api/v2/public/session-token".into(),
///     query: Some("force_refresh=true".into()),
///     headers: vec![("content-type".into(), "application/json".into())],
///     body: br#"{"linked_account_id":"ada@example.com"}"#.to_vec(),
/// };
/// assert_eq!(request.header("Content-Type"), Some("application/json"));
/// assert_eq!(request.body_json().unwrap()["linked_account_id"], "ada@example.com");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, still percent-encoded as it was sent.
    pub path: String,
    /// The query string without `?`, if there was one.
    pub query: Option<String>,
    /// Every header in the order received; names lowercase, values decoded lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body bytes; empty when the request was dropped before its body was read.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    /// When the body is not JSON.
    pub fn body_json(&self) -> serde_json::Result<Value> {
        serde_json::from_slice(&self.body)
    }
}

/// The first value of header `name` (case-insensitive) in a recorded list of headers.
pub(crate) fn first_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One action run: it passed authentication and validation and reached the app (whatever the
/// app then answered, a conflict or a not-found included).
///
/// ```
/// use refold_emulator::Execution;
///
/// let run = Execution {
///     linked_account_id: "ada@example.com".into(),
///     slug: "hubspot".into(),
///     action_id: "create_contact".into(),
///     params: serde_json::json!({ "email": "ada@example.com" }),
/// };
/// assert_eq!(run.params["email"], "ada@example.com");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Execution {
    /// The linked account the action ran for.
    pub linked_account_id: String,
    /// The app.
    pub slug: String,
    /// The action.
    pub action_id: String,
    /// The request body the action ran with.
    pub params: Value,
}

#[derive(Debug, Default)]
struct Log {
    requests: Vec<RecordedRequest>,
    executions: Vec<Execution>,
    counts: HashMap<(String, String), u64>,
}

/// The request and execution logs.
#[derive(Debug)]
pub(crate) struct Recorder {
    record_requests: bool,
    log: Mutex<Log>,
}

impl Recorder {
    pub(crate) fn new(record_requests: bool) -> Self {
        Recorder {
            record_requests,
            log: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn records_requests(&self) -> bool {
        self.record_requests
    }

    pub(crate) fn request(&self, request: RecordedRequest) {
        self.lock().requests.push(request);
    }

    pub(crate) fn execution(&self, execution: Execution) {
        let mut log = self.lock();
        let key = (execution.slug.clone(), execution.action_id.clone());
        *log.counts.entry(key).or_default() += 1;
        // Without recording, only the counts are kept, so a long run's memory stays flat.
        if self.record_requests {
            log.executions.push(execution);
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    pub(crate) fn executions(&self) -> Vec<Execution> {
        self.lock().executions.clone()
    }

    pub(crate) fn executed_count(&self, slug: &str, action_id: &str) -> u64 {
        // A linear scan over distinct (slug, action) pairs avoids allocating a lookup key.
        self.lock()
            .counts
            .iter()
            .find(|((s, a), _)| s == slug && a == action_id)
            .map_or(0, |(_, n)| *n)
    }
}
