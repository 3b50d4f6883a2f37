//! Every error variant, produced over real HTTP (the emulator, or a small loopback peer for
//! what it cannot play), formatted as a full chain the way `anyhow`'s `{:#}` or a tracing error
//! chain prints it: `Display`, then each `source()`. Each cause must show exactly once, so no
//! message of the chain may repeat in another.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::{CreateContact, builder_for, client_for, closed_port, hang_up_server};
use refold::{Client, Error};
use refold_emulator::{Emulator, Fault};
use serde_json::json;

/// The `Display` of the error, then of each cause in its `source()` chain.
pub(crate) fn chain(error: &Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages
}

/// Fails when a message of the chain is empty or shows again, whole, inside another message.
#[track_caller]
fn assert_each_cause_once(error: &Error) {
    let messages = chain(error);
    for (i, message) in messages.iter().enumerate() {
        assert!(!message.trim().is_empty(), "an empty message in {messages:#?}");
        for (j, other) in messages.iter().enumerate() {
            assert!(
                i == j || !other.contains(message.as_str()),
                "message {i} {message:?} is repeated by message {j} {other:?}; whole chain: {messages:#?}"
            );
        }
    }
}

/// The variant's name, as `Debug` starts.
fn variant(error: &Error) -> String {
    format!("{error:?}")
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect()
}

