//! Resilience under injected faults: how every outcome is classified, which calls are retried
//! (a write only when it certainly did not run), `RetryPolicy` and `Retry-After`, the deadline
//! across attempts, redirects to another origin, and the reply-size cap.
//!
//! The fault matrix runs each fault class against a read (`search_contacts`, idempotent) and a
//! write (`create_contact`, not idempotent) and checks four things: how many attempts the
//! emulator saw, the error's kind and class, `may_have_executed` / `is_retryable`, and how many
//! times the emulator ran the action. Assertions are on counts and kinds, never on how fast
//! something ran, except lower bounds where waiting is the behaviour under test.

use std::time::{Duration, Instant, SystemTime};

use crate::support::{
    CreateContact, GetContact, SearchContacts, builder_for, capture_logs, chunked_body_server, client_for, closed_port,
    execute_attempts, fast_policy, hang_up_server, proc_status_kib,
};
use refold::{Action, Client, Error, ErrorKind, RetryClass, RetryPolicy};
use refold_emulator::{Emulator, Fault, FaultBody, RetryAfter};
use serde_json::json;

const ATTEMPTS: usize = 3;

/// What one call against a faulty emulator produced.
struct Seen {
    result: Result<serde_json::Value, Error>,
    /// Execute requests the emulator received.
    attempts: usize,
    /// Times the emulator ran the action.
    executed: u64,
}

impl Seen {
    fn error(&self) -> &Error {
        match &self.result {
            Ok(data) => panic!("expected an error, got Ok({data})"),
            Err(error) => error,
        }
    }
}

/// Queues `faults` for the execute endpoint of a fresh emulator, calls `action` once through a
/// client with the fast policy (3 attempts), and reports what happened.
async fn call_with_faults<A>(action: A, faults: impl IntoIterator<Item = Fault>) -> Seen
where
    A: Action<Output = serde_json::Value>,
{
    let emulator = Emulator::start().await.unwrap();
    for fault in faults {
        emulator.inject_for("/execute", fault);
    }
    let client = client_for(&emulator);
    let result = client.execute(&action).await.map(|reply| reply.data);
    Seen {
        result,
        attempts: execute_attempts(&emulator),
        executed: emulator.executed_count(A::SLUG, A::ACTION_ID),
    }
}

fn read() -> SearchContacts {
    SearchContacts { query: "ada".into() }
}

fn write() -> CreateContact {
    CreateContact::new("ada@example.com")
}

/// Enough copies of `fault` for every attempt of the fast policy.
fn every_attempt(fault: Fault) -> Vec<Fault> {
    vec![fault; ATTEMPTS]
}

#[track_caller]
fn assert_class(error: &Error, kind: ErrorKind, class: RetryClass, may_have_executed: bool, retryable: bool) {
    assert_eq!(error.kind(), kind, "kind of {error}");
    assert_eq!(error.retry_class(), class, "class of {error}");
    assert_eq!(
        error.may_have_executed(),
        may_have_executed,
        "may_have_executed of {error}"
    );
    assert_eq!(error.is_retryable(), retryable, "is_retryable of {error}");
}

fn refold_body(status: u16, error_type: &str, code: &str, message: &str) -> FaultBody {
    FaultBody::Json(json!({
        "status_code": status,
        "http_error_type": error_type,
        "error_code": code,
        "message": message,
        "request_id": null,
    }))
}

fn status_fault(status: u16, body: FaultBody) -> Fault {
    Fault::Status {
        status,
        body,
        retry_after: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The fault matrix: each class × {read, write}.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn connect_refused_is_retried_for_reads_and_writes_and_never_executed() {
    let port = closed_port().await;
    let (logs, _guard) = capture_logs();
    let client = Client::builder()
        .api_key("tk_connect_refused")
        .linked_account_id("ada@example.com")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_policy())
        .build()
        .unwrap();

    let read_error = client.execute(&read()).await.unwrap_err();
    assert_class(&read_error, ErrorKind::Transport, RetryClass::Transient, false, true);
    let write_error = client.execute(&write()).await.unwrap_err();
    assert_class(&write_error, ErrorKind::Transport, RetryClass::Transient, false, true);

    // Nothing listens, so the attempts are counted from the call spans.
    assert_eq!(
        logs.attempts(),
        vec![ATTEMPTS as u32, ATTEMPTS as u32],
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn peer_hanging_up_after_the_request_retries_reads_but_not_writes() {
    let (port, accepted) = hang_up_server().await;
    let client = Client::builder()
        .api_key("tk_hang_up")
        .linked_account_id("ada@example.com")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_policy())
        .build()
        .unwrap();

    let read_error = client.execute(&read()).await.unwrap_err();
    assert_class(
        &read_error,
        ErrorKind::Transport,
        RetryClass::OutcomeUnknown,
        true,
        true,
    );
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), ATTEMPTS);

    let write_error = client.execute(&write()).await.unwrap_err();
    assert_class(
        &write_error,
        ErrorKind::Transport,
        RetryClass::OutcomeUnknown,
        true,
        false,
    );
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), ATTEMPTS + 1);
}

