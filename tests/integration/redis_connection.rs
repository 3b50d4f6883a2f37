//! Reaching the shared rate limiter's Redis the way production runs it: over TLS with a private
//! CA, and as a Redis Cluster; and the errors that say why a Redis cannot be used. Each server is
//! a real `redis-server` the test starts (see `support::redis_server`).
//!
//! A Redis that answers but cannot be used (authentication failed, no such database, not a
//! Redis server, TLS failed) is a configuration mistake: calls fail with
//! `Error::RateLimiterMisconfigured` under both policies, never fall back, and nothing is sent.

use std::time::{Duration, Instant};

use crate::error_chain::chain;
use crate::redis_rate_limit::{ACCOUNT, API_KEY, call, emulator, second_client_wait};
use crate::support::redis_server::{RedisCluster, RedisServer, TestPki};
use refold::{Client, ClientBuilder, Error, ErrorKind, OnUnavailable, RateLimit, RetryPolicy};
use refold_emulator::Emulator;

const PASSWORD: &str = "redis-pw-7f3e1c";

fn builder(emulator: &Emulator) -> ClientBuilder {
    Client::builder()
        .api_key(API_KEY)
        .linked_account_id(ACCOUNT)
        .base_url(emulator.base_url())
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::none())
        .rate_limit(RateLimit::new(2, 1))
}

/// Checks the shape every misconfiguration error must have, under both policies: the variant,
/// `cause` in the first line, each line one line, no message repeated inside another, no
/// secret anywhere, and nothing sent.
async fn assert_misconfigured(emulator: &Emulator, configure: impl Fn(ClientBuilder) -> ClientBuilder, cause: &str) {
    for policy in [OnUnavailable::FailClosed, OnUnavailable::FallBackToLocal] {
        emulator.clear_requests();
        let client = configure(builder(emulator).on_unavailable(policy)).build().unwrap();
        let started = Instant::now();
        let error = call(&client, 0).await.expect_err("the Redis cannot be used");
        let messages = chain(&error);
        println!("{policy:?}: {messages:#?}");
        assert!(matches!(error, Error::RateLimiterMisconfigured { .. }), "{error:?}");
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(!error.is_retryable() && !error.may_have_executed());
        assert!(messages[0].contains(cause), "{messages:#?}");
        assert!(messages[0].contains("nothing was sent"), "{messages:#?}");
        for (i, message) in messages.iter().enumerate() {
            assert!(!message.contains('\n'), "not one line: {message:?}");
            for (j, other) in messages.iter().enumerate() {
                assert!(i == j || !other.contains(message.as_str()), "repeated: {messages:#?}");
            }
        }
        let everything = format!("{messages:?} {error:?} {client:?}");
        for secret in [API_KEY, PASSWORD] {
            assert!(!everything.contains(secret), "{secret} leaked: {everything}");
        }
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        assert!(emulator.requests().is_empty(), "a call was sent");
    }
}

