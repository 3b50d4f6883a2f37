//! Tracing: every call runs in one `refold.call` span carrying the endpoint, slug, action id,
//! attempts, status, request id and elapsed time, and no credential ever reaches a log line,
//! whatever the mode (API key, session token, managed session tokens) or outcome.
//!
//! Logs are captured at TRACE, span openings and closings included, on the test's thread
//! (current-thread runtime), so every event of the client's futures is seen.

use crate::support::{CreateContact, Logs, SearchContacts, builder_for, capture_logs, client_for, fast_policy, field};
use refold::Client;
use refold_emulator::{Emulator, Fault};

const SPAN_FIELDS: [&str; 7] = [
    "endpoint",
    "slug",
    "action_id",
    "attempts",
    "status",
    "request_id",
    "elapsed_ms",
];

/// A span field's value without the quotes the formatter puts around strings.
fn value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    field(line, name).map(|v| v.trim_matches('"'))
}

fn execute_spans(logs: &Logs) -> Vec<String> {
    logs.call_spans()
        .into_iter()
        .filter(|line| value(line, "endpoint") == Some("execute"))
        .collect()
}

#[track_caller]
fn assert_secret_absent(logs: &Logs, secret: &str) {
    assert!(
        secret.len() >= 8,
        "a secret this short could match by chance: {secret:?}"
    );
    let text = logs.text();
    assert!(!text.is_empty(), "nothing was captured");
    if let Some(line) = text.lines().find(|line| line.contains(secret)) {
        panic!("a secret reached the logs: {line}");
    }
}

#[tokio::test]
async fn each_call_has_one_span_with_slug_action_attempts_status_request_id_and_elapsed_time() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let (logs, _guard) = capture_logs();

    let reply = client.execute(&CreateContact::new("ada@example.com")).await.unwrap();
    emulator.inject_for("/execute", Fault::refold_error(503));
    let found = client.execute(&SearchContacts { query: "ada".into() }).await.unwrap();

    let spans = execute_spans(&logs);
    assert_eq!(spans.len(), 2, "one span per call, not per attempt:\n{}", logs.text());
    for line in &spans {
        for name in SPAN_FIELDS {
            assert!(value(line, name).is_some(), "no {name} in {line}");
        }
        assert_eq!(value(line, "slug"), Some("hubspot"));
        assert_eq!(value(line, "status"), Some("200"));
        assert!(value(line, "elapsed_ms").unwrap().parse::<u64>().is_ok(), "{line}");
    }
    assert_eq!(value(&spans[0], "action_id"), Some("create_contact"));
    assert_eq!(value(&spans[0], "attempts"), Some("1"));
    assert_eq!(value(&spans[0], "request_id"), reply.request_id.as_deref());
    assert_eq!(value(&spans[1], "action_id"), Some("search_contacts"));
    assert_eq!(value(&spans[1], "attempts"), Some("2"), "the 503 was retried");
    assert_eq!(value(&spans[1], "request_id"), found.request_id.as_deref());
}

#[tokio::test]
async fn a_failed_call_records_its_attempts_status_and_request_id() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let (logs, _guard) = capture_logs();

    emulator.inject_for("/execute", Fault::refold_error(502));
    let error = client
        .execute(&CreateContact::new("ada@example.com"))
        .await
        .unwrap_err();

    let spans = execute_spans(&logs);
    assert_eq!(spans.len(), 1, "{}", logs.text());
    let line = &spans[0];
    assert_eq!(value(line, "attempts"), Some("1"), "a write is not retried after a 502");
    assert_eq!(value(line, "status"), Some("502"), "{line}");
    assert_eq!(value(line, "request_id"), error.request_id(), "{line}");
    assert!(value(line, "elapsed_ms").is_some(), "{line}");
}

#[tokio::test]
async fn api_key_never_appears_in_logs_even_when_calls_fail() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let wrong_key = "tk_wrong_key_that_must_stay_secret";
    let wrong = builder_for(&emulator).api_key(wrong_key).build().unwrap();
    let (logs, _guard) = capture_logs();

    client.execute(&CreateContact::new("ada@example.com")).await.unwrap();
    client
        .execute(&CreateContact::new("ada@example.com"))
        .await
        .unwrap_err();
    for fault in [
        Fault::DropAfterExecute,
        Fault::too_many_requests(0),
        Fault::TruncatedJson,
    ] {
        emulator.inject_for("/execute", fault);
        let _ = client.execute(&SearchContacts { query: "ada".into() }).await;
    }
    client.list_actions("hubspot").await.unwrap();
    client.action_parameters("hubspot", "create_contact").await.unwrap();
    let error = wrong
        .execute(&SearchContacts { query: "ada".into() })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401));

    assert_secret_absent(&logs, emulator.api_key());
    assert_secret_absent(&logs, wrong_key);
    assert!(!format!("{client:?} {wrong:?} {error:?} {error}").contains("tk_"));
}

#[tokio::test]
async fn session_tokens_never_appear_in_logs() {
    let emulator = Emulator::start().await.unwrap();
    let minter = client_for(&emulator);
    let (logs, _guard) = capture_logs();

    let token = minter.mint_session_token(emulator.linked_account_id()).await.unwrap();
    let session = Client::builder()
        .session_token(token.expose_token())
        .base_url(emulator.base_url())
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    session.execute(&CreateContact::new("ada@example.com")).await.unwrap();
    emulator.inject_for("/execute", Fault::refold_error(500));
    session
        .execute(&CreateContact::new("grace@example.com"))
        .await
        .unwrap_err();
    minter.revoke_session_token(&token).await.unwrap();
    // Revoked: now refused with a 401.
    session
        .execute(&CreateContact::new("alan@example.com"))
        .await
        .unwrap_err();

    assert_secret_absent(&logs, token.expose_token());
    let refresh = token
        .expose_refresh_token()
        .expect("the emulator sends a refresh token");
    assert_secret_absent(&logs, refresh);
    assert_secret_absent(&logs, emulator.api_key());
    assert!(!format!("{token:?} {session:?}").contains(token.expose_token()));
}

#[tokio::test]
async fn managed_session_tokens_never_appear_in_logs() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator).managed_session_tokens(true).build().unwrap();
    let (logs, _guard) = capture_logs();

    client.execute(&CreateContact::new("ada@example.com")).await.unwrap();
    emulator.expire_session_tokens();
    client.execute(&CreateContact::new("grace@example.com")).await.unwrap();
    client.revoke_managed_session_token().await.unwrap();
    client.execute(&SearchContacts { query: "a".into() }).await.unwrap();

    let tokens: Vec<String> = emulator
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization"))
        .map(|bearer| bearer.trim_start_matches("Bearer ").to_owned())
        .collect();
    assert!(tokens.len() >= 4, "{tokens:?}");
    for token in &tokens {
        assert_secret_absent(&logs, token);
    }
    assert_secret_absent(&logs, emulator.api_key());
    assert!(execute_spans(&logs).len() >= 3);
}