#[tokio::test]
async fn drop_before_body_retries_reads_but_not_writes() {
    let seen = call_with_faults(read(), every_attempt(Fault::DropBeforeBody)).await;
    assert_class(
        seen.error(),
        ErrorKind::Transport,
        RetryClass::OutcomeUnknown,
        true,
        true,
    );
    assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, 0));

    let seen = call_with_faults(write(), every_attempt(Fault::DropBeforeBody)).await;
    assert_class(
        seen.error(),
        ErrorKind::Transport,
        RetryClass::OutcomeUnknown,
        true,
        false,
    );
    assert_eq!((seen.attempts, seen.executed), (1, 0));
}

#[tokio::test]
async fn write_is_not_retried_after_the_connection_drops_once_it_executed() {
    let seen = call_with_faults(read(), every_attempt(Fault::DropAfterExecute)).await;
    assert_class(
        seen.error(),
        ErrorKind::Transport,
        RetryClass::OutcomeUnknown,
        true,
        true,
    );
    assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, ATTEMPTS as u64));

    let seen = call_with_faults(write(), every_attempt(Fault::DropAfterExecute)).await;
    assert_class(
        seen.error(),
        ErrorKind::Transport,
        RetryClass::OutcomeUnknown,
        true,
        false,
    );
    assert_eq!(
        (seen.attempts, seen.executed),
        (1, 1),
        "the write ran once and was not repeated"
    );
}

#[tokio::test]
async fn write_is_not_retried_after_timeout() {
    const DELAY: Duration = Duration::from_millis(1500);
    for idempotent in [true, false] {
        let emulator = Emulator::start().await.unwrap();
        emulator.inject_for("/execute", Fault::Delay(DELAY));
        emulator.inject_for("/execute", Fault::Delay(DELAY));
        let client = builder_for(&emulator)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let error = if idempotent {
            client.execute(&read()).await.unwrap_err()
        } else {
            client.execute(&write()).await.unwrap_err()
        };
        // The timeout covers the whole call, so no time is left for another attempt, read or write.
        assert_class(
            &error,
            ErrorKind::Transport,
            RetryClass::OutcomeUnknown,
            true,
            idempotent,
        );
        assert_eq!(execute_attempts(&emulator), 1);
        // Let the delayed request finish on the emulator's side before counting executions.
        tokio::time::sleep(DELAY + Duration::from_millis(300)).await;
        let action = if idempotent {
            "search_contacts"
        } else {
            "create_contact"
        };
        // The request reached the emulator whole, so it ran although the client gave up: that
        // is why the error says the outcome is unknown.
        assert_eq!(emulator.executed_count("hubspot", action), 1);
    }
}

#[tokio::test]
async fn server_errors_with_json_bodies_retry_reads_but_not_writes() {
    for status in [500, 502, 503, 504] {
        let seen = call_with_faults(read(), every_attempt(Fault::refold_error(status))).await;
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::OutcomeUnknown, true, true);
        assert_eq!(error.status(), Some(status));
        assert!(
            error.request_id().is_some(),
            "the envelope's request id is kept: {error:?}"
        );
        assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, 0), "read, status {status}");

        let seen = call_with_faults(write(), every_attempt(Fault::refold_error(status))).await;
        assert_class(seen.error(), ErrorKind::Refold, RetryClass::OutcomeUnknown, true, false);
        assert_eq!((seen.attempts, seen.executed), (1, 0), "write, status {status}");
    }
}