#[tokio::test]
async fn clients_share_one_bucket_through_rediss_with_a_private_ca() {
    let Some(redis) = RedisServer::start_tls("rediss_private_ca") else {
        return;
    };
    let emulator = emulator().await;
    let tls = |emulator: &Emulator| {
        builder(emulator)
            .redis_rate_limit(redis.tls_url())
            .redis_root_certificate(redis.ca_pem())
            .on_unavailable(OnUnavailable::FailClosed)
            .build()
            .unwrap()
    };
    let (a, b) = (tls(&emulator), tls(&emulator));
    let waited = second_client_wait(&a, &b, 0).await;
    println!("through rediss://, the second client waited {waited:?}");
    assert!(waited >= Duration::from_millis(300), "not shared: {waited:?}");
    assert_eq!(redis.keys("refold:rate-limit:*").len(), 1);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_a_tls_error() {
    let Some(redis) = RedisServer::start_tls("rediss_wrong_ca") else {
        return;
    };
    let emulator = emulator().await;
    let other_ca = TestPki::generate("another CA").ca_pem;
    assert_misconfigured(
        &emulator,
        |builder| {
            builder
                .redis_rate_limit(redis.tls_url())
                .redis_root_certificate(other_ca.clone())
        },
        "TLS failed",
    )
    .await;
}

#[tokio::test]
async fn a_client_certificate_opens_a_redis_that_requires_one() {
    let Some(redis) = RedisServer::start_tls_with("rediss_client_certificate", true) else {
        return;
    };
    let emulator = emulator().await;
    // Without a certificate, the server ends the handshake: a TLS failure, not an outage.
    assert_misconfigured(
        &emulator,
        |builder| {
            builder
                .redis_rate_limit(redis.tls_url())
                .redis_root_certificate(redis.ca_pem())
        },
        "TLS failed",
    )
    .await;
    let (certificate, key) = redis.client_certificate();
    let client = builder(&emulator)
        .redis_rate_limit(redis.tls_url())
        .redis_root_certificate(redis.ca_pem())
        .redis_client_certificate(certificate, key)
        .on_unavailable(OnUnavailable::FailClosed)
        .build()
        .unwrap();
    call(&client, 0).await.expect("admitted with a client certificate");
    assert_eq!(redis.keys("refold:rate-limit:*").len(), 1);
}

#[tokio::test]
async fn a_wrong_or_missing_password_is_an_authentication_error() {
    let Some(redis) = RedisServer::start_with("wrong_password", &["--requirepass", PASSWORD]) else {
        return;
    };
    let emulator = emulator().await;
    let wrong = format!("redis://:{PASSWORD}-not@127.0.0.1:{}", redis.port());
    assert_misconfigured(
        &emulator,
        |builder| builder.redis_rate_limit(wrong.clone()),
        "authentication failed",
    )
    .await;
    assert_misconfigured(
        &emulator,
        |builder| builder.redis_rate_limit(redis.url()),
        "authentication failed",
    )
    .await;

    // The right password works, through the same kind of client.
    let right = builder(&emulator)
        .redis_rate_limit(format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port()))
        .on_unavailable(OnUnavailable::FailClosed)
        .build()
        .unwrap();
    call(&right, 1).await.expect("the right password is accepted");
}

#[tokio::test]
async fn a_database_redis_does_not_have_is_named() {
    let Some(redis) = RedisServer::start("missing_database") else {
        return;
    };
    let emulator = emulator().await;
    let url = format!("{}/99", redis.url());
    assert_misconfigured(
        &emulator,
        |builder| builder.redis_rate_limit(url.clone()),
        "no such database",
    )
    .await;
}

#[tokio::test]
async fn a_server_that_is_not_redis_is_named() {
    let emulator = emulator().await;
    // The emulator's own port: an HTTP server.
    let port = emulator
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let url = format!("redis://127.0.0.1:{port}");
    assert_misconfigured(
        &emulator,
        |builder| builder.redis_rate_limit(url.clone()),
        "not a Redis server",
    )
    .await;
}

#[tokio::test]
async fn a_fix_on_the_server_takes_effect_without_a_restart() {
    let Some(redis) = RedisServer::start_with("password_fixed", &["--requirepass", PASSWORD]) else {
        return;
    };
    let emulator = emulator().await;
    let client = builder(&emulator)
        .redis_rate_limit(redis.url())
        .on_unavailable(OnUnavailable::FailClosed)
        .build()
        .unwrap();
    let error = call(&client, 0).await.expect_err("a password is required");
    assert!(matches!(error, Error::RateLimiterMisconfigured { .. }), "{error:?}");
    redis.command_authenticated(PASSWORD, &["CONFIG", "SET", "requirepass", ""]);
    assert_eq!(
        redis.command(&["PING"]).as_deref(),
        Some("+PONG"),
        "the password is off"
    );
    call(&client, 1)
        .await
        .expect("the same client is admitted once the server accepts it");
}

#[tokio::test]
async fn the_redis_timeout_is_configurable_and_its_message_names_it() {
    let Some(redis) = RedisServer::start("configurable_timeout") else {
        return;
    };
    let emulator = emulator().await;
    let client = builder(&emulator)
        .rate_limit(RateLimit::new(50, 5))
        .redis_rate_limit(redis.url())
        .redis_timeout(Duration::from_millis(700))
        .on_unavailable(OnUnavailable::FailClosed)
        .build()
        .unwrap();
    call(&client, 0).await.expect("Redis answers");
    redis.pause();
    let started = Instant::now();
    let error = call(&client, 1).await.expect_err("Redis is frozen");
    let took = started.elapsed();
    redis.resume();
    let messages = chain(&error);
    assert!(matches!(error, Error::RateLimiterUnavailable { .. }), "{error:?}");
    assert!(messages[1].contains("700 ms"), "{messages:#?}");
    assert!(
        took >= Duration::from_millis(650) && took < Duration::from_secs(3),
        "{took:?}"
    );

    let zero = builder(&emulator)
        .redis_rate_limit(redis.url())
        .redis_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(zero.kind(), ErrorKind::Config, "{zero}");
}

