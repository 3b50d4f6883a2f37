//! Per-call settings: `.timeout(d)` and `.retry_policy(p)` on the futures of `execute` and of
//! the raw variants replace the client's settings for that one call, and only for it.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::support::{SearchContacts, builder_for, client_for, execute_attempts, fast_policy};
use refold::{Error, RetryPolicy};
use refold_emulator::{Emulator, Fault};
use serde_json::json;

fn search() -> SearchContacts {
    SearchContacts { query: "ada".into() }
}

#[tokio::test]
async fn a_call_timeout_replaces_the_clients_for_that_call_only() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator).timeout(Duration::from_secs(20)).build().unwrap();

    emulator.inject_for("/execute", Fault::Delay(Duration::from_millis(1500)));
    let started = Instant::now();
    let error = client
        .execute(&search())
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Timeout(timeout) if timeout.may_have_sent()),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );

    // The next call has the client's 20 s again and outlasts the same delay.
    emulator.inject_for("/execute", Fault::Delay(Duration::from_millis(400)));
    client.execute(&search()).await.unwrap();
}

#[tokio::test]
async fn a_raw_call_timeout_replaces_the_clients() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    emulator.inject_for("/execute", Fault::Delay(Duration::from_millis(1500)));
    let error = client
        .execute_raw_idempotent("hubspot", "search_contacts", &json!({ "query": "ada" }))
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_call_retry_policy_replaces_the_clients_for_that_call_only() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator); // three attempts

    emulator.inject_for("/execute", Fault::refold_error(503));
    let error = client
        .execute(&search())
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(execute_attempts(&emulator), 1, "the call's policy allowed one attempt");

    emulator.inject_for("/execute", Fault::refold_error(503));
    client.execute(&search()).await.unwrap();
    assert_eq!(
        execute_attempts(&emulator),
        3,
        "the client's policy retried the next call"
    );
}

#[tokio::test]
async fn a_raw_call_can_retry_more_than_its_client() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    emulator.inject_for("/execute", Fault::refold_error(503));
    let reply = client
        .execute_raw_idempotent("hubspot", "search_contacts", &json!({ "query": "ada" }))
        .retry_policy(fast_policy())
        .await
        .unwrap();
    assert!(reply.data["results"].is_array(), "{}", reply.data);
    assert_eq!(execute_attempts(&emulator), 2);

    // A write is still never repeated after an unknown outcome, whatever the call's policy.
    emulator.inject_for("/execute", Fault::refold_error(503));
    let error = client
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .retry_policy(fast_policy().with_max_attempts(5))
        .await
        .unwrap_err();
    assert!(error.may_have_executed());
    assert_eq!(execute_attempts(&emulator), 3);
}

#[tokio::test]
async fn an_invalid_raw_call_fails_on_its_first_poll_without_sending() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let future = client
        .execute_raw("Not A Slug", "create_contact", &json!({}))
        .timeout(Duration::from_secs(1));
    assert!(emulator.requests().is_empty());
    let error = future.await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn setting_an_option_after_the_first_poll_panics_with_a_message() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let action = search();
    let mut future = client.execute(&action);
    // One poll starts the call.
    std::future::poll_fn(|cx| {
        let _ = Pin::new(&mut future).poll(cx);
        Poll::Ready(())
    })
    .await;
    let panic = catch_unwind(AssertUnwindSafe(move || drop(future.timeout(Duration::from_secs(1)))))
        .expect_err("a started call cannot change its timeout");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("before awaiting"), "{message}");
}