#[tokio::test]
async fn server_errors_with_html_or_empty_bodies_keep_the_status_and_the_first_bytes() {
    for status in [500, 502, 503, 504] {
        let page = format!("<html><body><h1>{status} Bad Gateway</h1></body></html>");
        let seen = call_with_faults(read(), every_attempt(Fault::html(status, page.clone()))).await;
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::OutcomeUnknown, true, true);
        assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, 0), "read, status {status}");
        let Error::Api(api) = error else {
            panic!("expected Error::Api, got {error:?}")
        };
        assert_eq!(api.status(), status);
        assert!(
            api.content_type().is_some_and(|t| t.starts_with("text/html")),
            "{api:?}"
        );
        assert!(api.body_snippet().is_some_and(|s| s.contains("Bad Gateway")), "{api:?}");
        assert!(error.to_string().contains(&status.to_string()), "{error}");

        let seen = call_with_faults(write(), every_attempt(Fault::html(status, page))).await;
        assert_class(seen.error(), ErrorKind::Refold, RetryClass::OutcomeUnknown, true, false);
        assert_eq!((seen.attempts, seen.executed), (1, 0), "write, status {status}");
    }

    let seen = call_with_faults(write(), every_attempt(Fault::empty(504))).await;
    assert_class(seen.error(), ErrorKind::Refold, RetryClass::OutcomeUnknown, true, false);
    assert_eq!(seen.error().status(), Some(504));
    assert_eq!((seen.attempts, seen.executed), (1, 0));
}

#[tokio::test]
async fn throttled_429_with_retry_after_seconds_is_retried_for_writes_too() {
    for (action, seen) in [
        (
            "read",
            call_with_faults(read(), every_attempt(Fault::too_many_requests(1))).await,
        ),
        (
            "write",
            call_with_faults(write(), every_attempt(Fault::too_many_requests(1))).await,
        ),
    ] {
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::Throttled, false, true);
        assert_eq!(error.status(), Some(429));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(1)), "{action}");
        assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, 0), "{action}");
    }
}

#[tokio::test]
async fn throttled_429_with_retry_after_http_date_is_retried_for_writes_too() {
    let throttled = || Fault::Status {
        status: 429,
        body: refold_body(429, "TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
        retry_after: Some(RetryAfter::HttpDate(SystemTime::now() + Duration::from_secs(5))),
    };
    for (action, seen) in [
        ("read", call_with_faults(read(), every_attempt(throttled())).await),
        ("write", call_with_faults(write(), every_attempt(throttled())).await),
    ] {
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::Throttled, false, true);
        // An HTTP date has whole seconds, and some time passed since it was written.
        let asked = error.retry_after().expect("the HTTP date is parsed");
        assert!(
            asked > Duration::from_secs(2) && asked <= Duration::from_secs(5),
            "{asked:?}"
        );
        assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, 0), "{action}");
    }
}

#[tokio::test]
async fn rate_limit_403_is_throttling_and_retried_for_writes_too() {
    for (action, seen) in [
        (
            "read",
            call_with_faults(read(), every_attempt(Fault::RateLimit403)).await,
        ),
        (
            "write",
            call_with_faults(write(), every_attempt(Fault::RateLimit403)).await,
        ),
    ] {
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::Throttled, false, true);
        assert_eq!(error.status(), Some(403));
        assert!(matches!(error, Error::Api(api) if api.is_rate_limited()));
        assert_eq!((seen.attempts, seen.executed), (ATTEMPTS, 0), "{action}");
    }
}

#[tokio::test]
async fn auth_403_is_not_retried() {
    let forbidden = || {
        status_fault(
            403,
            refold_body(403, "FORBIDDEN", "FORBIDDEN", "Access denied for this linked account"),
        )
    };
    for (action, seen) in [
        ("read", call_with_faults(read(), every_attempt(forbidden())).await),
        ("write", call_with_faults(write(), every_attempt(forbidden())).await),
    ] {
        assert_class(seen.error(), ErrorKind::Refold, RetryClass::Auth, false, false);
        assert_eq!(seen.error().status(), Some(403));
        assert_eq!((seen.attempts, seen.executed), (1, 0), "{action}");
    }
}