#[tokio::test]
async fn certificates_without_rediss_are_a_configuration_error() {
    let error = Client::builder()
        .api_key(API_KEY)
        .redis_rate_limit("redis://127.0.0.1:6379")
        .redis_root_certificate(TestPki::generate("a CA").ca_pem)
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.to_string().contains("rediss://"), "{error}");
    let garbage = Client::builder()
        .api_key(API_KEY)
        .redis_rate_limit("rediss://127.0.0.1:6379")
        .redis_root_certificate("not a certificate")
        .build();
    // PEM text without a certificate block holds no CA: either refused now or by the handshake.
    if let Err(error) = garbage {
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_routes_each_account_to_its_slot_and_shares_the_bucket() {
    let Some(cluster) = RedisCluster::start("cluster") else {
        return;
    };
    let emulator = emulator().await;
    let on_cluster = || {
        builder(&emulator)
            .redis_cluster_rate_limit(cluster.urls())
            .on_unavailable(OnUnavailable::FailClosed)
            .build()
            .unwrap()
    };
    let (a, b) = (on_cluster(), on_cluster());
    let waited = second_client_wait(&a, &b, 0).await;
    println!("through the cluster, the second client waited {waited:?}");
    assert!(waited >= Duration::from_millis(300), "not shared: {waited:?}");

    // Many accounts: their keys spread over the nodes, each on the node owning its slot.
    let accounts: Vec<String> = (0..12).map(|n| format!("account{n}@example.com")).collect();
    for (n, account) in accounts.iter().enumerate() {
        emulator.add_linked_account(account);
        call(&a.for_linked_account(account.clone()), 100 + n).await.unwrap();
    }
    let per_node: Vec<usize> = cluster
        .nodes
        .iter()
        .map(|node| node.keys("refold:rate-limit:*").len())
        .collect();
    println!("keys per node: {per_node:?}");
    assert_eq!(per_node.iter().sum::<usize>(), 13, "{per_node:?}");
    assert!(per_node.iter().filter(|keys| **keys > 0).count() >= 2, "{per_node:?}");
}

/// A URL whose scheme does not match the port is a common slip. Each direction shows as an
/// outage (a reset, or a silence, is what a failing server or load balancer produces too, so it
/// still falls back or fails closed as configured), but the message names the likely cause.
#[tokio::test]
async fn a_scheme_that_does_not_match_the_port_is_named_as_the_likely_cause() {
    let Some(redis) = RedisServer::start_tls("scheme_mismatch") else {
        return;
    };
    let emulator = emulator().await;
    let fail_closed = |url: String| {
        builder(&emulator)
            .redis_rate_limit(url)
            .redis_root_certificate(redis.ca_pem())
            .on_unavailable(OnUnavailable::FailClosed)
            .build()
            .unwrap()
    };
    let plain = Client::builder()
        .api_key(API_KEY)
        .linked_account_id(ACCOUNT)
        .base_url(emulator.base_url())
        .retry_policy(RetryPolicy::none())
        .rate_limit(RateLimit::new(2, 1))
        .redis_rate_limit(redis.tls_url().replace("rediss://", "redis://"))
        .on_unavailable(OnUnavailable::FailClosed)
        .build()
        .unwrap();
    let error = call(&plain, 0)
        .await
        .expect_err("the TLS port resets a plain connection");
    let messages = chain(&error);
    assert!(matches!(error, Error::RateLimiterUnavailable { .. }), "{error:?}");
    assert!(messages[1].contains("rediss://"), "{messages:#?}");

    let tls_to_plain = fail_closed(format!("rediss://127.0.0.1:{}", redis.port()));
    let error = call(&tls_to_plain, 1)
        .await
        .expect_err("a plain port never answers a TLS hello");
    let messages = chain(&error);
    assert!(matches!(error, Error::RateLimiterUnavailable { .. }), "{error:?}");
    assert!(messages[1].contains("redis://"), "{messages:#?}");
    assert_eq!(emulator.requests().len(), 0, "nothing was sent");
}
