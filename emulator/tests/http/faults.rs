//! Each fault kind, as a client sees it on the wire, and the request log.

use std::time::{Duration, Instant, SystemTime};

use refold_emulator::{Emulator, Fault, FaultBody, RetryAfter};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Harness, client, execute_path, send};

fn contact() -> Value {
    json!({ "email": "ada@example.com" })
}

#[tokio::test]
async fn status_fault_replies_instead_of_running_the_action() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::Status {
        status: 429,
        body: FaultBody::Json(json!({ "message": "slow down", "request_id": null })),
        retry_after: Some(RetryAfter::Seconds(7)),
    });
    let reply = h.execute("hubspot", "create_contact", contact()).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("7"));
    assert_eq!(reply.json()["message"], "slow down");
    assert_eq!(reply.json()["request_id"].as_str(), reply.header("x-request-id"));
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 0);
    assert_eq!(h.emulator.requests().len(), 1, "faulted requests are recorded");

    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045);
    h.emulator.inject(Fault::Status {
        status: 503,
        body: FaultBody::Empty,
        retry_after: Some(RetryAfter::HttpDate(when)),
    });
    let reply = h.execute("hubspot", "create_contact", contact()).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("Fri, 02 Jan 2026 03:04:05 GMT"));
    assert!(reply.body.is_empty());
    assert!(reply.header("x-request-id").is_some());
}

#[tokio::test]
async fn html_and_refold_error_faults() {
    let h = Harness::new().await;
    h.emulator
        .inject(Fault::html(502, "<html><body>Bad Gateway</body></html>"));
    h.emulator.inject(Fault::refold_error(500));
    h.emulator.inject(Fault::too_many_requests(2));
    let html = h.execute("hubspot", "create_contact", contact()).await;
    assert_eq!(html.status, 502);
    assert_eq!(html.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(String::from_utf8_lossy(&html.body).contains("Bad Gateway"));
    let refold = h.execute("hubspot", "create_contact", contact()).await;
    let body = refold.assert_error(500, "SERVER_ERROR", "");
    assert_eq!(body["http_error_type"], "INTERNAL_SERVER_ERROR");
    let throttled = h.execute("hubspot", "create_contact", contact()).await;
    throttled.assert_error(429, "RATE_LIMIT_EXCEEDED", "");
    assert_eq!(throttled.header("retry-after"), Some("2"));
    assert_eq!(
        h.execute("hubspot", "create_contact", contact()).await.status,
        200,
        "faults are one-shot"
    );
}

#[tokio::test]
async fn rate_limit_403_says_rate_limit() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::RateLimit403);
    let reply = h.execute("hubspot", "create_contact", contact()).await;
    let body = reply.assert_error(403, "RATE_LIMIT_EXCEEDED", "Rate Limit Hit");
    assert_eq!(body["http_error_type"], "FORBIDDEN");
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 0);
}

#[tokio::test]
async fn redirect_fault_sends_location_and_runs_nothing() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::Redirect {
        status: 307,
        location: "http://127.0.0.2:9/other-origin".into(),
    });
    let reply = h.execute("hubspot", "create_contact", contact()).await;
    assert_eq!(reply.status, 307);
    assert_eq!(reply.header("location"), Some("http://127.0.0.2:9/other-origin"));
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 0);
}

#[tokio::test]
async fn delay_fault_delays_then_handles_normally() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let reply = h.execute("hubspot", "create_contact", contact()).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(reply.json()["http_status"], 201);
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 1);
}

/// A client that gives up while the emulator waits has still sent the whole request: the action
/// runs, as it would on a real server, so the write "may have executed" from the client's side.
#[tokio::test]
async fn delay_fault_still_runs_the_action_when_the_client_times_out() {
    const DELAY: Duration = Duration::from_millis(400);
    let h = Harness::new().await;
    h.emulator.inject(Fault::Delay(DELAY));
    let started = Instant::now();
    let error = h
        .execute_request("hubspot", "create_contact", &contact())
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .expect_err("the reply comes after the client's timeout");
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < DELAY, "the client gave up before the delay ended");

    // The emulator finishes the request on its own after the delay; wait for it, within bounds.
    let deadline = Instant::now() + Duration::from_secs(10);
    while h.emulator.executed_count("hubspot", "create_contact") == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        h.emulator.executed_count("hubspot", "create_contact"),
        1,
        "the delayed write ran although its client had gone"
    );
    let stored = h.execute("hubspot", "get_contact", contact()).await;
    assert_eq!(
        stored.json()["data"]["properties"]["email"],
        "ada@example.com",
        "{:?}",
        stored.json()
    );
}

#[tokio::test]
async fn drop_before_body_closes_the_connection_without_running() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::DropBeforeBody);
    let result = client()
        .post(h.url(&execute_path("hubspot", "create_contact")))
        .header("x-api-key", h.emulator.api_key())
        .header("linked_account_id", h.emulator.linked_account_id())
        .json(&contact())
        .send()
        .await;
    let error = result.expect_err("the connection must close without a reply");
    assert!(error.is_request() || error.is_connect() || error.is_body(), "{error:?}");
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 0);
    let recorded = h.emulator.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].method, "POST");
    assert!(recorded[0].body.is_empty(), "the body was never read");
    assert_eq!(recorded[0].header("x-api-key"), Some(h.emulator.api_key()));
    // The server keeps serving.
    assert_eq!(h.execute("hubspot", "create_contact", contact()).await.status, 200);
}