#[tokio::test]
async fn unauthorized_401_is_not_retried() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator).api_key("tk_wrong_key").build().unwrap();

    let error = client.execute(&read()).await.unwrap_err();
    assert_class(&error, ErrorKind::Refold, RetryClass::Auth, false, false);
    assert_eq!(error.status(), Some(401));
    assert_eq!(execute_attempts(&emulator), 1);

    let error = client.execute(&write()).await.unwrap_err();
    assert_class(&error, ErrorKind::Refold, RetryClass::Auth, false, false);
    assert_eq!(execute_attempts(&emulator), 2);
    assert_eq!(emulator.executions().len(), 0);

    let unauthorized = || {
        status_fault(
            401,
            refold_body(401, "UNAUTHORIZED", "SERVER_ERROR", "Invalid Credentials"),
        )
    };
    let seen = call_with_faults(write(), every_attempt(unauthorized())).await;
    assert_class(seen.error(), ErrorKind::Refold, RetryClass::Auth, false, false);
    assert_eq!((seen.attempts, seen.executed), (1, 0));
}

#[tokio::test]
async fn bad_request_400_is_permanent_and_not_retried() {
    let invalid = || {
        status_fault(
            400,
            refold_body(
                400,
                "BAD_REQUEST",
                "VALIDATION_ERROR",
                "Required parameter 'email' is missing",
            ),
        )
    };
    for (action, seen) in [
        ("read", call_with_faults(read(), every_attempt(invalid())).await),
        ("write", call_with_faults(write(), every_attempt(invalid())).await),
    ] {
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::Permanent, false, false);
        assert!(matches!(error, Error::Api(api) if api.error_code() == Some("VALIDATION_ERROR")));
        assert_eq!((seen.attempts, seen.executed), (1, 0), "{action}");
    }

    // The emulator's own validation: a write without its required email.
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let error = client
        .execute_raw("hubspot", "create_contact", &json!({ "firstname": "Ada" }))
        .await
        .unwrap_err();
    assert_class(&error, ErrorKind::Refold, RetryClass::Permanent, false, false);
    assert_eq!((execute_attempts(&emulator), emulator.executions().len()), (1, 0));
}

#[tokio::test]
async fn not_found_404_is_permanent_and_not_retried() {
    let missing = || {
        status_fault(
            404,
            refold_body(
                404,
                "NOT_FOUND",
                "SERVER_ERROR",
                "Action not found for the specified slug and action_id",
            ),
        )
    };
    for (action, seen) in [
        ("read", call_with_faults(read(), every_attempt(missing())).await),
        ("write", call_with_faults(write(), every_attempt(missing())).await),
    ] {
        assert_class(seen.error(), ErrorKind::Refold, RetryClass::Permanent, false, false);
        assert_eq!((seen.attempts, seen.executed), (1, 0), "{action}");
    }

    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let error = client
        .execute_raw_idempotent("hubspot", "no_such_action", &json!({}))
        .await
        .unwrap_err();
    assert_class(&error, ErrorKind::Refold, RetryClass::Permanent, false, false);
    assert_eq!(execute_attempts(&emulator), 1);
}

#[tokio::test]
async fn action_failed_is_not_retried_and_a_duplicate_did_not_execute_twice() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    client.execute(&write()).await.expect("first create succeeds");

    let error = client.execute(&write()).await.unwrap_err();
    assert_class(&error, ErrorKind::App, RetryClass::Permanent, false, false);
    let Error::ActionFailed { http_status, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*http_status, Some(409));
    assert_eq!(execute_attempts(&emulator), 2, "one attempt per call");
    // The emulator counts the rejected duplicate as a run of the action; no second contact exists.
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 2);
    let found = client
        .execute(&SearchContacts {
            query: "ada@example.com".into(),
        })
        .await
        .unwrap();
    assert_eq!(found.data["total"], 1);

    // A read whose app answers 404.
    let error = client
        .execute(&GetContact {
            email: "nobody@example.com".into(),
        })
        .await
        .unwrap_err();
    assert_class(&error, ErrorKind::App, RetryClass::Permanent, false, false);
    assert_eq!(emulator.executed_count("hubspot", "get_contact"), 1);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_that_may_have_executed_and_is_not_retried() {
    for (action, seen) in [
        (
            "read",
            call_with_faults(read(), every_attempt(Fault::TruncatedJson)).await,
        ),
        (
            "write",
            call_with_faults(write(), every_attempt(Fault::TruncatedJson)).await,
        ),
    ] {
        let error = seen.error();
        assert_class(error, ErrorKind::Refold, RetryClass::Permanent, true, false);
        let Error::Decode(decode) = error else {
            panic!("{error:?}")
        };
        assert!(decode.body_snippet().starts_with("{\"data\""), "{decode:?}");
        assert_eq!((seen.attempts, seen.executed), (1, 0), "{action}");
    }
}