fn quick(base_url: &str) -> Client {
    Client::builder()
        .api_key("tk_chain_key")
        .linked_account_id("ada@example.com")
        .base_url(base_url)
        .retry_policy(refold::RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// One error of every variant.
async fn one_of_each(emulator: &Emulator) -> Vec<Error> {
    let client = client_for(emulator);
    let mut errors = Vec::new();

    errors.push(Client::builder().build().unwrap_err());
    errors.push(client.execute_raw("Bad Slug", "x", &json!({})).await.unwrap_err());
    errors.push(
        client
            .execute_raw("hubspot", "create_contact", &json!({}))
            .await
            .unwrap_err(),
    );

    client.execute(&CreateContact::new("dup@example.com")).await.unwrap();
    errors.push(
        client
            .execute(&CreateContact::new("dup@example.com"))
            .await
            .unwrap_err(),
    );

    errors.push(
        quick(&format!("http://127.0.0.1:{}", closed_port().await))
            .list_actions("hubspot")
            .await
            .unwrap_err(),
    );
    let (port, _) = hang_up_server().await;
    errors.push(
        quick(&format!("http://127.0.0.1:{port}"))
            .list_actions("hubspot")
            .await
            .unwrap_err(),
    );

    emulator.inject_for("/execute", Fault::Delay(Duration::from_secs(5)));
    errors.push(
        client
            .execute(&CreateContact::new("slow@example.com"))
            .timeout(Duration::from_millis(100))
            .await
            .unwrap_err(),
    );

    emulator.inject(Fault::TruncatedJson);
    errors.push(
        client
            .execute(&CreateContact::new("cut@example.com"))
            .await
            .unwrap_err(),
    );

    emulator.inject(Fault::Redirect {
        status: 307,
        location: "https://elsewhere.example/".into(),
    });
    errors.push(client.list_actions("hubspot").await.unwrap_err());

    let managed = builder_for(emulator)
        .linked_account_id("stranger@example.com")
        .managed_session_tokens(true)
        .build()
        .unwrap();
    errors.push(managed.execute(&CreateContact::new("x@example.com")).await.unwrap_err());
    let unreachable = Client::builder()
        .api_key("tk_chain_key")
        .linked_account_id("ada@example.com")
        .managed_session_tokens(true)
        .base_url(format!("http://127.0.0.1:{}", closed_port().await))
        .retry_policy(refold::RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(
        unreachable
            .execute(&CreateContact::new("x@example.com"))
            .await
            .unwrap_err(),
    );

    let fail_closed = builder_for(emulator)
        .rate_limit(refold::RateLimit::default())
        .redis_rate_limit(format!("redis://127.0.0.1:{}", closed_port().await))
        .on_unavailable(refold::OnUnavailable::FailClosed)
        .retry_policy(refold::RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(fail_closed.list_actions("hubspot").await.unwrap_err());

    // An HTTP server where Redis should be: a misconfiguration, under either policy.
    let port = emulator
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let not_redis = builder_for(emulator)
        .rate_limit(refold::RateLimit::default())
        .redis_rate_limit(format!("redis://127.0.0.1:{port}"))
        .retry_policy(refold::RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(not_redis.list_actions("hubspot").await.unwrap_err());

    emulator.inject(Fault::LargeBody { bytes: 4096 });
    errors.push(
        builder_for(emulator)
            .max_response_bytes(1024)
            .build()
            .unwrap()
            .list_actions("hubspot")
            .await
            .unwrap_err(),
    );
    errors
}

#[tokio::test]
async fn the_full_chain_of_every_variant_shows_each_cause_once() {
    let emulator = Emulator::start().await.unwrap();
    let errors = one_of_each(&emulator).await;

    let seen: BTreeSet<String> = errors.iter().map(variant).collect();
    let expected = [
        "ActionFailed",
        "Api",
        "BodyTooLarge",
        "Config",
        "Connect",
        "Decode",
        "InvalidRequest",
        "RateLimiterMisconfigured",
        "RateLimiterUnavailable",
        "Redirect",
        "SessionMint",
        "Timeout",
        "Transport",
    ];
    assert_eq!(
        seen,
        expected.iter().map(|name| name.to_string()).collect(),
        "{errors:#?}"
    );

    for error in &errors {
        assert_each_cause_once(error);
    }
}

#[tokio::test]
async fn an_unreachable_shared_limiter_reaches_the_redis_error_through_source() {
    let emulator = Emulator::start().await.unwrap();
    let error = builder_for(&emulator)
        .redis_rate_limit(format!("redis://127.0.0.1:{}", closed_port().await))
        .on_unavailable(refold::OnUnavailable::FailClosed)
        .retry_policy(refold::RetryPolicy::none())
        .build()
        .unwrap()
        .list_actions("hubspot")
        .await
        .unwrap_err();
    let messages = chain(&error);
    assert_eq!(
        messages.len(),
        3,
        "the error, the stage, the Redis client's error: {messages:#?}"
    );
    assert!(messages[1].contains("could not reach Redis"), "{messages:#?}");
    assert!(messages[2].to_lowercase().contains("refused"), "{messages:#?}");
}

#[tokio::test]
async fn a_transport_error_reaches_the_reqwest_error_through_source() {
    let connect = quick(&format!("http://127.0.0.1:{}", closed_port().await))
        .list_actions("hubspot")
        .await
        .unwrap_err();
    let Error::Connect { source, .. } = &connect else {
        panic!("{connect:?}")
    };
    let reqwest_error = std::error::Error::source(source)
        .and_then(|cause| cause.downcast_ref::<refold::reqwest::Error>())
        .expect("the transport error's source is reqwest's error");
    assert!(reqwest_error.is_connect());
    let messages = chain(&connect);
    assert!(messages.len() >= 3, "{messages:#?}");
    assert!(!messages[0].contains(&reqwest_error.to_string()), "{messages:#?}");
}

#[tokio::test]
async fn a_failed_mint_keeps_its_evidence_in_the_source() {
    let emulator = Emulator::start().await.unwrap();
    let managed = builder_for(&emulator)
        .linked_account_id("stranger@example.com")
        .managed_session_tokens(true)
        .build()
        .unwrap();
    let error = managed.execute(&CreateContact::new("x@example.com")).await.unwrap_err();
    let Error::SessionMint { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(**source, Error::Api(_)), "{source:?}");
    assert_eq!(error.status(), Some(500), "the mint's status");
    assert_eq!(error.kind(), refold::ErrorKind::Refold);
    assert!(!error.is_retryable(), "an unknown linked account is not transient");
    assert_eq!(error.request_id(), source.request_id());
    let messages = chain(&error);
    assert!(messages[1].contains("create it or link"), "{messages:#?}");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}