#[tokio::test]
async fn drop_after_execute_runs_the_action_but_loses_the_reply() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::DropAfterExecute);
    let result = client()
        .post(h.url(&execute_path("hubspot", "create_contact")))
        .header("x-api-key", h.emulator.api_key())
        .header("linked_account_id", h.emulator.linked_account_id())
        .json(&contact())
        .send()
        .await;
    assert!(result.is_err(), "no reply expected: {result:?}");
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 1);
    assert_eq!(h.emulator.requests()[0].body_json().unwrap(), contact());
    // The write happened: a retry conflicts.
    let retry = h.execute("hubspot", "create_contact", contact()).await.json();
    assert_eq!(retry["http_status"], 409);
}

#[tokio::test]
async fn large_body_streams_exactly_the_requested_bytes_of_json() {
    let h = Harness::new().await;
    let size: u64 = 100 * 1024 * 1024;
    h.emulator.inject(Fault::LargeBody { bytes: size });
    let mut response = h
        .execute_request("hubspot", "get_contact", &contact())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(size));
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    let (mut total, mut head, mut tail) = (0u64, Vec::new(), Vec::new());
    while let Some(chunk) = response.chunk().await.unwrap() {
        if head.len() < 16 {
            head.extend_from_slice(&chunk[..chunk.len().min(16)]);
        }
        tail.extend_from_slice(&chunk);
        if tail.len() > 64 {
            tail.drain(..tail.len() - 64);
        }
        total += chunk.len() as u64;
    }
    assert_eq!(total, size);
    assert!(head.starts_with(b"{\"data\":{"));
    assert!(tail.ends_with(b"\"node_status\":\"Success\",\"http_status\":200}"));

    h.emulator.inject(Fault::LargeBody { bytes: 4096 });
    let small = send(h.execute_request("hubspot", "get_contact", &contact())).await;
    assert_eq!(small.body.len(), 4096);
    assert_eq!(small.json()["node_status"], "Success");
    assert_eq!(h.emulator.executed_count("hubspot", "get_contact"), 0);
}

#[tokio::test]
async fn truncated_json_is_json_typed_but_unparseable() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::TruncatedJson);
    let reply = h.execute("hubspot", "create_contact", contact()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
    assert!(reply.body.starts_with(b"{\"data\":"));
}

#[tokio::test]
async fn injected_faults_are_fifo_and_targeted_ones_wait_for_their_path() {
    let h = Harness::new().await;
    h.emulator.inject_for("/execute", Fault::empty(504));
    h.emulator.inject(Fault::empty(502));
    h.emulator.inject(Fault::empty(503));
    let list = || send(h.keyed(Method::GET, "/api/v2/integration-schema/hubspot/actions"));
    assert_eq!(list().await.status, 502);
    assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 504);
    assert_eq!(list().await.status, 503);
    assert_eq!(list().await.status, 200);
}

async fn statuses_with_random_faults(seed: u64) -> Vec<u16> {
    let h = Harness::new().await;
    h.emulator.set_random_faults(
        0.4,
        seed,
        vec![Fault::refold_error(503), Fault::RateLimit403, Fault::empty(502)],
    );
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(h.execute("hubspot", "search_contacts", json!({})).await.status.as_u16());
    }
    h.emulator.set_random_faults(0.0, seed, vec![Fault::refold_error(503)]);
    for _ in 0..10 {
        assert_eq!(
            h.execute("hubspot", "search_contacts", json!({})).await.status,
            200,
            "rate 0 is off"
        );
    }
    statuses
}

#[tokio::test]
async fn random_faults_are_deterministic_for_a_seed() {
    let a = statuses_with_random_faults(42).await;
    let b = statuses_with_random_faults(42).await;
    let c = statuses_with_random_faults(43).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    let faulted = a.iter().filter(|s| **s != 200).count();
    assert!((5..=30).contains(&faulted), "{a:?}");
    for status in [502, 503, 403, 200] {
        assert!(a.contains(&status), "{status} never drawn in {a:?}");
    }
}

#[tokio::test]
async fn requests_are_recorded_in_order_and_can_be_cleared() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::empty(500));
    h.execute("hubspot", "create_contact", contact()).await;
    send(h.keyed(Method::GET, "/api/v2/integration-schema/salesforce/actions?x=1")).await;
    let recorded = h.emulator.requests();
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded[0].path,
        "/api/v2/integration-schema/hubspot/actions/create_contact/execute"
    );
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(recorded[0].header("Linked_Account_Id"), Some("ada@example.com"));
    assert_eq!(recorded[0].header("content-type"), Some("application/json"));
    assert_eq!(recorded[1].method, "GET");
    assert_eq!(recorded[1].query.as_deref(), Some("x=1"));
    assert!(recorded[1].body.is_empty());
    h.emulator.clear_requests();
    assert!(h.emulator.requests().is_empty());
}

#[tokio::test]
async fn recording_can_be_turned_off() {
    let h = Harness::with(Emulator::builder().record_requests(false).start().await.unwrap());
    h.execute("hubspot", "search_contacts", json!({})).await;
    assert!(h.emulator.requests().is_empty());
    assert_eq!(h.emulator.executed_count("hubspot", "search_contacts"), 1);
}