// ---------------------------------------------------------------------------------------------
// Recovery: a retry that succeeds runs the action exactly once.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn read_recovers_from_transient_faults() {
    let seen = call_with_faults(
        read(),
        [Fault::DropBeforeBody, Fault::html(502, "<html>bad gateway</html>")],
    )
    .await;
    assert!(seen.result.is_ok(), "{:?}", seen.result);
    assert_eq!((seen.attempts, seen.executed), (3, 1));
}

#[tokio::test]
async fn write_recovers_from_throttling_and_executes_exactly_once() {
    let seen = call_with_faults(write(), [Fault::too_many_requests(1), Fault::RateLimit403]).await;
    let data = seen.result.expect("the third attempt succeeds");
    assert_eq!(data["properties"]["email"], "ada@example.com");
    assert_eq!((seen.attempts, seen.executed), (3, 1));
}

// ---------------------------------------------------------------------------------------------
// RetryPolicy, Retry-After and the deadline.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn retry_policy_none_makes_a_single_attempt_even_when_throttled() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::too_many_requests(0));
    let client = builder_for(&emulator)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.execute(&write()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(error.is_retryable(), "the caller may still retry it");
    assert_eq!(execute_attempts(&emulator), 1);
}

#[tokio::test]
async fn max_attempts_sets_how_many_times_a_read_is_tried() {
    let emulator = Emulator::start().await.unwrap();
    for _ in 0..10 {
        emulator.inject_for("/execute", Fault::refold_error(503));
    }
    let client = builder_for(&emulator)
        .retry_policy(fast_policy().with_max_attempts(5))
        .build()
        .unwrap();
    let error = client.execute(&read()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert_eq!(execute_attempts(&emulator), 5);
}

#[tokio::test]
async fn max_attempts_zero_counts_as_one() {
    assert_eq!(RetryPolicy::default().with_max_attempts(0).max_attempts(), 1);
    assert_eq!(RetryPolicy::none().max_attempts(), 1);
    assert_eq!(RetryPolicy::default().max_attempts(), 3);
}

#[tokio::test]
async fn retry_after_seconds_is_waited_before_the_next_attempt() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::too_many_requests(1));
    let client = builder_for(&emulator)
        .retry_policy(fast_policy().with_max_retry_after(Duration::from_secs(30)))
        .build()
        .unwrap();
    let started = Instant::now();
    client.execute(&write()).await.expect("the second attempt succeeds");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((execute_attempts(&emulator), emulator.executions().len()), (2, 1));
}

#[tokio::test]
async fn retry_after_http_date_is_waited_before_the_next_attempt() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for(
        "/execute",
        Fault::Status {
            status: 429,
            body: refold_body(429, "TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
            retry_after: Some(RetryAfter::HttpDate(SystemTime::now() + Duration::from_secs(3))),
        },
    );
    let client = builder_for(&emulator)
        .retry_policy(fast_policy().with_max_retry_after(Duration::from_secs(30)))
        .build()
        .unwrap();
    let started = Instant::now();
    client.execute(&write()).await.expect("the second attempt succeeds");
    // The date names a whole second at least two seconds ahead when it was written.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((execute_attempts(&emulator), emulator.executions().len()), (2, 1));
}

#[tokio::test]
async fn retry_after_longer_than_the_policy_cap_is_shortened_to_the_cap() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::too_many_requests(3600));
    emulator.inject_for("/execute", Fault::too_many_requests(3600));
    // fast_policy caps Retry-After at 20 ms: the call finishes instead of waiting an hour.
    let client = client_for(&emulator);
    client.execute(&write()).await.expect("the third attempt succeeds");
    assert_eq!((execute_attempts(&emulator), emulator.executions().len()), (3, 1));
}

#[tokio::test]
async fn computed_backoff_is_capped_by_max_backoff() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::refold_error(503));
    emulator.inject_for("/execute", Fault::refold_error(503));
    let client = builder_for(&emulator)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_secs(3600))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    client.execute(&read()).await.expect("the third attempt succeeds");
    assert_eq!(execute_attempts(&emulator), 3);
}

#[tokio::test]
async fn no_retry_starts_when_its_pause_would_pass_the_deadline() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::too_many_requests(10));
    let client = builder_for(&emulator)
        .retry_policy(fast_policy().with_max_retry_after(Duration::from_secs(30)))
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.execute(&write()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold, "the throttling itself is reported");
    assert_eq!(execute_attempts(&emulator), 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it did not wait out the Retry-After"
    );
}

#[tokio::test]
async fn deadline_spans_all_attempts_of_a_read() {
    let emulator = Emulator::start().await.unwrap();
    for _ in 0..3 {
        emulator.inject_for("/execute", Fault::Delay(Duration::from_millis(400)));
    }
    // Each attempt alone fits the timeout only if attempts do not share it; they do, and the
    // first slow attempt already uses it up.
    let client = builder_for(&emulator)
        .retry_policy(fast_policy().with_max_attempts(10))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client.execute(&read()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(execute_attempts(&emulator), 1);
}

// ---------------------------------------------------------------------------------------------
// Redirects.
// ---------------------------------------------------------------------------------------------

const EXECUTE_PATH: &str = "/api/v2/integration-schema/hubspot/actions/create_contact/execute";

#[track_caller]
fn assert_nothing_reached(other: &Emulator) {
    let leaked: Vec<_> = other
        .requests()
        .into_iter()
        .filter(|r| {
            r.header("x-api-key").is_some()
                || r.header("linked_account_id").is_some()
                || r.header("authorization").is_some()
        })
        .collect();
    assert!(leaked.is_empty(), "credentials reached the other origin: {leaked:?}");
    assert!(
        other.requests().is_empty(),
        "the redirect was followed: {:?}",
        other.requests()
    );
}

#[tokio::test]
async fn redirect_to_another_origin_is_not_followed_and_names_the_location() {
    let emulator = Emulator::start().await.unwrap();
    let other = Emulator::start().await.unwrap();
    let location = format!("{}{EXECUTE_PATH}", other.base_url());
    let client = client_for(&emulator);
    for status in [301, 302, 303, 307, 308] {
        emulator.inject_for(
            "/execute",
            Fault::Redirect {
                status,
                location: location.clone(),
            },
        );
        let error = client.execute(&write()).await.unwrap_err();
        assert_class(&error, ErrorKind::Refold, RetryClass::Permanent, false, false);
        assert_eq!(error.status(), None, "a redirect is not an error status");
        let Error::Redirect {
            location: named,
            status: redirected,
            ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(*redirected, status);
        assert_eq!(named.as_deref(), Some(location.as_str()));
        assert!(error.to_string().contains(&location), "{error}");
    }
    assert_eq!(execute_attempts(&emulator), 5, "one attempt per call, no retries");
    assert_nothing_reached(&other);
    assert_eq!(other.executions().len() + emulator.executions().len(), 0);
}

#[tokio::test]
async fn redirects_of_reads_and_session_token_calls_are_not_followed_either() {
    let emulator = Emulator::start().await.unwrap();
    let other = Emulator::start().await.unwrap();
    let redirect = |path: &str| Fault::Redirect {
        status: 307,
        location: format!("{}{path}", other.base_url()),
    };

    let client = client_for(&emulator);
    emulator.inject(redirect("/api/v2/integration-schema/hubspot/actions"));
    let error = client.list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);

    emulator.inject(redirect(
        "/api/v2/integration-schema/hubspot/actions/search_contacts/execute",
    ));
    let error = client.execute(&read()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);

    emulator.inject(redirect("/api/v2/public/session-token"));
    let error = client
        .mint_session_token(emulator.linked_account_id())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);

    // A session-token client must not carry its Authorization header away either.
    let token = client.mint_session_token(emulator.linked_account_id()).await.unwrap();
    let session_client = Client::builder()
        .session_token(token.expose_token())
        .base_url(emulator.base_url())
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    emulator.inject(redirect(
        "/api/v2/integration-schema/hubspot/actions/create_contact/execute",
    ));
    let error = session_client.execute(&write()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);

    assert_nothing_reached(&other);
}

// ---------------------------------------------------------------------------------------------
// Reply-size cap.
// ---------------------------------------------------------------------------------------------

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_over_the_default_cap_is_an_error_and_is_not_buffered() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    // Warm up the connection and allocator, so the baseline is not the first request's cost.
    client.execute(&read()).await.unwrap();
    let peak_before = proc_status_kib("VmHWM");

    emulator.inject_for("/execute", Fault::LargeBody { bytes: 100 * MIB });
    let error = client.execute(&read()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(
        matches!(error, Error::BodyTooLarge { status: 200, limit, .. } if limit == refold::DEFAULT_MAX_RESPONSE_BYTES)
    );
    assert_eq!(refold::DEFAULT_MAX_RESPONSE_BYTES, 32 * MIB);
    assert!(
        error.may_have_executed(),
        "a 2xx reply that was too large may be a success"
    );
    assert!(!error.is_retryable());
    assert_eq!(execute_attempts(&emulator), 2, "the too-large reply is not retried");

    if let (Some(before), Some(after)) = (peak_before, proc_status_kib("VmHWM")) {
        let growth_mib = after.saturating_sub(before) / 1024;
        println!("peak RSS before {before} KiB, after {after} KiB (growth {growth_mib} MiB)");
        assert!(
            growth_mib < 24,
            "reading a 100 MiB reply grew the peak RSS by {growth_mib} MiB"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_reply_over_the_cap_is_abandoned_while_streaming() {
    let (port, written) = chunked_body_server(100 * MIB).await;
    let client = Client::builder()
        .api_key("tk_chunked")
        .linked_account_id("ada@example.com")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_policy())
        .max_response_bytes(4 * MIB)
        .build()
        .unwrap();
    let peak_before = proc_status_kib("VmHWM");
    let error = client.execute(&read()).await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { status: 200, limit, .. } if limit == 4 * MIB),
        "{error:?}"
    );
    drop(client);
    // The peer stops once the client hangs up; it never gets the whole 100 MiB out.
    let mut last = u64::MAX;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = written.load(std::sync::atomic::Ordering::SeqCst);
        if now == last {
            break;
        }
        last = now;
    }
    let sent = written.load(std::sync::atomic::Ordering::SeqCst);
    println!("the chunked peer wrote {} KiB before the client hung up", sent / 1024);
    assert!(sent < 100 * MIB, "the client read the whole reply");
    if let (Some(before), Some(after)) = (peak_before, proc_status_kib("VmHWM")) {
        let growth_mib = after.saturating_sub(before) / 1024;
        assert!(growth_mib < 24, "a 4 MiB cap grew the peak RSS by {growth_mib} MiB");
    }
}

#[tokio::test]
async fn reply_cap_is_configurable_and_a_reply_at_the_cap_is_accepted() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator).max_response_bytes(MIB).build().unwrap();

    emulator.inject_for("/execute", Fault::LargeBody { bytes: MIB });
    let reply = client.execute(&read()).await.expect("a reply of exactly the cap fits");
    assert_eq!(reply.data["id"], "1001");

    emulator.inject_for("/execute", Fault::LargeBody { bytes: MIB + 1 });
    let error = client.execute(&read()).await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit, .. } if limit == MIB),
        "{error:?}"
    );
    assert!(error.to_string().contains("max_response_bytes"), "{error}");
}

#[tokio::test]
async fn a_reply_reached_through_a_followed_redirect_is_refused() {
    // A caller-supplied reqwest client follows redirects by default. The SDK cannot stop that
    // client from sending the request on, but it refuses the reply that comes back from the
    // other origin instead of returning it as Refold's answer.
    let emulator = Emulator::start().await.unwrap();
    let other = Emulator::builder().api_key(emulator.api_key()).start().await.unwrap();
    let location = format!("{}{EXECUTE_PATH}", other.base_url());
    let client = builder_for(&emulator)
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    emulator.inject_for(
        "/execute",
        Fault::Redirect {
            status: 307,
            location: location.clone(),
        },
    );

    let error = client.execute(&write()).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Refold);
    let Error::Redirect { location: named, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(named.as_deref(), Some(location.as_str()));
}
